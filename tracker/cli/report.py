"""The report command: Markdown and HTML reports, and the static site."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from tracker.cli import output
from tracker.cli.common import format_option, tracker, warn
from tracker.cli.terminal import progress_bar
from tracker.model.errors import UsageError


@click.command()
@click.argument("name", required=False)
@click.option("--list", "show_list", is_flag=True, help="List the reports available here.")
@click.option("--out", type=click.Path(), help="Write to this file (the site: this folder).")
@click.option("--where", metavar="EXPR", help="Only the items for which EXPR is true.")
@click.option("--federation", "federated", is_flag=True,
              help="Over this repository and every federation member at its fetched head.")
@format_option("md", "html", "text", "json", default="md")
@click.pass_context
def report(ctx: click.Context, name: str | None, show_list: bool, out: str | None,
           where: str | None, federated: bool, fmt: str) -> None:
    """Render the report NAME (to stdout, or to --out); `report site --out DIR` builds the site."""
    from tracker.campaign.reports import template_helpers  # noqa: PLC0415
    from tracker.reports import render  # noqa: PLC0415 - Jinja only for reports

    t = tracker(ctx)
    if show_list or not name:
        _print_list(render.list_reports(t), fmt)
        return
    fmt_given = ctx.get_parameter_source("fmt") != click.core.ParameterSource.DEFAULT
    if name == "site":
        if not out:
            raise UsageError("the site needs a folder: tracker report site --out DIR")
        from tracker.reports.site import build_site  # noqa: PLC0415

        index = build_site(t, Path(out), where=where, progress=progress_bar,
                           helpers=[template_helpers], federation=federated)
        click.echo(str(index.resolve()))
        _notices(t)
        _offer_ignore(t, Path(out))
        return
    if fmt in ("text", "json"):
        raise UsageError("a report renders as --format md or html")
    text = render.render_report(t, name, fmt if fmt_given else None, where=where,
                                helpers=[template_helpers], federation=federated)
    if out:
        render.write_output(Path(out), text)
        click.echo(str(Path(out).resolve()))
    else:
        click.echo(text, nl=False)
    _notices(t)


def _offer_ignore(t: Any, folder: Path) -> None:
    """Say that the site lies in the repository, untracked; on a terminal, offer to add it
    to .gitignore (`git status` shows `?? site/` otherwise)."""
    pattern = t.unignored_output(folder)
    if pattern is None:
        return
    warn(f"{pattern.strip('/')}/ is inside the repository and not ignored: git status "
         "shows it as untracked")
    if sys.stdin.isatty() and sys.stderr.isatty():
        if click.confirm(f"Add {pattern} to .gitignore?", default=True, err=True):
            warn(f"Added {pattern} to {t.ignore_output(pattern)}")
    else:
        warn(f"(add {pattern} to .gitignore to keep it out)")


def _notices(t: Any) -> None:
    for notice in t.notices:
        click.echo(notice, err=True)


def _print_list(reports: list[Any], fmt: str) -> None:
    if fmt == "json":
        click.echo(output.dumps([{"name": r.name, "formats": sorted(r.formats),
                                  "description": r.description, "source": r.source}
                                 for r in reports]))
        return
    rows = [{"name": r.name, "formats": ",".join(sorted(r.formats)),
             "description": r.description} for r in reports]
    click.echo(output.table(["name", "formats", "description"], rows), nl=False)


COMMANDS = [report]
