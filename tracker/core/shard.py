"""Sharded kind folders: `tracker shard KIND N` moves every item of a kind into
subfolders named by N characters of its id (`issues/k3/issue-k3x9q2ab.md`), or back
into the folder itself with N = 0, and records `shard: N` in the kind's file.

Why: git rewrites the whole tree object of a folder on every commit that touches one
of its files. A folder of 100,000 items is a 4.5 MB tree, so each `tracker set` would
cost git a quarter of a second and leave a 3 MB object behind; GitHub also lists only
the first 1,000 files of a folder. With two characters of a random id there are
1,024 subfolders of ~100 files at 100,000 items: every commit writes a few small trees.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Callable, Iterable

from tracker.core import attributes
from tracker.core.commits import preflight
from tracker.git import repo as gitrepo
from tracker.model.errors import TrackerError, UsageError
from tracker.model.record import replace
from tracker.store.snapshot import id_of, item_names
from tracker.store.workspace import CONFIG_DIR

TYPE_CHECKING = False  # typing is not imported at run time (start-up)
if TYPE_CHECKING:
    from tracker.core.session import Session

ADVISED_ABOVE = 10_000  # items in one folder: `tracker check` advises sharding past it
_SHARD_LINE = re.compile(r"shard[ \t]*:[^\n]*(\n|\Z)")


def shard(t: Session, kind_name: str, chars: int, commit: bool = True,
          progress: Callable[[list[Any]], Iterable[Any]] | None = None) -> dict[str, Any]:
    """Move a kind's item files to their places for `chars` (0: the folder itself), set
    `shard:` in its kind file, and commit it all as one change. `progress` wraps the
    moves (the CLI's bar on a terminal)."""
    if not 0 <= chars <= 4:
        raise UsageError("the number of id characters naming a subfolder is 0 to 4")
    ws = t.ws
    kind = ws.kind(kind_name)
    kind_file = ws.root / CONFIG_DIR / "kinds" / f"{kind.name}.yaml"
    with ws.lock():
        preflight(t, commit)
        # the kind's line in .gitattributes must match its new layout (an old version's
        # `issues/*.md` does not match `issues/k3/x.md`): planned before anything moves
        routes = attributes.planned(ws.root / attributes.ATTRIBUTES, [kind.folder])
        target = replace(kind, shard=chars)
        folder = ws.folder(kind)
        moves: list[tuple[Path, Path]] = []
        if folder.is_dir() and ws.folder_inside(kind):
            for name in sorted(item_names(folder, True)):
                item_id = id_of(name)
                old = folder / name
                new = folder / (f"{target.shard_of(item_id)}/{item_id}.md" if chars
                                else f"{item_id}.md")
                if old != new:
                    moves.append((old, new))
        taken = {new for _, new in moves}
        for new in taken:
            if new.exists() or os.path.islink(new):
                raise TrackerError(f"{ws.display(new)} exists: two files hold one id; "
                                   "keep one, then shard again (nothing was moved)")
        if len(taken) != len(moves):
            raise TrackerError(f"two files of {kind.folder}/ hold one id: keep one, then "
                               "shard again (nothing was moved)")
        committing = commit and t.auto_commit and ws.top is not None
        message = (f"shard {kind.name}: {chars} id characters per subfolder"
                   if chars else f"shard {kind.name}: every item back in {kind.folder}/")
        message = f"{message} ({len(moves)} moved)"
        kind_text = _shard_line(kind_file, chars, kind.shard)
        puts = ([(kind_file, kind_text)] if kind_text is not None else []) + (
            [(ws.root / attributes.ATTRIBUTES, routes)] if routes is not None else [])
        committed = False
        # journaled (store/journal.py): every move named before the first is made, so
        # that the next writer finishes them if this one dies; a failure undoes them
        with ws.journal("shard", message, committing) as journal:
            journal.plan(moves, puts)
            for old, new in (progress(moves) if progress else moves):
                new.parent.mkdir(exist_ok=True)
                os.rename(old, new)
                journal.moved(old, new)
            for old, _ in moves:  # shards left empty go too
                parent = old.parent
                if parent != folder:
                    try:
                        parent.rmdir()
                    except OSError:
                        pass
            for path, text in puts:
                journal.put(path, text)
            paths = [p for pair in moves for p in pair] + [path for path, _ in puts]
            if committing and paths:
                assert ws.top is not None
                rel = [str(p.relative_to(ws.top)) for p in paths]
                committed = gitrepo.commit_many(ws.top, rel, message)
    return {"kind": kind.name, "shard": chars, "moved": len(moves), "committed": committed}


def _shard_line(path: Path, chars: int, before: int) -> str | None:
    """The kind file's text with `shard: N`: its line changed, or added at the end;
    nothing else in the file moves (comments and order stay). None: no change."""
    text = path.read_text(encoding="utf-8")
    found = None
    for match in _SHARD_LINE.finditer(text):
        if match.start() == 0 or text[match.start() - 1] == "\n":
            found = match
    if found is not None:  # only the value changes: spacing and comment stay
        value = re.match(r"shard[ \t]*:[ \t]*([^ \t#\n]*)", found.group(0))
        assert value is not None
        start, end = found.start() + value.start(1), found.start() + value.end(1)
        new = text[:start] + str(chars) + text[end:]
    elif chars == before == 0:
        return None
    else:
        new = text + ("" if text.endswith("\n") or not text else "\n") + f"shard: {chars}\n"
    return None if new == text else new
