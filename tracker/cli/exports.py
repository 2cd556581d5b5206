"""Export commands: the items as JSON, JSON Lines or CSV, and ClaimReview JSON-LD."""

from __future__ import annotations

from pathlib import Path

import click

from tracker.cli.common import completer, tracker


def _emit(text: str, out: str | None) -> None:
    if out:
        from tracker.api import write_atomic  # noqa: PLC0415

        write_atomic(Path(out), text)
        click.echo(str(Path(out).resolve()), err=True)
    else:
        click.echo(text, nl=False)


@click.group("export")
def export() -> None:
    """Write the items out: json, jsonl, csv, or claimreview (campaign)."""


def _items_command(fmt: str) -> click.Command:
    @click.command(fmt, help=f"Every item as {fmt.upper()}, bodies included.")
    @click.option("--where", metavar="EXPR", help="Only the items for which EXPR is true.")
    @click.option("--kind", "kinds", multiple=True, shell_complete=completer("kinds"),
                  help="Only items of this kind (repeatable).")
    @click.option("--out", type=click.Path(dir_okay=False), help="Write to FILE.")
    @click.option("--federation", "federated", is_flag=True,
                  help="This repository's items and every federation member's at its "
                       "fetched head (ids qualified: 93:ID, each with its member).")
    @click.pass_context
    def command(ctx: click.Context, where: str | None, kinds: tuple[str, ...],
                out: str | None, federated: bool, lists: str = "cells") -> None:
        from tracker.reports import exporting  # noqa: PLC0415

        rows = exporting.records(tracker(ctx), where, list(kinds) or None, federated)
        if fmt == "csv":
            text = exporting.to_csv(rows, lists)
        else:
            text = {"json": exporting.to_json, "jsonl": exporting.to_jsonl}[fmt](rows)
        _emit(text, out)
        for notice in tracker(ctx).notices:
            click.echo(notice, err=True)
    if fmt == "csv":
        command = click.option(
            "--lists", type=click.Choice(["cells", "json"]), default="cells",
            show_default=True,
            help="Lists as `a; b` cells a spreadsheet reads, or as JSON (the old form).")(command)
    return command


for _fmt in ("json", "jsonl", "csv"):
    export.add_command(_items_command(_fmt))


@export.command("claimreview")
@click.option("--out", type=click.Path(dir_okay=False), help="Write to FILE.")
@click.pass_context
def claimreview(ctx: click.Context, out: str | None) -> None:
    """schema.org ClaimReview JSON-LD for every published claim."""
    from tracker.campaign.claimreview import export as reviews  # noqa: PLC0415
    from tracker.cli import output  # noqa: PLC0415

    t = tracker(ctx)
    claims = [t.record(i, body=False) for i in t.items(["claim"]).items] \
        if "claim" in t.kinds else []
    publisher = str(t.ws.config.get("publisher") or t.ws.config.get("name") or "Campagne")
    _emit(output.dumps(reviews(claims, publisher)) + "\n", out)


COMMANDS = [export]
