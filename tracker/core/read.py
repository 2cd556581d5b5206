"""Reading items: an id (or a unique prefix of one) to its file, one item, every item,
and an item as one JSON-ready record.
"""

from __future__ import annotations

from tracker.model import ids
from tracker.model.clock import aware
from tracker.model.errors import ItemNotFound
from tracker.model.problems import Problem
from tracker.model.record import record as record_class
from tracker.store.workspace import Item, ItemFile

TYPE_CHECKING = False  # typing is not imported at run time (start-up)
if TYPE_CHECKING:
    from typing import Any, Iterable

    from tracker.core.session import Session

SYSTEM_FIELDS = ("id", "kind", "path")


@record_class
class Listing:
    """Items read from disk, and the files that could not be read."""

    items: list[Item]
    problems: list[Problem]


def resolve(s: Session, ref: str) -> ItemFile:
    """The item file for an id or a unique id prefix."""
    if not ref or ref.startswith("-"):
        raise ItemNotFound(f"no item with id '{ref}'")
    if ids.problem(ref) is None:
        for kind in s.kinds.values():
            path = s.ws.path_for(kind, ref)
            if path.is_file():
                return ItemFile(kind, ref, path)
    by_id: dict[str, ItemFile] = {}
    folded = ref.lower()  # ids that differ only by case are one id (ids.resolve)
    for file in s.ws.item_files():
        if file.id.lower().startswith(folded):
            by_id.setdefault(file.id, file)
    return by_id[ids.resolve(ref, by_id)]


def get(s: Session, ref: str) -> Item:
    return s.ws.load(resolve(s, ref))


def items(s: Session, kinds: Iterable[str] | None = None) -> Listing:
    selected = [s.ws.kind(k) for k in kinds] if kinds else None
    found, errors = s.ws.load_all(selected)
    return Listing(found, [Problem.of(e) for e in errors])


def record(s: Session, item: Item, body: bool = True) -> dict[str, Any]:
    """The item as one JSON-ready mapping: id, kind, path, fields, computed, body."""
    data: dict[str, Any] = {"id": item.id, "kind": item.kind.name, "path": item.rel}
    for key, value in item.fields.items():
        if key not in SYSTEM_FIELDS:
            data[key] = aware(value)  # a time without offset: in the tracker's zone
    data.update(s.derived.values(item))
    if body:
        data["body"] = item.body
    return data
