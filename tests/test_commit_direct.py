"""Commits built from objects written here (tracker/git/commit.py) are the commits
`git commit -- PATH` makes, and step aside whenever they would not be: hooks, signing,
links and executables."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import git, item_file, new_item, write_tree
from tracker.git import commit as gitcommit
from tracker.git import repo as gitrepo


@pytest.fixture
def direct(monkeypatch):
    """What each commit_paths call returned: True committed, None stepped aside."""
    calls = []
    real = gitcommit.commit_paths

    def spy(*args):
        result = real(*args)
        calls.append(result)
        return result
    monkeypatch.setattr(gitcommit, "commit_paths", spy)
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
    assert direct[-1] is True


def test_no_change_no_commit(repo, invoke, direct):
    item = new_item(invoke, "issue", "Stable")
    before = git(repo, "rev-parse", "HEAD").strip()
    path = item_file(repo, item)
    assert gitrepo.commit(repo, [str(path.relative_to(repo))], "nothing") is False
    assert git(repo, "rev-parse", "HEAD").strip() == before


# ---------------------------------------------------------------- the trees themselves

NAMES = ["a", "a.b", "a-b", "a0", "ab", "b", "a_", "A", "é.md", "z z"]


def _reference_tree(repo: Path, changed: list[str]) -> str:
    """The tree git itself makes of HEAD~1 plus these paths as the work tree has them."""
    index = repo / ".git" / "reference-index"
    env = {**os.environ, "GIT_INDEX_FILE": str(index)}
    for args, stdin in ((["read-tree", "HEAD~1"], None),
                        (["update-index", "--add", "--remove", "-z", "--stdin"],
                         "".join(p + "\0" for p in changed)),
                        (["write-tree"], None)):
        done = subprocess.run(["git", *args], cwd=repo, env=env, input=stdin,
                              capture_output=True, text=True, check=True)
    index.unlink()
    return done.stdout.strip()


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=st.lists(st.lists(st.sampled_from(NAMES), min_size=1, max_size=3), min_size=1,
                     max_size=8),
       edits=st.lists(st.tuples(st.lists(st.sampled_from(NAMES), min_size=1, max_size=3),
                                st.sampled_from(["write", "remove"])), min_size=1, max_size=4))
def test_spliced_trees_are_the_trees_git_writes(tmp_path_factory, start, edits):
    """Any start tree, any edits (new folders, emptied folders, names git sorts oddly):
    the commit's tree is byte for byte the one `git write-tree` makes, fsck finds nothing,
    and the index agrees with HEAD."""
    repo = tmp_path_factory.mktemp("trees")
    git(repo, "init", "-q")
    files = {}
    for parts in sorted(start, key=len):  # a file where a folder is wanted is skipped
        path = "/".join(parts)
        if any(path.startswith(f + "/") or f.startswith(path + "/") for f in files):
            continue
        files[path] = f"{path}\n"
    write_tree(repo, files)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "start")
    changed = []
    for parts, action in edits:
        path = "/".join(parts)
        clash = [f for f in [*files, *changed]
                 if f.startswith(path + "/") or path.startswith(f + "/")]
        if clash or path in changed:
            continue
        if action == "write":
            write_tree(repo, {path: f"changed {path}\n"})
            changed.append(path)
        elif path in files:
            (repo / path).unlink()
            changed.append(path)
    if not changed:
        return
    done = gitrepo.commit(repo, changed, "edit")
    if not done:
        assert git(repo, "log", "--format=%s").split("\n")[0] == "start"
        return
    assert git(repo, "rev-parse", "HEAD^{tree}").strip() == _reference_tree(repo, changed)
    git(repo, "fsck", "--strict", "--no-dangling")
    assert git(repo, "diff-index", "--cached", "HEAD", "--") == ""


def test_a_link_or_an_executable_is_left_to_git(repo, invoke, direct):
    item = new_item(invoke, "issue", "Mode")
    path = item_file(repo, item)
    os.chmod(path, 0o755)
    assert invoke("set", item, "priority=high").exit_code == 0
    assert direct[-1] is None
    assert git(repo, "ls-tree", "HEAD", f"issues/{item}.md").startswith("100755")
    assert git(repo, "status", "--porcelain") == ""


def test_signing_asked_for_is_left_to_git(repo, invoke, direct):
    item = new_item(invoke, "issue", "Signed")
    git(repo, "config", "commit.gpgSign", "true")
    git(repo, "config", "gpg.program", "false")  # signing fails: git's own error shows
    result = invoke("set", item, "priority=high")
    assert direct[-1] is None
    assert result.exit_code != 0 and "gpg" in result.output.lower()


def test_message_cleanup_is_gits():
    assert gitrepo._clean_message("\n\ntitle  \n\n\n\nbody\t\n\n") == "title\n\nbody\n"


def test_a_commit_made_elsewhere_meanwhile_is_kept(repo, invoke, direct, monkeypatch):
    """HEAD moves between the read of HEAD and the commit (another program committed):
    the compare-and-swap refuses, git's own commit then lands on top of it."""
    item = new_item(invoke, "issue", "Racing")
    real = gitcommit._hash_objects

    def meanwhile(top, paths):
        other = git(repo, "commit-tree", "HEAD^{tree}", "-p", "HEAD", "-m", "elsewhere").strip()
        git(repo, "update-ref", "HEAD", other)
        return real(top, paths)
    monkeypatch.setattr(gitcommit, "_hash_objects", meanwhile)
    assert invoke("set", item, "priority=high").exit_code == 0
    assert direct[-1] is None
    assert git(repo, "log", "--format=%s").splitlines()[:3] == [
        f"set {item}: priority=high", "elsewhere", f"new {item}: Racing"]
    assert git(repo, "status", "--porcelain") == ""


def test_a_big_folder_tree_is_left_to_git_write_tree(repo, invoke, direct, monkeypatch):
    """Past BIG_TREE the folder's tree comes from `git write-tree` (the index's cached
    trees), still only when nothing else is staged."""
    monkeypatch.setattr(gitcommit, "BIG_TREE", 0)
    item = new_item(invoke, "issue", "Grand dossier")
    assert direct == [True] and head_files(repo) == [f"issues/{item}.md"]
    assert invoke("set", item, "priority=high").exit_code == 0
    assert direct[-1] is True and head_files(repo) == [f"issues/{item}.md"]
    assert git(repo, "status", "--porcelain") == ""
    write_tree(repo, {"notes.txt": "draft\n"})
    git(repo, "add", "notes.txt")
    assert invoke("set", item, "priority=low").exit_code == 0
    assert direct[-1] is None  # git commit -- PATH keeps notes.txt out
    assert head_files(repo) == [f"issues/{item}.md"]
    assert git(repo, "status", "--porcelain").splitlines() == ["A  notes.txt"]
