"""Options and helpers shared by the commands."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

import click

if TYPE_CHECKING:
    from tracker.api import Tracker

F = Callable[..., Any]


def format_option(*choices: str, default: str | None = None) -> Callable[[F], F]:
    return click.option("--format", "fmt", type=click.Choice(list(choices)),
                        default=default or choices[0], show_default=True,
                        help="Output format.")


RAW_HELP = "Show field names, slugs and plain numbers instead of labels (as the files " \
    "hold them; JSON and CSV always do)."


def raw_option(f: F) -> F:
    """`--raw`, on every command that prints a table for people (also `tracker --raw`)."""
    return click.option("--raw", "raw", is_flag=True, help=RAW_HELP)(f)


def raw(ctx: click.Context, flag: bool) -> bool:
    """Whether names are asked for: the command's `--raw` or the group's."""
    return flag or bool((ctx.find_root().obj or {}).get("raw"))


def no_commit_option(f: F) -> F:
    return click.option("--no-commit", is_flag=True,
                        help="Write the files but do not commit them.")(f)


def tracker(ctx: click.Context) -> Tracker:
    """The tracker for this invocation (found from -C DIR or the current folder)."""
    obj = ctx.find_root().obj or {}
    if "tracker" not in obj:
        from tracker.api import Tracker  # noqa: PLC0415 - keeps `tracker --version` fast

        obj["tracker"] = t = Tracker(obj.get("dir"))
        ctx.find_root().obj = obj
        ctx.find_root().call_on_close(lambda: say_recovered(t.ws.recovered))
    return obj["tracker"]


def say_recovered(lines: list[str]) -> None:
    """What settling a dead writer's leftovers did (store/journal.py), one line each."""
    for line in lines:
        warn(f"Recovered: {line}")


def warn(message: str) -> None:
    """One line on stderr: control characters (a newline in a file's name) escaped, so
    that no path or value can start a line of its own (a CI runner's `::` command)."""
    from tracker.model.errors import one_line  # noqa: PLC0415

    click.echo(one_line(message), err=True)


def completer(name: str) -> Callable[[click.Context, click.Parameter, str], list[Any]]:
    """A `shell_complete=` for an argument: cli/completion.py's `complete_<name>`, loaded
    only when the shell asks (completing ids, kinds, fields or statuses)."""
    def complete(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
        from tracker.cli import completion  # noqa: PLC0415

        found: list[Any] = getattr(completion, f"complete_{name}")(ctx, param, incomplete)
        return found
    return complete
