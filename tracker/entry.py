"""The console scripts' entry point: `tracker --version` answers before click loads."""

from __future__ import annotations

import sys


def main() -> None:
    if sys.argv[1:] == ["--version"]:
        from . import __version__

        print(f"tracker, version {__version__}")
        return
    from .cli import main as run

    run()
