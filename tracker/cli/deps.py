"""Dependency commands: ready, blocked, graph, claim, release."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import click

from tracker.cli import common, output
from tracker.cli.common import format_option, no_commit_option, tracker, warn
from tracker.model.errors import TrackerError

if TYPE_CHECKING:
    from tracker.api import Item, Tracker

WHERE_HELP = "Keep items for which this expression is true, e.g. \"priority == 'high'\"."
AS_HELP = "Who claims (default: the commits' author name, as git gives it)."
SYNC_HELP = "Claim as a compare-and-swap on the remote: fetch, claim, push (default: " \
    "the config's 'sync: {claim: true}' when there is a remote)."


def _columns(rows: list[dict[str, Any]], kind: str | None, t: Tracker) -> list[str]:
    if kind is not None:
        return ["id", *t.ws.kind(kind).columns]
    return ["id", "kind", "status", "priority", "title"]


def _notices(t: Tracker) -> None:
    """What the command has to say on stderr (files left out because unreadable)."""
    for notice in t.notices:
        warn(notice)


def _print_rows(t: Tracker, rows: list[dict[str, Any]], kind: str | None, fmt: str,
                extra: list[str] | None = None, raw: bool = False) -> None:
    _notices(t)
    if fmt == "json":
        click.echo(output.dumps(rows))
        return
    if fmt == "ids":
        click.echo("".join(f"{row['id']}\n" for row in rows), nl=False)
        return
    columns = [*_columns(rows, kind, t), *(extra or [])]
    if fmt == "csv":
        click.echo(output.csv_text(columns, rows), nl=False)
        return
    if raw:
        click.echo(output.table(columns, rows, fit=sys.stdout.isatty()), nl=False)
        return
    kinds = [t.kinds.get(str(row.get("kind"))) for row in rows] or [None]
    heads, cells = output.labelled(columns, [[row.get(c) for row in rows] for c in columns],
                                   kinds)
    click.echo(output.aligned(heads, cells, fit=sys.stdout.isatty()), nl=False)


@click.command()
@click.argument("kind", required=False, shell_complete=common.completer("kinds"))
@click.option("--where", "where", metavar="EXPR", help=WHERE_HELP)
@click.option("--claim", "take", is_flag=True, help="Claim the first ready item atomically.")
@click.option("--as", "name", metavar="NAME", help=AS_HELP)
@click.option("--sync/--no-sync", "sync", default=None, help=SYNC_HELP)
@common.raw_option
@format_option("table", "json", "csv", "ids")
@click.pass_context
def ready(ctx: click.Context, kind: str | None, where: str | None, take: bool,
          name: str | None, sync: bool | None, raw: bool, fmt: str) -> None:
    """Items not final, not claimed, whose dependencies are all final: highest priority
    first, then nearest due date, then oldest."""
    t = tracker(ctx)
    if take:
        item = t.claim_ready(kind, where, name, sync)
        if item is None:
            if fmt != "json":  # under json, stderr is the one JSON error
                _notices(t)
            raise TrackerError("nothing is ready to claim" + (f" in {kind}" if kind else ""))
        _echo_claimed(t, item, fmt, "claimed")
        return
    _print_rows(t, t.ready(kind, where), kind, fmt, raw=common.raw(ctx, raw))


@click.command()
@click.argument("kind", required=False, shell_complete=common.completer("kinds"))
@click.option("--where", "where", metavar="EXPR", help=WHERE_HELP)
@common.raw_option
@format_option("table", "json", "csv", "ids")
@click.pass_context
def blocked(ctx: click.Context, kind: str | None, where: str | None, raw: bool,
            fmt: str) -> None:
    """Items not final that wait for others, each with what it waits for."""
    t = tracker(ctx)
    rows = t.blocked(kind, where)
    if fmt in ("table", "csv"):
        shown = [{**row, "waiting_for": ", ".join(f"{w['id']} ({w['status']})"
                                                  for w in row["waiting_for"])}
                 for row in rows]
        _print_rows(t, shown, kind, fmt, ["waiting_for"], raw=common.raw(ctx, raw))
        return
    _print_rows(t, rows, kind, fmt)


@click.command()
@click.argument("target", metavar="[ID|KIND]", required=False,
                shell_complete=common.completer("targets"))
@format_option("text", "dot", "mermaid", "json")
@common.raw_option
@click.pass_context
def graph(ctx: click.Context, target: str | None, fmt: str, raw: bool) -> None:
    """The dependency graph: of one item (what it waits for and what waits for it), of a
    kind, or of every item in a dependency."""
    from tracker.reports import graph as drawing  # noqa: PLC0415

    t = tracker(ctx)
    if target is not None and target in t.kinds:
        found = t.graph(kind=target)
    else:
        found = t.graph(target)
    _notices(t)
    if fmt == "json":
        click.echo(output.dumps(found))
        return
    if not common.raw(ctx, raw):
        found = drawing.labelled(found, t.kinds)
    if fmt == "dot":
        click.echo(drawing.as_dot(found), nl=False)
    elif fmt == "mermaid":
        click.echo(drawing.as_mermaid(found), nl=False)
    else:
        click.echo(drawing.as_text(found), nl=False)


@click.command()
@click.argument("item_id", metavar="ID", shell_complete=common.completer("ids"))
@click.option("--as", "name", metavar="NAME", help=AS_HELP)
@click.option("--sync/--no-sync", "sync", default=None, help=SYNC_HELP)
@no_commit_option
@format_option("text", "json")
@click.pass_context
def claim(ctx: click.Context, item_id: str, name: str | None, sync: bool | None,
          no_commit: bool, fmt: str) -> None:
    """Set the assignee and move the item to its first working status, in one commit;
    refused (exit 1) when someone else holds it."""
    t = tracker(ctx)
    item = t.claim(item_id, name, sync, commit=not no_commit)
    _echo_claimed(t, item, fmt, "claimed")


@click.command()
@click.argument("item_id", metavar="ID", shell_complete=common.completer("ids"))
@no_commit_option
@format_option("text", "json")
@click.pass_context
def release(ctx: click.Context, item_id: str, no_commit: bool, fmt: str) -> None:
    """Clear the assignee and move the item back to the status it had before the claim."""
    t = tracker(ctx)
    item = t.release(item_id, commit=not no_commit)
    _echo_claimed(t, item, fmt, "released")


def _echo_claimed(t: Tracker, item: Item, fmt: str, what: str) -> None:
    _notices(t)
    if fmt == "json":
        click.echo(output.dumps(t.record(item)))
        return
    holder = item.fields.get("assignee")
    status = item.fields.get("status")
    click.echo(f"{item.id} {what}" + (f" by {holder}" if holder else "")
               + (f" ({status})" if status else ""))


COMMANDS = [ready, blocked, graph, claim, release]
