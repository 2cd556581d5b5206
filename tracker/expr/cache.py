"""Compiled expressions remembered across runs: an expression met before needs no
Jinja at all, its generated source (codegen.py) and names being read back from one
file in `.git/tracker-cache/`.

The caller hands the file, an object with `path`, `load()` and `save(chunks)` (the
store's `cache.File` for EXPRESSIONS), so that this package knows nothing of where trackers
live or how their cache is written.
"""

from __future__ import annotations

import pickle
from typing import Any, Iterable, Protocol

from tracker.expr.codegen import Generated
from tracker.expr.functions import LimitExceeded


class File(Protocol):
    """Where the remembered expressions are read and written (store.cache.File)."""

    path: Any

    def load(self) -> bytes | None: ...

    def save(self, chunks: Iterable[bytes]) -> None: ...


class Known:
    """An expression met before: its names and compiled form, without Jinja."""

    def __init__(self, names: set[str], generated: Generated, source: str = "",
                 what: str = "") -> None:
        self.names, self.generated = names, generated
        self.source, self.what = source, what

    def evaluate(self, context: dict[str, Any], default: Any = None) -> Any:
        try:
            return self.generated.evaluate(context, default)
        except LimitExceeded as e:
            from tracker.model.errors import TrackerError  # noqa: PLC0415

            raise TrackerError(f"{self.what}: expression '{self.source}': {e}") from None


class Remembered:
    """{expression text: (source, args, names)} in one file, the last LIMIT met."""

    LIMIT = 200

    def __init__(self, file: File) -> None:
        self.file = file
        try:
            data = pickle.loads(file.load() or b"")  # noqa: S301 - our own file, in .git/
            self.entries: dict[str, Any] = data if isinstance(data, dict) else {}
        except Exception:  # noqa: BLE001 - missing or unreadable: start again
            self.entries = {}

    def get(self, text: str, what: str = "") -> Known | None:
        entry = self.entries.get(text)
        try:
            source, args, names = entry  # type: ignore[misc]
            return Known(set(names), Generated(source, list(args)), text, what)
        except Exception:  # noqa: BLE001 - a bad entry is just not used
            return None

    def put(self, text: str, generated: Generated, names: set[str]) -> None:
        entries = {k: v for k, v in self.entries.items() if k != text}
        entries[text] = (generated.source, generated.args, sorted(names))
        while len(entries) > self.LIMIT:
            del entries[next(iter(entries))]
        self.entries = entries
        self.file.save([pickle.dumps(entries, pickle.HIGHEST_PROTOCOL)])


_OPEN: dict[Any, Remembered] = {}


def remembered(file: File) -> Remembered:
    """The file's remembered expressions, read once a process."""
    if file.path not in _OPEN:
        _OPEN[file.path] = Remembered(file)
    return _OPEN[file.path]


def expression(text: str, what: str, remembered: Remembered | None) -> Any:
    """A Known expression if it was met before, else a sandbox Expression (whose
    compiled form, if any, is remembered). Both have `names`, `generated`, `evaluate`."""
    hit = remembered.get(text, what) if remembered is not None else None
    if hit is not None:
        return hit
    from tracker.expr.jinja import Expression  # noqa: PLC0415 - Jinja only when needed

    full = Expression(text, what)
    if remembered is not None and full.generated is not None:
        remembered.put(text, full.generated, full.names)
    return full
