"""Commits through plumbing (big repositories) are the commits `git commit -- PATH` makes,
and step aside whenever they would not be: hooks, signing, other staged work."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.helpers import git, item_file, new_item, write_tree
from tracker import gitrepo


@pytest.fixture
def direct(monkeypatch):
    """Every commit takes the plumbing path, as in a repository of 30,000 items."""
    monkeypatch.setattr(gitrepo, "BIG_INDEX", -1)
    calls = []
    real = gitrepo.commit_direct

    def spy(*args):
        result = real(*args)
        calls.append(result)
        return result
    monkeypatch.setattr(gitrepo, "commit_direct", spy)
    return calls


def head_files(repo: Path) -> list[str]:
    return git(repo, "show", "--name-only", "--format=", "HEAD").split()


def test_set_and_new_commit_exactly_their_file_and_leave_a_clean_index(repo, invoke, direct):
    item = new_item(invoke, "issue", "Imprimer les tracts  ")
    assert head_files(repo) == [f"issues/{item}.md"]
    assert git(repo, "log", "-1", "--format=%B", "HEAD") == f"new {item}: Imprimer les tracts\n\n"
    before = git(repo, "rev-parse", "HEAD").strip()
    assert invoke("set", item, "priority=high").exit_code == 0
    assert head_files(repo) == [f"issues/{item}.md"]
    assert git(repo, "rev-parse", "HEAD~1").strip() == before
    assert git(repo, "status", "--porcelain") == ""
    assert "commit: set" in git(repo, "reflog", "-1")
    assert "priority: high" in git(repo, "show", f"HEAD:issues/{item}.md")
    assert direct == [True, True]


def test_a_commit_hook_runs_because_git_commit_is_used(repo, invoke, direct):
    item = new_item(invoke, "issue", "Avec crochet")
    hook = Path(git(repo, "rev-parse", "--git-path", "hooks").strip())
    hook = hook if hook.is_absolute() else repo / hook
    hook.mkdir(parents=True, exist_ok=True)
    (hook / "pre-commit").write_text("#!/bin/sh\ntouch \"$(git rev-parse --show-toplevel)/ran\"\n")
    os.chmod(hook / "pre-commit", 0o755)
    assert invoke("set", item, "priority=high").exit_code == 0
    assert (repo / "ran").exists()
    assert direct[-1] is None


def test_other_staged_work_stays_staged_and_out_of_the_commit(repo, invoke, direct):
    item = new_item(invoke, "issue", "Seul")
    write_tree(repo, {"notes.txt": "draft\n"})
    git(repo, "add", "notes.txt")
    assert invoke("set", item, "priority=low").exit_code == 0
    assert head_files(repo) == [f"issues/{item}.md"]
    assert git(repo, "status", "--porcelain").splitlines() == ["A  notes.txt"]
    assert direct[-1] is None


def test_no_change_no_commit(repo, invoke, direct):
    item = new_item(invoke, "issue", "Stable")
    before = git(repo, "rev-parse", "HEAD").strip()
    path = item_file(repo, item)
    assert gitrepo.commit(repo, [str(path.relative_to(repo))], "nothing") is False
    assert git(repo, "rev-parse", "HEAD").strip() == before
