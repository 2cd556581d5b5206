"""`list`: the items of a kind (or of all) that a filter keeps, sorted, at most so many,
as rows; from the snapshot's columns when they hold what is asked, from whole items
otherwise (`--grep`, `--at`, computed fields, no snapshot).

A listing read from the snapshot is worked out on its tables as last remembered while
git checks them, and again if git finds rows that moved: `Listed.use` hands the
caller's work on the rows (formatting) to that window.

`Rows` is the column side: a filter, a sort and the values of a table that read only
the fields they name, and build items only for the rows asked for. Each step answers
exactly as the item-by-item side does (the tests run both on the same trackers); a
step that needs what columns do not hold (a computed field, a rollup, the body) says
so, and items are built for the rows still selected.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Iterable, TypeVar

from tracker.core import read
from tracker.core.order import parse_sort, rank, sort_by
from tracker.model.clock import aware, is_naive
from tracker.model.errors import TrackerError, UsageError
from tracker.model.problems import Problem
from tracker.model.text import fold
from tracker.store.snapshot import ABSENT, Table, id_of
from tracker.store.workspace import Item

if TYPE_CHECKING:
    from tracker.core.session import Session
    from tracker.model.schema import Kind
    from tracker.store.snapshot import Refresh

T = TypeVar("T")


class Rows:
    """Selected rows of several kinds' tables, in listing order."""

    def __init__(self, t: "Session", tables: list[tuple["Kind", Table]]) -> None:
        self.t = t
        self.tables = tables
        self._rows: list[tuple[int, int]] | None = None  # (table number, row); None: all

    @property
    def rows(self) -> list[tuple[int, int]]:
        if self._rows is None:
            self._rows = [(n, row) for n, rows in self._all().items() for row in rows]
        return self._rows

    @rows.setter
    def rows(self, rows: list[tuple[int, int]]) -> None:
        self._rows = rows

    def _all(self) -> dict[int, list[int] | range]:
        """Each table's rows that are items (not problems)."""
        result: dict[int, list[int] | range] = {}
        for n, (_, table) in enumerate(self.tables):
            if table.problems:
                result[n] = [r for r, shape in enumerate(table.shape_of) if shape >= 0]
            else:
                result[n] = range(len(table))
        return result

    def derived_names(self) -> set[str]:
        """Names whose values columns do not hold: computed fields and rollups."""
        names: set[str] = set()
        for kind, _ in self.tables:
            names.update(kind.computed, kind.rollups)
        return names

    def stored(self, names: set[str] | list[str]) -> bool:
        return not (set(names) & self.derived_names())

    def value(self, n: int, row: int, name: str) -> Any:
        """A name's value in one row, as an item's context holds it (ABSENT: not there)."""
        kind, table = self.tables[n]
        if name == "id":
            return id_of(table.names[row])
        if name == "kind":
            return kind.name
        if name == "path":
            return table.rel(row)
        if name in table.column_names():
            value = table.column(name)[row]
            if value is not ABSENT:
                return value
        return None if name in kind.fields else ABSENT

    def filter(self, expression: Any) -> None:
        """Keep the rows for which the expression is true (an error: false)."""
        names = sorted(expression.names)
        extra: dict[str, Any] = {}
        for name in ("config", "lookup"):
            if name in expression.names:
                extra[name] = self.t.ws.config if name == "config" else self.t.derived.lookup
        names = [n for n in names if n not in extra]
        kept: list[tuple[int, int]] = []
        by_table: dict[int, list[int] | range] = {}
        if self._rows is None:
            by_table = self._all()
        else:
            for n, row in self._rows:
                by_table.setdefault(n, []).append(row)  # type: ignore[union-attr]
        for n, rows in by_table.items():
            kept.extend((n, row) for row in self._matching(n, rows, names, extra, expression))
        self.rows = kept

    def _matching(self, n: int, rows: list[int] | range, names: list[str],
                  extra: dict[str, Any], expression: Any) -> list[int]:
        """The rows of table n for which the expression is true."""
        generated = expression.generated
        if generated is not None:  # the compiled function over the columns, ~0.1 µs a row
            columns = [self._argument(n, name, absent, extra)
                       for name, absent in zip(generated.args, generated.absent)]
            from tracker.expr.functions import LimitExceeded  # noqa: PLC0415

            try:
                return _run(generated.function, rows, columns, len(self.tables[n][1]))
            except LimitExceeded as e:  # past a bound: said as the expression's own error
                raise TrackerError(f"{getattr(expression, 'what', '--where')}: expression "
                                 f"'{getattr(expression, 'source', '')}': {e}") from None
        columns = [self._values(n, name) for name in names]
        context = dict(extra)
        evaluate = expression.evaluate
        kept = []
        for row in rows:  # the sandbox, item by item
            for name, column in zip(names, columns):
                if column[row] is ABSENT:
                    context.pop(name, None)
                else:
                    context[name] = column[row]
            if evaluate(context, False):
                kept.append(row)
        return kept

    def _argument(self, n: int, name: str, absent: Any, extra: dict[str, Any]) -> list[Any]:
        """A compiled expression's argument in every row of table n: the value the
        context holds, `absent` where it holds none."""
        if name in extra:
            return [extra[name]] * len(self.tables[n][1])
        column = self._values(n, name)
        if ABSENT in column:
            return [absent if value is ABSENT else value for value in column]
        return column

    def _values(self, n: int, name: str) -> list[Any]:
        """A name's value in every row of table n, as contexts hold it (ABSENT: none)."""
        kind, table = self.tables[n]
        if name == "id":
            return [id_of(file) for file in table.names]
        if name == "kind":
            return [kind.name] * len(table)
        if name == "path":
            return [f"{table.folder}/{file}" for file in table.names]
        if name not in table.column_names():
            return [None if name in kind.fields else ABSENT] * len(table)
        column = table.column(name)
        if name in kind.fields and ABSENT in column:
            column = [None if v is ABSENT else v for v in column]
        spec = kind.fields.get(name)
        if (spec is None or spec.type in ("datetime", "list", "any")) and \
                any(map(is_naive, column)):  # times without offset: the tracker's zone
            column = [aware(v) for v in column]
        return column

    def grep(self, needle: str) -> None:
        """Keep the rows whose title or body holds the needle, in any case and accent
        (each table keeps them folded: `Table.texts`)."""
        folded = fold(needle)
        kept: list[tuple[int, int]] = []
        by_table: dict[int, list[int] | range] = (
            self._all() if self._rows is None else dict(_by_table(self._rows)))
        for n, rows in by_table.items():
            texts = self.tables[n][1].texts
            if texts is None:  # not kept: from the files
                kept.extend((n, r) for r in rows if _holds(self._item(n, r), folded))
                continue
            if isinstance(rows, range):
                kept.extend((n, r) for r, text in enumerate(texts) if folded in text)
            else:
                kept.extend((n, r) for r in rows if folded in texts[r])
        self.rows = kept

    def _item(self, n: int, row: int) -> Item:
        kind, table = self.tables[n]
        name = table.names[row]
        return Item(kind, id_of(name), self.t.ws.folder(kind) / name, table.rel(row),
                    table.fields(row), conflicted=row in table.marked)

    def sort(self, name: str, descending: bool) -> None:
        def value(pair: tuple[int, int]) -> Any:
            found = self.value(pair[0], pair[1], name)
            return None if found is ABSENT else found
        ranks = [rank(kind, name) for kind, _ in self.tables]
        self.rows = sort_by(self.rows, value, descending, lambda pair: ranks[pair[0]])

    def items(self) -> list[Item]:
        """Whole items for the selected rows."""
        return [self._item(n, row) for n, row in self.rows]

    def selected(self, name: str) -> list[Any]:
        """A name's values in the selected rows (None where a row lacks it)."""
        result: list[Any] = []
        if self._rows is None:  # every row of every table, in order: whole columns
            for n, rows in self._all().items():
                column = self._values(n, name)
                if ABSENT in column:
                    column = [None if v is ABSENT else v for v in column]
                result.extend(column if isinstance(rows, range) else [column[r] for r in rows])
            return result
        if name == "id":  # of the rows kept only, not of every file
            return [id_of(self.tables[n][1].names[row]) for n, row in self._rows]
        columns: dict[int, list[Any]] = {}
        for n, row in self._rows:
            if n not in columns:
                columns[n] = self._values(n, name)
            value = columns[n][row]
            result.append(None if value is ABSENT else value)
        return result

    def kinds(self) -> list["Kind"]:
        """The kinds of the selected rows, in order."""
        if self._rows is None:
            return [self.tables[n][0] for n, rows in self._all().items() if len(rows)]
        seen = dict.fromkeys(n for n, _ in self._rows)
        return [self.tables[n][0] for n in seen]


def _run(function: Any, rows: list[int] | range, columns: list[list[Any]], size: int
         ) -> list[int]:
    """The rows for which the compiled function, given their values, is true."""
    from tracker.expr.functions import ERRORS  # noqa: PLC0415

    if isinstance(rows, range) and rows == range(size):
        values: Any = zip(*columns) if columns else ((),) * size
    else:
        values = zip(*[[c[r] for r in rows] for c in columns]) if columns else ((),) * len(rows)
    kept = []
    for row, args in zip(rows, values):
        try:
            if function(*args):
                kept.append(row)
        except ERRORS:
            pass
    return kept


# ---------------------------------------------------------------- the listing


class Listed:
    """What `list` found, in order: the rows, the columns a table of them shows, and the
    files that could not be read. Rows come from the snapshot's columns while what is
    asked of them is stored there; whole items are built otherwise, once.

    Read from the snapshot, a listing may be worked out on the tables as remembered
    while git still checks them; `use` does its work meanwhile, and again if git finds
    that rows moved. Anything else read of a listing waits for git's word first."""

    def __init__(self, t: "Session", fields: list[str] | None, several: bool,
                 found: tuple[Rows | list[Item], list[Problem]],
                 checking: tuple[Refresh, Callable[[dict[str, Table]], Any]] | None = None
                 ) -> None:
        self.t = t
        self.fields = fields
        self.several = several  # not one kind asked for: a table names the kinds
        self._take(*found)
        self._checking = checking  # git still checks the tables; how to work out again
        self._using = False

    def _take(self, source: Rows | list[Item], problems: list[Problem]) -> None:
        self._rows = source if isinstance(source, Rows) else None
        self._items = source if isinstance(source, list) else None
        self._records: list[dict[str, Any]] | None = None
        self._problems = problems

    def use(self, function: Callable[[Listed], T]) -> T:
        """What `function` makes of this listing, worked out while git checks the tables
        it was read from, and again if some rows moved meanwhile."""
        if self._checking is None:
            return function(self)
        self._using = True
        try:
            early = function(self)
        finally:
            self._using = False
        return function(self) if self._settle() else early

    def _settle(self) -> bool:
        """Take git's word on the tables; True when rows moved (worked out again)."""
        assert self._checking is not None
        refresh, again = self._checking
        self._checking = None
        tables, moved = refresh.finish()
        if moved:
            self._take(*again(tables))
        return bool(moved)

    def _ready(self) -> None:
        if self._checking is not None and not self._using:
            self._settle()

    @property
    def problems(self) -> list[Problem]:
        """The files that could not be read, as `check` reports them."""
        self._ready()
        return self._problems

    @property
    def ids(self) -> list[str]:
        """The rows' ids, in order."""
        self._ready()
        if self._rows is not None:
            return self._rows.selected("id")
        return [item.id for item in self.items()]

    @property
    def rows(self) -> list[dict[str, Any]]:
        """Each row as `tracker list --format json` prints it: with `fields` (not empty),
        id and those (None where absent); otherwise the whole record (fields, computed,
        no body)."""
        if not self.fields:
            return self.records()
        keys = list(dict.fromkeys(["id", *self.fields]))
        values = self.values(keys)
        return [dict(zip(keys, row)) for row in zip(*values)]

    @property
    def columns(self) -> list[str]:
        """The columns a table shows: the fields asked for (id first unless placed), or
        the kind's own columns when the rows are of one kind."""
        self._ready()
        if self.fields is not None:
            return self.fields if "id" in self.fields else ["id", *self.fields]
        if self._rows is not None:
            kinds = self._rows.kinds()
        else:
            kinds = list({i.kind.name: i.kind for i in self.items()}.values())
        if len(kinds) == 1:
            return ["id", *kinds[0].columns]
        return ["id", "kind", "status", "title"] if self.several else ["id", "status", "title"]

    def values(self, names: list[str]) -> list[list[Any]]:
        """Each name's values in the rows, in row order (None where absent)."""
        self._ready()
        if self._rows is not None and self._rows.stored(names):
            return [self._rows.selected(name) for name in names]
        records = self.records()
        return [[r.get(name) for r in records] for name in names]

    def items(self) -> list[Item]:
        """The whole items of the rows."""
        self._ready()
        if self._items is None:
            assert self._rows is not None
            self._items = self._rows.items()
        return self._items

    def records(self) -> list[dict[str, Any]]:
        """The rows' whole records (`Tracker.record` without the body)."""
        if self._records is None:
            self._records = [read.record(self.t, i, body=False) for i in self.items()]
        return self._records


def select(t: "Session", kind: str | None, where: str | None, grep: str | None,
           sort: str | None, fields: Iterable[str] | None, limit: int | None,
           at: str | None, federation: bool = False) -> Listed:
    """The listing `Tracker.list` describes."""
    chosen = list(fields) if fields is not None else None
    if federation and at:
        raise UsageError("give --federation or --at, not both")
    if not at and not federation and (grep is None or "\0" not in grep):
        found = _from_columns(t, kind, where, grep, sort, limit, chosen)
        if found is not None:
            return found
    if federation:
        from tracker.core import federation as members  # noqa: PLC0415

        listing = members.items(t, [kind] if kind else None)
    elif at:
        from tracker.core.history import History  # noqa: PLC0415 - git objects only for --at

        with History(t) as history:
            listing = history.items_at(history.at(at), [kind] if kind else None)
    else:
        listing = read.items(t, [kind] if kind else None)
    expression = None
    if where:  # a mistyped field is an error, before any warning about the files
        expression = t.derived.expression(where, "--where")
        _check_names(t, [i.fields for i in listing.items], expression.names)
    items = _select(t, listing.items, expression, grep, sort)
    if limit is not None:
        items = items[:limit]
    return Listed(t, chosen, kind is None, (items, listing.problems))


def _from_columns(t: "Session", kind: str | None, where: str | None, grep: str | None,
                  sort: str | None, limit: int | None, fields: list[str] | None
                  ) -> Listed | None:
    """The listing from the snapshot's columns; None without a snapshot. With every
    kind's table remembered, it is worked out on them while git checks them (see
    `Listed.use`)."""
    kinds = [t.ws.kind(kind)] if kind else list(t.kinds.values())
    refresh = t.ws.refresh(kinds)
    if refresh is None:
        return None
    expression = t.derived.expression(where, "--where") if where else None

    def found(tables: dict[str, Table]) -> tuple[Rows | list[Item], list[Problem]]:
        return _from_tables(t, kinds, tables, expression, grep, sort, limit)
    if len(refresh.remembered) == len(refresh.wanted):
        return Listed(t, fields, kind is None, found(refresh.remembered), (refresh, found))
    return Listed(t, fields, kind is None, found(refresh.finish()[0]))


def _from_tables(t: "Session", kinds: list[Kind], tables: dict[str, Table], expression: Any,
                 grep: str | None, sort: str | None, limit: int | None
                 ) -> tuple[Rows | list[Item], list[Problem]]:
    """The rows the filter keeps, sorted and limited (whole items where columns do not
    hold what the filter or the sort needs), and the files that could not be read."""
    rows = Rows(t, [(k, tables[k.name]) for k in kinds if k.name in tables])
    problems = [Problem.of(e) for e in t.ws.folder_problems(kinds)]
    problems += [Problem(table.rel(row), line, field, reason) for _, table in rows.tables
                 for row, (line, field, reason) in sorted(table.problems.items())]
    items: list[Item] | None = None
    if grep:
        rows.grep(grep)
    if expression is not None:
        _check_names(t, [table.column_names() for _, table in rows.tables], expression.names)
        if rows.stored(expression.names):
            rows.filter(expression)
        else:
            items = [i for i in rows.items()
                     if expression.evaluate(t.derived.context(i), default=False)]
    if sort:
        name, descending = parse_sort(sort)
        if items is None and rows.stored([name]):
            rows.sort(name, descending)
        else:
            items = sort_items(t, items if items is not None else rows.items(), name,
                               descending)
    if items is None:
        if limit is not None:
            rows.rows = rows.rows[:limit]
        return rows, problems
    return (items if limit is None else items[:limit]), problems


def _by_table(rows: list[tuple[int, int]]) -> dict[int, list[int]]:
    by_table: dict[int, list[int]] = {}
    for n, row in rows:
        by_table.setdefault(n, []).append(row)
    return by_table


def _holds(item: Item, folded: str) -> bool:
    """Whether the item's title or body holds the folded needle (any case, any accent)."""
    return folded in fold(item.title) or folded in fold(item.body)


def _select(t: "Session", items: list[Item], expression: Any, grep: str | None,
            sort: str | None) -> list[Item]:
    if grep:
        folded = fold(grep)
        items = [i for i in items if _holds(i, folded)]
    if expression is not None:
        items = [i for i in items if expression.evaluate(t.derived.context(i), default=False)]
    if sort:
        name, descending = parse_sort(sort)
        items = sort_items(t, items, name, descending)
    return items


def sort_items(t: "Session", items: list[Item], name: str, descending: bool) -> list[Item]:
    """Whole items by a name's value in their context (computed fields too), an enum's
    values in their kind's declared order."""
    ranks: dict[str, dict[str, int] | None] = {}

    def ranked(item: Item) -> dict[str, int] | None:
        if item.kind.name not in ranks:
            ranks[item.kind.name] = rank(item.kind, name)
        return ranks[item.kind.name]
    return sort_by(items, lambda i: t.derived.context(i).get(name), descending, ranked)


def _check_names(t: "Session", field_names: Iterable[Iterable[str]], names: set[str]) -> None:
    """A usage error for a name no kind declares and no item holds."""
    known = {"id", "kind", "path"}
    for kind in t.kinds.values():
        known.update(kind.fields, kind.computed)
    for fields in field_names:
        known.update(fields)
    unknown = sorted(names - known - {"config", "lookup"})
    if unknown:
        raise UsageError(f"--where: unknown field '{unknown[0]}' (text to compare with is "
                         f"quoted: '{unknown[0]}')")
