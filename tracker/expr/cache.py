"""Compiled expressions remembered across runs: an expression met before needs no
Jinja at all, its generated source (codegen.py) and names being read back from one
file in `.git/tracker-cache/`.

The caller names the file and hands the function that writes it (the store's, for
disposable files), so that this package knows nothing of where trackers live.
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any, Callable, Iterable

from tracker.expr.codegen import Generated

VERSION = 2  # 2: names the rows lack are passed as MISSING, helpers among the arguments
FILE = f"expressions-v{VERSION}.pickle"
Save = Callable[[Path, Iterable[bytes]], None]


class Known:
    """An expression met before: its names and compiled form, without Jinja."""

    def __init__(self, names: set[str], generated: Generated) -> None:
        self.names, self.generated = names, generated

    def evaluate(self, context: dict[str, Any], default: Any = None) -> Any:
        return self.generated.evaluate(context, default)


class Remembered:
    """{expression text: (source, args, names)} in one file, the last LIMIT met."""

    LIMIT = 200

    def __init__(self, file: Path, save: Save) -> None:
        self.file, self._save = file, save
        try:
            with open(file, "rb") as handle:
                data = pickle.load(handle)  # noqa: S301 - our own file, inside .git/
            self.entries: dict[str, Any] = data if isinstance(data, dict) else {}
        except Exception:  # noqa: BLE001 - unreadable: start again
            self.entries = {}

    def get(self, text: str) -> Known | None:
        entry = self.entries.get(text)
        try:
            source, args, names = entry  # type: ignore[misc]
            return Known(set(names), Generated(source, list(args)))
        except Exception:  # noqa: BLE001 - a bad entry is just not used
            return None

    def put(self, text: str, generated: Generated, names: set[str]) -> None:
        entries = {k: v for k, v in self.entries.items() if k != text}
        entries[text] = (generated.source, generated.args, sorted(names))
        while len(entries) > self.LIMIT:
            del entries[next(iter(entries))]
        self.entries = entries
        self._save(self.file, [pickle.dumps(entries, pickle.HIGHEST_PROTOCOL)])


_OPEN: dict[Path, Remembered] = {}


def remembered(file: Path, save: Save) -> Remembered:
    """The file's remembered expressions, read once a process."""
    if file not in _OPEN:
        _OPEN[file] = Remembered(file, save)
    return _OPEN[file]


def expression(text: str, what: str, remembered: Remembered | None) -> Any:
    """A Known expression if it was met before, else a sandbox Expression (whose
    compiled form, if any, is remembered). Both have `names`, `generated`, `evaluate`."""
    hit = remembered.get(text) if remembered is not None else None
    if hit is not None:
        return hit
    from tracker.expr.jinja import Expression  # noqa: PLC0415 - Jinja only when needed

    full = Expression(text, what)
    if remembered is not None and full.generated is not None:
        remembered.put(text, full.generated, full.names)
    return full
