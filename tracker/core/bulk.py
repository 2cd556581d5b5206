"""Creating or updating many items at once, for importers: one lock, one commit.

Records are matched to items by id (natural-key kinds build it from the record's
fields) or by a key field. A record's values replace the item's, except for the
`keep` fields that already hold a value: what people wrote by hand (status, priority,
team, the body) survives a re-import. Existing files change by minimal edits.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable

from tracker.core import read
from tracker.core.write import default_value, same_id_message
from tracker.format import frontmatter
from tracker.model import ids, schema
from tracker.model.errors import InvalidValue, TrackerError
from tracker.model.record import replace as with_fields
from tracker.model.schema import Kind
from tracker.store.workspace import Item

if TYPE_CHECKING:
    from tracker.core.session import Session
    from tracker.store.journal import Journal


@dataclass
class Outcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    committed: bool = False
    paths: list[Path] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged,
                "committed": self.committed}


def upsert(t: Session, kind_name: str, records: Iterable[dict[str, Any]], *,
           key: str | None = None, keep: Iterable[str] = (), message: str,
           commit: bool = True, body_field: str | None = None, id_field: str | None = None,
           progress: Callable[[Iterable[Any]], Iterable[Any]] | None = None) -> Outcome:
    """Create or update one item per record (typed values), then commit once.

    `body_field` names the record key holding the Markdown body (replaced on update
    unless "body" is kept); `id_field` the key holding the item's own id (JSON imports).
    """
    kind = t.ws.kind(kind_name)
    keep = set(keep)
    outcome = Outcome()
    records = list(records)
    committing = commit and t.auto_commit and t.ws.top is not None
    # journaled (store/journal.py): a failure rolls back every file written; a writer
    # killed before its commit is settled by the next one
    with t.ws.lock(), t.ws.journal("import", message, committing, len(records)) as journal:
        existing = _index(t, kind, key)
        _refuse_same_ids(t, kind, records, key, id_field)
        for record in (progress or iter)(records):
            body = record.pop(body_field, None) if body_field else None
            given_id = ids.validate(str(record.pop(id_field))) if id_field else None
            _validate(kind, record)
            match = given_id or _match(kind, record, key)
            item = existing.get(match) if match else None
            if item is None:
                item_id = given_id or _new_id(t, kind, record)
                path = t.ws.path_for(kind, item_id)
                body = "" if body is None else str(body)
                fields = _create(t, kind, path, record, body, journal)
                if match:  # the same record twice in one batch updates what was created
                    existing[match] = Item(kind, item_id, path, t.ws.display(path), fields)
                outcome.created += 1
                outcome.paths.append(path)
            elif _update(item, record, keep, kind,
                         None if body is None or "body" in keep else str(body), journal):
                outcome.updated += 1
                outcome.paths.append(item.path)
            else:
                outcome.unchanged += 1
        os.sync()
        if committing and t.ws.top and outcome.paths:
            from tracker.git import repo as gitrepo  # noqa: PLC0415

            rel = [str(p.relative_to(t.ws.top)) for p in outcome.paths]
            outcome.committed = gitrepo.commit(t.ws.top, rel, message)
    return outcome


def _index(t: Session, kind: Kind, key: str | None) -> dict[str, Item]:
    """Existing items by id, or by the key field's value when matching on a field."""
    listing = read.items(t, [kind.name])
    if listing.problems:
        first = listing.problems[0]
        raise TrackerError(f"{first.path}:{first.line or 1}: {first.message} "
                           "(fix it before importing: nothing was written)")
    if key:
        return {str(i.fields[key]): i for i in listing.items if i.fields.get(key) is not None}
    return {i.id: i for i in listing.items}


def _refuse_same_ids(t: Session, kind: Kind, records: list[dict[str, Any]],
                     key: str | None, id_field: str | None) -> None:
    """Refuse, before anything is written, a record whose id is an item's id (of any
    kind, or of an earlier record) but for case: `ISSUE-X` beside `issue-x` is one id."""
    if key or not (id_field or kind.ids.scheme == "key"):
        return  # random ids: lowercase, and never an existing file
    taken: dict[str, tuple[Kind, str, str]] = {}
    for file in t.ws.item_files():
        taken.setdefault(file.id.lower(), (file.kind, file.id, t.ws.display(file.path)))
    for number, record in enumerate(records, 1):
        try:
            item_id = str(record[id_field]) if id_field else \
                ids.key_id(kind.ids.key or "", record)
        except (KeyError, TrackerError):
            continue  # the write reports it, as before
        other = taken.setdefault(item_id.lower(), (kind, item_id, f"record {number}"))
        if other[1] != item_id or other[0] is not kind:
            raise TrackerError(f"record {number}: "
                               + same_id_message(item_id, other[2], other[1]))


def _match(kind: Kind, record: dict[str, Any], key: str | None) -> str | None:
    """What finds the record's existing item: its key field, or its natural-key id."""
    if key:
        value = record.get(key)
        if value in (None, ""):
            raise InvalidValue(key, "the key field is empty in a record")
        return str(value)
    if kind.ids.scheme == "key":
        return ids.validate(ids.key_id(kind.ids.key or "", record))
    return None


def _new_id(t: Session, kind: Kind, record: dict[str, Any]) -> str:
    if kind.ids.scheme == "key":
        return ids.validate(ids.key_id(kind.ids.key or "", record))
    while True:
        item_id = ids.random_id(kind.ids.prefix, kind.ids.length)
        if not t.ws.path_for(kind, item_id).exists():
            return item_id


def _validate(kind: Kind, record: dict[str, Any]) -> None:
    for name, value in record.items():
        spec = kind.fields.get(name)
        if spec is None:
            if kind.strict:
                raise InvalidValue(name, f"unknown field for kind {kind.name}")
            continue
        problem = schema.check_value(spec, value)
        if problem:
            raise InvalidValue(name, problem)


def _create(t: Session, kind: Kind, path: Path, record: dict[str, Any],
            body: str, journal: Journal) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for name in kind.order:
        value = record.get(name)
        if value is None:
            value = default_value(kind.fields[name])
        if value is not None:
            fields[name] = value
    fields.update((k, v) for k, v in record.items() if k not in fields and v is not None)
    text = frontmatter.render(fields, body, quoted=kind.quoted)
    journal.write(path, text, create=True, sync=False)
    return fields


def _update(item: Item, record: dict[str, Any], keep: set[str], kind: Kind,
            body: str | None, journal: Journal) -> bool:
    updates = {k: v for k, v in record.items()
               if v is not None and item.fields.get(k) != v
               and not (k in keep and item.fields.get(k) not in (None, ""))}
    if body and not body.endswith("\n"):
        body += "\n"  # as new files are written
    new_body = body is not None and body != item.body
    if not updates and not new_body:
        return False
    doc = frontmatter.edit(item.rel, item.doc, updates, (), kind.order, kind.quoted) \
        if updates else item.doc
    if new_body and body is not None:
        doc = with_fields(doc, body=body)
    journal.write(item.path, doc.text, sync=False)
    return True
