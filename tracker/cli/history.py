"""History commands: log, blame, diff."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from tracker.cli import output, terminal
from tracker.cli.common import completer, format_option, tracker

if TYPE_CHECKING:
    from tracker.api import History


FEDERATION_HELP = "Read this repository's history and every federation member's, up to " \
    "its fetched head (ids qualified: 93:ID)."


def open_history(ctx: click.Context) -> History:
    """The invocation's tracker's history (git objects only for these commands)."""
    return tracker(ctx).history()


@click.command()
@click.argument("item_id", metavar="[ID]", required=False, shell_complete=completer("ids"))
@click.option("--since", metavar="DATE", help="Only changes on or after DATE.")
@click.option("--until", metavar="DATE", help="Only changes on or before DATE.")
@click.option("--federation", "federated", is_flag=True, help=FEDERATION_HELP)
@format_option("text", "json")
@click.pass_context
def log(ctx: click.Context, item_id: str | None, since: str | None, until: str | None,
        federated: bool, fmt: str) -> None:
    """Field-level history of an item (or of the whole tracker), newest first."""
    if federated:
        t = tracker(ctx)
        entries = t.federation().log(t, item_id, since=since, until=until)
    else:
        with open_history(ctx) as history:
            entries = history.log(item_id, since=since, until=until)
    if fmt == "json":
        click.echo(output.dumps(entries))
        return
    lines = []
    for entry in entries:
        member = f"  member {entry['member']}" if entry.get("member") is not None else ""
        lines.append(terminal.style(f"commit {entry['commit'][:10]}", "id")
                     + f"  {entry['date']}  {entry['author']}{member}")
        lines.append(f"    {entry['message']}")
        for item in entry.get("items", [entry]):
            prefix = f"    {item['id']}: " if "items" in entry else "    "
            lines.extend(prefix + line for line in _change_lines(item))
        lines.append("")
    terminal.page("".join(line + "\n" for line in lines))  # long: the pager on a terminal


def _change_lines(change: dict[str, Any]) -> list[str]:
    if change.get("deleted"):
        return ["deleted"]
    lines = ["created"] if change.get("created") else []
    if change.get("moved_from"):
        lines.append(f"moved from {change['moved_from']}")
    if not change.get("created"):
        lines += [f"{name}: {_value(c['old'])} -> {_value(c['new'])}"
                  for name, c in change["changes"].items()]
    if change.get("body_changed") and not change.get("created"):
        lines.append("body changed")
    return lines


def _value(value: Any) -> str:
    return "(none)" if value is None else output.cell(value) or '""'


@click.command()
@click.argument("item_id", metavar="ID", shell_complete=completer("ids"))
@click.option("--federation", "federated", is_flag=True, help=FEDERATION_HELP)
@format_option("text", "json")
@click.pass_context
def blame(ctx: click.Context, item_id: str, federated: bool, fmt: str) -> None:
    """For each field of an item: the commit, author and date that set its value."""
    if federated:
        t = tracker(ctx)
        result = t.federation().blame(t, item_id)
    else:
        with open_history(ctx) as history:
            result = history.blame(item_id)
    if fmt == "json":
        click.echo(output.dumps(result))
        return
    rows = [{"field": name, "commit": (b["commit"] or "")[:10], "author": b["author"],
             "date": b["date"]} for name, b in result.items()]
    terminal.page(terminal.header_line(output.table(["field", "commit", "date", "author"], rows)))


@click.command()
@click.argument("rev_a", metavar="[REV_A", required=False)
@click.argument("rev_b", metavar="[REV_B]]", required=False)
@click.option("--federation", "federated", is_flag=True,
              help="Every repository of the federation, each from its own state at REV_A "
                   "to REV_B: dates, or HEAD, HEAD~N (a member's HEAD is its fetched head).")
@format_option("text", "md", "json")
@click.pass_context
def diff(ctx: click.Context, rev_a: str | None, rev_b: str | None, federated: bool,
         fmt: str) -> None:
    """Semantic diff of the items: HEAD, REV_A or A...B against the work tree or REV_B."""
    from tracker.reports import diffmd  # noqa: PLC0415

    if federated:
        t = tracker(ctx)
        result, problems = t.federation().diff(t, rev_a, rev_b, problems=fmt == "md")
    else:
        with open_history(ctx) as history:
            result = history.diff(rev_a, rev_b)
            problems = history.introduced_problems() if fmt == "md" else []
    if fmt == "json":
        click.echo(output.dumps(result))
    elif fmt == "md":
        terminal.page(diffmd.render_md(result, problems))
    else:
        terminal.page(diffmd.render_text(result))


COMMANDS = [log, blame, diff]
