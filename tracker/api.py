"""`Tracker(root)`: the library surface the CLI stands on.

Every method returns values or raises `TrackerError`; nothing here prints or exits.
"""

from __future__ import annotations

import os
import re
from datetime import date, datetime
from pathlib import Path

from tracker.core import privacy
from tracker.core.derive import Derived
from tracker.format import frontmatter
from tracker.git import repo as gitrepo
from tracker.model import ids, schema
from tracker.model.clock import now
from tracker.model.errors import (
    GitError,
    InvalidItem,
    InvalidValue,
    ItemNotFound,
    TrackerError,
    UsageError,
    WorkflowError,
)
from tracker.model.record import record
from tracker.model.schema import Kind
from tracker.store import snapshot
from tracker.store.workspace import Item, ItemFile, Workspace, write_atomic

TYPE_CHECKING = False  # typing is not imported at run time (start-up)
if TYPE_CHECKING:
    from typing import Any, Iterable

SYSTEM_FIELDS = ("id", "kind", "path")


@record(frozen=True)
class Problem:
    """One thing `check` found wrong, located as precisely as known."""

    path: str
    line: int | None
    field: str | None
    message: str

    @classmethod
    def of(cls, error: InvalidItem) -> "Problem":
        return cls(error.path, error.line, error.field, error.reason)

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "line": self.line, "field": self.field,
                "message": self.message}


@record
class Listing:
    """Items read from disk, and the files that could not be read."""

    items: list[Item]
    problems: list[Problem]


def _kind_folders(path: str, by_folder: dict[str, Any]) -> list[str]:
    """The kind folder holding a file: its folder, or its folder's (a shard)."""
    folder = path.rpartition("/")[0]
    if folder in by_folder:
        return [folder]
    parent = folder.rpartition("/")[0]
    return [parent] if parent in by_folder and by_folder[parent].shard else []


class Tracker:
    """A tracker found at or above `start` (default: the current folder)."""

    def __init__(self, start: Path | str | None = None) -> None:
        self.ws = Workspace.find(Path(start or os.getcwd()))
        self._derived: Derived | None = None
        self.notices: list[str] = []  # things the CLI should tell the user (on stderr)

    @property
    def root(self) -> Path:
        return self.ws.root

    @property
    def kinds(self) -> dict[str, Kind]:
        return self.ws.kinds

    @property
    def auto_commit(self) -> bool:
        policy = self.ws.config.get("commit", "auto")
        return policy not in (False, "off") and self.ws.top is not None  # YAML reads off as false

    # ------------------------------------------------------------ reading

    def resolve(self, ref: str) -> ItemFile:
        """The item file for an id or a unique id prefix."""
        if not ref or ref.startswith("-"):
            raise ItemNotFound(f"no item with id '{ref}'")
        if ids.problem(ref) is None:
            for kind in self.kinds.values():
                path = self.ws.path_for(kind, ref)
                if path.is_file():
                    return ItemFile(kind, ref, path)
        by_id: dict[str, ItemFile] = {}
        for file in self.ws.item_files():
            if file.id.startswith(ref):
                by_id.setdefault(file.id, file)
        return by_id[ids.resolve(ref, by_id)]

    def get(self, ref: str) -> Item:
        return self.ws.load(self.resolve(ref))

    def items(self, kinds: Iterable[str] | None = None) -> Listing:
        selected = [self.ws.kind(k) for k in kinds] if kinds else None
        items, errors = self.ws.load_all(selected)
        return Listing(items, [Problem.of(e) for e in errors])

    @property
    def derived(self) -> Derived:
        """Rollups, computed fields and rules, cached for this Tracker's lifetime."""
        if self._derived is None:
            self._derived = Derived(self)
        return self._derived

    def computed(self, item: Item) -> dict[str, Any]:
        """The kind's rollups and computed fields for this item (None where undefined)."""
        return self.derived.values(item)

    def context(self, item: Item) -> dict[str, Any]:
        """The names an expression sees for this item: fields, derived values, helpers."""
        return self.derived.context(item)

    def record(self, item: Item, body: bool = True) -> dict[str, Any]:
        """The item as one JSON-ready mapping: id, kind, path, fields, computed, body."""
        data: dict[str, Any] = {"id": item.id, "kind": item.kind.name, "path": item.rel}
        for key, value in item.fields.items():
            if key not in SYSTEM_FIELDS:
                data[key] = value
        data.update(self.computed(item))
        if body:
            data["body"] = item.body
        return data

    # ------------------------------------------------------------ writing

    def new(self, kind_name: str, title: str, values: dict[str, str] | None = None,
            body: str = "", commit: bool = True) -> Item:
        """Create an item; never overwrites a file that exists."""
        kind = self.ws.kind(kind_name)
        fields = self._initial_fields(kind, title, values or {})
        text = frontmatter.render(fields, body, quoted=kind.quoted)
        with self.ws.lock():
            self.preflight(commit)
            item_id, path = self._new_path(kind, fields)
            self._refuse_problems(None, self._candidate(kind, item_id, path, text))
            try:
                write_atomic(path, text, create=True)
            except FileExistsError:
                raise TrackerError(f"{self.ws.display(path)} exists already: change it with "
                                   f"'tracker set {item_id} FIELD=VALUE'") from None
            self._commit(commit, [path], f"new {item_id}: {title}", new=True)
        return self.ws.load(ItemFile(kind, item_id, path))

    def _initial_fields(self, kind: Kind, title: str, values: dict[str, str]) -> dict[str, Any]:
        given: dict[str, Any] = {"title": title}
        for name, text in values.items():
            given[name] = self._parse_value(kind, name, text)
        if "title" in kind.fields:
            _check(kind.fields["title"], given["title"])
        fields: dict[str, Any] = {} if "title" in kind.fields else {"title": given.pop("title")}
        for name in kind.order:
            spec = kind.fields[name]
            value = given.pop(name, None)
            if value is None:
                value = self.default_value(spec)
            if value is None and spec.required:
                raise InvalidValue(name, f"is required; give it with --set {name}=VALUE")
            if value is not None:
                fields[name] = value
        fields.update(given)
        return fields

    def default_value(self, spec: schema.Field) -> Any:
        """A field's value for a new item: its auto time, or its default typed."""
        if spec.auto == "now":
            return now()
        if spec.auto == "today":
            return now().date()
        if spec.default is None:
            return None
        if isinstance(spec.default, str) and spec.type not in ("string", "enum", "ref"):
            return schema.parse_input(spec, spec.default)
        return spec.default

    def _new_path(self, kind: Kind, fields: dict[str, Any]) -> tuple[str, Path]:
        if kind.ids.scheme == "key":
            item_id = ids.validate(ids.key_id(kind.ids.key or "", fields))
            return item_id, self.ws.path_for(kind, item_id)
        for _ in range(100):
            item_id = ids.random_id(kind.ids.prefix, kind.ids.length)
            path = self.ws.path_for(kind, item_id)
            if not path.exists():
                return item_id, path
        raise TrackerError(f"could not find a free id in {kind.folder}/")

    def set(self, ref: str, values: dict[str, str], unset: Iterable[str] = (),
            commit: bool = True, message: str | None = None) -> Item:
        """Change some fields, rewriting only their lines."""
        with self.ws.lock():  # read under the lock: concurrent writers lose nothing
            return self._set_locked(ref, values, list(unset), commit, message)

    def _set_locked(self, ref: str, values: dict[str, str], removals: list[str], commit: bool,
                    message: str | None) -> Item:
        item, resolving = self._load_resolving(ref, set(values) | set(removals))
        kind = item.kind
        updates = {name: self._parse_value(kind, name, text) for name, text in values.items()}
        for name in removals:
            spec = kind.fields.get(name)
            if spec and spec.required:
                raise InvalidValue(name, "is required and cannot be removed")
        if not resolving and not _changes(item.fields, updates, removals):
            return item
        doc = frontmatter.edit(item.rel, item.doc, updates, removals, kind.order, kind.quoted)
        self._refuse_problems(item, self._candidate(kind, item.id, item.path, doc.text))
        summary = ", ".join([f"{k}={_short(v)}" for k, v in updates.items()]
                            + [f"-{k}" for k in removals])
        return self._rewrite(item, doc.text, commit, message or f"set {item.id}: {summary}")

    def _load_resolving(self, ref: str, names: Iterable[str]) -> tuple[Item, bool]:
        """The item to edit; a merge conflict confined to the fields being set is resolved
        (those fields get their new values), others still refuse the edit."""
        file = self.resolve(ref)
        text = self.ws.read_text(file.path)
        if not frontmatter.conflict_lines(text):
            return self.ws.load(file), False
        from tracker.format import merge  # noqa: PLC0415

        resolved = merge.resolve(text, merge.OURS, fields=names)
        left = [field for _, field in merge.conflict_markers(resolved)]
        if left:
            raise InvalidItem(self.ws.display(file.path), None, ", ".join(
                f or "?" for f in left), "unresolved merge conflict: set these fields too, "
                "or edit the file")
        shown = self.ws.display(file.path)
        fields, doc = frontmatter.parse(shown, resolved)
        return Item(file.kind, file.id, file.path, shown, fields, doc), True

    def move(self, ref: str, status: str, force: bool = False, commit: bool = True) -> Item:
        """Change the status along the kind's workflow."""
        with self.ws.lock():  # read under the lock: concurrent writers lose nothing
            item = self.get(ref)
            workflow = item.kind.workflow
            if workflow is None:
                raise WorkflowError(f"kind '{item.kind.name}' has no workflow")
            current = item.fields.get("status")
            if status not in workflow.statuses:
                raise WorkflowError(f"unknown status '{status}'; statuses of {item.kind.name}: "
                                    + ", ".join(workflow.statuses))
            allowed = workflow.allowed(current)
            if status != current and status not in allowed and not force:
                raise WorkflowError(f"{item.id} cannot move from {current} to {status}; allowed: "
                                    + (", ".join(allowed) or "none") + " (or use --force)")
            return self.set(item.id, {"status": status}, commit=commit,
                            message=f"move {item.id}: {current} -> {status}")

    def replace_text(self, ref: str, text: str, commit: bool = True,
                     expected: str | None = None) -> tuple[Item, bool]:
        """Replace a whole file (after an edit), refusing text that does not validate.

        With `expected` (the text the edit started from), refuse if the file changed
        meanwhile: writing would silently undo someone else's change.
        """
        with self.ws.lock():
            return self._replace_locked(ref, text, commit, expected)

    def _replace_locked(self, ref: str, text: str, commit: bool,
                        expected: str | None) -> tuple[Item, bool]:
        item = self.get(ref)
        if expected is not None and item.doc.text != expected:
            raise TrackerError(f"{item.rel} changed while it was being edited; nothing saved")
        problems = self.validate_text(item, text)
        if problems:
            raise InvalidItem(problems[0].path, problems[0].line, problems[0].field,
                              problems[0].message)
        if text == item.doc.text:
            return item, False
        return self._rewrite(item, text, commit, f"edit {item.id}: {item.title}"), True

    def validate_text(self, item: Item, text: str) -> list[Problem]:
        """The problems a new text for this item would have."""
        try:
            fields, doc = frontmatter.parse(item.rel, text)
        except InvalidItem as e:
            return [Problem.of(e)]
        candidate = Item(item.kind, item.id, item.path, item.rel, fields, doc)
        return self.item_problems(candidate)

    def _candidate(self, kind: Kind, item_id: str, path: Path, text: str) -> Item:
        fields, doc = frontmatter.parse(self.ws.display(path), text)
        return Item(kind, item_id, path, self.ws.display(path), fields, doc)

    def _refuse_problems(self, old: Item | None, new: Item) -> None:
        """Refuse a write that would add a problem `check` reports (a broken rule, …)."""
        before = {(p.field, p.message) for p in self.item_problems(old)} if old else set()
        added = [p for p in self.item_problems(new) if (p.field, p.message) not in before]
        if added:
            first = added[0]
            raise InvalidItem(first.path, first.line, first.field,
                              f"{first.message} (nothing was written)")

    def _rewrite(self, item: Item, text: str, commit: bool, message: str) -> Item:
        with self.ws.lock():
            self.preflight(commit)
            write_atomic(item.path, text)
            self._commit(commit, [item.path], message)
        return self.ws.load(ItemFile(item.kind, item.id, item.path))

    def _commit(self, wanted: bool, paths: list[Path], message: str, new: bool = False) -> None:
        if wanted and self.auto_commit and self.ws.top is not None:
            rel = [str(p.relative_to(self.ws.top)) for p in paths]
            try:
                if gitrepo.operation_in_progress(self.ws.top):
                    gitrepo.stage(self.ws.top, rel)  # part of the commit that ends the merge
                    self.notices.append(f"{', '.join(rel)}: staged for the commit that "
                                        "concludes the merge in progress (git commit)")
                else:
                    gitrepo.commit(self.ws.top, rel, message, new=new)
            except GitError as e:
                raise GitError(f"{', '.join(rel)} written but not committed: {e}") from None

    def preflight(self, commit: bool) -> None:
        """Refuse before writing anything when the commit that follows would fail."""
        if commit and self.auto_commit and self.ws.top is not None:
            blocker = gitrepo.commit_blocker(self.ws.top)
            if blocker:
                raise GitError(blocker)

    def _parse_value(self, kind: Kind, name: str, text: str) -> Any:
        if name in SYSTEM_FIELDS or name in kind.computed:
            raise InvalidValue(name, "is derived and cannot be set")
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.-]*", name):
            raise InvalidValue(name, "is not a valid field name")
        spec = kind.fields.get(name)
        if spec is None:
            if kind.strict:
                raise InvalidValue(name, f"unknown field; fields of {kind.name}: "
                                   + ", ".join(kind.fields))
            return text
        value = schema.parse_input(spec, text)
        _check(spec, value)
        return value

    # ------------------------------------------------------------ checking

    def check(self, paths: Iterable[str] = ()) -> list[Problem]:
        """Every problem in the items (or only in those under `paths`)."""
        wanted = [self.ws.display(Path(p).resolve()).rstrip("/") for p in paths]

        def selected(rel: str) -> bool:
            return not wanted or any(rel == w or rel.startswith(w + "/") for w in wanted)

        every, errors = self.ws.load_all()
        self._advise_sharding(every)
        items = [i for i in every if selected(i.rel)]
        problems = [Problem.of(e) for e in errors if selected(e.path)]
        by_folder = {self.ws.display(self.ws.folder(k)): k for k in self.kinds.values()}
        all_ids = [(i.kind, i.id) for i in every] + [
            (by_folder[folder], snapshot.id_of(e.path)) for e in errors
            for folder in _kind_folders(e.path, by_folder)]
        conflicted = self._conflict_problems([p.path for p in problems])
        if conflicted:  # a conflicted file is reported by its conflicts, not as bad YAML
            paths = {p.path for p in conflicted}
            problems = [p for p in problems if p.path not in paths] + conflicted
        for item in items:
            problems.extend(self.item_problems(item))
        problems.extend(self._ref_problems(items, all_ids))
        problems.extend(p for p in self._duplicate_problems(all_ids) if selected(p.path))
        return sorted(set(problems), key=lambda p: (p.path, p.line or 0, p.field or ""))

    def _advise_sharding(self, items: list[Item]) -> None:
        """A notice for each flat kind folder past layout.ADVISED_ABOVE items."""
        from tracker.core.shard import ADVISED_ABOVE  # noqa: PLC0415

        counts: dict[str, int] = {}
        for item in items:
            counts[item.kind.name] = counts.get(item.kind.name, 0) + 1
        for name, count in counts.items():
            kind = self.kinds[name]
            if count > ADVISED_ABOVE and not kind.shard:
                self.notices.append(
                    f"{kind.folder}/ holds {count:,} items in one folder: every commit "
                    f"rewrites its whole list; 'tracker shard {name} 2' keeps commits "
                    "small (see docs/performance.md)")

    def item_problems(self, item: Item) -> list[Problem]:
        kind, found = item.kind, []

        def add(field: str | None, message: str, line: int | None = None) -> None:
            if line is None and field:
                line = frontmatter.key_line(item.doc, field)
            found.append(Problem(item.rel, line or 1, field, message))

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
            for field, message in self.derived.rule_problems(item):
                add(field, message)
        if privacy.forbidden(self.ws.config):
            for line, field, message in privacy.scan(item.doc, self.ws.config):
                add(field, message, line)
        return found

    def _duplicate_problems(self, all_ids: list[tuple[Kind, str]]) -> list[Problem]:
        seen: dict[str, tuple[Kind, str]] = {}
        found = []
        for kind, item_id in all_ids:
            key = item_id.lower()
            if key in seen:
                other_kind, other_id = seen[key]
                path = self.ws.display(self.ws.folder(kind) / f"{item_id}.md")
                other = self.ws.display(self.ws.folder(other_kind) / f"{other_id}.md")
                found.append(Problem(path, 1, None, f"duplicate id: {other} has the same id"))
            else:
                seen[key] = (kind, item_id)
        return found

    def _ref_problems(self, items: list[Item], all_ids: list[tuple[Kind, str]]) -> list[Problem]:
        known = {(kind.name, item_id) for kind, item_id in all_ids}
        any_kind = {item_id for _, item_id in all_ids}
        found = []
        for item in items:
            for name, spec in item.kind.fields.items():
                if spec.type != "ref" and not (spec.type == "list" and spec.of == "ref"):
                    continue
                value = item.fields.get(name)
                targets = value if isinstance(value, list) else [value]
                for target in targets:
                    if not isinstance(target, str):
                        continue
                    ok = (spec.ref_kind, target) in known if spec.ref_kind else target in any_kind
                    if not ok:
                        found.append(Problem(item.rel, frontmatter.key_line(item.doc, name) or 1,
                                             name, f"broken reference: no item '{target}'"))
        return found

    def _conflict_problems(self, paths: Iterable[str]) -> list[Problem]:
        found = []
        base = self.ws.top or self.ws.root
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

    # ---- façade for reports, importers and campaign (its methods; the rest ends the file)

    def upsert(self, kind_name: str, records: Iterable[dict[str, Any]], *,
               key: str | None = None, keep: Iterable[str] = (), message: str,
               commit: bool = True, body_field: str | None = None, id_field: str | None = None,
               progress: Callable[[Iterable[Any]], Iterable[Any]] | None = None) -> Outcome:
        """Create or update one item per record (typed values), then commit once."""
        from tracker.core import bulk  # noqa: PLC0415 - loaded for imports only

        return bulk.upsert(self, kind_name, records, key=key, keep=keep, message=message,
                           commit=commit, body_field=body_field, id_field=id_field,
                           progress=progress)

    def history(self) -> History:
        """History queries over this tracker's git log; close it (or use `with`) when done."""
        from tracker.core.history import History  # noqa: PLC0415 - loaded for history only

        return History(self)


CONFLICT_MESSAGE = "unresolved merge conflict: edit the file, or give the field its value " \
    "with 'tracker set'"


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


def _check(spec: schema.Field, value: Any) -> None:
    problem = schema.check_value(spec, value)
    if problem:
        raise InvalidValue(spec.name, problem)


def _changes(fields: dict[str, Any], updates: dict[str, Any], removals: list[str]) -> bool:
    return any(fields.get(k, _MISSING) != v for k, v in updates.items()) or any(
        k in fields for k in removals)


_MISSING = object()


def _short(value: Any) -> str:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(map(str, value)) + "]"
    text = str(value)
    return text if len(text) <= 40 else text[:39] + "…"


def parse_assignments(pairs: Iterable[str]) -> dict[str, str]:
    """`FIELD=VALUE` strings as a mapping; a pair without '=' is a usage error."""
    values: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"expected FIELD=VALUE, got '{pair}'")
        values[name.strip()] = value
    return values


# ---- façade for reports, importers and campaign
# What the layers above api use of those below it, so that they import api alone
# (tests/test_layers.py); `Item` and `write_atomic` come from the imports at the top.
# Each function loads its module on first call: importing api costs what it did.

from tracker.store.workspace import CONFIG_DIR  # noqa: E402, F401 - re-exported for reports

if TYPE_CHECKING:
    from typing import Callable

    from tracker.core.bulk import Outcome
    from tracker.core.history import History
    from tracker.core.init import InitResult


def init(folder: Path, template: str = "default", commit: bool = True) -> InitResult:
    """Set up a tracker in `folder` from a built-in project template; again changes no data."""
    from tracker.core import init as project  # noqa: PLC0415 - loaded for init only

    return project.init(folder, template, commit)


def templates_dir() -> Path:
    """The built-in templates: `reports/` (the report templates) and `projects/`."""
    from tracker.store import resources  # noqa: PLC0415

    return resources.templates_dir()
