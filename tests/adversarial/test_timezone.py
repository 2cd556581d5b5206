"""Hostile time zones and hostile times without offset: zone names that try to leave the
zone database, that are not text, that hold a NUL; naive times at the ends of the
calendar (where UTC overflows and zones had local mean time), in lists, in undeclared
fields, with fractions of a second. Each: one clear line or correct handling, never a
traceback, never a rule silently passing."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.helpers import commit_all, git, run_tracker, write_tree

CONFIG = ".tracker/config.yaml"
KIND = ("folder: events\nfields:\n  title: {type: string, required: true}\n"
        "  at: {type: datetime}\n  end: {type: datetime}\n"
        "  times: {type: list, of: datetime}\n"
        "checks:\n  - field: end\n    rule: \"end is none or at is none or end >= at\"\n"
        "    message: ends before it starts\n")


def tracker(tmp_path: Path, zone_line: str) -> Path:
    folder = tmp_path / "repo"
    folder.mkdir()
    git(folder, "init", "-q")
    assert run_tracker(folder, "init").returncode == 0
    config = folder / CONFIG
    config.write_text(re.sub(r"(?m)^# timezone:.*\n", "", config.read_text()) + zone_line,
                      encoding="utf-8")
    write_tree(folder, {".tracker/kinds/event.yaml": KIND})
    commit_all(folder, "setup")
    return folder


def clean(done) -> None:
    assert "Traceback" not in done.stderr + done.stdout, done.stderr


@pytest.mark.parametrize("line", [
    "timezone: ../../../../etc/passwd\n", "timezone: /etc/localtime\n",
    "timezone: \"Europe/Paris\\0\"\n", "timezone: \"Europe/Paris \"\n",
    "timezone: {name: Europe/Paris}\n", "timezone: true\n", "timezone: 2027-01-01\n",
    "timezone: " + "A/" * 2000 + "B\n", "timezone: \"\"\n", "timezone: Etc\n"])
def test_hostile_zone_names_are_one_line(tmp_path, line):
    folder = tracker(tmp_path, line)
    write_tree(folder, {"events/event-a.md": "---\ntitle: A\nat: 2027-01-01T10:00:00\n---\n"})
    for args in (["check"], ["list", "event", "--sort", "at"],
                 ["set", "event-a", "at=2027-01-01T11:00"]):
        done = run_tracker(folder, *args)
        clean(done)
        assert done.returncode != 0, (args, done.stdout)
        lines = done.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: "), done.stderr
        assert f"{CONFIG}: timezone:" in lines[0]
        assert len(lines[0]) < 400  # a long name is not echoed in full... or is bounded
    assert "at: 2027-01-01T10:00:00\n" in (folder / "events/event-a.md").read_text()


@pytest.mark.parametrize("zone", ["America/New_York", "Pacific/Kiritimati", "Etc/GMT-14",
                                  "Etc/GMT+12", "Asia/Kathmandu"])
def test_times_at_the_ends_of_the_calendar(tmp_path, zone):
    folder = tracker(tmp_path, f"timezone: {zone}\n")
    write_tree(folder, {
        "events/event-a.md": "---\ntitle: A\nat: 0001-01-01T00:00:00\n"
                             "end: 9999-12-31T23:59:59.999999\n---\n",
        "events/event-b.md": "---\ntitle: B\nat: 9999-12-31T23:59:59\n"
                             "end: 0001-01-01T00:00:00+00:00\n---\n",
        "events/event-c.md": "---\ntitle: C\ntimes: [2027-01-01T10:00:00, "
                             "2027-01-01T09:00:00+00:00]\nwhen: 2027-06-01T12:00:00\n---\n"})
    commit_all(folder, "ends")
    done = run_tracker(folder, "check", "--format", "json")
    clean(done)
    data = json.loads(done.stdout)
    found = data["problems"] if isinstance(data, dict) else data
    by = {(p["path"], p["field"]) for p in found}
    assert ("events/event-b.md", "end") in by  # the rule ran: ends before it starts
    assert ("events/event-a.md", "at") in by and ("events/event-c.md", "times") in by
    assert ("events/event-c.md", "when") in by  # an undeclared field is named too
    assert not any("not checked" in p["message"] and p["path"].endswith("event-a.md")
                   for p in found)
    for args in (["list", "event", "--sort", "at", "--format", "json"],
                 ["list", "event", "--sort", "-end", "--format", "json"],
                 ["list", "event", "--where", "at < end", "--format", "json"],
                 ["show", "event-c", "--format", "json"], ["export", "csv"],
                 ["export", "json"]):
        done = run_tracker(folder, *args)
        clean(done)
        assert done.returncode == 0, (args, done.stderr)
    rows = json.loads(run_tracker(folder, "list", "event", "--where", "at < end",
                                  "--format", "json").stdout)
    assert [r["id"] for r in rows] == ["event-a"]
    shown = json.loads(run_tracker(folder, "show", "event-c", "--format", "json").stdout)
    assert all(re.search(r"[+-]\d\d:\d\d$", t) for t in shown["times"])


def test_setting_times_the_yaml_reader_must_read_back(tmp_path):
    folder = tracker(tmp_path, "timezone: America/New_York\n")
    write_tree(folder, {"events/event-a.md": "---\ntitle: A\n---\n"})
    commit_all(folder, "one")
    path = folder / "events/event-a.md"
    for typed, written in [("1800-01-01T00:00", "1800-01-01T00:00:00-04:56"),  # local mean
                           ("0001-01-01T00:00", "0001-01-01T00:00:00-04:56"),
                           ("2027-03-14T02:30:00.5", "2027-03-14T02:30:00.500000-05:00")]:
        done = run_tracker(folder, "set", "event-a", f"at={typed}")
        clean(done)
        assert done.returncode == 0, done.stderr
        assert f"at: {written}\n" in path.read_text()
        assert run_tracker(folder, "check").returncode == 0
    done = run_tracker(folder, "set", "event-a", "times=2027-01-01T10:00, 2027-07-01T10:00")
    assert done.returncode == 0, done.stderr
    assert "2027-01-01T10:00:00-05:00" in path.read_text()
    assert "2027-07-01T10:00:00-04:00" in path.read_text()


def test_a_naive_clock_override_in_a_bad_zone(tmp_path):
    folder = tracker(tmp_path, "timezone: Mars/Olympus_Mons\n")
    done = run_tracker(folder, "new", "issue", "Quand", env={"TRACKER_NOW": "2027-01-01T10:00"})
    clean(done)
    assert done.returncode != 0
    assert "unknown time zone 'Mars/Olympus_Mons'" in done.stderr
    assert list(folder.glob("issues/*.md")) == []
