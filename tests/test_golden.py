"""Golden item files written by hand (tests/data/golden/*.md, with their fields in *.json):
they load and save back byte for byte, show as expected, and `tracker set` on them
changes the changed field's lines and not one other byte."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.helpers import GOLDEN, as_json, changed_region, commit_all, git, item_file
from tracker.cli.output import to_jsonable
from tracker.format import frontmatter

CASES = sorted(p.stem for p in GOLDEN.glob("*.md"))


def golden_bytes(case: str) -> bytes:
    return (GOLDEN / f"{case}.md").read_bytes()


def expected(case: str) -> dict:
    return json.loads((GOLDEN / f"{case}.json").read_text(encoding="utf-8"))


@pytest.fixture
def golden_repo(repo) -> Path:
    """The tracker with every golden file as an issue, committed."""
    (repo / "issues").mkdir(exist_ok=True)
    for case in CASES:
        shutil.copyfile(GOLDEN / f"{case}.md", item_file(repo, case))
    commit_all(repo, "golden files")
    return repo


def test_the_golden_set_covers_what_the_issue_lists():
    data = {case: golden_bytes(case) for case in CASES}
    assert any(b"\r\n" in d for d in data.values())
    assert any(d.startswith(b"\xef\xbb\xbf") for d in data.values())
    assert any(b"\xef\xbb\xbf---\r\n" in d[:8] for d in data.values())
    assert any(b"# " in d for d in data.values())
    assert any(b"'" in d and b'"' in d for d in data.values())
    assert any(b": |" in d for d in data.values())
    assert any(not d.endswith(b"\n") for d in data.values())
    assert len(CASES) >= 10
    assert all((GOLDEN / f"{case}.json").is_file() for case in CASES)


@pytest.mark.parametrize("case", ["crlf", "bom_crlf"])
def test_crlf_files_were_not_normalised_by_git(case):
    data = golden_bytes(case)
    assert data.count(b"\r\n") == data.count(b"\n")


@pytest.mark.parametrize("case", CASES)
def test_load_and_save_back_byte_for_byte(case):
    data = golden_bytes(case)
    text = frontmatter.decode(case, data)
    fields, doc = frontmatter.parse(f"{case}.md", text)
    assert doc.text.encode("utf-8") == data
    assert frontmatter.edit(f"{case}.md", doc, {}).text.encode("utf-8") == data
    assert {"fields": to_jsonable(fields), "body": doc.body} == expected(case)


@pytest.mark.parametrize("case", CASES)
def test_show_gives_the_golden_fields(invoke, golden_repo, case):
    shown = as_json(invoke("show", case, "--format", "json"))
    shown.pop("overdue")  # computed from today's date
    want = expected(case)
    assert shown == {"id": case, "kind": "issue", "path": f"issues/{case}.md",
                     **want["fields"], "body": want["body"]}


def test_golden_files_pass_check_and_are_listed(invoke, golden_repo):
    r = invoke("check")
    assert r.exit_code == 0, r.stdout
    listed = invoke("list", "--format", "ids")
    assert listed.exit_code == 0 and listed.stderr == ""
    assert sorted(listed.stdout.split()) == CASES


def test_reading_changes_no_byte(invoke, golden_repo):
    for args in (["list"], ["list", "--format", "json"], ["check"], ["show", "crlf"]):
        invoke(*args)
    assert git(golden_repo, "status", "--porcelain") == ""


# (case, assignment, the old lines that change, the new lines written in their place)
MINIMAL = [
    ("comments", "priority=urgent", [b"priority: high  # was low\n"],
     [b"priority: urgent  # was low\n"]),
    ("comments", "title=Autre titre", [b"title: Porte-\xc3\xa0-porte Belleville   # the title "
                                       b"people see\n"],
     [b"title: Autre titre   # the title people see\n"]),
    ("comments", "tags=a,b", [b"tags: [terrain, impression]   # flow list, trailing comment\n"],
     [b"tags: [a, b]   # flow list, trailing comment\n"]),
    ("quotes", "priority=high", [b"priority: 'normal'\n"], [b"priority: 'high'\n"]),
    ("quotes", "assignee=nadia", [b'assignee: "mob-93-017"\n'], [b'assignee: "nadia"\n']),
    ("quotes", "code=02000", [b"'code': '01001'\n"], [b"'code': '02000'\n"]),
    ("quotes", "title=It's", [b"title: 'L''affiche du bureau 12'\n"], [b"title: 'It''s'\n"]),
    ("crlf", "priority=high", [b"priority: low\r\n"], [b"priority: high\r\n"]),
    ("crlf", "tags=a", [b"  - tractage\r\n", b"  - march\xc3\xa9\r\n"], [b"  - a\r\n"]),
    ("crlf", "due=2026-05-01", [b"due: 2026-04-21\r\n"], [b"due: 2026-05-01\r\n"]),
    ("bom", "priority=high", [b"priority: normal\n"], [b"priority: high\n"]),
    ("bom_crlf", "priority=low", [b"priority: urgent   # both at once\r\n"],
     [b"priority: low   # both at once\r\n"]),
    ("block_lists", "tags=x,y", [b"    - terrain\n", b'    - "quoted item"\n',
                                 b"    - 'single'\n"], [b"    - x\n", b"    - y\n"]),
    ("block_lists", "assignee=bob", [b"assignee: ada\n"], [b"assignee: bob\n"]),
    ("block_lists", "priority=low", [b"priority: normal\n"], [b"priority: low\n"]),
    ("flow_lists", "tags=p,q", [b"tags: [terrain, \"b c\", 'd']\n"], [b"tags: [p, q]\n"]),
    ("flow_lists", "priority=low", [b"priority: high\n"], [b"priority: low\n"]),
    ("literal", "summary=short",
     [b"summary: |\n", b"  First line of a literal block.\n", b"    An indented line.\n", b"\n",
      b"  After a blank line.\n"], [b"summary: short\n"]),
    ("literal", "priority=high", [b"priority: normal\n"], [b"priority: high\n"]),
    ("literal", "title=Blocs", [b"title: Literal blocks\n"], [b"title: Blocs\n"]),
    ("unicode", "assignee=Zo\u00e9", ["assignee: 김민준\n".encode()],
     ["assignee: Zoé\n".encode()]),
    ("unicode", "tags=\u00e9t\u00e9", ["tags: [café, naïve, 日本語]\n".encode()],
     ["tags: [été]\n".encode()]),
    ("blank_lines", "priority=high", [b"priority: low\n"], [b"priority: high\n"]),
    ("blank_lines", "title=Lignes", [b"title: Blank lines\n"], [b"title: Lignes\n"]),
    ("no_newline", "priority=low", [b"priority: normal\n"], [b"priority: low\n"]),
    ("types", "due=2026-05-01", [b"due: 2026-04-21\n"], [b"due: 2026-05-01\n"]),
    ("types", "created=2026-03-02T09:30:00+01:00", [b"created: 2026-03-01T10:00:00+01:00\n"],
     [b"created: 2026-03-02T09:30:00+01:00\n"]),
]


@pytest.mark.parametrize("case, assignment, old, new", MINIMAL,
                         ids=[f"{c}:{a.split('=')[0]}" for c, a, _, _ in MINIMAL])
def test_set_changes_only_the_changed_fields_lines(invoke, golden_repo, case, assignment, old,
                                                   new):
    before = golden_bytes(case)
    r = invoke("set", case, assignment)
    assert r.exit_code == 0, r.stderr
    after = item_file(golden_repo, case).read_bytes()
    assert changed_region(before, after) == (old, new)
    # every other line, byte for byte, in place
    kept_before = before.splitlines(keepends=True)
    kept_after = after.splitlines(keepends=True)
    assert len(kept_after) - len(kept_before) == len(new) - len(old)
    name, value = assignment.split("=", 1)
    assert as_json(invoke("show", case, "--format", "json"))[name] in (value, value.split(","))


@pytest.mark.parametrize("case", CASES)
def test_set_and_set_back_restores_every_byte(invoke, golden_repo, case):
    original = expected(case)["fields"]["priority"] if "priority" in expected(case)["fields"] \
        else None
    other = "urgent" if original != "urgent" else "low"
    assert invoke("set", case, f"priority={other}").exit_code == 0
    if original is None:
        assert invoke("set", case, "--unset", "priority").exit_code == 0
    else:
        assert invoke("set", case, f"priority={original}").exit_code == 0
    assert item_file(golden_repo, case).read_bytes() == golden_bytes(case)


@pytest.mark.parametrize("case", CASES)
def test_adding_a_field_only_adds_its_line(invoke, golden_repo, case):
    before = golden_bytes(case)
    assert invoke("set", case, "zone=nord").exit_code == 0
    old, new = changed_region(before, item_file(golden_repo, case).read_bytes())
    newline = b"\r\n" if b"\r\n" in before else b"\n"
    assert (old, new) == ([], [b"zone: nord" + newline])


@pytest.mark.parametrize("case, field, lines", [
    ("comments", "assignee", [b"assignee: mob-93-017\n"]),
    ("crlf", "tags", [b"tags:\r\n", b"  - tractage\r\n", b"  - march\xc3\xa9\r\n"]),
    ("block_lists", "watchers", [b"watchers:\n", b"- ada\n", b"- grace\n"]),
    ("literal", "summary", [b"summary: |\n", b"  First line of a literal block.\n",
                            b"    An indented line.\n", b"\n", b"  After a blank line.\n"]),
    ("literal", "keep", [b"keep: |+\n", b"  kept newlines\n", b"\n", b"\n"]),
    ("types", "nested", [b"nested:\n", b"  a: 1\n", b"  b: [x, y]\n"]),
])
def test_unset_removes_only_the_fields_lines(invoke, golden_repo, case, field, lines):
    before = golden_bytes(case)
    assert invoke("set", case, "--unset", field).exit_code == 0
    assert changed_region(before, item_file(golden_repo, case).read_bytes()) == (lines, [])


@pytest.mark.parametrize("case", ["comments", "crlf", "bom_crlf", "literal", "block_lists"])
def test_move_changes_only_the_status_line(invoke, golden_repo, case):
    before = golden_bytes(case)
    r = invoke("move", case, "closed")
    assert r.exit_code == 0, r.stderr
    old, new = changed_region(before, item_file(golden_repo, case).read_bytes())
    assert len(old) == len(new) == 1
    assert old[0].startswith(b"status: ") and new[0].startswith(b"status: ")
    assert b"closed" in new[0]
    assert old[0].endswith(b"\r\n") == new[0].endswith(b"\r\n")
