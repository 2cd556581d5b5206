"""The pure three-way merge of item files: examples, then properties (hypothesis).

The body merge is git's own (`gitrepo.merge_text`): real git, no stand-in.
"""

from __future__ import annotations

import os
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker.format import frontmatter
from tracker.format.merge import (
    BODY,
    FILE,
    OURS,
    THEIRS,
    canon,
    conflict_markers,
    conflicted_fields,
    merge,
    merge_sets,
    resolve,
)
from tracker.git.repo import merge_bytes, merge_text
from tracker.model import record

BASE = """---
title: Porte-à-porte Belleville
status: open   # set by the desk
station: "75120-0012"
tags: [priorite, nord]
doors: 212
---
First paragraph.

Second paragraph.
"""


def m(base: str, ours: str, theirs: str) -> tuple[str, list[str]]:
    result = merge(base, ours, theirs, merge_text, "issues/x.md")
    return result.text, result.conflicts


def fields(text: str) -> dict[str, Any]:
    return frontmatter.parse("x.md", text)[0]


# ---------------------------------------------------------------- examples


def test_different_fields_merge_cleanly_and_keep_every_byte():
    ours = BASE.replace("status: open", "status: done")
    theirs = BASE.replace("doors: 212", "doors: 230")
    text, conflicts = m(BASE, ours, theirs)
    assert conflicts == []
    assert text == BASE.replace("status: open", "status: done").replace("212", "230")


def test_adjacent_lines_on_both_sides_merge_field_by_field():
    ours = BASE.replace('station: "75120-0012"', 'station: "75120-0013"')
    theirs = BASE.replace("status: open   # set by the desk", "status: done   # checked")
    text, conflicts = m(BASE, ours, theirs)
    assert conflicts == []
    assert text == BASE.replace('"75120-0012"', '"75120-0013"').replace(
        "status: open   # set by the desk", "status: done   # checked")


def test_same_change_on_both_sides_is_one_change():
    ours = theirs = BASE.replace("open", "done")
    assert m(BASE, ours, theirs) == (ours, [])
    ours2 = BASE.replace("status: open   # set by the desk", "status: done")
    theirs2 = BASE.replace("status: open   # set by the desk", "status: 'done'")
    text, conflicts = m(BASE, ours2, theirs2.replace("doors: 212", "doors: 1"))
    assert conflicts == []
    assert fields(text)["status"] == "done" and fields(text)["doors"] == 1


def test_same_field_conflict_is_confined_and_keeps_both_values():
    ours = BASE.replace("status: open", "status: done").replace("212", "300")
    theirs = BASE.replace("status: open", "status: closed")
    text, conflicts = m(BASE, ours, theirs)
    assert conflicts == ["status"]
    assert "<<<<<<< ours\nstatus: done   # set by the desk\n=======\n" \
           "status: closed   # set by the desk\n>>>>>>> theirs\n" in text
    assert fields(resolve(text, OURS))["status"] == "done"
    assert fields(resolve(text, THEIRS)) == {**fields(ours), "status": "closed"}
    assert conflicted_fields(text) == ["status"]
    assert conflict_markers(text) == [(3, "status")]
    assert text.endswith("---\nFirst paragraph.\n\nSecond paragraph.\n")


def test_removed_on_one_side_and_untouched_on_the_other_is_removed():
    theirs = BASE.replace("doors: 212\n", "")
    ours = BASE.replace("open", "done")
    text, conflicts = m(BASE, ours, theirs)
    assert conflicts == [] and "doors" not in fields(text)
    assert fields(text)["status"] == "done"


def test_removed_on_one_side_and_changed_on_the_other_conflicts():
    theirs = BASE.replace("doors: 212\n", "")
    ours = BASE.replace("212", "213")
    text, conflicts = m(BASE, ours, theirs)
    assert conflicts == ["doors"]
    assert "<<<<<<< ours\ndoors: 213\n=======\n>>>>>>> theirs\n" in text
    assert "doors" not in fields(resolve(text, THEIRS))


def test_lists_merge_as_sets():
    ours = BASE.replace("[priorite, nord]", "[priorite, nord, urgent]")
    theirs = BASE.replace("[priorite, nord]", "[nord, sud]")
    text, conflicts = m(BASE, ours, theirs)
    assert conflicts == []
    assert fields(text)["tags"] == ["nord", "urgent", "sud"]
    assert "tags: [nord, urgent, sud]\n" in text


def test_block_lists_keep_their_style():
    base = BASE.replace("tags: [priorite, nord]", "tags:\n  - priorite\n  - nord")
    ours = base.replace("  - nord", "  - nord\n  - a")
    theirs = base.replace("  - priorite\n", "  - priorite\n  - b\n")
    text, conflicts = m(base, ours, theirs)
    assert conflicts == []
    assert "tags:\n  - priorite\n  - nord\n  - a\n  - b\n" in text


def test_new_keys_from_both_sides():
    ours = BASE.replace("doors: 212\n", "doors: 212\nassignee: ada\n")
    theirs = BASE.replace('station: "75120-0012"\n', 'station: "75120-0012"\ndue: 2026-04-01\n')
    text, conflicts = m(BASE, ours, theirs)
    assert conflicts == []
    assert fields(text)["assignee"] == "ada" and fields(text)["due"] == date(2026, 4, 1)
    assert 'station: "75120-0012"\ndue: 2026-04-01\n' in text


def test_bodies_merge_with_git_and_conflicts_are_named_body():
    ours = BASE.replace("First paragraph.", "First, edited by us.")
    theirs = BASE.replace("Second paragraph.", "Second, edited by them.")
    text, conflicts = m(BASE, ours, theirs.replace("open", "done"))
    assert conflicts == []
    assert "First, edited by us.\n\nSecond, edited by them.\n" in text
    clash = BASE.replace("First paragraph.", "First, by them.")
    text, conflicts = m(BASE, ours, clash)
    assert conflicts == [BODY]
    assert "||||||| base\nFirst paragraph.\n" in text  # diff3 style: the base is shown
    assert conflicted_fields(text) == [BODY]


def test_crlf_and_bom_of_ours_are_kept():
    base = "\ufeff" + BASE.replace("\n", "\r\n")
    ours = base.replace("open", "done")
    theirs = BASE.replace("212", "99")  # LF, no BOM: their lines are re-ended as ours
    text, conflicts = m(base, ours, theirs)
    assert conflicts == []
    front = text.split("---\r\n")[1]
    assert text.startswith("\ufeff---\r\ntitle:")
    assert front == base.split("---\r\n")[1].replace("open", "done").replace("212", "99")


def test_add_add_with_empty_base():
    ours = "---\ntitle: A\ntags: [x]\n---\n"
    theirs = "---\ntitle: A\ntags: [y]\nstatus: open\n---\n"
    text, conflicts = m("", ours, theirs)
    assert conflicts == []
    assert fields(text) == {"title": "A", "tags": ["x", "y"], "status": "open"}
    text, conflicts = m("", ours, theirs.replace("title: A", "title: B"))
    assert conflicts == ["title"]


def test_unparseable_versions_fall_back_to_a_text_merge_with_markers():
    broken = BASE.replace("doors: 212", "doors: [212")
    text, conflicts = m(BASE, broken, BASE.replace("212", "213"))
    assert conflicts == [FILE]
    assert "doors: [212" in text and "doors: 213" in text
    clean_text, clean = m(BASE, broken, BASE.replace("First", "Premier"))
    assert clean == [] and "doors: [212" in clean_text and "Premier" in clean_text
    text, conflicts = m("not an item", "not an item\nours\n", "not an item\ntheirs\n")
    assert conflicts == [FILE] and "ours" in text and "theirs" in text


def test_values_are_compared_with_their_types():
    assert canon(1) != canon(True) and canon(1) != canon(1.0)
    ours = BASE.replace("doors: 212", "doors: 1")
    theirs = BASE.replace("doors: 212", "doors: true")
    assert m(BASE, ours, theirs)[1] == ["doors"]


def test_merge_sets_order():
    assert merge_sets(["a", "b", "c"], ["a", "c", "d"], ["b", "a", "e", "d"]) == \
        ["a", "d", "e"]


def test_merge_bytes_keeps_both_sides_of_binary_content():
    merged, conflicted = merge_bytes(b"a\0\n", b"b\0\n", b"c\0\n")
    assert conflicted and b"b\0" in merged and b"c\0" in merged


def test_resolve_only_some_fields():
    ours = BASE.replace("status: open", "status: done").replace("212", "1")
    theirs = BASE.replace("status: open", "status: closed").replace("212", "2")
    text, conflicts = m(BASE, ours, theirs)
    assert conflicts == ["status", "doors"]
    partly = resolve(text, THEIRS, fields=["doors"])
    assert conflicted_fields(partly) == ["status"]
    assert "doors: 2\n" in partly


# ---------------------------------------------------------------- properties

KEYS = ["title", "status", "priority", "assignee", "due", "doors", "ok", "tags", "note"]
WORDS = st.sampled_from(["open", "done", "ada", "bob", "nord", "sud", "yes", "01001", "a b",
                         "x: y", "été", "#1", "[x]", ""])
SCALARS = st.one_of(WORDS, st.integers(-5, 500), st.booleans(), st.none(),
                    st.dates(date(2020, 1, 1), date(2030, 1, 1)), st.floats(-9, 9).map(
                        lambda f: round(f, 2)))
VALUES = {"tags": st.lists(st.sampled_from(["a", "b", "c", "d", "e", "f"]), unique=True,
                           max_size=5),
          "note": st.sampled_from(["one line", "two\nlines\n", "x"])}
REMOVE = object()


def value_for(key: str) -> st.SearchStrategy[Any]:
    return VALUES.get(key, SCALARS)


@st.composite
def documents(draw: st.DrawFn) -> tuple[dict[str, Any], list[str], str]:
    keys = draw(st.lists(st.sampled_from(KEYS[1:]), unique=True, max_size=6))
    data = {"title": draw(WORDS)} | {k: draw(value_for(k)) for k in keys}
    body = [draw(st.sampled_from(["alpha", "beta", "gamma", "delta"])) + str(i)
            for i in range(draw(st.integers(0, 4)))]
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    return data, body, newline


def render(data: dict[str, Any], body: list[str], newline: str) -> str:
    return frontmatter.render(data, "\n\n".join(body), newline=newline)


@st.composite
def changes(draw: st.DrawFn, data: dict[str, Any], keys: list[str]) -> dict[str, Any]:
    """New values (or REMOVE) for some keys: always real changes."""
    found: dict[str, Any] = {}
    for key in keys:
        value = draw(st.one_of(value_for(key), st.just(REMOVE)) if key != "title"
                     else WORDS)
        if value is REMOVE and key not in data:
            continue
        if value is not REMOVE and key in data and canon(value) == canon(data[key]):
            continue
        found[key] = value
    return found


def apply(text: str, found: dict[str, Any], body: list[str] | None) -> str:
    """A side's version: its field changes made as the tracker makes them (minimal edits)."""
    _, doc = frontmatter.parse("x.md", text)
    updates = {k: v for k, v in found.items() if v is not REMOVE}
    removals = [k for k, v in found.items() if v is REMOVE]
    doc = frontmatter.edit("x.md", doc, updates, removals)
    if body is not None:
        newline = doc.newline
        doc = record.replace(doc, body="\n\n".join(body).replace("\n", newline)
                                  + (newline if body else ""))
    return doc.text


def expected_after(data: dict[str, Any], *sides: dict[str, Any]) -> dict[str, Any]:
    result = dict(data)
    for found in sides:
        for key, value in found.items():
            if value is REMOVE:
                result.pop(key, None)
            else:
                result[key] = value
    return result


@st.composite
def edited_body(draw: st.DrawFn, body: list[str], index: int) -> list[str]:
    edited = list(body)
    edited[index] = edited[index] + draw(st.sampled_from(["!", " edited", "?"]))
    return edited


@st.composite
def triples(draw: st.DrawFn, disjoint: bool) -> tuple[str, str, str, dict, dict, dict, tuple]:
    base = render(*draw(documents()))
    data, doc = frontmatter.parse("x.md", base)
    body = [p.strip("\r\n") for p in doc.body.replace("\r\n", "\n").split("\n\n") if p]
    split = draw(st.permutations(KEYS))
    cut = draw(st.integers(0, len(KEYS)))
    if disjoint:
        ours_keys, their_keys = split[:cut][:4], split[cut:][:4]
    else:
        ours_keys = draw(st.lists(st.sampled_from(KEYS), unique=True, max_size=4))
        their_keys = draw(st.lists(st.sampled_from(KEYS), unique=True, max_size=4))
    ours_changes = draw(changes(data, ours_keys))
    their_changes = draw(changes(data, their_keys))
    bodies: list[list[str] | None] = [None, None]
    if body and draw(st.booleans()):
        side = draw(st.integers(0, 1))
        bodies[side] = draw(edited_body(body, draw(st.integers(0, len(body) - 1))))
        if not disjoint and draw(st.booleans()):
            bodies[1 - side] = draw(edited_body(body, draw(st.integers(0, len(body) - 1))))
    ours = apply(base, ours_changes, bodies[0])
    theirs = apply(base, their_changes, bodies[1])
    return base, ours, theirs, data, ours_changes, their_changes, (body, *bodies)


PROPERTY = settings(max_examples=int(os.environ.get("MERGE_EXAMPLES", "60")), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def parsed(text: str, side: str) -> tuple[dict[str, Any], str]:
    data, doc = frontmatter.parse("x.md", resolve(text, side))
    return data, doc.body


def body_text(lines: list[str], newline: str) -> str:
    return ("\n\n".join(lines) + ("\n" if lines else "")).replace("\n", newline)


@PROPERTY
@given(triples(disjoint=False))
def test_every_one_sided_change_is_in_the_result(case):
    base, ours, theirs, _, ours_changes, their_changes, bodies = case
    text, conflicts = m(base, ours, theirs)
    newline = "\r\n" if base.startswith("---\r\n") else "\n"
    for side in (OURS, THEIRS):
        result, body = parsed(text, side)
        for mine, other in ((ours_changes, their_changes), (their_changes, ours_changes)):
            for key, value in mine.items():
                if key not in other:
                    assert canon(result.get(key, REMOVE)) == canon(value), (key, text)
        _, ours_body, their_body = bodies
        if (ours_body is None) != (their_body is None):
            one = body_text(ours_body or their_body, newline)
            assert body == one
    assert set(conflicts) <= set(ours_changes) & set(their_changes) | {BODY}


@PROPERTY
@given(triples(disjoint=True))
def test_disjoint_changes_never_conflict(case):
    base, ours, theirs, data, ours_changes, their_changes, _ = case
    text, conflicts = m(base, ours, theirs)
    assert conflicts == [], text
    assert fields(text) == expected_after(data, ours_changes, their_changes)
    assert conflict_markers(text) == []


@PROPERTY
@given(st.one_of(documents().map(lambda d: render(*d)), st.text(max_size=200)))
def test_merging_a_version_with_itself_changes_nothing(text):
    assert m(text, text, text) == (text, [])


@PROPERTY
@given(triples(disjoint=False))
def test_swapping_the_sides_gives_the_same_result_up_to_the_labels(case):
    base, ours, theirs = case[:3]
    text, conflicts = m(base, ours, theirs)
    swapped, swapped_conflicts = m(base, theirs, ours)
    assert sorted(conflicts) == sorted(swapped_conflicts)
    for side, other in ((OURS, THEIRS), (THEIRS, OURS)):
        one, body = parsed(text, side)
        two, swapped_body = parsed(swapped, other)
        assert as_sets(one) == as_sets(two)  # merged lists: additions in side order
        assert body == swapped_body


def as_sets(data: dict[str, Any]) -> dict[str, Any]:
    return {k: canon(sorted(v, key=repr) if isinstance(v, list) else v)
            for k, v in data.items()}


@pytest.mark.parametrize("text", [BASE, BASE.replace("\n", "\r\n"), "\ufeff" + BASE])
def test_one_sided_merges_return_that_side_exactly(text):
    changed = text.replace("212", "213")
    assert m(text, changed, text) == (changed, [])
    assert m(text, text, changed) == (changed, [])
