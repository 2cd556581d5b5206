"""The two commands people type most, in their plain forms, run without loading click:

    tracker [-C DIR] set ID FIELD=VALUE...
    tracker [-C DIR] new KIND TITLE [--set FIELD=VALUE]...

Loading click is a third of the 150 ms a `set` may take. Any other form (another
option, a flag, `--`, an operand that looks like an option) is left to the click CLI,
which defines these commands; tests hold both paths to the same output, errors and
exit codes.
"""

from __future__ import annotations

import os
import sys


def run(args: list[str]) -> int | None:
    """The exit code, or None when this is not a plain `set` or `new` (click's turn)."""
    directory, rest = None, list(args)
    if rest[:1] == ["-C"] and len(rest) > 1:
        directory, rest = rest[1], rest[2:]
        if not os.path.isdir(directory):
            return None  # click says why
    if not rest or rest[0] not in ("set", "new"):
        return None
    command, operands = rest[0], rest[1:]
    if command == "set":
        if len(operands) < 2 or any(o.startswith("-") or not o for o in operands) \
                or not all("=" in o for o in operands[1:]):
            return None
        ref, pairs = operands[0], operands[1:]
        kind = title = ""
    else:
        if len(operands) < 2 or any(o.startswith("-") for o in operands[:2]):
            return None
        kind, title, options = operands[0], operands[1], operands[2:]
        if len(options) % 2 or options[0::2] != ["--set"] * (len(options) // 2) \
                or any(v.startswith("-") for v in options[1::2]):
            return None
        ref, pairs = "", options[1::2]
    _start_index(directory)
    return _execute(command, directory, ref, kind, title, pairs)


def _start_index(directory: str | None) -> None:
    """Have git take the index and read it while Python loads (process.start_index_early)."""
    from tracker.git import process  # noqa: PLC0415

    top = process.find_top(os.path.realpath(directory or "."))
    if top is not None:
        process.start_index_early(top)


def _execute(command: str, directory: str | None, ref: str, kind: str, title: str,
             pairs: list[str]) -> int:
    from tracker.api import Tracker, parse_assignments  # noqa: PLC0415
    from tracker.cli import boundary  # noqa: PLC0415

    try:
        t = Tracker(directory)
        if command == "set":
            item = t.set(ref, parse_assignments(pairs), (), commit=True)
        else:
            item = t.new(kind, title, parse_assignments(pairs), "", commit=True)
        print(item.id, flush=True)
    except boundary.EXPECTED as e:
        code = boundary.exit_code(e)
        if code is None:
            raise
        return code
    if command == "set":
        for notice in t.notices:
            print(notice, file=sys.stderr)
    return 0
