"""Test builders: run the CLI, write trees of files, read git state."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

from click.testing import CliRunner, Result

from tracker.cli import cli

Invoke = Callable[..., Result]


def make_invoke(folder: Path) -> Invoke:
    """A function running `tracker -C folder ARGS…` in-process, stdout and stderr apart."""
    def invoke(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Result:
        runner = CliRunner()
        return runner.invoke(cli, ["-C", str(folder), *args], input=input, env=env,
                             catch_exceptions=False)
    return invoke


def tracker_exe() -> list[str]:
    """The installed `tracker` console script beside this Python."""
    script = Path(sys.executable).parent / "tracker"
    if script.exists():
        return [str(script)]
    found = shutil.which("tracker")
    return [found] if found else [sys.executable, "-m", "tracker"]


def run_tracker(folder: Path, *args: str, input: str | None = None,
                env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the installed `tracker` in a subprocess, in `folder`."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([*tracker_exe(), *args], cwd=folder, input=input, text=True,
                          capture_output=True, env=full_env, encoding="utf-8")


def git(folder: Path, *args: str, check: bool = True) -> str:
    done = subprocess.run(["git", *args], cwd=folder, capture_output=True, text=True)
    if check and done.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {done.stderr}")
    return done.stdout


def write_tree(root: Path, files: dict[str, str | bytes]) -> None:
    """Write files (text or bytes) under root, creating folders."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_bytes(content.encode("utf-8"))


def commit_all(root: Path, message: str = "hand edit", date: str | None = None) -> str:
    """Stage everything and commit as a person would with plain git; returns the sha."""
    env = dict(os.environ)
    if date:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = date
    subprocess.run(["git", "add", "-A"], cwd=root, check=True, env=env)
    subprocess.run(["git", "commit", "-q", "-m", message], cwd=root, check=True, env=env)
    return git(root, "rev-parse", "HEAD").strip()


def log_subjects(root: Path) -> list[str]:
    return git(root, "log", "--format=%s").splitlines()


def status_porcelain(root: Path) -> str:
    return git(root, "status", "--porcelain")


def as_json(result: Result) -> Any:
    assert result.exit_code == 0, result.output + result.stderr
    return json.loads(result.stdout)


# ---------------------------------------------------------------- builders for the core tests

GOLDEN = Path(__file__).parent / "data" / "golden"


def new_item(invoke: Invoke, kind: str, title: str, *sets: str, args: tuple[str, ...] = ()) -> str:
    """Create an item through the CLI and return its id."""
    options = [part for assignment in sets for part in ("--set", assignment)]
    result = invoke("new", kind, title, *options, *args)
    assert result.exit_code == 0, result.stderr
    return result.stdout.strip()


def item_file(root: Path, item_id: str, folder: str = "issues") -> Path:
    return root / folder / f"{item_id}.md"


def write_kind(root: Path, name: str, text: str) -> None:
    """Add a kind file to the tracker in `root` and commit it, as a person would."""
    write_tree(root, {f".tracker/kinds/{name}.yaml": text})
    commit_all(root, f"add kind {name}")


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file of the work tree (outside .git) with its bytes."""
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*"))
            if p.is_file() and ".git" not in p.relative_to(root).parts}


def head(root: Path) -> str:
    return git(root, "rev-parse", "HEAD").strip()


def assert_error(result: Result, exit_code: int, *fragments: str) -> str:
    """The result is a refusal: the exit code, one `Error: …` line naming every fragment,
    no traceback, nothing on stdout. Returns the error line."""
    assert result.exit_code == exit_code, (result.exit_code, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    assert result.stdout == ""
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.stderr
    for fragment in fragments:
        assert fragment in errors[0], (fragment, errors[0])
    return errors[0]


def assert_json_error(result: Result, exit_code: int, *fragments: str) -> dict:
    """A refusal under `--format json`: the exit code, nothing on stdout, and stderr one line
    of JSON `{"error", "problems"}` whose error names every fragment. Returns the object."""
    assert result.exit_code == exit_code, (result.exit_code, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert result.stderr.count("\n") == 1, result.stderr
    answer = json.loads(result.stderr)
    assert set(answer) == {"error", "problems"}, answer
    for fragment in fragments:
        assert fragment in answer["error"], (fragment, answer)
    return answer


def assert_one_line_error(result: Result, exit_code: int, *fragments: str) -> str:
    """As `assert_error`, and stderr is that single line and nothing else."""
    line = assert_error(result, exit_code, *fragments)
    assert result.stderr == line + "\n", result.stderr
    return line


def changed_region(before: bytes, after: bytes) -> tuple[list[bytes], list[bytes]]:
    """The lines (with their endings) that differ between two files: the old lines and the
    new lines between the longest common prefix and the longest common suffix."""
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    start = 0
    while start < min(len(old), len(new)) and old[start] == new[start]:
        start += 1
    end = 0
    while (end < min(len(old), len(new)) - start
           and old[len(old) - 1 - end] == new[len(new) - 1 - end]):
        end += 1
    return old[start:len(old) - end], new[start:len(new) - end]


def editor_script(folder: Path, name: str, python_body: str) -> str:
    """An executable editor (a small Python script) that receives the file to edit as argv[1]."""
    path = folder / name
    path.write_text(f"#!{sys.executable}\nimport sys, pathlib\n"
                    f"path = pathlib.Path(sys.argv[1])\n{python_body}\n", encoding="utf-8")
    path.chmod(0o755)
    return str(path)
