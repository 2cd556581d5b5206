"""A fast path for the expression language: a Jinja expression's syntax tree turned
into nested Python closures, for the common, safe subset of nodes.

Jinja's own compiled expressions cost ~20 µs a call (a new context, a generator);
`list --where` over 100,000 items needs ~1 µs. Only names, constants, comparisons,
boolean and arithmetic operators, conditionals, item access on mappings and lists,
a few attributes of dates, and whitelisted tests, filters and functions are
compiled; for anything else `compile_node` raises `Unsupported` and the caller keeps
the sandboxed Jinja expression. Errors while evaluating propagate, exactly as the
Jinja form raises them, and the caller treats both alike.
"""

from __future__ import annotations

import operator
from datetime import date, datetime, timedelta
from numbers import Number
from typing import Any, Callable

from tracker.model import clock

Fn = Callable[[dict[str, Any]], Any]


class Unsupported(Exception):
    """This node is outside the fast subset: use the Jinja expression instead."""


class _Missing(Exception):
    """A name that is not in the context (Jinja's strict undefined raises too)."""


def power(base: Any, exponent: Any) -> Any:
    """`**`, refusing the exponents that would hang the machine."""
    if isinstance(exponent, (int, float)) and abs(exponent) > 100:
        raise OverflowError("exponent too large")
    return base ** exponent


_BINARY = {"Add": operator.add, "Sub": operator.sub, "Mul": operator.mul,
           "Div": operator.truediv, "FloorDiv": operator.floordiv, "Mod": operator.mod,
           "Pow": power}
_COMPARE = {"eq": operator.eq, "ne": operator.ne, "gt": operator.gt, "gteq": operator.ge,
            "lt": operator.lt, "lteq": operator.le, "in": lambda a, b: a in b,
            "notin": lambda a, b: a not in b}
_DATE_ATTRS = {"year", "month", "day", "hour", "minute", "second", "days", "seconds"}
_TESTS: dict[str, Callable[..., bool]] = {
    "none": lambda v: v is None, "defined": lambda v: True,
    "number": lambda v: isinstance(v, Number), "string": lambda v: isinstance(v, str),
    "true": lambda v: v is True, "false": lambda v: v is False,
    "in": lambda v, seq: v in seq, "eq": lambda a, b: a == b, "ne": lambda a, b: a != b,
}
_FILTERS: dict[str, Callable[..., Any] | None] = {
    "length": len, "count": len, "lower": lambda v: str(v).lower(),
    "upper": lambda v: str(v).upper(), "abs": abs, "int": lambda v, d=0: _int(v, d),
    "float": lambda v, d=0.0: _float(v, d), "string": str, "first": lambda v: v[0],
    "last": lambda v: v[-1], "sum": sum, "min": min, "max": max,
    "default": None, "d": None,  # see _default: it must catch an undefined value
    "join": lambda v, sep="": sep.join(map(str, v)), "round": lambda v, n=0: round(v, n),
}
_STR_METHODS = {"startswith", "endswith", "lower", "upper", "strip"}
TESTS, FILTERS = _TESTS, _FILTERS


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _float(value: Any, default: float) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def compile_node(node: Any, functions: dict[str, Any]) -> Fn:
    """Closures for a Jinja expression node; `functions` are the callable globals."""
    kind = type(node).__name__
    handler = _HANDLERS.get(kind)
    if handler is None:
        raise Unsupported(kind)
    return handler(node, functions)


def _name(node: Any, functions: dict[str, Any]) -> Fn:
    name = node.name
    if name in functions:
        value = functions[name]
        return lambda ctx: ctx[name] if name in ctx else value

    def load(ctx: dict[str, Any]) -> Any:
        try:
            return ctx[name]
        except KeyError:
            raise _Missing(name) from None
    return load


def _const(node: Any, functions: dict[str, Any]) -> Fn:
    value = node.value
    return lambda ctx: value


def _sequence(node: Any, functions: dict[str, Any]) -> Fn:
    parts = [compile_node(item, functions) for item in node.items]
    make = tuple if type(node).__name__ == "Tuple" else list
    return lambda ctx: make(part(ctx) for part in parts)


def _compare(node: Any, functions: dict[str, Any]) -> Fn:
    first = compile_node(node.expr, functions)
    steps = []
    for operand in node.ops:
        if operand.op not in _COMPARE:
            raise Unsupported(operand.op)
        steps.append((_COMPARE[operand.op], compile_node(operand.expr, functions)))

    def compare(ctx: dict[str, Any]) -> bool:
        left = first(ctx)
        for op, right_fn in steps:
            right = right_fn(ctx)
            if not op(left, right):
                return False
            left = right
        return True
    return compare


def _and(node: Any, functions: dict[str, Any]) -> Fn:
    left, right = compile_node(node.left, functions), compile_node(node.right, functions)
    return lambda ctx: left(ctx) and right(ctx)


def _or(node: Any, functions: dict[str, Any]) -> Fn:
    left, right = compile_node(node.left, functions), compile_node(node.right, functions)
    return lambda ctx: left(ctx) or right(ctx)


def _not(node: Any, functions: dict[str, Any]) -> Fn:
    inner = compile_node(node.node, functions)
    return lambda ctx: not inner(ctx)


def _neg(node: Any, functions: dict[str, Any]) -> Fn:
    inner = compile_node(node.node, functions)
    return lambda ctx: -inner(ctx)


def _binary(node: Any, functions: dict[str, Any]) -> Fn:
    op = _BINARY[type(node).__name__]
    left, right = compile_node(node.left, functions), compile_node(node.right, functions)
    return lambda ctx: op(left(ctx), right(ctx))


def concat(*parts: Any) -> str:
    return "".join(str(p) for p in parts)


def _concat(node: Any, functions: dict[str, Any]) -> Fn:
    parts = [compile_node(n, functions) for n in node.nodes]
    return lambda ctx: concat(*(p(ctx) for p in parts))


def _cond(node: Any, functions: dict[str, Any]) -> Fn:
    test = compile_node(node.test, functions)
    yes = compile_node(node.expr1, functions)
    no = compile_node(node.expr2, functions) if node.expr2 is not None else None
    if no is None:
        raise Unsupported("a conditional without else")  # Jinja yields undefined
    return lambda ctx: yes(ctx) if test(ctx) else no(ctx)


def get_attr(value: Any, attr: str) -> Any:
    """`x.attr`: a mapping's key or a date's part; anything else is undefined."""
    if isinstance(value, dict):
        if attr not in value:
            raise _Missing(attr)
        return value[attr]
    if isinstance(value, (date, datetime, timedelta)) and attr in _DATE_ATTRS:
        return getattr(value, attr)
    raise _Missing(attr)


def get_item(value: Any, index: Any) -> Any:
    """`x[i]` on mappings, lists and text only."""
    if isinstance(value, (dict, list, tuple, str)):
        return value[index]
    raise TypeError("not subscriptable")


def _getattr(node: Any, functions: dict[str, Any]) -> Fn:
    target, attr = compile_node(node.node, functions), node.attr
    return lambda ctx: get_attr(target(ctx), attr)


def _getitem(node: Any, functions: dict[str, Any]) -> Fn:
    target, key = compile_node(node.node, functions), compile_node(node.arg, functions)
    return lambda ctx: get_item(target(ctx), key(ctx))


def _test(node: Any, functions: dict[str, Any]) -> Fn:
    if node.name not in _TESTS or node.kwargs or node.dyn_args or node.dyn_kwargs:
        raise Unsupported(f"test {node.name}")
    check = _TESTS[node.name]
    if node.name == "defined":
        inner = compile_node(node.node, functions)

        def defined(ctx: dict[str, Any]) -> bool:
            try:
                inner(ctx)
            except _Missing:
                return False
            return True
        return defined
    value = compile_node(node.node, functions)
    args = [compile_node(a, functions) for a in node.args]
    return lambda ctx: check(value(ctx), *(a(ctx) for a in args))


def _filter(node: Any, functions: dict[str, Any]) -> Fn:
    if node.name not in _FILTERS or node.dyn_args or node.dyn_kwargs or node.node is None:
        raise Unsupported(f"filter {node.name}")
    if node.name in ("default", "d"):
        return _default(node, functions)
    apply = _FILTERS[node.name]
    assert apply is not None
    value = compile_node(node.node, functions)
    args = [compile_node(a, functions) for a in node.args]
    kwargs = {kw.key: compile_node(kw.value, functions) for kw in node.kwargs}
    return lambda ctx: apply(value(ctx), *(a(ctx) for a in args),
                             **{k: v(ctx) for k, v in kwargs.items()})


def _default(node: Any, functions: dict[str, Any]) -> Fn:
    """Jinja's `default`: for an undefined value (or, with boolean=true, a false one)."""
    value = compile_node(node.node, functions)
    args = [compile_node(a, functions) for a in node.args]
    kwargs = {kw.key: compile_node(kw.value, functions) for kw in node.kwargs}

    def default(ctx: dict[str, Any]) -> Any:
        fallback = args[0](ctx) if args else ""
        boolean = bool(args[1](ctx)) if len(args) > 1 else bool(
            kwargs["boolean"](ctx)) if "boolean" in kwargs else False
        try:
            result = value(ctx)
        except _Missing:
            return fallback
        return fallback if boolean and not result else result
    return default


def _call(node: Any, functions: dict[str, Any]) -> Fn:
    if node.kwargs or node.dyn_args or node.dyn_kwargs:
        raise Unsupported("keyword arguments")
    args = [compile_node(a, functions) for a in node.args]
    callee = node.node
    if type(callee).__name__ == "Name" and (callee.name in functions or callee.name == "lookup"):
        fn = compile_node(callee, functions)
        return lambda ctx: fn(ctx)(*(a(ctx) for a in args))
    if type(callee).__name__ == "Getattr" and callee.attr in METHODS:
        target, method = compile_node(callee.node, functions), callee.attr
        return lambda ctx: call_method(target(ctx), method, *(a(ctx) for a in args))
    raise Unsupported("call")


METHODS = _STR_METHODS | {"total_seconds"}


def call_method(obj: Any, method: str, *args: Any) -> Any:
    """The few methods expressions may call: on text, and a duration's total_seconds."""
    if isinstance(obj, str) and method in _STR_METHODS:
        return getattr(obj, method)(*args)
    if isinstance(obj, timedelta) and method == "total_seconds":
        return obj.total_seconds()
    raise TypeError(f"no method {method}")


_HANDLERS: dict[str, Callable[[Any, dict[str, Any]], Fn]] = {
    "Name": _name, "Const": _const, "List": _sequence, "Tuple": _sequence,
    "Compare": _compare, "And": _and, "Or": _or, "Not": _not, "Neg": _neg,
    "Pos": lambda n, f: compile_node(n.node, f), "Concat": _concat, "CondExpr": _cond,
    "Getattr": _getattr, "Getitem": _getitem, "Test": _test, "Filter": _filter, "Call": _call,
    **{name: _binary for name in _BINARY},
}
MISSING = _Missing


# ---------------------------------------------------------------- the names every expression sees


def helpers() -> dict[str, Any]:
    """Names every expression can use besides the item's fields."""
    return {"today": clock.today(), "now": clock.now(),
            "date": _to_date, "min": min, "max": max, "abs": abs, "round": round,
            "within": within}


def _to_date(text: str) -> date:
    return date.fromisoformat(str(text))


def within(value: Any, periods: Any) -> bool:
    """True if a date or time falls in one of the periods ({start, end} mappings).

    A bare date is within a period when it is one of the period's days.
    """
    if value is None or not periods:
        return False
    for period in periods:
        start, end = period.get("start"), period.get("end")
        if start is None or end is None:
            continue
        if isinstance(value, datetime):
            moment = value if value.tzinfo else value.astimezone()
            if _aware(start) <= moment <= _aware(end):
                return True
        elif isinstance(value, date) and _day(start) <= value <= _day(end):
            return True
    return False


def _aware(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.astimezone()
    return datetime.combine(value, datetime.min.time()).astimezone()


def _day(value: Any) -> date:
    return value.date() if isinstance(value, datetime) else value
