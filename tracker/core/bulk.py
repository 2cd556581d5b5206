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
from tracker.core.check import Gate
from tracker.core.read import SYSTEM_FIELDS
from tracker.core.write import FIELD_NAME, default_value
from tracker.format import frontmatter
from tracker.model import clock, ids
from tracker.model.errors import InvalidValue, TrackerError
from tracker.model.problems import Problem
from tracker.model.record import replace as with_fields
from tracker.model.schema import Kind
from tracker.store.workspace import Item

if TYPE_CHECKING:
    from tracker.core.session import Session


@dataclass
class Outcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    committed: bool = False
    paths: list[Path] = field(default_factory=list)
    refused: list[Problem] = field(default_factory=list)  # at the source's FILE:LINE
    rows_refused: int = 0
    ids: dict[str, list[str]] = field(
        default_factory=lambda: {"created": [], "updated": [], "unchanged": []})
    dry_run: bool = False
    written: bool = True  # False: a dry run, or --all-or-nothing met a refused record

    def as_dict(self) -> dict[str, Any]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged,
                "committed": self.committed,
                "refused": [refusal(p) for p in self.refused]}


def refusal(problem: Problem) -> dict[str, Any]:
    """A refused record as `--format json` gives it: the source file and line, why."""
    return {"file": problem.path, "line": problem.line, "field": problem.field,
            "message": problem.message}


def upsert(t: Session, kind_name: str, records: Iterable[dict[str, Any]], *,
           key: str | None = None, keep: Iterable[str] = (), message: Any,
           commit: bool = True, body_field: str | None = None, id_field: str | None = None,
           progress: Callable[[Iterable[Any]], Iterable[Any]] | None = None,
           source: str = "", lines: Iterable[int | None] | None = None,
           dry_run: bool = False, all_or_nothing: bool = False,
           refused: Iterable[Problem] = (), gate: Gate | None = None,
           origins: Iterable[str] | None = None) -> Outcome:
    """Create or update one item per record (typed values), then commit once.

    `body_field` names the record key holding the Markdown body (replaced on update
    unless "body" is kept); `id_field` the key holding the item's own id (JSON imports).
    Every record's candidate file goes through the write gate (`check.Gate`, as `new`
    and `set`): a record it refuses is not written, and each of its problems is reported
    at `source` and the record's line (`lines`, else its number), or at the record's own
    file when `origins` names one per record (a folder's importers). `refused`: rows the
    reader could not read, reported with them. `dry_run`: judge, write nothing;
    `all_or_nothing`: one refused row and nothing is written. `message` may be a
    function of the outcome (its counts once judged). Without `source` (a caller that
    reports no rows: targeting, the demo), one refused record refuses the whole call:
    nothing is written and its first problem is raised.
    """
    kind = t.ws.kind(kind_name)
    keep = set(keep)
    outcome = Outcome(dry_run=dry_run, refused=list(refused))
    outcome.rows_refused = len({(p.path, p.line) for p in outcome.refused})
    records = list(records)
    numbers = list(lines) if lines is not None else list(range(1, len(records) + 1))
    files = list(origins) if origins is not None else [source] * len(records)
    with t.ws.lock():
        existing = _index(t, kind, key)
        gate = gate or Gate(t, batch=True)
        writes: dict[Path, tuple[Item, bool]] = {}  # path: (candidate, a new file?)
        for number, file, record in (progress or iter)(list(zip(numbers, files, records))):
            _judge(t, gate, kind, dict(record), existing, writes, outcome,
                   (key, keep, body_field, id_field), (file, number))
        outcome.refused.sort(key=lambda p: (p.path, p.line or 0))
        if outcome.refused and not source:  # a caller that reports no rows: refuse all
            first = outcome.refused[0]
            raise TrackerError(f"record {first.line}: "
                               + (f"{first.field}: " if first.field else "")
                               + f"{first.message} (nothing was written)")
        if dry_run or (all_or_nothing and outcome.refused):
            outcome.written = False
            if not dry_run:  # nothing was written: say so in the counts
                outcome.created = outcome.updated = outcome.unchanged = 0
            return outcome
        text = message(outcome) if callable(message) else message
        committing = commit and t.auto_commit and t.ws.top is not None
        # journaled (store/journal.py): a failure rolls back every file written; a writer
        # killed before its commit is settled by the next one
        with t.ws.journal("import", text, committing, len(writes)) as journal:
            for candidate, new in writes.values():
                journal.write(candidate.path, candidate.doc.text, create=new, sync=False)
                outcome.paths.append(candidate.path)
            os.sync()
            if committing and t.ws.top and outcome.paths:
                from tracker.git import repo as gitrepo  # noqa: PLC0415

                rel = [str(p.relative_to(t.ws.top)) for p in outcome.paths]
                outcome.committed = gitrepo.commit(t.ws.top, rel, text)
    return outcome


def _judge(t: Session, gate: Gate, kind: Kind, record: dict[str, Any],
           existing: dict[str, Item], writes: dict[Path, tuple[Item, bool]],
           outcome: Outcome, how: tuple[Any, ...], where: tuple[str, int | None]) -> None:
    """One record: its candidate file built and judged; admitted to `writes`, or refused."""
    key, keep, body_field, id_field = how
    try:
        old, candidate = _candidate(t, kind, record, existing, key, keep, body_field,
                                    id_field)
        problems = [] if candidate is None else gate.problems(old, candidate)
    except TrackerError as e:  # a record that makes no file: no id, a bad id, a bad value
        problems = [Problem(where[0], where[1], getattr(e, "field", None) or _field_of(e),
                            getattr(e, "reason", None) or str(e))]
    if problems:
        outcome.rows_refused += 1
        outcome.refused.extend(Problem(where[0], where[1], p.field, p.message)
                               for p in problems)
        return
    if candidate is None:
        assert old is not None
        outcome.unchanged += 1
        outcome.ids["unchanged"].append(old.id)
        return
    gate.admit(candidate)
    match = _match_of(kind, candidate, key, id_field)
    if match is not None:  # the same record twice in one batch updates what was created
        existing[match] = candidate
    new = old is None or writes.get(candidate.path, (None, False))[1]
    writes[candidate.path] = (candidate, new)
    verdict = "created" if old is None else "updated"
    setattr(outcome, verdict, getattr(outcome, verdict) + 1)
    outcome.ids[verdict].append(candidate.id)


def _candidate(t: Session, kind: Kind, record: dict[str, Any], existing: dict[str, Item],
               key: str | None, keep: set[str], body_field: str | None,
               id_field: str | None) -> tuple[Item | None, Item | None]:
    """The item a record updates (None: it creates one) and the file it would write
    (None: nothing changes)."""
    body = record.pop(body_field, None) if body_field else None
    given_id = None
    if id_field:
        given_id = ids.validate(str(record.pop(id_field, None) or ""))
    _names(kind, record)
    for name, value in record.items():  # a time without offset: in the tracker's zone
        record[name] = clock.aware(value)
    match = given_id or _match(kind, record, key)
    item = existing.get(match) if match else None
    if item is None:
        item_id = given_id or _new_id(t, kind, record)
        path = t.ws.path_for(kind, item_id)
        fields, text = _render(kind, record, "" if body is None else str(body))
        rel = t.ws.display(path)  # the fields as written: render and read round-trip
        return None, Item(kind, item_id, path, rel, fields, frontmatter.split(rel, text))
    edited = _update(item, record, keep, kind,
                     None if body is None or "body" in keep else str(body))
    return item, edited


def _match_of(kind: Kind, item: Item, key: str | None, id_field: str | None) -> str | None:
    """What a later record of the batch matches this item by."""
    if key:
        value = item.fields.get(key)
        return None if value is None else str(value)
    return item.id if id_field or kind.ids.scheme == "key" else None


def _field_of(error: TrackerError) -> str | None:
    from tracker.model.errors import InvalidId  # noqa: PLC0415

    return "id" if isinstance(error, InvalidId) else None


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


def _names(kind: Kind, record: dict[str, Any]) -> None:
    """Refuse what `set` refuses of a field's name: a derived field, a name that is not
    one (`../x`, `a: b`)."""
    for name in record:
        if name in SYSTEM_FIELDS or name in kind.computed or name in kind.rollups:
            raise InvalidValue(name, "is derived and cannot be imported")
        if not FIELD_NAME.fullmatch(str(name)):
            raise InvalidValue(str(name), "is not a valid field name")


def _render(kind: Kind, record: dict[str, Any], body: str) -> tuple[dict[str, Any], str]:
    """The fields and text of a new item: the kind's fields in order (defaults filled
    in), then the record's others."""
    fields: dict[str, Any] = {}
    for name in kind.order:
        value = record.get(name)
        if value is None:
            value = default_value(kind.fields[name])
        if value is not None:
            fields[name] = value
    fields.update((k, v) for k, v in record.items() if k not in fields and v is not None)
    return fields, frontmatter.render(fields, body, quoted=kind.quoted)


def _update(item: Item, record: dict[str, Any], keep: set[str], kind: Kind,
            body: str | None = None) -> Item | None:
    """The item as the record changes it, by minimal edits (None: nothing changes)."""
    updates = {k: v for k, v in record.items()
               if v is not None and item.fields.get(k) != v
               and not (k in keep and item.fields.get(k) not in (None, ""))}
    if body and not body.endswith("\n"):
        body += "\n"  # as new files are written
    new_body = body is not None and body != item.body
    if not updates and not new_body:
        return None
    fields, doc = frontmatter.edited(item.rel, item.doc, updates, (), kind.order,
                                     kind.quoted) if updates else (item.fields, item.doc)
    if new_body and body is not None:
        doc = with_fields(doc, body=body)
    return Item(kind, item.id, item.path, item.rel, fields, doc)
