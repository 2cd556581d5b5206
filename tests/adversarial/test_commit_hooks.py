"""A pre-commit hook that rewrites the files it is given (here: it lower-cases every
title, as a team's normaliser would) and stages its rewrite, through the installed CLI.

git runs such a hook on the temporary index of `git commit -- PATHS`: the commit holds
the hook's version. The index and the work tree must hold it too afterwards (`git
status` clean, no `MM`), or the next commit would undo the hook.
"""

from __future__ import annotations

import json
import os
import stat

import pytest

from tests.helpers import git, item_file, run_tracker

HOOK = """#!/bin/sh
# lower-case the title of every staged Markdown file, and stage the rewrite
git diff --cached --name-only --diff-filter=AM | while read -r f; do
  case "$f" in
    *.md) sed -i 's/^title: \\(.*\\)$/title: \\L\\1/' "$f" && git add -- "$f" ;;
  esac
done
"""


@pytest.fixture
def hooked(repo):
    hook = repo / ".git" / "hooks" / "pre-commit"
    hook.write_text(HOOK, encoding="utf-8")
    os.chmod(hook, hook.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return repo


def clean(repo) -> None:
    status = git(repo, "status", "--porcelain", "--untracked-files=no")
    assert status == "", status
    assert git(repo, "diff", "--cached", "HEAD", "--stat") == ""


def committed(repo, path) -> str:
    return git(repo, "show", f"HEAD:{path.relative_to(repo).as_posix()}")


def new(repo, title: str) -> str:
    done = run_tracker(repo, "new", "issue", title)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_new_keeps_the_hook_version_everywhere(hooked):
    item_id = new(hooked, "Mixed Case Title")
    path = item_file(hooked, item_id)
    assert "title: mixed case title" in committed(hooked, path)
    assert "title: mixed case title" in path.read_text(encoding="utf-8")
    clean(hooked)


def test_set_then_next_commit_does_not_undo_the_hook(hooked):
    item_id = new(hooked, "first")
    done = run_tracker(hooked, "set", item_id, "title=Now Upper")
    assert done.returncode == 0, done.stderr
    path = item_file(hooked, item_id)
    assert "title: now upper" in committed(hooked, path)
    clean(hooked)
    # the next commit, by tracker and by hand: the hook's version stays
    done = run_tracker(hooked, "set", item_id, "priority=high")
    assert done.returncode == 0, done.stderr
    text = committed(hooked, path)
    assert "title: now upper" in text and "priority: high" in text
    clean(hooked)
    (hooked / "notes.txt").write_text("x\n", encoding="utf-8")
    git(hooked, "add", "notes.txt")
    git(hooked, "commit", "-q", "-m", "by hand")
    assert "title: now upper" in committed(hooked, path)
    clean(hooked)


def test_move_keeps_the_hook_version(hooked):
    item_id = new(hooked, "to move")
    path = item_file(hooked, item_id)
    path.write_text(path.read_text(encoding="utf-8").replace("title: to move",
                                                             "title: To Move"),
                    encoding="utf-8")
    done = run_tracker(hooked, "move", item_id, "closed", "--force")
    assert done.returncode == 0, done.stderr
    text = committed(hooked, path)
    assert "status: closed" in text and "title: to move" in text
    assert path.read_text(encoding="utf-8") == text
    clean(hooked)


def test_import_keeps_the_hook_version(hooked, tmp_path):
    rows = tmp_path / "rows.csv"
    rows.write_text("title,priority\nAlpha ONE,high\nBeta Two,low\n", encoding="utf-8")
    done = run_tracker(hooked, "import", "csv", str(rows), "--kind", "issue")
    assert done.returncode == 0, done.stderr
    listed = run_tracker(hooked, "list", "issue", "--format", "json")
    titles = sorted(row["title"] for row in json.loads(listed.stdout))
    assert titles == ["alpha one", "beta two"]
    clean(hooked)
