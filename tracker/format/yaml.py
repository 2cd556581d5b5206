"""The one YAML dialect of tracker: safe loading only, no duplicate keys, no anchors or
aliases, none of the tags no item needs (binary data, sets, ordered pairs). Item files,
the config and kind files, the read-back checks of yamlfmt.py and the flow lists typed on
the command line are all read here, by `read`.

`read` tries a fast path first. `load` reads the front matter most items have, ten
times faster than PyYAML's C loader and giving exactly what it gives: top-level
`key: value` lines whose values are plain, quoted or flow-list scalars of the common
forms. Anything else (nesting, block scalars, comments after values, anchors, tags,
numbers written in other bases, odd characters, duplicate keys…) answers FALLBACK, and
`read` parses with PyYAML's safe loader (the C one when available), made strict.

Exactness is the contract of the fast path, not coverage: a property test generates
documents from the tricky corners of YAML 1.1 (`012` is octal, `yes` a boolean, `1:30` a
number, `2026-02-30` an error) and checks that every answer other than FALLBACK is
equal, type for type and offset for offset, to PyYAML's.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

from tracker.model.errors import InvalidItem

TYPE_CHECKING = False  # typing is not imported at run time (start-up)
if TYPE_CHECKING:
    from typing import Any

FALLBACK: Any = object()

# The bounds of what the dialect reads (docs/file-format.md, "Limits"): what `check`
# accepts, every command can render. Each recursive step after reading (the snapshot's
# pickle, JSON, the values as text, Jinja's templates) spends a few of Python's 1,000
# frames a level; 64 levels leave that room many times over, and no item needs more
# than three or four. Integers: Python turns at most 4,300 digits into text.
# The front matter: 4 MiB of text, hundreds of times the largest item written by hand or by
# an import, and a bound on the time PyYAML may take over one file (about a second).
MAX_DEPTH = 64
MAX_INT_DIGITS = 4300
MAX_FRONT_MATTER = 4 * 1024 * 1024  # characters

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
    if len(text) > MAX_FRONT_MATTER:
        return FALLBACK  # `read` says so, with the limit
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
            return int(raw) if len(raw) <= MAX_INT_DIGITS else FALLBACK  # `read` says why
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


# ---------------------------------------------------------------- the whole dialect


def read(path: str, text: str, first_line: int = 2) -> Any:
    """YAML text read in the dialect; an error is an InvalidItem naming the file's line
    (`first_line` is the line number of the text's first line: 2 in an item file)."""
    simple = load(text)
    if simple is not FALLBACK:
        return simple
    if len(text) > MAX_FRONT_MATTER:
        raise InvalidItem(path, first_line, None, f"front matter is too large: {len(text):,} "
                          f"characters, at most {MAX_FRONT_MATTER:,} (4 MiB) are read")
    import yaml  # noqa: PLC0415 - PyYAML only for what the fast path leaves

    if "&" in text or "*" in text:
        _refuse_aliases(path, text, first_line)
    try:
        data = yaml.load(text, Loader=loader())  # noqa: S506 - a safe loader
        _bound(path, text, first_line, data)
        return data
    except _Duplicate as e:
        raise InvalidItem(path, first_line + e.line, e.key,
                          "duplicate key: the field is given twice") from None
    except _Refused as e:
        raise InvalidItem(path, first_line + e.line, None,
                          f"the YAML tag !!{e.tag} is not allowed in items") from None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = first_line + mark.line if mark else None
        raise InvalidItem(path, line, None, f"invalid YAML: {_yaml_reason(e)}") from None
    except yaml.reader.ReaderError as e:
        line = first_line + text.count("\n", 0, max(e.position, 0))
        raise InvalidItem(path, line, None, f"invalid YAML: {e.reason} "
                          f"(character #x{e.character:04x})" if isinstance(e.character, int)
                          else f"invalid YAML: {e.reason}") from None
    except yaml.YAMLError as e:
        reason = " ".join(str(e).split())
        raise InvalidItem(path, None, None, f"invalid YAML: {reason}") from None
    except (ValueError, OverflowError) as e:  # PyYAML builds dates like 2026-02-30 itself
        line, field = _locate_bad_value(text)
        if "integer string conversion" in str(e):
            raise InvalidItem(path, first_line + line if line is not None else None, field,
                              f"number too long: integers have at most {MAX_INT_DIGITS:,} "
                              "digits (quote it to keep it as text)") from None
        what = "date" if re.search(r"day|month|year|hour|minute|second|offset|tz", str(e)) \
            else "value"
        raise InvalidItem(path, first_line + line if line is not None else None, field,
                          f"invalid {what}: {e}") from None
    except RecursionError:
        raise InvalidItem(path, first_line, None, "front matter is nested too deeply: at "
                          f"most {MAX_DEPTH} levels of lists and mappings") from None


def _bound(path: str, text: str, first_line: int, data: Any) -> None:
    """Refuse a value nested deeper than MAX_DEPTH or an integer longer than
    MAX_INT_DIGITS, naming the top-level field that holds it and its line. Iterative:
    the walk itself never runs out of stack."""
    tops = data.items() if isinstance(data, dict) else [(None, data)]
    for key, value in tops:
        stack = [(value, 1)]
        while stack:
            node, depth = stack.pop()
            if isinstance(node, (dict, list)):
                if depth > MAX_DEPTH:
                    raise InvalidItem(path, _key_line(text, key, first_line), _name(key),
                                      f"nested too deeply: at most {MAX_DEPTH} levels of "
                                      "lists and mappings in a value")
                children = node.values() if isinstance(node, dict) else node
                stack.extend((child, depth + 1) for child in children)
                if isinstance(node, dict):
                    stack.extend((k, depth + 1) for k in node if isinstance(k, int))
            elif isinstance(node, int) and not isinstance(node, bool) \
                    and node.bit_length() > 14_000 and _digits(node) > MAX_INT_DIGITS:
                raise InvalidItem(path, _key_line(text, key, first_line), _name(key),
                                  f"number too long: integers have at most "
                                  f"{MAX_INT_DIGITS:,} digits (quote it to keep it as text)")


def _digits(number: int) -> int:
    try:
        return len(str(abs(number)))
    except ValueError:  # past this Python's own limit
        return MAX_INT_DIGITS + 1


def _name(key: Any) -> str | None:
    return key if isinstance(key, str) else None


def _key_line(text: str, key: Any, first_line: int) -> int:
    """The line of a top-level key (the text's first line when it cannot be found)."""
    if isinstance(key, str):
        pattern = re.compile(r"""(?:{k}|"{k}"|'{k}')[ \t]*:""".format(k=re.escape(key)))
        for number, line in enumerate(text.split("\n")):
            if pattern.match(line):
                return first_line + number
    return first_line


def flow_items(text: str) -> list[str] | None:
    """The items of a flow list typed on the command line (`[a, 'b, c']`), each as the
    text typed: a quoted item unquoted as YAML unquotes it, a plain one as it stands, so
    that the field's item type, not YAML 1.1, decides what `yes`, `01001` or `12:30` are.
    None when it is not a flat flow list (a nested list or mapping, an unclosed quote)."""
    inner = text.strip()
    if not (inner.startswith("[") and inner.endswith("]")):
        return None
    inner, items, at = inner[1:-1], [], 0
    while at < len(inner):
        while at < len(inner) and inner[at] in " \t":
            at += 1
        if at == len(inner):
            break
        if inner[at] in "'\"":
            end = _closing_quote(inner, at)
            if end is None:
                return None
            try:
                value = read("", f"k: {inner[at:end + 1]}", first_line=1)
            except InvalidItem:
                return None
            if not isinstance(value, dict) or not isinstance(value.get("k"), str):
                return None
            items.append(value["k"])
            at = end + 1
            while at < len(inner) and inner[at] in " \t":
                at += 1
            if at < len(inner) and inner[at] != ",":
                return None
        else:
            end = inner.find(",", at)
            end = len(inner) if end < 0 else end
            plain = inner[at:end].strip()
            if any(c in plain for c in "[]{}'\"") or plain.startswith(("&", "*", "!")):
                return None
            items.append(plain)
            at = end
        at += 1  # the comma
    return items


def _closing_quote(text: str, start: int) -> int | None:
    """The index of the quote that closes the one at `start` (YAML's rules: `''` inside
    single quotes, a backslash escape inside double quotes)."""
    quote, at = text[start], start + 1
    while at < len(text):
        if quote == '"' and text[at] == "\\":
            at += 2
            continue
        if text[at] == quote:
            if quote == "'" and text[at + 1:at + 2] == "'":
                at += 2
                continue
            return at
        at += 1
    return None


class _Duplicate(Exception):
    def __init__(self, key: str, line: int) -> None:
        self.key, self.line = key, line


class _Refused(Exception):
    def __init__(self, tag: str, line: int) -> None:
        self.tag, self.line = tag, line


_LOADER: Any = None


def loader() -> Any:
    """The dialect's PyYAML loader class, made on first use: PyYAML is imported only for
    the text the fast path leaves to it (nesting, block text, comments…)."""
    global _LOADER
    if _LOADER is None:
        import yaml  # noqa: PLC0415

        base: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

        class Loader(base):  # type: ignore[misc, valid-type]
            """Safe loader that refuses duplicate keys instead of keeping the last one,
            and the tags whose values no item needs (binary data, sets, ordered pairs)."""

            def construct_mapping(self, node: Any, deep: bool = False) -> Any:
                seen: set[Any] = set()
                for key_node, _ in node.value:
                    key = key_node.value if isinstance(key_node, yaml.ScalarNode) \
                        else id(key_node)
                    if key in seen:
                        raise _Duplicate(str(key), key_node.start_mark.line)
                    seen.add(key)
                return super().construct_mapping(node, deep=deep)

        for tag in ("binary", "set", "omap", "pairs"):
            Loader.add_constructor(f"tag:yaml.org,2002:{tag}", _refuse_tag)
        _LOADER = Loader
    return _LOADER


def __getattr__(name: str) -> Any:
    if name == "Loader":  # the loader class by name, without importing PyYAML early
        return loader()
    raise AttributeError(name)


def _refuse_tag(constructor: Any, node: Any) -> None:
    raise _Refused(node.tag.rsplit(":", 1)[-1], node.start_mark.line)


def _refuse_aliases(path: str, text: str, first_line: int) -> None:
    import yaml  # noqa: PLC0415

    try:
        for event in yaml.parse(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise InvalidItem(path, first_line + event.start_mark.line, None,
                                  "YAML anchors and aliases are not allowed in items")
    except yaml.YAMLError:
        return  # the real parse reports it with its line


def _locate_bad_value(text: str) -> tuple[int | None, str | None]:
    """The line of the value that cannot be built (an impossible date), however deep in
    a list or mapping it is, and the top-level key it is under."""
    import yaml  # noqa: PLC0415

    parser = loader()(text)

    def bad(node: Any) -> Any:
        if isinstance(node, yaml.ScalarNode):
            try:
                parser.construct_object(node, deep=True)
            except (ValueError, OverflowError):
                return node
            return None
        for child in node.value:
            for part in child if isinstance(child, tuple) else (child,):
                found = bad(part)
                if found is not None:
                    return found
        return None

    try:
        root = parser.get_single_node()
        for key_node, value_node in getattr(root, "value", []) or []:
            found = bad(value_node)
            if found is not None:
                return found.start_mark.line, str(getattr(key_node, "value", "")) or None
        return None, None
    except Exception:  # noqa: BLE001 - best effort: the caller reports without a line
        return None, None
    finally:
        parser.dispose()


def _yaml_reason(e: Any) -> str:
    parts = [p for p in (e.context, e.problem) if p]
    return "; ".join(parts).replace("\n", " ") or "cannot parse"
