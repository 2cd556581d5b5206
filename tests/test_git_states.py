"""The tracker in unusual git states: each works, or gives one clear error saying what to do."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.helpers import commit_all, git, run_tracker, status_porcelain, write_tree


def ok(folder: Path, *args: str) -> str:
    done = run_tracker(folder, *args)
    assert done.returncode == 0, (args, done.stderr)
    assert "Traceback" not in done.stderr
    return done.stdout


def refused(folder: Path, code: int, *args: str) -> str:
    """One `Error:` line on stderr, nothing else there, no traceback, the exit code."""
    done = run_tracker(folder, *args)
    assert done.returncode == code, (args, done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error:"), done.stderr
    return lines[0]


def exercise(folder: Path, item_folder: str = "issues") -> str:
    """The everyday commands, each expected to work; returns the id it made."""
    item_id = ok(folder, "new", "issue", "Everyday").strip()
    ok(folder, "set", item_id, "assignee=ada")
    ok(folder, "move", item_id, "in-progress")
    listed = json.loads(ok(folder, "list", "--format", "json"))
    assert item_id in [r["id"] for r in listed]
    shown = json.loads(ok(folder, "show", item_id, "--format", "json"))
    assert (shown["assignee"], shown["status"]) == ("ada", "in-progress")
    assert shown["path"].endswith(f"{item_folder}/{item_id}.md")
    ok(folder, "check")
    log = json.loads(ok(folder, "log", item_id, "--format", "json"))
    assert [e["message"] for e in log][:1] == [f"move {item_id}: open -> in-progress"]
    ok(folder, "diff", "HEAD~1")
    ok(folder, "list", "--at", "HEAD~1")
    return item_id


@pytest.fixture
def project(tmp_path: Path) -> Path:
    folder = tmp_path / "p"
    folder.mkdir()
    ok(folder, "init")
    ok(folder, "new", "issue", "First")
    return folder


def test_detached_head(project):
    git(project, "checkout", "-q", "--detach")
    exercise(project)
    assert git(project, "rev-parse", "--abbrev-ref", "HEAD").strip() == "HEAD"
    assert status_porcelain(project) == ""


def _conflict_in_readme(folder: Path, command: list[str]) -> None:
    write_tree(folder, {"README.md": "base\n"})
    commit_all(folder, "readme")
    git(folder, "checkout", "-q", "-b", "other")
    write_tree(folder, {"README.md": "theirs\n"})
    commit_all(folder, "theirs")
    git(folder, "checkout", "-q", "main")
    write_tree(folder, {"README.md": "ours\n"})
    commit_all(folder, "ours")
    git(folder, *command, "other", check=False)


def test_in_the_middle_of_a_merge(project):
    _conflict_in_readme(project, ["merge", "-q"])
    assert (project / ".git" / "MERGE_HEAD").exists()
    item_id = json.loads(ok(project, "list", "--format", "json"))[0]["id"]
    ok(project, "show", item_id)
    ok(project, "check")
    # git refuses partial commits during a merge: the change is staged for the merge's
    # own commit, and the command says so
    done = run_tracker(project, "set", item_id, "assignee=ada")
    assert done.returncode == 0, done.stderr
    assert "staged for the commit that concludes the merge" in done.stderr
    assert git(project, "diff", "--cached", "--name-only", "--", "issues").strip() == \
        f"issues/{item_id}.md"
    assert (project / ".git" / "MERGE_HEAD").exists()


def test_in_the_middle_of_a_rebase(project):
    _conflict_in_readme(project, ["rebase", "-q"])
    assert (project / ".git" / "rebase-merge").exists() or (project / ".git" / "rebase-apply").exists()
    item_id = json.loads(ok(project, "list", "--format", "json"))[0]["id"]
    ok(project, "show", item_id)
    done = run_tracker(project, "set", item_id, "assignee=ada")
    assert "Traceback" not in done.stderr
    if done.returncode != 0:  # refusing is fine, if it says why
        assert "rebase" in done.stderr.lower(), done.stderr


def test_a_shallow_clone(project, tmp_path):
    for n in range(3):
        ok(project, "new", "issue", f"More {n}")
    clone = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{project}", str(clone))
    assert git(clone, "rev-parse", "--is-shallow-repository").strip() == "true"
    listed = json.loads(ok(clone, "list", "--format", "json"))
    assert len(listed) == 4
    item_id = listed[0]["id"]
    ok(clone, "set", item_id, "assignee=ada")
    ok(clone, "log", item_id)
    ok(clone, "diff", "HEAD~1")
    error = refused(clone, 2, "list", "--at", "HEAD~5")
    assert "HEAD~5" in error


def test_a_bare_repository_gives_one_clear_error(tmp_path, project):
    bare = tmp_path / "bare.git"
    git(tmp_path, "clone", "-q", "--bare", str(project), str(bare))
    for args in (["list"], ["check"], ["new", "issue", "X"]):
        error = refused(bare, 1, *args)
        assert "tracker" in error.lower() or "bare" in error.lower()
    before = sorted(p.name for p in bare.iterdir())
    done = run_tracker(bare, "init")
    assert "Traceback" not in done.stderr
    assert done.returncode == 1, done.stdout
    assert "bare" in done.stderr.lower(), done.stderr
    assert sorted(p.name for p in bare.iterdir()) == before


def test_a_repository_without_commits(tmp_path):
    folder = tmp_path / "fresh"
    folder.mkdir()
    ok(folder, "init")
    shutil.rmtree(folder / ".git")
    git(folder, "init", "-q")
    assert git(folder, "rev-parse", "-q", "--verify", "HEAD", check=False) == ""
    ok(folder, "list")
    ok(folder, "check")
    refused(folder, 2, "diff")
    refused(folder, 2, "list", "--at", "HEAD")
    done = run_tracker(folder, "log")
    assert "Traceback" not in done.stderr and done.returncode in (0, 1), done.stderr
    item_id = ok(folder, "new", "issue", "Born").strip()
    assert git(folder, "log", "--format=%s").splitlines() == [f"new {item_id}: Born"]
    ok(folder, "set", item_id, "assignee=ada")


def test_a_linked_worktree(project, tmp_path):
    tree = tmp_path / "wt"
    git(project, "worktree", "add", "-q", "-b", "side", str(tree))
    assert (tree / ".git").is_file()
    exercise(tree)
    assert git(project, "log", "-1", "--format=%s", "side").startswith("move ")
    assert status_porcelain(tree) == ""
    ok(project, "list")  # the main work tree is untouched and still works


def test_a_tracker_in_a_sub_folder(tmp_path):
    top = tmp_path / "monorepo"
    (top / "docs").mkdir(parents=True)
    git(top, "init", "-q")
    write_tree(top, {"README.md": "top\n"})
    commit_all(top, "top")
    ok(top / "docs", "init")
    item_id = exercise(top / "docs", "docs/issues")
    shown = json.loads(ok(top / "docs", "show", item_id, "--format", "json"))
    assert shown["path"] == f"docs/issues/{item_id}.md"
    (top / "docs" / "issues" / "deeper").mkdir()
    assert item_id in ok(top / "docs" / "issues" / "deeper", "list", "--format", "ids")
    assert status_porcelain(top) == ""


def test_a_tracker_in_a_submodule(tmp_path):
    inner = tmp_path / "inner"
    inner.mkdir()
    ok(inner, "init")
    outer = tmp_path / "outer"
    outer.mkdir()
    git(outer, "init", "-q")
    write_tree(outer, {"README.md": "outer\n"})
    commit_all(outer, "outer")
    git(outer, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(inner), "tracked")
    commit_all(outer, "add submodule")
    sub = outer / "tracked"
    assert (sub / ".git").is_file()
    git(sub, "checkout", "-q", "-B", "main")
    exercise(sub)
    assert git(sub, "log", "-1", "--format=%s").startswith("move ")
    assert status_porcelain(sub) == ""
    refused(outer, 1, "list")  # the outer repository has no tracker of its own


def test_core_autocrlf_true(project, tmp_path):
    clone = tmp_path / "crlf"
    git(tmp_path, "clone", "-q", "-c", "core.autocrlf=true", str(project), str(clone))
    item_id = json.loads(ok(clone, "list", "--format", "json"))[0]["id"]
    path = clone / "issues" / f"{item_id}.md"
    assert b"\r\n" in path.read_bytes()  # checked out with CRLF, as on Windows
    ok(clone, "check")
    ok(clone, "set", item_id, "assignee=ada")
    assert b"assignee: ada\r\n" in path.read_bytes()
    assert status_porcelain(clone) == ""
    diff = git(clone, "diff", "HEAD~1", "HEAD", "--numstat").split()
    assert diff[:2] == ["1", "0"], diff  # one line added, nothing else rewritten
    exercise(clone)
    assert status_porcelain(clone) == ""
    assert git(clone, "diff", "HEAD~1", "HEAD").count("\r") == 0  # LF in the repository
