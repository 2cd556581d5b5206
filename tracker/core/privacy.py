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


# ---------------------------------------------------------------- organisations, never persons

# Words that say a name is an organisation's: legal forms and public bodies.
_ORGANISATION = re.compile(
    r"(?i)(?<![\w])(?:s\.?a\.?s\.?u?|s\.?a\.?r\.?l|e\.?u\.?r\.?l|s\.?a|s\.?n\.?c|s\.?c\.?o\.?p|"
    r"s\.?c\.?i\.?c?|g\.?i\.?e|s\.?e\.?m|s\.?p\.?l|e\.?p\.?i\.?c|ltd|limited|inc|llc|gmbh|plc|"
    r"bv|nv|ag|se|association|fondation|f[ée]d[ée]ration|syndicat|mutuelle|coop[ée]rative|"
    r"soci[ée]t[ée]|groupe|agence|cabinet|imprimerie|mairie|commune|ville|r[ée]gion|"
    r"d[ée]partement|[ée]tablissement|office|institut|universit[ée]|parti|union|"
    r"comit[ée]|h[ôo]tel|studio|atelier|services?|t[ée]l[ée]com|la poste|sncf|ratp)(?![\w])")
# A title in front of a name: M., Mme, Monsieur, Dr…
_TITLE = re.compile(r"(?i)^(?:m|mm|mme|mmes|mlle|mlles|mr|mrs|ms|dr|pr|me)\.?\s+\S|"
                    r"^(?:monsieur|madame|mademoiselle|messieurs|mesdames|docteur|ma[îi]tre|"
                    r"professeur)\b")
_UPPER = r"[A-ZÀ-ÖØ-Þ][A-ZÀ-ÖØ-Þ'’-]+"
_CAPITAL = r"[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ]+(?:-[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ]+)?"
# "Jean DUPONT", "DUPONT Jean", "J. Dupont", "Jean-Marie LE PEN"
_NAME_SHAPES = re.compile(
    rf"^(?:{_CAPITAL}(?:\s+{_CAPITAL})?\s+{_UPPER}(?:\s+{_UPPER})?|"
    rf"{_UPPER}(?:\s+{_UPPER})?\s+{_CAPITAL}(?:\s+{_CAPITAL})?|"
    rf"[A-ZÀ-ÖØ-Þ]\.(?:\s*-?[A-ZÀ-ÖØ-Þ]\.)?\s*{_CAPITAL}(?:\s+{_CAPITAL})?)$")
PERSON_MESSAGE = ("looks like a person ({why}): a payee is an organisation (its registered "
                  "name, with its legal form: SARL, SAS, association…), never a person")


def organisation_fields(kind: str, config: dict[str, Any]) -> list[str]:
    """The fields of `kind` that name an organisation (`privacy.organisations`:
    `KIND.FIELD` entries)."""
    privacy = config.get("privacy")
    names = privacy.get("organisations") if isinstance(privacy, dict) else None
    if not isinstance(names, list):
        return []
    return [str(n).split(".", 1)[1] for n in names
            if isinstance(n, str) and n.startswith(kind + ".")]


def person_like(text: str) -> str | None:
    """Why `text` looks like a person's name rather than an organisation's, or None.

    A title (M., Mme, Dr…) is a person whatever follows; the shapes of a name ("Jean
    DUPONT", "DUPONT Jean", "J. Dupont") are, unless a legal form or a public body's
    word says an organisation ("Imprimerie DUPONT", "DUPONT SARL").
    """
    name = " ".join(str(text).split())
    if _TITLE.search(name):
        return "a title such as M. or Mme"
    if _NAME_SHAPES.match(name) and not _ORGANISATION.search(name):
        return "a first name and a surname"
    return None
