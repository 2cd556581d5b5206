"""`tracker show ID [--format text|json]`, id prefixes and bad ids."""

from __future__ import annotations

import json
import shutil

import pytest

from tests.helpers import (
    as_json,
    assert_error,
    assert_json_error,
    assert_one_line_error,
    commit_all,
    item_file,
    new_item,
    snapshot,
    write_kind,
    write_tree,
)


def test_show_json_holds_every_field_and_id_kind_path_body_computed(invoke, repo):
    item_id = new_item(invoke, "issue", "Imprimer", "tags=a,b", "due=2000-01-01",
                       "zone=nord", args=("--body", "Le corps.\n"))
    shown = as_json(invoke("show", item_id, "--format", "json"))
    assert shown == {
        "id": item_id,
        "kind": "issue",
        "path": f"issues/{item_id}.md",
        "title": "Imprimer",
        "status": "open",
        "priority": "normal",
        "tags": ["a", "b"],
        "due": "2000-01-01",
        "created": "2026-03-01T10:00:00+01:00",
        "zone": "nord",
        "overdue": True,
        "body": "Le corps.\n",
    }


def test_computed_field_follows_the_other_fields(invoke):
    later = new_item(invoke, "issue", "Later", "due=2999-01-01")
    done = new_item(invoke, "issue", "Done", "due=2000-01-01", "status=done")
    undated = new_item(invoke, "issue", "Undated")
    for item_id in (later, done, undated):
        assert as_json(invoke("show", item_id, "--format", "json"))["overdue"] is False


def test_computed_fields_of_a_custom_kind(invoke, repo):
    write_kind(repo, "report", "folder: reports\nfields:\n  title: string\n"
                               "  knocked: int\n  opened: int\n"
                               "computed:\n  rate: \"opened / knocked if knocked else none\"\n"
                               "  label: \"title | upper ~ '!'\"\n")
    item_id = new_item(invoke, "report", "abc", "knocked=200", "opened=50")
    shown = as_json(invoke("show", item_id, "--format", "json"))
    assert shown["rate"] == 0.25
    assert shown["label"] == "ABC!"
    zero = new_item(invoke, "report", "z", "knocked=0", "opened=0")
    assert as_json(invoke("show", zero, "--format", "json"))["rate"] is None


def test_computed_expressions_run_in_a_sandbox(invoke, repo):
    write_kind(repo, "probe", "folder: probes\nfields:\n  title: string\ncomputed:\n"
                              "  escape: \"''.__class__.__mro__[1].__subclasses__()\"\n"
                              "  poke: \"title.__class__.__init__.__globals__\"\n")
    item_id = new_item(invoke, "probe", "x")
    r = invoke("show", item_id, "--format", "json")
    assert r.exit_code == 0, r.stderr
    shown = json.loads(r.stdout)
    assert shown["escape"] in (None, "")
    assert shown["poke"] in (None, "")


def test_show_text(invoke):
    item_id = new_item(invoke, "issue", "Imprimer les tracts", "priority=high",
                       args=("--body", "Deux mille.\n"))
    r = invoke("show", item_id)
    assert r.exit_code == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == f"{item_id}  Imprimer les tracts"
    assert f"path: issues/{item_id}.md" in lines[1]
    assert "priority: high" in lines
    assert "overdue (computed): false" in lines
    assert lines[-1] == "Deux mille."


def test_any_unique_prefix_works(invoke, repo):
    write_tree(repo, {"issues/issue-abc123.md": "---\ntitle: A\nstatus: open\n---\n",
                      "issues/issue-abd456.md": "---\ntitle: B\nstatus: open\n---\n"})
    assert as_json(invoke("show", "issue-abc", "--format", "json"))["title"] == "A"
    assert as_json(invoke("show", "issue-abd4", "--format", "json"))["title"] == "B"


def test_exact_id_wins_over_longer_ids(invoke, repo):
    write_tree(repo, {"issues/issue-ab.md": "---\ntitle: short\nstatus: open\n---\n",
                      "issues/issue-abc.md": "---\ntitle: long\nstatus: open\n---\n"})
    assert as_json(invoke("show", "issue-ab", "--format", "json"))["title"] == "short"


def test_ambiguous_prefix_lists_the_matches(invoke, repo):
    write_tree(repo, {"issues/issue-abc123.md": "---\ntitle: A\nstatus: open\n---\n",
                      "issues/issue-abd456.md": "---\ntitle: B\nstatus: open\n---\n",
                      "issues/issue-zzz.md": "---\ntitle: C\nstatus: open\n---\n"})
    line = assert_one_line_error(invoke("show", "issue-ab"), 1, "ambiguous", "issue-abc123",
                                 "issue-abd456")
    assert "issue-zzz" not in line


def test_a_file_copied_by_hand_is_a_new_item(invoke, repo):
    original = new_item(invoke, "issue", "Original", "priority=high")
    shutil.copyfile(item_file(repo, original), repo / "issues" / "issue-copy01.md")
    shown = as_json(invoke("show", "issue-copy01", "--format", "json"))
    assert shown["id"] == "issue-copy01"
    assert shown["path"] == "issues/issue-copy01.md"
    assert shown["title"] == "Original"
    assert as_json(invoke("show", original, "--format", "json"))["id"] == original


def test_show_reads_a_file_written_by_hand_without_any_tracker_field(invoke, repo):
    write_tree(repo, {"issues/bare.md": "---\ntitle: Bare\n---\n"})
    commit_all(repo)
    shown = as_json(invoke("show", "bare", "--format", "json"))
    assert shown["title"] == "Bare" and "status" not in shown and shown["overdue"] is False


@pytest.mark.parametrize("bad", ["../x", "../../etc/passwd", "/etc/passwd", "CON", "nul",
                                 "issues/x", "..", ".", "a\\b", "", "zzz"])
def test_bad_or_unknown_ids_are_refused(invoke, repo, bad):
    before = snapshot(repo)
    assert_one_line_error(invoke("show", bad), 1, "no item")
    assert snapshot(repo) == before


def test_an_id_that_looks_like_an_option(invoke, repo):
    assert_one_line_error(invoke("show", "--", "-rf"), 1, "-rf")
    assert_error(invoke("show", "-rf"), 2)


def test_a_path_outside_the_folder_is_never_read(invoke, repo, tmp_path):
    (tmp_path / "secret.md").write_text("---\ntitle: secret\n---\n")
    assert_one_line_error(invoke("show", "../../secret"), 1)


def test_broken_file_is_reported_by_show(invoke, repo):
    write_tree(repo, {"issues/broken.md": "---\ntitle: [unclosed\n---\n"})
    assert_one_line_error(invoke("show", "broken"), 1, "issues/broken.md:", "invalid YAML")


def test_a_link_to_a_file_outside_the_tracker_is_not_read(invoke, repo, tmp_path):
    secret = tmp_path / "secret.md"
    secret.write_text("---\ntitle: the secret\n---\nprivate\n")
    (repo / "issues").mkdir(exist_ok=True)
    (repo / "issues" / "link.md").symlink_to(secret)
    r = invoke("show", "link", "--format", "json")
    assert_json_error(r, 1, "issues/link.md", "outside the tracker")
    assert "the secret" not in r.stderr
    assert_one_line_error(invoke("show", "link"), 1, "issues/link.md", "outside the tracker")
    listed = invoke("list", "--format", "json")
    assert "the secret" not in listed.stdout and "issues/link.md" in listed.stderr
