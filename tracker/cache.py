"""Parsed front matter, cached under the git folder so that a warm `list` skips YAML.

An entry is keyed by the file's (size, mtime_ns, ctime_ns, inode): a hand edit, a
`git pull`, a checkout, a rebase or a merge rewrites the file and changes its key, so
an entry can never be served for other content. The one race, a file changed twice
within one tick of a coarse clock, is closed as git closes it: entries whose mtime
is within two seconds of the moment the cache is written are not stored.

The cache is disposable: missing, corrupt or from another version, it is rebuilt
silently; TRACKER_NO_CACHE=1 turns it off. It lives in `.git/`, which git never
copies to another clone, and is written atomically (several processes may race to
write it; the last complete write wins).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

VERSION = 2
RACY_NS = 2_000_000_000
Key = tuple[int, int, int, int]


def disabled() -> bool:
    return os.environ.get("TRACKER_NO_CACHE", "") not in ("", "0")


def key_of(stat: os.stat_result) -> Key:
    return (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)


class ParseCache:
    """{repository path: (key, fields)} loaded once, saved once if anything changed."""

    def __init__(self, folder: Path) -> None:
        self.file = folder / f"items-v{VERSION}.pickle"
        self.entries: dict[str, tuple[Key, dict[str, Any]]] = self._load()
        self.dirty = False

    def _load(self) -> dict[str, tuple[Key, dict[str, Any]]]:
        import pickle  # noqa: PLC0415 - only listings read the cache

        try:
            with open(self.file, "rb") as handle:
                data = pickle.load(handle)  # noqa: S301 - our own file, inside .git/
        except Exception:  # noqa: BLE001 - any unreadable cache is simply rebuilt
            return {}
        return data if isinstance(data, dict) else {}

    def get(self, rel: str, key: Key) -> dict[str, Any] | None:
        entry = self.entries.get(rel)
        if entry is not None and entry[0] == key:
            return entry[1]
        return None

    def put(self, rel: str, key: Key, fields: dict[str, Any]) -> None:
        self.entries[rel] = (key, fields)
        self.dirty = True

    def prune(self, keep: set[str]) -> None:
        """Forget files that are gone (call after reading every item file)."""
        stale = [rel for rel in self.entries if rel not in keep]
        for rel in stale:
            del self.entries[rel]
        self.dirty = self.dirty or bool(stale)

    def save(self) -> None:
        if not self.dirty:
            return
        import pickle  # noqa: PLC0415
        import tempfile  # noqa: PLC0415

        horizon = time.time_ns() - RACY_NS
        safe = {rel: entry for rel, entry in self.entries.items() if entry[0][1] < horizon}
        tmp = None
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.file.parent, prefix=".items-", suffix=".tmp")
            with os.fdopen(fd, "wb") as handle:
                pickle.dump(safe, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self.file)
            tmp = None
        except OSError:
            pass  # a read-only .git/ only costs speed
        finally:
            if tmp is not None and os.path.exists(tmp):
                os.unlink(tmp)
        self.dirty = False
