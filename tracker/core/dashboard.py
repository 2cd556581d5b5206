"""The config's `dashboard:` as declared: each panel's type, kind, fields, formats,
limits and expressions, judged without reading an item. `tracker check` reports what is
wrong (naming `.tracker/config.yaml` and the panel); the site's home page
(reports/dashboard.py) refuses to build on the first, then fills the panels.

Each panel is a mapping with a `type` (`metric`, `list`, `count`, `burnup`); see
reports/dashboard.py and docs/templates.md for what each shows.
"""

from __future__ import annotations

from typing import Any

from tracker.model.errors import TrackerError

FILE = ".tracker/config.yaml"
TYPES = ("metric", "list", "count", "burnup")
FORMATS = ("number", "percent", "one_in", "text", "periods")
MAX_PANELS = 40
MAX_LIMIT = 100
BUILT_IN = ("id", "kind", "title", "status", "path")


def problems(config: Any, kinds: dict[str, Any]) -> list[str]:
    """What is wrong with the config's `dashboard:`, one line each, without the file's
    name ([] when none is declared): `dashboard panel 2 (Due soon): kind: …`."""
    declared = config.get("dashboard") if isinstance(config, dict) else None
    if declared is None:
        return []
    if not isinstance(declared, list):
        return ["dashboard: a list of panels (mappings with a type)"]
    if len(declared) > MAX_PANELS:
        return [f"dashboard: {len(declared)} panels, at most {MAX_PANELS}"]
    found: list[str] = []
    for number, spec in enumerate(declared, 1):
        title = spec.get("title") if isinstance(spec, dict) else None
        what = f"dashboard panel {number}" + (f" ({title})" if title else "")
        found.extend(f"{what}: {message}" for message in _panel(spec, kinds))
    return found


def line(config_text: str) -> int:
    """The line of `dashboard:` in the config's text (1 when not found)."""
    for number, text in enumerate(config_text.splitlines(), 1):
        if text.startswith("dashboard:"):
            return number
    return 1


def _panel(spec: Any, kinds: dict[str, Any]) -> list[str]:
    if not isinstance(spec, dict):
        return ["a mapping with a type and a title"]
    kind_type = spec.get("type")
    if kind_type not in TYPES:
        return [f"type: one of {', '.join(TYPES)} (found {kind_type!r})"]
    found: list[str] = []
    name = spec.get("kind")
    kind = kinds.get(name) if isinstance(name, str) else None
    if kind is None and (name is not None or kind_type != "metric"):
        return [f"kind: one of {', '.join(sorted(kinds))} (found {name!r})"]
    known = set(BUILT_IN) | (set(kind.fields) | set(kind.computed) | set(kind.rollups)
                             if kind is not None else set())
    found.extend(_expression(spec.get("where"), "where", optional=True))
    if kind_type == "metric":
        values = spec.get("values")
        if values is None:
            values = [{k: spec[k] for k in ("value", "format") if k in spec}]
        if not isinstance(values, list) or not values:
            return found + ["values: a list of mappings with a value"]
        for n, value in enumerate(values, 1):
            if not isinstance(value, dict):
                found.append(f"values {n}: a mapping with a value")
                continue
            fmt = value.get("format", spec.get("format", "number"))
            if fmt not in FORMATS:
                found.append(f"format: one of {', '.join(FORMATS)} (found {fmt!r})")
            found.extend(_expression(value.get("value"), "value"))
            found.extend(_expression(value.get("where"), "where", optional=True))
    elif kind_type == "list":
        limit = spec.get("limit", 10)
        if not isinstance(limit, int) or isinstance(limit, bool) or not 0 < limit <= MAX_LIMIT:
            found.append(f"limit: a whole number from 1 to {MAX_LIMIT}")
        sort = spec.get("sort")
        if sort is not None and (not isinstance(sort, str) or sort.lstrip("-") not in
                                 known | {"changed"}):
            found.append(f"sort: a field name, -name for descending (found {sort!r})")
        columns = spec.get("fields", [])
        for column in columns if isinstance(columns, list) else [None]:
            field, fmt = (column.get("field"), column.get("format", "text")) \
                if isinstance(column, dict) else (column, "text")
            if not isinstance(field, str) or fmt not in FORMATS:
                found.append("fields: field names, or mappings with a field and a format")
            elif field not in known:
                found.append(f"fields: '{field}' is no field of {name}")
    elif kind is None:  # a metric alone may have none
        pass
    elif kind_type == "count":
        by = spec.get("by", "status")
        if not isinstance(by, str) or by not in kind.fields:
            found.append(f"by: a field of {name} (found {by!r})")
    else:
        field = spec.get("field")
        if field is not None and (not isinstance(field, str) or field not in kind.fields):
            found.append(f"field: a field of {name} (found {field!r})")
        found.extend(_expression(spec.get("target"), "target", optional=True))
    return found


def _expression(source: Any, label: str, optional: bool = False) -> list[str]:
    """Why an expression does not compile ([] when it does)."""
    if source is None and optional:
        return []
    if not isinstance(source, str) or not source.strip():
        return [f"{label}: an expression (found {source!r})"]
    from tracker.expr import jinja  # noqa: PLC0415 - the sandbox, for a config that has one

    try:
        jinja.Expression(source, label)
    except TrackerError as e:
        return [str(e)]
    return []
