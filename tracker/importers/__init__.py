"""Importers: files from outside (open data, spreadsheets) turned into items.

Each importer is a pure parser (text in, `Row`s out, errors located as `FILE:LINE`)
plus a thin `run_*` function that reads the file and hands the rows to `apply`, which
checks every value against the kind before `Tracker.upsert` writes anything: a malformed
file writes nothing, a good one gives one commit.
"""

from __future__ import annotations

import gzip
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable

from tracker.model import schema
from tracker.model.errors import TrackerError

if TYPE_CHECKING:
    from tracker.api import Outcome, Tracker
    from tracker.model.schema import Kind

Progress = Callable[[Iterable[Any]], Iterable[Any]]


class MalformedInput(TrackerError):
    """A file to import that holds a row tracker cannot read: `FILE:LINE: message`."""

    def __init__(self, source: str, line: int | None, message: str) -> None:
        self.source, self.line, self.reason = source, line, message
        where = source if line is None else f"{source}:{line}"
        super().__init__(f"{where}: {message}")


@dataclass
class Row:
    """One record to import (typed values by field name) and the line it came from."""

    line: int
    record: dict[str, Any]


def read_bytes(path: Path) -> bytes:
    """A file's bytes, gunzipped when it is gzip data (whatever its name)."""
    data = path.read_bytes()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def decode(data: bytes) -> str:
    """Text from UTF-8 when the bytes are valid UTF-8, else from Windows-1252 (Latin-1)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:  # bytes cp1252 leaves undefined: plain Latin-1
            text = data.decode("latin-1")
    return text.removeprefix("\ufeff")


def lines(text: str) -> list[tuple[int, str]]:
    """The non-blank lines with their 1-based numbers, line endings removed."""
    numbered = enumerate(text.split("\n"), start=1)
    return [(n, line.rstrip("\r")) for n, line in numbered if line.strip()]


def check_rows(kind: Kind, rows: list[Row], source: str, key: str | None = None) -> None:
    """Refuse the first row the kind would refuse (a value, its id), located at its line."""
    for row in rows:
        for name, value in row.record.items():
            problem = _value_problem(kind, name, value)
            if problem:
                raise MalformedInput(source, row.line, f"{name}: {problem}")
        problem = _match_problem(kind, row.record, key)
        if problem:
            raise MalformedInput(source, row.line, problem)


def _value_problem(kind: Kind, name: str, value: Any) -> str | None:
    spec = kind.fields.get(name)
    if spec is None:
        return f"unknown field for kind {kind.name}" if kind.strict else None
    return schema.check_value(spec, value)


def _match_problem(kind: Kind, record: dict[str, Any], key: str | None) -> str | None:
    """Why a record could not be matched to an item (no key value, a bad id), or None."""
    from tracker.model import ids  # noqa: PLC0415

    if key:
        return None if record.get(key) not in (None, "") else f"{key}: the key field is empty"
    if kind.ids.scheme != "key":
        return None
    try:
        item_id = ids.validate(ids.key_id(kind.ids.key or "", record))
    except TrackerError as e:
        return str(e)
    if kind.ids.pattern and not re.fullmatch(kind.ids.pattern, item_id):
        return f"id '{item_id}' does not match the pattern {kind.ids.pattern}"
    return None


def count_new(t: Tracker, kind: Kind, rows: list[Row]) -> int:
    """How many rows of a natural-key kind have no item yet (for the commit message)."""
    from tracker.model import ids  # noqa: PLC0415

    template = kind.ids.key or ""
    return sum(1 for r in rows
               if not t.ws.path_for(kind, ids.key_id(template, r.record)).exists())


def apply(t: Tracker, kind_name: str, rows: list[Row], source: str, *, message: str,
          key: str | None = None, keep: Iterable[str] = (),
          progress: Progress | None = None) -> Outcome:
    """Check every row, then create or update the items under one lock, in one commit."""
    check_rows(t.ws.kind(kind_name), rows, source, key)
    return t.upsert(kind_name, [r.record for r in rows], key=key, keep=keep,
                    message=message, progress=progress)
