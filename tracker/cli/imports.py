"""The import commands: files from outside turned into items, one commit per import.

`import` is a group with one subcommand per source; a new source adds its own with
`@import_.command("NAME")` here and `@mode_options`. Each command reads its file through
`tracker.importers`, prints one summary line (or `--format json`) on stdout, each
refused row as `FILE:LINE: field: message` on stderr (then exits 1), and shows a
progress bar on a terminal only.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, TypeVar

import click

from tracker.cli import output
from tracker.cli.common import completer, format_option, tracker, warn

if TYPE_CHECKING:
    from tracker.api import Outcome

FILE = click.Path(exists=True, dir_okay=False)
F = TypeVar("F", bound=Callable[..., Any])


def mode_options(f: F) -> F:
    """`--dry-run` and `--all-or-nothing`, for every import command."""
    f = click.option("--all-or-nothing", "all_or_nothing", is_flag=True,
                     help="Write nothing if any row is refused (exit 1).")(f)
    return click.option("--dry-run", "dry_run", is_flag=True,
                        help="Judge every row and say what would be created, updated "
                             "and refused; write nothing.")(f)


def mode(dry_run: bool, all_or_nothing: bool) -> Any:
    """The importers' `Mode` for these flags."""
    from tracker.importers import Mode  # noqa: PLC0415

    return Mode(dry_run=dry_run, all_or_nothing=all_or_nothing)


@click.group("import")
def import_() -> None:
    """Import open data and spreadsheets into items (one commit per import).

    Every row is judged as `tracker check` would judge the file it makes (and as
    `tracker new` and `set` are): a refused row is printed on stderr as
    FILE:LINE: field: message and not written, the others are, and the command exits 1.
    """


def progress(label: str) -> Any:
    """A progress callback for `bulk.upsert`: a bar on a terminal, nothing when piped."""
    from tracker.cli.terminal import progress_bar  # noqa: PLC0415

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
    """The import's summary on stdout: one line (and, for a dry run, the ids), or JSON
    with the counts (summed over the outcomes of an import made of several), the
    refused rows and, for a dry run, the ids; each refused row as `FILE:LINE: field:
    message` on stderr, and exit 1 when there is one."""
    from tracker.api import refusal  # noqa: PLC0415

    every = outcomes if isinstance(outcomes, list) else [outcomes]
    counts = {name: sum(getattr(o, name) for o in every)
              for name in ("created", "updated", "unchanged")}
    refused = [p for o in every for p in o.refused]
    rows_refused = sum(o.rows_refused for o in every)
    dry_run = any(o.dry_run for o in every)
    written = all(o.written for o in every)
    ids = {name: [i for o in every for i in o.ids[name]] for name in ("created", "updated")}
    if fmt == "json":
        data = {**counts, **extra, "refused": [refusal(p) for p in refused]}
        if dry_run:
            data.update(dry_run=True, ids=ids)
        elif not written:
            data["written"] = False
        click.echo(output.dumps(data))
    else:
        click.echo(_summary(line, counts, rows_refused, dry_run, written))
        if dry_run:
            for name, listed in ids.items():
                if listed:
                    click.echo(f"would be {name}: {', '.join(listed)}")
    for problem in refused:
        warn(_located(problem))
    if refused:
        raise SystemExit(1)


def _summary(line: str, counts: dict[str, int], refused: int, dry_run: bool,
             written: bool) -> str:
    tail = f", {refused} refused" if refused else ""
    if dry_run:
        return (f"{line} (dry run, nothing written): would create {counts['created']}, "
                f"update {counts['updated']}, leave {counts['unchanged']} unchanged{tail}")
    if not written:
        return f"{line}: nothing written (--all-or-nothing){tail}"
    return (f"{line}: {counts['created']} created, {counts['updated']} updated, "
            f"{counts['unchanged']} unchanged{tail}")


def _located(problem: Any) -> str:
    """`FILE:LINE: field: message`, as `check` prints a problem."""
    where = problem.path if problem.line is None else f"{problem.path}:{problem.line}"
    return f"{where}: {problem.field}: {problem.message}" if problem.field else \
        f"{where}: {problem.message}"


@import_.command("fr-results")
@click.argument("file", type=FILE)
@click.option("--election", metavar="ID",
              help="The election stored in each bureau (default: election.id of the config).")
@click.option("--round", "round_", type=click.IntRange(1, 2),
              help="The round to import from a file holding both (default: the first).")
@format_option("text", "json")
@mode_options
@click.pass_context
def fr_results(ctx: click.Context, file: str, election: str | None, round_: int | None,
               fmt: str, dry_run: bool,
        all_or_nothing: bool) -> None:
    """Import results by polling station (Ministry of the Interior) into bureau items.

    The three formats (2002–2014 long, 2017–2022 wide, 2024+) are told apart by the
    content; Latin-1 or UTF-8. Re-importing updates the numbers and keeps the status,
    priority, team, experiment arm, target doors and body written by hand.
    """
    from tracker.importers.fr_results import run_fr_results  # noqa: PLC0415

    results, outcome = run_fr_results(tracker(ctx), Path(file), file, election, round_,
                                      progress("Importing bureaux"),
                                      mode(dry_run, all_or_nothing))
    if results.skipped:
        warn(f"Skipped {results.skipped} row(s) of French people abroad (ZZ): no commune.")
    round_text = f", round {results.round}" if results.round else ""
    report(fmt, outcome, f"{len(results.rows)} bureaux from {file} (format "
           f"{results.format}{round_text})", bureaux=len(results.rows), format=results.format)


@import_.command("communes")
@click.argument("file", type=FILE)
@format_option("text", "json")
@mode_options
@click.pass_context
def communes(ctx: click.Context, file: str, fmt: str, dry_run: bool,
        all_or_nothing: bool) -> None:
    """Import communes into bilan items, one per commune.

    FILE is INSEE's COG communes file (v_commune_YYYY.csv; rows of type COM) or
    tracker's own table (tracker/data/communes.csv). Re-importing keeps the status,
    indicators, message, risk and body.
    """
    from tracker.campaign.import_communes import run_communes  # noqa: PLC0415

    found, outcome = run_communes(tracker(ctx), Path(file), file,
                                  progress("Importing communes"),
                                  mode(dry_run, all_or_nothing))
    report(fmt, outcome, f"{len(found.rows)} communes from {file} ({found.format})",
           communes=len(found.rows), format=found.format)


@import_.command("indicators")
@click.argument("file", type=FILE)
@click.option("--indicator", "indicator", required=True, metavar="NAME",
              help="The indicator's code in the bilans (chomage, logements-sociaux…).")
@click.option("--year", "year", required=True, type=click.IntRange(1800, 2200),
              help="The year of the values.")
@click.option("--source", "source", required=True, metavar="TEXT",
              help="Where the values come from (producer, table, licence).")
@click.option("--column", "column", metavar="COLUMN",
              help="The column of the values (default: the indicator's name, or the only "
                   "column that is neither a code nor a name).")
@click.option("--label", "label", metavar="TEXT", help="The indicator's label on the pages.")
@click.option("--unit", "unit", metavar="TEXT", help="Its unit (%, €, habitants…).")
@click.option("--simulated", is_flag=True,
              help="Mark the values as simulated (demos, training): the pages say so.")
@format_option("text", "json")
@mode_options
@click.pass_context
def indicators(ctx: click.Context, file: str, indicator: str, year: int, source: str,
               column: str | None, label: str | None, unit: str | None, simulated: bool,
               fmt: str, dry_run: bool, all_or_nothing: bool) -> None:
    """Import one year of an open-data indicator into the communes' bilans.

    FILE is a CSV keyed by INSEE commune code (CODGEO, COM, code_insee, Code commune…),
    one value per commune, separated by ';', ',' or a tab, in UTF-8 or Windows-1252,
    decimal commas allowed. Each value is written into its commune's bilan with its
    year and source; importing the same file again changes nothing. Communes without a
    bilan are counted and left alone (tracker import communes creates them).
    """
    from tracker.campaign.import_indicators import Indicator, run_indicators  # noqa: PLC0415
    from tracker.model.errors import UsageError  # noqa: PLC0415

    if not indicator.strip() or not source.strip():
        raise UsageError("--indicator and --source must not be empty")
    found, outcome = run_indicators(
        tracker(ctx), Path(file), file,
        Indicator(indicator.strip(), year, source.strip(), label, unit, simulated),
        column=column, progress=progress("Importing indicators"),
        mode=mode(dry_run, all_or_nothing))
    values = found.values
    line = (f"{indicator} {year} from {file} (column {values.column}): "
            f"{len(values.values)} values, {found.no_bilan} communes without a bilan, "
            f"{values.missing} missing")
    report(fmt, outcome, line, indicator=indicator, year=year, column=values.column,
           values=len(values.values), no_bilan=found.no_bilan, missing=values.missing)


@import_.command("csv")
@click.argument("file", type=FILE)
@click.option("--kind", "kind", required=True, shell_complete=completer("kinds"),
              help="The kind of the items.")
@click.option("--key", metavar="FIELD",
              help="Match existing items on this field, so that re-importing updates them.")
@click.option("--map", "maps", multiple=True, metavar="COLUMN=FIELD",
              help="Fill FIELD from COLUMN (repeatable); other columns fill the field of "
                   "their own name.")
@click.option("--delimiter", default=",", show_default=True, help="The column separator.")
@format_option("text", "json")
@mode_options
@click.pass_context
def csv_(ctx: click.Context, file: str, kind: str, key: str | None, maps: tuple[str, ...],
         delimiter: str, fmt: str, dry_run: bool,
        all_or_nothing: bool) -> None:
    """Import a CSV file with a header into items of KIND, one item per row."""
    from tracker.importers.csvfile import run_csv  # noqa: PLC0415
    from tracker.model.errors import UsageError  # noqa: PLC0415

    if len(delimiter) != 1:
        raise UsageError("--delimiter must be one character")
    table, outcome = run_csv(tracker(ctx), Path(file), file, kind, key=key,
                             mapping=parse_maps(maps), delimiter=delimiter,
                             progress=progress(f"Importing {kind}"),
                             mode=mode(dry_run, all_or_nothing))
    if table.ignored:
        warn(f"Ignored column(s) that fill no field of {kind}: {', '.join(table.ignored)} "
             "(use --map COLUMN=FIELD)")
    report(fmt, outcome, f"{table.count()} {kind} items from {file}", items=table.count())


@import_.command("github")
@click.argument("file", type=FILE)
@click.option("--kind", "kind", default="issue", show_default=True,
              shell_complete=completer("kinds"), help="The kind of the items.")
@click.option("--repo", metavar="OWNER/REPO",
              help="The repository of issues whose record names none (gh's --json without "
                   "url).")
@format_option("text", "json")
@mode_options
@click.pass_context
def github(ctx: click.Context, file: str, kind: str, repo: str | None, fmt: str,
           dry_run: bool, all_or_nothing: bool) -> None:
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
                                progress("Importing issues"), repo=repo,
                                mode=mode(dry_run, all_or_nothing))
    if found.pulls:
        warn(f"Skipped {found.pulls} pull request(s): only issues are imported.")
    report(fmt, outcome, f"GitHub issues from {file}", pull_requests_skipped=found.pulls)


@import_.command("backlog")
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
@click.option("--kind", "kind", default="issue", show_default=True,
              shell_complete=completer("kinds"), help="The kind of the items.")
@format_option("text", "json")
@mode_options
@click.pass_context
def backlog(ctx: click.Context, folder: str, kind: str, fmt: str, dry_run: bool,
        all_or_nothing: bool) -> None:
    """Import a Backlog.md project (FOLDER holds backlog/tasks and backlog/completed).

    Read as Backlog.md reads them: the files PREFIX-*.md (PREFIX the config's
    task_prefix, `task` by default), `assignee: @name` and `[@a, @b]` as names. Any
    other file there (a readme, no front matter, unreadable YAML) is skipped with one
    line on stderr; drafts and the archive are not read. Statuses map by position
    (first: open, last: done, others: in-progress); the task id is kept in
    `backlog_id`, so importing again updates.
    """
    from tracker.importers.trackers import run_backlog  # noqa: PLC0415

    found, outcome = run_backlog(tracker(ctx), Path(folder), kind, progress("Importing tasks"),
                                 mode(dry_run, all_or_nothing))
    for line in found.skipped:
        warn(line)
    report(fmt, outcome, f"Backlog.md tasks from {folder}", skipped=len(found.skipped))


@import_.command("git-issue")
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
@click.option("--kind", "kind", default="issue", show_default=True,
              shell_complete=completer("kinds"), help="The kind of the items.")
@format_option("text", "json")
@mode_options
@click.pass_context
def git_issue(ctx: click.Context, folder: str, kind: str, fmt: str, dry_run: bool,
        all_or_nothing: bool) -> None:
    """Import a git-issue repository (FOLDER holds .issues/issues/xx/<sha>/description).

    The summary line is the title, the tags `open`/`closed` the status; comments go
    under a heading in time order (the date of the commit git-issue names each one
    after, read from .issues/.git); the issue's sha is kept in `git_issue_id`, so
    importing again updates.
    """
    from tracker.importers.trackers import run_git_issue  # noqa: PLC0415

    found, outcome = run_git_issue(tracker(ctx), Path(folder), kind,
                                   progress("Importing issues"), mode(dry_run, all_or_nothing))
    for line in found.skipped:
        warn(line)
    report(fmt, outcome, f"git-issue issues from {folder}")


@import_.command("json")
@click.argument("file", type=FILE)
@format_option("text", "json")
@mode_options
@click.pass_context
def json_(ctx: click.Context, file: str, fmt: str, dry_run: bool,
        all_or_nothing: bool) -> None:
    """Import what `tracker export json` wrote: items keep their ids, so it is idempotent."""
    from tracker.importers.trackers import run_json  # noqa: PLC0415

    outcomes = list(run_json(tracker(ctx), Path(file), file, progress("Importing items"),
                             mode(dry_run, all_or_nothing)))
    report(fmt, outcomes, f"items from {file}")


COMMANDS = [import_]
