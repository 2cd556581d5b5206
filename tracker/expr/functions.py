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

import os
import re
import sys
import threading
from datetime import date, datetime, timedelta
from numbers import Number
from time import monotonic
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


# ---------------------------------------------------------------- bounds
#
# What one expression or template may ask for (docs/security.md). Going past a bound is
# never a default value: LimitExceeded is outside ERRORS, so it reaches the caller,
# which names the file and the expression on one line.

MAX_RANGE = 100_000  # items of a range (Jinja's own sandbox bound)
MAX_SIZE = 1_000_000  # characters of text, items of a list, made by one operation
MAX_EXPONENT = 100  # `**` past it only while the result stays within MAX_BITS
MAX_BITS = 65_536  # bits of an integer made by `*` or `**`
SECONDS = {"expressions": 1.0, "templates": 60.0}  # config: expressions.seconds…


class LimitExceeded(Exception):
    """An expression or template asked for more than the bounds allow."""

    def __init__(self, message: str = "took longer than its time limit") -> None:
        super().__init__(message)


def configure(config: Any) -> None:
    """Take `expressions.seconds` and `templates.seconds` from a tracker's config."""
    for key in SECONDS:
        section = config.get(key) if isinstance(config, dict) else None
        value = section.get("seconds") if isinstance(section, dict) else None
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
            SECONDS[key] = float(value)


def too_big(what: str) -> NoReturn:
    raise LimitExceeded(f"{what} would exceed {MAX_SIZE:,} characters or items")


def size(value: Any, limit: int = MAX_SIZE) -> int:
    """Characters of text, items of a list or mapping and what they hold, digits of an
    integer; counting stops once past `limit`."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, int):
        return value.bit_length() // 3 + 1
    if isinstance(value, (list, tuple, dict, set, frozenset)):
        total = len(value)
        for item in value.values() if isinstance(value, dict) else value:
            if total > limit:
                break
            if not isinstance(item, (float, type(None))):
                total += size(item, limit - total)
        return total
    return 1


def multiply(left: Any, right: Any) -> Any:
    """`*`, refusing text or lists repeated past MAX_SIZE and integers past MAX_BITS."""
    if isinstance(left, int) and isinstance(right, int):
        if left.bit_length() + right.bit_length() > MAX_BITS + 1:
            raise LimitExceeded(f"'*' would make an integer of more than {MAX_BITS:,} bits")
    elif isinstance(right, int) and isinstance(left, (str, list, tuple)) or \
            isinstance(left, int) and isinstance(right, (str, list, tuple)):
        times: int = right if isinstance(right, int) else left  # type: ignore[assignment]
        repeated = left if isinstance(right, int) else right
        if times > 0 and size(repeated, MAX_SIZE // times + 1) * times > MAX_SIZE:
            too_big("'*'")
    return left * right


def add(left: Any, right: Any) -> Any:
    """`+` in templates (a loop may double a text each round), bounded as `*` is."""
    if isinstance(left, (str, list, tuple)) and isinstance(right, (str, list, tuple)) \
            and size(left) + size(right) > MAX_SIZE:
        too_big("'+'")
    return left + right


_PERCENT = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")


def _numbers_fit(numbers: Any) -> bool:
    return all(not isinstance(n, int) or abs(n) <= MAX_SIZE for n in numbers)


def modulo(left: Any, right: Any) -> Any:
    """`%`: on text, printf-style formatting, whose widths are bounded."""
    if isinstance(left, str):
        check_percent(left, right)
    return left % right


def check_percent(text: str, args: Any) -> None:
    for width, precision in _PERCENT.findall(text):
        if "*" in (width, precision):
            if not _numbers_fit(args if isinstance(args, tuple) else (args,)):
                too_big("'%'")
        elif not _numbers_fit(int(n) for n in (width, precision) if n):
            too_big("'%'")


def check_format(text: str, args: Any, kwargs: dict[str, Any]) -> None:
    """`str.format`: a width or precision past MAX_SIZE, typed or passed, is refused."""
    import string  # noqa: PLC0415

    try:
        specs = [spec for _, _, spec, _ in string.Formatter().parse(text) if spec]
    except ValueError:
        return  # str.format says what is wrong
    for spec in specs:
        if not _numbers_fit(int(n) for n in re.findall(r"\d+", spec)) or \
                "{" in spec and not _numbers_fit([*args, *kwargs.values()]):
            too_big("format")


def power(base: Any, exponent: Any) -> Any:
    """`**`: an integer result is bounded to MAX_BITS; other exponents past
    MAX_EXPONENT are refused as before (an overflow, so the default)."""
    if isinstance(base, int) and isinstance(exponent, int):
        if exponent > 0 and abs(base) > 1 and \
                (abs(base).bit_length() - 1) * exponent + 1 > MAX_BITS:
            raise LimitExceeded(f"'**' would make an integer of more than {MAX_BITS:,} bits")
        if exponent >= 0:
            return base ** exponent
    if isinstance(exponent, (int, float)) and abs(exponent) > MAX_EXPONENT:
        raise OverflowError("exponent too large")
    return base ** exponent


def bounded_range(*args: Any) -> range:
    """`range`, of at most MAX_RANGE items."""
    found = range(*args)
    if len(found) > MAX_RANGE:
        raise LimitExceeded(f"range of {len(found):,} items: more than {MAX_RANGE:,}")
    return found


def join(value: Any, d: Any = "") -> str:
    """`join`, stopping once the text would pass MAX_SIZE."""
    glue, parts, total = str(d), [], 0
    for part in value:
        text = str(part)
        total += len(text) + len(glue)
        if total > MAX_SIZE + len(glue):
            too_big("join")
        parts.append(text)
    return glue.join(parts)


# ---------------------------------------------------------------- time limits
#
# Each evaluation in the sandbox runs under a deadline of its thread. One watchdog
# thread, started the first time, raises LimitExceeded in a thread past its deadline
# (CPython's asynchronous exception: at the next bytecode, even inside a loop of
# Jinja's own). The compiled expressions (codegen.py) have no loop: each operation is
# bounded in size above, so they need no clock.

class _Slot:
    __slots__ = ("at", "fired", "lock", "seconds")

    def __init__(self) -> None:
        self.at: float | None = None
        self.fired = False
        self.seconds = 0.0
        self.lock = threading.Lock()


_SLOTS: dict[int, _Slot] = {}
_LOCAL = threading.local()
_WATCHDOG: list[threading.Thread] = []
_WATCH_LOCK = threading.Lock()
_TICK = 0.05


class deadline:  # noqa: N801 - used as `with deadline(seconds):`
    """Raise LimitExceeded in this thread once `seconds` have passed (nested: the
    sooner deadline holds)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def __enter__(self) -> "deadline":
        slot = getattr(_LOCAL, "slot", None)
        if slot is None:
            slot = _LOCAL.slot = _Slot()
            _SLOTS[threading.get_ident()] = slot
        if not _WATCHDOG:  # the first time (or in a forked child)
            _watch()
        self.saved = (slot.at, slot.seconds)
        if sys.gettrace() is not None or sys.getprofile() is not None:
            # Under a tracer or profiler (coverage, cProfile, a debugger), CPython's
            # asynchronous exception never comes out of the exception's own __init__:
            # the thread spins there for ever. The size bounds still hold; the clock
            # does not (docs/security.md).
            return self
        at = monotonic() + self.seconds
        if slot.at is None or at < slot.at:
            slot.at, slot.seconds = at, self.seconds
        return self

    def __exit__(self, kind: Any, error: Any, _tb: Any) -> None:
        slot = _LOCAL.slot
        with slot.lock:
            seconds = slot.seconds
            slot.at, slot.seconds = self.saved
            fired, slot.fired = slot.fired, False
            if fired:  # raised, or about to be: never outside this block
                _async_raise(threading.get_ident(), None)
        message = f"took longer than {seconds:g} s"
        if isinstance(error, LimitExceeded) and str(error) == LimitExceeded().args[0]:
            error.args = (message,)
        elif fired and kind is None:
            raise LimitExceeded(message)


def _after_fork() -> None:
    """A forked child (the site's page workers) has no watchdog, and a lock the parent's
    watchdog held stays held: start afresh."""
    global _WATCH_LOCK
    _WATCH_LOCK = threading.Lock()
    _WATCHDOG.clear()
    for slot in _SLOTS.values():
        slot.lock, slot.fired = threading.Lock(), False


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)


def _watch() -> None:
    with _WATCH_LOCK:
        if not _WATCHDOG:
            thread = threading.Thread(target=_watchdog, name="tracker-deadline", daemon=True)
            _WATCHDOG.append(thread)
            thread.start()


def _watchdog() -> None:
    import time  # noqa: PLC0415

    while True:
        time.sleep(_TICK)
        now = monotonic()
        for ident, slot in list(_SLOTS.items()):
            if slot.at is not None and now > slot.at and not slot.fired:
                with slot.lock:
                    if slot.at is not None and now > slot.at and not slot.fired:
                        slot.fired = True
                        _async_raise(ident, LimitExceeded)


def _async_raise(ident: int, error: Any) -> None:
    import ctypes  # noqa: PLC0415

    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(ident), ctypes.py_object(error) if error is not None else None)



def concat(*parts: Any) -> str:
    """`~`: the parts as text, joined (at most MAX_SIZE characters)."""
    text = "".join(str(p) for p in parts)
    if len(text) > MAX_SIZE:
        too_big("'~'")
    return text


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
    "join": join,
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
    try:
        return date.fromisoformat(str(text))
    except ValueError:
        raise ValueError(f"'{text}' is not a date like 2026-04-21") from None


_TYPE_NAMES = {"str": "text", "int": "a number", "float": "a number", "NoneType": "no value",
               "bool": "true/false", "date": "a date", "datetime": "a date and time",
               "list": "a list", "dict": "a mapping", "Undefined": "no value",
               "_Missing": "no value"}


def plain_error(error: BaseException) -> str:
    """An error met while evaluating an expression or a template, in its author's words
    rather than Python's (`Invalid isoformat string`, `'<' not supported between
    instances of 'str' and 'int'`)."""
    import re  # noqa: PLC0415

    text = " ".join(str(error).split())
    if isinstance(error, MissingValue) or text == "undefined":
        return "a field it reads has no value"
    if isinstance(error, ZeroDivisionError):
        return "division by zero"
    found = re.match(r"Invalid isoformat string: (.+)$", text)
    if found:
        return f"{found.group(1)} is not a date like 2026-04-21"

    def name(match: re.Match[str]) -> str:
        return _TYPE_NAMES.get(match.group(1), match.group(1))
    found = re.match(r"'(.+)' not supported between instances of '(\w+)' and '(\w+)'$", text)
    if found:
        left, right = (_TYPE_NAMES.get(t, t) for t in found.group(2, 3))
        return f"cannot compare {left} with {right} ({found.group(1)})"
    found = re.match(r"unsupported operand type\(s\) for (.+): '(\w+)' and '(\w+)'$", text)
    if found:
        left, right = (_TYPE_NAMES.get(t, t) for t in found.group(2, 3))
        return f"cannot use {found.group(1)} on {left} and {right}"
    if isinstance(error, (ValueError, TypeError, ArithmeticError)) and text:
        return re.sub(r"'(\w+)' object", lambda m: _TYPE_NAMES.get(m.group(1), m.group(1)),
                      text)
    return text or type(error).__name__


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
