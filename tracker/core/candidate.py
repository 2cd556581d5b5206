"""What a write would be refused for, without writing: every problem of a candidate item
(a new one of a kind, or an item with some fields changed), each on its field.

The forms of `tracker serve` ask this while a person types (and before a form's values
are posted): the values typed as `tracker set` types them, each refused value on its own
field, then the write gate's problems of the whole candidate (`checks:` rules, sums,
references). Nothing is written and no lock is taken.
"""

from __future__ import annotations

from tracker.core import read, write
from tracker.core.check import Gate
from tracker.format import frontmatter
from tracker.model.errors import InvalidValue, TrackerError
from tracker.model.problems import Problem
from tracker.store.workspace import Item

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Iterable

    from tracker.core.session import Session

PLACEHOLDER_ID = "candidate"


def problems(s: Session, kind_name: str | None, values: dict[str, str],
             unset: Iterable[str] = (), ref: str | None = None) -> list[Problem]:
    """The problems writing these values would meet: for `ref`, an edit of that item;
    else a new item of `kind_name` (its title among the values)."""
    old = read.get(s, ref) if ref else None
    kind = old.kind if old is not None else s.ws.kind(kind_name or "")
    found: list[Problem] = []
    typed: dict[str, Any] = {}
    rel = old.rel if old is not None else f"{kind.folder}/(new)"
    for name, text in values.items():
        try:
            typed[name] = write.parse_value(kind, name, text,
                                            force=old is not None and name in old.fields)
        except InvalidValue as e:
            found.append(Problem(rel, 1, name, e.reason))
    removals = [n for n in unset if n not in values]
    for name in removals:
        if kind.kept(name):
            found.append(Problem(rel, 1, name, "is required"))
    if old is None:
        for name, spec in kind.fields.items():
            if spec.required and name not in typed and name not in {p.field for p in found} \
                    and write.default_value(spec) is None:
                found.append(Problem(rel, 1, name, "is required"))
    if found:
        return found
    try:
        if old is None:
            fields: dict[str, Any] = {} if "title" in kind.fields else \
                {"title": typed.pop("title", "")}
            for name in kind.order:
                value = typed.pop(name, None)
                if value is None:
                    value = write.default_value(kind.fields[name])
                if value is not None:
                    fields[name] = value
            fields.update(typed)
            text = frontmatter.render(fields, "", quoted=kind.quoted)
            path = s.ws.path_for(kind, PLACEHOLDER_ID)
            candidate = Item(kind, PLACEHOLDER_ID, path, rel, *frontmatter.parse(rel, text))
        else:
            fields, doc = frontmatter.edited(old.rel, old.doc, typed, removals, kind.order,
                                             kind.quoted, before=old.fields)
            candidate = Item(kind, old.id, old.path, old.rel, fields, doc)
    except TrackerError as e:
        return [Problem(rel, 1, getattr(e, "field", None), str(e))]
    # a new item's id is a placeholder: only its id's own problem is not the person's
    return [p for p in Gate(s).problems(old, candidate)
            if not (old is None and p.field is None and PLACEHOLDER_ID in p.message)]
