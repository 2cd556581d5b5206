"""Item commands: new, show, list, set, move, edit."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, Iterable, TextIO

import click

from tracker.cli import output
from tracker.cli.common import format_option, no_commit_option, tracker, warn
from tracker.cli.history import open_history
from tracker.model.errors import TrackerError, UsageError

if TYPE_CHECKING:
    from tracker.api import Tracker
    from tracker.model.schema import Kind
    from tracker.store.workspace import Item


def parse_assignments(pairs: tuple[str, ...]) -> dict[str, str]:
    from tracker.api import parse_assignments as parse  # noqa: PLC0415

    return parse(pairs)


@click.command()
@click.argument("kind")
@click.argument("title")
@click.option("--set", "assignments", multiple=True, metavar="FIELD=VALUE",
              help="Set a field (repeatable).")
@click.option("--body", help="The Markdown body.")
@click.option("--body-file", type=click.File("r", encoding="utf-8"),
              help="Read the body from a file, or '-' for standard input.")
@no_commit_option
@format_option("text", "json")
@click.pass_context
def new(ctx: click.Context, kind: str, title: str, assignments: tuple[str, ...],
        body: str | None, body_file: TextIO | None, no_commit: bool, fmt: str) -> None:
    """Create an item of KIND titled TITLE and print its id."""
    if body is not None and body_file is not None:
        raise UsageError("give the body with --body or --body-file, not both")
    text = body_file.read() if body_file is not None else (body or "")
    t = tracker(ctx)
    item = t.new(kind, title, parse_assignments(assignments), text, commit=not no_commit)
    if fmt == "json":
        click.echo(output.dumps({"id": item.id, "path": item.rel}))
    else:
        click.echo(item.id)


AT_HELP = "Read the state at a revision, or at the last commit on or before a date."


@click.command()
@click.argument("item_id", metavar="ID")
@click.option("--at", "at", metavar="REV|DATE", help=AT_HELP)
@format_option("text", "json")
@click.pass_context
def show(ctx: click.Context, item_id: str, at: str | None, fmt: str) -> None:
    """Show one item (any unique prefix of its id works)."""
    t = tracker(ctx)
    if at:
        with open_history(ctx) as history:
            item = history.get_at(item_id, history.at(at))
    else:
        item = t.get(item_id)
    record = t.record(item)
    if fmt == "json":
        click.echo(output.dumps(record))
        return
    click.echo(_show_text(t, item, record), nl=False)


def _show_text(t: Tracker, item: Item, record: dict[str, Any]) -> str:
    lines = [f"{item.id}  {item.title}", f"kind: {item.kind.name}  path: {item.rel}"]
    computed = t.computed(item)
    for key, value in record.items():
        if key in ("id", "kind", "path", "title", "body"):
            continue
        mark = " (computed)" if key in computed else ""
        lines.append(f"{key}{mark}: {output.cell(value)}")
    body = item.body.strip("\n")
    return "\n".join(lines) + ("\n\n" + body if body else "") + "\n"


@click.command("list")
@click.argument("kind", required=False)
@click.option("--where", "where", metavar="EXPR",
              help="Keep items for which this expression is true, e.g. \"status != 'done'\".")
@click.option("--grep", "text", metavar="TEXT", help="Search title and body (any case).")
@click.option("--sort", "sort", metavar="[-]FIELD", help="Sort by a field; '-' for descending.")
@click.option("--fields", metavar="a,b", help="Columns (or JSON keys) to show.")
@click.option("--limit", type=click.IntRange(min=0), help="Show at most N items.")
@click.option("--at", "at", metavar="REV|DATE", help=AT_HELP)
@format_option("table", "json", "csv", "ids")
@click.pass_context
def list_(ctx: click.Context, kind: str | None, where: str | None, text: str | None,
          sort: str | None, fields: str | None, limit: int | None, at: str | None,
          fmt: str) -> None:
    """List items, optionally of one KIND, filtered and sorted."""
    t = tracker(ctx)
    columns = [c.strip() for c in fields.split(",") if c.strip()] if fields else None
    if not at and not text:
        out = _from_columns(t, kind, where, sort, limit, columns, fmt)
        if out is not None:
            for problem in out[1]:
                warn(problem)
            click.echo(out[0], nl=False)
            if out[1]:
                ctx.exit(1)
            return
    if at:
        with open_history(ctx) as history:
            listing = history.items_at(history.at(at), [kind] if kind else None)
    else:
        listing = t.items([kind] if kind else None)
    expression = None
    if where:  # a mistyped field is an error, before any warning about the files
        expression = t.derived.expression(where, "--where")
        _check_names(t, [i.fields for i in listing.items], expression.names)
    for problem in listing.problems:
        warn(f"warning: {problem.path}:{problem.line or 1}: {problem.message}")
    items = _select(t, listing.items, expression, text, sort)
    if limit is not None:
        items = items[:limit]
    click.echo(_format_list(t, items, columns, fmt, several=kind is None), nl=False)
    if listing.problems:
        ctx.exit(1)


def _from_columns(t: Tracker, kind: str | None, where: str | None, sort: str | None,
                  limit: int | None, columns: list[str] | None, fmt: str
                  ) -> tuple[str, list[str]] | None:
    """The listing read from the snapshot's columns (see columns.py), and the warnings
    for files that could not be read; None without a snapshot.

    It is worked out on the tables as remembered while git checks them, and again
    if git finds that some rows moved since."""
    kinds = [t.ws.kind(kind)] if kind else list(t.kinds.values())
    refresh = t.ws.refresh(kinds)
    if refresh is None:
        return None
    expression = t.derived.expression(where, "--where") if where else None
    early = None
    if len(refresh.remembered) == len(refresh.wanted):
        early = _listing(t, kind, kinds, refresh.remembered, expression, sort, limit,
                         columns, fmt)
    tables, moved = refresh.finish()
    if early is None or moved:
        return _listing(t, kind, kinds, tables, expression, sort, limit, columns, fmt)
    return early


def _listing(t: Tracker, kind: str | None, kinds: list[Kind], tables: dict[str, Any],
             expression: Any, sort: str | None, limit: int | None,
             columns: list[str] | None, fmt: str) -> tuple[str, list[str]]:
    from tracker.core.listing import Rows  # noqa: PLC0415
    from tracker.core.sorting import parse_sort  # noqa: PLC0415

    rows = Rows(t, [(k, tables[k.name]) for k in kinds if k.name in tables])
    problems = []
    for _, table in rows.tables:
        for row, (line, _, reason) in sorted(table.problems.items()):
            problems.append(f"warning: {table.rel(row)}:{line or 1}: {reason}")
    items: list[Item] | None = None
    if expression is not None:
        _check_names(t, [table.column_names() for _, table in rows.tables], expression.names)
        if rows.stored(expression.names):
            rows.filter(expression)
        else:
            items = [i for i in rows.items() if expression.evaluate(t.context(i), default=False)]
    if sort:
        name, descending = parse_sort(sort)
        if items is None and rows.stored([name]):
            rows.sort(name, descending)
        else:
            from tracker.core.sorting import sort_by  # noqa: PLC0415

            items = sort_by(items if items is not None else rows.items(),
                            lambda i: t.context(i).get(name), descending)
    if items is None and limit is not None:
        rows.rows = rows.rows[:limit]
    if items is None and fmt in ("table", "csv", "ids"):
        if fmt == "ids":
            return "".join(f"{rows.value(n, r, 'id')}\n" for n, r in rows.rows), problems
        shown = _columns_for(t, rows.kinds(), columns, kind is None)
        if rows.stored(shown):
            if fmt == "csv":
                return output.csv_text(shown, rows.records(shown)), problems
            cells = rows.cells(shown)
            return output.aligned(shown, cells, fit=sys.stdout.isatty()), problems
    if items is None:
        items = rows.items()
    if limit is not None:
        items = items[:limit]
    return _format_list(t, items, columns, fmt, several=kind is None), problems


def _select(t: Tracker, items: list[Item], expression: Any, text: str | None,
            sort: str | None) -> list[Item]:
    from tracker.core.sorting import grep as make_grep  # noqa: PLC0415
    from tracker.core.sorting import parse_sort, sort_by

    if text:
        match = make_grep(text)
        items = [i for i in items if match(i.title, i.body)]
    if expression is not None:
        items = [i for i in items if expression.evaluate(t.context(i), default=False)]
    if sort:
        name, descending = parse_sort(sort)
        items = sort_by(items, lambda i: t.context(i).get(name), descending)
    return items


def _check_names(t: Tracker, field_names: Iterable[Iterable[str]], names: set[str]) -> None:
    """A usage error for a name no kind declares and no item holds."""
    known = {"id", "kind", "path"}
    for kind in t.kinds.values():
        known.update(kind.fields, kind.computed)
    for fields in field_names:
        known.update(fields)
    unknown = sorted(names - known - {"config", "lookup"})
    if unknown:
        raise UsageError(f"--where: unknown field '{unknown[0]}'")


def _format_list(t: Tracker, items: list[Item], columns: list[str] | None, fmt: str,
                 several: bool) -> str:
    if fmt == "ids":
        return "".join(f"{i.id}\n" for i in items)
    records = [t.record(i, body=False) for i in items]
    if fmt == "json":
        if columns:
            records = [{k: r.get(k) for k in dict.fromkeys(["id", *columns])}
                       for r in records]
        return output.dumps(records) + "\n"
    columns = _columns_for(t, list({i.kind.name: i.kind for i in items}.values()), columns,
                           several)
    if fmt == "csv":
        return output.csv_text(columns, records)
    return output.table(columns, records, fit=sys.stdout.isatty())


def _columns_for(t: Tracker, kinds: list[Kind], columns: list[str] | None,
                 several: bool) -> list[str]:
    """The columns asked for (id first), or the kind's own when the rows are of one."""
    if columns is not None:
        return columns if "id" in columns else ["id", *columns]
    if len(kinds) == 1:
        return ["id", *kinds[0].columns]
    return ["id", "kind", "status", "title"] if several else ["id", "status", "title"]


@click.command("set")
@click.argument("item_id", metavar="ID")
@click.argument("assignments", nargs=-1, metavar="FIELD=VALUE...")
@click.option("--unset", multiple=True, metavar="FIELD", help="Remove a field (repeatable).")
@no_commit_option
@format_option("text", "json")
@click.pass_context
def set_(ctx: click.Context, item_id: str, assignments: tuple[str, ...], unset: tuple[str, ...],
         no_commit: bool, fmt: str) -> None:
    """Change fields of an item; only their lines change in the file."""
    if not assignments and not unset:
        raise UsageError("nothing to change: give FIELD=VALUE or --unset FIELD")
    t = tracker(ctx)
    item = t.set(item_id, parse_assignments(assignments), unset, commit=not no_commit)
    _echo_item(t, item, fmt)


@click.command()
@click.argument("item_id", metavar="ID")
@click.argument("status")
@click.option("--force", is_flag=True, help="Allow a move the workflow does not list.")
@no_commit_option
@format_option("text", "json")
@click.pass_context
def move(ctx: click.Context, item_id: str, status: str, force: bool, no_commit: bool,
         fmt: str) -> None:
    """Move an item to STATUS along its kind's workflow."""
    t = tracker(ctx)
    item = t.move(item_id, status, force=force, commit=not no_commit)
    _echo_item(t, item, fmt)


def _echo_item(t: Tracker, item: Item, fmt: str) -> None:
    if fmt == "json":
        click.echo(output.dumps(t.record(item)))
    else:
        click.echo(item.id)
    for notice in t.notices:
        warn(notice)


@click.command()
@click.argument("item_id", metavar="ID")
@no_commit_option
@click.pass_context
def edit(ctx: click.Context, item_id: str, no_commit: bool) -> None:
    """Edit an item in $VISUAL or $EDITOR; invalid content is never saved."""
    t = tracker(ctx)
    item = t.get(item_id)
    text = item.doc.text
    while True:
        edited = _run_editor(text)
        if edited is None or edited == item.doc.text:
            warn("No changes; the file is as it was.")
            return
        problems = t.validate_text(item, edited)
        if not problems:
            break
        for problem in problems:
            warn(f"{problem.path}:{problem.line or 1}: "
                 + (f"{problem.field}: " if problem.field else "") + problem.message)
        if not click.confirm("Reopen the editor to fix it?", default=True, err=True):
            raise TrackerError("edit abandoned; the file is as it was")
        text = edited
    item, changed = t.replace_text(item.id, edited, commit=not no_commit,
                                   expected=item.doc.text)
    click.echo(item.id if changed else f"{item.id} (unchanged)")


def _run_editor(text: str) -> str | None:
    """The text after the editor ran on a temporary copy, bytes kept (CRLF, BOM)."""
    import os  # noqa: PLC0415
    import tempfile  # noqa: PLC0415

    fd, path = tempfile.mkstemp(suffix=".md", prefix="tracker-edit-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(text.encode("utf-8"))
        before = os.stat(path).st_mtime_ns
        click.edit(filename=path)
        with open(path, "rb") as handle:
            data = handle.read()
        if os.stat(path).st_mtime_ns == before and data == text.encode("utf-8"):
            return None
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise TrackerError("the edited file is not valid UTF-8; nothing saved") from None
    finally:
        os.unlink(path)


COMMANDS = [new, show, list_, set_, move, edit]
