"""Merge commands: merge-driver (run by git) and sync."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from tracker.cli.common import format_option, warn

if TYPE_CHECKING:
    from tracker.api import SyncResult


@click.command("merge-driver")
@click.argument("base", type=click.Path(dir_okay=False, exists=True))
@click.argument("ours", type=click.Path(dir_okay=False, exists=True))
@click.argument("theirs", type=click.Path(dir_okay=False, exists=True))
@click.argument("path", required=False)
@click.pass_context
def merge_driver(ctx: click.Context, base: str, ours: str, theirs: str,
                 path: str | None) -> None:
    """Merge one item file for git (%O %A %B %P): the result goes to OURS; exit 1 on conflict.

    Installed by `tracker init` as the `tracker` merge driver.
    """
    from tracker import api  # noqa: PLC0415 - keeps `tracker list` from loading merge code

    files = Path(base), Path(ours), Path(theirs)
    try:
        conflicts = api.merge_files(*files, path or ours)
    except Exception:  # noqa: BLE001 - a driver must never lose a side: show the bug, merge as text
        import traceback  # noqa: PLC0415

        traceback.print_exc()
        conflicts = api.merge_files_as_text(*files)
    if conflicts:
        warn(f"tracker: conflict in {path or ours}: {', '.join(conflicts)}")
        ctx.exit(1)


@click.command("sync")
@click.argument("remote", required=False)
@click.option("--branch", metavar="B", help="The remote branch (default: the current branch).")
@click.option("--retries", type=click.IntRange(0, 100), default=10, show_default=True,
              help="How often to fetch, merge and push again when the remote moved.")
@format_option("text", "json")
@click.pass_context
def sync(ctx: click.Context, remote: str | None, branch: str | None, retries: int,
         fmt: str) -> None:
    """Fetch REMOTE (default: the upstream, or origin), merge it through the driver, push."""
    from tracker.cli import output  # noqa: PLC0415
    from tracker.cli.common import tracker  # noqa: PLC0415
    from tracker.cli.terminal import end_steps, step  # noqa: PLC0415

    try:
        result = tracker(ctx).sync(remote, branch, retries, step=step)
    finally:
        end_steps()
    if fmt == "json":
        click.echo(output.dumps(vars(result)))
    else:
        for rel, fields in result.conflicts.items():
            click.echo(f"{rel}: {', '.join(fields)}")
        for folder in result.unrouted:
            warn(f"warning: .gitattributes: the merge driver sees only part of {folder}/ "
                 "(the flat or the sharded items): run 'tracker init' to repair it")
        warn(_summary(result))
    if result.conflicts:
        ctx.exit(1)


def _summary(r: SyncResult) -> str:
    where = f"{r.remote}/{r.branch}"
    notes = ["merge driver re-installed"] if r.reinstalled else []
    if r.retries:
        notes.append(f"{r.retries} retr{'y' if r.retries == 1 else 'ies'}")
    extra = f" ({', '.join(notes)})" if notes else ""
    if r.conflicts:
        return (f"Conflicts with {where} in {len(r.conflicts)} file(s){extra}: edit them (or "
                "use 'tracker set'), run 'tracker check', 'git commit', then 'tracker sync' "
                "again.")
    done = [word for word, flag in (("merged", r.merged), ("pushed", r.pushed)) if flag]
    return f"Synced with {where}: {' and '.join(done) or 'already up to date'}{extra}."


COMMANDS = [merge_driver, sync]
