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
    from typing import Callable

EXPECTED = (TrackerError, OSError)  # what `exit_code` may answer; catch these


def exit_code(error: BaseException, say: Callable[[str], None] | None = None) -> int | None:
    """The exit code for an expected error, its message said (by `say`, else on stderr);
    None when the error is a bug: the caller raises it again."""
    if isinstance(error, TrackerError):
        message = f"Error: {one_line(str(error))}"
        code = int(error.exit_code)
    elif isinstance(error, BrokenPipeError):  # the reader has all it wanted
        quiet_stdout()
        return 141  # what a shell reports for a command ended by SIGPIPE, as git
    elif isinstance(error, OSError) and error.errno is not None:
        where = f": {error.filename}" if error.filename else ""
        message, code = f"Error: {error.strerror}{where}", 1
    else:
        return None
    if say is None:
        print(message, file=sys.stderr)
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
