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
from tracker.importers import MalformedInput, Mode, Progress, Row, apply, decode, read_bytes, tally
from tracker.model import schema
from tracker.model.errors import InvalidValue, UsageError
from tracker.model.problems import Problem

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
    refused: list[Problem] = field(default_factory=list)  # rows that could not be read

    def count(self) -> int:
        """The rows of the file: those read and those refused as they were read."""
        return len(self.rows) + len({p.line for p in self.refused})


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
            table.refused.append(Problem(source, reader.line_num, None, f"{len(cells)} "
                                         f"fields, the header has {len(header)}"))
            continue
        record, problems = _record(cells, header, plan, kind, source, reader.line_num)
        if problems:
            table.refused.extend(problems)
        else:
            table.rows.append(Row(reader.line_num, record))
    return table


def _record(cells: list[str], header: list[str], plan: dict[int, str], kind: Kind,
            source: str, line: int) -> tuple[dict[str, Any], list[Problem]]:
    """A row's typed record, and the cells its fields' types refuse (at the row's line)."""
    record, problems = {}, []
    for index, name in plan.items():
        cell = cells[index].strip()
        if not cell:
            continue
        try:
            record[name] = typed(kind, name, cell)
        except InvalidValue as e:
            column = "" if header[index] == name else f" (column '{header[index]}')"
            problems.append(Problem(source, line, name, e.reason + column))
    return record, problems


# ---------------------------------------------------------------- importing


def run_csv(t: Tracker, path: Path, source: str, kind_name: str, *, key: str | None = None,
            mapping: dict[str, str] | None = None, delimiter: str = ",",
            progress: Progress | None = None, mode: Mode | None = None
            ) -> tuple[Table, Outcome]:
    """Import a CSV file into items of `kind_name`, in one commit: every row judged by
    the write gate, the rows it (or the reader) refuses left out."""
    kind = t.ws.kind(kind_name)
    table = parse_csv(decode(read_bytes(path)), source, kind, mapping or {}, delimiter)
    if key and key not in table.columns.values():
        raise UsageError(f"--key {key}: no column fills this field (columns: "
                         f"{', '.join(f'{c}={f}' for c, f in table.columns.items())})")
    rows = table.count()
    outcome = apply(t, kind_name, table.rows, source, key=key, progress=progress,
                    message=lambda done: tally("import csv", rows,
                                               f"{kind_name} items from {path.name}", done),
                    mode=mode, refused=table.refused)
    _hint_columns(outcome, table.columns)
    return table, outcome


def _hint_columns(outcome: Outcome, columns: dict[str, str]) -> None:
    """A required field no column fills: say how to fill it."""
    filled = set(columns.values())
    for index, problem in enumerate(outcome.refused):
        if problem.message == "is required" and problem.field not in filled:
            outcome.refused[index] = Problem(
                problem.path, problem.line, problem.field,
                f"is required: map a column to it with --map COLUMN={problem.field}")
