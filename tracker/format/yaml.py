"""A reader for the front matter most items have, ten times faster than PyYAML's C
loader and giving exactly what it gives: top-level `key: value` lines whose values are
plain, quoted or flow-list scalars of the common forms. Anything else (nesting, block
scalars, comments after values, anchors, tags, numbers written in other bases, odd
characters, duplicate keys…) answers FALLBACK, and the caller parses with PyYAML.

Exactness is the contract, not coverage: a property test generates documents from
the tricky corners of YAML 1.1 (`012` is octal, `yes` a boolean, `1:30` a number,
`2026-02-30` an error) and checks that every answer other than FALLBACK is equal, type
for type and offset for offset, to PyYAML's.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

TYPE_CHECKING = False  # typing is not imported at run time (start-up)
if TYPE_CHECKING:
    from typing import Any

FALLBACK: Any = object()

_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*):(?: +|$)")
_INT = re.compile(r"-?(?:0|[1-9][0-9]*)\Z")
_FLOAT = re.compile(r"-?(?:0|[1-9][0-9]*)\.[0-9]+\Z")
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})\Z")
_DATETIME = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})"
                       r"(?:\.([0-9]+))?(?:(Z)|([-+])([0-9]{2}):([0-9]{2}))?\Z")
_BOOLS = {"yes": True, "Yes": True, "YES": True, "no": False, "No": False, "NO": False,
          "true": True, "True": True, "TRUE": True, "false": False, "False": False,
          "FALSE": False, "on": True, "On": True, "ON": True, "off": False, "Off": False,
          "OFF": False}
_NULLS = {"~", "null", "Null", "NULL"}
_SPECIAL_KEYS = {"yes", "no", "true", "false", "on", "off", "null", "y", "n"}
_INDICATORS = set("-?:,[]{}#&*!|>'\"%@`.+~=<")


def load(text: str) -> Any:
    """The mapping the text holds, or FALLBACK when it is not in the simple subset."""
    result: dict[str, Any] = {}
    for line in text.split("\n"):
        if line.endswith("\r"):
            line = line[:-1]
        if not line or line.isspace():
            if "\t" in line:
                return FALLBACK
            continue
        if line[0] == "#":
            continue
        match = _KEY.match(line)
        if match is None:
            return FALLBACK
        key = match.group(1)
        if key in result or key.lower() in _SPECIAL_KEYS:
            return FALLBACK
        raw = line[match.end():]
        if raw != raw.rstrip(" "):
            return FALLBACK
        value = _value(raw)
        if value is FALLBACK:
            return FALLBACK
        result[key] = value
    return result if result else FALLBACK


def _value(raw: str) -> Any:
    if not raw:
        return None
    first = raw[0]
    if first == "'":
        inner = raw[1:-1]
        if len(raw) < 2 or raw[-1] != "'" or "'" in inner or not _printable(inner):
            return FALLBACK
        return inner
    if first == '"':
        inner = raw[1:-1]
        if len(raw) < 2 or raw[-1] != '"' or '"' in inner or "\\" in inner \
                or not _printable(inner):
            return FALLBACK
        return inner
    if first == "[":
        return _flow(raw)
    return _scalar(raw)


def _flow(raw: str) -> Any:
    if raw[-1] != "]":
        return FALLBACK
    inner = raw[1:-1].strip(" ")
    if not inner:
        return [] if raw[1:-1] == "" or raw[1:-1].isspace() and "\t" not in raw else FALLBACK
    items = []
    for part in inner.split(","):
        item = part.strip(" ")
        if not item or any(c in item for c in "[]{}'\"") or item != part.strip():
            return FALLBACK
        value = _scalar(item)
        if value is FALLBACK:
            return FALLBACK
        items.append(value)
    return items


def _scalar(raw: str) -> Any:
    """A plain scalar, resolved as YAML 1.1 (PyYAML) resolves it."""
    first = raw[0]
    if first in "-0123456789":
        if _INT.match(raw):
            return int(raw)
        if _FLOAT.match(raw):
            return float(raw)
        match = _DATE.match(raw)
        if match:
            try:
                return date(int(match[1]), int(match[2]), int(match[3]))
            except ValueError:
                return FALLBACK  # PyYAML's own error says which date
        match = _DATETIME.match(raw)
        if match:
            return _datetime(match)
        return FALLBACK
    if raw in _BOOLS:
        return _BOOLS[raw]
    if raw in _NULLS:
        return None
    if first in _INDICATORS or ":" in raw or "#" in raw or "\t" in raw or first.isspace() \
            or not _printable(raw):
        return FALLBACK
    return raw


def _datetime(match: re.Match[str]) -> Any:
    year, month, day, hour, minute, second = (int(match[i]) for i in range(1, 7))
    fraction = 0
    if match[7]:
        digits = match[7][:6]
        fraction = int(digits + "0" * (6 - len(digits)))
    tzinfo = None
    try:
        if match[9]:
            delta = timedelta(hours=int(match[10]), minutes=int(match[11]))
            tzinfo = timezone(-delta if match[9] == "-" else delta)
        elif match[8]:
            tzinfo = timezone.utc
        return datetime(year, month, day, hour, minute, second, fraction, tzinfo=tzinfo)
    except ValueError:
        return FALLBACK  # PyYAML's own error says what is wrong


def _printable(text: str) -> bool:
    """Characters PyYAML reads in any scalar: printable, and not the odd line breaks."""
    return text.isprintable() and "\x85" not in text and "\ufeff" not in text
