"""Three-way merge of two versions of an item file, field by field (pure: no disk, no git).

The rules (issue 4): front matter merges key by key. A key changed on one side takes that
change; the same change on both sides is one change; a key removed on one side and
untouched on the other is removed; lists merge as sets (base order, then our additions,
then theirs; removals on either side honoured). Two different new values for one key is
a conflict confined to that key: both sides' lines are kept between conflict markers in
the front matter. Bodies merge with git's own text merge, passed in as `text_merge` so
that this module stays pure. A file that does not parse is merged as plain text.

The result starts from OURS's lines: untouched lines keep their bytes, a value taken from
THEIRS is copied with its lines (re-ended to OURS's line endings), and only a merged list
is written anew; the lines are edited with frontmatter.py's line edits. Every field result
is checked by parsing it back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from tracker.format import frontmatter
from tracker.format.frontmatter import Document
from tracker.model.errors import InvalidItem

TextMerge = Callable[[str, str, str], tuple[str, bool]]

OURS, THEIRS = "ours", "theirs"
FILE = "(file)"  # the conflict's name when the whole file had to be merged as text
BODY = "body"
_MISSING: Any = object()
_KEY = re.compile(r"""([^\s#:'"\-?][^:]*?|"[^"]*"|'[^']*')[ \t]*:(?:[ \t]|\r?\n|$)""")


@dataclass(frozen=True)
class MergeResult:
    """The merged text, and what still conflicts (field names, 'body' or '(file)')."""

    text: str
    conflicts: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.conflicts


@dataclass
class Plan:
    """What the field merge decided for each key that the two sides disagree on."""

    take: list[str] = field(default_factory=list)  # theirs' value (or removal) wins
    combined: dict[str, list[Any]] = field(default_factory=dict)  # merged sets
    conflicts: list[str] = field(default_factory=list)
    expected: dict[str, Any] = field(default_factory=dict)  # the result, ours where conflicted


def merge(base: str, ours: str, theirs: str, text_merge: TextMerge,
          path: str = "item") -> MergeResult:
    """Merge two versions of an item file against their common ancestor (may be empty)."""
    if ours == theirs or base == theirs:
        return MergeResult(ours)
    if base == ours:
        return MergeResult(theirs)
    try:
        b_fields, b_doc = _parse_base(path, base)
        o_fields, o_doc = frontmatter.parse(path, ours)
        t_fields, t_doc = frontmatter.parse(path, theirs)
    except InvalidItem:
        return merge_as_text(base, ours, theirs, text_merge)
    plan = plan_fields(b_fields, o_fields, t_fields)
    if not plan.conflicts:
        fast = _try_text(base, ours, theirs, text_merge, plan.expected, path)
        if fast is not None:
            return fast
    result = _merge_documents(path, b_doc, o_doc, t_doc, plan, text_merge)
    expected_theirs = _with_theirs(plan, t_fields)
    if result is None or not _verified(path, result, plan.expected, expected_theirs):
        return merge_as_text(base, ours, theirs, text_merge)
    return result


def merge_as_text(base: str, ours: str, theirs: str, text_merge: TextMerge) -> MergeResult:
    """The plain three-way text merge, for files that are not items (or not parseable)."""
    text, conflicted = text_merge(base, ours, theirs)
    return MergeResult(text, [FILE] if conflicted else [])


def _parse_base(path: str, base: str) -> tuple[dict[str, Any], Document | None]:
    if not base:  # both sides added the file
        return {}, None
    return frontmatter.parse(path, base)


# ---------------------------------------------------------------- deciding


def plan_fields(base: dict[str, Any], ours: dict[str, Any], theirs: dict[str, Any]) -> Plan:
    """Decide every key: keep ours, take theirs, merge the sets, or conflict."""
    plan = Plan(expected=dict(ours))
    for key in dict.fromkeys([*ours, *theirs, *base]):
        b, o, t = (side.get(key, _MISSING) for side in (base, ours, theirs))
        if same(o, t) or same(b, t):
            continue
        if same(b, o):
            plan.take.append(key)
            _put(plan.expected, key, t)
        elif isinstance(o, list) and isinstance(t, list):
            merged = merge_sets(b if isinstance(b, list) else [], o, t)
            if same(merged, t):
                plan.take.append(key)
            elif not same(merged, o):
                plan.combined[key] = merged
            plan.expected[key] = merged
        else:
            plan.conflicts.append(key)
    return plan


def _put(values: dict[str, Any], key: str, value: Any) -> None:
    if value is _MISSING:
        values.pop(key, None)
    else:
        values[key] = value


def _with_theirs(plan: Plan, theirs: dict[str, Any]) -> dict[str, Any]:
    expected = dict(plan.expected)
    for key in plan.conflicts:
        _put(expected, key, theirs.get(key, _MISSING))
    return expected


def merge_sets(base: list[Any], ours: list[Any], theirs: list[Any]) -> list[Any]:
    """Base order, then our additions, then theirs; what either side removed is gone."""
    in_base = {canon(v) for v in base}
    in_ours, in_theirs = {canon(v) for v in ours}, {canon(v) for v in theirs}
    kept = [v for v in base if canon(v) in in_ours and canon(v) in in_theirs]
    added = [v for v in [*ours, *theirs] if canon(v) not in in_base]
    result, seen = [], set()
    for value in kept + added:
        if canon(value) not in seen:
            seen.add(canon(value))
            result.append(value)
    return result


def canon(value: Any) -> Any:
    """A hashable form of a YAML value that tells `1`, `1.0` and `true` apart."""
    if isinstance(value, dict):
        return ("map", frozenset((canon(k), canon(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return ("seq", tuple(canon(v) for v in value))
    if isinstance(value, (set, frozenset)):
        return ("set", frozenset(canon(v) for v in value))
    if isinstance(value, float):
        return ("float", repr(value))
    if value is _MISSING:
        return ("missing",)
    return (type(value).__name__, value)


def same(a: Any, b: Any) -> bool:
    """Equal values of the same types (YAML-wise), unlike Python's `1 == True`."""
    return a is b or canon(a) == canon(b)


# ---------------------------------------------------------------- writing


def _try_text(base: str, ours: str, theirs: str, text_merge: TextMerge,
              expected: dict[str, Any], path: str) -> MergeResult | None:
    """Git's text merge, kept when it is clean and gives exactly the fields planned.

    It keeps every byte both sides wrote, comments in the front matter included.
    """
    text, conflicted = text_merge(base, ours, theirs)
    if conflicted:
        return None
    try:
        fields, _ = frontmatter.parse(path, text)
    except InvalidItem:
        return None
    return MergeResult(text) if same(fields, expected) else None


def _merge_documents(path: str, b_doc: Document | None, o_doc: Document, t_doc: Document,
                     plan: Plan, text_merge: TextMerge) -> MergeResult | None:
    try:
        doc = frontmatter.edit(path, o_doc, plan.combined) if plan.combined else o_doc
    except InvalidItem:
        return None
    lines = _front_lines(doc, t_doc, plan)
    body, body_conflict = _merge_body(b_doc.body if b_doc else "", o_doc.body, t_doc.body,
                                      text_merge)
    closing = doc.closing
    if body and not closing.endswith("\n"):
        closing += doc.newline
    text = doc.bom + doc.opening + "".join(lines) + closing + body
    return MergeResult(text, plan.conflicts + ([BODY] if body_conflict else []))


def _merge_body(base: str, ours: str, theirs: str, text_merge: TextMerge) -> tuple[str, bool]:
    if ours == theirs or base == theirs:
        return ours, False
    if base == ours:
        return theirs, False
    return text_merge(base, ours, theirs)


def _front_lines(doc: Document, t_doc: Document, plan: Plan) -> list[str]:
    """OURS's front matter lines with THEIRS's winning fields and the conflicts written in."""
    ours_spans, their_spans = frontmatter.field_spans(doc), frontmatter.field_spans(t_doc)
    newline = doc.newline
    order = list(their_spans)
    ops: list[tuple[int, int, list[str]]] = []
    for key in plan.take + plan.conflicts:
        theirs = _lines(t_doc, their_spans.get(key), newline)
        if key in plan.conflicts:
            ours = _lines(doc, ours_spans.get(key), newline)
            theirs = [f"<<<<<<< {OURS}{newline}", *ours, f"======={newline}", *theirs,
                      f">>>>>>> {THEIRS}{newline}"]
        if key in ours_spans:
            ops.append((ours_spans[key].start, ours_spans[key].end, theirs))
        elif theirs:
            at = frontmatter.insert_at(key, ours_spans, order, len(doc.lines))
            ops.append((at, at, theirs))  # after the key before it in THEIRS, as there
    return frontmatter.splice([_ended(line, newline) for line in doc.lines], ops)


def _lines(doc: Document, span: frontmatter.Span | None, newline: str) -> list[str]:
    if span is None:
        return []
    return [_ended(line, newline) for line in doc.lines[span.start:span.end]]


def _ended(line: str, newline: str) -> str:
    """A front matter line ending with `newline` (they all end with one already)."""
    return line.removesuffix("\n").removesuffix("\r") + newline


def _verified(path: str, result: MergeResult, ours: dict[str, Any],
              theirs: dict[str, Any]) -> bool:
    """True when the written fields are exactly the planned ones, on either conflict side."""
    front_conflicts = [c for c in result.conflicts if c != BODY]
    checks = [(OURS, ours), (THEIRS, theirs)] if front_conflicts else [(OURS, ours)]
    for side, expected in checks:
        try:
            fields, _ = frontmatter.parse(path, resolve(result.text, side, front_only=True))
        except InvalidItem:
            return False
        if not same(fields, expected):
            return False
    return True


# ---------------------------------------------------------------- reading conflicts


@dataclass(frozen=True)
class Region:
    """One conflict region: its marker lines (0-based, inclusive) and what it holds."""

    first: int
    last: int
    names: tuple[str, ...]  # field names, or 'body', or '(file)'


def regions(text: str) -> list[Region]:
    """Every conflict region of an item file, with the fields it surrounds."""
    lines = frontmatter.split_lines(text.removeprefix(frontmatter.BOM))
    closing = _closing_index(lines)
    found, start = [], None
    for index, line in enumerate(lines):
        if line.startswith("<<<<<<<") and start is None:
            start = index
        elif line.startswith(">>>>>>>") and start is not None:
            found.append(Region(start, index, _names(lines, start, index, closing)))
            start = None
    return found


def _names(lines: list[str], first: int, last: int, closing: int | None) -> tuple[str, ...]:
    if closing is None or first == 0:
        return (FILE,)
    if first > closing:
        return (BODY,)
    keys = [m.group(1).strip("'\"") for line in lines[first + 1:last]
            if (m := _KEY.match(line))]
    return tuple(dict.fromkeys(keys)) or (FILE,)


def conflicted_fields(text: str) -> list[str]:
    """What the conflict markers in an item file surround: field names, 'body' or '(file)'."""
    return list(dict.fromkeys(name for region in regions(text) for name in region.names))


def conflict_markers(text: str) -> list[tuple[int, str | None]]:
    """(line, field) of each region's opening marker (1-based), for `tracker check`."""
    return [(r.first + 1, None if FILE in r.names else ", ".join(r.names))
            for r in regions(text)]


def resolve(text: str, side: str = OURS, fields: Iterable[str] | None = None,
            front_only: bool = False) -> str:
    """The text with conflict regions replaced by one side's lines.

    With `fields`, only the regions holding nothing but those fields; with `front_only`,
    only the regions in the front matter.
    """
    wanted = None if fields is None else set(fields)
    bom = frontmatter.BOM if text.startswith(frontmatter.BOM) else ""
    lines = frontmatter.split_lines(text[len(bom):])
    chosen = [r for r in regions(text) if (wanted is None or set(r.names) <= wanted)
              and not (front_only and BODY in r.names)]
    out, position = [], 0
    for region in chosen:
        out.extend(lines[position:region.first])
        out.extend(_side_lines(lines[region.first:region.last + 1], side))
        position = region.last + 1
    out.extend(lines[position:])
    return bom + "".join(out)


def _side_lines(region: list[str], side: str) -> list[str]:
    """One side's lines of a region (a diff3 region's base section belongs to neither)."""
    kept, state = [], OURS
    for line in region[1:-1]:
        if line.startswith("|||||||"):
            state = "base"
        elif line.rstrip("\r\n") == "=======":
            state = THEIRS
        elif state == side:
            kept.append(line)
    return kept


def _closing_index(lines: list[str]) -> int | None:
    """The index of the front matter's closing `---` line, skipping conflict regions."""
    if not lines or lines[0].rstrip() != "---":
        return None
    inside = False
    for index, line in enumerate(lines[1:], start=1):
        if line.startswith("<<<<<<<"):
            inside = True
        elif line.startswith(">>>>>>>"):
            inside = False
        elif not inside and line.rstrip() == "---":
            return index
    return None
