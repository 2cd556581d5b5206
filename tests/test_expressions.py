"""The fast expression path gives exactly what sandboxed Jinja gives, or is not used."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.expr.jinja import Expression

EXPRESSIONS = [
    "status != 'done' and priority in ['high', 'urgent']",
    "'terrain' in tags", "knocked > 100", "knocked >= 100 or positive", "not done",
    "knocked - (not_home or 0) - (inaccessible or 0) if knocked is not none else none",
    "positive / opened if opened else none", "1 < knocked < 300", "title ~ '!'",
    "tags | length > 1", "title | lower == 'abc'", "missing is defined", "missing is undefined",
    "missing | default('x')", "status | default('x')", "due < today", "due.year == 2026",
    "(knocked or 0) * 2 // 3 % 5", "-knocked", "knocked ** 2", "title.startswith('a')",
    "tags[0] == 'terrain'", "info.code == 'x'", "info['code']", "min(knocked, 5)",
    "knocked is number", "title is string", "status in ('open', 'done')",
    "done is true", "done is false", "knocked if done", "max(knocked, opened or 0)",
    "''.__class__", "title.__class__.__mro__", "info.items()",
]

values = st.one_of(st.none(), st.integers(-5, 500), st.floats(-5, 500, allow_nan=False),
                   st.text(max_size=4), st.booleans())
contexts = st.fixed_dictionaries({
    "status": st.sampled_from(["open", "done", None]),
    "priority": st.sampled_from(["high", "low", None]),
    "tags": st.one_of(st.none(), st.lists(st.sampled_from(["terrain", "web", "x"]), max_size=3)),
    "knocked": values, "positive": values, "opened": values, "not_home": values,
    "inaccessible": values, "title": st.one_of(st.none(), st.text(max_size=5)),
    "done": st.booleans(), "due": st.one_of(st.none(), st.dates()),
    "info": st.one_of(st.none(), st.fixed_dictionaries({"code": st.text(max_size=2)})),
})


@pytest.mark.parametrize("source", EXPRESSIONS)
@settings(max_examples=60, deadline=None)
@given(context=contexts)
def test_fast_path_matches_jinja(source, context):
    expression = Expression(source, "test")
    fast = expression.evaluate(context, default="<error>")
    expression._fast = None  # noqa: SLF001 - force the Jinja path
    slow = expression.evaluate(context, default="<error>")
    assert fast == slow or (fast != fast and slow != slow)  # NaN equals nothing


def test_the_common_filters_take_the_fast_path():
    assert Expression("status != 'done' and priority in ['high', 'urgent']", "t")._fast
    assert Expression("'terrain' in tags", "t")._fast
    assert Expression("knocked > 100", "t")._fast


def test_unsafe_attributes_never_evaluate():
    for source in ("''.__class__", "title.__class__", "lookup.__globals__"):
        assert Expression(source, "t").evaluate({"title": "x", "lookup": len}, "no") == "no"


def test_datetimes_compare():
    moment = datetime(2026, 4, 10, tzinfo=timezone.utc)
    assert Expression("when > start", "t").evaluate({"when": moment, "start": moment}) is False
    assert Expression("day.day", "t").evaluate({"day": date(2026, 4, 10)}) == 10


@pytest.mark.parametrize("source", EXPRESSIONS)
@settings(max_examples=60, deadline=None)
@given(context=contexts)
def test_generated_source_matches_jinja(source, context):
    """The argument form (exprgen.py) gives what Jinja gives, rows having every name."""
    from tracker.expr.codegen import ERRORS

    expression = Expression(source, "test")
    generated = expression.generated
    if generated is None:
        return
    try:
        fast = generated.function(*(context[name] for name in generated.args))
    except ERRORS:
        fast = "<error>"
    expression._fast = None  # noqa: SLF001 - force the Jinja path
    slow = expression.evaluate(context, default="<error>")
    assert fast == slow or (fast != fast and slow != slow)


def test_the_common_filters_have_a_generated_form_and_the_odd_ones_do_not():
    for source in ("status != 'done' and priority in ['high', 'urgent']", "'terrain' in tags",
                   "knocked > 100", "due < today", "title | lower == 'abc'", "due.year == 2026",
                   "min(knocked, 5) > 1", "tags[0] == 'terrain'", "title.startswith('a')"):
        assert Expression(source, "t").generated is not None, source
    for source in ("missing is defined", "missing | default('x')", "knocked if done",
                   "lookup(x)", "config.a", "range(10)"):
        assert Expression(source, "t").generated is None, source
    from tracker.expr.codegen import ERRORS

    unsafe = Expression("''.__class__.__mro__", "t").generated
    with pytest.raises(ERRORS):  # attributes go through get_attr: mappings and dates only
        unsafe.function()
    assert Expression("missing | default('x')", "t").generated is None


def test_generated_source_holds_no_text_from_the_expression_but_constants():
    generated = Expression("title == 'x\\'); import os; (\\''", "t").generated
    assert generated is not None
    assert generated.source.startswith("lambda a0: (a0 == ")
    assert generated.function("x'); import os; ('") is True


@pytest.mark.parametrize("source", EXPRESSIONS)
@settings(max_examples=40, deadline=None)
@given(context=contexts)
def test_a_remembered_expression_evaluates_as_the_sandbox_does(source, context, tmp_path_factory):
    """exprgen.expression: a second meeting (no Jinja) answers as the first."""
    from tracker.expr import codegen as exprgen

    folder = tmp_path_factory.mktemp("cache")
    first = exprgen.expression(source, "t", folder)
    exprgen._OPEN.clear()  # noqa: SLF001 - as a new process would
    second = exprgen.expression(source, "t", folder)
    assert isinstance(second, exprgen.Known) == (first.generated is not None)
    a, b = first.evaluate(context, "<e>"), second.evaluate(context, "<e>")
    assert a == b or (a != a and b != b)
