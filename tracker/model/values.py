"""Field values as text and as JSON: one set of rules for tables, CSV, reports and exports."""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any

from tracker.model import clock


def to_jsonable(value: Any) -> Any:
    """Dates as ISO text, non-finite floats as null, containers recursively."""
    if isinstance(value, datetime):  # one without offset is in the tracker's zone
        return (value if value.tzinfo is not None else clock.localize(value)).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    return value


def text(value: Any, one_line: bool = False) -> str:
    """A value as text: empty for none, ISO dates, 4 significant digits, lists joined."""
    kind = type(value)
    if kind is str:  # the common cases first: a table of 100,000 rows calls this a lot
        return " ".join(value.split()) if one_line else value
    if kind is int:
        return str(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return (value if value.tzinfo is not None else clock.localize(value)).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.4g}" if math.isfinite(value) else ""
    if isinstance(value, (list, tuple)):
        return ", ".join(text(v, one_line) for v in value)
    if isinstance(value, dict):
        import json  # noqa: PLC0415

        return json.dumps(to_jsonable(value), ensure_ascii=False)
    return " ".join(str(value).split()) if one_line else str(value)
