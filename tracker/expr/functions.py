"""What compiled expressions call, written once: MISSING (Jinja's undefined value),
attribute and item access, the guarded `**` and `~`, the whitelisted tests, filters and
methods, and the helpers (`today`, `date`, `within`…) that the Jinja sandbox holds as
globals too.

Each answers as the sandbox does, checked by the property tests: MISSING is what a
name the row lacks, or a mapping's key it lacks, evaluates to; like Jinja's strict
undefined, any use of it raises (MissingValue) except `is defined`, `is undefined`,
the `default` filter and the identity tests (`is none`, `is true`…). One difference,
on purpose: no list or tuple holds it (`[missing, 1]` is an error here, where Jinja
builds a list holding its undefined value), so that no undefined value leaks out of an
expression into an item's computed field or a listing.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from numbers import Number
from typing import Any, Callable, NoReturn

from tracker.model import clock


class MissingValue(Exception):
    """An undefined value was used (Jinja's strict undefined raises too)."""


def undefined(*_: Any, **__: Any) -> NoReturn:
    """Raise for a use of the undefined value, or for an expression whose value it is
    (where the sandbox returns its default)."""
    raise MissingValue("undefined")


class _Missing:
    """The type of MISSING: every operation but identity raises MissingValue."""

    __slots__ = ()
    __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = __hash__ = __bool__ = undefined
    __len__ = __iter__ = __contains__ = __getitem__ = __call__ = __str__ = undefined
    __int__ = __float__ = __neg__ = __pos__ = undefined  # not __index__: `xs[missing]` is undefined
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = undefined
    __truediv__ = __rtruediv__ = __floordiv__ = __rfloordiv__ = __mod__ = __rmod__ = undefined
    __pow__ = __rpow__ = undefined

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()
ERRORS = (ArithmeticError, TypeError, ValueError, KeyError, IndexError, AttributeError,
          OverflowError, RecursionError, MissingValue)


def defined(value: Any) -> Any:
    """The value, which must not be undefined."""
    if value is MISSING:
        raise MissingValue("undefined")
    return value


def power(base: Any, exponent: Any) -> Any:
    """`**`, refusing the exponents that would hang the machine."""
    if isinstance(exponent, (int, float)) and abs(exponent) > 100:
        raise OverflowError("exponent too large")
    return base ** exponent


def concat(*parts: Any) -> str:
    """`~`: the parts as text, joined."""
    return "".join(str(p) for p in parts)


_DATE_ATTRS = {"year", "month", "day", "hour", "minute", "second", "days", "seconds"}


def get_attr(value: Any, attr: str) -> Any:
    """`x.attr`: a mapping's key or a date's part; anything else is undefined, and an
    attribute of the undefined value an error (as in Jinja)."""
    if isinstance(value, dict):
        return value.get(attr, MISSING)
    if isinstance(value, (date, datetime, timedelta)) and attr in _DATE_ATTRS:
        return getattr(value, attr)
    if value is MISSING:
        raise MissingValue(attr)
    return MISSING


def get_item(value: Any, index: Any) -> Any:
    """`x[i]` on mappings, lists and text only; a key or index they lack is undefined,
    an index into the undefined value an error (as in Jinja)."""
    if isinstance(value, (dict, list, tuple, str)):
        try:
            return value[index]
        except (TypeError, LookupError):
            return MISSING
    if value is MISSING:
        raise MissingValue("[]")
    return MISSING


_STR_METHODS = {"startswith", "endswith", "lower", "upper", "strip"}
METHODS = _STR_METHODS | {"total_seconds"}


def call_method(obj: Any, method: str, *args: Any) -> Any:
    """The few methods expressions may call: on text, and a duration's total_seconds."""
    if isinstance(obj, str) and method in _STR_METHODS:
        return getattr(obj, method)(*args)
    if isinstance(obj, timedelta) and method == "total_seconds":
        return obj.total_seconds()
    raise TypeError(f"no method {method}")


# ---------------------------------------------------------------- tests and filters


TESTS: dict[str, Callable[..., bool]] = {
    "none": lambda v: v is None, "defined": lambda v: v is not MISSING,
    "undefined": lambda v: v is MISSING,
    "number": lambda v: isinstance(v, Number), "string": lambda v: isinstance(v, str),
    "true": lambda v: v is True, "false": lambda v: v is False,
    "in": lambda v, seq: v in seq, "eq": lambda a, b: a == b, "ne": lambda a, b: a != b,
}


def _int(value: Any, default: int = 0, base: int = 10) -> int:
    """Jinja's `int`, with its quirk: text such as "42.23" gives 42."""
    try:
        return int(value, base) if isinstance(value, str) else int(value)
    except (TypeError, ValueError):
        try:
            return int(float(value))
        except (TypeError, ValueError, OverflowError):  # "INF", "1e999": as Jinja
            return default


def _float(value: Any, default: float = 0.0) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def _default(value: Any, default_value: Any = "", boolean: bool = False) -> Any:
    """Jinja's `default`: for the undefined value (or, with boolean=true, a false one)."""
    return default_value if value is MISSING or (boolean and not value) else value


def _sum(value: Any) -> Any:
    return sum(value)


def _extreme(pick: Callable[..., Any], value: Any, case_sensitive: bool) -> Any:
    """Jinja's `min` and `max` filters: text compared ignoring case unless told; of
    nothing, undefined."""
    items = list(value)
    if not items:
        return MISSING
    return pick(items, key=None if case_sensitive else _ignore_case)


def _ignore_case(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _first(value: Any) -> Any:
    for item in value:
        return item
    return MISSING


def _last(value: Any) -> Any:
    for item in reversed(value):
        return item
    return MISSING


FILTERS: dict[str, Callable[..., Any]] = {
    "length": len, "count": len, "lower": lambda v: str(v).lower(),
    "upper": lambda v: str(v).upper(), "abs": abs, "int": _int, "float": _float,
    "string": str, "first": _first, "last": _last, "sum": _sum,
    "min": lambda value, case_sensitive=False: _extreme(min, value, case_sensitive),
    "max": lambda value, case_sensitive=False: _extreme(max, value, case_sensitive),
    "default": _default, "d": _default,
    "join": lambda value, d="": str(d).join(map(str, value)),
    "round": lambda value, precision=0: round(value, precision),
}
# The filters whose value may be undefined (the others give a value or raise).
MAYBE_UNDEFINED = {"first", "last", "min", "max", "default", "d"}


# ---------------------------------------------------------------- the names every expression sees


def helpers() -> dict[str, Any]:
    """Names every expression can use besides the item's fields (a field wins over them)."""
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
            moment = clock.localize(value)
            if _aware(start) <= moment <= _aware(end):
                return True
        elif isinstance(value, date) and _day(start) <= value <= _day(end):
            return True
    return False


def _aware(value: Any) -> datetime:
    if isinstance(value, datetime):
        return clock.localize(value)
    return clock.localize(datetime.combine(value, datetime.min.time()))


def _day(value: Any) -> date:
    return value.date() if isinstance(value, datetime) else value
