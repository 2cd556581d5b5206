"""Project commands: init, check, demo, shard."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import click

from tracker.cli import common, output
from tracker.cli.common import format_option, no_commit_option, tracker, warn
from tracker.model.errors import UsageError, one_line

if TYPE_CHECKING:
    from tracker.model.problems import Problem


@click.command()
@click.argument("folder", required=False, type=click.Path(file_okay=False))
@click.option("--template", default="default", show_default=True,
              help="Project template: default or campaign.")
@format_option("text", "json")
@click.pass_context
def init(ctx: click.Context, folder: str | None, template: str, fmt: str) -> None:
    """Set up a tracker in FOLDER (default: here); safe to run again, e.g. in a fresh clone."""
    from tracker.api import init as set_up  # noqa: PLC0415 - keeps `tracker --version` fast

    base = Path(ctx.find_root().obj.get("dir") or os.getcwd())
    result = set_up(base / folder if folder else base, template)
    created = [str(p.relative_to(result.root)) for p in result.created]
    if fmt == "json":
        click.echo(output.dumps({"root": str(result.root), "template": template,
                                 "created": created, "git_init": result.git_initialised,
                                 "committed": result.committed}))
        return
    if result.git_initialised:
        click.echo(f"Initialised an empty git repository in {result.root}")
    if created:
        click.echo(f"Created a tracker in {result.root} ({template} template): "
                   + ", ".join(created))
    else:
        click.echo(f"Tracker in {result.root} is already set up; nothing changed.")


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--since", "since", metavar="REV", help="Only the items changed since REV.")
@click.option("--federation", "federated", is_flag=True,
              help="Also check every federation member at its fetched head, and the "
              "references across members.")
@format_option("text", "json", "github")
@click.pass_context
def check(ctx: click.Context, paths: tuple[str, ...], since: str | None, federated: bool,
          fmt: str) -> None:
    """Validate every item (or those under PATHS); exit 1 if anything is wrong."""
    t = tracker(ctx)
    if federated and (paths or since):
        raise UsageError("--federation checks everything: give no PATHS or --since")
    base = Path(ctx.find_root().obj.get("dir") or os.getcwd())
    wanted = [str(base / p) for p in paths]
    if since:
        from tracker.cli.history import open_history  # noqa: PLC0415

        with open_history(ctx) as history:
            changed = history.changed_paths(since)
        wanted = [p for p in changed if not wanted or any(
            p == w or p.startswith(w.rstrip("/") + "/") for w in wanted)]
    if federated:
        problems = t.federation().check(t)
    else:
        problems = t.check(wanted) if wanted or not since else []
    for notice in t.notices:
        warn(notice)
    if fmt == "json":
        click.echo(output.dumps([p.as_dict() for p in problems]))
    elif fmt == "github":
        for p in problems:
            click.echo(_github(p))
    else:
        for p in problems:
            click.echo(one_line(_text(p)))
    errors = [p for p in problems if not p.warning]
    warnings = len(problems) - len(errors)
    said = f"{warnings} warning{'s' * (warnings != 1)}" if warnings else ""
    if errors:
        files = len({p.path for p in errors})
        warn(f"{len(errors)} problem{'s' * (len(errors) != 1)} in {files} "
             f"file{'s' * (files != 1)}" + (f", and {said}" if said else ""))
        ctx.exit(1)
    if warnings:  # warnings alone: said, but no failure (docs/kinds.md#checks)
        files = len({p.path for p in problems})
        warn(f"No problems found. {said[0].upper()}{said[1:]} in {files} "
             f"file{'s' * (files != 1)}.")
        return
    warn("No problems found.")


def _text(p: Problem) -> str:
    field = f"{p.field}: " if p.field else ""
    return f"{p.path}:{p.line or 1}: {'warning: ' if p.warning else ''}{field}{p.message}"


def _github(p: Problem) -> str:
    """One GitHub workflow command: `::error file=…,line=…::message` (`::warning` for a
    warning), escaped as the runner reads it (docs/security.md): the message's `%`, CR
    and LF, and in the properties `:` and `,` too, so that no file name or message ends
    the command or starts another."""
    message = f"{p.field}: {p.message}" if p.field else p.message
    return (f"::{'warning' if p.warning else 'error'} file={_github_property(p.path)},"
            f"line={_github_property(str(p.line or 1))}::{_github_data(message)}")


def _github_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _github_property(text: str) -> str:
    return _github_data(text).replace(":", "%3A").replace(",", "%2C")


@click.command()
@click.option("--out", "out", type=click.Path(file_okay=False), default="tracker-demo",
              show_default=True, help="Folder to build the demo in (must be new or empty).")
@click.option("--template", type=click.Choice(["campaign", "default"]), default="campaign",
              show_default=True, help="The campaign (with its site), or a small issue tracker.")
@click.option("--seed", type=int, default=7, show_default=True)
@click.pass_context
def demo(ctx: click.Context, out: str, template: str, seed: int) -> None:
    """Build a demo repository with dated history; the last line printed is its result.

    The campaign demo ends with the path of the rendered site's index.html.
    """
    base = Path(ctx.find_root().obj.get("dir") or os.getcwd())
    if template == "campaign":
        from tracker.campaign.demo import build_campaign_demo  # noqa: PLC0415

        result = build_campaign_demo(base / out, seed=seed, progress=warn)
    else:
        from tracker.campaign.demo_default import build_demo  # noqa: PLC0415

        result = build_demo(base / out, seed=seed, progress=warn)
    click.echo(str(result))


@click.command()
@click.argument("kind", shell_complete=common.completer("kinds"))
@click.argument("chars", type=click.IntRange(0, 4), metavar="N")
@no_commit_option
@format_option("text", "json")
@click.pass_context
def shard(ctx: click.Context, kind: str, chars: int, no_commit: bool, fmt: str) -> None:
    """Keep KIND's items in subfolders named by N characters of their id
    (issues/k3/issue-k3x9q2ab.md), or N=0 in the folder itself. Every file moves in
    one commit; advised past 10,000 items (git rewrites a folder's whole list on
    every commit, and GitHub shows only 1,000 files of a folder)."""
    from tracker.cli.terminal import progress_bar  # noqa: PLC0415

    done = tracker(ctx).shard(kind, chars, commit=not no_commit,
                              progress=lambda moves: progress_bar(moves, f"Moving {kind}"))
    if fmt == "json":
        click.echo(output.dumps(done))
    else:
        click.echo(f"{done['kind']}: {done['moved']} files moved, shard {done['shard']}")


COMMANDS = [init, check, demo, shard]
