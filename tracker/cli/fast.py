"""What runs before click (the console scripts' entry point): `tracker --version`, the
two commands people type most in their plain forms, and git's head start.

    tracker [-C DIR] set ID FIELD=VALUE...
    tracker [-C DIR] new KIND TITLE [--set FIELD=VALUE]...

run without loading click: loading it is a third of the 150 ms a `set` may take. Any
other form (another option, a flag, `--`, an operand that looks like an option) is left
to the click CLI, which defines these commands; tests hold both paths to the same
output, errors and exit codes (one error boundary: boundary.py).

git starts while Python is still loading (see git/process.py): for plain `set` and
`new`, the `git update-index` that will record the file; for a command that reads
every item, the `git diff-files` that the snapshot reads.
"""

from __future__ import annotations

import os
import sys

READERS = {"list", "check", "report", "export"}  # commands that read every item


def main() -> None:
    for name in ("stdout", "stderr"):  # started with a stream closed (`>&-`): write nowhere
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115
    what, directory, operands = read(sys.argv[1:])
    if what == "version":
        from tracker import __version__

        print(f"tracker, version {__version__}")
        return
    if what in ("set", "new"):
        _start_index(directory)
        code = _set_or_new(what, directory, operands)
        sys.stdout.flush()
        sys.exit(code)
    if what == "read":
        _prefetch(directory)
    from tracker.cli.app import main as run

    run()


def read(args: list[str]) -> tuple[str, str | None, list[str]]:
    """The command line read once: (what to do, the `-C` folder, the command's operands).
    What to do: "version"; "set" or "new" in a plain form; "read" for a command that
    reads every item (git's head start, then click); "click" for anything else."""
    if args == ["--version"]:
        return "version", None, []
    directory, rest = None, list(args)
    while rest and rest[0].startswith("-"):
        option = rest.pop(0)
        if option == "-C" and rest:
            directory = rest.pop(0)
        elif option.startswith("-C") and len(option) > 2:
            directory = option[2:]
        else:
            return "click", None, []  # an option known to click alone: its turn
    if not rest:
        return "click", directory, []
    command, operands = rest[0], rest[1:]
    if command in ("set", "new") and _plain(command, operands) and \
            (directory is None or os.path.isdir(directory)):  # a missing one: click says
        return command, directory, operands
    if command in READERS and "--at" not in operands:
        return "read", directory, operands
    return "click", directory, operands


def _plain(command: str, operands: list[str]) -> bool:
    """`set ID FIELD=VALUE...` or `new KIND TITLE [--set FIELD=VALUE]...`, nothing that
    click might read as an option."""
    if len(operands) < 2:
        return False
    if command == "set":
        return not any(o.startswith("-") or not o for o in operands) and \
            all("=" in o for o in operands[1:])
    options = operands[2:]
    return not any(o.startswith("-") for o in operands[:2]) and not len(options) % 2 and \
        options[0::2] == ["--set"] * (len(options) // 2) and \
        not any(v.startswith("-") for v in options[1::2])


def _start_index(directory: str | None) -> None:
    """Have git take the index and read it while Python loads."""
    from tracker.git import process  # noqa: PLC0415

    top = process.find_top(os.path.realpath(directory or "."))
    if top is not None:
        process.start_index_early(top)


def _prefetch(directory: str | None) -> None:
    """Start `git diff-files` on the tracker's folder, for the snapshot to read."""
    if os.environ.get("TRACKER_NO_CACHE", "") not in ("", "0"):
        return
    from tracker.git import process  # noqa: PLC0415

    folder = os.path.realpath(directory or ".")
    top = process.find_top(folder)
    if top is None:
        return
    while not os.path.isfile(os.path.join(folder, ".tracker", "config.yaml")):
        if folder == top:
            return  # no tracker in this work tree: nothing to read
        folder = os.path.dirname(folder)
    process.prefetch_diff_files(top, os.path.relpath(folder, top))


def _set_or_new(command: str, directory: str | None, operands: list[str]) -> int:
    from tracker.api import Tracker, parse_assignments  # noqa: PLC0415
    from tracker.cli import boundary  # noqa: PLC0415

    recovered: list[str] = []
    try:
        t = Tracker(directory)
        recovered = t.ws.recovered
        if command == "set":
            item = t.set(operands[0], parse_assignments(operands[1:]), (), commit=True)
        else:
            item = t.new(operands[0], operands[1], parse_assignments(operands[3::2]), "",
                         commit=True)
        print(item.id, flush=True)
    except boundary.EXPECTED as e:
        code = boundary.exit_code(e)
        if code is None:
            raise
        return code
    finally:
        for line in recovered:  # what settling a dead writer's leftovers did
            print(f"Recovered: {line}", file=sys.stderr)
    if command == "set":
        from tracker.cli import terminal  # noqa: PLC0415

        terminal.say_changes(t.changes, item.kind)  # as the click path's (items._echo_item)
        for notice in t.notices:
            print(notice, file=sys.stderr)
    return 0
