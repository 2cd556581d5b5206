"""How the tracker writes one field as YAML lines: plain when that reads back the same,
quoted when it would not (`01001`, `yes`, `12:30`), flow lists on one line, literal
blocks for multi-line text. Every choice is checked by reading it back in the dialect
items are read in (yaml.py).
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from functools import lru_cache

from tracker.format import yaml as dialect
from tracker.model import clock
from tracker.model.errors import InvalidItem
from tracker.model.record import record

TYPE_CHECKING = False  # typing is not imported at run time (start-up)
if TYPE_CHECKING:
    from typing import Any

_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*\Z")
# YAML reads U+0085, U+2028 and U+2029 as line breaks: escape them like control characters.
_NON_PRINTABLE = re.compile("[\x7f-\x9f\u2028\u2029\ufffe\uffff]")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufffe\uffff]")


@record(frozen=True)
class Style:
    """How a field was written before an edit, so the edit can keep it."""

    block_list: bool = False
    indent: str = "  "
    quote: str | None = None

    @classmethod
    def of(cls, node: Any, lines: list[str] | tuple[str, ...]) -> "Style":
        if isinstance(node, Plain):
            return cls(quote=node.quote)
        kind = type(node).__name__  # PyYAML's nodes, without importing PyYAML here
        if kind == "SequenceNode":
            if not node.flow_style and len(lines) > 1:
                match = re.match(r"([ \t]*)-", lines[1])
                return cls(block_list=True, indent=match.group(1) if match else "  ")
            return cls()
        if kind == "ScalarNode" and node.style in ('"', "'"):
            return cls(quote=node.style)
        return cls()


@record(frozen=True)
class Plain:
    """What a line of simple front matter (yaml.py's fast path) says about its value."""

    quote: str | None  # the quote character, if the value is quoted
    end_column: int  # where the value ends on its line


INVALID: Any = object()  # what _loads returns for text the dialect refuses


def _loads(text: str) -> Any:
    """The text read as the tracker reads items (or INVALID)."""
    try:
        return dialect.read("", text)
    except InvalidItem:
        return INVALID


@lru_cache(maxsize=4096)
def format_key(key: str) -> str:
    if _PLAIN_KEY.match(key) and _loads(f"{key}: 0") == {key: 0}:
        return key
    return double_quoted(key)


def double_quoted(text: str) -> str:
    """A YAML double-quoted scalar (JSON's string syntax is a subset of YAML's)."""
    import json  # noqa: PLC0415 - rarely needed, and every command loads this module

    dumped = json.dumps(text, ensure_ascii=False)
    return _NON_PRINTABLE.sub(lambda m: "\\u%04x" % ord(m.group(0)), dumped)


def _single_quoted(text: str) -> str | None:
    if _CONTROL.search(text) or "\n" in text or "\t" in text:
        return None
    return "'" + text.replace("'", "''") + "'"


# Text that YAML surely reads back as the same string: starts with a letter, holds no
# indicator (: # , [ ] { } etc.), and is not one of YAML 1.1's words for booleans or null.
_SURELY_PLAIN = re.compile(r"[^\W\d_](?:[\w' .()/&+%-]*[\w.)%'])?\Z")
_SPECIAL_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}


def _plain_ok(text: str, flow: bool) -> bool:
    if _SURELY_PLAIN.match(text) and text.lower() not in _SPECIAL_WORDS:
        return True  # the common case, decided without a YAML parse
    if not text or text != text.strip() or _CONTROL.search(text) or "\n" in text:
        return False
    if flow:
        return bool(_loads(f"[{text}]") == [text])
    return bool(_loads(f"k: {text}") == {"k": text})


def scalar(value: Any, quote: bool = False, flow: bool = False,
           quote_char: str | None = None) -> str:
    """One value as a single-line YAML scalar."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, datetime):  # never written without its offset
        return (value if value.tzinfo is not None else clock.localize(value)).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if quote_char == "'" and (single := _single_quoted(text)) is not None:
        return single
    if quote or quote_char or not _plain_ok(text, flow):
        return double_quoted(text)
    return text


def _float(value: float) -> str:
    if math.isnan(value):
        return ".nan"
    if math.isinf(value):
        return ".inf" if value > 0 else "-.inf"
    text = repr(value)
    if "." not in text and "e" in text:  # YAML 1.1 floats need a dot: 1e+20 -> 1.0e+20
        mantissa, exponent = text.split("e")
        text = f"{mantissa}.0e{exponent}"
    return text


def field_lines(key: str, value: Any, *, quote: bool = False, style: Style | None = None,
                raw_key: str | None = None) -> list[str]:
    """The lines (without endings) that write `key: value`."""
    name = raw_key or format_key(key)
    style = style or Style()
    lines = _field_lines(key, name, value, quote, style)
    if _trusted(value, style):
        return lines  # one scalar (or a flow list of them): scalar() is exact
    ok = _loads("\n".join(lines) + "\n") == {key: value}
    return lines if ok else _dump_block(key, value)


def _trusted(value: Any, style: Style) -> bool:
    """Values whose single-line form needs no read-back check."""
    scalars = (str, int, float, date, type(None))
    if isinstance(value, str):
        return "\n" not in value and "\r" not in value
    if isinstance(value, list):
        return not style.block_list and all(
            isinstance(v, scalars) and not (isinstance(v, str) and ("\n" in v or "\r" in v))
            for v in value)
    return isinstance(value, scalars)


def _field_lines(key: str, name: str, value: Any, quote: bool, style: Style) -> list[str]:
    if isinstance(value, dict):
        return _dump_block(key, value)
    if isinstance(value, (list, tuple)):
        if any(isinstance(v, (dict, list, tuple)) for v in value):
            return _dump_block(key, list(value))
        if style.block_list and value:
            return [f"{name}:"] + [f"{style.indent}- {scalar(v, quote)}" for v in value]
        return [f"{name}: [" + ", ".join(scalar(v, quote, flow=True) for v in value) + "]"]
    if isinstance(value, str) and "\n" in value:
        block = _literal(name, value)
        if block:
            return block
    return [f"{name}: {scalar(value, quote, quote_char=style.quote)}"]


def _literal(name: str, text: str) -> list[str] | None:
    if _CONTROL.search(text) or "\r" in text or text.startswith((" ", "\t", "\n")):
        return None
    stripped = text.rstrip("\n")
    trailing = len(text) - len(stripped)
    indicator = "|-" if trailing == 0 else "|" if trailing == 1 else "|+"
    body = stripped.split("\n") + ([""] * (trailing - 1) if trailing > 1 else [])
    return [f"{name}: {indicator}"] + [f"  {line}" if line else "" for line in body]


def _dump_block(key: str, value: Any) -> list[str]:
    import yaml  # noqa: PLC0415 - nested values only

    dumped = yaml.safe_dump({key: value}, allow_unicode=True, sort_keys=False,
                            default_flow_style=False, width=1_000_000)
    return dumped.rstrip("\n").split("\n")


def trailing_comment(line: str, end_column: int) -> str:
    """The `  # comment` after a value on its line, to keep it through an edit."""
    rest = line[end_column:].rstrip("\r\n")
    return rest if re.match(r"[ \t]+#", rest) else ""
