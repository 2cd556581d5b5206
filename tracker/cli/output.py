"""Formatting data for stdout: JSON, CSV, aligned tables. Pure functions over values.

JSON and CSV hold names and slugs, as the files do (machines read them); text tables
show labels (`labelled`): each field's `label:` as its header, each enum value and
status as its label, numbers, rates and dates as the tracker's language writes them
(model/language.py). `--raw` shows the names instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable, Sequence

from tracker.model import language
from tracker.model.values import text, to_jsonable

if TYPE_CHECKING:
    from tracker.model.schema import Kind


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


BUILT_IN = ("id", "kind", "title", "status", "path")  # names the catalog has words for


def header(name: str, kinds: Iterable["Kind | None"]) -> str:
    """A column's header: the first of the kinds' labels for that field (or computed
    field, or rollup), else the catalog's word for a built-in name, else the name."""
    for kind in kinds:
        if kind is not None and kind.field_label(name) != name:
            return kind.field_label(name)
    return language.word(name) if name in BUILT_IN else name


def shown(kind: "Kind | None", name: str, value: Any) -> str:
    """A value as a person reads it in a table (model/language.py's `display`), on one
    line: an enum's label, a number, a rate (`formats:`) or a date in the language."""
    if kind is None:
        return cell(language.display(value))
    spec = kind.fields.get(name)
    shown = language.display(value, spec.labels if spec is not None else None,
                             kind.formats.get(name))
    if any(c in shown for c in "\n\r\t\v\f"):  # one line (a label's no-break spaces kept)
        return " ".join(shown.split())
    return shown


def labelled(columns: list[str], values: list[list[Any]],
             kinds: Sequence["Kind | None"]) -> tuple[list[str], list[list[str]]]:
    """A table's headers and cells as people read them: `kinds` holds each row's kind
    (one kind for every row, or one per row)."""
    distinct = list({id(k): k for k in kinds}.values())
    heads = [header(c, distinct) for c in columns]
    if len(distinct) == 1:
        kind = distinct[0]
        return heads, [_column(kind, c, column) for c, column in zip(columns, values)]
    return heads, [[shown(kinds[n], c, v) for n, v in enumerate(column)] for c, column in
                   zip(columns, values)]


def _column(kind: "Kind | None", name: str, column: list[Any]) -> list[str]:
    """One kind's column as people read it; text (ids, titles, labels) the fast way, as
    `cells` gives it: a table of 100,000 rows would spend its time in calls."""
    spec = kind.fields.get(name) if kind is not None else None
    if kind is not None and name in kind.formats:
        return [shown(kind, name, v) for v in column]
    if spec is not None and spec.labels:
        labels = spec.labels
        column = [labels.get(v, v) if type(v) is str else v for v in column]
    if all(type(v) is str or v is None for v in column):
        return cells(column)
    return [shown(kind, name, v) for v in column]


def status_names(kinds: Iterable["Kind | None"]) -> dict[str, str]:
    """Each status label shown to its slug (a table's colours follow the slug)."""
    names: dict[str, str] = {}
    for kind in kinds:
        spec = kind.fields.get("status") if kind is not None else None
        if spec is not None:
            names.update({label: slug for slug, label in spec.labels.items()})
    return names
