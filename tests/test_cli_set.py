"""`tracker set ID FIELD=VALUE... [--unset FIELD]`: minimal diffs, commits, refusals."""

from __future__ import annotations

import shutil

import pytest

from tests.helpers import (
    as_json,
    assert_error,
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

HAND = (
    "---\r\n"
    "# Written by hand, CRLF\r\n"
    "title: 'L''affiche'   # quoted on purpose\r\n"
    "status: open\r\n"
    "\r\n"
    "priority: \"low\"  # to review\r\n"
    "tags:\r\n"
    "    - terrain\r\n"
    "zone: nord\r\n"
    "---\r\n"
    "Body.\r\n"
)


@pytest.fixture
def hand(repo) -> str:
    write_tree(repo, {"issues/hand-1.md": HAND})
    commit_all(repo)
    return "hand-1"


def test_set_changes_only_the_line_of_the_field(invoke, repo, hand):
    r = invoke("set", hand, "priority=high")
    assert r.exit_code == 0, r.stderr
    assert r.stdout == "hand-1\n"
    after = item_file(repo, hand).read_bytes()
    assert after == HAND.replace('priority: "low"', 'priority: "high"').encode()


def test_set_several_fields_and_unset(invoke, repo, hand):
    r = invoke("set", hand, "status=done", "tags=a,b", "--unset", "zone")
    assert r.exit_code == 0, r.stderr
    assert item_file(repo, hand).read_bytes() == (
        "---\r\n"
        "# Written by hand, CRLF\r\n"
        "title: 'L''affiche'   # quoted on purpose\r\n"
        "status: done\r\n"
        "\r\n"
        "priority: \"low\"  # to review\r\n"
        "tags:\r\n"
        "    - a\r\n"
        "    - b\r\n"
        "---\r\n"
        "Body.\r\n").encode()


def test_set_a_field_the_file_lacks_adds_one_line_in_schema_order(invoke, repo, hand):
    invoke("set", hand, "assignee=nadia")
    old, new = changed_region(HAND.encode(), item_file(repo, hand).read_bytes())
    assert old == []
    assert new == [b"assignee: nadia\r\n"]
    text = item_file(repo, hand).read_text()
    assert text.index("priority:") < text.index("assignee:") < text.index("tags:")


def test_set_then_set_back_gives_the_original_bytes(invoke, repo, hand):
    invoke("set", hand, "priority=urgent", "title=Autre")
    invoke("set", hand, "priority=low", "title=L'affiche")
    assert item_file(repo, hand).read_bytes() == HAND.encode()


def test_set_commits_exactly_the_file_with_a_message(invoke, repo, hand):
    write_tree(repo, {"other.txt": "x\n"})
    invoke("set", hand, "priority=high", "tags=x,y")
    assert log_subjects(repo)[0] == "set hand-1: priority=high, tags=[x, y]"
    assert git(repo, "show", "--name-only", "--format=", "HEAD").split() == ["issues/hand-1.md"]
    assert status_porcelain(repo) == "?? other.txt\n"


def test_unset_message(invoke, repo, hand):
    invoke("set", hand, "--unset", "zone")
    assert log_subjects(repo)[0] == "set hand-1: -zone"


def test_setting_the_same_value_changes_and_commits_nothing(invoke, repo, hand):
    before = head(repo)
    r = invoke("set", hand, "priority=low", "--unset", "assignee")
    assert r.exit_code == 0, r.stderr
    assert head(repo) == before
    assert item_file(repo, hand).read_bytes() == HAND.encode()


def test_value_with_an_equals_sign(invoke, repo, hand):
    invoke("set", hand, "title=a = b")
    assert as_json(invoke("show", hand, "--format", "json"))["title"] == "a = b"


def test_values_that_yaml_would_misread_are_quoted(invoke, repo, hand):
    invoke("set", hand, "assignee=yes", "zone=01001")
    shown = as_json(invoke("show", hand, "--format", "json"))
    assert (shown["assignee"], shown["zone"]) == ("yes", "01001")
    assert invoke("check").exit_code == 0


def test_multi_line_value(invoke, repo, hand):
    invoke("set", hand, "zone=ligne un\nligne deux")
    assert as_json(invoke("show", hand, "--format", "json"))["zone"] == "ligne un\nligne deux"
    assert item_file(repo, hand).read_bytes().endswith(b"---\r\nBody.\r\n")


def test_set_by_prefix_and_json_output(invoke, repo):
    item_id = new_item(invoke, "issue", "T")
    shown = as_json(invoke("set", item_id[:9], "assignee=nadia", "--format", "json"))
    assert shown["id"] == item_id and shown["assignee"] == "nadia" and "body" in shown


def test_no_commit(invoke, repo, hand):
    before = head(repo)
    invoke("set", hand, "priority=high", "--no-commit")
    assert head(repo) == before
    assert status_porcelain(repo) == " M issues/hand-1.md\n"


def test_git_author_is_honoured(invoke, repo, hand):
    invoke("set", hand, "priority=high",
           env={"GIT_AUTHOR_NAME": "Bob", "GIT_AUTHOR_EMAIL": "bob@example.org"})
    assert git(repo, "log", "-1", "--format=%an <%ae>").strip() == "Bob <bob@example.org>"


def test_a_copied_file_is_changed_without_touching_the_original(invoke, repo, hand):
    shutil.copyfile(item_file(repo, hand), repo / "issues" / "hand-2.md")
    invoke("set", "hand-2", "priority=urgent")
    assert item_file(repo, hand).read_bytes() == HAND.encode()
    assert as_json(invoke("show", "hand-2", "--format", "json"))["priority"] == "urgent"
    assert git(repo, "show", "--name-only", "--format=", "HEAD").split() == ["issues/hand-2.md"]


def test_set_keeps_a_file_mode(invoke, repo, hand):
    path = item_file(repo, hand)
    path.chmod(0o640)
    invoke("set", hand, "priority=high")
    assert path.stat().st_mode & 0o777 == 0o640


# ---------------------------------------------------------------- refusals


STRICT = """\
folder: notes
strict: true
fields:
  title: {type: string, required: true}
  score: {type: int, min: 0, max: 10}
  when: date
"""


@pytest.mark.parametrize("args, code, fragments", [
    (["priority=critical"], 2, ["priority", "low, normal, high, urgent"]),
    (["status=wontfix"], 2, ["status", "open, in-progress, done, closed"]),
    (["due=2026-02-30"], 2, ["due", "a date like"]),
    (["due=30/01/2026"], 2, ["due", "a date like"]),
    (["priority"], 2, ["FIELD=VALUE"]),
    ([], 2, ["nothing to change"]),
    (["--unset", "title"], 2, ["title", "required"]),
    (["title="], 2, ["title"]),
    (["overdue=true"], 2, ["overdue"]),
    (["id=other"], 2, ["id"]),
    (["path=x"], 2, ["path"]),
    (["priority=high", "due=never"], 2, ["due"]),
])
def test_invalid_input_changes_nothing(invoke, repo, hand, args, code, fragments):
    before, commit = snapshot(repo), head(repo)
    assert_one_line_error(invoke("set", hand, *args), code, *fragments)
    assert snapshot(repo) == before
    assert head(repo) == commit
    assert status_porcelain(repo) == ""


@pytest.mark.parametrize("ref, fragments", [
    ("../x", ["no item"]), ("../../etc/passwd", ["no item"]), ("/etc/passwd", ["no item"]),
    ("CON", ["no item"]), ("issues/hand-1", ["no item"]), ("nope", ["no item"]),
    ("hand-", ["ambiguous", "hand-1", "hand-2"]),
])
def test_bad_ids_change_nothing(invoke, repo, hand, ref, fragments):
    write_tree(repo, {"issues/hand-2.md": HAND})
    commit_all(repo)
    before = snapshot(repo)
    assert_one_line_error(invoke("set", ref, "priority=high"), 1, *fragments)
    assert snapshot(repo) == before


def test_id_like_an_option(invoke, repo, hand):
    before = snapshot(repo)
    assert_one_line_error(invoke("set", "--", "-rf", "priority=high"), 1, "-rf")
    assert_error(invoke("set", "-rf", "priority=high"), 2)
    assert snapshot(repo) == before


def test_strict_kind_refuses_unknown_fields(invoke, repo):
    write_kind(repo, "note", STRICT)
    item_id = new_item(invoke, "note", "N", "score=3")
    before = snapshot(repo)
    assert_one_line_error(invoke("set", item_id, "colour=red"), 2, "colour", "unknown field")
    assert_one_line_error(invoke("set", item_id, "score=11"), 2, "score", "maximum")
    assert_one_line_error(invoke("set", item_id, "score=x"), 2, "score", "whole number")
    assert_one_line_error(invoke("set", item_id, "when=soon"), 2, "when", "date")
    assert snapshot(repo) == before


def test_open_kind_keeps_unknown_fields(invoke, repo, hand):
    invoke("set", hand, "colour=red")
    assert as_json(invoke("show", hand, "--format", "json"))["colour"] == "red"


def test_a_broken_file_is_never_overwritten(invoke, repo):
    broken = "---\ntitle: [unclosed\nstatus: open\n---\n"
    write_tree(repo, {"issues/broken.md": broken})
    commit_all(repo)
    assert_one_line_error(invoke("set", "broken", "priority=high"), 1, "issues/broken.md")
    assert item_file(repo, "broken").read_text() == broken


def test_the_status_of_a_workflow_kind_cannot_be_removed(invoke, repo):
    """Without a status an item showed as ready and `release` could not move it back."""
    from tests.helpers import run_tracker

    item_id = new_item(invoke, "issue", "Keep my status")
    path = next((repo / "issues").glob(f"{item_id}*.md"))
    before = path.read_bytes()
    done = run_tracker(repo, "set", item_id, "--unset", "status")
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [
        "Error: status: is required and cannot be removed"]
    assert path.read_bytes() == before


@pytest.mark.parametrize("title", ["   ", "\t", " \u00a0 "])
def test_a_title_of_blanks_is_no_title(invoke, repo, title):
    from tests.helpers import run_tracker

    done = run_tracker(repo, "new", "issue", title)
    assert done.returncode != 0 and done.stderr.strip() == "Error: title: is required"
    item_id = new_item(invoke, "issue", "A real title")
    done = run_tracker(repo, "set", item_id, f"title={title}")
    assert done.returncode != 0 and "title: is required" in done.stderr
    assert list((repo / "issues").glob("*.md")) == list((repo / "issues").glob(f"{item_id}*"))
