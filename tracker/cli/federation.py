"""`tracker federation add|remove|sync|status`: the member repositories of one campaign
(docs/federation.md)."""

from __future__ import annotations

import click

from tracker.cli import output
from tracker.cli.common import completer, format_option, no_commit_option, tracker, warn


@click.group()
def federation() -> None:
    """The member repositories of one campaign, read together with --federation."""


@federation.command("add")
@click.argument("name")
@click.argument("url")
@no_commit_option
@format_option("text", "json")
@click.pass_context
def add(ctx: click.Context, name: str, url: str, no_commit: bool, fmt: str) -> None:
    """Add member NAME at URL (a git URL, or a path relative to the tracker's root)."""
    t = tracker(ctx)
    member = t.federation().add(t, name, url, commit=not no_commit)
    if fmt == "json":
        click.echo(output.dumps(member))
    else:
        click.echo(f"Added member {name}: {url} (fetch it with 'tracker federation sync')")


@federation.command("remove")
@click.argument("name", shell_complete=completer("members"))
@no_commit_option
@format_option("text", "json")
@click.pass_context
def remove(ctx: click.Context, name: str, no_commit: bool, fmt: str) -> None:
    """Remove member NAME from the config, and forget the commit fetched for it."""
    t = tracker(ctx)
    member = t.federation().remove(t, name, commit=not no_commit)
    if fmt == "json":
        click.echo(output.dumps(member))
    else:
        click.echo(f"Removed member {name}: {member['url']}")


@federation.command("sync")
@click.argument("names", nargs=-1, metavar="[NAME]...", shell_complete=completer("members"))
@format_option("text", "json")
@click.pass_context
def sync(ctx: click.Context, names: tuple[str, ...], fmt: str) -> None:
    """Fetch every member (or those named) into .git/; nothing is checked out."""
    t = tracker(ctx)
    results = t.federation().sync(t, list(names) or None)
    if fmt == "json":
        click.echo(output.dumps(results))
    else:
        for r in results:
            if r["error"]:
                continue
            what = "unchanged" if not r["changed"] else \
                f"{r['before'][:12] if r['before'] else 'never fetched'} -> {r['commit'][:12]}"
            click.echo(f"{r['name']}: {what}")
    failed = [r for r in results if r["error"]]
    for r in failed:
        warn(f"error: member {r['name']} ({r['url']}): {r['error']}")
    if failed:
        ctx.exit(1)


@federation.command("status")
@format_option("text", "json")
@click.pass_context
def status(ctx: click.Context, fmt: str) -> None:
    """Each member: its URL, the commit fetched, its date, its item count."""
    t = tracker(ctx)
    found = t.federation().status(t)
    if fmt == "json":
        click.echo(output.dumps(found))
        return
    if not found:
        warn("No members: add one with 'tracker federation add NAME URL'.")
    columns = ["name", "url", "commit", "date", "items"]
    rows = [[m["name"], m["url"], m["commit"][:12] if m["commit"] else "never fetched",
             m["date"] or "", "" if m["items"] is None else m["items"]] for m in found]
    click.echo(output.aligned(columns, [output.cells([r[n] for r in rows])
                                        for n in range(len(columns))]), nl=False)


COMMANDS = [federation]
