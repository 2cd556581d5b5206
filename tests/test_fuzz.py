"""Properties, with hypothesis: the front matter round trip, minimal edits, the merge, and
`check` on arbitrary bytes."""

from __future__ import annotations

import json
import math
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tracker.format import frontmatter
from tracker.git import repo as gitrepo
from tracker.model.errors import InvalidItem

SETTINGS = settings(max_examples=300, deadline=None)

keys = st.from_regex(r"[a-z][a-z0-9_]{0,11}", fullmatch=True).filter(
    lambda k: k not in ("y", "n", "yes", "no", "on", "off", "true", "false", "null"))
line_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"),
                    max_size=40)
any_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)
finite = st.floats(allow_nan=False, allow_infinity=True)
dates = st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31))
datetimes = st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1),
                         timezones=st.sampled_from([timezone.utc,
                                                    timezone(timedelta(hours=2)),
                                                    timezone(timedelta(hours=-5, minutes=-30))]))
scalars = st.one_of(line_text, st.integers(), st.integers(min_value=-10**40, max_value=10**40),
                    finite, st.booleans(), dates, datetimes,
                    st.from_regex(r"0[0-9]{1,5}", fullmatch=True),  # codes like 01001
                    st.sampled_from(["yes", "no", "on", "NO", "null", "~", "12:30", "1e3",
                                     "0x1F", ".nan", "- a", "#x", "a: b", "[a]", "{a}", "*a",
                                     "&a", "!tag", "%x", "@x", "`x", "'", '"', "---", "..."]))
one_line_values = st.one_of(scalars, st.lists(st.one_of(line_text, st.integers()), max_size=5))
values = st.one_of(one_line_values, any_text)
field_maps = st.dictionaries(keys, values, max_size=8)
bodies = st.one_of(st.just(""), any_text, st.text(max_size=200).map(lambda t: t + "\n"))


def same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return bool(a == b and type(a) is type(b))


# ---------------------------------------------------------------- round trip


@SETTINGS
@given(fields=field_maps, body=bodies, newline=st.sampled_from(["\n", "\r\n"]))
def test_render_then_parse_gives_back_every_field_and_the_body(fields, body, newline):
    fields = {"title": "T", **fields}
    text = frontmatter.render(fields, body, newline=newline)
    parsed, doc = frontmatter.parse("fuzz.md", text)
    assert list(parsed) == list(fields)
    for key, value in fields.items():
        assert same(parsed[key], value), (key, value, parsed[key], text)
    expected_body = body if not body or body.endswith("\n") else body + "\n"
    if newline == "\r\n":
        expected_body = expected_body.replace("\n", "\r\n")
    assert doc.body == expected_body
    assert doc.text == text


@SETTINGS
@given(text=st.text(max_size=300), bom=st.booleans())
def test_split_then_join_is_byte_identical(text, bom):
    text = ("\ufeff" if bom else "") + "---\n" + text
    try:
        doc = frontmatter.split("fuzz.md", text)
    except InvalidItem:
        return
    assert doc.text == text


@SETTINGS
@given(text=st.text(max_size=300))
def test_parse_raises_only_invalid_item(text):
    for candidate in (text, "---\n" + text + "\n---\n", "---\ntitle: x\n" + text + "\n---\n"):
        try:
            fields, doc = frontmatter.parse("fuzz.md", candidate)
        except InvalidItem as e:
            assert "\n" not in str(e), str(e)
            continue
        assert isinstance(fields, dict)
        assert doc.text == candidate


# ---------------------------------------------------------------- minimal edits


@SETTINGS
@given(fields=st.dictionaries(keys, one_line_values, min_size=1, max_size=8),
       data=st.data(), newline=st.sampled_from(["\n", "\r\n"]),
       body=bodies, comment=st.booleans())
def test_editing_one_field_keeps_every_other_byte(fields, data, newline, body, comment):
    text = frontmatter.render({"title": "T", **fields}, body, newline=newline)
    if comment:  # a hand-written comment line must survive too
        text = text.replace("---" + newline, "---" + newline + "# note" + newline, 1)
    _, doc = frontmatter.parse("fuzz.md", text)
    key = data.draw(st.sampled_from(sorted(fields)))
    new_value = data.draw(one_line_values)
    edited = frontmatter.edit("fuzz.md", doc, {key: new_value})
    parsed, _ = frontmatter.parse("fuzz.md", edited.text)
    assert same(parsed[key], new_value)
    before = [line for line in doc.lines if not _starts(line, key)]
    after = [line for line in edited.lines if not _starts(line, key)]
    assert before == after
    assert (edited.bom, edited.opening, edited.closing, edited.body) == \
        (doc.bom, doc.opening, doc.closing, doc.body)


@SETTINGS
@given(fields=st.dictionaries(keys, one_line_values, min_size=1, max_size=8),
       new_key=keys, new_value=one_line_values)
def test_adding_or_removing_a_field_touches_only_its_line(fields, new_key, new_value):
    assume(new_key not in fields)
    text = frontmatter.render({"title": "T", **fields}, "Body.\n")
    _, doc = frontmatter.parse("fuzz.md", text)
    added = frontmatter.edit("fuzz.md", doc, {new_key: new_value})
    assert [line for line in added.lines if not _starts(line, new_key)] == list(doc.lines)
    removed = frontmatter.edit("fuzz.md", added, {}, removals=[new_key])
    assert removed.text == text


def _starts(line: str, key: str) -> bool:
    return line.startswith((f"{key}:", f'"{key}":'))


# ---------------------------------------------------------------- the merge


merge_mod = pytest.importorskip("tracker.format.merge")  # written by another engineer (issue 4)

MERGE_SETTINGS = settings(max_examples=120, deadline=None)
edits = st.dictionaries(keys, st.one_of(st.none(), one_line_values), max_size=4)


def _apply(text: str, changes: dict[str, Any]) -> str:
    _, doc = frontmatter.parse("fuzz.md", text)
    updates = {k: v for k, v in changes.items() if v is not None}
    return frontmatter.edit("fuzz.md", doc, updates,
                            removals=[k for k, v in changes.items() if v is None]).text


@MERGE_SETTINGS
@given(base_fields=st.dictionaries(keys, one_line_values, max_size=6), ours=edits,
       theirs=edits)
def test_the_merge_loses_no_change(base_fields, ours, theirs):
    base = frontmatter.render({"title": "T", **base_fields}, "Body.\n")
    ours_text, theirs_text = _apply(base, ours), _apply(base, theirs)
    result = merge_mod.merge(base, ours_text, theirs_text, gitrepo.merge_text, "fuzz.md")
    conflicted = set(result.conflicts)
    if conflicted:
        assert conflicted <= set(ours) & set(theirs) | {merge_mod.FILE, merge_mod.BODY}
    if not result.clean:
        return
    merged, doc = frontmatter.parse("fuzz.md", result.text)
    assert doc.body == "Body.\n"
    base_parsed = frontmatter.parse("fuzz.md", base)[0]
    ours_parsed = frontmatter.parse("fuzz.md", ours_text)[0]
    theirs_parsed = frontmatter.parse("fuzz.md", theirs_text)[0]
    missing = object()
    for key in set(base_parsed) | set(ours) | set(theirs):
        if key in ours and key in theirs and _is_list(ours[key]) and _is_list(theirs[key]):
            continue  # lists merge as sets: checked below
        before = base_parsed.get(key, missing)
        # a side changed a key when its file says something else than the base (removing
        # a key the base did not have changes nothing)
        if not same(ours_parsed.get(key, missing), before):
            expected = ours_parsed.get(key)
        elif not same(theirs_parsed.get(key, missing), before):
            expected = theirs_parsed.get(key)
        else:
            expected = base_parsed.get(key)
        assert same(merged.get(key), expected), (key, merged.get(key), expected, result.text)
    for key in set(ours) & set(theirs):
        if _is_list(ours[key]) and _is_list(theirs[key]):
            for value in set(map(repr, ours[key])) | set(map(repr, theirs[key])):
                assert value in set(map(repr, merged.get(key) or [])) or \
                    value in set(map(repr, base_parsed.get(key) or [])), (key, value)


def _is_list(value: Any) -> bool:
    return isinstance(value, list)


@MERGE_SETTINGS
@given(base=st.text(max_size=120), ours=st.text(max_size=120), theirs=st.text(max_size=120),
       framed=st.booleans())
def test_the_merge_never_crashes(base, ours, theirs, framed):
    if framed:
        base, ours, theirs = ("---\n" + t + "\n---\n" for t in (base, ours, theirs))
    result = merge_mod.merge(base, ours, theirs, gitrepo.merge_text, "fuzz.md")
    assert isinstance(result.text, str)
    if result.clean and ours == theirs:
        assert result.text == ours


# ---------------------------------------------------------------- check on arbitrary bytes


yamlish = st.lists(st.sampled_from(["---", "title: x", "status: open", "a: &x 1", "b: *x",
                                    "- item", "  nested: [", "key: 'unclosed", "\t", "? k",
                                    "!!python/object:os.system", "2026-02-30", ": v", "{",
                                    "<<<<<<< ours", "=======", ">>>>>>> theirs", "\ufeff",
                                    "\r", "\x00", "\x85", "\u2028", "é", "due: 2026-13-01",
                                    "d: 2026-02-30", "n: .nan", "i: 99999999999999999999"]),
                   max_size=12).map(lambda parts: "\n".join(parts).encode("utf-8"))
framed = yamlish.map(lambda data: b"---\n" + data + b"\n---\n")
arbitrary = st.one_of(st.binary(max_size=300), yamlish, framed,
                      st.text(max_size=200).map(lambda t: ("---\n" + t + "\n---\n").encode()),
                      st.text(max_size=200).map(lambda t: ("---\n" + t).encode("utf-8")))


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=arbitrary)
def test_check_never_crashes_on_arbitrary_bytes(repo: Path, invoke, data: bytes):
    path = repo / "issues" / "fuzz.md"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(data)
    r = invoke("check", "--format", "json")
    assert r.exit_code in (0, 1), (r.exit_code, r.stderr)
    json.loads(r.stdout)
    listed = invoke("list", "--format", "json")
    assert listed.exit_code in (0, 1), listed.stderr
    assert path.read_bytes() == data  # reading never writes
