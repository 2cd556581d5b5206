"""`set` and `new` in their plain forms run without click (tracker/cli/fast.py): same output,
errors, exit codes, files and commits as through click, whose forms with `--` force."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import git, run_tracker, write_tree

ITEMS = {
    "issues/issue-aaaa1111.md": "---\ntitle: Imprimer les tracts\nstatus: open\n"
                                "priority: normal\n---\nCorps.\n",
    "issues/issue-aaaa2222.md": "---\ntitle: Coller les affiches\nstatus: open\n---\n",
    "issues/issue-bbbb3333.md": "---\ntitle: Réserver la salle\nstatus: done\n---\n",
}
SET_CASES = [
    ["issue-aaaa1111", "priority=high"], ["issue-aaaa1111", "priority=normal"],
    ["issue-aaaa1111", "priority=nope"], ["issue-zzzz9999", "priority=high"],
    ["issue-aaaa", "priority=high"], ["issue-b", "priority=low", "assignee=nadia"],
    ["issue-aaaa2222", "due=2026-02-30"], ["issue-aaaa2222", "extra=7", "tags=a,b"],
    ["issue-aaaa2222", "=x"], ["issue-aaaa2222", "title="], ["../x", "a=b"],
    ["issue-aaaa2222", "status=done"],
]
NEW_CASES = [
    ["issue", "Nouvelle tâche"], ["issue", "Avec champs", "--set", "priority=high",
                                  "--set", "tags=terrain,web"],
    ["issue", "Mauvais", "--set", "priority=nope"], ["nokind", "Rien"],
    ["issue", "Sans égal", "--set", "priority"], ["issue", ""],
]


@pytest.fixture
def template(tmp_path: Path) -> Path:
    folder = tmp_path / "template"
    folder.mkdir()
    assert run_tracker(folder, "init").returncode == 0
    write_tree(folder, ITEMS)
    git(folder, "add", "-A")
    git(folder, "commit", "-q", "-m", "items")
    return folder


def copy(template: Path, name: str) -> Path:
    target = template.parent / name
    shutil.copytree(template, target, symlinks=True)
    return target


def state(folder: Path) -> tuple[dict[str, str], list[str]]:
    files = {str(p.relative_to(folder)): re.sub(r"created: .*", "created: X", p.read_text())
             for p in sorted((folder / "issues").glob("*.md"))}
    log = git(folder, "log", "--format=%s", "--name-status").splitlines()
    ids = sorted({m for text in [*files, *log] for m in re.findall(r"issue-[0-9a-z]{8}", text)}
                 - {re.search(r"issue-[0-9a-z]{8}", k).group(0) for k in ITEMS})
    normal = {new: f"issue-NEW{n}" for n, new in enumerate(ids)}

    def norm(text: str) -> str:
        for old, new in normal.items():
            text = text.replace(old, new)
        return text
    return ({norm(k): norm(v) for k, v in files.items()}, [norm(line) for line in log])


def both(template: Path, command: str, operands: list[str]) -> None:
    quick, slow = copy(template, "quick"), copy(template, "slow")
    fast = run_tracker(quick, command, *operands)
    forced = run_tracker(slow, command, "--", *operands) if command == "set" or \
        "--set" not in operands else run_tracker(slow, command, *operands[2:], "--",
                                                 *operands[:2])
    pattern = r"issue-[0-9a-z]{8}"
    same_out = re.sub(pattern, "ID", fast.stdout) == re.sub(pattern, "ID", forced.stdout)
    assert (fast.returncode, fast.stderr) == (forced.returncode, forced.stderr), operands
    assert same_out, (fast.stdout, forced.stdout)
    assert state(quick) == state(slow), operands
    shutil.rmtree(quick)
    shutil.rmtree(slow)


@pytest.mark.parametrize("operands", SET_CASES)
def test_set_answers_as_through_click(template, operands):
    both(template, "set", operands)


@pytest.mark.parametrize("operands", NEW_CASES)
def test_new_answers_as_through_click(template, operands):
    both(template, "new", operands)


def test_the_plain_forms_do_not_load_click(template):
    env = {**os.environ}
    for args in (["set", "issue-aaaa1111", "priority=high"], ["new", "issue", "Vite"],
                 ["-C", str(template), "set", "issue-aaaa2222", "priority=low"]):
        done = subprocess.run([sys.executable, "-X", "importtime", "-m", "tracker", *args],
                              cwd=template, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()}
        assert "click" not in imported, args
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "tracker", "set",
                           "issue-aaaa1111", "--no-commit", "priority=low"], cwd=template,
                          env=env, capture_output=True, text=True)
    assert "click" in {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()}


def test_outside_a_tracker_and_a_missing_folder(tmp_path):
    outside = run_tracker(tmp_path, "set", "issue-x", "a=b")
    forced = run_tracker(tmp_path, "set", "--", "issue-x", "a=b")
    assert (outside.returncode, outside.stderr) == (forced.returncode, forced.stderr)
    assert outside.returncode == 1 and outside.stderr.startswith("Error: no tracker here")
    missing = run_tracker(tmp_path, "-C", "nowhere", "set", "issue-x", "a=b")
    assert missing.returncode != 0 and "Traceback" not in missing.stderr


@pytest.mark.parametrize(("args", "decided"), [
    (["--version"], ("version", None, [])),
    (["set", "issue-a", "x=1"], ("set", None, ["issue-a", "x=1"])),
    (["-C", ".", "new", "issue", "T", "--set", "a=b"],
     ("new", ".", ["issue", "T", "--set", "a=b"])),
    (["-C.", "set", "issue-a", "x=1"], ("set", ".", ["issue-a", "x=1"])),
    (["-C", "nowhere", "set", "issue-a", "x=1"], ("click", "nowhere", ["issue-a", "x=1"])),
    (["set", "issue-a", "--no-commit", "x=1"], ("click", None, ["issue-a", "--no-commit", "x=1"])),
    (["new", "issue", "T", "--set"], ("click", None, ["issue", "T", "--set"])),
    (["-C", ".", "list", "--where", "x"], ("read", ".", ["--where", "x"])),
    (["list", "--at", "HEAD~1"], ("click", None, ["--at", "HEAD~1"])),
    (["--help"], ("click", None, [])), (["-C"], ("click", None, [])), ([], ("click", None, [])),
])
def test_the_command_line_is_read_once_and_decided(args, decided):
    from tracker.cli import fast

    assert fast.read(args) == decided
