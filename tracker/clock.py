"""The current time, which TRACKER_NOW overrides (reproducible demos, tests and reports)."""

from __future__ import annotations

import os
from datetime import date, datetime


def now() -> datetime:
    """Now, aware, to the second; TRACKER_NOW (an ISO time) replaces it when set."""
    fixed = os.environ.get("TRACKER_NOW")
    if fixed:
        moment = datetime.fromisoformat(fixed)
        return moment if moment.tzinfo else moment.astimezone()
    return datetime.now().astimezone().replace(microsecond=0)


def today() -> date:
    return now().date()
