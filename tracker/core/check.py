"""What `check` reports, and what every write refuses to add: an item's own problems
(types, ids, strict fields, rules, personal data, merge conflicts), broken references
and duplicate ids across the tracker.
"""

from __future__ import annotations

import re
from pathlib import Path

from tracker.core import privacy
from tracker.format import frontmatter
from tracker.model import clock, ids, schema
from tracker.model.errors import InvalidItem
from tracker.model.problems import Problem
from tracker.model.values import text as value_text
from tracker.store import files, snapshot
from tracker.store.workspace import Item

TYPE_CHECKING = False  # typing is not imported at run time (start-up)
if TYPE_CHECKING:
    from typing import Any, Iterable

    from tracker.core.session import Session
    from tracker.model.schema import Kind

CONFLICT_MESSAGE = "unresolved merge conflict: edit the file, or give the field its value " \
    "with 'tracker set'"


def _dashboard_problems(s: Session) -> list[Problem]:
    """The config's `dashboard:` panels that the site could not build (core/dashboard.py)."""
    from tracker.core import dashboard  # noqa: PLC0415

    found = dashboard.problems(s.ws.config, s.kinds)
    if not found:
        return []
    path = s.ws.root / dashboard.FILE
    where = dashboard.line(path.read_text(encoding="utf-8")) if path.is_file() else 1
    return [Problem(s.ws.display(path), where, None, message) for message in found]


def check(s: Session, paths: Iterable[str] = ()) -> list[Problem]:
    """Every problem in the items (or only in those under `paths`), the warnings of
    rules of `severity: warning` included (`Problem.warning`)."""
    s.ws.settle()  # a write a dead writer cut short is settled first (store/journal.py)
    clock.zone()  # an unknown `timezone:` is reported even when no time needs it
    wanted = [s.ws.display(Path(p).resolve()).rstrip("/") for p in paths]

    def selected(rel: str) -> bool:
        return not wanted or any(rel == w or rel.startswith(w + "/") for w in wanted)

    every, errors = s.ws.load_all()
    _advise_sharding(s, every)
    left = files.remove_dead_temporaries([i.path for i in every])  # no journal named them
    if left:
        s.ws.recovered.append(f"removed {len(left)} temporary file(s) of writers that died: "
                              + ", ".join(s.ws.display(Path(p)) for p in left[:3])
                              + (" …" if len(left) > 3 else ""))
    chosen = [i for i in every if selected(i.rel)]
    problems = [Problem.of(e) for e in errors if selected(e.path)]
    by_folder = {s.ws.display(s.ws.folder(k)): k for k in s.kinds.values()}
    located = [(i.kind, i.id, i.rel) for i in every] + [
        (by_folder[folder], snapshot.id_of(e.path), e.path) for e in errors
        for folder in _kind_folders(e.path, by_folder)]
    all_ids = [(kind, item_id) for kind, item_id, _ in located]
    conflicted = _conflict_problems(s, [p.path for p in problems])
    if conflicted:  # a conflicted file is reported by its conflicts, not as bad YAML
        paths = {p.path for p in conflicted}
        problems = [p for p in problems if p.path not in paths] + conflicted
    for item in chosen:
        problems.extend(item_problems(s, item))
    problems.extend(_ref_problems(chosen, all_ids))
    problems.extend(p for p in _cycle_problems(every) if selected(p.path))
    problems.extend(p for p in _duplicate_problems(located) if selected(p.path))
    if not wanted:
        problems.extend(_dashboard_problems(s))
    return sorted(set(problems), key=lambda p: (p.path, p.line or 0, p.field or ""))


def _kind_folders(path: str, by_folder: dict[str, Any]) -> list[str]:
    """The kind folder holding a file: its folder, or its folder's (a shard)."""
    folder = path.rpartition("/")[0]
    if folder in by_folder:
        return [folder]
    parent = folder.rpartition("/")[0]
    return [parent] if parent in by_folder and by_folder[parent].shard else []


def _advise_sharding(s: Session, every: list[Item]) -> None:
    """A notice for each flat kind folder past shard.ADVISED_ABOVE items."""
    from tracker.core.shard import ADVISED_ABOVE  # noqa: PLC0415

    counts: dict[str, int] = {}
    for item in every:
        counts[item.kind.name] = counts.get(item.kind.name, 0) + 1
    for name, count in counts.items():
        kind = s.kinds[name]
        if count > ADVISED_ABOVE and not kind.shard:
            s.notices.append(
                f"{kind.folder}/ holds {count:,} items in one folder: every commit "
                f"rewrites its whole list; 'tracker shard {name} 2' keeps commits "
                "small (see docs/performance.md)")


def item_problems(s: Session, item: Item, warnings: bool = True) -> list[Problem]:
    """The problems of one item on its own (references and duplicates aside); the
    warnings of its rules (`severity: warning`) too, unless `warnings=False` (the gate:
    a warning never refuses a write)."""
    kind, found = item.kind, []

    def add(field: str | None, message: str, line: int | None = None,
            severity: str = "error") -> None:
        if line is None and field:
            line = frontmatter.key_line(item.doc, field)
        found.append(Problem(item.rel, line or 1, field, message, severity))

    if item.conflicted is not False:  # the snapshot knows; else the text tells
        for line, field in _conflicts(item.doc.text):
            add(field, CONFLICT_MESSAGE, line)
    id_problem = ids.problem(item.id)
    if id_problem:
        add(None, f"invalid id '{item.id}': {id_problem}")
    elif kind.ids.pattern and not re.fullmatch(kind.ids.pattern, item.id):
        add(None, f"id '{item.id}' does not match the pattern {kind.ids.pattern}")
    for name, spec in kind.fields.items():
        problem = schema.check_value(spec, item.fields.get(name))
        if problem:
            add(name, _quote_hint(item, name, problem))
    if kind.strict:
        for name in item.fields:
            if name not in kind.fields:
                add(name, f"unknown field in strict kind '{kind.name}'")
    if not found:  # rules assume well-typed fields
        for field, message, severity in s.derived.rule_problems(item, warnings):
            add(field, message, None, severity)
    for name, value in item.fields.items():  # read in the tracker's zone, but say so
        if clock.is_naive(value):
            add(name, naive_message(value))
    if privacy.forbidden(s.ws.config):
        for line, field, message in privacy.scan(item.doc, s.ws.config):
            add(field, message, line)
    for name in privacy.organisation_fields(kind.name, s.ws.config):
        value = item.fields.get(name)
        why = privacy.person_like(value) if isinstance(value, str) else None
        if why:
            add(name, privacy.PERSON_MESSAGE.format(why=why))
    return found


def naive_message(value: Any) -> str:
    """What `check` says of a date and time written without its offset."""
    zone = clock.zone_name() or "the machine's zone"
    return (f"date and time without offset, read in {zone} (the tracker's timezone): "
            f"write it with its offset, {value_text(clock.aware(value))}")


def validate_text(s: Session, item: Item, text: str) -> tuple[Item | None, list[Problem]]:
    """The item a new text would make (None if it cannot be read), and the problems the
    write gate finds in it (`Gate.problems`: what it adds to `check`, as every other
    write); the times it gives without offset are judged as written with it."""
    text = with_offsets(item, text)
    try:
        fields, doc = frontmatter.parse(item.rel, text)
    except InvalidItem as e:
        return None, [Problem.of(e)]
    candidate = Item(item.kind, item.id, item.path, item.rel, fields, doc)
    return candidate, Gate(s).problems(item, candidate)


def with_offsets(item: Item, text: str) -> str:
    """The text with each date and time typed without offset given its offset in the
    tracker's zone (those lines only); unreadable text as it is, for the gate to judge."""
    try:
        fields, doc = frontmatter.parse(item.rel, text)
    except InvalidItem:
        return text
    naive = {name: clock.aware(value) for name, value in fields.items()
             if clock.is_naive(value)}
    if not naive:
        return text
    return frontmatter.edited(item.rel, doc, naive, (), item.kind.order, item.kind.quoted,
                              before=fields)[1].text


def refuse_new_problems(s: Session, old: Item | None, new: Item) -> None:
    """Refuse a write that would add a problem `check` reports (a broken rule, a
    reference to no item, …)."""
    Gate(s).refuse(old, new)


class Gate:
    """The one judge of every write (`new`, `set`, `move`, `edit`, every import): the
    problems `check` would report of the candidate file that the file it replaces does
    not have (warnings aside: a rule of `severity: warning` never refuses), each located
    at its line: types, required fields, ids, strict fields,
    statuses, rules (rollups and lookups included), personal data, references that lead
    to no item (with the item most likely meant) and, for a batch, ids met twice.

    One write asks the disk what it needs (a stat per reference). A batch (`batch=True`,
    the importers) reads once what every record needs, the ids of every item and each
    kind's names for suggestions, and remembers the items admitted before: a record may
    refer to an item an earlier record creates, and a rule's `lookup` sees it.
    """

    def __init__(self, s: Session, batch: bool = False) -> None:
        self.s, self.batch = s, batch
        self._ids: dict[str, tuple[str, str, str]] | None = None  # lowered id: kind, id, path
        self._names: dict[str, dict[str, Item]] = {}  # kind: casefolded id or title: item
        self._edges: dict[str, list[str]] | None = None  # a batch's dependencies: id: ids

    def problems(self, old: Item | None, new: Item) -> list[Problem]:
        """What writing `new` in place of `old` (None: a new file) adds to `check`."""
        before = {(p.field, p.message) for p in item_problems(self.s, old, warnings=False)} \
            if old else set()
        added = [p for p in item_problems(self.s, new, warnings=False)
                 if (p.field, p.message) not in before]
        if old is None and self.batch:
            added += self._same_id(new)
        return added + _new_broken_refs(self.s, old, new, self) + \
            _new_cycles(self.s, old, new, self)

    def refuse(self, old: Item | None, new: Item) -> None:
        """Raise the first problem writing `new` would add, located (nothing is written)."""
        added = self.problems(old, new)
        if added:
            first = added[0]
            raise InvalidItem(first.path, first.line, first.field,
                              f"{first.message} (nothing was written)")

    def admit(self, item: Item) -> None:
        """An item the batch will write: later records may refer to it, rules see it."""
        if self.batch and self._edges is not None:
            from tracker.core import cycles  # noqa: PLC0415

            self._edges[item.id] = cycles.depends_on(item.fields)
        if self.batch:
            self._index().setdefault(item.id.lower(), (item.kind.name, item.id, item.rel))
            names = self._names.get(item.kind.name)
            if names is not None:
                _name(names, item)
        self.s.derived.admit(item)

    def exists(self, kind_name: str | None, item_id: str) -> bool:
        """Is there an item of this kind (of any kind: None) with exactly this id?"""
        if not self.batch:
            return _exists(self.s, kind_name, item_id)
        found = self._index().get(item_id.lower())
        return found is not None and found[1] == item_id and \
            (kind_name is None or found[0] == kind_name)

    def nearest(self, kind_name: str | None, text: str) -> str:
        """`; did you mean 'ID' (its title)?`, or nothing when no item is near."""
        if not self.batch:
            return _nearest(self.s, kind_name, text)
        key = kind_name or ""
        if key not in self._names:
            self._names[key] = _names(self.s, kind_name)
        return _suggestion(self._names[key], text)

    def dependencies(self) -> dict[str, list[str]]:
        """Every item's `depends_on` (id: ids): read from the disk for one write; for a
        batch, read once and kept up to date with the records admitted."""
        if self._edges is not None:
            return self._edges
        from tracker.core import cycles  # noqa: PLC0415

        kinds = [k for k in self.s.kinds.values() if schema.DEPENDS_ON in k.fields]
        every, _ = self.s.ws.load_all(kinds or None)
        edges = cycles.graph(every)
        if self.batch:
            self._edges = edges
        return edges

    def _index(self) -> dict[str, tuple[str, str, str]]:
        if self._ids is None:
            self._ids = {}
            for file in self.s.ws.item_files():
                self._ids.setdefault(file.id.lower(), (file.kind.name, file.id,
                                                       self.s.ws.display(file.path)))
        return self._ids

    def _same_id(self, new: Item) -> list[Problem]:
        """An item (or an earlier record) with this id, but for case or in another kind."""
        found = self._index().get(new.id.lower())
        if found is None or (found[1] == new.id and found[0] == new.kind.name):
            return []
        return [Problem(new.rel, 1, "id", same_id_message(new.id, found[2], found[1]))]


def same_id_message(item_id: str, other: str, other_id: str | None = None) -> str:
    """Why an item with this id is not written: `other` holds the same id (but for case)."""
    if other_id == item_id:
        return f"{other} has the id '{item_id}' already (nothing was written)"
    return (f"{other} has the id '{item_id}' but for case: ids that differ only by case are "
            "one id (nothing was written)")


def _duplicate_problems(located: list[tuple[Kind, str, str]]) -> list[Problem]:
    """Ids met twice, in any kind and any layout (flat or sharded), case aside: ids that
    differ only by case are one id (one file on a case-insensitive disk)."""
    seen: dict[str, str] = {}
    found = []
    for _, item_id, path in located:
        key = item_id.lower()
        if key in seen:
            found.append(Problem(path, 1, None, f"duplicate id: {seen[key]} has the same id"))
        else:
            seen[key] = path
    return found


def _ref_problems(chosen: list[Item], all_ids: list[tuple[Kind, str]]) -> list[Problem]:
    known = {(kind.name, item_id) for kind, item_id in all_ids}
    any_kind = {item_id for _, item_id in all_ids}
    found = []
    for item in chosen:
        for name, spec in item.kind.fields.items():
            if not spec.is_ref:
                continue
            value = item.fields.get(name)
            targets = value if isinstance(value, list) else [value]
            for target in targets:
                if not isinstance(target, str) or ids.qualified(target):
                    continue  # another member's: `check --federation` judges it
                ok = any((k, target) in known for k in spec.ref_kinds) if spec.ref_kinds \
                    else target in any_kind
                if not ok:
                    other = bool(spec.ref_kinds) and target in any_kind
                    found.append(Problem(item.rel, frontmatter.key_line(item.doc, name) or 1,
                                         name, _broken(name, target, spec.ref_kinds, other)))
    return found


def _broken(name: str, target: str, kinds: tuple[str, ...] = (),
            other_kind: bool = False) -> str:
    """Why a reference is refused: no such item, or (`other_kind`) an item that is not of
    the kinds the field names."""
    if other_kind:
        what = " or ".join(kinds)
        if name == schema.DEPENDS_ON:
            return f"dependency on '{target}', which is not a {what}"
        return f"broken reference: '{target}' is not a {what}"
    if name == schema.DEPENDS_ON:
        return f"dependency on a missing item '{target}'"
    return f"broken reference: no item '{target}'"


def _cycle_problems(every: list[Item]) -> list[Problem]:
    """Each dependency cycle once, at the file of its smallest id."""
    from tracker.core import cycles  # noqa: PLC0415

    by_id = {item.id: item for item in every}
    found = []
    for cycle in cycles.find_cycles(cycles.graph(every)):
        item = by_id[cycle[0]]
        found.append(Problem(item.rel, frontmatter.key_line(item.doc, schema.DEPENDS_ON) or 1,
                             schema.DEPENDS_ON, cycles.describe(cycle)))
    return found


def _new_cycles(s: Session, old: Item | None, new: Item,
                gate: Gate | None = None) -> list[Problem]:
    """The dependency cycle a write would make by what it adds to `depends_on`."""
    from tracker.core import cycles  # noqa: PLC0415

    added = [d for d in cycles.depends_on(new.fields)
             if d not in (cycles.depends_on(old.fields) if old is not None else ())]
    if not added:
        return []
    if added == [new.id]:
        cycle = [new.id, new.id]
    else:
        edges = dict((gate or Gate(s)).dependencies())
        edges[new.id] = cycles.depends_on(new.fields)
        cycle = cycles.path_back(edges, new.id, added)
    if not cycle:
        return []
    return [Problem(new.rel, frontmatter.key_line(new.doc, schema.DEPENDS_ON) or 1,
                    schema.DEPENDS_ON, cycles.describe(cycle))]


def _new_broken_refs(s: Session, old: Item | None, new: Item,
                     gate: Gate | None = None) -> list[Problem]:
    """The references a write gives that lead to no item (those it changes or adds
    only: an old broken one left as it was does not block the edit), each with the item
    it most likely meant."""
    gate = gate or Gate(s)
    found = []
    for name, spec in new.kind.fields.items():
        if not spec.is_ref:
            continue
        value = new.fields.get(name)
        was = old.fields.get(name) if old is not None else None
        if value == was:
            continue
        earlier = set(was) if isinstance(was, list) else {was}
        for target in value if isinstance(value, list) else [value]:
            if isinstance(target, str) and target not in earlier and \
                    not ids.qualified(target) and \
                    not any(gate.exists(k, target) for k in spec.ref_kinds or (None,)):
                near = spec.ref_kinds[0] if len(spec.ref_kinds) == 1 else None
                other = bool(spec.ref_kinds) and gate.exists(None, target)
                found.append(Problem(new.rel, frontmatter.key_line(new.doc, name) or 1, name,
                                     _broken(name, target, spec.ref_kinds, other)
                                     + gate.nearest(near, target)))
    return found


def _exists(s: Session, kind_name: str | None, item_id: str) -> bool:
    if ids.problem(item_id) is not None:
        return False
    kinds = [s.kinds[kind_name]] if kind_name in s.kinds else [] if kind_name else \
        list(s.kinds.values())
    return any(s.ws.path_for(kind, item_id).is_file() for kind in kinds)


def _nearest(s: Session, kind_name: str | None, text: str) -> str:
    """`; did you mean 'ID' (its title)?` for the item whose id or title is nearest to
    `text`, or nothing when none is near."""
    return _suggestion(_names(s, kind_name), text)


def _names(s: Session, kind_name: str | None) -> dict[str, Item]:
    """The items of a kind (of every kind: None) by casefolded id and title."""
    kinds = [s.kinds[kind_name]] if kind_name in s.kinds else [] if kind_name else None
    names: dict[str, Item] = {}
    if kinds == []:  # a kind no file defines: no item to suggest (load_all([]) reads all)
        return names
    items, _ = s.ws.load_all(kinds)
    for item in items:
        _name(names, item)
    return names


def _name(names: dict[str, Item], item: Item) -> None:
    names.setdefault(item.id.casefold(), item)
    names.setdefault(item.title.casefold(), item)


def _suggestion(names: dict[str, Item], text: str) -> str:
    import difflib  # noqa: PLC0415 - only when a reference is refused

    close = difflib.get_close_matches(text.casefold(), list(names), n=1, cutoff=0.6)
    if not close:
        return ""
    item = names[close[0]]
    return f"; did you mean '{item.id}'" + (f" ({item.title})?" if item.title else "?")


def _conflict_problems(s: Session, paths: Iterable[str]) -> list[Problem]:
    found = []
    base = s.ws.top or s.ws.root
    for rel in paths:
        path = base / rel
        try:
            if not path.is_file() or path.is_symlink():
                continue  # never open a pipe, a device, or a link's target here
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for line, field in _conflicts(text):
            found.append(Problem(rel, line, field, CONFLICT_MESSAGE))
    return found


def _conflicts(text: str) -> list[tuple[int, str | None]]:
    """(line, field) of each merge conflict left in a file (field None in the body)."""
    if not frontmatter.conflict_lines(text):
        return []
    from tracker.format import merge  # noqa: PLC0415

    found = [(line, field if field not in (None, "body") else None)
             for line, field in merge.conflict_markers(text)]
    return found or [(line, None) for line in frontmatter.conflict_lines(text)]


def _quote_hint(item: Item, name: str, problem: str) -> str:
    """For a code YAML read as a number (01001 -> 513), say how it was written."""
    if not problem.startswith("expected text, found the number"):
        return problem
    line = frontmatter.key_line(item.doc, name)
    raw = item.doc.lines[line - 2].split(":", 1)[1].split("#")[0].strip() if line else ""
    if raw:
        return (f"expected text, but YAML reads {raw} as the number {item.fields.get(name)}: "
                f"write it in quotes, {name}: \"{raw}\"")
    return problem
