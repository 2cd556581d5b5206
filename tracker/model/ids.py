"""Item ids: how they are made, which are allowed, and how a prefix resolves.

An id is the item's file name without `.md`. Random ids are `<prefix>-<suffix>` where
the suffix is `length` characters of Crockford's lowercase base32 (no i, l, o, u), drawn
from the OS's random source: 8 characters give 32**8 ≈ 1.1e12 ids, so two clones that
each create thousands of items between syncs almost never collide, and a collision
is caught (the file exists) before anything is written. Natural-key ids are built from
fields (`{commune_insee}_{code}`) so that re-importing the same record updates it.

An allowed id is 1 to 128 characters of letters, digits, `.`, `_`, `-`, starts with a
letter or digit, holds no `..`, and is not a reserved Windows device name: nothing
that could leave the kind's folder, hide, or be read as a command-line option.
"""

from __future__ import annotations

import os
import re

from tracker.model.errors import AmbiguousId, InvalidId, ItemNotFound

TYPE_CHECKING = False  # typing is not imported at run time (start-up)
if TYPE_CHECKING:
    from typing import Any, Iterable

ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lowercase
_VALID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}\Z")
_RESERVED = re.compile(r"(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?\Z", re.IGNORECASE)
_KEY_FIELD = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


_SOURCE: Any = None  # a seeded random.Random for demos; None: os.urandom


def use_random(source: Any | None) -> None:
    """Draw ids from a seeded `random.Random` (the demo is deterministic); None: the OS's."""
    global _SOURCE
    _SOURCE = source


def random_id(prefix: str, length: int) -> str:
    if _SOURCE is None:  # the OS's randomness; 256 is a multiple of 32: no bias
        suffix = "".join(ALPHABET[b % 32] for b in os.urandom(length))
    else:
        suffix = "".join(_SOURCE.choice(ALPHABET) for _ in range(length))
    return f"{prefix}-{suffix}" if prefix else suffix


def key_id(template: str, fields: dict[str, Any]) -> str:
    """A natural-key id: `{field}` in the template replaced by the field's value."""
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if fields.get(name) in (None, ""):
            raise InvalidId(f"the id is built from '{name}', which has no value")
        return re.sub(r"[^A-Za-z0-9._-]+", "-", str(fields[name])).strip("-")
    return _KEY_FIELD.sub(value, template)


def key_fields(template: str) -> list[str]:
    return _KEY_FIELD.findall(template)


def problem(item_id: str) -> str | None:
    """Why this id is not allowed, or None."""
    if not _VALID.match(item_id):
        return ("an id is 1 to 128 letters, digits, '.', '_' or '-', starting with a "
                "letter or digit")
    if ".." in item_id:
        return "an id may not contain '..'"
    if _RESERVED.match(item_id):
        return f"'{item_id}' is a reserved device name on Windows"
    return None


def qualified(ref: str) -> bool:
    """True for a reference to another repository of a federation, `MEMBER:ID` (an id
    holds no ':'): judged by `check --federation`, not by the repository that holds it."""
    member, sep, rest = ref.partition(":")
    return bool(sep) and re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}", member) is not None \
        and problem(rest) is None


def validate(item_id: str) -> str:
    reason = problem(item_id)
    if reason:
        raise InvalidId(f"invalid id '{item_id}': {reason}")
    return item_id


def resolve(prefix: str, ids: Iterable[str]) -> str:
    """The one id equal to, or starting with, `prefix`."""
    matches = []
    for item_id in ids:
        if item_id == prefix:
            return item_id
        if item_id.startswith(prefix):
            matches.append(item_id)
    if not matches:  # ids that differ only by case are one id: `ISSUE-X` finds `issue-x`
        folded = prefix.lower()
        matches = [i for i in ids if i.lower() == folded] or \
            [i for i in ids if i.lower().startswith(folded)]
    if not matches:
        raise ItemNotFound(f"no item with id '{prefix}'")
    if len(matches) > 1:
        raise AmbiguousId(prefix, sorted(matches))
    return matches[0]
