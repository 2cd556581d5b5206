"""The item file format: split, parse (the safe YAML dialect) and minimal-diff edits."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.format import frontmatter, yamlfmt
from tracker.model.errors import InvalidItem

SIMPLE = "---\ntitle: Hello\nstatus: open\n---\nBody\n"


# ---------------------------------------------------------------- split and parse


def test_split_gives_back_the_exact_text():
    doc = frontmatter.split("x.md", SIMPLE)
    assert doc.bom == ""
    assert doc.opening == "---\n"
    assert doc.lines == ("title: Hello\n", "status: open\n")
    assert doc.closing == "---\n"
    assert doc.body == "Body\n"
    assert doc.text == SIMPLE


def test_split_keeps_bom_and_crlf():
    text = "\ufeff---\r\ntitle: Hello\r\n---\r\nBody\r\n"
    doc = frontmatter.split("x.md", text)
    assert doc.bom == "\ufeff"
    assert doc.newline == "\r\n"
    assert doc.lines == ("title: Hello\r\n",)
    assert doc.body == "Body\r\n"
    assert doc.text == text


def test_a_body_line_of_dashes_is_not_the_closing_line():
    text = "---\ntitle: a\n---\nabove\n---\nbelow\n"
    fields, doc = frontmatter.parse("x.md", text)
    assert fields == {"title": "a"}
    assert doc.body == "above\n---\nbelow\n"


def test_empty_front_matter_gives_no_fields():
    fields, doc = frontmatter.parse("x.md", "---\n---\nBody only\n")
    assert fields == {}
    assert doc.body == "Body only\n"


def test_closing_line_at_end_of_file_without_newline():
    fields, doc = frontmatter.parse("x.md", "---\ntitle: a\n---")
    assert fields == {"title": "a"}
    assert doc.body == ""
    assert doc.text == "---\ntitle: a\n---"


@pytest.mark.parametrize("text, reason", [
    ("", "empty file"),
    ("   \n\n", "empty file"),
    ("title: a\n", "no front matter"),
    ("---\ntitle: a\n", "not closed"),
    ("---\n- a\n- b\n---\n", "found a list"),
    ("---\njust text\n---\n", "found a single value"),
])
def test_malformed_files_are_refused_with_a_reason(text, reason):
    with pytest.raises(InvalidItem) as caught:
        frontmatter.parse("issues/x.md", text)
    assert reason in caught.value.reason
    assert caught.value.path == "issues/x.md"


def test_yaml_error_names_the_file_line():
    text = "---\ntitle: a\nstatus: open\ntags: [unclosed\n---\n"
    with pytest.raises(InvalidItem) as caught:
        frontmatter.parse("issues/x.md", text)
    assert caught.value.line is not None and caught.value.line >= 4
    assert str(caught.value).startswith("issues/x.md:")
    assert "invalid YAML" in caught.value.reason


def test_duplicate_keys_are_refused_on_the_line_of_the_second():
    text = "---\ntitle: a\nstatus: open\ntitle: b\n---\n"
    with pytest.raises(InvalidItem) as caught:
        frontmatter.parse("x.md", text)
    assert caught.value.line == 4
    assert caught.value.field == "title"
    assert "duplicate" in caught.value.reason


def test_anchors_and_aliases_are_refused():
    text = "---\nbase: &b [a, b]\ntags: *b\n---\n"
    with pytest.raises(InvalidItem) as caught:
        frontmatter.parse("x.md", text)
    assert "anchors and aliases" in caught.value.reason


def test_alias_bomb_is_refused_not_expanded():
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for n in range(1, 9):
        prev = chr(ord("a") + n - 1)
        cur = chr(ord("a") + n)
        lines.append(f"{cur}: &{cur} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}]")
    with pytest.raises(InvalidItem):
        frontmatter.parse("x.md", "---\n" + "\n".join(lines) + "\n---\n")


@pytest.mark.parametrize("tag", [
    "!!python/object/apply:os.system ['echo hacked']",
    "!!python/name:os.system",
    "!!python/object:builtins.object {}",
])
def test_python_tags_are_refused(tag):
    with pytest.raises(InvalidItem):
        frontmatter.parse("x.md", f"---\ntitle: {tag}\n---\n")


def test_non_utf8_bytes_are_refused_with_their_line():
    with pytest.raises(InvalidItem) as caught:
        frontmatter.decode("x.md", b"---\ntitle: a\nnote: caf\xe9\n---\n")
    assert caught.value.line == 3


def test_non_text_keys_are_refused():
    with pytest.raises(InvalidItem) as caught:
        frontmatter.parse("x.md", "---\ntitle: a\n12: twelve\n---\n")
    assert "field names" in caught.value.reason


def test_key_line_finds_plain_and_quoted_keys():
    doc = frontmatter.split("x.md", "---\n# c\ntitle: a\n'code': '1'\n\"b\": 2\n---\n")
    assert frontmatter.key_line(doc, "title") == 3
    assert frontmatter.key_line(doc, "code") == 4
    assert frontmatter.key_line(doc, "b") == 5
    assert frontmatter.key_line(doc, "missing") is None


def test_conflict_lines():
    text = "---\ntitle: a\n<<<<<<< HEAD\nstatus: open\n=======\nstatus: done\n>>>>>>> b\n---\n"
    assert frontmatter.conflict_lines(text) == [3, 7]
    assert frontmatter.conflict_lines(SIMPLE) == []


# ---------------------------------------------------------------- render


def test_render_writes_fields_in_the_given_order_and_skips_none():
    text = frontmatter.render({"title": "T", "status": "open", "assignee": None,
                               "tags": ["a", "b"], "due": date(2026, 4, 21)}, "Body")
    assert text == "---\ntitle: T\nstatus: open\ntags: [a, b]\ndue: 2026-04-21\n---\nBody\n"


def test_render_quotes_the_fields_asked_for_and_values_that_need_it():
    text = frontmatter.render({"title": "yes", "code": "01001", "n": "12"}, "",
                              quoted=["n"])
    fields, _ = frontmatter.parse("x.md", text)
    assert fields == {"title": "yes", "code": "01001", "n": "12"}
    assert 'n: "12"' in text


def test_render_with_crlf():
    text = frontmatter.render({"title": "T"}, "a\nb", newline="\r\n")
    assert text == "---\r\ntitle: T\r\n---\r\na\r\nb\r\n"


# ---------------------------------------------------------------- edit


def _edit(text: str, updates=None, removals=(), order=None) -> str:
    doc = frontmatter.split("x.md", text)
    return frontmatter.edit("x.md", doc, updates or {}, removals, order).text


def test_edit_with_nothing_to_change_gives_back_the_same_text():
    text = "\ufeff---\r\n# c\r\ntitle: 'a'  # t\r\n\r\ntags:\r\n  - x\r\n---\r\nb\r\n"
    assert _edit(text) == text


def test_edit_changes_only_the_line_of_the_field():
    text = "---\n# head\ntitle: a   # keep me\n\npriority: low  # was high\nassignee: bob\n---\nB\n"
    assert _edit(text, {"priority": "high"}) == text.replace("priority: low", "priority: high")


def test_edit_keeps_the_quote_style_of_the_old_value():
    text = "---\na: 'x'\nb: \"y\"\n---\n"
    assert _edit(text, {"a": "p", "b": "q"}) == "---\na: 'p'\nb: \"q\"\n---\n"


def test_edit_keeps_a_block_list_and_its_indent():
    text = "---\ntags:\n    - a\n    - b\nnext: 1\n---\n"
    assert _edit(text, {"tags": ["c"]}) == "---\ntags:\n    - c\nnext: 1\n---\n"


def test_edit_keeps_comments_and_blank_lines_after_a_block_value():
    text = "---\ntags:\n  - a\n\n# about next\nnext: 1\n---\n"
    assert _edit(text, {"tags": ["b", "c"]}) == \
        "---\ntags:\n  - b\n  - c\n\n# about next\nnext: 1\n---\n"


def test_edit_replaces_a_literal_block_entirely():
    text = "---\nnote: |\n  one\n  two\nafter: x\n---\n"
    out = _edit(text, {"note": "short"})
    assert out == "---\nnote: short\nafter: x\n---\n"


def test_edit_writes_multi_line_text_as_a_literal_block():
    out = _edit("---\ntitle: a\nnote: x\n---\n", {"note": "one\ntwo\n"})
    fields, _ = frontmatter.parse("x.md", out)
    assert fields["note"] == "one\ntwo\n"
    assert "note: |" in out
    assert out.startswith("---\ntitle: a\n")


def test_edit_removes_a_field_and_only_its_lines():
    text = "---\ntitle: a\ntags:\n  - x\n  - y\nstatus: open\n---\n"
    assert _edit(text, removals=["tags"]) == "---\ntitle: a\nstatus: open\n---\n"


def test_edit_inserts_a_new_field_after_its_predecessor_in_the_order():
    text = "---\ntitle: a\nstatus: open\ntags: [x]\n---\n"
    out = _edit(text, {"priority": "high"}, order=["title", "status", "priority", "tags"])
    assert out == "---\ntitle: a\nstatus: open\npriority: high\ntags: [x]\n---\n"


def test_edit_inserts_an_unknown_field_at_the_end_with_the_file_line_endings():
    text = "---\r\ntitle: a\r\n---\r\n"
    assert _edit(text, {"extra": 1}) == "---\r\ntitle: a\r\nextra: 1\r\n---\r\n"


def test_edit_on_a_crlf_file_writes_crlf():
    text = "---\r\ntitle: a\r\nstatus: open\r\n---\r\n"
    assert _edit(text, {"status": "done"}) == "---\r\ntitle: a\r\nstatus: done\r\n---\r\n"


def test_edit_keeps_a_quoted_key():
    text = "---\n'code': '01'\n---\n"
    assert _edit(text, {"code": "02"}) == "---\n'code': '02'\n---\n"


def test_edit_keeps_the_body_untouched():
    body = "---\nnot: front matter\n---\n  spaces  \r\n\n"
    text = "---\ntitle: a\n---\n" + body
    out = _edit(text, {"title": "b"})
    assert frontmatter.split("x.md", out).body == body


# ---------------------------------------------------------------- properties

_TEXT = st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x85"),
                max_size=30)
# U+0085 (NEL) is a YAML line break: see test_yamlfmt.test_next_line_character_survives
_SCALAR = st.one_of(_TEXT, st.integers(-10**12, 10**12), st.booleans(),
                    st.dates(min_value=date(1900, 1, 1), max_value=date(2999, 12, 31)))
_VALUE = st.one_of(_SCALAR, st.lists(st.one_of(_TEXT, st.integers(-1000, 1000)), max_size=4))
_KEY = st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True)


@settings(max_examples=150, deadline=None, database=None)
@given(st.dictionaries(_KEY, _VALUE, min_size=1, max_size=6), _TEXT)
def test_rendered_files_parse_back_to_the_same_fields(fields, body):
    text = frontmatter.render(fields, body)
    parsed, doc = frontmatter.parse("x.md", text)
    assert parsed == fields
    assert doc.text == text


@settings(max_examples=150, deadline=None, database=None)
@given(st.dictionaries(_KEY, _VALUE, min_size=2, max_size=6), _VALUE, st.booleans())
def test_editing_one_field_keeps_every_other_line(fields, value, crlf):
    newline = "\r\n" if crlf else "\n"
    text = frontmatter.render(fields, "body", newline=newline)
    key = sorted(fields)[0]
    doc = frontmatter.split("x.md", text)
    out = frontmatter.edit("x.md", doc, {key: value}).text
    parsed, _ = frontmatter.parse("x.md", out)
    assert parsed == {**fields, key: value}
    written = yamlfmt.format_key(key)  # `no` is written "no": YAML 1.1 reads no as false
    others = [line for line in text.splitlines(keepends=True)
              if not line.startswith(f"{written}:") and not line.startswith("  ")]
    kept = out.splitlines(keepends=True)
    for line in others:
        assert line in kept
    assert all(line.endswith(newline) for line in kept)
