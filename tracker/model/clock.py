"""The current time, which TRACKER_NOW overrides (reproducible demos, tests and reports),
and the tracker's time zone: the one a date and time written without offset is in.

The zone is the config's `timezone:` (an IANA name such as Europe/Paris), set by the
workspace when it reads the config (`use_zone`), or the machine's zone when there is
none. zoneinfo is loaded only when a time is first placed in a named zone, never by a
command that meets no date and time. Every time this module gives has a fixed offset
(`timezone(offset)`, the offset of that date in the zone, summer or winter time), as the
files' own `+02:00` parse: two times compare and subtract by the instants they name.
"""

from __future__ import annotations

import os
import re
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone

from tracker.model.errors import TrackerError

TYPE_CHECKING = False  # typing is not imported at run time (start-up)
if TYPE_CHECKING:
    from typing import Any, Iterator
    from zoneinfo import ZoneInfo

KEY = "timezone"
_zone_name: str | None = None  # the config's `timezone:`; None: the machine's zone
_zone_source = ""  # where it was read, for errors: `.tracker/config.yaml`
_zone: ZoneInfo | None = None  # loaded on first use
_offsets: dict[timedelta, timezone] = {}
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9][A-Za-z0-9_+\-]*){0,3}")


class BadZone(TrackerError):
    """The config names a time zone that does not exist."""


def use_zone(name: Any, source: str) -> None:
    """The tracker's zone from now on: the config's `timezone:` value (None: the
    machine's). A value that is not text is refused here; an unknown name, when the
    zone is first needed (`zone()`), or by `check`."""
    global _zone_name, _zone_source, _zone
    if name is not None and (not isinstance(name, str) or not name.strip()):
        raise BadZone(f"{source}: {KEY}: expected a time zone name like Europe/Paris, "
                      f"found {name!r}")
    if name != _zone_name:
        _zone = None
    _zone_name, _zone_source = name, source


def zone_name() -> str | None:
    """The configured zone's name, or None for the machine's zone."""
    return _zone_name


def zone() -> ZoneInfo | None:
    """The configured zone (None: the machine's); BadZone names the config file and key."""
    global _zone
    if _zone_name is None:
        return None
    if _zone is None:
        import zoneinfo  # noqa: PLC0415 - only when a time is placed in a named zone

        try:
            if not _NAME.fullmatch(_zone_name):  # no '..', no absolute path, bounded
                raise ValueError(_zone_name)
            _zone = zoneinfo.ZoneInfo(_zone_name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError, RecursionError):
            shown = _zone_name if len(_zone_name) <= 60 else _zone_name[:59] + "…"
            raise BadZone(f"{_zone_source}: {KEY}: unknown time zone {shown!r} "
                          "(an IANA name like Europe/Paris or America/New_York)") from None
    return _zone


def _fixed(offset: timedelta | None) -> timezone:
    """A fixed offset, in whole minutes as YAML writes them (a zone's local mean time
    before 1900, -04:56:02, is rounded to -04:56)."""
    found = _offsets.get(offset)  # type: ignore[arg-type]
    if found is None:
        minutes = round((offset or timedelta(0)).total_seconds() / 60)
        found = _offsets[offset] = timezone(timedelta(minutes=minutes))  # type: ignore[index]
    return found


def localize(value: datetime) -> datetime:
    """A date and time with its offset: a naive one is taken as a wall-clock time in the
    tracker's zone (the offset that zone has on that date); an aware one is unchanged.
    A time that a clock change skips or repeats takes the offset before the change."""
    if value.tzinfo is not None:
        return value
    place = zone()
    if place is None:
        try:  # the machine's rules, for that date (its wall-clock time kept as written)
            offset = value.astimezone().utcoffset()
        except (ValueError, OverflowError, OSError):  # year 1 or 9999: today's offset
            offset = datetime.now().astimezone().utcoffset()
        return value.replace(tzinfo=_fixed(offset))
    return value.replace(tzinfo=_fixed(value.replace(tzinfo=place).utcoffset()))


def aware(value: Any) -> Any:
    """A value with every naive date and time in it localized (lists too); else itself."""
    if type(value) is datetime:
        return value if value.tzinfo is not None else localize(value)
    if type(value) is list and any(type(v) is datetime and v.tzinfo is None for v in value):
        return [aware(v) for v in value]
    return value


def is_naive(value: Any) -> bool:
    """A date and time without offset (in a list too)?"""
    if isinstance(value, datetime):
        return value.tzinfo is None
    return isinstance(value, list) and any(isinstance(v, datetime) and v.tzinfo is None
                                           for v in value)


def now() -> datetime:
    """Now, in the tracker's zone with its offset, to the second; TRACKER_NOW (an ISO
    time; without offset, in the tracker's zone) replaces it when set."""
    fixed = os.environ.get("TRACKER_NOW")
    if fixed:
        moment = datetime.fromisoformat(fixed)
        return localize(moment) if moment.tzinfo is None else moment
    place = zone()
    if place is None:
        return datetime.now().astimezone().replace(microsecond=0)
    moment = datetime.now(place).replace(microsecond=0)
    return moment.replace(tzinfo=_fixed(moment.utcoffset()))


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
