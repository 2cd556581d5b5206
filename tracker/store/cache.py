"""Everything under `.git/tracker-cache/`: where it is, the switch that turns it off, the
rule that keeps a remembered stat from ever vouching for a changed file, the names of its
files and the one way they are read and written.

It holds five files, each named with the version of its format, so that a tracker of
another version reads none of them and writes its own:

- SNAPSHOT: every item's parsed front matter, as columns (snapshot.py);
- SETTINGS: the parsed config and kind files (workspace.py);
- EXPRESSIONS: filters, computed fields and rules compiled to Python source
  (expr/cache.py, handed its `File` by core/derive.py: expr does not import store);
- VERSIONS: item files of past revisions parsed, keyed by their git blob id, which
  names exactly the bytes parsed (core/history.py: `list --at`, `show --at`). A blob
  id never changes meaning, so nothing here is ever stale: a revision whose files are
  other blobs simply finds them missing and parses them;
- LOG: the whole tracker's field-level log up to the commit it was read at, and the
  kind folders it was read for (core/history.py: `log`, the site). A later HEAD that
  descends from that commit along one line adds only its new commits; any other HEAD,
  or other kind folders, reads it all again.

All of it is disposable: a file missing, unreadable or from another version is rebuilt
silently, written atomically without fsync (of concurrent writers the last complete write
wins), and a folder that cannot be written only costs speed. TRACKER_NO_CACHE=1 turns it
off: every command then parses the files. (cli/fast.py reads that switch too, before
anything is loaded, to skip its head start.)
"""

from __future__ import annotations

import os
import time

from tracker.git import repo as gitrepo
from tracker.store.files import save_disposable

TYPE_CHECKING = False  # typing is not imported at run time (start-up)
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Iterable

FOLDER = "tracker-cache"
SNAPSHOT = "snapshot-v8.bin"
SETTINGS = "settings-v3.marshal"
EXPRESSIONS = "expressions-v3.pickle"  # v3: `*` and `%` through the bounded functions
VERSIONS = "versions-v1.pickle"
LOG = "log-v1.pickle"


def member_log(name: str) -> str:
    """The LOG file of a federation member's history (a member name is a safe file name:
    core/federation.py's `check_name`)."""
    return f"log-v1-member-{name}.pickle"

# A stat younger than this is never remembered: a file changed twice within one tick of
# a coarse clock would keep its stat (git's own rule for racy index entries).
RACY_NS = 2_000_000_000
Key = tuple[int, int, int, int]


def disabled() -> bool:
    """TRACKER_NO_CACHE is set (and not 0): nothing is remembered or read back."""
    return os.environ.get("TRACKER_NO_CACHE", "") not in ("", "0")


def folder(top: Path | None) -> Path | None:
    """The cache folder of the repository whose work tree is `top`; None without git
    or with the cache turned off."""
    if top is None or disabled():
        return None
    return gitrepo.git_dir(top) / FOLDER


def file(top: Path | None, name: str) -> File | None:
    """One of the cache's files (SNAPSHOT, SETTINGS, EXPRESSIONS, VERSIONS, LOG), or None
    without a cache."""
    where = folder(top)
    return File(where / name) if where is not None else None


class File:
    """A file of the cache: read whole, written whole."""

    __slots__ = ("path",)

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> bytes | None:
        """The bytes last saved, or None when there are none to read."""
        try:
            with open(self.path, "rb") as handle:
                return handle.read()
        except OSError:
            return None

    def save(self, chunks: Iterable[bytes]) -> None:
        save_disposable(self.path, chunks)


def key_of(st: os.stat_result) -> Key:
    """What a remembered stat is compared on: size, mtime, ctime and inode."""
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def horizon() -> int:
    """The time (ns) a stamp must be older than to be remembered (see RACY_NS)."""
    return time.time_ns() - RACY_NS
