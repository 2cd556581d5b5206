"""Item commands: new, show, list, set, move, edit."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, TextIO

import click

from tracker.cli import common, output, terminal
from tracker.cli.common import completer, format_option, no_commit_option, tracker, warn
from tracker.model.errors import TrackerError, UsageError, one_line

if TYPE_CHECKING:
    from tracker.api import Item, Listed, Tracker


def parse_assignments(pairs: tuple[str, ...]) -> dict[str, str]:
    from tracker.api import parse_assignments as parse  # noqa: PLC0415

    return parse(pairs)


FORCE_HELP = "Add a field the kind does not declare even when its name is close to a " \
    "declared one (refused as a likely typo otherwise)."


@click.command()
@click.argument("kind", shell_complete=completer("kinds"))
@click.argument("title")
@click.option("--set", "assignments", multiple=True, metavar="FIELD=VALUE",
              shell_complete=completer("assignments"),
              help="Set a field (repeatable).")
@click.option("--body", help="The Markdown body.")
@click.option("--body-file", type=click.File("r", encoding="utf-8"),
              help="Read the body from a file, or '-' for standard input.")
@click.option("--force", is_flag=True, help=FORCE_HELP)
@no_commit_option
@format_option("text", "json")
@click.pass_context
def new(ctx: click.Context, kind: str, title: str, assignments: tuple[str, ...],
        body: str | None, body_file: TextIO | None, force: bool, no_commit: bool,
        fmt: str) -> None:
    """Create an item of KIND titled TITLE and print its id."""
    if body is not None and body_file is not None:
        raise UsageError("give the body with --body or --body-file, not both")
    text = body_file.read() if body_file is not None else (body or "")
    t = tracker(ctx)
    item = t.new(kind, title, parse_assignments(assignments), text, commit=not no_commit,
                 force=force)
    if fmt == "json":
        click.echo(output.dumps({"id": item.id, "path": item.rel}))
    else:
        click.echo(item.id)


AT_HELP = "Read the state at a revision, or at the last commit on or before a date."
FEDERATION_HELP = "Read this repository and every federation member at its fetched head " \
    "(ids qualified: 93:ID)."


@click.command()
@click.argument("item_id", metavar="ID", shell_complete=completer("ids"))
@click.option("--at", "at", metavar="REV|DATE", help=AT_HELP)
@click.option("--federation", "federated", is_flag=True, help=FEDERATION_HELP)
@common.raw_option
@format_option("text", "json")
@click.pass_context
def show(ctx: click.Context, item_id: str, at: str | None, federated: bool, raw: bool,
         fmt: str) -> None:
    """Show one item (any unique prefix of its id works)."""
    t = tracker(ctx)
    if federated and at:
        raise UsageError("give --federation or --at, not both")
    item = t.federation().get(t, item_id) if federated else t.get(item_id, at=at)
    record = t.record(item)
    if fmt == "json":
        click.echo(output.dumps(record))
        return
    terminal.page(_show_text(t, item, record, common.raw(ctx, raw)))


def _show_text(t: Tracker, item: Item, record: dict[str, Any], raw: bool = False) -> str:
    from tracker.model import language  # noqa: PLC0415

    kind = item.kind
    word = (lambda key: key) if raw else language.word
    kind_name = kind.name if raw or not kind.label else kind.label
    lines = [one_line(f"{item.id}  {item.title}"),  # a name or title holding a newline
             one_line(f"{word('kind')}: {kind_name}  {word('path')}: {item.rel}")]
    computed = t.computed(item)
    for key, value in record.items():
        if key in ("id", "kind", "path", "title", "body"):
            continue
        mark = f" ({word('computed')})" if key in computed else ""
        shown = output.cell(value) if raw else output.shown(kind, key, value)
        if key == "status" and shown:
            shown = terminal.style(shown, terminal.status_role(str(value)))
        name = key if raw else output.header(key, [kind])
        lines.append(f"{name}{mark}: {shown}")
    body = item.body.strip("\n")
    return "\n".join(lines) + ("\n\n" + body if body else "") + "\n"


@click.command("list")
@click.argument("kind", required=False, shell_complete=completer("kinds"))
@click.option("--where", "where", metavar="EXPR",
              help="Keep items for which this expression is true, e.g. \"status != 'done'\".")
@click.option("--grep", "text", metavar="TEXT",
              help="Search title and body (any case, any accent).")
@click.option("--sort", "sort", metavar="[-]FIELD", help="Sort by a field; '-' for descending.")
@click.option("--fields", metavar="a,b", help="Columns (or JSON keys) to show.")
@click.option("--limit", type=click.IntRange(min=0), help="Show at most N items.")
@click.option("--at", "at", metavar="REV|DATE", help=AT_HELP)
@click.option("--federation", "federated", is_flag=True, help=FEDERATION_HELP)
@common.raw_option
@format_option("table", "json", "csv", "ids")
@click.pass_context
def list_(ctx: click.Context, kind: str | None, where: str | None, text: str | None,
          sort: str | None, fields: str | None, limit: int | None, at: str | None,
          federated: bool, raw: bool, fmt: str) -> None:
    """List items, optionally of one KIND, filtered and sorted."""
    columns = [c.strip() for c in fields.split(",") if c.strip()] if fields else None
    if federated and columns and fmt == "json" and "member" not in columns:
        columns = ["id", "member", *[c for c in columns if c != "id"]]
    t = tracker(ctx)
    listed = t.list(kind, where, text, sort, columns, limit, at, federated)
    names = common.raw(ctx, raw)
    shown = listed.use(lambda found: _format_list(t, found, fmt, names))  # while git checks
    for problem in listed.problems:
        warn(f"warning: {problem.path}:{problem.line or 1}: {problem.message}")
    terminal.page(shown)
    if listed.problems:
        ctx.exit(1)


def _format_list(t: Tracker, listed: Listed, fmt: str, raw: bool = False) -> str:
    if fmt == "ids":
        return "".join(f"{item_id}\n" for item_id in listed.ids)
    if fmt == "json":
        return output.dumps(listed.rows) + "\n"
    columns = listed.columns
    values = listed.values(columns)
    if fmt == "csv":
        return output.csv_text(columns, [dict(zip(columns, row)) for row in zip(*values)])
    if raw:
        return terminal.header_line(terminal.status_column(output.aligned(
            columns, [output.cells(column) for column in values], fit=sys.stdout.isatty())))
    kinds = _row_kinds(t, listed, len(values[0]) if values else 0)
    heads, cells = output.labelled(columns, values, kinds)
    status = heads[columns.index("status")] if "status" in columns else "STATUS"
    return terminal.header_line(terminal.status_column(
        output.aligned(heads, cells, fit=sys.stdout.isatty()), name=status,
        slugs=output.status_names({id(k): k for k in kinds}.values())))


def _row_kinds(t: Tracker, listed: Listed, count: int) -> list[Any]:
    """Each row's kind (one kind for all when the listing is of one)."""
    names = listed.values(["kind"])[0]
    distinct = set(names)
    if len(distinct) <= 1:
        kind = t.kinds.get(next(iter(distinct))) if distinct else None
        return [kind] * max(count, 1)
    return [t.kinds.get(name) for name in names]


@click.command("set")
@click.argument("item_id", metavar="ID", shell_complete=completer("ids"))
@click.argument("assignments", nargs=-1, metavar="FIELD=VALUE...",
                shell_complete=completer("assignments"))
@click.option("--unset", multiple=True, metavar="FIELD", shell_complete=completer("fields"),
              help="Remove a field (repeatable).")
@click.option("--force", is_flag=True, help=FORCE_HELP)
@no_commit_option
@format_option("text", "json")
@common.raw_option
@click.pass_context
def set_(ctx: click.Context, item_id: str, assignments: tuple[str, ...], unset: tuple[str, ...],
         force: bool, no_commit: bool, fmt: str, raw: bool) -> None:
    """Change fields of an item; only their lines change in the file."""
    if not assignments and not unset:
        raise UsageError("nothing to change: give FIELD=VALUE or --unset FIELD")
    t = tracker(ctx)
    item = t.set(item_id, parse_assignments(assignments), unset, commit=not no_commit,
                 force=force)
    _echo_item(t, item, fmt, common.raw(ctx, raw))


@click.command()
@click.argument("item_id", metavar="ID", shell_complete=completer("ids"))
@click.argument("status", shell_complete=completer("statuses"))
@click.option("--force", is_flag=True, help="Allow a move the workflow does not list.")
@no_commit_option
@format_option("text", "json")
@common.raw_option
@click.pass_context
def move(ctx: click.Context, item_id: str, status: str, force: bool, no_commit: bool,
         fmt: str, raw: bool) -> None:
    """Move an item to STATUS along its kind's workflow."""
    t = tracker(ctx)
    item = t.move(item_id, status, force=force, commit=not no_commit)
    _echo_item(t, item, fmt, common.raw(ctx, raw))


def _echo_item(t: Tracker, item: Item, fmt: str, raw: bool = False) -> None:
    if fmt == "json":
        click.echo(output.dumps(t.record(item)))
    else:
        click.echo(item.id)
    terminal.say_changes(t.changes, item.kind, raw)  # as the fast path's (fast._set_or_new)
    for notice in t.notices:
        warn(notice)


@click.command()
@click.argument("item_id", metavar="ID", shell_complete=completer("ids"))
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
            raise TrackerError("edit abandoned; the file is as it was; your text is kept in "
                               + _keep(item.id, edited))
        text = edited
    try:
        item, changed = t.replace_text(item.id, edited, commit=not no_commit,
                                       expected=item.doc.text)
    except TrackerError as e:  # changed meanwhile, or refused: no typing is lost
        kept = TrackerError(f"{e}; your text is kept in {_keep(item.id, edited)}")
        kept.exit_code = e.exit_code
        raise kept from None
    click.echo(item.id if changed else f"{item.id} (unchanged)")


def _keep(item_id: str, text: str) -> str:
    """Keep an edit that was not saved in a file of its own; its path."""
    import os  # noqa: PLC0415
    import tempfile  # noqa: PLC0415

    fd, path = tempfile.mkstemp(suffix=".md", prefix=f"tracker-edit-{item_id}-")
    with os.fdopen(fd, "wb") as handle:
        handle.write(text.encode("utf-8"))
    return path


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
