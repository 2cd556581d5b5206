"""`list` straight from the snapshot's columns: a filter, a sort and a table that read
only the fields they name, and build items only for the rows they show.

Each step answers exactly as the item-by-item path in cli/items.py does (the tests
run both on the same trackers); a step that needs what columns do not hold (a
computed field, a rollup, the body) says so by returning None, and the caller falls
back to whole items for the rows still selected.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tracker.store.snapshot import ABSENT, Table, id_of
from tracker.store.workspace import Item

if TYPE_CHECKING:
    from tracker.api import Tracker
    from tracker.model.schema import Kind

SYSTEM = ("id", "kind", "path")


class Rows:
    """Selected rows of several kinds' tables, in listing order."""

    def __init__(self, t: "Tracker", tables: list[tuple["Kind", Table]]) -> None:
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
            return _run(generated.function, rows, columns, len(self.tables[n][1]))
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
            return [None if v is ABSENT else v for v in column]
        return column

    def sort(self, name: str, descending: bool) -> None:
        from tracker.core.sorting import sort_by  # noqa: PLC0415

        def value(pair: tuple[int, int]) -> Any:
            found = self.value(pair[0], pair[1], name)
            return None if found is ABSENT else found
        self.rows = sort_by(self.rows, value, descending)

    def items(self) -> list[Item]:
        """Whole items for the selected rows."""
        result = []
        for n, row in self.rows:
            kind, table = self.tables[n]
            name = table.names[row]
            result.append(Item(kind, id_of(name), self.t.ws.folder(kind) / name, table.rel(row),
                               table.fields(row), conflicted=row in table.marked))
        return result

    def cells(self, columns: list[str]) -> list[list[str]]:
        """Each column's cell text for the selected rows, as a table shows records."""
        from tracker.model.values import text  # noqa: PLC0415

        result = []
        for name in columns:
            texts: list[str] = []
            values: dict[int, list[Any]] = {}
            for n, row in self.rows:
                if n not in values:
                    values[n] = self._values(n, name)
                value = values[n][row]
                if type(value) is str:
                    texts.append(" ".join(value.split()))
                else:
                    texts.append("" if value is ABSENT else text(value, one_line=True))
            result.append(texts)
        return result

    def records(self, columns: list[str]) -> list[dict[str, Any]]:
        """{column: value} for the selected rows, as `Tracker.record` would give them."""
        values = {name: self._selected(name) for name in columns}
        return [{name: values[name][i] for name in columns
                 if values[name][i] is not ABSENT and values[name][i] is not None}
                for i in range(len(self.rows))]

    def _selected(self, name: str) -> list[Any]:
        """A name's values in the selected rows."""
        values: dict[int, list[Any]] = {}
        result = []
        for n, row in self.rows:
            if n not in values:
                values[n] = self._values(n, name)
            result.append(values[n][row])
        return result

    def kinds(self) -> list["Kind"]:
        """The kinds of the selected rows, in order."""
        seen = dict.fromkeys(n for n, _ in self.rows)
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
