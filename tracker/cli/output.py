"""Formatting data for stdout: JSON, CSV, aligned tables. Pure functions over values."""

from __future__ import annotations

import csv
import io
import json
import math
import shutil
from datetime import date, datetime
from typing import Any, Iterable


def to_jsonable(value: Any) -> Any:
    """Dates as ISO text, non-finite floats as null, containers recursively."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    return value


def dumps(value: Any) -> str:
    return json.dumps(to_jsonable(value), ensure_ascii=False, indent=2)


def cell(value: Any) -> str:
    """A value as table or CSV text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.4g}" if math.isfinite(value) else ""
    if isinstance(value, (list, tuple)):
        return ", ".join(cell(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(to_jsonable(value), ensure_ascii=False)
    return " ".join(str(value).split())


def csv_text(columns: list[str], rows: Iterable[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([cell(row.get(c)) for c in columns])
    return buffer.getvalue()


def table(columns: list[str], rows: list[dict[str, Any]], fit: bool = False) -> str:
    """Columns aligned with two spaces; with `fit`, the last column is cut to the terminal."""
    texts = [[cell(row.get(c)) for c in columns] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in texts]) for i, c in enumerate(columns)]
    limit = shutil.get_terminal_size((120, 20)).columns if fit else None
    lines = []
    for values in [[c.upper() for c in columns]] + texts:
        parts = [v.ljust(widths[i]) for i, v in enumerate(values[:-1])] + [values[-1]]
        line = "  ".join(parts).rstrip()
        if limit and len(line) > limit:
            line = line[:limit - 1] + "…"
        lines.append(line)
    return "\n".join(lines) + "\n"
