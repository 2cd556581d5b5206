"""Merging with other clones: the merge driver's file handling, and `tracker sync`.

`sync` fetches one branch of a remote, merges it through git (and so through the
tracker's merge driver), and pushes; when the push is refused because the remote moved
meanwhile, it fetches, merges and pushes again, a bounded number of times, after a
random pause that grows with each attempt so that clones racing each other spread out.
A real conflict stops it with git's ordinary conflicted state left for a person.
"""

from __future__ import annotations

import random
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from tracker.format import merge
from tracker.git import repo as gitrepo
from tracker.model.errors import (
    GitError,
    MergeConflict,
    NotARepository,
    TrackerError,
    UsageError,
)

if TYPE_CHECKING:
    from typing import Callable

    from tracker.store.journal import Journal
    from tracker.store.workspace import Workspace

RETRIES = 10
MAX_PAUSE = 2.0
_CONTROL = re.compile(r"[\x00-\x20\x7f]")


def merge_files(base: Path, ours: Path, theirs: Path, path: str) -> list[str]:
    """The merge driver: merge three versions, write the result to `ours`, return conflicts."""
    data = [p.read_bytes() for p in (base, ours, theirs)]
    try:
        texts = [d.decode("utf-8") for d in data]
    except UnicodeDecodeError:
        return merge_files_as_text(base, ours, theirs)
    result = merge.merge(texts[0], texts[1], texts[2], gitrepo.merge_text, path)
    ours.write_bytes(result.text.encode("utf-8", errors="surrogateescape"))
    return result.conflicts


def merge_files_as_text(base: Path, ours: Path, theirs: Path) -> list[str]:
    """Git's plain text merge of three files into `ours` (the driver's last resort)."""
    merged, conflicted = gitrepo.merge_bytes(base.read_bytes(), ours.read_bytes(),
                                             theirs.read_bytes())
    ours.write_bytes(merged)
    return [merge.FILE] if conflicted else []


@dataclass
class SyncResult:
    """What a sync did: merged the remote, pushed, retried, or stopped on conflicts."""

    remote: str
    branch: str
    merged: bool = False  # the remote had commits we lacked
    pushed: bool = False
    retries: int = 0
    reinstalled: bool = False  # the merge driver's local settings had to be written
    unrouted: list[str] = field(default_factory=list)  # kind folders half routed (see below)
    conflicts: dict[str, list[str]] = field(default_factory=dict)  # path -> fields


def sync(ws: Workspace, remote: str | None = None, branch: str | None = None,
         retries: int = RETRIES, step: Callable[[str], None] | None = None) -> SyncResult:
    """Fetch, merge through the driver and push, retrying while the remote moves. `step`
    hears each stage (`Fetching origin/main`), for a terminal's progress lines."""
    top = ws.top
    if top is None:
        raise NotARepository("this tracker is not in a git repository: nothing to sync")
    # journaled (store/journal.py): a sync killed in a merge is undone by the next writer
    with ws.lock(), ws.journal("sync", "sync") as journal:
        result = _prepare(top, remote, branch)
        for attempt in range(retries + 1):
            if attempt:
                _pause(attempt)
                result.retries = attempt
            if _round(top, result, journal, step or (lambda _: None)):
                result.unrouted = unrouted(ws, top)  # as the merge left .gitattributes
                return result
    raise TrackerError(f"{result.remote} kept moving: gave up after {retries} retries; "
                       "run 'tracker sync' again")


def _prepare(top: Path, remote: str | None, branch: str | None) -> SyncResult:
    if gitrepo.is_merging(top):
        raise MergeConflict("a merge is in progress: resolve the conflicts (tracker check), "
                            "commit, then sync again")
    current = gitrepo.current_branch(top)
    branch = check_name(branch or current or "", "branch")
    if not branch:
        raise UsageError("HEAD is detached: give the branch to sync with --branch")
    remote = check_name(remote or (current and gitrepo.upstream_remote(top, current))
                        or "origin", "remote")
    result = SyncResult(remote, branch)
    result.reinstalled = _ensure_driver(top)
    return result


def _ensure_driver(top: Path) -> bool:
    from tracker.core import init as project  # noqa: PLC0415 - keeps the merge driver light

    return not project.git_settings_ok(top) and project.install_git_settings(top)


def unrouted(ws: Workspace, top: Path) -> list[str]:
    """Kind folders whose flat items go to the merge driver but whose sharded ones do not
    (or the other way round): the `issues/*.md` lines of versions before `**` patterns,
    which `tracker init` repairs. A kind routed nowhere is the user's choice: not listed."""
    try:
        folders = sorted({kind.folder for kind in ws.kinds.values()})
    except TrackerError:
        return []
    probes: dict[str, list[str]] = {}
    for folder in folders:
        try:
            base = (ws.root / folder).relative_to(top).as_posix()
        except ValueError:
            continue
        probes[folder] = [f"{base}/x.md", f"{base}/_/x.md"]
    try:
        found = gitrepo.merge_attributes(top, [p for pair in probes.values() for p in pair])
    except GitError:
        return []  # only a warning: never turn a sync that went through into an error
    return [folder for folder, pair in probes.items()
            if len({found.get(p) == "tracker" for p in pair}) > 1]


def check_name(name: str, what: str) -> str:
    """A remote or branch name given by a user, refused if git could read it as an option."""
    if name and (name.startswith("-") or _CONTROL.search(name)):
        raise UsageError(f"invalid {what} '{name}'")
    if what == "branch" and name:
        gitrepo.check_rev(name)
    return name


def _round(top: Path, result: SyncResult, journal: Journal,
           step: Callable[[str], None]) -> bool:
    """One fetch, merge and push; False when the push was refused because the remote moved."""
    theirs, head = catch_up(top, result, journal, step)
    if result.conflicts:
        return True
    if head is None or head == theirs:
        return True
    step(f"Pushing to {result.remote}/{result.branch}")
    return push(top, result)


def catch_up(top: Path, result: SyncResult, journal: Journal,
             step: Callable[[str], None] | None = None) -> tuple[str | None, str | None]:
    """Fetch the remote's branch and merge it through the driver (journaled: a merge cut
    short is undone by the next writer): (the remote's commit, HEAD after). A conflict
    is left in git's conflicted state, its paths in `result.conflicts`. `step` hears the
    stages (fetching, merging)."""
    step = step or (lambda _: None)
    where = f"{result.remote}/{result.branch}"
    step(f"Fetching {where}")
    theirs = gitrepo.fetch_branch(top, result.remote, result.branch)
    head = gitrepo.rev_parse(top, "HEAD")
    if theirs is not None and theirs != head:
        # what the next writer needs to undo this merge if it is cut short
        journal.note("head", head or "-")
        journal.note("changed", "\n".join(gitrepo.changed_paths(top)))
        journal.note("merge", theirs)
        message = f"sync: merge {result.remote}/{result.branch}"
        step(f"Merging {where}")
        if not gitrepo.merge_commit(top, theirs, message):
            result.conflicts = conflicts(top)
            return theirs, head
        after = gitrepo.rev_parse(top, "HEAD")
        result.merged = result.merged or after != head
        head = after
    return theirs, head


def push(top: Path, result: SyncResult) -> bool:
    """Push HEAD to the remote's branch; False when refused because the remote moved."""
    if gitrepo.push_branch(top, result.remote, result.branch):
        result.pushed = True
        return True
    return False


def prepare(top: Path, remote: str | None = None, branch: str | None = None) -> SyncResult:
    """The remote and branch a sync (or a claim's compare-and-swap) works with."""
    return _prepare(top, remote, branch)


def conflicts(top: Path) -> dict[str, list[str]]:
    """Each conflicted path, with the fields (or 'body', '(file)') its markers surround."""
    found: dict[str, list[str]] = {}
    for rel in gitrepo.unmerged_paths(top):
        try:
            text = (top / rel).read_text(encoding="utf-8", errors="replace")
        except OSError:
            text = ""  # deleted on one side
        found[rel] = merge.conflicted_fields(text) or [merge.FILE]
    return found


def pause(attempt: int) -> None:
    """The pause before another attempt (see `_pause`)."""
    _pause(attempt)


def _pause(attempt: int) -> None:
    """A random pause (jitter) whose ceiling doubles with each attempt."""
    time.sleep(random.uniform(0, min(MAX_PAUSE, 0.05 * 2 ** attempt)))  # noqa: S311
