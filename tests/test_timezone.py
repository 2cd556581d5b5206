"""The tracker's time zone (`timezone:` in .tracker/config.yaml, an IANA name; the
machine's zone without it): a date and time typed without offset is written with the
offset it has in that zone, on that date; one already in a file is read in it
everywhere, so comparing it with one that has an offset never blanks a computed field
or disables a rule, and `check` names it. All through the installed `tracker`."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import changed_region, commit_all, editor_script, git, run_tracker, write_tree

CONFIG = ".tracker/config.yaml"


def tracker(tmp_path: Path, zone: str | None, template: str = "default",
            name: str = "repo") -> Path:
    folder = tmp_path / name
    folder.mkdir()
    git(folder, "init", "-q")
    done = run_tracker(folder, "init", "--template", template)
    assert done.returncode == 0, done.stderr
    if template == "default" or zone != "Europe/Paris":
        config = folder / CONFIG
        text = re.sub(r"(?m)^#? ?timezone:.*\n", "", config.read_text(encoding="utf-8"))
        if zone is not None:
            text += f"timezone: {zone}\n"
        config.write_text(text, encoding="utf-8")
        commit_all(folder, "zone")
    return folder


def ok(folder: Path, *args: str, env: dict[str, str] | None = None) -> str:
    done = run_tracker(folder, *args, env=env)
    assert done.returncode == 0, (args, done.stderr)
    assert "Traceback" not in done.stderr
    return done.stdout


def one_line_error(done) -> str:
    assert done.returncode != 0, done.stdout
    assert "Traceback" not in done.stderr and done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error:"), done.stderr
    return lines[0]


def field_line(path: Path, name: str) -> str:
    return next(line for line in path.read_text(encoding="utf-8").splitlines()
                if line.startswith(f"{name}:"))


def problems(folder: Path) -> list[dict]:
    done = run_tracker(folder, "check", "--format", "json")
    assert "Traceback" not in done.stderr
    data = json.loads(done.stdout)
    return data["problems"] if isinstance(data, dict) else data


# ---------------------------------------------------------------- the scenario


def incident(folder: Path, detected: str, resolved_line: str) -> Path:
    item_id = ok(folder, "new", "incident", "DDoS sur le site", "--set", "site=site.fr",
                 "--set", f"detected_at={detected}").strip()
    path = folder / "incidents" / f"{item_id}.md"
    text = path.read_text(encoding="utf-8").replace("site: site.fr\n",
                                                    f"site: site.fr\n{resolved_line}\n")
    path.write_text(text, encoding="utf-8")
    commit_all(folder, "typed by hand")
    return path


def test_a_naive_time_beside_an_aware_one_still_breaks_the_rule(tmp_path):
    camp = tracker(tmp_path, "Europe/Paris", "campaign")
    assert "timezone: Europe/Paris" in (camp / CONFIG).read_text(encoding="utf-8")
    # resolved at 09:45 Paris time, detected at 10:00 Paris time: resolved before detected
    path = incident(camp, "2027-03-10T10:00:00+01:00", "resolved_at: 2027-03-10T09:45:00")
    rel = path.relative_to(camp).as_posix()
    done = run_tracker(camp, "check")
    assert done.returncode == 1, done.stdout
    line = next(n for n, text in enumerate(path.read_text().splitlines(), 1)
                if text.startswith("resolved_at:"))
    assert f"{rel}:{line}: resolved_at: résolu avant d'être détecté" in done.stdout
    assert (f"{rel}:{line}: resolved_at: date and time without offset, read in Europe/Paris"
            in done.stdout)
    assert "2027-03-10T09:45:00+01:00" in done.stdout  # the form to write
    found = problems(camp)
    assert {(p["field"], p["line"]) for p in found} == {("resolved_at", line)}
    assert len(found) == 2


def test_naive_and_aware_compute_and_list_in_the_zone(tmp_path):
    camp = tracker(tmp_path, "Europe/Paris", "campaign")
    item_id = ok(camp, "new", "incident", "Attaque", "--set", "site=a.fr",
                 "--set", "detected_at=2027-06-10T10:00:00+02:00").strip()
    path = camp / "incidents" / f"{item_id}.md"
    path.write_text(path.read_text().replace("site: a.fr\n",
                                             "site: a.fr\nmitigated_at: 2027-06-10T10:30:00\n"))
    commit_all(camp, "hand")
    for _ in range(2):  # parsed, then from the snapshot
        record = json.loads(ok(camp, "show", item_id, "--format", "json"))
        assert record["minutes_to_mitigate"] == 30.0
        assert record["mitigated_at"] == "2027-06-10T10:30:00+02:00"
        rows = json.loads(ok(camp, "list", "incident", "--where",
                             "mitigated_at > detected_at", "--format", "json"))
        assert [r["id"] for r in rows] == [item_id]


def test_a_rule_that_cannot_be_evaluated_is_reported(tmp_path):
    folder = tracker(tmp_path, "Europe/Paris")
    write_tree(folder, {".tracker/kinds/note.yaml":
                        "folder: notes\nfields:\n  title: {type: string, required: true}\n"
                        "  size: {type: any}\nchecks:\n  - field: size\n"
                        "    rule: \"size > 3\"\n    message: too small\n",
                        "notes/note-1.md": "---\ntitle: Une\nsize: grand\n---\n"})
    commit_all(folder, "kind")
    done = run_tracker(folder, "check")
    assert done.returncode == 1
    assert "notes/note-1.md:3: size: too small: not checked, the rule 'size > 3' cannot be " \
           "evaluated (cannot compare text with a number (>))" in done.stdout


# ---------------------------------------------------------------- writes


@pytest.mark.parametrize(("zone", "winter", "summer"), [
    ("Europe/Paris", "+01:00", "+02:00"), ("America/New_York", "-05:00", "-04:00"),
    ("Asia/Kolkata", "+05:30", "+05:30"), ("UTC", "+00:00", "+00:00")])
def test_set_writes_the_offset_of_the_zone_on_that_date(tmp_path, zone, winter, summer):
    folder = tracker(tmp_path, zone)
    item_id = ok(folder, "new", "issue", "Heure").strip()
    path = folder / "issues" / f"{item_id}.md"
    before = path.read_bytes()
    ok(folder, "set", item_id, "created=2027-01-15T09:30")  # the fast path
    old, new = changed_region(before, path.read_bytes())
    assert new == [f"created: 2027-01-15T09:30:00{winter}\n".encode()] and len(old) == 1
    ok(folder, "set", "--", item_id, "created=2027-07-15 09:30:00")  # through click
    assert field_line(path, "created") == f"created: 2027-07-15T09:30:00{summer}"
    assert problems(folder) == []


def test_the_same_naive_time_in_two_zones(tmp_path):
    written = {}
    for zone in ("Europe/Paris", "America/New_York"):
        folder = tracker(tmp_path, zone, name=zone.replace("/", "-"))
        item_id = ok(folder, "new", "issue", "Réunion", "--set",
                     "created=2027-03-20T18:00").strip()
        written[zone] = field_line(folder / "issues" / f"{item_id}.md", "created")
    # New York is already on summer time (March 14), Paris not yet (March 28)
    assert written == {"Europe/Paris": "created: 2027-03-20T18:00:00+01:00",
                       "America/New_York": "created: 2027-03-20T18:00:00-04:00"}


@pytest.mark.parametrize(("typed", "written"), [
    ("2027-03-28T01:59:59", "2027-03-28T01:59:59+01:00"),  # the last second of winter time
    ("2027-03-28T03:00", "2027-03-28T03:00:00+02:00"),  # the first minute of summer time
    ("2027-03-28T02:30", "2027-03-28T02:30:00+01:00"),  # skipped: the offset before
    ("2027-10-31T02:30", "2027-10-31T02:30:00+02:00"),  # repeated: the first one
    ("2027-10-31T03:00", "2027-10-31T03:00:00+01:00"),
    ("2027-10-31T02:30+01:00", "2027-10-31T02:30:00+01:00"),  # an offset given is kept
    ("2027-10-31T01:30Z", "2027-10-31T01:30:00+00:00"),
])
def test_summer_time_changes_in_paris(tmp_path, typed, written):
    folder = tracker(tmp_path, "Europe/Paris")
    item_id = ok(folder, "new", "issue", "Bascule", "--set", f"created={typed}").strip()
    assert field_line(folder / "issues" / f"{item_id}.md", "created") == f"created: {written}"


def test_now_and_auto_timestamps_are_in_the_zone(tmp_path):
    folder = tracker(tmp_path, "America/New_York")
    item_id = ok(folder, "new", "issue", "Auto",
                 env={"TRACKER_NOW": "2027-07-04T12:00:00"}).strip()
    path = folder / "issues" / f"{item_id}.md"
    assert field_line(path, "created") == "created: 2027-07-04T12:00:00-04:00"
    ok(folder, "set", item_id, "created=now", env={"TRACKER_NOW": "2027-12-25T08:00"})
    assert field_line(path, "created") == "created: 2027-12-25T08:00:00-05:00"
    ok(folder, "set", item_id, "created=now", env={"TRACKER_NOW": ""})  # the real clock
    assert re.fullmatch(r"created: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d-0[45]:00",
                        field_line(path, "created"))


def test_without_a_zone_the_machine_zone(tmp_path):
    folder = tracker(tmp_path, None)
    item_id = ok(folder, "new", "issue", "Machine", "--set", "created=2027-01-15T09:30",
                 env={"TZ": "America/New_York"}).strip()
    path = folder / "issues" / f"{item_id}.md"
    assert field_line(path, "created") == "created: 2027-01-15T09:30:00-05:00"
    ok(folder, "set", item_id, "created=2027-07-15T09:30", env={"TZ": "Asia/Tokyo"})
    assert field_line(path, "created") == "created: 2027-07-15T09:30:00+09:00"


def test_edit_and_import_write_the_offset(tmp_path):
    folder = tracker(tmp_path, "Europe/Paris")
    item_id = ok(folder, "new", "issue", "Édité").strip()
    path = folder / "issues" / f"{item_id}.md"
    editor = editor_script(tmp_path, "ed.py", "text = path.read_text()\nimport re\n"
                           "path.write_text(re.sub(r'created: .*', 'created: 2027-08-01T08:00:00'"
                           ", text))")
    ok(folder, "edit", item_id, env={"EDITOR": editor, "VISUAL": editor})
    assert field_line(path, "created") == "created: 2027-08-01T08:00:00+02:00"
    project = tmp_path / "project"
    write_tree(project, {"backlog/tasks/task-1 - Une.md":
                         "---\nid: task-1\ntitle: Une\nstatus: To Do\n"
                         "created_date: '2027-01-05 14:15'\n---\n"})
    ok(folder, "import", "backlog", str(project))
    rows = json.loads(ok(folder, "list", "--where", "title == 'Une'", "--format", "json"))
    assert rows[0]["created"] == "2027-01-05T14:15:00+01:00"
    (tmp_path / "rows.csv").write_text("title,created\nLigne,2027-07-01 10:00\n")
    ok(folder, "import", "csv", str(tmp_path / "rows.csv"), "--kind", "issue")
    rows = json.loads(ok(folder, "list", "--where", "title == 'Ligne'", "--format", "json"))
    assert rows[0]["created"] == "2027-07-01T10:00:00+02:00"
    assert f"created: {rows[0]['created']}\n" in (folder / rows[0]["path"]).read_text()
    assert problems(folder) == []


# ---------------------------------------------------------------- reading


def test_naive_times_in_files_sort_and_show_in_the_zone(tmp_path):
    folder = tracker(tmp_path, "America/New_York")
    write_tree(folder, {
        "issues/issue-aaaa0001.md": "---\ntitle: A\ncreated: 2027-01-15T10:00:00\n---\n",
        "issues/issue-aaaa0002.md": "---\ntitle: B\ncreated: 2027-01-15T14:30:00+00:00\n---\n",
        "issues/issue-aaaa0003.md": "---\ntitle: C\ncreated: 2027-01-15T09:00:00-05:00\n---\n"})
    commit_all(folder, "hand")
    for _ in range(2):
        rows = json.loads(ok(folder, "list", "--sort", "created", "--format", "json"))
        # 09:00 New York, 10:00 New York (naive), 14:30 UTC = 09:30 New York
        assert [r["title"] for r in rows] == ["C", "B", "A"]
        assert rows[2]["created"] == "2027-01-15T10:00:00-05:00"
    found = problems(folder)
    assert [(p["path"], p["line"], p["field"]) for p in found] == [
        ("issues/issue-aaaa0001.md", 3, "created")]
    assert "America/New_York" in found[0]["message"]
    assert "2027-01-15T10:00:00-05:00" in found[0]["message"]


def test_a_silence_period_without_offset_is_in_the_zone(tmp_path):
    camp = tracker(tmp_path, "Europe/Paris", "campaign")
    config = camp / CONFIG
    config.write_text(config.read_text(encoding="utf-8").replace(
        "2027-04-10T00:00:00+02:00", "2027-04-10T00:00:00"), encoding="utf-8")
    commit_all(camp, "naive silence")
    item_id = ok(camp, "new", "incident", "Pendant", "--set", "site=a.fr",
                 "--set", "detected_at=2027-04-10T00:30:00+02:00").strip()
    rows = json.loads(ok(camp, "list", "incident", "--where",
                         "within(detected_at, config.election.silence)", "--format", "json"))
    assert [r["id"] for r in rows] == [item_id]
    # 23:30 UTC the day before is 01:30 in Paris: inside; 21:30 UTC is 23:30: outside
    rows = json.loads(ok(camp, "list", "incident", "--where",
                         "within(detected_at, config.election.silence)", "--format", "json",
                         env={"TZ": "America/New_York"}))
    assert [r["id"] for r in rows] == [item_id]


# ---------------------------------------------------------------- a bad zone


@pytest.mark.parametrize("value", ["Europe/Pariss", "europe/paris", "../../etc/passwd",
                                   "Europe", "5", "''", "[Europe/Paris]"])
def test_a_bad_zone_is_one_line_naming_the_file_and_key(tmp_path, value):
    folder = tracker(tmp_path, "Europe/Paris")
    config = folder / CONFIG
    config.write_text(config.read_text().replace("timezone: Europe/Paris",
                                                 f"timezone: {value}"))
    commit_all(folder, "bad zone")
    for args in (["check"], ["new", "issue", "Quand", "--set", "created=2027-01-01T10:00"],
                 ["new", "--", "issue", "Quand"]):
        line = one_line_error(run_tracker(folder, *args, env={"TRACKER_NOW": ""}))
        assert f"{CONFIG}: timezone:" in line, line
    assert list((folder / "issues").glob("*.md")) == []


# ---------------------------------------------------------------- start-up


def imported(folder: Path, *args: str, env: dict[str, str] | None = None) -> set[str]:
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "tracker", *args],
                          cwd=folder, env={**os.environ, **(env or {})}, capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr
    return {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()}


def test_zoneinfo_is_loaded_only_when_a_time_needs_the_zone(tmp_path):
    folder = tracker(tmp_path, "Europe/Paris")
    item_id = ok(folder, "new", "issue", "Vite").strip()
    assert "zoneinfo" not in imported(folder, "set", item_id, "priority=high")
    assert "zoneinfo" not in imported(folder, "new", "issue", "Encore")  # TRACKER_NOW aware
    assert "zoneinfo" in imported(folder, "set", item_id, "created=2027-01-01T10:00")
    assert "zoneinfo" in imported(folder, "new", "issue", "Maintenant",
                                  env={"TRACKER_NOW": ""})


# ---------------------------------------------------------------- the server's API


def test_the_api_writes_naive_times_with_the_offset(tmp_path):
    from tests.test_serve import _prepare  # noqa: PLC0415 - its repository and server

    server, secrets, _ = _prepare(tmp_path)
    server.start()
    try:
        body = {"kind": "incident", "title": "Attaque",
                "fields": {"site": "a.fr", "detected_at": "2027-07-14T22:00"}}
        status, _, made = server.call("POST", "/api/items", body, secrets["boss"])
        assert status == 201, made
        path = server.root / made["path"]
        assert field_line(path, "detected_at") == "detected_at: 2027-07-14T22:00:00+02:00"
        before = path.read_bytes()
        status, _, edited = server.call("PATCH", f"/api/items/{made['id']}",
                                        {"fields": {"resolved_at": "2027-07-14T21:00:00"}},
                                        secrets["boss"])
        assert status != 200 and "résolu avant d'être détecté" in json.dumps(
            edited, ensure_ascii=False)  # the gate judged it in Paris time
        assert path.read_bytes() == before
        status, _, edited = server.call("PATCH", f"/api/items/{made['id']}",
                                        {"fields": {"resolved_at": "2027-12-01T08:00:00"}},
                                        secrets["boss"])
        assert status == 200, edited
        old, new = changed_region(before, path.read_bytes())
        assert old == [] and new == [b"resolved_at: 2027-12-01T08:00:00+01:00\n"]
    finally:
        assert "Traceback" not in server.stop()
