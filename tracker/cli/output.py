"""Formatting data for stdout: JSON, CSV, aligned tables. Pure functions over values."""

from __future__ import annotations

from typing import Any, Iterable

from tracker.model.values import text, to_jsonable


def dumps(value: Any) -> str:
    import json  # noqa: PLC0415 - imports here cost every command's start-up

    return json.dumps(to_jsonable(value), ensure_ascii=False, indent=2)


def cell(value: Any) -> str:
    """A value as table or CSV text, on one line."""
    return text(value, one_line=True)


def cells(values: list[Any]) -> list[str]:
    """Each value as `cell` gives it, the common case (text) inline: a table of 100,000
    rows would spend a tenth of its time in calls."""
    return [" ".join(v.split()) if type(v) is str else text(v, one_line=True) for v in values]


def csv_text(columns: list[str], rows: Iterable[dict[str, Any]]) -> str:
    import csv  # noqa: PLC0415
    import io  # noqa: PLC0415

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([cell(row.get(c)) for c in columns])
    return buffer.getvalue()


def table(columns: list[str], rows: list[dict[str, Any]], fit: bool = False) -> str:
    """Columns aligned with two spaces; with `fit`, the last column is cut to the terminal."""
    return aligned(columns, [[cell(row.get(c)) for row in rows] for c in columns], fit)


def aligned(columns: list[str], cells: list[list[str]], fit: bool = False) -> str:
    """A table from each column's cell texts (all of one length)."""
    if not columns:
        return "\n"
    widths = [max([len(c), *map(len, texts)]) for c, texts in zip(columns, cells)]
    import shutil  # noqa: PLC0415

    limit = shutil.get_terminal_size((120, 20)).columns if fit else None
    padded = [[t.ljust(width) for t in texts] for width, texts in zip(widths, cells[:-1])]
    head = [c.upper().ljust(w) for c, w in zip(columns[:-1], widths)] + [columns[-1].upper()]
    lines = ["  ".join(head).rstrip()]
    lines.extend("  ".join(parts).rstrip() for parts in zip(*padded, cells[-1]))
    if limit:
        lines = [line[:limit - 1] + "…" if len(line) > limit else line for line in lines]
    return "\n".join(lines) + "\n"
