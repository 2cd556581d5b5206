"""Formatting data for stdout: JSON, CSV, aligned tables. Pure functions over values."""

from __future__ import annotations

import csv
import io
import json
import shutil
from typing import Any, Iterable

from ..values import text, to_jsonable


def dumps(value: Any) -> str:
    return json.dumps(to_jsonable(value), ensure_ascii=False, indent=2)


def cell(value: Any) -> str:
    """A value as table or CSV text, on one line."""
    return text(value, one_line=True)


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
