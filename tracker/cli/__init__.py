"""The command line: the only click user. Each command parses, calls the library, formats.

`app.py` holds the click group; `fast.py` runs first and answers the plain forms without
click, so this package's own import loads nothing (the fast path stands on it).
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def __getattr__(name: str) -> Any:
    """`tracker.cli.cli` and `tracker.cli.main`, imported when first asked for."""
    if name in ("cli", "main"):
        from tracker.cli import app  # noqa: PLC0415

        return getattr(app, name)
    raise AttributeError(f"module 'tracker.cli' has no attribute {name!r}")
