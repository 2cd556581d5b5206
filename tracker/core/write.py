"""Writing items: `new`, `set`, `move` and a whole new text (`edit`), then the commit.

Each write runs once, under the lock taken once: the item is read and parsed once,
edited by its front matter lines, the candidate validated (it may not add a problem
`check` would report), written, committed, and returned as written: nothing is read
back.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from tracker.core.check import (
    refuse_new_problems,
    same_id_message,
    validate_text,
    with_offsets,
)
from tracker.core.commits import commit_files, preflight
from tracker.core.read import SYSTEM_FIELDS, get, resolve
from tracker.format import frontmatter
from tracker.model import ids, schema
from tracker.model.clock import now
from tracker.model.errors import (
    InvalidItem,
    InvalidValue,
    TrackerError,
    UsageError,
    WorkflowError,
)
from tracker.store.workspace import Item

FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")  # what a field may be called
TYPE_CHECKING = False  # typing is not imported at run time (start-up)
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any, Iterable

    from tracker.core.session import Session
    from tracker.model.schema import Kind
    from tracker.store.workspace import ItemFile


# ------------------------------------------------------------ new


def new(s: Session, kind_name: str, title: str, values: dict[str, str] | None = None,
        body: str = "", commit: bool = True, force: bool = False) -> Item:
    """Create an item; never overwrites a file that exists. `force`: add fields the kind
    does not declare even when their names are close to declared ones."""
    kind = s.ws.kind(kind_name)
    fields = _initial_fields(kind, title, values or {}, force)
    text = frontmatter.render(fields, body, quoted=kind.quoted)
    with s.ws.lock():
        preflight(s, commit)
        item_id, path = _new_path(s, kind, fields)
        shown = s.ws.display(path)
        candidate = Item(kind, item_id, path, shown, *frontmatter.parse(shown, text))
        refuse_new_problems(s, None, candidate)
        message = f"new {item_id}: {title}"
        with s.ws.journal("new", message, commit and s.auto_commit) as journal:
            try:
                journal.write(path, text, create=True)
            except FileExistsError:
                raise TrackerError(f"{shown} exists already: change it with "
                                   f"'tracker set {item_id} FIELD=VALUE'") from None
            commit_files(s, commit, [path], message, new=True)
    return candidate


def _initial_fields(kind: Kind, title: str, values: dict[str, str],
                    force: bool = False) -> dict[str, Any]:
    given: dict[str, Any] = {"title": title}
    for name, text in values.items():
        given[name] = parse_value(kind, name, text, force=force)
    if "title" in kind.fields:
        _check(kind.fields["title"], given["title"])
    fields: dict[str, Any] = {} if "title" in kind.fields else {"title": given.pop("title")}
    for name in kind.order:
        spec = kind.fields[name]
        value = given.pop(name, None)
        if value is None:
            value = default_value(spec)
        if value is None and spec.required:
            raise InvalidValue(name, f"is required; give it with --set {name}=VALUE")
        if value is not None:
            fields[name] = value
    fields.update(given)
    return fields


def parse_input(spec: schema.Field, text: str) -> Any:
    """A value typed by a person (on the command line, in a CSV cell) in the field's type;
    a flow list `[a, 'b, c']` is split into its items as typed, each typed as the list's
    items are (`01001` in a list of text stays `01001`)."""
    from tracker.format.yaml import flow_items  # noqa: PLC0415

    return schema.parse_input(spec, text, flow_items)


def default_value(spec: schema.Field) -> Any:
    """A field's value for a new item: its auto time, or its default typed."""
    if spec.auto == "now":
        return now()
    if spec.auto == "today":
        return now().date()
    if spec.default is None:
        return None
    if isinstance(spec.default, str) and spec.type not in ("string", "enum", "ref"):
        return parse_input(spec, spec.default)
    return spec.default


def _new_path(s: Session, kind: Kind, fields: dict[str, Any]) -> tuple[str, Path]:
    if kind.ids.scheme == "key":
        item_id = ids.validate(ids.key_id(kind.ids.key or "", fields))
        twin = s.ws.same_id(kind, item_id)
        if twin:
            raise TrackerError(same_id_message(item_id, *twin))
        return item_id, s.ws.path_for(kind, item_id)
    for _ in range(100):
        item_id = ids.random_id(kind.ids.prefix, kind.ids.length)
        path = s.ws.path_for(kind, item_id)
        if not path.exists():
            return item_id, path
    raise TrackerError(f"could not find a free id in {kind.folder}/")


# ------------------------------------------------------------ set and move


def set_fields(s: Session, ref: str, values: dict[str, str], unset: Iterable[str] = (),
               commit: bool = True, message: str | None = None, force: bool = False) -> Item:
    """Change some fields, rewriting only their lines. `force`: add fields the kind does
    not declare even when their names are close to declared ones."""
    removals = list(unset)
    with s.ws.lock():  # read under the lock: concurrent writers lose nothing
        file = resolve(s, ref)
        text = s.ws.read_text(file.path)
        item, resolving = _editable(s, file, text, set(values) | set(removals))
        return _edit(s, item, resolving, values, removals, commit, message, force)


def move(s: Session, ref: str, status: str, force: bool = False,
         commit: bool = True) -> Item:
    """Change the status along the kind's workflow."""
    with s.ws.lock():  # read under the lock: concurrent writers lose nothing
        file = resolve(s, ref)
        text = s.ws.read_text(file.path)
        item = _parsed(s, file, text)  # as `get` reads it, before the workflow is asked
        current = _current_status(item, status, force)
        editable, resolving = (item, False) if not frontmatter.conflict_lines(text) else \
            _editable(s, file, text, {"status"})
        return _edit(s, editable, resolving, {"status": status}, [], commit,
                     f"move {item.id}: {current} -> {status}")


def _current_status(item: Item, status: str, force: bool) -> Any:
    """The item's status, once its workflow allows the move to `status`."""
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
    return current


def _edit(s: Session, item: Item, resolving: bool, values: dict[str, str],
          removals: list[str], commit: bool, message: str | None, force: bool = False) -> Item:
    """Set and remove fields of an item read under the lock: validate, write, commit."""
    kind = item.kind
    updates = {name: parse_value(kind, name, text, force=force or name in item.fields)
               for name, text in values.items()}
    for name in removals:
        if kind.kept(name):
            raise InvalidValue(name, "is required and cannot be removed")
    if not resolving and not _changes(item.fields, updates, removals):
        return item
    fields, doc = frontmatter.edited(item.rel, item.doc, updates, removals, kind.order,
                                     kind.quoted, before=item.fields)
    candidate = Item(kind, item.id, item.path, item.rel, fields, doc)
    refuse_new_problems(s, item, candidate)
    s.changes = [(k, item.fields.get(k), candidate.fields.get(k)) for k in [*updates, *removals]
                 if item.fields.get(k, _MISSING) != candidate.fields.get(k, _MISSING)]
    summary = ", ".join([f"{k}={_short(v)}" for k, v in updates.items()]
                        + [f"-{k}" for k in removals])
    _write(s, candidate, commit, message or f"set {item.id}: {summary}")
    return candidate


def edit_item(s: Session, item: Item, resolving: bool, values: dict[str, str],
              removals: list[str], commit: bool, message: str | None) -> Item:
    """Set and remove fields of an item read under the lock, in one commit with this
    message (claim, release)."""
    return _edit(s, item, resolving, values, removals, commit, message)


def _parsed(s: Session, file: ItemFile, text: str) -> Item:
    shown = s.ws.display(file.path)
    return Item(file.kind, file.id, file.path, shown, *frontmatter.parse(shown, text))


def _editable(s: Session, file: ItemFile, text: str, names: Iterable[str]) -> tuple[Item, bool]:
    """The item to edit, from its text; a merge conflict confined to the fields being set
    is resolved (those fields get their new values), others still refuse the edit."""
    if not frontmatter.conflict_lines(text):
        return _parsed(s, file, text), False
    from tracker.format import merge  # noqa: PLC0415

    resolved = merge.resolve(text, merge.OURS, fields=names)
    left = [field for _, field in merge.conflict_markers(resolved)]
    if left:
        raise InvalidItem(s.ws.display(file.path), None, ", ".join(
            f or "?" for f in left), "unresolved merge conflict: set these fields too, "
            "or edit the file")
    return _parsed(s, file, resolved), True


def parse_value(kind: Kind, name: str, text: str, force: bool = False) -> Any:
    """A value typed in (`FIELD=VALUE`), typed and checked against the kind. A field the
    kind does not declare is added in an open kind, unless its name is so close to a
    declared one that it is likely a typo (`prio` for `priority`) and not `force`."""
    if name in SYSTEM_FIELDS or name in kind.computed:
        raise InvalidValue(name, "is derived and cannot be set")
    if not FIELD_NAME.fullmatch(name):
        raise InvalidValue(name, "is not a valid field name")
    spec = kind.fields.get(name)
    if spec is None:
        if kind.strict:
            raise InvalidValue(name, f"unknown field; fields of {kind.name}: "
                               + ", ".join(kind.fields))
        near = None if force else near_field(name, kind.fields)
        if near is not None:
            raise InvalidValue(name, f"not a field of {kind.name}: did you mean '{near}'? "
                               "(--force adds it as a new field)")
        return text
    value = parse_input(spec, text)
    _check(spec, value)
    return value


def near_field(name: str, declared: Iterable[str]) -> str | None:
    """The declared field a new name most likely meant: one it begins (`prio` for
    `priority`, three letters at least) or within two edits of it (letters added, removed,
    changed or swapped), ignoring case; None when none is that close."""
    lowered = name.lower()
    best: tuple[int, str] | None = None
    for field in declared:
        other = field.lower()
        if other == lowered:
            return field
        if len(lowered) >= 3 and other.startswith(lowered):
            distance = 1
        else:
            distance = _edits(lowered, other)
        if distance <= 2 and len(lowered) > distance and (best is None or distance < best[0]):
            best = (distance, field)
    return best[1] if best is not None else None


def _edits(a: str, b: str) -> int:
    """Edits from a to b: insertions, deletions, substitutions, adjacent swaps."""
    if abs(len(a) - len(b)) > 2:
        return 3
    previous, row = None, list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            current[j] = min(row[j] + 1, current[j - 1] + 1, row[j - 1] + (ca != cb))
            if previous is not None and i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous[j - 2] + 1)
        previous, row = row, current
    return row[-1]


# ------------------------------------------------------------ a whole text


def replace_text(s: Session, ref: str, text: str, commit: bool = True,
                 expected: str | None = None) -> tuple[Item, bool]:
    """Replace a whole file (after an edit), refusing text that does not validate.

    With `expected` (the text the edit started from), refuse if the file changed
    meanwhile: writing would silently undo someone else's change.
    """
    with s.ws.lock():
        item = get(s, ref)
        if expected is not None and item.doc.text != expected:
            raise TrackerError(f"{item.rel} changed while it was being edited; nothing saved")
        text = with_offsets(item, text)
        candidate, problems = validate_text(s, item, text)
        if problems or candidate is None:
            first = problems[0]
            raise InvalidItem(first.path, first.line, first.field, first.message)
        if text == item.doc.text:
            return item, False
        _write(s, candidate, commit, f"edit {item.id}: {edited_summary(item, candidate)}")
        return candidate, True


def edited_summary(before: Item, after: Item) -> str:
    """What an edit changed, for its commit message: `edit ID: priority, status, body`
    (the title when only the file's layout changed)."""
    names = [k for k in dict.fromkeys([*before.fields, *after.fields])
             if before.fields.get(k, _MISSING) != after.fields.get(k, _MISSING)]
    if before.body.strip() != after.body.strip():
        names.append("body")
    return ", ".join(names) if names else after.title


# ------------------------------------------------------------ writing and committing


def _write(s: Session, item: Item, commit: bool, message: str) -> None:
    """Write and commit one changed item, journaled (store/journal.py): a failure rolls
    it back, a writer killed before its commit is settled by the next one."""
    preflight(s, commit)
    with s.ws.journal(message.partition(" ")[0], message, commit and s.auto_commit) as journal:
        journal.write(item.path, item.doc.text)
        commit_files(s, commit, [item.path], message)


# ------------------------------------------------------------ helpers


def parse_assignments(pairs: Iterable[str]) -> dict[str, str]:
    """`FIELD=VALUE` strings as a mapping; a pair without '=' is a usage error."""
    values: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"expected FIELD=VALUE, got '{pair}'")
        values[name.strip()] = value
    return values


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
