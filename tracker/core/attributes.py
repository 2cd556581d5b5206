"""Tracker's lines in `.gitattributes`: every kind's item files routed to the merge driver.

One line per kind folder, `issues/**/*.md merge=tracker`, which matches the items of
every layout: in the folder itself (`issues/x.md`) and in the subfolders of a sharded
kind (`issues/k3/x.md`), so `tracker shard` never leaves an item outside the driver and
a clone that has not yet seen a shard still routes the moved files. A folder name holding
a space, a quote or a control character is written C-quoted (`"my issues/**/*.md"`): git
splits an unquoted line at blanks. Glob characters in it are escaped (`\\*`).

Older versions wrote `issues/*.md merge=tracker`, which misses sharded items (and wrote
`my[ ]issues/*.md`, which git splits in two). `tracker init` and `tracker shard` rewrite
those lines of theirs in place; every other line of the file keeps its bytes.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable

from tracker.model.errors import TrackerError
from tracker.store.files import write_atomic

ATTRIBUTES = ".gitattributes"
ROUTE = "merge=tracker"
_GLOB = "*?[]\\!#"
_BLANK = re.compile(r"[ \t\r]+")  # what git skips between a pattern and its attributes


def line_for(folder: str) -> str:
    """The line routing one kind folder's item files, in every layout, to the driver."""
    posix = Path(folder).as_posix()
    glob = "".join("\\" + c if c in _GLOB else c for c in posix)
    pattern = "**/*.md" if posix == "." else glob + "/**/*.md"
    if any(c in ' "' or ord(c) < 0x20 or ord(c) == 0x7f for c in pattern):
        pattern = '"' + "".join(_c_quoted(c) for c in pattern) + '"'
    return f"{pattern} {ROUTE}"


def old_line_for(folder: str) -> str:
    """The line versions before sharding-aware patterns wrote (flat items only)."""
    glob = "".join("\\" + c if c in _GLOB else c for c in Path(folder).as_posix())
    return glob.replace(" ", "[ ]").replace("\t", "[\t]") + "/*.md " + ROUTE


def install(root: Path, folders: Iterable[str]) -> Path | None:
    """Route these kind folders to the driver in `root`'s `.gitattributes`: rewrite
    tracker's old lines for them in place, add the lines missing after the user's own.
    Returns the file if it changed."""
    path = root / ATTRIBUTES
    new = planned(path, folders)
    if new is None:
        return None
    write_atomic(path, new)
    return path


def planned(path: Path, folders: Iterable[str]) -> str | None:
    """The text `install` would write to `path`, or None when nothing has to change."""
    existing = read(path)
    wanted = {_normal(line_for(f)): line_for(f) for f in sorted(set(folders))}
    old = {_normal(old_line_for(f)): line_for(f) for f in sorted(set(folders))}
    lines = existing.split("\n")  # as git reads them: a '\r' before '\n' is a blank
    present = {_normal(line) for line in lines}
    out: list[str] = []
    changed = False
    for line in lines:
        key = _normal(line)
        if key in old and key not in wanted:
            changed = True
            replacement = old[key]
            if _normal(replacement) in present:
                continue  # the new line is already there: the old one just goes
            present.add(_normal(replacement))
            bom = "\ufeff" if line.startswith("\ufeff") else ""  # git skips one, so keep it
            line = bom + replacement + ("\r" if line.endswith("\r") else "")
        out.append(line)
    text = "\n".join(out)
    missing = [line for key, line in wanted.items() if key not in present]
    if missing:
        eol = "\r\n" if existing.split("\n", 1)[0].endswith("\r") else "\n"
        if text and not text.endswith("\n"):
            text += eol
        text += "".join(line + eol for line in missing)
        changed = True
    return text if changed else None


def read(path: Path) -> str:
    """The file's text ('' when there is none); one line naming the line if not UTF-8."""
    if path.is_symlink():  # git does not follow it; its target may lie outside the repository
        raise TrackerError(f"{path.name} is a link: git does not read attributes through "
                           "one; replace it with a file, then run 'tracker init'")
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return ""
    except IsADirectoryError:
        raise TrackerError(f"{path.name} is a folder: git reads attributes from a file "
                           "there; remove it, then run 'tracker init'") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[:e.start].count(b"\n") + 1
        raise TrackerError(f"{path.name}:{line}: not UTF-8; tracker adds its lines to a "
                           "UTF-8 file only: convert it, then run 'tracker init'") from None


def _normal(line: str) -> str:
    return " ".join(part for part in _BLANK.split(line.removeprefix("\ufeff")) if part)


def _c_quoted(c: str) -> str:
    if c in '"\\':
        return "\\" + c
    if c == "\t":
        return "\\t"
    if c == "\n":
        return "\\n"
    if ord(c) < 0x20 or ord(c) == 0x7f:
        return f"\\{ord(c):03o}"
    return c
