"""The terminal, in one place: colour, the pager, progress bars, the lines that say what
changed. Loads no click at import (the fast path, cli/fast.py, prints through it).

Colour: on when the stream is a terminal, off when it is piped, when `NO_COLOR` is set
(to anything but the empty string, https://no-color.org), when `TERM=dumb`, or with
`--no-color`. The pager: long output on a terminal goes through `TRACKER_PAGER`, else
`PAGER`, else `less -FRX` (as git does: `less` quits at once when the text fits the
screen); `--no-pager`, an empty or `cat` pager, or a stdout that is not a terminal
print it as it is. Progress bars go to stderr on a terminal only.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # typing is not imported at run time (start-up)
if TYPE_CHECKING:
    from typing import Any, Iterable, TextIO

# What the command line asked (set by the click group's --no-color and --no-pager).
SETTINGS = {"color": True, "pager": True}

# SGR codes for each role: what a word means, not how it looks.
ROLES = {
    "error": "1;31", "warning": "33", "header": "1", "id": "33", "ok": "32",
    "old": "31", "new": "32", "muted": "2",
    "status.open": "36", "status.active": "33", "status.done": "32", "status.closed": "2",
}
DONE = {"done", "closed", "resolved", "fixed", "published", "verified", "won", "merged"}
CLOSED = {"cancelled", "canceled", "abandoned", "rejected", "wontfix", "dropped", "lost"}
OPEN = {"open", "new", "todo", "planned", "backlog", "draft", "proposed", "triage"}


def color_on(stream: TextIO | None = None) -> bool:
    """Whether to colour what is written to `stream` (stdout by default)."""
    stream = sys.stdout if stream is None else stream
    if not SETTINGS["color"] or os.environ.get("NO_COLOR", "") != "":
        return False
    if os.environ.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def style(text: str, role: str, stream: TextIO | None = None) -> str:
    """`text` coloured for its role when `stream` takes colour, else as it is."""
    code = ROLES.get(role)
    if not code or not text or not color_on(stream):
        return text
    return f"\x1b[{code}m{text}\x1b[0m"


def status_role(status: str) -> str:
    """The colour role of a workflow status, from its usual meaning."""
    name = status.lower()
    if name in DONE:
        return "status.done"
    if name in CLOSED:
        return "status.closed"
    if name in OPEN:
        return "status.open"
    return "status.active"


def error_line(message: str) -> str:
    """`Error: …` for stderr, its first word in red on a terminal."""
    head, sep, rest = message.partition(":")
    if head in ("Error", "warning") and sep:
        return style(head + sep, "error" if head == "Error" else "warning", sys.stderr) + rest
    return message


def header_line(table: str, stream: TextIO | None = None) -> str:
    """An aligned table with its first line (the column names) in bold on a terminal."""
    head, sep, rest = table.partition("\n")
    return style(head, "header", stream) + sep + rest


def status_column(table: str, stream: TextIO | None = None, name: str = "STATUS",
                  slugs: dict[str, str] | None = None) -> str:
    """An aligned table (cli/output.aligned) with its status cells (under the header
    `name`) coloured on a terminal (after the alignment: colour codes take no width);
    `slugs` gives the status of each label shown."""
    head, sep, rest = table.partition("\n")
    start = f"  {head}  ".find(f"  {name.upper()}  ")
    if start < 0 or not color_on(stream):
        return table
    lines = []
    for line in rest.split("\n"):
        end = line.find("  ", start)
        end = len(line) if end < 0 else end
        value = line[start:end]
        if value and not value.startswith(" ") and line[start - 2:start] in ("  ", ""):
            role = status_role((slugs or {}).get(value, value))
            line = line[:start] + style(value, role, stream) + line[end:]
        lines.append(line)
    return head + sep + "\n".join(lines)


# ------------------------------------------------------------ what changed


def change_lines(changes: Iterable[tuple[str, Any, Any]], kind: Any = None,
                 raw: bool = False) -> list[str]:
    """`priority: normal → high` for each (field, old, new); the same text on the fast
    path and the click path (both print these, on stderr)."""
    return [f"{name}{sep}{old} → {new}" for name, sep, old, new in _changes(changes, kind, raw)]


def _changes(changes: Iterable[tuple[str, Any, Any]], kind: Any,
             raw: bool) -> list[tuple[str, str, str, str]]:
    """Each change as (name, separator, old, new) as people read it: with the item's
    `kind`, the field's label and its values' (`Statut : Prévue → Faite` in a French
    tracker, values as tables show them); `raw`, or without a kind, names and slugs."""
    from tracker.model import language  # noqa: PLC0415 - loaded with the workspace
    from tracker.model.values import text  # noqa: PLC0415

    people = kind is not None and not raw
    none = f"({language.word('none')})" if people else "(none)"

    def shown(name: str, value: Any) -> str:
        if value is None:
            return none
        if not people:
            return text(value, one_line=True) or '""'
        spec = kind.fields.get(name)
        found = language.display(value, spec.labels if spec is not None else None,
                                 kind.formats.get(name))
        if any(c in found for c in "\n\r\t\v\f"):  # one line (no-break spaces kept)
            found = " ".join(found.split())
        return found or '""'

    sep = "\u00a0: " if people and language.current() == "fr" else ": "
    return [(kind.field_label(name) if people else name, sep, shown(name, old),
             shown(name, new)) for name, old, new in changes]


def say_changes(changes: Iterable[tuple[str, Any, Any]], kind: Any = None,
                raw: bool = False) -> None:
    """The change lines on stderr, the old value red and the new green on a terminal."""
    for name, sep, old, new in _changes(changes, kind, raw):
        if color_on(sys.stderr):
            old, new = style(old, "old", sys.stderr), style(new, "new", sys.stderr)
        print(f"{name}{sep}{old} → {new}", file=sys.stderr)


# ------------------------------------------------------------ the pager


def pager_command() -> str | None:
    """The pager to run for stdout, or None to print as it is."""
    if not SETTINGS["pager"]:
        return None
    try:
        if not sys.stdout.isatty() or not sys.stdin.isatty():
            return None
    except (AttributeError, ValueError):
        return None
    for name in ("TRACKER_PAGER", "PAGER"):
        if name in os.environ:
            command = os.environ[name].strip()
            return None if command in ("", "cat") else command
    return "less -FRX"


def page(text: str) -> None:
    """Write `text` to stdout, through the pager on a terminal."""
    command = pager_command()
    if command is None or not text:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    import subprocess  # noqa: PLC0415

    env = dict(os.environ)
    env.setdefault("LESS", "FRX")  # as git: a short text prints and quits, colour kept
    env.setdefault("LV", "-c")
    sys.stdout.flush()
    try:
        process = subprocess.Popen(command, shell=True, stdin=subprocess.PIPE, env=env)
    except OSError:
        sys.stdout.write(text)
        return
    assert process.stdin is not None
    try:
        process.stdin.write(text.encode("utf-8", "surrogateescape"))
        process.stdin.close()
    except BrokenPipeError:  # the reader quit (q in less) before the end: that is fine
        pass
    while True:
        try:
            process.wait()
            break
        except KeyboardInterrupt:  # as git: ^C goes to the pager, which decides
            continue


# ------------------------------------------------------------ progress


def progress_bar(items: list[Any], label: str, minimum: int = 50) -> Iterable[Any]:
    """A progress bar on a terminal's stderr; nothing at all when stderr is not a terminal
    (or for fewer than `minimum` items)."""
    try:
        shown = sys.stderr.isatty()
    except (AttributeError, ValueError):
        shown = False
    if not shown or len(items) < minimum:
        return items
    return _bar(items, label)


def _bar(items: list[Any], label: str) -> Iterable[Any]:
    import click  # noqa: PLC0415 - only when a bar is shown

    color = color_on(sys.stderr)
    with click.progressbar(items, label=label, file=sys.stderr, color=color) as bar:
        yield from bar


def step(what: str) -> None:
    """A stage of a long command (`Fetching origin/main…`) on a terminal's stderr, each
    replacing the last; nothing when stderr is not a terminal."""
    try:
        if not sys.stderr.isatty():
            return
    except (AttributeError, ValueError):
        return
    sys.stderr.write("\r\x1b[K" + style(what + "…", "muted", sys.stderr))
    sys.stderr.flush()


def end_steps() -> None:
    """Clear the last stage line (before the command's own output)."""
    try:
        if sys.stderr.isatty():
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()
    except (AttributeError, ValueError):
        pass
