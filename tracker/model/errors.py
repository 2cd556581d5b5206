"""Every error the tracker raises on purpose, each carrying its exit code.

The CLI turns a `TrackerError` into one line, `Error: <message>`, on stderr and exits
with `exit_code`. Anything else is a bug and shows its traceback.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes, documented in docs/cli-reference.md."""

    OK = 0
    PROBLEM = 1  # a check or merge found problems, or the request was refused
    USAGE = 2  # the command line itself is wrong


class TrackerError(Exception):
    """Base of every expected error: a message a user can act on."""

    exit_code: int = ExitCode.PROBLEM

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UsageError(TrackerError):
    """The request cannot be understood: a bad flag value, a malformed expression."""

    exit_code = ExitCode.USAGE


class NotATracker(TrackerError):
    """No `.tracker/config.yaml` in this folder or any parent."""


class NotARepository(TrackerError):
    """The tracker is not inside a usable git repository."""


class ItemNotFound(TrackerError):
    """No item has this id, or this prefix."""


class AmbiguousId(TrackerError):
    """A prefix matches several items; `candidates` lists them."""

    def __init__(self, prefix: str, candidates: list[str]) -> None:
        shown = ", ".join(candidates[:10]) + (" …" if len(candidates) > 10 else "")
        super().__init__(f"id prefix '{prefix}' is ambiguous: {shown}")
        self.candidates = candidates


class InvalidId(TrackerError):
    """An id that could escape its folder or is not allowed as a file name."""


class InvalidItem(TrackerError):
    """A file or a value that breaks the format or the schema, located precisely."""

    def __init__(self, path: str, line: int | None, field: str | None, reason: str) -> None:
        self.path, self.line, self.field, self.reason = path, line, field, reason
        super().__init__(format_location(path, line, field, reason))


class InvalidValue(UsageError):
    """A value given on the command line that the field's type refuses."""

    def __init__(self, field: str, reason: str) -> None:
        self.field, self.reason = field, reason
        super().__init__(f"{field}: {reason}")


class WorkflowError(TrackerError):
    """A status change the kind's workflow does not allow."""


class GitError(TrackerError):
    """A git command failed; the message says which and why."""


class LockTimeout(TrackerError):
    """Another tracker process held the write lock for too long."""


class MergeConflict(TrackerError):
    """A merge left conflicts a person must resolve."""


class EditConflict(TrackerError):
    """An edit made against an older version of an item changes a field that changed
    since, to another value: `fields` maps each such field to {"yours", "theirs"}."""

    def __init__(self, message: str, fields: dict[str, dict[str, object]] | None = None) -> None:
        super().__init__(message)
        self.fields = fields or {}


def format_location(path: str, line: int | None, field: str | None, reason: str) -> str:
    """`path:line: field: reason`, leaving out what is unknown."""
    where = path if line is None else f"{path}:{line}"
    return f"{where}: {field}: {reason}" if field else f"{where}: {reason}"


def one_line(message: str) -> str:
    """Control characters (a newline in a typed id) escaped: an error is always one line."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in message)
