"""The item file format: YAML front matter between `---` lines, then a Markdown body.

The front matter is read in the one YAML dialect (yaml.py). This module owns the
minimal-diff edits: changing a field rewrites that field's lines and nothing else, so
comments, quoting, key order, blank lines, CRLF line endings and a BOM all survive.
"""

from __future__ import annotations

import re

from tracker.format import yaml as dialect
from tracker.format import yamlfmt
from tracker.model.errors import InvalidItem
from tracker.model.record import record, replace

TYPE_CHECKING = False  # typing is not imported at run time (start-up)
if TYPE_CHECKING:
    from typing import Any, Iterable

BOM = "\ufeff"
_OPEN = re.compile(r"---[ \t]*\r?\n")
_CLOSE = re.compile(r"^---[ \t]*(\r?\n|\Z)", re.MULTILINE)
_CONFLICT = re.compile(r"^(<<<<<<<|>>>>>>>)( |\r?$)", re.MULTILINE)


@record(frozen=True)
class Document:
    """A file split into its parts; joining them gives back the exact text."""

    bom: str
    opening: str
    lines: tuple[str, ...]  # front matter lines, each with its own line ending
    closing: str
    body: str

    @property
    def text(self) -> str:
        """The whole file, byte for byte as read (once encoded as UTF-8)."""
        return self.bom + self.opening + "".join(self.lines) + self.closing + self.body

    @property
    def newline(self) -> str:
        return "\r\n" if self.opening.endswith("\r\n") else "\n"

    @property
    def yaml_text(self) -> str:
        return "".join(self.lines)


def decode(path: str, data: bytes) -> str:
    """UTF-8 text of a file, or an error naming the line of the first bad byte."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise InvalidItem(path, line, None, "not valid UTF-8 text") from None


def split(path: str, text: str) -> Document:
    """Cut a file into BOM, opening line, front matter lines, closing line and body."""
    bom = BOM if text.startswith(BOM) else ""
    rest = text[len(bom):]
    if not rest.strip():
        raise InvalidItem(path, 1, None, "empty file: an item starts with a '---' line")
    opening = _OPEN.match(rest)
    if not opening:
        raise InvalidItem(path, 1, None, "no front matter: the file must start with a '---' line")
    closing = _CLOSE.search(rest, opening.end())
    if not closing:
        raise InvalidItem(path, 1, None, "front matter is not closed: add a '---' line after it")
    return Document(
        bom=bom,
        opening=opening.group(0),
        lines=tuple(split_lines(rest[opening.end():closing.start()])),
        closing=closing.group(0),
        body=rest[closing.end():],
    )


def split_lines(text: str) -> list[str]:
    """Lines with their endings, splitting on '\\n' only (not on form feeds or U+2028)."""
    parts = text.split("\n")
    lines = [p + "\n" for p in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def parse(path: str, text: str) -> tuple[dict[str, Any], Document]:
    """The fields and the split document of an item file's text."""
    doc = split(path, text)
    data = dialect.read(path, doc.yaml_text)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        found = "a list" if isinstance(data, list) else "a single value"
        raise InvalidItem(path, 2, None, f"front matter must be fields (key: value), found {found}")
    for key in data:
        if not isinstance(key, str):
            raise InvalidItem(path, key_line(doc, str(key)), str(key),
                              "field names must be text")
    return data, doc


def key_line(doc: Document, key: str) -> int | None:
    """The file line (1-based) where a top-level key starts, found without parsing."""
    pattern = re.compile(r"""(?:{k}|"{k}"|'{k}')[ \t]*:""".format(k=re.escape(key)))
    for index, line in enumerate(doc.lines):
        if pattern.match(line):
            return index + 2
    return None


def conflict_lines(text: str) -> list[int]:
    """Lines (1-based) that hold git conflict markers."""
    return [text.count("\n", 0, m.start()) + 1 for m in _CONFLICT.finditer(text)]


# ---------------------------------------------------------------- writing


def render(fields: dict[str, Any], body: str, quoted: Iterable[str] = (),
           newline: str = "\n") -> str:
    """A new file in canonical form: the fields in the given order, then the body."""
    quoted = set(quoted)
    lines: list[str] = []
    for key, value in fields.items():
        if value is not None:
            lines.extend(yamlfmt.field_lines(key, value, quote=key in quoted))
    if body and not body.endswith("\n"):
        body += "\n"
    text = "---\n" + "".join(line + "\n" for line in lines) + "---\n" + body
    return text.replace("\n", newline) if newline != "\n" else text


# ---------------------------------------------------------------- line edits
#
# An edit is a list of operations (start, end, new lines) on a document's front matter
# lines: `field_spans` says which lines hold each field, `insert_at` where a field the file
# lacks goes, and `splice` applies the operations. The field merge (merge.py) edits with
# the same three.


@record(frozen=True)
class Span:
    """The front matter lines that hold one field."""

    start: int  # index into Document.lines
    end: int  # exclusive
    node: Any  # the value's yaml node


def field_spans(doc: Document) -> dict[str, Span]:
    """Where each top-level field is, by key."""
    simple = _simple_spans(doc)
    if simple is not None:
        return simple
    loader = dialect.loader()(doc.yaml_text)
    try:
        root = loader.get_single_node()
    finally:
        loader.dispose()
    spans: dict[str, Span] = {}
    if root is None:
        return spans
    for key_node, value_node in root.value:
        end_mark = value_node.end_mark
        end = end_mark.line if end_mark.column == 0 and end_mark.line > key_node.start_mark.line \
            else end_mark.line + 1
        start, end = key_node.start_mark.line, min(end, len(doc.lines))
        if not (type(value_node).__name__ == "ScalarNode" and value_node.style in ("|", ">")):
            while end > start + 1 and _is_filler(doc.lines[end - 1]):
                end -= 1  # blank lines and comments after a value are not part of it
        spans[key_node.value] = Span(start, end, value_node)
    return spans


_SIMPLE_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*):")


def _simple_spans(doc: Document) -> dict[str, Span] | None:
    """Spans of front matter the fast path reads: one line per field (None otherwise)."""
    if dialect.load(doc.yaml_text) is dialect.FALLBACK:
        return None
    spans: dict[str, Span] = {}
    for number, line in enumerate(doc.lines):
        match = _SIMPLE_KEY.match(line)
        if match is None:
            continue  # a blank or comment line
        text = line.rstrip("\r\n")
        value = text[match.end():].lstrip(" ")
        quote = value[0] if value[:1] in ("'", '"') else None
        spans[match.group(1)] = Span(number, number + 1, yamlfmt.Plain(quote, len(text)))
    return spans


def _is_filler(line: str) -> bool:
    stripped = line.strip()
    return not stripped or (stripped.startswith("#") and not line[:1].isspace())


def edit(path: str, doc: Document, updates: dict[str, Any], removals: Iterable[str] = (),
         order: list[str] | None = None, quoted: Iterable[str] = ()) -> Document:
    """The document with some fields set or removed, every other byte kept.

    `order` is the preferred key order, used only to place keys the file lacks.
    The result is parsed back and compared before it is returned.
    """
    return edited(path, doc, updates, removals, order, quoted)[1]


def edited(path: str, doc: Document, updates: dict[str, Any], removals: Iterable[str] = (),
           order: list[str] | None = None, quoted: Iterable[str] = (),
           before: dict[str, Any] | None = None) -> tuple[dict[str, Any], Document]:
    """As `edit`, and the fields of the result with it: the parse that verifies the edit
    is the only one of the new text. `before` is what `doc` holds, when the caller has
    parsed it already."""
    if before is None:
        before = dialect.read(path, doc.yaml_text) or {}
    spans = field_spans(doc)
    quoted = set(quoted)
    ops: list[tuple[int, int, list[str]]] = []
    for key in removals:
        if key in spans and key not in updates:
            ops.append((spans[key].start, spans[key].end, []))
    for key, value in updates.items():
        if key in spans:
            ops.append(_replace_op(doc, key, value, spans[key], key in quoted))
        else:
            at = insert_at(key, spans, order or [], len(doc.lines))
            new = yamlfmt.field_lines(key, value, quote=key in quoted)
            ops.append((at, at, [line + doc.newline for line in new]))
    result = replace(doc, lines=tuple(splice(list(doc.lines), ops)))
    return _verify(path, before, result, updates, removals), result


def _replace_op(doc: Document, key: str, value: Any, span: Span,
                quote: bool) -> tuple[int, int, list[str]]:
    old = doc.lines[span.start:span.end]
    ending = "\r\n" if old[-1].endswith("\r\n") else "\n"
    style = yamlfmt.Style.of(span.node, old)
    new = yamlfmt.field_lines(key, value, quote=quote, style=style, raw_key=_raw_key(old[0]))
    if len(old) == 1 and len(new) == 1:
        end = span.node.end_column if isinstance(span.node, yamlfmt.Plain) \
            else span.node.end_mark.column
        comment = yamlfmt.trailing_comment(old[0], end)
        new = [new[0] + comment]
    elif len(old) > 1 and len(new) > 1:
        new = _keep_comments([line.rstrip("\r\n") for line in old], new)
    return span.start, span.end, [line + ending for line in new]


_ITEM = re.compile(r"([ \t]*)- ")


def _keep_comments(old: list[str], new: list[str]) -> list[str]:
    """The new lines of a block list with the old one's comment lines kept: each before
    the item it stood before (by its text), a removed item's before the next item that
    stays, the last ones at the end. Lists of one line per item only; others as given."""
    if not all(_ITEM.match(line) for line in new[1:]):
        return new
    before: dict[str, list[list[str]]] = {}  # an item's text: the comments above it, in turn
    pending: list[str] = []
    orphans: list[str] = []
    kept = {line.strip() for line in new[1:]}
    for line in old[1:]:
        stripped = line.strip()
        if stripped.startswith("#"):
            pending.append(line)
        elif _ITEM.match(line):
            if stripped in kept:
                before.setdefault(stripped, []).append(orphans + pending)
                orphans = []
            else:
                orphans += pending
            pending = []
        elif stripped:
            return new  # an item over several lines: nothing to match by
    if not pending and not orphans and not before:
        return new
    out = new[:1]
    for line in new[1:]:
        comments = before.get(line.strip())
        if comments:
            out.extend(comments.pop(0))
        out.append(line)
    return out + orphans + pending


def _raw_key(line: str) -> str | None:
    match = re.match(r"""([^\s:#'"][^:]*?|"[^"]*"|'[^']*')[ \t]*:""", line)
    return match.group(1) if match else None


def insert_at(key: str, spans: dict[str, Span], order: list[str], end: int) -> int:
    """Where a field the lines lack goes: after the nearest field before it in `order`
    that they hold, else before the nearest one after it, else at `end`."""
    if key in order:
        position = order.index(key)
        for before in reversed(order[:position]):
            if before in spans:
                return spans[before].end
        for after in order[position + 1:]:
            if after in spans:
                return spans[after].start
    return end


def splice(lines: list[str], ops: list[tuple[int, int, list[str]]]) -> list[str]:
    """The lines with ranges replaced, removed or inserted: each operation is (start, end,
    new lines) on the original indices, none overlapping; insertions at one place go in
    the order given, before a range that starts there."""
    out: list[str] = []
    position = 0
    for start, end, new in sorted(ops, key=lambda op: (op[0], op[1] != op[0])):
        out.extend(lines[position:start])
        out.extend(new)
        position = max(position, end)
    out.extend(lines[position:])
    return out


def _verify(path: str, before: dict[str, Any], doc: Document, updates: dict[str, Any],
            removals: Iterable[str]) -> dict[str, Any]:
    """The fields the edited document holds, refused unless exactly the ones intended."""
    expected = dict(before)
    for key in removals:
        expected.pop(key, None)
    expected.update(updates)
    after = dialect.read(path, doc.yaml_text) or {}
    if after != expected:
        changed = sorted(k for k in set(after) | set(expected) if after.get(k) != expected.get(k))
        raise InvalidItem(path, None, ", ".join(changed),
                          "the edit could not be written without changing other fields; "
                          "edit the file by hand (tracker edit)")
    return after
