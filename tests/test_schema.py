"""Kinds: field types, coercion of command-line text, validation of file values, workflows."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml

from tracker.model.errors import InvalidValue
from tracker.model.schema import Field, Kind, SchemaError, Workflow, check_value, parse_input

DEFAULT_KIND = Path(__file__).parent.parent / "templates" / "projects" / "default" / "kinds" \
    / "issue.yaml"


def kind(data: dict, name: str = "thing") -> Kind:
    return Kind.from_dict(name, data, f"{name}.yaml")


@pytest.fixture
def issue() -> Kind:
    return kind(yaml.safe_load(DEFAULT_KIND.read_text(encoding="utf-8")), "issue")


# ---------------------------------------------------------------- the default kind


def test_default_issue_kind(issue):
    assert issue.folder == "issues"
    assert issue.order[:2] == ["title", "status"]
    assert issue.order == ["title", "status", "priority", "assignee", "tags", "due", "depends_on", "created"]
    assert issue.fields["title"].required
    assert issue.fields["status"].type == "enum"
    assert issue.fields["status"].default == "open"
    assert issue.fields["status"].values == ("open", "in-progress", "done", "closed")
    assert issue.fields["priority"].values == ("low", "normal", "high", "urgent")
    assert issue.fields["priority"].default == "normal"
    assert issue.fields["assignee"].type == "string"
    assert (issue.fields["tags"].type, issue.fields["tags"].of) == ("list", "string")
    assert issue.fields["due"].type == "date"
    assert issue.fields["created"].type == "datetime"
    assert issue.fields["created"].auto == "now"
    assert issue.ids.scheme == "random"
    assert not issue.strict


def test_default_issue_workflow(issue):
    wf = issue.workflow
    assert wf is not None
    assert wf.initial == "open"
    assert wf.allowed("open") == ["in-progress", "closed"]
    assert set(wf.allowed("in-progress")) == {"done", "open", "closed"}
    assert set(wf.allowed("done")) == {"open", "closed"}
    assert wf.allowed("closed") == ["open"]  # closed -> closed is no move


def test_workflow_any_status():
    wf = Workflow(("a", "b", "c"), "a", {"a": ("b",), "*": ("c",)})
    assert wf.allowed("a") == ["b", "c"]
    assert wf.allowed("b") == ["c"]
    assert wf.allowed("c") == []


def test_status_field_is_added_from_the_workflow():
    k = kind({"fields": {"title": "string"}, "workflow": {"statuses": ["todo", "done"]}})
    assert k.fields["status"].type == "enum"
    assert k.fields["status"].values == ("todo", "done")
    assert k.fields["status"].default == "todo"
    assert k.order == ["title", "status"]


def test_order_puts_title_and_status_first():
    k = kind({"fields": {"b": "int", "status": {"type": "enum", "values": ["x"]},
                         "a": "string", "title": "string"}})
    assert k.order == ["title", "status", "b", "a"]


def test_short_field_syntax_and_defaults():
    k = kind({"fields": {"n": "int", "s": None}})
    assert k.fields["n"].type == "int"
    assert k.fields["s"].type == "string"
    assert k.folder == "thing"
    assert k.ids.prefix == "thing"


def test_natural_key_scheme():
    k = kind({"id": {"key": "{insee}-{bureau}"}})
    assert k.ids.scheme == "key"
    assert k.ids.key == "{insee}-{bureau}"


@pytest.mark.parametrize("data, message", [
    ([], "a kind file holds fields"),
    ({"fields": {"x": "complex"}}, "unknown type 'complex'"),
    ({"fields": {"x": "enum"}}, "needs its 'values'"),
    ({"fields": {"x": {"type": "string", "pattern": "("}}}, "bad pattern"),
    ({"workflow": {"transitions": {}}}, "needs a list of 'statuses'"),
    ({"workflow": {"statuses": ["a"], "transitions": {"a": ["zz"]}}}, "unknown status 'zz'"),
    ({"id": {"scheme": "sequential"}}, "'random' or 'key'"),
    ({"id": {"scheme": "key"}}, "needs a 'key'"),
    ({"id": {"length": 2}}, "between 4 and 32"),
    ({"fields": ["title"]}, "'fields' must map"),
])
def test_invalid_kind_files_are_refused(data, message):
    with pytest.raises(SchemaError) as caught:
        kind(data)
    assert message in str(caught.value)
    assert str(caught.value).startswith("thing.yaml")


def test_kind_names_are_checked():
    with pytest.raises(SchemaError):
        Kind.from_dict("Bad Name", {}, "x.yaml")


# ---------------------------------------------------------------- parse_input


@pytest.mark.parametrize("spec, text, value", [
    (Field("n", "int"), "42", 42),
    (Field("n", "int"), " -7 ", -7),
    (Field("x", "float"), "0.5", 0.5),
    (Field("x", "float"), "3", 3.0),
    (Field("b", "bool"), "yes", True),
    (Field("b", "bool"), "TRUE", True),
    (Field("b", "bool"), "off", False),
    (Field("b", "bool"), "0", False),
    (Field("d", "date"), "2026-04-21", date(2026, 4, 21)),
    (Field("t", "datetime"), "2026-04-21T18:30:00+02:00",
     datetime(2026, 4, 21, 18, 30, tzinfo=timezone(timedelta(hours=2)))),
    (Field("e", "enum", values=("low", "high")), "high", "high"),
    (Field("s", "string"), "  spaced  ", "  spaced  "),
    (Field("r", "ref"), "issue-abc", "issue-abc"),
    (Field("l", "list"), "a,b", ["a", "b"]),
    (Field("l", "list"), "[a, b]", ["a", "b"]),
    (Field("l", "list"), " a , b ,", ["a", "b"]),
    (Field("l", "list"), "[]", []),
    (Field("l", "list"), "", []),
    (Field("l", "list", of="int"), "[1, 2]", [1, 2]),
    (Field("l", "list", of="int"), "3,4", [3, 4]),
    (Field("l", "list", of="date"), "2026-01-01", [date(2026, 1, 1)]),
])
def test_parse_input_by_type(spec, text, value):
    parsed = parse_input(spec, text)
    assert parsed == value
    assert type(parsed) is type(value)


def test_today_and_now():
    assert isinstance(parse_input(Field("d", "date"), "today"), date)
    assert parse_input(Field("t", "datetime"), "now").tzinfo is not None


@pytest.mark.parametrize("spec, text, expected", [
    (Field("n", "int"), "4.5", "a whole number"),
    (Field("n", "int"), "abc", "a whole number"),
    (Field("x", "float"), "abc", "a number"),
    (Field("x", "float"), "nan", "a number"),
    (Field("x", "float"), "inf", "a number"),
    (Field("b", "bool"), "maybe", "true or false"),
    (Field("d", "date"), "2026-13-01", "a date like"),
    (Field("d", "date"), "21/04/2026", "a date like"),
    (Field("t", "datetime"), "tomorrow", "a date and time"),
    (Field("e", "enum", values=("low", "high")), "medium", "one of: low, high"),
    (Field("e", "enum", values=("low", "high")), "LOW", "one of: low, high"),
    (Field("l", "list", of="int"), "1,x", "a list of int"),
])
def test_parse_input_refuses_and_names_field_and_allowed_values(spec, text, expected):
    with pytest.raises(InvalidValue) as caught:
        parse_input(spec, text)
    assert caught.value.field == spec.name
    assert str(caught.value).startswith(f"{spec.name}: ")
    assert expected in str(caught.value)


# ---------------------------------------------------------------- check_value


@pytest.mark.parametrize("spec, value", [
    (Field("s", "string"), "x"),
    (Field("s", "string", pattern=r"[0-9]{5}"), "75120"),
    (Field("n", "int", minimum=0, maximum=10), 10),
    (Field("x", "float"), 2),
    (Field("x", "float"), 2.5),
    (Field("b", "bool"), False),
    (Field("d", "date"), date(2026, 1, 1)),
    (Field("t", "datetime"), datetime(2026, 1, 1, 10)),
    (Field("e", "enum", values=("a",)), "a"),
    (Field("l", "list", of="int"), [1, 2]),
    (Field("r", "ref"), "issue-x"),
    (Field("o", "string"), None),
    (Field("a", "any"), {"x": [1]}),
])
def test_check_value_accepts(spec, value):
    assert check_value(spec, value) is None


@pytest.mark.parametrize("spec, value, expected", [
    (Field("s", "string", required=True), None, "is required"),
    (Field("s", "string"), 12, "put it in quotes"),
    (Field("s", "string", pattern=r"[0-9]{5}"), "7512", "does not match the pattern"),
    (Field("n", "int"), "3", "a whole number"),
    (Field("n", "int"), True, "a whole number"),
    (Field("n", "int"), 2.5, "a whole number"),
    (Field("n", "int", minimum=0), -1, "below the minimum"),
    (Field("n", "int", maximum=5), 6, "above the maximum"),
    (Field("x", "float"), float("nan"), "finite"),
    (Field("b", "bool"), "yes", "true or false"),
    (Field("d", "date"), "2026-01-01", "a date like"),
    (Field("d", "date"), datetime(2026, 1, 1, 10), "a date like"),
    (Field("t", "datetime"), date(2026, 1, 1), "a date and time"),
    (Field("e", "enum", values=("a", "b")), "c", "one of: a, b"),
    (Field("l", "list"), "a", "expected a list"),
    (Field("l", "list", of="int"), [1, "x"], "list item 'x'"),
])
def test_check_value_refuses(spec, value, expected):
    problem = check_value(spec, value)
    assert problem is not None and expected in problem
