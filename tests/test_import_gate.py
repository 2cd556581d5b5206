"""Every import goes through the write gate that `new` and `set` go through: each row's
candidate file judged as `check` would judge it, refused rows reported as
`FILE:LINE: field: message` and not written, the others written in one commit;
`--all-or-nothing` and `--dry-run`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import as_json, git, head, log_subjects, run_tracker, status_porcelain

PHONE = "06 12 34 56 78"


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder / name


def listed(camp, kind: str) -> list[dict]:
    return as_json(camp("list", kind, "--format", "json"))


def new_team(camp, title: str) -> str:
    done = camp("new", "team", title, "--format", "json")
    assert done.exit_code == 0, done.stderr
    return json.loads(done.stdout)["id"]


# ---------------------------------------------------------------- personal data


def test_a_phone_number_in_a_team_title_never_enters_history(camp, git_repo, tmp_path):
    """`tracker new` refuses it; `import csv` refuses the same row, through the installed
    CLI, and writes the other one."""
    refused_new = run_tracker(git_repo, "new", "team", f"Équipe {PHONE}")
    assert refused_new.returncode == 1 and "French phone number" in refused_new.stderr
    path = write(tmp_path / "in", "equipes.csv", f"title,leader\nÉquipe {PHONE},mob-93-017\n"
                 "Équipe Nord,mob-93-018\n")
    done = run_tracker(git_repo, "import", "csv", str(path), "--kind", "team")
    assert done.returncode == 1, done.stderr
    assert done.stderr == (f"{path}:2: title: a French phone number: personal data never "
                           "goes into the repository\n")
    assert "1 created" in done.stdout and "1 refused" in done.stdout
    assert [t["title"] for t in listed(camp, "team")] == ["Équipe Nord"]
    history = git(git_repo, "log", "-p", "--all")
    assert "Équipe Nord" in history
    assert PHONE not in history and PHONE.replace(" ", "") not in history
    assert status_porcelain(git_repo) == "" and camp("check").exit_code == 0


@pytest.mark.parametrize("column, value, message", [
    ("title", f"Appeler le {PHONE}", "a French phone number"),
    ("title", "Écrire à jean.dupont@example.org", "an email address"),
    ("leader", "mob-93-017", None),  # the good row beside
])
def test_personal_data_in_any_text_field_is_refused(camp, git_repo, tmp_path, column, value,
                                                    message):
    row = {"title": "Équipe", "leader": "mob-93-001", column: value}
    path = write(tmp_path / "in", "t.csv", "title,leader\n" + f"{row['title']},"
                 f"{row['leader']}\n")
    result = camp("import", "csv", str(path), "--kind", "team", "--format", "json")
    if message is None:
        assert result.exit_code == 0 and json.loads(result.stdout)["refused"] == []
        return
    assert result.exit_code == 1
    [refused] = json.loads(result.stdout)["refused"]
    assert (refused["file"], refused["line"], refused["field"]) == (str(path), 2, column)
    assert refused["message"].startswith(message)
    assert listed(camp, "team") == [] and len(log_subjects(git_repo)) == 1


# ---------------------------------------------------------------- rules, required, refs


def test_session_counts_that_do_not_add_up_are_refused(camp, git_repo, tmp_path):
    team = new_team(camp, "Saint-Denis Nord")
    path = write(tmp_path / "in", "sessions.csv",
                 "title,date,team,knocked,not_home,positive\n"
                 f"Samedi,2027-03-06,{team},10,6,4\n"
                 f"Dimanche,2027-03-07,{team},10,6,3\n")
    result = camp("import", "csv", str(path), "--kind", "session")
    assert result.exit_code == 1
    assert result.stderr == (f"{path}:3: knocked: les issues (not_home, inaccessible, refused, "
                             "positive, undecided, negative, other) doivent totaliser "
                             "knocked\n")
    assert [s["title"] for s in listed(camp, "session")] == ["Samedi"]
    assert camp("check").exit_code == 0


def test_an_unknown_status_is_refused_as_set_refuses_it(camp, tmp_path):
    path = write(tmp_path / "in", "s.csv", "title,date,status\nA,2027-03-06,flying\n"
                 "B,2027-03-06,planned\n")
    result = camp("import", "csv", str(path), "--kind", "session")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"{path}:2: status: 'flying' is not allowed")
    assert [s["title"] for s in listed(camp, "session")] == ["B"]


def test_a_reference_must_resolve_and_the_nearest_item_is_suggested(camp, git_repo, tmp_path):
    team = new_team(camp, "Saint-Denis Nord")
    path = write(tmp_path / "in", "sessions.csv", "title,date,team,bureau\n"
                 "Samedi,2027-03-06,Saint-Denis Nord,\n"
                 f"Dimanche,2027-03-07,{team},93066_9999\n"
                 f"Lundi,2027-03-08,{team},\n")
    before = head(git_repo)
    result = camp("import", "csv", str(path), "--kind", "session")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{path}:2: team: broken reference: no item 'Saint-Denis Nord'; did you mean "
        f"'{team}' (Saint-Denis Nord)?",
        f"{path}:3: bureau: broken reference: no item '93066_9999'"]
    assert [s["title"] for s in listed(camp, "session")] == ["Lundi"]
    assert head(git_repo) != before and camp("check").exit_code == 0


def export(entries: list[dict]) -> str:
    return json.dumps(entries, ensure_ascii=False, indent=2)


def test_import_json_refuses_an_item_without_a_title_at_its_line(camp, git_repo, tmp_path):
    path = write(tmp_path / "in", "export.json", export([
        {"id": "team-aaaaaa", "kind": "team", "title": "Nord", "status": "forming"},
        {"id": "team-bbbbbb", "kind": "team", "status": "forming"},
    ]))
    result = camp("import", "json", str(path))
    assert result.exit_code == 1
    line = path.read_text().splitlines().index("  {", 3) + 1  # where the second starts
    assert result.stderr == f"{path}:{line}: title: is required\n"
    assert [t["id"] for t in listed(camp, "team")] == ["team-aaaaaa"]
    assert camp("check").exit_code == 0


def test_import_json_resolves_references_to_items_of_the_same_file(camp, git_repo, tmp_path):
    """A session refers to a team the same file brings, written after it in the file: the
    team's kind goes first; a reference to no item is refused, with its line."""
    path = write(tmp_path / "in", "export.json", export([
        {"id": "ses-aaaaaaaa", "kind": "session", "title": "Samedi", "date": "2027-03-06",
         "team": "team-cccccc"},
        {"id": "ses-bbbbbbbb", "kind": "session", "title": "Dimanche", "date": "2027-03-07",
         "team": "team-zzzzzz"},
        {"id": "team-cccccc", "kind": "team", "title": "Nord", "status": "forming"},
    ]))
    result = camp("import", "json", str(path), "--format", "json")
    assert result.exit_code == 1
    out = json.loads(result.stdout)
    assert (out["created"], len(out["refused"])) == (2, 1)
    assert (out["refused"][0]["field"], out["refused"][0]["line"]) == ("team", 9)  # its start
    assert out["refused"][0]["message"].startswith("broken reference: no item 'team-zzzzzz'")
    assert [s["id"] for s in listed(camp, "session")] == ["ses-aaaaaaaa"]
    assert camp("check").exit_code == 0


def test_a_lookup_rule_sees_an_item_of_the_same_import(camp, git_repo, tmp_path):
    """No session in a control bureau: the bureau comes in the same file, not on disk."""
    bureau = {"id": "93066_0001", "kind": "bureau", "title": "Bureau 1",
              "bureau_id": "93066_0001", "commune_insee": "93066", "departement": "93",
              "experiment_arm": "control"}
    path = write(tmp_path / "in", "export.json", export([
        {"id": "ses-aaaaaaaa", "kind": "session", "title": "Samedi", "date": "2027-03-06",
         "bureau": "93066_0001"}, bureau]))
    result = camp("import", "json", str(path))
    assert result.exit_code == 1 and "bureau: ce bureau est témoin" in result.stderr
    assert listed(camp, "session") == [] and len(listed(camp, "bureau")) == 1


# ---------------------------------------------------------------- ids


@pytest.mark.parametrize("bad_id", ["a::b", "../escape", "team/x", "x" * 200, "..", "CON"])
def test_an_id_that_is_no_id_is_refused_and_the_others_written(camp, git_repo, tmp_path,
                                                               bad_id):
    path = write(tmp_path / "in", "export.json", export([
        {"id": bad_id, "kind": "team", "title": "Mauvais"},
        {"id": "team-aaaaaa", "kind": "team", "title": "Bon"}]))
    result = camp("import", "json", str(path), "--format", "json")
    assert result.exit_code == 1
    [refused] = json.loads(result.stdout)["refused"]
    assert (refused["line"], refused["field"]) == (2, "id")
    assert [t["id"] for t in listed(camp, "team")] == ["team-aaaaaa"]
    assert not (git_repo.parent / "escape.md").exists()
    assert status_porcelain(git_repo) == ""


def test_ids_that_differ_only_by_case_are_one_id(camp, git_repo, tmp_path):
    new_team(camp, "Nord")
    path = write(tmp_path / "in", "export.json", export([
        {"id": "team-abcdef", "kind": "team", "title": "Un"},
        {"id": "TEAM-ABCDEF", "kind": "team", "title": "Deux"},
        {"id": "team-abcdef", "kind": "session", "title": "Trois", "date": "2027-03-06"}]))
    result = camp("import", "json", str(path))
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 2 and all("has the id" in x for x in lines), lines
    assert {t["title"] for t in listed(camp, "team")} == {"Nord", "Un"}
    assert listed(camp, "session") == [] and camp("check").exit_code == 0


# ---------------------------------------------------------------- --all-or-nothing, --dry-run


MIXED = ("title,leader,recruited\n"
         "Nord,mob-93-001,3\n"
         f"Sud {PHONE},mob-93-002,4\n"
         "Est,mob-93-003,moins\n"
         "Ouest,mob-93-004,5\n")


def test_mixed_file_good_rows_committed_bad_rows_listed(camp, git_repo, tmp_path):
    path = write(tmp_path / "in", "mixed.csv", MIXED)
    result = camp("import", "csv", str(path), "--kind", "team")
    assert result.exit_code == 1
    assert [x.split(": ")[0:2] for x in result.stderr.splitlines()] == [
        [f"{path}:3", "title"], [f"{path}:4", "recruited"]]
    assert result.stdout == (f"4 team items from {path}: 2 created, 0 updated, 0 unchanged, "
                             "2 refused\n")
    assert sorted(t["title"] for t in listed(camp, "team")) == ["Nord", "Ouest"]
    assert log_subjects(git_repo)[0] == ("import csv: 4 team items from mixed.csv — 2 new, 0 "
                                         "already tracked, 2 refused")
    assert status_porcelain(git_repo) == ""


def test_all_or_nothing_writes_nothing_through_the_installed_cli(camp, git_repo, tmp_path):
    path = write(tmp_path / "in", "mixed.csv", MIXED)
    before = head(git_repo)
    done = run_tracker(git_repo, "import", "csv", str(path), "--kind", "team",
                       "--all-or-nothing")
    assert done.returncode == 1
    assert done.stdout == f"4 team items from {path}: nothing written (--all-or-nothing), " \
        "2 refused\n"
    assert len(done.stderr.splitlines()) == 2
    assert head(git_repo) == before and status_porcelain(git_repo) == ""
    assert listed(camp, "team") == []
    good = write(tmp_path / "in", "good.csv", "title,leader\nNord,mob-93-001\n")
    done = run_tracker(git_repo, "import", "csv", str(good), "--kind", "team",
                       "--all-or-nothing")
    assert done.returncode == 0 and len(listed(camp, "team")) == 1


def test_all_or_nothing_across_the_kinds_of_a_json_file(camp, git_repo, tmp_path):
    path = write(tmp_path / "in", "export.json", export([
        {"id": "team-aaaaaa", "kind": "team", "title": "Nord"},
        {"id": "ses-aaaaaaaa", "kind": "session", "title": "Samedi"}]))  # no date
    before = head(git_repo)
    result = camp("import", "json", str(path), "--all-or-nothing", "--format", "json")
    assert result.exit_code == 1
    out = json.loads(result.stdout)
    assert (out["created"], out["written"]) == (0, False)
    assert [r["field"] for r in out["refused"]] == ["date"]
    assert head(git_repo) == before and listed(camp, "team") == []


def test_dry_run_says_what_would_happen_and_writes_nothing(camp, git_repo, tmp_path):
    camp("import", "csv", str(write(tmp_path / "in", "v1.csv", "title,leader\nNord,"
                                    "mob-93-001\n")), "--kind", "team", "--key", "leader")
    [nord] = listed(camp, "team")
    path = write(tmp_path / "in", "v2.csv", MIXED)
    before, files = head(git_repo), sorted(p.name for p in (git_repo / "equipes").iterdir())
    result = camp("import", "csv", str(path), "--kind", "team", "--key", "leader",
                  "--dry-run", "--format", "json")
    assert result.exit_code == 1  # rows would be refused: a script notices
    out = json.loads(result.stdout)
    assert (out["created"], out["updated"], out["unchanged"], out["dry_run"]) == (1, 1, 0, True)
    assert out["ids"]["updated"] == [nord["id"]] and len(out["ids"]["created"]) == 1
    assert [(r["line"], r["field"]) for r in out["refused"]] == [(3, "title"),
                                                                 (4, "recruited")]
    assert head(git_repo) == before and status_porcelain(git_repo) == ""
    assert sorted(p.name for p in (git_repo / "equipes").iterdir()) == files
    text = camp("import", "csv", str(path), "--kind", "team", "--key", "leader", "--dry-run")
    assert text.stdout.splitlines()[0] == (f"4 team items from {path} (dry run, nothing "
                                           "written): would create 1, update 1, leave 0 "
                                           "unchanged, 2 refused")
    assert text.stdout.splitlines()[2] == f"would be updated: {nord['id']}"
    assert head(git_repo) == before and status_porcelain(git_repo) == ""


@pytest.mark.parametrize("command", ["csv", "json", "github", "backlog", "git-issue",
                                     "fr-results", "communes"])
def test_every_import_takes_both_flags(camp, command):
    shown = camp("import", command, "--help").stdout
    assert "--dry-run" in shown and "--all-or-nothing" in shown


def test_dry_run_of_fr_results_writes_nothing(camp, git_repo, tmp_path):
    from tests.import_files import BUREAUX, recent_format  # noqa: PLC0415

    path = tmp_path / "resultats.csv"
    path.write_bytes(recent_format(BUREAUX))
    before = head(git_repo)
    out = as_json(camp("import", "fr-results", str(path), "--dry-run", "--format", "json"))
    assert out["created"] > 0 and out["dry_run"] and out["refused"] == []
    assert len(set(out["ids"]["created"])) == out["created"] == len(BUREAUX)
    assert head(git_repo) == before and status_porcelain(git_repo) == ""
    assert listed(camp, "bureau") == []


def test_backlog_rows_are_refused_by_their_file(repo, invoke, tmp_path):
    """A folder import locates a refused row by its task's own file; the others are
    written."""
    from tests.helpers import write_tree  # noqa: PLC0415

    config = repo / ".tracker" / "config.yaml"
    config.write_text(config.read_text() + "privacy:\n  forbid: [email]\n")
    git(repo, "commit", "-qam", "forbid emails")
    folder = tmp_path / "project"
    write_tree(folder, {
        "backlog/tasks/task-1 - A.md": "---\nid: task-1\ntitle: A\nstatus: To Do\n---\n\n"
                                       "Écrire à jean@example.org\n",
        "backlog/tasks/task-2 - B.md": "---\nid: task-2\ntitle: B\nstatus: To Do\n---\n",
    })
    result = invoke("import", "backlog", str(folder))
    assert result.exit_code == 1
    task = folder / "backlog" / "tasks" / "task-1 - A.md"
    assert result.stderr.startswith(f"{task}:1: ") and "an email address" in result.stderr
    assert [i["title"] for i in as_json(invoke("list", "--format", "json"))] == ["B"]
    assert "jean@example.org" not in git(repo, "log", "-p")
    dry = invoke("import", "backlog", str(folder), "--dry-run", "--format", "json")
    assert json.loads(dry.stdout)["ids"] == {"created": [], "updated": []}
    assert json.loads(dry.stdout)["unchanged"] == 1


@pytest.mark.parametrize("values", [
    {"knocked": "10", "positive": "3"},
    {"team": "nope"},
    {"title": f"Samedi {PHONE}"},
    {"title": "Écrire à jean@example.org"},
    {"bureau": "93066_0001"},
])
def test_new_and_import_csv_refuse_with_the_same_problem(camp, git_repo, tmp_path, values):
    """One gate: the field and message `new` refuses with are those of the import's row."""
    fields = {"title": "Samedi", "date": "2027-03-06", **values}
    args = [a for name, value in fields.items() if name != "title"
            for a in ("--set", f"{name}={value}")]
    refused = run_tracker(git_repo, "new", "session", fields["title"], *args)
    assert refused.returncode == 1, refused.stderr
    _, field, message = refused.stderr.removeprefix("Error: ").split(": ", 2)
    header = ",".join(fields)
    path = write(tmp_path / "in", "s.csv", f"{header}\n" + ",".join(fields.values()) + "\n")
    done = run_tracker(git_repo, "import", "csv", str(path), "--kind", "session")
    assert done.returncode == 1
    assert done.stderr == f"{path}:2: {field}: " + \
        message.removesuffix(" (nothing was written)\n") + "\n"
    assert listed(camp, "session") == [] and len(log_subjects(git_repo)) == 1


def test_a_rule_on_a_rollup_judges_the_imported_item(camp, git_repo, tmp_path):
    """A bureau with sessions cannot become a control through an import, as with `set`."""
    bureau = ("bureau_id,commune_insee,departement,title,experiment_arm\n"
              "93066_0001,93066,93,Bureau 1,treatment\n93066_0002,93066,93,Bureau 2,none\n")
    path = write(tmp_path / "in", "b.csv", bureau)
    assert camp("import", "csv", str(path), "--kind", "bureau").exit_code == 0
    done = camp("new", "session", "Samedi", "--set", "date=2027-03-06", "--set",
                "bureau=93066_0001")
    assert done.exit_code == 0, done.stderr
    refused_set = camp("set", "93066_0001", "experiment_arm=control")
    assert refused_set.exit_code == 1 and "témoin" in refused_set.stderr
    again = write(tmp_path / "in", "b2.csv", bureau.replace("treatment", "control").replace(
        ",none", ",control"))
    result = camp("import", "csv", str(again), "--kind", "bureau")
    assert result.exit_code == 1
    assert result.stderr == (f"{again}:2: experiment_arm: un bureau témoin (control) ne "
                             "reçoit aucune session de terrain\n")
    arms = {b["id"]: b["experiment_arm"] for b in listed(camp, "bureau")}
    assert arms == {"93066_0001": "treatment", "93066_0002": "control"}
    assert camp("check").exit_code == 0
