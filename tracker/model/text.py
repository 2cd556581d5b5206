"""Text as search compares it: any case, any accent (`evenement` finds `Événement`).

`fold` maps each character on its own (case folding, compatibility decomposition, the
combining marks dropped, case folding again), so a text that held a needle in any case
still holds it folded: folded search finds all that a case-insensitive search found.
"""

from __future__ import annotations


def fold(text: str) -> str:
    """The text in no case and without accents."""
    folded = text.casefold()
    if folded.isascii():
        return folded
    import unicodedata  # noqa: PLC0415 - only for text that is not ASCII

    decomposed = unicodedata.normalize("NFKD", folded)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def searchable(title: str, body: str) -> str:
    """What `list --grep` looks in: the folded title and body, apart (a NUL between,
    which no needle typed on a command line holds)."""
    return fold(title) + "\0" + fold(body)
