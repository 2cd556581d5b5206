"""The site's home page panels, declared as data in the config's `dashboard:` list.

Each panel is a mapping with a `type`:

- `metric`: one or more values over a kind's items (`value`, or `values:` with a
  `label`, a `where` and a `value` each): expressions of the sandboxed language;
- `list`: a kind's items through `where`, `sort` and `limit` (as `tracker list`), showing
  `fields`;
- `count`: a kind's items counted by `by` (default `status`), in declared order;
- `burnup`: a kind's scope and done per day, or a field summed per day, with a target.

Every expression is compiled by `tracker.expr` (the sandbox, bounded); a panel that does
not parse (judged by core/dashboard.py, as `tracker check` reports it) stops the build
with one line naming the config file and the panel. What a
panel shows is data handed to `site/index.html.j2`, which escapes it.
"""

from __future__ import annotations

from typing import Any

from tracker.api import CONFIG_DIR, Tracker
from tracker.expr import jinja as sandbox
from tracker.model.errors import TrackerError, UsageError

FILE = f"{CONFIG_DIR}/config.yaml"
TYPES = ("metric", "list", "count", "burnup")
FORMATS = ("number", "percent", "one_in", "text", "periods")
MAX_PANELS = 40
MAX_LIMIT = 100


def panels(t: Tracker, items: list[dict[str, Any]], history: Any) -> list[dict[str, Any]]:
    """The config's panels with what each shows; [] when the config declares none."""
    declared = t.ws.config.get("dashboard")
    if declared is None:
        return []
    found = t.dashboard_problems()  # as `check` reports them (core/dashboard.py)
    if found:
        raise UsageError(f"{FILE}: {found[0]}")
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for record in items:
        by_kind.setdefault(record["kind"], []).append(record)
    return [_Panel(t, n, spec, by_kind, history).build() for n, spec in enumerate(declared, 1)]


class _Panel:
    def __init__(self, t: Tracker, number: int, spec: Any,
                 by_kind: dict[str, list[dict[str, Any]]], history: Any) -> None:
        self.t, self.by_kind, self.history = t, by_kind, history
        title = spec.get("title") if isinstance(spec, dict) else None
        self.what = f"{FILE}: dashboard panel {number}" + (f" ({title})" if title else "")
        if not isinstance(spec, dict):
            raise self.error("a mapping with a type and a title")
        self.spec, self.title = spec, str(title or "")
        self.type = spec.get("type")
        if self.type not in TYPES:
            raise self.error(f"type: one of {', '.join(TYPES)} (found {self.type!r})")

    def error(self, message: str) -> UsageError:
        return UsageError(f"{self.what}: {message}")

    def build(self) -> dict[str, Any]:
        panel: dict[str, Any] = {"type": self.type, "title": self.title}
        if self.type == "metric":
            panel["values"] = self._metric()
        elif self.type == "list":
            panel.update(self._list())
        elif self.type == "count":
            panel.update(self._count())
        else:
            panel.update(self._burnup())
        return panel

    # ------------------------------------------------------------ pieces

    def _kind(self, required: bool = True) -> str | None:
        kind = self.spec.get("kind")
        if kind is None and not required:
            return None
        if not isinstance(kind, str) or kind not in self.t.kinds:
            raise self.error(f"kind: one of {', '.join(sorted(self.t.kinds))} (found {kind!r})")
        return kind

    def _selected(self, kind: str | None, *wheres: Any, sort: Any = None,
                  limit: int | None = None) -> list[dict[str, Any]]:
        """The kind's items (those the site shows) for which every `where` holds, in the
        order of `sort`, as `tracker list --where --sort --limit` picks them."""
        if kind is None:
            return []
        clauses = [w for w in wheres if w is not None]
        for clause in clauses:
            if not isinstance(clause, str):
                raise self.error(f"where: an expression, as for list --where (found {clause!r})")
        where = " and ".join(f"({c})" for c in clauses) or None
        if where is None and sort is None:
            records = self.by_kind.get(kind, [])
            return records[:limit] if limit is not None else records
        try:
            listed = self.t.list(kind, where, None, sort, None, None)
            ids = listed.values(["id"])[0]
        except TrackerError as e:
            raise self.error(str(e)) from None
        shown = {r["id"]: r for r in self.by_kind.get(kind, [])}
        chosen = [shown[i] for i in ids if i in shown]
        return chosen[:limit] if limit is not None else chosen

    def _expression(self, source: Any, label: str) -> Any:
        if not isinstance(source, str) or not source.strip():
            raise self.error(f"{label}: an expression")
        return sandbox.Expression(source, f"{self.what}: {label}")

    def _context(self, records: list[dict[str, Any]]) -> dict[str, Any]:
        def total(field: str, kind: str | None = None) -> Any:
            rows = records if kind is None else self.by_kind.get(str(kind), [])
            return sum(v for r in rows if isinstance(v := r.get(field), (int, float))
                       and not isinstance(v, bool))

        def count_if(field: str) -> int:
            return sum(1 for r in records if r.get(field))

        return {"items": records, "count": len(records), "total": total,
                "count_if": count_if, "config": dict(self.t.ws.config)}

    # ------------------------------------------------------------ types

    def _metric(self) -> list[dict[str, Any]]:
        kind = self._kind(required=False)
        declared = self.spec.get("values")
        if declared is None:
            declared = [{k: self.spec[k] for k in ("value", "format") if k in self.spec}]
        if not isinstance(declared, list) or not declared:
            raise self.error("values: a list of mappings with a value")
        shown = []
        for n, value in enumerate(declared, 1):
            if not isinstance(value, dict):
                raise self.error(f"values {n}: a mapping with a value")
            fmt = value.get("format", self.spec.get("format", "number"))
            if fmt not in FORMATS:
                raise self.error(f"format: one of {', '.join(FORMATS)} (found {fmt!r})")
            expression = self._expression(value.get("value"), "value")
            records = self._selected(kind, self.spec.get("where"), value.get("where"))
            result = expression.evaluate(self._context(records))
            shown.append({"label": str(value.get("label") or ""), "format": fmt,
                          "value": _plain(result)})
        return shown

    def _list(self) -> dict[str, Any]:
        kind = self._kind()
        assert kind is not None
        limit = self.spec.get("limit", 10)
        if not isinstance(limit, int) or isinstance(limit, bool) or not 0 < limit <= MAX_LIMIT:
            raise self.error(f"limit: a whole number from 1 to {MAX_LIMIT}")
        sort = self.spec.get("sort")
        if sort is not None and not isinstance(sort, str):
            raise self.error("sort: a field name, -name for descending")
        columns = self.spec.get("fields", list(self.t.kinds[kind].columns)[:4])
        fields = []
        for column in columns if isinstance(columns, list) else [None]:
            name, fmt = (column.get("field"), column.get("format", "text")) \
                if isinstance(column, dict) else (column, "text")
            if not isinstance(name, str) or fmt not in FORMATS:
                raise self.error("fields: field names, or mappings with a field and a format")
            fields.append({"name": name, "format": fmt, "label": _field_label(
                self.t.kinds[kind], name)})
        if sort in ("changed", "-changed"):  # by the last commit that touched each item
            rows = sorted(self._selected(kind, self.spec.get("where")), key=self._changed,
                          reverse=sort == "-changed")[:limit]
        else:
            rows = self._selected(kind, self.spec.get("where"), sort=sort, limit=limit)
        total = len(self._selected(kind, self.spec.get("where")))
        return {"kind": kind, "fields": fields, "rows": rows, "more": total - len(rows),
                "refs": [n for n, f in self.t.kinds[kind].fields.items() if f.is_ref]}

    def _changed(self, record: dict[str, Any]) -> str:
        changes = self.history.for_item(record["id"])
        return str(changes[0]["date"]) if changes else ""

    def _count(self) -> dict[str, Any]:
        kind = self._kind()
        assert kind is not None
        by = self.spec.get("by", "status")
        spec = self.t.kinds[kind]
        if not isinstance(by, str) or by not in spec.fields:
            raise self.error(f"by: a field of {kind} (found {by!r})")
        order = list(spec.workflow.statuses) if by == "status" and spec.workflow else \
            list(spec.fields[by].values)
        counts: dict[str, int] = dict.fromkeys(order, 0)
        for record in self._selected(kind, self.spec.get("where")):
            value = record.get(by)
            key = "(none)" if value is None else str(value)
            counts[key] = counts.get(key, 0) + 1
        return {"kind": kind, "counts": [(spec.value_label(by, key), n)
                                         for key, n in counts.items()]}

    def _burnup(self) -> dict[str, Any]:
        kind = self._kind()
        assert kind is not None
        field = self.spec.get("field")
        if field is not None and (not isinstance(field, str)
                                  or field not in self.t.kinds[kind].fields):
            raise self.error(f"field: a field of {kind} (found {field!r})")
        target = None
        if self.spec.get("target") is not None:
            expression = self._expression(self.spec["target"], "target")
            target = expression.evaluate(self._context(self.by_kind.get(kind, [])))
        rows = self.history.sum_per_day(kind, field) if field else \
            self.history.counts_per_day(kind)
        return {"kind": kind, "rows": rows, "target": target if isinstance(
            target, (int, float)) and not isinstance(target, bool) else None}


def _field_label(kind: Any, name: str) -> str:
    return str(kind.field_label(name))


def _plain(value: Any) -> Any:
    """What a template may show: numbers, text, lists and mappings of them (escaped
    there); a callable or an object becomes its text."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value[:MAX_LIMIT]]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in list(value.items())[:MAX_LIMIT]}
    return str(value)

