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
