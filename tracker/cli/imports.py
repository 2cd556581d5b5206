"""The import commands: files from outside turned into items, one commit per import.

`import` is a group with one subcommand per source; a new source adds its own with
`@import_.command("NAME")` here. Each command reads its file through
`tracker.importers`, prints one summary line (or `--format json`) on stdout, and shows
a progress bar on a terminal only.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

import click

from tracker.cli import output
from tracker.cli.common import format_option, tracker, warn

if TYPE_CHECKING:
    from tracker.api import Outcome

FILE = click.Path(exists=True, dir_okay=False)


@click.group("import")
def import_() -> None:
    """Import open data and spreadsheets into items (one commit per import)."""


def progress(label: str) -> Any:
    """A progress callback for `bulk.upsert`: a bar on a terminal, nothing when piped."""
    from tracker.cli.report import progress_bar  # noqa: PLC0415

    def show(items: Iterable[Any]) -> Iterable[Any]:
        return progress_bar(list(items), label)
    return show


def parse_maps(pairs: tuple[str, ...]) -> dict[str, str]:
    """`COLUMN=FIELD` pairs as a mapping (a column name may itself hold '=')."""
    from tracker.model.errors import UsageError  # noqa: PLC0415

    mapping = {}
    for pair in pairs:
        column, sep, name = pair.rpartition("=")
        if not sep or not column.strip() or not name.strip():
            raise UsageError(f"--map: expected COLUMN=FIELD, got '{pair}'")
        mapping[column.strip()] = name.strip()
    return mapping


def report(fmt: str, outcomes: Outcome | list[Outcome], line: str, **extra: Any) -> None:
    """The import's summary on stdout: one line, or JSON with the counts (summed over
    the outcomes of an import made of several)."""
    every = outcomes if isinstance(outcomes, list) else [outcomes]
    counts = {name: sum(getattr(o, name) for o in every)
              for name in ("created", "updated", "unchanged")}
    if fmt == "json":
        click.echo(output.dumps({**counts, **extra}))
        return
    click.echo(f"{line}: {counts['created']} created, {counts['updated']} updated, "
               f"{counts['unchanged']} unchanged")


@import_.command("fr-results")
@click.argument("file", type=FILE)
@click.option("--election", metavar="ID",
              help="The election stored in each bureau (default: election.id of the config).")
@click.option("--round", "round_", type=click.IntRange(1, 2),
              help="The round to import from a file holding both (default: the first).")
@format_option("text", "json")
@click.pass_context
def fr_results(ctx: click.Context, file: str, election: str | None, round_: int | None,
               fmt: str) -> None:
    """Import results by polling station (Ministry of the Interior) into bureau items.

    The three formats (2002–2014 long, 2017–2022 wide, 2024+) are told apart by the
    content; Latin-1 or UTF-8. Re-importing updates the numbers and keeps the status,
    priority, team, experiment arm, target doors and body written by hand.
    """
    from tracker.importers.fr_results import run_fr_results  # noqa: PLC0415

    results, outcome = run_fr_results(tracker(ctx), Path(file), file, election, round_,
                                      progress("Importing bureaux"))
    if results.skipped:
        warn(f"Skipped {results.skipped} row(s) of French people abroad (ZZ): no commune.")
    round_text = f", round {results.round}" if results.round else ""
    report(fmt, outcome, f"{len(results.rows)} bureaux from {file} (format "
           f"{results.format}{round_text})", bureaux=len(results.rows), format=results.format)


@import_.command("communes")
@click.argument("file", type=FILE)
@format_option("text", "json")
@click.pass_context
def communes(ctx: click.Context, file: str, fmt: str) -> None:
    """Import communes into bilan items, one per commune.

    FILE is INSEE's COG communes file (v_commune_YYYY.csv; rows of type COM) or
    tracker's own table (tracker/data/communes.csv). Re-importing keeps the status,
    indicators, message, risk and body.
    """
    from tracker.campaign.import_communes import run_communes  # noqa: PLC0415

    found, outcome = run_communes(tracker(ctx), Path(file), file,
                                  progress("Importing communes"))
    report(fmt, outcome, f"{len(found.rows)} communes from {file} ({found.format})",
           communes=len(found.rows), format=found.format)


@import_.command("csv")
@click.argument("file", type=FILE)
@click.option("--kind", "kind", required=True, help="The kind of the items.")
@click.option("--key", metavar="FIELD",
              help="Match existing items on this field, so that re-importing updates them.")
@click.option("--map", "maps", multiple=True, metavar="COLUMN=FIELD",
              help="Fill FIELD from COLUMN (repeatable); other columns fill the field of "
                   "their own name.")
@click.option("--delimiter", default=",", show_default=True, help="The column separator.")
@format_option("text", "json")
@click.pass_context
def csv_(ctx: click.Context, file: str, kind: str, key: str | None, maps: tuple[str, ...],
         delimiter: str, fmt: str) -> None:
    """Import a CSV file with a header into items of KIND, one item per row."""
    from tracker.importers.csvfile import run_csv  # noqa: PLC0415
    from tracker.model.errors import UsageError  # noqa: PLC0415

    if len(delimiter) != 1:
        raise UsageError("--delimiter must be one character")
    table, outcome = run_csv(tracker(ctx), Path(file), file, kind, key=key,
                             mapping=parse_maps(maps), delimiter=delimiter,
                             progress=progress(f"Importing {kind}"))
    if table.ignored:
        warn(f"Ignored column(s) that fill no field of {kind}: {', '.join(table.ignored)} "
             "(use --map COLUMN=FIELD)")
    report(fmt, outcome, f"{len(table.rows)} {kind} items from {file}", items=len(table.rows))


@import_.command("github")
@click.argument("file", type=FILE)
@click.option("--kind", "kind", default="issue", show_default=True, help="The kind of the items.")
@click.option("--repo", metavar="OWNER/REPO",
              help="The repository of issues whose record names none (gh's --json without "
                   "url).")
@format_option("text", "json")
@click.pass_context
def github(ctx: click.Context, file: str, kind: str, repo: str | None, fmt: str) -> None:
    """Import GitHub issues from a JSON array: `gh issue list --state all --json number,
    title,body,state,labels,assignees,author,createdAt,closedAt,comments,milestone,url`,
    or the REST API's `GET /repos/{owner}/{repo}/issues` (pages joined into one array).

    Each issue is keyed `owner/repo#number` in `github_issue` (the repository from
    `repository_url`, `html_url` or `url`, else --repo), so two repositories' #1 are two
    items and importing again updates; the item's id is the kind's own (random by
    default). The author, creation and closing dates, labels (as tags), first assignee,
    milestone and address are kept; gh's comments go under a heading in the body (the
    REST shape gives only their count). Pull requests are skipped and counted.
    """
    from tracker.importers.trackers import run_github  # noqa: PLC0415

    found, outcome = run_github(tracker(ctx), Path(file), file, kind,
                                progress("Importing issues"), repo=repo)
    if found.pulls:
        warn(f"Skipped {found.pulls} pull request(s): only issues are imported.")
    report(fmt, outcome, f"GitHub issues from {file}", pull_requests_skipped=found.pulls)


@import_.command("backlog")
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
@click.option("--kind", "kind", default="issue", show_default=True, help="The kind of the items.")
@format_option("text", "json")
@click.pass_context
def backlog(ctx: click.Context, folder: str, kind: str, fmt: str) -> None:
    """Import a Backlog.md project (FOLDER holds backlog/tasks and backlog/completed).

    Read as Backlog.md reads them: the files PREFIX-*.md (PREFIX the config's
    task_prefix, `task` by default), `assignee: @name` and `[@a, @b]` as names. Any
    other file there (a readme, no front matter, unreadable YAML) is skipped with one
    line on stderr; drafts and the archive are not read. Statuses map by position
    (first: open, last: done, others: in-progress); the task id is kept in
    `backlog_id`, so importing again updates.
    """
    from tracker.importers.trackers import run_backlog  # noqa: PLC0415

    found, outcome = run_backlog(tracker(ctx), Path(folder), kind, progress("Importing tasks"))
    for line in found.skipped:
        warn(line)
    report(fmt, outcome, f"Backlog.md tasks from {folder}", skipped=len(found.skipped))


@import_.command("git-issue")
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
@click.option("--kind", "kind", default="issue", show_default=True, help="The kind of the items.")
@format_option("text", "json")
@click.pass_context
def git_issue(ctx: click.Context, folder: str, kind: str, fmt: str) -> None:
    """Import a git-issue repository (FOLDER holds .issues/issues/xx/<sha>/description).

    The summary line is the title, the tags `open`/`closed` the status; comments go
    under a heading in time order (the date of the commit git-issue names each one
    after, read from .issues/.git); the issue's sha is kept in `git_issue_id`, so
    importing again updates.
    """
    from tracker.importers.trackers import run_git_issue  # noqa: PLC0415

    found, outcome = run_git_issue(tracker(ctx), Path(folder), kind,
                                   progress("Importing issues"))
    for line in found.skipped:
        warn(line)
    report(fmt, outcome, f"git-issue issues from {folder}")


@import_.command("json")
@click.argument("file", type=FILE)
@format_option("text", "json")
@click.pass_context
def json_(ctx: click.Context, file: str, fmt: str) -> None:
    """Import what `tracker export json` wrote: items keep their ids, so it is idempotent."""
    from tracker.importers.trackers import run_json  # noqa: PLC0415

    outcomes = list(run_json(tracker(ctx), Path(file), file, progress("Importing items")))
    report(fmt, outcomes, f"items from {file}")


COMMANDS = [import_]
