"""The one error boundary of the command line, for the click commands (app.TrackerGroup)
and the fast path (fast.py) alike; click is not imported here, the fast path runs
without it.

A `TrackerError` becomes one line `Error: …` on stderr and its exit code (1 for a
refused request or problems found, 2 for usage); an OSError with an errno becomes
`Error: <strerror>: <file>` and 1; a reader that went away (`tracker log | head`)
a quiet stdout and 141. Any other exception is a bug and shows its traceback.
"""

from __future__ import annotations

import os
import sys

from tracker.model.errors import TrackerError, one_line

TYPE_CHECKING = False  # typing is not imported at run time (start-up)
if TYPE_CHECKING:
    from typing import Any, Callable

EXPECTED = (TrackerError, OSError)  # what `exit_code` may answer; catch these


def wants_json(args: list[str]) -> bool:
    """Does a command line ask for `--format json` (errors then JSON on stderr too)?"""
    for at, arg in enumerate(args):
        if arg == "--":
            return False
        if arg == "--format=json" or (arg == "--format" and args[at + 1:at + 2] == ["json"]):
            return True
    return False


def json_error(message: str, problems: list[dict[str, Any]] | None = None) -> str:
    """`{"error": "...", "problems": [{"path", "line", "field", "message"}]}` on one line."""
    import json  # noqa: PLC0415

    return json.dumps({"error": message, "problems": problems or []}, ensure_ascii=False)


def problems_of(error: BaseException) -> list[dict[str, Any]]:
    """Where an error is located, as `check --format json` reports problems."""
    from tracker.model.errors import InvalidItem, InvalidValue  # noqa: PLC0415

    if isinstance(error, InvalidItem):
        return [{"path": error.path, "line": error.line, "field": error.field,
                 "message": error.reason}]
    if isinstance(error, InvalidValue):
        return [{"path": None, "line": None, "field": error.field, "message": error.reason}]
    return []


def exit_code(error: BaseException, say: Callable[[str], None] | None = None,
              as_json: bool = False) -> int | None:
    """The exit code for an expected error, its message said (by `say`, else on stderr;
    as one JSON object with `as_json`); None when the error is a bug: the caller raises
    it again."""
    if isinstance(error, TrackerError):
        message = f"Error: {one_line(str(error))}"
        if as_json:
            message = json_error(str(error), problems_of(error))
        code = int(error.exit_code)
    elif isinstance(error, BrokenPipeError):  # the reader has all it wanted
        quiet_stdout()
        return 141  # what a shell reports for a command ended by SIGPIPE, as git
    elif isinstance(error, OSError) and error.errno is not None:
        where = f": {error.filename}" if error.filename else ""
        message, code = f"Error: {error.strerror}{where}", 1
        if as_json:
            message = json_error(f"{error.strerror}{where}")
    else:
        return None
    if say is None:
        from tracker.cli.terminal import error_line  # noqa: PLC0415

        print(error_line(message), file=sys.stderr)
    else:
        say(message)
    return code


def quiet_stdout() -> None:
    """Point stdout at /dev/null, so that Python's final flush raises nothing more."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
