"""The console scripts' entry point: `tracker --version` answers before click loads,
and a listing starts git's stat of the work tree before anything else (see
git/process.py: `git diff-files` runs on the other core while Python starts up).
"""

from __future__ import annotations

import os
import sys

READERS = {"list", "check", "report", "export"}  # commands that read every item


def main() -> None:
    args = sys.argv[1:]
    for name in ("stdout", "stderr"):  # started with a stream closed (`>&-`): write nowhere
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115
    if args == ["--version"]:
        from tracker import __version__

        print(f"tracker, version {__version__}")
        return
    if args and args[0] in ("set", "new", "-C"):
        from tracker.cli import quick

        code = quick.run(args)
        if code is not None:
            sys.stdout.flush()
            sys.exit(code)
    _prefetch(args)
    from tracker.cli.app import main as run

    run()


def _prefetch(args: list[str]) -> None:
    """Start `git diff-files` now when the command is one that reads every item."""
    directory = None
    rest = list(args)
    while rest and rest[0].startswith("-"):
        option = rest.pop(0)
        if option == "-C" and rest:
            directory = rest.pop(0)
        elif option.startswith("-C") and len(option) > 2:
            directory = option[2:]
        else:
            return  # an option we do not know here: let click decide, no head start
    if not rest or rest[0] not in READERS or "--at" in rest:
        return
    if os.environ.get("TRACKER_NO_CACHE", "") not in ("", "0"):
        return
    folder = os.path.realpath(directory or ".")
    root = None  # the tracker root: git is asked about its files only
    while True:
        if root is None and os.path.isfile(os.path.join(folder, ".tracker", "config.yaml")):
            root = folder
        if os.path.exists(os.path.join(folder, ".git")):
            break
        parent = os.path.dirname(folder)
        if parent == folder:
            return
        folder = parent
    if root is None:
        return
    from tracker.git import process  # noqa: PLC0415

    process.prefetch_diff_files(folder, os.path.relpath(root, folder))
