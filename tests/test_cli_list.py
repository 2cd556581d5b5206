"""`tracker list [KIND] [--where] [--grep] [--sort] [--fields] [--limit] [--format]`."""

from __future__ import annotations

import csv
import io
import json
import shutil

import pytest

from tests.helpers import (
    as_json,
    assert_error,
    assert_one_line_error,
    item_file,
    new_item,
    snapshot,
    write_kind,
    write_tree,
)

REPORT_KIND = """\
folder: reports
fields:
  title: {type: string, required: true}
  knocked: int
  urgent: bool
computed:
  big: "knocked is not none and knocked > 100"
"""


@pytest.fixture
def items(invoke, repo) -> dict[str, str]:
    """Four issues and two reports; returns title -> id."""
    write_kind(repo, "report", REPORT_KIND)
    made = {
        "Imprimer les tracts": new_item(invoke, "issue", "Imprimer les tracts", "priority=high",
                                        "tags=terrain,impression", "due=2026-05-01",
                                        args=("--body", "Deux mille TRACTS pour samedi.")),
        "Coller les affiches": new_item(invoke, "issue", "Coller les affiches",
                                        "priority=urgent", "tags=terrain", "status=done"),
        "Réserver la salle": new_item(invoke, "issue", "Réserver la salle", "priority=low",
                                      "assignee=nadia", "due=2026-04-01"),
        "Budget": new_item(invoke, "issue", "Budget", "status=in-progress"),
        "Belleville": new_item(invoke, "report", "Belleville", "knocked=212", "urgent=true"),
        "Dejean": new_item(invoke, "report", "Dejean", "knocked=40"),
    }
    return made


def ids_of(result) -> list[str]:
    assert result.exit_code == 0, result.stderr
    return result.stdout.splitlines()


def titles(invoke, *args: str) -> list[str]:
    return [r["title"] for r in as_json(invoke("list", *args, "--format", "json"))]


def test_json_is_an_array_shaped_as_show_without_body(invoke, items):
    listed = as_json(invoke("list", "--format", "json"))
    assert isinstance(listed, list) and len(listed) == 6
    for record in listed:
        shown = as_json(invoke("show", record["id"], "--format", "json"))
        del shown["body"]
        assert record == shown
        assert "body" not in record


def test_list_of_one_kind(invoke, items):
    assert sorted(ids_of(invoke("list", "report", "--format", "ids"))) == sorted(
        [items["Belleville"], items["Dejean"]])
    assert len(ids_of(invoke("list", "issue", "--format", "ids"))) == 4


def test_table_has_a_header_and_one_row_per_item(invoke, items):
    r = invoke("list", "issue")
    assert r.exit_code == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["ID", "STATUS", "PRIORITY", "ASSIGNEE", "TITLE"]
    assert len(lines) == 5
    row = next(line for line in lines if items["Réserver la salle"] in line)
    assert row.split()[1:4] == ["open", "low", "nadia"]
    assert row.endswith("Réserver la salle")


@pytest.mark.parametrize("where, expected", [
    ("status != 'done' and priority in ['high', 'urgent']", ["Imprimer les tracts"]),
    ("'terrain' in tags", ["Coller les affiches", "Imprimer les tracts"]),
    ("knocked > 100", ["Belleville"]),
    ("big", ["Belleville"]),
    ("urgent", ["Belleville"]),
    ("assignee == 'nadia'", ["Réserver la salle"]),
    ("due is not none and due < date('2026-04-15')", ["Réserver la salle"]),
    ("kind == 'report' and not big", ["Dejean"]),
    ("title.startswith('Co')", ["Coller les affiches"]),
    ("id == 'nothing'", []),
])
def test_where(invoke, items, where, expected):
    assert sorted(titles(invoke, "--where", where)) == sorted(expected)


def test_where_can_not_break_out_of_the_sandbox(invoke, items):
    r = invoke("list", "--where", "title.__class__.__mro__[1].__subclasses__() | length > 0",
               "--format", "ids")
    assert r.exit_code in (0, 2), r.stderr
    assert r.stdout == ""
    assert "Traceback" not in r.stderr


def test_grep_searches_title_and_body_in_any_case(invoke, items):
    assert titles(invoke, "--grep", "tracts") == ["Imprimer les tracts"]
    assert titles(invoke, "--grep", "SAMEDI") == ["Imprimer les tracts"]
    assert titles(invoke, "--grep", "réserver") == ["Réserver la salle"]
    assert titles(invoke, "--grep", "absent") == []


def test_sort_ascending_descending_missing_last(invoke, items):
    by_due = titles(invoke, "issue", "--sort", "due")
    assert by_due[:2] == ["Réserver la salle", "Imprimer les tracts"]
    desc = titles(invoke, "issue", "--sort", "-due")
    assert desc[:2] == ["Imprimer les tracts", "Réserver la salle"]
    assert set(desc[2:]) == {"Coller les affiches", "Budget"}
    assert titles(invoke, "issue", "--sort", "title") == sorted(by_due, key=str.casefold)


def test_sort_by_number(invoke, items):
    assert titles(invoke, "report", "--sort", "-knocked") == ["Belleville", "Dejean"]
    assert titles(invoke, "report", "--sort", "knocked") == ["Dejean", "Belleville"]


def test_limit(invoke, items):
    assert titles(invoke, "issue", "--sort", "title", "--limit", "2") == [
        "Budget", "Coller les affiches"]
    assert titles(invoke, "--limit", "0") == []


def test_fields_in_json(invoke, items):
    listed = as_json(invoke("list", "issue", "--fields", "title,priority", "--format", "json",
                            "--sort", "title"))
    assert listed[0] == {"id": items["Budget"], "title": "Budget", "priority": "normal"}
    assert all(list(r) == ["id", "title", "priority"] for r in listed)


def test_fields_in_table(invoke, items):
    r = invoke("list", "report", "--fields", "knocked,big", "--sort", "knocked")
    assert r.stdout.splitlines()[0].split() == ["ID", "KNOCKED", "BIG"]
    assert r.stdout.splitlines()[1].split() == [items["Dejean"], "40", "false"]


def test_csv(invoke, items):
    r = invoke("list", "issue", "--fields", "title,tags", "--format", "csv", "--sort", "title")
    rows = list(csv.reader(io.StringIO(r.stdout)))
    assert rows[0] == ["id", "title", "tags"]
    assert rows[1] == [items["Budget"], "Budget", ""]
    assert [items["Imprimer les tracts"], "Imprimer les tracts", "terrain, impression"] in rows


def test_ids(invoke, items):
    assert sorted(ids_of(invoke("list", "--format", "ids"))) == sorted(items.values())


def test_empty_tracker(invoke):
    assert as_json(invoke("list", "--format", "json")) == []
    assert ids_of(invoke("list", "--format", "ids")) == []


def test_a_broken_file_is_reported_and_every_other_item_still_listed(invoke, repo, items):
    write_tree(repo, {"issues/broken.md": "---\ntitle: [unclosed\nstatus: open\n---\n",
                      "issues/nofront.md": "just text\n",
                      "issues/badbytes.md": b"---\ntitle: caf\xe9\n---\n"})
    for fmt in ("json", "ids", "table", "csv"):
        r = invoke("list", "--format", fmt)
        assert "Traceback" not in r.stderr
        for name in ("issues/broken.md", "issues/nofront.md", "issues/badbytes.md"):
            assert name in r.stderr
        for item_id in items.values():
            assert item_id in r.stdout, fmt
    listed = json.loads(invoke("list", "--format", "json").stdout)
    assert sorted(r["id"] for r in listed) == sorted(items.values())


def test_a_file_copied_by_hand_is_listed(invoke, repo, items):
    shutil.copyfile(item_file(repo, items["Budget"]), repo / "issues" / "budget-copy.md")
    listed = {r["id"]: r for r in as_json(invoke("list", "--format", "json"))}
    assert listed["budget-copy"]["title"] == "Budget"
    assert items["Budget"] in listed


def test_hidden_and_non_markdown_files_are_not_items(invoke, repo, items):
    write_tree(repo, {"issues/.draft.md": "---\ntitle: hidden\n---\n",
                      "issues/notes.txt": "---\ntitle: txt\n---\n"})
    r = invoke("list", "--format", "ids")
    assert r.exit_code == 0 and r.stderr == ""
    assert sorted(r.stdout.split()) == sorted(items.values())


@pytest.mark.parametrize("args, code, fragments", [
    (["--where", "status =="], 2, ["--where"]),
    (["--where", "colour == 'red'"], 2, ["colour"]),
    (["--format", "xml"], 2, ["xml"]),
    (["--limit", "-1"], 2, ["-1"]),
    (["nope"], 1, ["unknown kind 'nope'"]),
])
def test_invalid_input(invoke, repo, items, args, code, fragments):
    before = snapshot(repo)
    assert_error(invoke("list", *args), code, *fragments)
    assert snapshot(repo) == before


def test_unknown_kind_error_is_one_line(invoke, items):
    assert_one_line_error(invoke("list", "nope"), 1, "issue", "report")


ODD_ITEMS = {
    "issues/issue-odd1.md": "---\ntitle: Sans priorité\nstatus: open\nextra: 7\n---\nCorps.\n",
    "issues/issue-odd2.md": "---\ntitle: Clés inversées\npriority: high\nstatus: done\n"
                            "extra: abc\n---\n",
    "issues/issue-bad1.md": "---\ntitle: [unclosed\n---\n",
    "issues/issue-bad2.md": "no front matter at all\n",
    "reports/report-odd.md": "---\ntitle: Sans knocked\nurgent: false\n---\n",
}
QUERIES = [
    (), ("issue",), ("report",), ("--where", "priority == 'high'"),
    ("--where", "extra > 5"), ("--where", "extra is none"), ("--where", "knocked > 100"),
    ("--where", "big"), ("--where", "not big and kind == 'report'"),
    ("--where", "due < today or status == 'done'"), ("--where", "'terrain' in tags"),
    ("--where", "title | lower is string and id.startswith('issue')"),
    ("--where", "path.endswith('odd1.md')"), ("--where", "missing > 1"),
    ("--where", "extra is defined"), ("--where", "extra | default(0) == 0"),
    ("--sort", "-priority"), ("--sort", "due"), ("--sort", "big"), ("--sort", "extra"),
    ("--sort", "title", "--limit", "2"), ("--fields", "title,extra,big"),
    ("--fields", "kind,path,tags"), ("issue", "--where", "status != 'done'", "--limit", "1"),
]


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "ids"])
def test_the_snapshot_path_lists_exactly_what_parsing_every_file_lists(invoke, repo, items,
                                                                       monkeypatch, fmt):
    """Columns (snapshot, generated filters, remembered expressions) against the plain
    item-by-item path: same output, warnings and exit code, cold, warm and after edits."""
    monkeypatch.delenv("TRACKER_NO_CACHE", raising=False)
    write_tree(repo, ODD_ITEMS)

    def both(*args: str) -> None:
        cached = invoke("list", *args, "--format", fmt)
        plain = invoke("list", *args, "--format", fmt, env={"TRACKER_NO_CACHE": "1"})
        assert (cached.exit_code, cached.stdout, cached.stderr) == \
            (plain.exit_code, plain.stdout, plain.stderr), args

    for _ in range(2):  # the first run writes the snapshot, the second reads it
        for query in QUERIES:
            both(*query)
    (repo / "issues/issue-odd1.md").write_text(
        "---\ntitle: Sans priorité\nstatus: open\nextra: 1\n---\nCorps.\n")
    (repo / "issues/issue-bad2.md").unlink()
    both("--where", "extra > 5")
    both()
