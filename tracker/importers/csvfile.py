"""Any CSV file into items of one kind.

Each column fills the field `--map COLUMN=FIELD` names, else the field of its own name;
other columns are ignored (and named, so that a typo shows). Cells are typed by the
field's schema, as `tracker set` types what is typed on the command line; an empty cell
leaves its field alone. Re-importing updates: items are matched by a key field
(`--key`) or, for kinds with natural-key ids, by their id.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracker.api import parse_input
from tracker.importers import MalformedInput, Progress, Row, apply, check_rows, decode, read_bytes
from tracker.model import schema
from tracker.model.errors import InvalidValue, UsageError

if TYPE_CHECKING:
    from tracker.api import Outcome, Tracker
    from tracker.model.schema import Kind

DERIVED = ("id", "kind", "path")


@dataclass
class Table:
    """The rows read from a CSV file, and how its columns were used."""

    rows: list[Row] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # column -> field
    ignored: list[str] = field(default_factory=list)


def plan_columns(header: list[str], kind: Kind,
                 mapping: dict[str, str]) -> tuple[dict[int, str], list[str]]:
    """The field each column fills, by column index, and the columns left out."""
    unknown = [column for column in mapping if column not in header]
    if unknown:
        raise UsageError(f"--map: no column {', '.join(repr(c) for c in unknown)} in the "
                         f"header (columns: {', '.join(header)})")
    plan: dict[int, str] = {}
    ignored = []
    for index, column in enumerate(header):
        own = column if column in kind.fields or column == "title" else None
        name = mapping.get(column, own)
        if name is None:
            ignored.append(column)
            continue
        _check_target(kind, column, name, plan)
        plan[index] = name
    return plan, ignored


def _check_target(kind: Kind, column: str, name: str, plan: dict[int, str]) -> None:
    """Refuse a column mapped to a derived field, an unknown one, or one already filled."""
    if name in DERIVED or name in kind.computed or name in kind.rollups:
        raise UsageError(f"column '{column}': {name} is derived and cannot be imported")
    if kind.strict and name not in kind.fields and name != "title":
        raise UsageError(f"column '{column}': kind {kind.name} has no field '{name}'; "
                         f"fields: {', '.join(kind.fields)}")
    if name in plan.values():
        raise UsageError(f"column '{column}': field {name} is already filled by another column")


def typed(kind: Kind, name: str, text: str) -> Any:
    """A cell's value in the field's type, checked like a value typed on the command line."""
    spec = kind.fields.get(name)
    if spec is None:
        return text
    value = parse_input(spec, text)
    problem = schema.check_value(spec, value)
    if problem:
        raise InvalidValue(name, problem)
    return value


def parse_csv(text: str, source: str, kind: Kind, mapping: dict[str, str],
              delimiter: str = ",") -> Table:
    """The records of a CSV file with a header, typed for `kind`."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [name.strip() for name in next(reader, [])]
    if not any(header):
        raise MalformedInput(source, 1, "the file is empty: expected a header of column names")
    plan, ignored = plan_columns(header, kind, mapping)
    table = Table(columns={header[i]: name for i, name in plan.items()}, ignored=ignored)
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            raise MalformedInput(source, reader.line_num,
                                 f"{len(cells)} fields, the header has {len(header)}")
        table.rows.append(Row(reader.line_num, _record(cells, header, plan, kind, source,
                                                        reader.line_num)))
    return table


def _record(cells: list[str], header: list[str], plan: dict[int, str], kind: Kind,
            source: str, line: int) -> dict[str, Any]:
    record = {}
    for index, name in plan.items():
        cell = cells[index].strip()
        if not cell:
            continue
        try:
            record[name] = typed(kind, name, cell)
        except InvalidValue as e:
            raise MalformedInput(source, line, f"column '{header[index]}' (field {name}): "
                                 f"{e.reason}") from None
    return record


# ---------------------------------------------------------------- importing


def new_rows(t: Tracker, kind: Kind, rows: list[Row], key: str | None) -> list[Row]:
    """The rows that will create an item: no item matches them, nor an earlier row."""
    from tracker.model import ids  # noqa: PLC0415

    if key:
        taken = {str(i.fields[key]) for i in t.items([kind.name]).items
                 if i.fields.get(key) is not None}
        match = [str(r.record.get(key)) for r in rows]
    elif kind.ids.scheme == "key":
        taken = {f.id for f in t.ws.item_files([kind])}
        match = [ids.key_id(kind.ids.key or "", r.record) for r in rows]
    else:
        return list(rows)
    fresh = []
    for row, value in zip(rows, match):
        if value not in taken:
            taken.add(value)
            fresh.append(row)
    return fresh


def check_new(kind: Kind, rows: list[Row], source: str, columns: dict[str, str]) -> None:
    """A new item needs a title and every required field without a default."""
    needed = ["title"] + [n for n, s in kind.fields.items()
                          if s.required and s.default is None and not s.auto and n != "title"]
    filled = set(columns.values())
    for row in rows:
        for name in needed:
            if row.record.get(name) in (None, ""):
                how = (f"column '{_column(columns, name)}' is empty" if name in filled
                       else f"map a column to it with --map COLUMN={name}")
                raise MalformedInput(source, row.line, f"a new {kind.name} needs a {name}: "
                                     + how)


def _column(columns: dict[str, str], name: str) -> str:
    return next(column for column, target in columns.items() if target == name)


def run_csv(t: Tracker, path: Path, source: str, kind_name: str, *, key: str | None = None,
            mapping: dict[str, str] | None = None, delimiter: str = ",",
            progress: Progress | None = None) -> tuple[Table, Outcome]:
    """Import a CSV file into items of `kind_name`, in one commit."""
    kind = t.ws.kind(kind_name)
    table = parse_csv(decode(read_bytes(path)), source, kind, mapping or {}, delimiter)
    if key and key not in table.columns.values():
        raise UsageError(f"--key {key}: no column fills this field (columns: "
                         f"{', '.join(f'{c}={f}' for c, f in table.columns.items())})")
    check_rows(kind, table.rows, source, key)
    fresh = new_rows(t, kind, table.rows, key)
    check_new(kind, fresh, source, table.columns)
    message = (f"import csv: {len(table.rows)} {kind_name} items from {path.name} — "
               f"{len(fresh)} new, {len(table.rows) - len(fresh)} already tracked")
    outcome = apply(t, kind_name, table.rows, source, key=key, message=message,
                    progress=progress)
    return table, outcome
