"""Front matter as people write it by hand, through the installed CLI: comment lines
inside a block list survive a `set` of that list; a front matter closed by YAML's `...`
(not `---`) is named at the same line by `check` and by a refused `set`, and left as it is.
"""

from __future__ import annotations

import pytest

from tests.helpers import commit_all, git, run_tracker, snapshot, write_tree

LISTED = ("---\ntitle: Tournée\nstatus: open\npriority: normal\ntags:\n  - a\n"
          "  # the next one is for the mayor\n  - b\n  # and this one for the press\n"
          "  - d\ncreated: 2026-01-01T10:00:00+01:00\n---\n\nbody\n")


def lines_changed(repo) -> tuple[list[str], list[str]]:
    diff = git(repo, "diff", "-U0", "HEAD~1", "HEAD").splitlines()
    removed = [line[1:] for line in diff if line.startswith("-") and not line.startswith("---")]
    added = [line[1:] for line in diff if line.startswith("+") and not line.startswith("+++")]
    return removed, added


@pytest.mark.parametrize("typed, expected, removed, added", [
    # an item added: the comments stay where they were, one line is added
    ("a,b,d,e", ["a", "# the next one is for the mayor", "b",
                 "# and this one for the press", "d", "e"], [], ["  - e"]),
    # an item removed: its comment goes with the item that followed it
    ("a,d", ["a", "# the next one is for the mayor", "# and this one for the press", "d"],
     ["  - b"], []),
    # the same items again: nothing changes
    ("a,b,d", None, None, None),
])
def test_comments_inside_a_block_list_survive_a_set(repo, typed, expected, removed, added):
    write_tree(repo, {"issues/issue-list0001.md": LISTED})
    commit_all(repo)
    done = run_tracker(repo, "set", "issue-list0001", f"tags={typed}")
    assert done.returncode == 0, done.stderr
    text = (repo / "issues" / "issue-list0001.md").read_text()
    if expected is None:
        assert text == LISTED
        return
    block = text.split("tags:\n", 1)[1].split("created:", 1)[0]
    assert [line.strip().removeprefix("- ") for line in block.splitlines()] == expected
    assert lines_changed(repo) == (removed, added)
    assert run_tracker(repo, "check").returncode == 0


DOTTED = ("---\ntitle: A\nstatus: open\npriority: normal\n"
          "created: 2026-01-01T10:00:00+01:00\n...\n\nbody\n")


@pytest.mark.parametrize("assignment", ["priority=bogus", "title=", "tags=a,b"])
def test_front_matter_closed_by_dots_is_named_alike_by_check_and_set(repo, assignment):
    write_tree(repo, {"issues/issue-dots0001.md": DOTTED})
    commit_all(repo)
    before = snapshot(repo)
    checked = run_tracker(repo, "check")
    assert checked.returncode == 1
    where = checked.stdout.splitlines()[0].split(": ", 1)[0]
    assert where == "issues/issue-dots0001.md:1"
    refused = run_tracker(repo, "set", "issue-dots0001", assignment)
    assert refused.returncode != 0 and "Traceback" not in refused.stderr
    assert refused.stderr.splitlines() == [
        f"Error: {where}: front matter is not closed: add a '---' line after it"]
    assert snapshot(repo) == before  # nothing written, the `...` line kept
