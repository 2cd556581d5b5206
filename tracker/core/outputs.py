"""Output written inside the repository (`report site --out site`): whether git would show
it as untracked, and adding it to the repository's `.gitignore`."""

from __future__ import annotations

from pathlib import Path

from tracker.core.session import Session
from tracker.git import repo as gitrepo
from tracker.store.files import write_atomic


def unignored(s: Session, folder: Path) -> str | None:
    """`folder` as `/site/` (from the repository top) when it lies inside the repository
    and git does not ignore it, else None."""
    top = s.ws.top
    if top is None:
        return None
    folder = folder.resolve()
    try:
        rel = folder.relative_to(top.resolve())
    except ValueError:
        return None
    if not rel.parts or rel.parts[0] == ".git" or gitrepo.ignored(top.resolve(), folder):
        return None
    return "/" + rel.as_posix() + "/"


def ignore(s: Session, pattern: str) -> Path:
    """Add `pattern` to the `.gitignore` at the repository top; its path."""
    assert s.ws.top is not None
    path = s.ws.top / ".gitignore"
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if pattern not in text.splitlines():
        write_atomic(path, text + ("" if not text or text.endswith("\n") else "\n")
                     + pattern + "\n")
    return path
