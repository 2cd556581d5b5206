"""Personal data that must never enter a campaign repository: emails and French phone
numbers, found anywhere in an item (front matter or body) when the config forbids them.

Git history is permanent and copied to every clone, so `check` refuses such data and
the writing commands refuse to write it.
"""

from __future__ import annotations

import re

from tracker.format.frontmatter import Document

TYPE_CHECKING = False  # typing is not imported at run time (start-up)
if TYPE_CHECKING:
    from typing import Any, Iterator

PATTERNS = {
    "email": (re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"),
              "an email address: personal data never goes into the repository"),
    "phone_fr": (re.compile(r"(?<![\d+])(?:\+33[ .-]?|0)[1-9](?:[ .-]?\d{2}){4}(?!\d)"),
                 "a French phone number: personal data never goes into the repository"),
}


def forbidden(config: dict[str, Any]) -> list[str]:
    privacy = config.get("privacy")
    names = privacy.get("forbid") if isinstance(privacy, dict) else None
    return [n for n in names or [] if n in PATTERNS]


def scan(doc: Document, config: dict[str, Any]) -> Iterator[tuple[int, str | None, str]]:
    """(line, field or None, message) for each forbidden pattern in the file."""
    names = forbidden(config)
    if not names:
        return
    first_body_line = 2 + len(doc.lines) + 1
    text = doc.text
    for name in names:
        pattern, message = PATTERNS[name]
        for match in pattern.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            yield line, _field_at(doc, line) if line < first_body_line else None, message


def _field_at(doc: Document, line: int) -> str | None:
    """The top-level key whose lines hold this file line."""
    for index in range(line - 2, -1, -1):
        match = re.match(r"""["']?([^\s:#"'][^:]*?)["']?[ \t]*:""", doc.lines[index])
        if match and not doc.lines[index][:1].isspace():
            return match.group(1)
    return None
