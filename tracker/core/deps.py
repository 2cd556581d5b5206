"""Dependencies: which items are ready (`tracker ready`), which wait (`tracker blocked`),
and the dependency graph (`tracker graph`).

An item waits for the items its `depends_on` names (schema.DEPENDS_ON) until each is
in a final status of its workflow (`final:`); an item of a kind without a workflow has
no status to wait for and never holds anyone up. A dependency on a missing item is never
met.
"""

from __future__ import annotations

from tracker.core import listing
from tracker.core.cycles import depends_on
from tracker.core.read import record
from tracker.model.errors import UsageError

TYPE_CHECKING = False  # typing is not imported at run time (start-up)
if TYPE_CHECKING:
    from typing import Any

    from tracker.core.session import Session
    from tracker.store.workspace import Item

CLAIM_FIELD = "assignee"
PRIORITY_FIELD = "priority"
MISSING = "missing"  # the status shown for a dependency on no item
_LAST = "\uffff"


def is_final(item: Item | None) -> bool:
    """Is this item's work over (a final status; no workflow: nothing to wait for)?"""
    if item is None:
        return False
    workflow = item.kind.workflow
    return workflow is None or workflow.is_final(item.fields.get("status"))


def claimed_by(item: Item) -> str | None:
    holder = item.fields.get(CLAIM_FIELD)
    return str(holder) if holder not in (None, "", []) else None


class Split:
    """The open items of a listing: those ready, those waiting (with what they wait for)."""

    def __init__(self) -> None:
        self.ready: list[tuple[Item, dict[str, Any]]] = []
        self.blocked: list[tuple[Item, dict[str, Any], list[dict[str, Any]]]] = []

    def ready_rows(self) -> list[dict[str, Any]]:
        return [row for _, row in self.ready]

    def blocked_rows(self) -> list[dict[str, Any]]:
        return [{**row, "waiting_for": waiting} for _, row, waiting in self.blocked]


def split(s: Session, kind: str | None = None, where: str | None = None) -> Split:
    """Items (of a kind, for which `where` is true) not in a final status: ready (not
    claimed, every dependency final), highest priority first, then nearest due date,
    then oldest; blocked (some dependency not final), in the same order."""
    if kind is not None:
        workflow = s.ws.kind(kind).workflow
        if workflow is None:
            raise UsageError(f"kind '{kind}' has no workflow: its items are never ready "
                             "or done")
    listed = listing.select(s, kind, where, None, None, None, None, None)
    items = listed.items()
    unread = [(p.path, p.line, p.message) for p in listed.problems]
    if kind is None and where is None:
        every = items
    else:
        every, more = s.ws.load_all()
        unread += [(p.path, p.line, p.reason) for p in more]
    _warn_unread(s, unread)
    by_id = {item.id: item for item in every}
    result = Split()
    for item in sorted(items, key=order_key):
        if item.kind.workflow is None or is_final(item):
            continue
        waiting = [{"id": d, "status": by_id[d].fields.get("status") if d in by_id
                    else MISSING} for d in depends_on(item.fields) if not is_final(by_id.get(d))]
        if waiting:  # rows as `list --format json` has them, for the items kept only
            result.blocked.append((item, record(s, item, body=False), waiting))
        elif claimed_by(item) is None:
            result.ready.append((item, record(s, item, body=False)))
    return result


def _warn_unread(s: Session, unread: list[tuple[str, int | None, str]]) -> None:
    """A file that could not be read is left out: say so on stderr (the CLI's notices),
    as `list` does, rather than let it vanish from `ready`, `blocked` and `graph`."""
    for path, line, message in dict.fromkeys(unread):
        said = f"warning: {path}:{line or 1}: {message}"
        if said not in s.notices:  # once a file, when a listing said so already (the site)
            s.notices.append(f"{said} (left out)")


def order_key(item: Item) -> tuple[Any, ...]:
    """Highest priority first (the last value of the priority enum is the highest), then
    nearest due date, then oldest (`created`, then id)."""
    from tracker.core.order import rank as declared  # noqa: PLC0415 - one order of enums

    ranks = declared(item.kind, PRIORITY_FIELD) or {}
    rank = ranks.get(str(item.fields.get(PRIORITY_FIELD)), -1)
    return (-rank, _moment(item.fields.get("due")), _moment(item.fields.get("created")),
            item.id)


def _moment(value: Any) -> str:
    """A date or a time as text that sorts (none last)."""
    if value is None or value == "":
        return _LAST
    isoformat = getattr(value, "isoformat", None)
    if isoformat is None:
        return str(value)
    if hasattr(value, "astimezone") and getattr(value, "tzinfo", None) is not None:
        from datetime import timezone  # noqa: PLC0415

        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return str(value.isoformat())


# ------------------------------------------------------------ the graph


def graph(s: Session, ref: str | None = None, kind: str | None = None) -> dict[str, Any]:
    """The dependency graph: of one item (what it waits for, and what waits for it, all
    the way up and down), of a kind (its items and what they depend on), or of every
    item in a dependency. `{"nodes": [{id, kind, title, status, final}], "edges":
    [{"from", "to"}]}`, an edge from an item to one it depends on; a missing item is a
    node of status "missing"."""
    every, unread = s.ws.load_all()
    _warn_unread(s, [(p.path, p.line, p.reason) for p in unread])
    by_id = {item.id: item for item in every}
    edges = {item.id: depends_on(item.fields) for item in every}
    if ref is not None:
        from tracker.core.read import resolve  # noqa: PLC0415

        start = resolve(s, ref).id
        chosen = _reach(edges, start) | _reach(_reversed(edges), start)
    elif kind is not None:
        s.ws.kind(kind)
        chosen = {i.id for i in every if i.kind.name == kind}
        chosen |= {d for i in chosen for d in edges.get(i, ())}
    else:
        chosen = {i for i, deps in edges.items() if deps} | {
            d for deps in edges.values() for d in deps}
    nodes = []
    for node in sorted(chosen):
        item = by_id.get(node)
        nodes.append({"id": node, "kind": item.kind.name if item else None,
                      "title": item.title if item else None,
                      "status": item.fields.get("status") if item else MISSING,
                      "final": is_final(item)})
    links = [{"from": a, "to": b} for a in sorted(chosen) for b in edges.get(a, ())
             if b in chosen]
    return {"nodes": nodes, "edges": links}


def _reversed(edges: dict[str, list[str]]) -> dict[str, list[str]]:
    back: dict[str, list[str]] = {}
    for node, deps in edges.items():
        for dep in deps:
            back.setdefault(dep, []).append(node)
    return back


def _reach(edges: dict[str, list[str]], start: str) -> set[str]:
    seen, todo = {start}, [start]
    while todo:
        for nxt in edges.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen
