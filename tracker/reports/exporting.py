"""Moving out freely: every item as JSON, JSON Lines or CSV, in a stable field order.

Order: id, kind, then each kind's schema fields in schema order, then any other
fields in name order, then the body. The JSON form is what `tracker import json`
reads back.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from tracker.api import Item, Tracker
from tracker.model.values import to_jsonable


def records(t: Tracker, where: str | None = None, kinds: list[str] | None = None,
            federation: bool = False) -> list[dict[str, Any]]:
    """The items (of these kinds, in that order) that `where` keeps, as `Tracker.list`
    selects them, each as the record an export writes. With `federation`, every
    member's too: ids qualified, `member` after `kind` (docs/federation.md)."""
    listed = [t.list(kind, where, federation=federation) for kind in kinds] if kinds else \
        [t.list(None, where, federation=federation)]
    for one in listed:  # what is not exported is said, as `list` says it (on stderr)
        unread(t, one.problems)
    return [_record(i) for one in listed for i in one.items()]


def unread(t: Tracker, problems: Any) -> None:
    """A notice for each file (or kind folder) whose items were left out, once each."""
    for p in problems:
        notice = f"warning: {p.path}:{p.line or 1}: {p.message}"
        if notice not in t.notices:
            t.notices.append(notice)


def _record(item: Item) -> dict[str, Any]:
    schema_order = [n for n in item.kind.order if n in item.fields]
    others = sorted(k for k in item.fields if k not in item.kind.fields)
    data: dict[str, Any] = {"id": item.id, "kind": item.kind.name}
    if "member" in item.fields and "member" not in item.kind.fields:
        data["member"] = item.fields["member"]  # a federated read's (core/federation.py)
    for name in schema_order + others:
        if name not in data:
            data[name] = item.fields[name]
    data["body"] = item.body
    return data


def columns(rows: list[dict[str, Any]]) -> list[str]:
    seen: dict[str, None] = {}
    for row in rows:
        for key in row:
            if key != "body":
                seen.setdefault(key, None)
    return list(seen) + ["body"]


def to_json(rows: list[dict[str, Any]]) -> str:
    return json.dumps(to_jsonable(rows), ensure_ascii=False, indent=2) + "\n"


def to_jsonl(rows: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(to_jsonable(r), ensure_ascii=False) + "\n" for r in rows)


def to_csv(rows: list[dict[str, Any]], lists: str = "cells") -> str:
    """CSV, one column per field. A list is a cell `a; b` that a spreadsheet reads (one
    holding `;` itself, or anything but text and numbers, stays JSON); `lists="json"`:
    every list as JSON, as before."""
    names = columns(rows)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(names)
    for row in rows:
        writer.writerow([_cell(to_jsonable(row.get(n)), lists) for n in names])
    return buffer.getvalue()


def _cell(value: Any, lists: str = "cells") -> str:
    if value is None:
        return ""
    if isinstance(value, list) and lists == "cells" and all(
            isinstance(v, (str, int, float)) and not isinstance(v, bool)
            and ";" not in str(v) for v in value):
        return "; ".join(str(v) for v in value)
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
