"""Importers: files from outside (open data, spreadsheets) turned into items.

Each importer is a pure parser (text in, `Row`s out, errors located as `FILE:LINE`)
plus a thin `run_*` function that reads the file and hands the rows to `apply`, and so
to `Tracker.upsert`: every row's candidate file goes through the write gate that `new`
and `set` go through, judged as `check` would judge it. A refused row is reported as
`FILE:LINE: field: message` and not written; the others are, in one commit (none with
`Mode.all_or_nothing`; nothing at all with `Mode.dry_run`). A file that cannot be read
as a whole (not CSV, not JSON, not the expected header) writes nothing.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable

from tracker.model.errors import TrackerError
from tracker.model.problems import Problem

if TYPE_CHECKING:
    from tracker.api import Outcome, Tracker

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


def apply(t: Tracker, kind_name: str, rows: list[Row], source: str, *, message: Any,
          key: str | None = None, keep: Iterable[str] = (),
          progress: Progress | None = None, mode: Mode | None = None,
          refused: Iterable[Problem] = ()) -> Outcome:
    """Create or update the items under one lock, in one commit, each row judged by the
    write gate and refused rows reported at `source` and their line."""
    mode = mode or Mode()
    return t.upsert(kind_name, [r.record for r in rows], key=key, keep=keep,
                    message=message, progress=progress, source=source,
                    lines=[r.line for r in rows], dry_run=mode.dry_run,
                    all_or_nothing=mode.all_or_nothing, refused=refused)


@dataclass(frozen=True)
class Mode:
    """How an import writes: `dry_run` judges every row and writes nothing;
    `all_or_nothing` writes nothing when one row is refused."""

    dry_run: bool = False
    all_or_nothing: bool = False


def tally(verb: str, rows: int, noun: str, outcome: Outcome) -> str:
    """A commit message's counts, once the rows are judged: `N new, M already tracked`,
    and the refused ones."""
    refused = f", {outcome.rows_refused} refused" if outcome.rows_refused else ""
    tracked = outcome.updated + outcome.unchanged
    return f"{verb}: {rows} {noun} — {outcome.created} new, {tracked} already tracked{refused}"
