"""The demo agrees with itself (#17): statuses follow the numbers, moved by commits at
their dates; the campaign's warning rules (`severity: warning`) say where they do not,
`check` exits 0 on warnings alone and no write is refused for one; every bilan page shows
its indicators with their source and years. All through the real CLI."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

from tests.helpers import git, run_tracker, write_tree

COVERED = "objectif de portes atteint"
ACTIVE = "des portes y ont été frappées"


def tracker_json(folder: Path, *args: str) -> object:
    done = run_tracker(folder, *args, "--format", "json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    done = run_tracker(out, "demo", "--out", "d")
    assert done.returncode == 0, done.stderr
    return out / "d" / "campagne"


@pytest.fixture()
def campaign(tmp_path: Path) -> Path:
    done = run_tracker(tmp_path, "init", "--template", "campaign")
    assert done.returncode == 0, done.stderr
    return tmp_path


# ------------------------------------------------------------------ the demo


@pytest.mark.slow
def test_the_demos_check_has_no_warning(demo: Path) -> None:
    done = run_tracker(demo, "check")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout == "" and "warning" not in done.stderr
    assert "No problems found." in done.stderr
    assert tracker_json(demo, "check") == []


@pytest.mark.slow
def test_the_demos_statuses_follow_their_numbers(demo: Path) -> None:
    bureaux = tracker_json(demo, "list", "bureau", "--where", "target_doors",
                           "--fields", "status,doors_knocked,progress,target_doors")
    assert isinstance(bureaux, list) and len(bureaux) == 36
    reached = [b for b in bureaux if b["progress"] >= 1]
    assert reached and all(b["status"] == "covered" for b in reached)
    assert all(b["status"] == "active" for b in bureaux if 0 < b["doors_knocked"]
               and b["progress"] < 1)
    assert not [b for b in bureaux if b["status"] == "assigned"]  # every one was visited
    [operation] = tracker_json(demo, "list", "operation", "--fields",
                               "status,actual,progress,start,end")
    assert operation["status"] == "closed" and 0 < operation["progress"] < 1
    # the moves are commits, each at its moment: after the session that earned it
    log = git(demo, "log", "--reverse", "--format=%ad\t%s", "--date=iso-strict").splitlines()
    moves = {}
    for n, line in enumerate(log):
        when, subject = line.split("\t")
        found = re.fullmatch(r"move (\S+): (\S+) -> (\S+)", subject)
        if found:
            moves[(found[1], found[3])] = (n, when)
    for bureau in bureaux:
        sessions = [n for n, line in enumerate(log)
                    if "\tnew ses-" in line and line.endswith("– " + bureau["id"])]
        n, _ = moves[(bureau["id"], "active")]
        assert n > sessions[0]
    assert len([m for m in moves if m[1] == "covered"]) == len(reached)
    running, closed = moves[(operation["id"], "running")], moves[(operation["id"], "closed")]
    assert running[1].startswith(operation["start"])
    assert closed[1].startswith(operation["end"])
    # the operation was running while its doors were counted: planned before, with none
    first_session = next(n for n, line in enumerate(log) if "new ses-" in line)
    assert running[0] < first_session


@pytest.mark.slow
def test_every_bilan_shows_each_indicator_with_its_source_and_years(demo: Path) -> None:
    bilans = tracker_json(demo, "list", "bilan", "--fields", "indicators")
    assert isinstance(bilans, list) and len(bilans) == 86
    site = demo.parent / "site" / "bilans"
    for bilan in bilans:
        page = html.unescape((site / f"{bilan['id']}.html").read_text(encoding="utf-8"))
        assert "Aucun indicateur renseigné" not in page, bilan["id"]
        rows = re.findall(r"<tr>(.*?)</tr>", page, flags=re.S)
        assert len(bilan["indicators"]) == 2
        for indicator in bilan["indicators"]:
            [row] = [r for r in rows if f"<td>{indicator['label']}</td>" in r]
            assert indicator["source"] in row, (bilan["id"], indicator)
            assert f"({indicator['start_year']})" in row and \
                f"({indicator['end_year']})" in row, (bilan["id"], indicator)


@pytest.mark.slow
def test_a_hand_edit_making_a_demo_bureau_disagree_is_a_warning(demo: Path) -> None:
    [bureau] = tracker_json(demo, "list", "bureau", "--where", "status == 'covered'",
                            "--sort", "id", "--limit", "1")
    path = demo / "bureaux" / bureau["id"][:2] / f"{bureau['id']}.md"
    text = path.read_text(encoding="utf-8")
    try:
        path.write_text(text.replace("status: covered", "status: assigned", 1),
                        encoding="utf-8")
        done = run_tracker(demo, "check")
        assert done.returncode == 0, done.stdout + done.stderr
        rel = f"bureaux/{bureau['id'][:2]}/{bureau['id']}.md"
        assert done.stdout.startswith(f"{rel}:3: warning: status: {COVERED}")
        assert done.stdout.count("\n") == 1
        assert "No problems found. 1 warning in 1 file." in done.stderr
        [warning] = json.loads(run_tracker(demo, "check", "--format", "json").stdout)
        assert warning == {"path": rel, "line": 3, "field": "status", "severity": "warning",
                           "message": warning["message"]}
    finally:
        path.write_text(text, encoding="utf-8")
    assert run_tracker(demo, "check").stdout == ""


# ------------------------------------------------------------------ the rules


def bureau(folder: Path, status: str = "assigned", target: int = 100) -> str:
    write_tree(folder, {"bureaux/93/93066_0012.md": (
        f"---\ntitle: Bureau 12\nstatus: {status}\nbureau_id: \"93066_0012\"\n"
        f"commune_insee: \"93066\"\ndepartement: \"93\"\ntarget_doors: {target}\n---\n")})
    git(folder, "add", "-A")
    git(folder, "commit", "-q", "-m", "bureau by hand")
    return "bureaux/93/93066_0012.md"


def session(folder: Path, knocked: int, day: str = "2026-02-28") -> str:
    done = run_tracker(folder, "new", "session", "Sortie", "--set", f"date={day}",
                       "--set", "bureau=93066_0012", "--set", f"knocked={knocked}",
                       "--set", f"not_home={knocked}", "--set", "status=reported")
    assert done.returncode == 0, done.stderr  # a warning never refuses a write
    return done.stdout.strip()


def test_a_bureau_whose_status_lags_its_doors_is_warned_and_check_exits_0(
        campaign: Path) -> None:
    rel = bureau(campaign)
    assert run_tracker(campaign, "check").stdout == ""
    session(campaign, 40)
    done = run_tracker(campaign, "check")
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"{rel}:3: warning: status: {ACTIVE} (doors_knocked > 0) : le " \
        "bureau devrait être active\n"
    assert done.stderr.strip().endswith("No problems found. 1 warning in 1 file.")
    session(campaign, 70)  # 110 of 100 doors
    [warning] = tracker_json(campaign, "check")
    assert (warning["path"], warning["field"], warning["severity"]) == (rel, "status",
                                                                       "warning")
    assert warning["message"].startswith(COVERED)
    github = run_tracker(campaign, "check", "--format", "github")
    assert github.returncode == 0 and github.stdout.startswith(f"::warning file={rel},line=3::")
    # moves are never refused for a warning, and the right one clears it
    for status in ("active", "covered"):
        assert run_tracker(campaign, "move", "93066_0012", status).returncode == 0
    assert tracker_json(campaign, "check") == []
    assert run_tracker(campaign, "move", "93066_0012", "active").returncode == 0
    assert [w["message"][:len(COVERED)] for w in tracker_json(campaign, "check")] == [COVERED]


def test_an_error_and_a_warning_exit_1_and_are_counted_apart(campaign: Path) -> None:
    rel = bureau(campaign)
    session(campaign, 150)
    path = campaign / rel
    path.write_text(path.read_text(encoding="utf-8").replace(
        "target_doors: 100", "target_doors: 100\ninscrits: 100\nvotants: 60\nabstentions: 10"),
        encoding="utf-8")
    done = run_tracker(campaign, "check")
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert f"{rel}:3: warning: status: {COVERED}" in "\n".join(lines)
    assert f"{rel}:10: abstentions: abstentions doit valoir inscrits − votants" in lines
    assert "1 problem in 1 file, and 1 warning" in done.stderr
    problems = json.loads(run_tracker(campaign, "check", "--format", "json").stdout)
    assert sorted(p.get("severity", "error") for p in problems) == ["error", "warning"]


def test_an_operation_whose_status_lags_its_figures_or_dates_is_warned(
        campaign: Path) -> None:
    bureau(campaign, status="active", target=1000)
    # the tests' today is 2026-03-01 (TRACKER_NOW, tests/conftest.py)
    made = run_tracker(campaign, "new", "operation", "Hiver", "--set", "start=2026-01-15",
                       "--set", "end=2026-02-20", "--set", "target=2000")
    assert made.returncode == 0, made.stderr
    operation = made.stdout.strip()
    rel = f"operations/{operation}.md"
    warnings = tracker_json(campaign, "check")  # its end is past, and it never ran
    assert [(w["path"], w["field"]) for w in warnings] == [(rel, "status")]
    assert "sans que l'opération ait été lancée" in warnings[0]["message"]
    session(campaign, 30, day="2026-02-14")
    messages = [w["message"] for w in tracker_json(campaign, "check") if w["path"] == rel]
    assert len(messages) == 2 and any("actual > 0" in m for m in messages)
    assert run_tracker(campaign, "move", operation, "running").returncode == 0
    messages = [w["message"] for w in tracker_json(campaign, "check") if w["path"] == rel]
    assert messages == ["la date de fin est passée : l'opération devrait être closed"]
    assert run_tracker(campaign, "move", operation, "closed").returncode == 0
    assert [w for w in tracker_json(campaign, "check") if w["path"] == rel] == []


def test_a_severity_other_than_error_or_warning_is_refused_in_one_line(
        tmp_path: Path) -> None:
    assert run_tracker(tmp_path, "init").returncode == 0
    kind = tmp_path / ".tracker" / "kinds" / "issue.yaml"
    kind.write_text(kind.read_text(encoding="utf-8") + (
        "checks:\n  - rule: \"title\"\n    message: a title\n    severity: fatal\n"),
        encoding="utf-8")
    done = run_tracker(tmp_path, "check")
    assert done.returncode != 0 and "Traceback" not in done.stderr
    [line] = done.stderr.strip().splitlines()
    assert "issue.yaml" in line and "severity is 'error' or 'warning', not 'fatal'" in line


def test_a_warning_rule_never_refuses_a_write_but_an_error_rule_does(tmp_path: Path) -> None:
    assert run_tracker(tmp_path, "init").returncode == 0
    kind = tmp_path / ".tracker" / "kinds" / "issue.yaml"
    base = kind.read_text(encoding="utf-8")
    assert "checks:" not in base
    kind.write_text(base + (
        "checks:\n  - field: title\n    severity: warning\n    rule: \"title != 'TODO'\"\n"
        "    message: a placeholder title\n"), encoding="utf-8")
    made = run_tracker(tmp_path, "new", "issue", "TODO")
    assert made.returncode == 0, made.stderr
    item = made.stdout.strip()
    assert run_tracker(tmp_path, "set", item, "priority=high").returncode == 0
    done = run_tracker(tmp_path, "check")
    assert done.returncode == 0
    assert done.stdout == f"issues/{item}.md:2: warning: title: a placeholder title\n"
    kind.write_text(base + (
        "checks:\n  - field: title\n    rule: \"title != 'TODO'\"\n"
        "    message: a placeholder title\n"), encoding="utf-8")
    refused = run_tracker(tmp_path, "new", "issue", "TODO")
    assert refused.returncode != 0 and "a placeholder title" in refused.stderr
    done = run_tracker(tmp_path, "check")
    assert done.returncode == 1 and "warning" not in done.stdout
