"""The adversarial corpus: each file of `cases/` (and a few generated at test time) is put
in the `issues/` folder of a fresh tracker beside one good item, then read through the real
CLI: `check`, `list`, `show`, `set`.

What a user expects, for every case:
- a file the tracker cannot read is reported by `check` (exit 1) on one line located at
  its path (and line, when we know it), is a `warning:` line in `list` (exit 1, the other
  items still listed), and `show` / `set` refuse it with one `Error:` line, exit 1;
- a file it can read is listed, shown and edited like any other item, and `set` changes
  only the lines of the field it sets;
- in every case: no traceback, the other item unaffected, no file modified by a refused
  command, nothing run or written outside the repository.

The expectations are in EXPECTED below; the cases are named by their file.
"""

from __future__ import annotations

import re
import json
import os
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import (
    assert_json_error,
    assert_one_line_error,
    changed_region,
    commit_all,
    head,
    log_subjects,
    new_item,
    run_tracker,
    snapshot,
    status_porcelain,
    write_kind,
    write_tree,
)

CASES = Path(__file__).parent / "cases"
PWNED = "@PWNED@"


@dataclass(frozen=True)
class Bad:
    """The file is refused: `check` reports `fragment` at `line` (None: any line)."""

    line: int | None
    fragment: str
    field: str | None = None


@dataclass(frozen=True)
class Flagged:
    """The file is an item that breaks its kind's schema: `check` reports it, every other
    command reads it as usual (so that `set` can fix it)."""

    line: int | None
    fragment: str
    field: str | None = None


@dataclass(frozen=True)
class Good:
    """The file is an item: `show --format json` holds these values."""

    fields: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Either:
    """Readable or refused, the tracker's choice; but consistently, and never a crash."""


EXPECTED: dict[str, Bad | Flagged | Good | Either] = {
    # malformed YAML and broken structure
    "unclosed-quote": Bad(4, "invalid YAML"),
    "tab-indent": Bad(3, "invalid YAML"),
    "tab-value": Good({"title": "Tabbed value"}),
    "missing-closing": Bad(1, "not closed"),
    "no-front-matter": Bad(1, "front matter"),
    "cr-only": Bad(1, "front matter"),
    "duplicate-key": Bad(4, "duplicate key", "title"),
    "duplicate-quoted-key": Bad(4, "duplicate key", "status"),
    "front-matter-list": Bad(2, "found a list"),
    "front-matter-scalar": Bad(2, "found a single value"),
    "front-matter-empty": Flagged(1, "required", "title"),
    "empty": Bad(1, "empty file"),
    "whitespace-only": Bad(1, "empty file"),
    "complex-key": Bad(4, "invalid YAML"),
    "non-string-key": Bad(4, "field names must be text"),
    "null-key": Bad(None, "field names must be text"),
    "multi-document": Good({"title": "One", "body": "title: Two\n---\n"}),
    "conflict-markers": Bad(3, "unresolved merge conflict"),
    "status-unknown": Flagged(3, "not allowed", "status"),
    "title-null": Flagged(2, "required", "title"),
    "title-list": Flagged(2, "expected text", "title"),
    # encodings and line endings
    "bom": Good({"title": "With a BOM", "body": "Body.\n"}),
    "crlf": Good({"title": "CRLF", "body": "Body.\r\n"}),
    "mixed-endings": Good({"title": "Mixed", "priority": "normal", "body": "Body\r\nmore\n"}),
    "invalid-utf8": Bad(2, "UTF-8"),
    "invalid-utf8-body": Bad(5, "UTF-8"),
    "nul-byte": Bad(None, ""),
    "control-char": Bad(None, ""),
    "no-trailing-newline": Good({"body": "Body without newline"}),
    "closing-at-eof": Good({"title": "Closing at end", "body": ""}),
    "dashes-in-body": Good({"title": "Dashes", "body": "Body\n---\nmore: body\n---\n"}),
    "comments": Good({"title": "Comments", "status": "open"}),
    # YAML features item files never need
    "billion-laughs": Bad(3, "anchors and aliases"),
    "anchor-only": Bad(2, "anchors and aliases"),
    "merge-key": Bad(2, "anchors and aliases"),
    "python-object": Bad(2, "python/object"),
    "python-name": Bad(3, "python/object"),
    "custom-tag": Bad(2, "!vault"),
    "binary-tag": Bad(4, "!!binary"),  # refused like anchors: no item needs raw bytes
    "set-tag": Bad(4, "!!set"),
    "deep-flow": Bad(4, "nest"),
    "deep-moderate": Good({"title": "Nested but fine"}),
    "deep-64-levels": Good({"title": "Deep"}),  # the bound (docs/file-format.md §3)
    "deep-65-levels": Bad(4, "nested too deeply", "nest"),
    "deep-400-levels": Bad(4, "nested too deeply", "nest"),  # passed check, aborted the site
    # numbers and dates
    "nan-inf": Good({"ratio": None, "high": None, "low": None}),  # JSON has no NaN: null
    "huge-int": Good({"count": 123456789012345678901234567890123456789012345678901234567890}),
    "int-4300-digits": Good({"count": int("7" * 4300)}),  # the most Python turns into text
    "int-4301-digits": Bad(4, "number too long", "count"),  # passed check, crashed list
    "huge-float": Good({"value": "1e400"}),  # YAML 1.1 floats need a dot: this is text
    "unquoted-code": Good({"insee": 513, "bureau": 10}),  # YAML 1.1 octal (see the typed test)
    "yaml11-booleans": Good({"country": False, "answer": True, "switch": False}),
    "sexagesimal": Good({"start": 45000}),
    "date-feb-30": Bad(4, "date"),
    "date-month-13": Bad(4, "date"),
    "date-year-0": Bad(4, "date"),
    "datetime-hour-25": Bad(4, "date"),
    "datetime-offset-25h": Bad(4, "date"),
    "due-feb-30": Bad(4, "date", "due"),
    "due-unpadded": Flagged(4, "a date like", "due"),
    "date-year-9999": Good({"due": "9999-12-31"}),
    "title-feb-30": Bad(2, "invalid date", "title"),  # quoted it is text (test_date_like_text)
    "list-item-month-13": Bad(6, "invalid date", "tags"),  # the item's own line
    # text that must stay text
    "unicode-title": Good({"title": "Porte-à-porte 🗳️ Ελλάδα 東京 \u202e gnp.exe",
                           "body": "Corps: été.\n"}),
    "unicode-key": Good({"bureau_numéro": 12}),
    "jinja-title": Good({
        "title": "{{ 7*7 }} {% for x in range(10**9) %}{% endfor %} {{ ''.__class__.__mro__ }}",
        "body": "{{ config }} {% include '/etc/passwd' %}\n"}),
    "script-body": Good({"title": "<script>alert(1)</script>",
                         "body": '<script>alert("body")</script>\n<img src=x onerror=alert(2)>\n'
                                 "[link](javascript:alert(3))\n"}),
}


def _deep_block() -> bytes:
    lines = ["---", "title: Deep block", "status: open"]
    lines += ["  " * i + "k:" for i in range(1200)] + ["  " * 1200 + "v", "---"]
    return ("\n".join(lines) + "\n").encode()


def _block_levels(levels: int) -> bytes:
    """Block mappings `levels` deep under `nest` (line 4)."""
    nest = "".join("  " * i + "k:\n" for i in range(1, levels + 1)) + "  " * (levels + 1) + "v\n"
    return ("---\ntitle: Block levels\nstatus: open\nnest:\n" + nest + "---\n").encode()


def _long_front_matter() -> bytes:
    fields = "".join(f"field_{i}: value {i}\n" for i in range(10_000))
    return ("---\ntitle: Long front matter\nstatus: open\n" + fields + "---\nBody.\n").encode()


def _big_body() -> bytes:
    line = "Porte-à-porte, bureau 12: 212 portes, 98 ouvertes, 7 positifs.\n"
    body = line * (10 * 1024 * 1024 // len(line.encode()) + 1)
    return ("---\ntitle: Big body\nstatus: open\n---\n" + body).encode()


def _binary() -> bytes:
    data = random.Random(8).randbytes(64 * 1024)
    return b"\x89PNG\r\n\x1a\n" + data  # a picture saved with the wrong extension


GENERATED: dict[str, tuple[Any, Bad | Good]] = {
    "deep-block": (_deep_block, Bad(None, "nest")),
    "deep-block-65": (lambda: _block_levels(65), Bad(4, "nested too deeply", "nest")),
    "deep-block-64": (lambda: _block_levels(64), Good({"title": "Block levels"})),
    "front-matter-over-4mib": (lambda: ("---\ntitle: Big\nstatus: open\n" + "".join(
        f"field_{i}: {'x' * 100}\n" for i in range(42_000)) + "---\n").encode(),
        Bad(2, "too large")),
    "long-front-matter": (_long_front_matter, Good({"title": "Long front matter",
                                                     "field_9999": "value 9999"})),
    "big-body": (_big_body, Good({"title": "Big body"})),
    "binary": (_binary, Bad(1, "UTF-8")),
    "long-line": (lambda: ("---\ntitle: " + "x" * 100_000 + "\nstatus: open\n---\n").encode(),
                  Good({"title": "x" * 100_000})),
}


def case_names() -> list[str]:
    return sorted(p.stem for p in CASES.glob("*.md"))


def test_every_case_file_has_an_expectation():
    assert case_names() == sorted(EXPECTED)
    assert not set(GENERATED) & set(EXPECTED)


# ---------------------------------------------------------------- the harness


@pytest.fixture
def witness(repo, invoke) -> str:
    """A good item created through the CLI, which no case may disturb."""
    return new_item(invoke, "issue", "Witness", "tags=a,b", args=("--body", "Untouched.\n"))


def install(repo: Path, name: str, data: bytes, tmp_path: Path) -> Path:
    """The case as issues/<name>.md, committed (as a teammate's push would bring it)."""
    data = data.replace(PWNED.encode(), str(tmp_path / "pwned").encode())
    write_tree(repo, {f"issues/{name}.md": data})
    commit_all(repo, f"add case {name}")
    return repo / "issues" / f"{name}.md"


def no_traceback(result) -> None:
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout, result.stderr


def check_problems(invoke) -> list[dict[str, Any]]:
    r = invoke("check", "--format", "json")
    no_traceback(r)
    assert r.exit_code in (0, 1), (r.exit_code, r.stderr)
    found = json.loads(r.stdout)
    assert (r.exit_code == 1) == bool(found)
    for problem in found:
        assert "\n" not in problem["message"], f"a problem on several lines: {problem}"
    text = invoke("check")
    no_traceback(text)
    assert len(text.stdout.splitlines()) == len(found), text.stdout  # one line per problem
    return found


def assert_reported(mine: list[dict[str, Any]], rel: str, expect: Bad | Flagged) -> None:
    assert mine, f"check did not report {rel}"
    first = mine[0]
    if expect.line is not None:
        assert first["line"] == expect.line, first
    assert expect.fragment in first["message"], first
    if expect.field is not None:
        assert first["field"] == expect.field, first


def run_case(repo: Path, invoke, witness: str, tmp_path: Path, name: str, data: bytes,
             expect: Bad | Flagged | Good | Either) -> None:
    path = install(repo, name, data, tmp_path)
    rel = f"issues/{name}.md"
    before, commit = snapshot(repo), head(repo)

    problems = check_problems(invoke)
    mine = [p for p in problems if p["path"] == rel]
    assert [p for p in problems if p["path"] != rel] == []  # the witness is fine
    if isinstance(expect, Either):
        expect = Bad(None, "") if mine else Good()

    listing = invoke("list", "--format", "json")
    no_traceback(listing)
    table = invoke("list")
    no_traceback(table)
    shown = invoke("show", name, "--format", "json")
    no_traceback(shown)
    shown_text = invoke("show", name)
    no_traceback(shown_text)

    if isinstance(expect, Bad):
        assert_reported(mine, rel, expect)
        assert listing.exit_code == 1, listing.stderr
        assert [r["id"] for r in json.loads(listing.stdout)] == [witness]
        warnings = [line for line in listing.stderr.splitlines() if line.startswith("warning:")]
        assert len(warnings) == 1 and rel in warnings[0], listing.stderr
        assert listing.stderr == warnings[0] + "\n", listing.stderr
        assert table.exit_code == 1 and witness in table.stdout
        assert_json_error(shown, 1, rel)
        assert_one_line_error(shown_text, 1, rel)
        assert_one_line_error(invoke("set", name, "assignee=bob"), 1, rel)
        assert snapshot(repo) == before and head(repo) == commit
    else:
        if isinstance(expect, Flagged):
            assert_reported(mine, rel, expect)
            expect = Good()
        else:
            assert mine == [], mine
        assert listing.exit_code == 0, listing.stderr
        assert sorted(r["id"] for r in json.loads(listing.stdout)) == sorted([witness, name])
        assert table.exit_code == 0 and name in table.stdout
        assert shown.exit_code == 0 and shown_text.exit_code == 0, shown.stderr
        record = json.loads(shown.stdout)
        assert {k: record.get(k) for k in expect.fields} == expect.fields
        assert snapshot(repo) == before
        r = invoke("set", name, "assignee=bob")
        assert r.exit_code == 0, r.stderr
        old, new = changed_region(before[rel], path.read_bytes())
        assert old == [] and len(new) == 1 and new[0].rstrip(b"\r\n") == b"assignee: bob", new
        assert log_subjects(repo)[0] == f"set {name}: assignee=bob"
        after = snapshot(repo)
        assert {k: v for k, v in after.items() if k != rel} == \
            {k: v for k, v in before.items() if k != rel}
    assert status_porcelain(repo) == ""
    witnessed = invoke("show", witness, "--format", "json")
    assert witnessed.exit_code == 0 and json.loads(witnessed.stdout)["body"] == "Untouched.\n"
    assert not (tmp_path / "pwned").exists()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_case(repo, invoke, witness, tmp_path, name):
    data = (CASES / f"{name}.md").read_bytes()
    run_case(repo, invoke, witness, tmp_path, name, data, EXPECTED[name])


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_generated_case(repo, invoke, witness, tmp_path, name):
    make, expect = GENERATED[name]
    run_case(repo, invoke, witness, tmp_path, name, make(), expect)


# ---------------------------------------------------------------- the console script


@pytest.mark.parametrize("name", ["date-feb-30", "nul-byte", "billion-laughs", "binary-tag",
                                  "invalid-utf8", "python-object", "deep-flow"])
def test_the_console_script_never_shows_a_traceback(repo, witness, tmp_path, name):
    install(repo, name, (CASES / f"{name}.md").read_bytes(), tmp_path)
    for args in (["list"], ["list", "--format", "json"], ["check"], ["show", name],
                 ["show", name, "--format", "json"], ["set", name, "assignee=bob"]):
        done = run_tracker(repo, *args)
        assert "Traceback" not in done.stderr, (args, done.stderr)
        assert done.returncode in (0, 1), (args, done.returncode, done.stderr)
    assert not (tmp_path / "pwned").exists()


def test_all_cases_together_leave_the_good_items_listed(repo, invoke, witness, tmp_path):
    files = {f"issues/{p.stem}.md": p.read_bytes().replace(PWNED.encode(), b"/nonexistent/x")
             for p in CASES.glob("*.md")}
    write_tree(repo, files)
    commit_all(repo, "the whole corpus")
    done = run_tracker(repo, "list", "--format", "ids")
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 1
    listed = set(done.stdout.split())
    readable = {n for n, e in EXPECTED.items() if isinstance(e, (Good, Flagged))}
    assert readable | {witness} <= listed
    assert not listed & {n for n, e in EXPECTED.items() if isinstance(e, Bad)}
    warned = {line.split(":")[1].strip() for line in done.stderr.splitlines()
              if line.startswith("warning:")}
    assert warned == {f"issues/{n}.md" for n, e in EXPECTED.items() if isinstance(e, Bad)}


# ---------------------------------------------------------------- typed fields


STATION_KIND = """\
folder: stations
fields:
  title: {type: string, required: true}
  insee: {type: string}
  when: {type: date}
"""


def test_an_unquoted_code_in_a_text_field_is_reported_with_the_fix(repo, invoke):
    write_kind(repo, "station", STATION_KIND)
    write_tree(repo, {"stations/ain.md": "---\ntitle: Ain\ninsee: 01001\n---\n"})
    commit_all(repo)
    problems = check_problems(invoke)
    assert [(p["line"], p["field"]) for p in problems] == [(3, "insee")]
    assert 'insee: "01001"' in problems[0]["message"]
    r = invoke("set", "ain", "insee=01001")
    assert r.exit_code == 0, r.stderr
    assert (repo / "stations" / "ain.md").read_text() == '---\ntitle: Ain\ninsee: "01001"\n---\n'
    assert json.loads(invoke("show", "ain", "--format", "json").stdout)["insee"] == "01001"
    assert check_problems(invoke) == []


def test_non_finite_numbers_survive_an_edit_of_another_field(repo, invoke, tmp_path):
    install(repo, "numbers", (CASES / "nan-inf.md").read_bytes(), tmp_path)
    assert invoke("set", "numbers", "ratio=0.5").exit_code == 0
    text = (repo / "issues" / "numbers.md").read_text()
    assert "high: .inf\nlow: -.inf\n" in text and "ratio: " in text


# ---------------------------------------------------------------- untrusted text in outputs


def test_jinja_and_html_in_items_are_text_in_reports_and_the_site(repo, invoke, witness,
                                                                   tmp_path):
    for name in ("jinja-title", "script-body"):
        install(repo, name, (CASES / f"{name}.md").read_bytes(), tmp_path)
    r = invoke("list", "--grep", "{{ 7*7 }}", "--format", "ids")
    assert (r.exit_code, r.stdout.split()) == (0, ["jinja-title"])
    r = invoke("list", "--where", "title == '{{ 7*7 }}'", "--format", "ids")
    assert (r.exit_code, r.stdout) == (0, "")
    site = tmp_path / "site"
    r = invoke("report", "site", "--out", str(site))
    assert r.exit_code == 0, r.stderr
    pages = {p: p.read_text(encoding="utf-8") for p in site.rglob("*.html")}
    assert pages
    # the search index is a JSON data block the browser never runs, every `<` escaped
    index = re.search(r'<script type="application/json" id="search-index">(.*?)</script>',
                      pages.pop(site / "search.html"), re.S)
    assert index and "<" not in index.group(1)
    everything = "\n".join(pages.values())
    assert "<script>alert" not in everything
    assert "onerror=alert" not in everything.replace("onerror=alert(2)&gt;", "")
    assert 'href="javascript:' not in everything
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in everything
    assert "{{ 7*7 }}" in everything  # shown as typed, never evaluated
    assert "root:" not in everything  # {% include '/etc/passwd' %} stayed text
    md = invoke("report", "summary")
    no_traceback(md)
    assert md.exit_code == 0, md.stderr
    assert "root:" not in md.stdout
    assert not (tmp_path / "pwned").exists()
    assert os.listdir(repo / "issues")
