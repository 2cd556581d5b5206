"""`tracker move ID STATUS [--force]`: the kind's workflow."""

from __future__ import annotations

import pytest

from tests.helpers import (
    as_json,
    assert_one_line_error,
    changed_region,
    commit_all,
    git,
    head,
    item_file,
    log_subjects,
    new_item,
    snapshot,
    status_porcelain,
    write_kind,
    write_tree,
)


def status_of(invoke, item_id: str) -> str:
    return as_json(invoke("show", item_id, "--format", "json"))["status"]


def test_move_along_the_workflow(invoke, repo):
    item_id = new_item(invoke, "issue", "T")
    for status in ("in-progress", "done", "open", "closed", "open"):
        r = invoke("move", item_id, status)
        assert r.exit_code == 0, r.stderr
        assert r.stdout == f"{item_id}\n"
        assert status_of(invoke, item_id) == status


def test_move_commits_with_a_message(invoke, repo):
    item_id = new_item(invoke, "issue", "T")
    invoke("move", item_id[:8], "in-progress")
    assert log_subjects(repo)[0] == f"move {item_id}: open -> in-progress"
    assert git(repo, "show", "--name-only", "--format=", "HEAD").split() == [
        f"issues/{item_id}.md"]


def test_move_changes_only_the_status_line(invoke, repo):
    text = "---\n# hand\ntitle: T  # x\nstatus: open   # workflow\npriority: low\n---\nB\n"
    write_tree(repo, {"issues/hand.md": text})
    commit_all(repo)
    invoke("move", "hand", "in-progress")
    old, new = changed_region(text.encode(), item_file(repo, "hand").read_bytes())
    assert old == [b"status: open   # workflow\n"]
    assert new == [b"status: in-progress   # workflow\n"]


def test_any_status_can_be_closed(invoke, repo):
    for start in ("open", "in-progress", "done"):
        item_id = new_item(invoke, "issue", start, f"status={start}")
        assert invoke("move", item_id, "closed").exit_code == 0
        assert status_of(invoke, item_id) == "closed"


def test_illegal_move_lists_the_allowed_ones_and_changes_nothing(invoke, repo):
    item_id = new_item(invoke, "issue", "T")
    before, commit = snapshot(repo), head(repo)
    line = assert_one_line_error(invoke("move", item_id, "done"), 1, "open", "done",
                                 "in-progress", "closed")
    assert "allowed" in line
    assert snapshot(repo) == before and head(repo) == commit


def test_force_allows_an_illegal_move(invoke, repo):
    item_id = new_item(invoke, "issue", "T")
    r = invoke("move", item_id, "done", "--force")
    assert r.exit_code == 0, r.stderr
    assert status_of(invoke, item_id) == "done"


def test_unknown_status_lists_the_statuses(invoke, repo):
    item_id = new_item(invoke, "issue", "T")
    before = snapshot(repo)
    assert_one_line_error(invoke("move", item_id, "wontfix"), 1, "wontfix", "open",
                          "in-progress", "done", "closed")
    assert_one_line_error(invoke("move", item_id, "wontfix", "--force"), 1, "wontfix")
    assert snapshot(repo) == before


def test_moving_to_the_current_status_changes_nothing(invoke, repo):
    item_id = new_item(invoke, "issue", "T")
    commit = head(repo)
    assert invoke("move", item_id, "open").exit_code == 0
    assert head(repo) == commit
    assert status_porcelain(repo) == ""


def test_kind_without_workflow(invoke, repo):
    write_kind(repo, "note", "folder: notes\nfields:\n  title: string\n")
    item_id = new_item(invoke, "note", "N")
    before = snapshot(repo)
    assert_one_line_error(invoke("move", item_id, "done"), 1, "no workflow")
    assert snapshot(repo) == before


def test_custom_workflow(invoke, repo):
    write_kind(repo, "check", "folder: checks\nfields:\n  title: string\n"
                              "workflow:\n  statuses: [draft, review, published]\n"
                              "  transitions:\n    draft: [review]\n"
                              "    review: [draft, published]\n")
    item_id = new_item(invoke, "check", "C")
    assert status_of(invoke, item_id) == "draft"
    assert_one_line_error(invoke("move", item_id, "published"), 1, "review")
    assert invoke("move", item_id, "review").exit_code == 0
    assert invoke("move", item_id, "published").exit_code == 0
    assert_one_line_error(invoke("move", item_id, "draft"), 1, "none")


def test_no_commit_and_json(invoke, repo):
    item_id = new_item(invoke, "issue", "T")
    commit = head(repo)
    shown = as_json(invoke("move", item_id, "in-progress", "--no-commit", "--format", "json"))
    assert shown["status"] == "in-progress" and shown["id"] == item_id
    assert head(repo) == commit
    assert status_porcelain(repo) == f" M issues/{item_id}.md\n"


@pytest.mark.parametrize("ref", ["../x", "/etc/passwd", "CON", "nope"])
def test_bad_ids(invoke, repo, ref):
    new_item(invoke, "issue", "T")
    before = snapshot(repo)
    assert_one_line_error(invoke("move", ref, "done"), 1, "no item")
    assert snapshot(repo) == before


def test_ambiguous_prefix(invoke, repo):
    write_tree(repo, {"issues/ab-1.md": "---\ntitle: a\nstatus: open\n---\n",
                      "issues/ab-2.md": "---\ntitle: b\nstatus: open\n---\n"})
    commit_all(repo)
    before = snapshot(repo)
    assert_one_line_error(invoke("move", "ab", "in-progress"), 1, "ab-1", "ab-2")
    assert snapshot(repo) == before
