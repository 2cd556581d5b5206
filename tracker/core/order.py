"""The order of a listing: sort keys that put missing values last, in both directions,
never compare values of different types with each other, and put an enum's values
(a status, a priority) in the order their kind declares them (`rank`), not the
alphabet's: `--sort -priority` gives urgent, high, normal, low."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import TYPE_CHECKING, Any, Callable, Sequence, TypeVar

from tracker.model import clock

if TYPE_CHECKING:
    from tracker.model.schema import Kind

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


def rank(kind: "Kind | None", name: str) -> dict[str, int] | None:
    """An enum field's values to their declared positions (a status's: the workflow's
    order), or None for any other field. A value the kind does not declare keeps its
    text, and sorts after every declared one."""
    spec = kind.fields.get(name) if kind is not None else None
    if spec is None or spec.type != "enum" or not spec.values:
        return None
    return {value: n for n, value in enumerate(spec.values)}


def sort_by(rows: Sequence[T], value: Callable[[T], Any], descending: bool,
            ranks: Callable[[T], dict[str, int] | None] | None = None) -> list[T]:
    """Stable sort; missing values stay last in both directions. With `ranks` (a row
    to its kind's `rank` of the field), enum values sort in their declared order."""
    keyed: list[tuple[tuple[int, int, Any], int, T]] = []
    for n, row in enumerate(rows):
        found = value(row)
        if ranks is not None and type(found) is str:
            declared = ranks(row)
            if declared is not None and found in declared:
                found = declared[found]
        keyed.append((sort_key(found), n, row))
    present = [k for k in keyed if k[0][0] == 0]
    missing = [k[2] for k in keyed if k[0][0] == 1]
    present.sort(key=lambda k: k[0], reverse=descending)
    return [k[2] for k in present] + missing
