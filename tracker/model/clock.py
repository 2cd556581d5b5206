"""The current time, which TRACKER_NOW overrides (reproducible demos, tests and reports)."""

from __future__ import annotations

import os
from contextlib import contextmanager
from datetime import date, datetime

TYPE_CHECKING = False  # typing is not imported at run time (start-up)
if TYPE_CHECKING:
    from typing import Iterator


def now() -> datetime:
    """Now, aware, to the second; TRACKER_NOW (an ISO time) replaces it when set."""
    fixed = os.environ.get("TRACKER_NOW")
    if fixed:
        moment = datetime.fromisoformat(fixed)
        return moment if moment.tzinfo else moment.astimezone()
    return datetime.now().astimezone().replace(microsecond=0)


def today() -> date:
    return now().date()


@contextmanager
def dated(when: datetime, name: str = "Demo", email: str = "demo@example.org") -> Iterator[None]:
    """Date the next commits and `created` fields as if the work happened at `when`
    (demos); the author is `name` unless the environment already names one."""
    dates = ("GIT_AUTHOR_DATE", "GIT_COMMITTER_DATE", "TRACKER_NOW")
    people = {"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email,
              "GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": email}
    saved: dict[str, str | None] = {n: os.environ.get(n) for n in (*dates, *people)}
    os.environ.update({n: when.isoformat() for n in dates})
    for key, value in people.items():
        os.environ.setdefault(key, value)
    try:
        yield
    finally:
        for key, before in saved.items():
            if before is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = before
