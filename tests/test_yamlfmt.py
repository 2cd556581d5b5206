"""How one field is written as YAML: plain when it reads back the same, quoted otherwise."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.format import yaml as dialect
from tracker.format import yamlfmt


def _read(lines: list[str]) -> dict:
    """Read lines back with the tracker's own dialect (the C safe loader when present)."""
    return yaml.load("\n".join(lines) + "\n", Loader=dialect.Loader)  # noqa: S506


@pytest.mark.parametrize("text", [
    "01001", "0012", "yes", "no", "on", "off", "true", "null", "~", "12:30", "2026-01-01",
    "1e3", "0x1F", ".inf", "", " padded", "padded ", "a: b", "#hash", "- dash", "[a]",
    "{a}", "*star", "&amp", "!bang", "%pct", "@at", "`tick", "'", '"', "a #b",
])
def test_text_that_yaml_would_misread_is_quoted_and_reads_back(text):
    lines = yamlfmt.field_lines("k", text)
    assert _read(lines) == {"k": text}
    assert lines != [f"k: {text}"] or text == "1e3"  # 1e3 is a string in YAML 1.1


@pytest.mark.parametrize("text", ["hello", "Porte-à-porte Belleville", "mob-93-017",
                                  "it's fine", "日本語", "a, b"])
def test_ordinary_text_is_written_plain(text):
    assert yamlfmt.field_lines("k", text) == [f"k: {text}"]


@pytest.mark.parametrize("value, written", [
    (42, "42"), (-7, "-7"), (0.75, "0.75"), (1e20, "1.0e+20"), (True, "true"),
    (False, "false"), (None, "null"), (date(2026, 4, 21), "2026-04-21"),
    (datetime(2026, 3, 1, 10, 0, tzinfo=timezone(timedelta(hours=1))),
     "2026-03-01T10:00:00+01:00"),
])
def test_scalars_of_every_type(value, written):
    lines = yamlfmt.field_lines("k", value)
    assert lines == [f"k: {written}"]
    assert _read(lines) == {"k": value}


def test_non_finite_floats():
    assert yamlfmt.scalar(float("inf")) == ".inf"
    assert yamlfmt.scalar(float("-inf")) == "-.inf"
    assert yamlfmt.scalar(float("nan")) == ".nan"


def test_lists_are_written_in_flow_style_on_one_line():
    lines = yamlfmt.field_lines("tags", ["terrain", "a, b", "yes", 3])
    assert len(lines) == 1 and lines[0].startswith("tags: [")
    assert _read(lines) == {"tags": ["terrain", "a, b", "yes", 3]}


def test_empty_list():
    assert yamlfmt.field_lines("tags", []) == ["tags: []"]


def test_block_list_style_is_kept():
    style = yamlfmt.Style(block_list=True, indent="    ")
    assert yamlfmt.field_lines("tags", ["a", "b"], style=style) == ["tags:", "    - a",
                                                                     "    - b"]


def test_single_quote_style_is_kept_and_escaped():
    style = yamlfmt.Style(quote="'")
    lines = yamlfmt.field_lines("title", "L'affiche", style=style)
    assert lines == ["title: 'L''affiche'"]
    assert _read(lines) == {"title": "L'affiche"}


def test_double_quote_style_is_kept():
    assert yamlfmt.field_lines("a", "x", style=yamlfmt.Style(quote='"')) == ['a: "x"']


def test_quote_flag_always_quotes():
    assert yamlfmt.field_lines("station", "75120", quote=True) == ['station: "75120"']


@pytest.mark.parametrize("text, indicator", [
    ("one\ntwo", "|-"), ("one\ntwo\n", "|"), ("one\ntwo\n\n", "|+"),
])
def test_multi_line_text_is_a_literal_block(text, indicator):
    lines = yamlfmt.field_lines("note", text)
    assert lines[0] == f"note: {indicator}"
    assert _read(lines) == {"note": text}


def test_multi_line_text_that_a_literal_block_cannot_hold_still_reads_back():
    for text in (" leading space\nx", "tab\there\nx", "\nstarts with newline", "a\r\nb"):
        assert _read(yamlfmt.field_lines("note", text)) == {"note": text}


def test_keys_that_need_quotes():
    assert yamlfmt.format_key("title") == "title"
    assert yamlfmt.format_key("my key") == '"my key"'
    assert yamlfmt.format_key("yes") == '"yes"'  # a plain yes key would read as True
    assert _read(yamlfmt.field_lines("yes", 1)) == {"yes": 1}


def test_nested_values_read_back():
    value = {"a": 1, "b": ["x", {"c": None}]}
    assert _read(yamlfmt.field_lines("nested", value)) == {"nested": value}


def test_raw_key_is_reused():
    assert yamlfmt.field_lines("code", "02", raw_key="'code'") == ["'code': \"02\""]


def test_trailing_comment():
    line = "priority: high   # bumped\n"
    assert yamlfmt.trailing_comment(line, len("priority: high")) == "   # bumped"
    assert yamlfmt.trailing_comment("title: a#b\n", len("title: a#b")) == ""


@pytest.mark.parametrize("text", ["\x85", "a\x85b", "\u2028", "x\u2029y"])
def test_next_line_character_survives(text):
    """U+0085, U+2028 and U+2029 are line breaks to YAML; a value holding one reads back."""
    assert _read(yamlfmt.field_lines("k", text)) == {"k": text}


@settings(max_examples=300, deadline=None, database=None)
@given(st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x85"),
               max_size=40))
def test_any_text_reads_back(text):
    """(U+0085 has its own test above.)"""
    assert _read(yamlfmt.field_lines("k", text)) == {"k": text}


@settings(max_examples=200, deadline=None, database=None)
@given(st.lists(st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x85"),
                        max_size=15), max_size=5))
def test_any_list_of_text_reads_back(values):
    assert _read(yamlfmt.field_lines("k", values)) == {"k": values}
