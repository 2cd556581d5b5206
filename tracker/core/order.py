"""The order of a listing: sort keys that put missing values last, in both directions,
and never compare values of different types with each other."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any, Callable, Sequence, TypeVar

from tracker.model import clock

T = TypeVar("T")


def sort_key(value: Any) -> tuple[int, int, Any]:
    """Missing values last; values of different types never compared with each other."""
    if value is None or value == "":
        return (1, 0, 0)
    if isinstance(value, bool):
        return (0, 0, int(value))
    if isinstance(value, (int, float)):
        return (0, 0, value)
    if isinstance(value, datetime):  # by the instant, in UTC (offsets and naive ones apart)
        moment = clock.localize(value)
        try:
            moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
        except OverflowError:  # year 1 or 9999 beyond UTC: its own clock time
            moment = moment.replace(tzinfo=None)
        return (0, 1, moment.isoformat())
    if isinstance(value, date):
        return (0, 1, value.isoformat())
    if isinstance(value, (list, tuple)):
        return (0, 2, ", ".join(map(str, value)).casefold())
    return (0, 2, str(value).casefold())


def parse_sort(spec: str) -> tuple[str, bool]:
    """`-field` sorts descending; returns (field, descending)."""
    spec = spec.strip()
    return (spec[1:], True) if spec.startswith("-") else (spec, False)


def sort_by(rows: Sequence[T], value: Callable[[T], Any], descending: bool) -> list[T]:
    """Stable sort; missing values stay last in both directions."""
    present = [r for r in rows if sort_key(value(r))[0] == 0]
    missing = [r for r in rows if sort_key(value(r))[0] == 1]
    present.sort(key=lambda r: sort_key(value(r)), reverse=descending)
    return present + missing
