"""An item's version, and edits made against the version they were read at.

The version of an item is the git blob id of its file as it is now (what `git
hash-object` gives it). A client (a form, a script) reads an item with its version and
sends its changes with it; when the file changed meanwhile, the fields decide as the
merge driver decides (format/merge.py's `plan_fields`, base: the version read, theirs:
the file now, ours: the version read with the changes): a field only the other side
changed stays as they left it, a field only this edit changes takes its value, the same
change on both sides is one change, and a field both changed to different values (a list
included) is refused with both values (`EditConflict`), never silently overwritten. The
body likewise. The edit itself is `set` (only the changed fields' lines are rewritten)
and, for a new body, a whole text, in one commit.
"""

from __future__ import annotations

from tracker.core import read, write
from tracker.format import frontmatter, merge
from tracker.git import repo as gitrepo
from tracker.model.errors import EditConflict

TYPE_CHECKING = False  # typing is not imported at run time (start-up)
if TYPE_CHECKING:
    from typing import Any, Iterable

    from tracker.core.session import Session
    from tracker.store.workspace import Item


def version(s: Session, item: Item) -> str | None:
    """The git blob id of the item's file now (None outside a git repository)."""
    if s.ws.top is None:
        return None
    return gitrepo.blob_id(s.ws.top, item.path.relative_to(s.ws.top).as_posix())


def head(s: Session) -> str | None:
    """The commit HEAD names (None outside git, or before the first commit)."""
    return gitrepo.rev_parse(s.ws.top, "HEAD") if s.ws.top is not None else None


def edit(s: Session, ref: str, values: dict[str, str], unset: Iterable[str] = (),
         body: str | None = None, at: str | None = None) -> Item:
    """Set and remove fields and replace the body (None: kept) of an item, in one commit;
    with `at` (the version the change was made against), merged with what changed since
    or refused (`EditConflict`)."""
    removals = list(unset)
    with s.ws.lock():
        item = read.get(s, ref)
        if at is not None and s.ws.top is not None and at != version(s, item):
            values, removals, body = _merged(s, item, values, removals, body, at)
        new_body = body is not None and _ended(body, item.doc.newline) != item.body
        if values or removals:
            item = write.set_fields(s, item.id, values, removals, commit=not new_body)
        if new_body:
            doc = item.doc
            text = doc.text[:len(doc.text) - len(doc.body)] + _ended(body or "", doc.newline)
            item, _ = write.replace_text(s, item.id, text)
        return item


def _ended(body: str, newline: str) -> str:
    """A body as the file keeps it: the file's line endings, a final one."""
    lines = body.replace("\r\n", "\n").split("\n")
    text = newline.join(lines)
    return text if not text or text.endswith(newline) else text + newline


def _merged(s: Session, item: Item, values: dict[str, str], removals: list[str],
            body: str | None, at: str) -> tuple[dict[str, str], list[str], str | None]:
    """The changes still to make, once what changed since `at` is taken into account:
    a field given as it was at `at` (a form sends every field) keeps what the other side
    made of it; refused when a field it changes was changed since to another value."""
    assert s.ws.top is not None
    data = gitrepo.blob_bytes(s.ws.top, at)
    if data is None:
        raise EditConflict(f"{item.id} was read at a version this repository does not "
                           "hold; read it again")
    base, base_doc = frontmatter.parse(item.rel, frontmatter.decode(item.rel, data))
    ours: dict[str, Any] = dict(base)
    for name, text in values.items():
        ours[name] = write.parse_value(item.kind, name, text, force=True)
    for name in removals:
        ours.pop(name, None)
    plan = merge.plan_fields(base, ours, item.fields)
    clashes = {name: {"yours": ours.get(name), "theirs": item.fields.get(name)}
               for name in [*plan.conflicts, *plan.combined]}
    if body is not None and _ended(body, base_doc.newline) == base_doc.body:
        body = None  # unchanged here: theirs stands
    if body is not None and item.body not in (base_doc.body, _ended(body, base_doc.newline)):
        clashes["body"] = {"yours": body, "theirs": item.body}
    if clashes:
        raise EditConflict(f"{item.id} changed since it was read: "
                           + ", ".join(clashes) + " changed there to another value", clashes)
    kept = set(plan.take)  # unchanged here, changed there: theirs stands
    return ({k: v for k, v in values.items() if k not in kept},
            [k for k in removals if k not in kept], body)
