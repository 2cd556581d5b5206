"""Answers remembered by idempotency key, so that a repeated post (a phone that lost the
network before the answer came back and sends again) answers with the first commit
instead of writing twice; kept durably under `.git/tracker-serve/idempotency/`, so that
a repeat after a restart still finds the first answer.

A key is the client's (an `Idempotency-Key` header, or a form's hidden field), scoped to
the account that sent it: the file is named by the SHA-256 of the account and the key.
The request's own digest is kept beside the answer: the same key with another request
is refused (422) rather than answered with an unrelated commit. Entries older than
`KEEP_DAYS` are removed when the server starts.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Any

KEEP_DAYS = 30
MAX_KEY = 200


class Remembered:
    """The idempotency folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _file(self, login: str, key: str) -> Path:
        name = hashlib.sha256(f"{login}\0{key}".encode()).hexdigest()
        return self.folder / name[:2] / f"{name}.json"

    def get(self, login: str, key: str) -> dict[str, Any] | None:
        """{"request", "status", "body"} of the first answer to this key, or None."""
        try:
            return json.loads(self._file(login, key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def put(self, login: str, key: str, request: str, status: int, body: Any) -> None:
        from tracker.api import write_atomic  # noqa: PLC0415

        write_atomic(self._file(login, key), json.dumps(
            {"request": request, "status": status, "body": body}, ensure_ascii=False))

    def prune(self, days: int = KEEP_DAYS) -> int:
        """Remove the answers older than `days`; how many were removed."""
        limit = time.time() - days * 86400
        removed = 0
        if not self.folder.is_dir():
            return 0
        for entry in self.folder.glob("*/*.json"):
            try:
                if entry.stat().st_mtime < limit:
                    entry.unlink()
                    removed += 1
            except OSError:
                continue
        return removed


def digest(*parts: Any) -> str:
    """A request's fingerprint: method, path and body."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def valid_key(key: str) -> bool:
    return 0 < len(key) <= MAX_KEY and key.isascii() and key.isprintable()



