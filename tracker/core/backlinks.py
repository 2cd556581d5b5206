"""Back-links: for each item, the items whose reference fields name it.

One mechanism for every page that shows them: `tracker serve`'s item page asks
`pointing` (read from the listing's columns), the static site builds the whole `index`
once from the records it renders. A link is `{"id", "kind", "title", "field", "label"}`
(`field` the name of the reference field, `label` its label).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable, Mapping

if TYPE_CHECKING:
    from tracker.core.session import Session

Link = dict[str, Any]


def ref_fields(kinds: Mapping[str, Any]) -> dict[str, list[tuple[str, tuple[str, ...]]]]:
    """Per kind, its reference fields and the kinds each may name (empty: any)."""
    found: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    for name, kind in sorted(kinds.items()):
        fields = [(n, tuple(f.ref_kinds)) for n, f in kind.fields.items() if f.is_ref]
        if fields:
            found[name] = fields
    return found


class Index:
    """Target id -> the links to it; `to` leaves out a link whose field names other kinds
    than the target's."""

    def __init__(self, found: dict[str, list[Link]]) -> None:
        self._found = found

    def to(self, item_id: str, kind_name: str) -> list[Link]:
        return [link for link in self._found.get(item_id, ())
                if not link["allowed"] or kind_name in link["allowed"]]


def index(kinds: Mapping[str, Any], records: Iterable[Mapping[str, Any]]) -> Index:
    """The links among records with `kind`, `id`, `title` and their fields (the records
    of `Tracker.record`, or rows of the listing's columns)."""
    fields = ref_fields(kinds)
    found: dict[str, list[Link]] = {}
    for record in records:
        names = fields.get(record.get("kind"))  # type: ignore[arg-type]
        if not names:
            continue
        for name, allowed in names:
            value = record.get(name)
            targets = value if isinstance(value, list) else [value]
            seen = set()
            for target in targets:
                if not isinstance(target, str) or not target or target in seen:
                    continue
                seen.add(target)
                field = kinds[record["kind"]].fields[name]
                found.setdefault(target, []).append({
                    "id": record["id"], "kind": record["kind"], "title": record.get("title"),
                    "field": name, "label": field.label or name, "allowed": allowed})
    return Index(found)


def pointing(t: "Session", item_id: str, kind_name: str) -> list[Link]:
    """The items whose reference fields name this one, read from the listing's columns
    (no item file parsed when the snapshot holds them)."""
    from tracker.core import listing  # noqa: PLC0415

    records: list[dict[str, Any]] = []
    for kind_name_, names in ref_fields(t.kinds).items():
        columns = ["title", *(n for n, _ in names)]
        listed = listing.select(t, kind_name_, None, None, None, columns, None, None)
        values = listed.values(["id", *columns])
        for row in zip(*values):
            records.append({"kind": kind_name_, "id": row[0], **dict(zip(columns, row[1:]))})
    return index(t.kinds, records).to(item_id, kind_name)
