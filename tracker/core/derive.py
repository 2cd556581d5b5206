"""Values derived from the items, never stored: rollups (counts and sums gathered from
items of another kind), computed fields, and the kinds' check rules.

Order for one item: its fields, then its rollups, then its computed fields, each able
to use what came before. Rollups read the source kind's fields and computed fields
(not its rollups, so two kinds can never roll up from each other in a loop).
"""

from __future__ import annotations

from tracker.core import read
from tracker.model import clock
from tracker.model.clock import is_naive
from tracker.model.errors import TrackerError
from tracker.model.schema import Kind, Rollup
from tracker.store.workspace import ItemFile

TYPE_CHECKING = False  # typing is not imported at run time (start-up)
if TYPE_CHECKING:
    from typing import Any, Callable

    from tracker.core.session import Session
    from tracker.store.workspace import Item


class Derived:
    """Derived values over one tracker, computed lazily and cached for one command."""

    def __init__(self, session: "Session") -> None:
        self.t = session
        self._expressions: dict[tuple[str, str], Any] = {}
        self._tables: dict[tuple[str, str], dict[str, Any]] = {}
        self._sources: dict[str, list[dict[str, Any]]] = {}
        self._lookups: dict[str, dict[str, Any] | None] = {}
        self._admitted: dict[str, "Item"] = {}  # items a batch will write, by id
        self._places: dict[str, dict[Any, int]] = {}  # kind: id -> index in _sources
        self._pool: dict[str, "Item"] | None = None  # a federated read's items, by id

    def pool(self, items: "list[Item] | None") -> None:
        """Rollups and lookups read these items (a federation's, core/federation.py)
        instead of the tracker's own files; None: back to the files."""
        self._pool = None if items is None else {i.id: i for i in items}
        self._tables.clear()
        self._sources.clear()
        self._lookups.clear()
        self._places.clear()

    def expression(self, source: str, what: str) -> Any:
        """The compiled expression (`names`, `generated`, `evaluate`), remembered across
        runs in the cache folder when there is one."""
        key = (source, what)
        if key not in self._expressions:
            from tracker.expr import cache, functions  # noqa: PLC0415 - only when one is met
            from tracker.store import cache as store_cache  # noqa: PLC0415

            functions.configure(self.t.ws.config)  # expressions.seconds

            file = store_cache.file(self.t.ws.top, store_cache.EXPRESSIONS)
            remembered = cache.remembered(file) if file is not None else None
            self._expressions[key] = cache.expression(source, what, remembered)
        return self._expressions[key]

    # ------------------------------------------------------------ contexts

    def base(self, item: "Item") -> dict[str, Any]:
        """Every schema field (None when absent), the file's fields, and the helpers."""
        context: dict[str, Any] = dict.fromkeys(item.kind.fields)
        context.update(item.fields)
        for name, value in item.fields.items():  # a time without offset: the tracker's zone
            if is_naive(value):
                context[name] = clock.aware(value)
        context.update(id=item.id, kind=item.kind.name, path=item.rel,
                       config=self.t.ws.config, lookup=self.lookup)
        return context

    def values(self, item: "Item", rollups: bool = True) -> dict[str, Any]:
        """Rollups then computed fields, in the kind's order."""
        kind = item.kind
        if not kind.computed and not (rollups and kind.rollups):
            return {}
        context = self.base(item)
        values: dict[str, Any] = {}
        if rollups:
            for name, spec in kind.rollups.items():
                values[name] = context[name] = self.rollup(kind, name, spec, context)
        for name, source in kind.computed.items():
            what = f"{kind.source or kind.name}: computed '{name}'"
            expression = self.expression(source, what)
            values[name] = context[name] = expression.evaluate(context)
        return values

    def context(self, item: "Item") -> dict[str, Any]:
        context = self.base(item)
        context.update(self.values(item))
        return context

    # ------------------------------------------------------------ rollups

    def rollup(self, kind: Kind, name: str, spec: Rollup, parent: dict[str, Any]) -> Any:
        what = f"{kind.source or kind.name}: rollup '{name}' where"
        where = self.expression(spec.where, what) if spec.where else None
        if spec.via and (where is None or "parent" not in where.names):
            table = self._tables.get((kind.name, name))
            if table is None:
                table = self._tables[(kind.name, name)] = self._via_table(
                    spec, where, what.replace(" where", " sum"))
            return table.get(parent["id"], 0)
        return self._aggregate(spec, parent, self._children(spec.source), what)

    def _via_table(self, spec: Rollup, where: Any, what: str) -> dict[str, Any]:
        """One pass over the source items, totals keyed by the parent id they name."""
        table: dict[str, Any] = {}
        value = self._value_of(spec, what)
        children = self._children(spec.source)
        if where is not None:
            children = [c for c in children if where.evaluate(c, default=False)]
        for child in children:
            link = child.get(spec.via or "")
            for target in link if isinstance(link, list) else [link]:
                if isinstance(target, str):
                    table[target] = table.get(target, 0) + value(child, {})
        return table

    def _aggregate(self, spec: Rollup, parent: dict[str, Any],
                   children: list[dict[str, Any]], what: str = "rollup where") -> Any:
        where = self.expression(spec.where, what) if spec.where else None
        value = self._value_of(spec, what.replace(" where", " sum"))
        total: Any = 0
        for child in children:
            if spec.via and child.get(spec.via) != parent["id"]:
                continue
            if where and not where.evaluate({**child, "parent": parent}, default=False):
                continue
            total += value(child, parent)
        return total

    def _value_of(self, spec: Rollup, what: str = "rollup sum"
                  ) -> Callable[[dict[str, Any], dict[str, Any]], Any]:
        if spec.count:
            return lambda child, parent: 1
        field = spec.sum or ""
        if field.isidentifier():
            return lambda child, parent: _number(child.get(field))
        expression = self.expression(field, what)
        return lambda child, parent: _number(expression.evaluate(
            {**child, "parent": parent, "fields": child}))

    def _children(self, kind_name: str) -> list[dict[str, Any]]:
        if kind_name not in self._sources:
            kind = self.t.kinds.get(kind_name)
            if self._pool is not None:
                items = [i for i in self._pool.values() if i.kind.name == kind_name]
            else:
                items = read.items(self.t, [kind_name]).items if kind else []
            admitted = {i.id: i for i in self._admitted.values() if i.kind.name == kind_name}
            items = [admitted.pop(i.id, i) for i in items] + list(admitted.values())
            self._sources[kind_name] = [{**self.base(i), **self.values(i, rollups=False)}
                                        for i in items]
        return self._sources[kind_name]

    # ------------------------------------------------------------ lookups and rules

    def lookup(self, item_id: Any) -> dict[str, Any] | None:
        """Another item's fields and computed values, by exact id (None if absent)."""
        if not isinstance(item_id, str):
            return None
        if item_id not in self._lookups and item_id in self._admitted:
            other = self._admitted[item_id]
            self._lookups[item_id] = {**self.base(other), **self.values(other, rollups=False)}
        if item_id not in self._lookups and self._pool is not None:
            found = self._pool.get(item_id)
            self._lookups[item_id] = None if found is None else \
                {**self.base(found), **self.values(found, rollups=False)}
        if item_id not in self._lookups:
            self._lookups[item_id] = None
            for kind in self.t.kinds.values():
                try:
                    path = self.t.ws.path_for(kind, item_id)
                except TrackerError:  # an invalid id simply finds nothing
                    return None
                if path.is_file():
                    other = self.t.ws.load(ItemFile(kind, item_id, path))
                    self._lookups[item_id] = {**self.base(other),
                                              **self.values(other, rollups=False)}
                    break
        return self._lookups[item_id]

    def admit(self, item: "Item") -> None:
        """An item a batch will write (not on disk yet): `lookup` finds it as written."""
        self._admitted[item.id] = item
        self._lookups.pop(item.id, None)
        children = self._sources.get(item.kind.name)
        if children is not None:  # rollups over this kind see the batch's items too
            places = self._places.setdefault(item.kind.name, {
                c.get("id"): n for n, c in enumerate(children)})
            row = {**self.base(item), **self.values(item, rollups=False)}
            if item.id in places:
                children[places[item.id]] = row
            else:
                places[item.id] = len(children)
                children.append(row)

    def rule_problems(self, item: "Item", warnings: bool = True
                      ) -> list[tuple[str | None, str, str]]:
        """(field, message, severity) for each of the kind's rules this item breaks (its
        rules of `severity: warning` left out with `warnings=False`)."""
        rules = [r for r in item.kind.checks if warnings or r.severity != "warning"]
        if not rules:
            return []
        context = self.context(item)
        broken = []
        for rule in rules:
            what = f"{item.kind.source or item.kind.name}: check"
            expression = self.expression(rule.rule, what)
            outcome = expression.evaluate(context, default=_FAILED)
            if outcome is _FAILED:  # never a silent pass: say the rule was not checked
                broken.append((rule.field, f"{rule.message}: not checked, the rule "
                               f"'{rule.rule}' cannot be evaluated ({_why(expression, context)})",
                               rule.severity))
            elif not outcome:
                broken.append((rule.field, rule.message, rule.severity))
        return broken


_FAILED = object()


def _why(expression: Any, context: dict[str, Any]) -> str:
    """The error a rule met, in one line (the sandbox gives only its default)."""
    generated = getattr(expression, "generated", None) or getattr(expression, "_fast", None)
    if generated is not None:
        try:
            generated.call(context)
        except Exception as e:  # noqa: BLE001 - any error is the reason
            from tracker.expr.functions import plain_error  # noqa: PLC0415

            return plain_error(e)
    return "an error or an undefined value"


def _number(value: Any) -> Any:
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else 0
