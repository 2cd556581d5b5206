"""`tracker import csv`: any CSV file into items of one kind, typed by its schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import (
    as_json,
    assert_one_line_error,
    git,
    head,
    log_subjects,
    make_invoke,
    run_tracker,
    status_porcelain,
)


def write(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(text.encode(encoding))
    return folder / name


TEAMS = ("Nom,leader,Ville,recruited,trained,notes\n"
         "Saint-Denis Nord,mob-93-017,93066,12,8,première réunion\n"
         "Ajaccio Centre,mob-2a-003,2A004,5,,\n")


def teams(root: Path) -> dict[str, dict[str, object]]:
    """The team items by leader, as `tracker list` gives them."""
    listed = as_json(make_invoke(root)("list", "team", "--format", "json"))
    return {t["leader"]: t for t in listed}


def test_columns_fill_fields_by_name_or_map(camp, git_repo, tmp_path):
    path = write(tmp_path / "in", "equipes.csv", TEAMS)
    result = camp("import", "csv", str(path), "--kind", "team", "--key", "leader",
                  "--map", "Nom=title", "--map", "Ville=commune_insee", "--format", "json")
    assert as_json(result) == {"created": 2, "updated": 0, "unchanged": 0, "items": 2,
                               "refused": []}
    assert result.stderr == ("Ignored column(s) that fill no field of team: notes "
                             "(use --map COLUMN=FIELD)\n")
    found = teams(git_repo)
    nord = found["mob-93-017"]
    assert (nord["title"], nord["commune_insee"], nord["recruited"], nord["trained"],
            nord["status"]) == ("Saint-Denis Nord", "93066", 12, 8, "forming")
    assert "trained" not in found["mob-2a-003"]  # an empty cell sets nothing
    assert log_subjects(git_repo)[0] == ("import csv: 2 team items from equipes.csv — 2 new, "
                                         "0 already tracked")
    assert status_porcelain(git_repo) == "" and camp("check").exit_code == 0


def test_reimport_with_a_key_updates_in_one_commit(camp, git_repo, tmp_path):
    args = ("--kind", "team", "--key", "leader", "--map", "Nom=title", "--map",
            "Ville=commune_insee")
    camp("import", "csv", str(write(tmp_path / "in", "v1.csv", TEAMS)), *args)
    ids = {leader: t["id"] for leader, t in teams(git_repo).items()}
    commits = len(log_subjects(git_repo))
    v2 = TEAMS.replace("93066,12,8", "93066,15,9") + "Bastia,mob-2b-001,2B033,3,1,\n"
    out = as_json(camp("import", "csv", str(write(tmp_path / "in", "v2.csv", v2)), *args,
                       "--format", "json"))
    assert out == {"created": 1, "updated": 1, "unchanged": 1, "items": 3, "refused": []}
    found = teams(git_repo)
    assert found["mob-93-017"]["id"] == ids["mob-93-017"]
    assert (found["mob-93-017"]["recruited"], found["mob-93-017"]["trained"]) == (15, 9)
    assert len(log_subjects(git_repo)) == commits + 1
    assert len(git(git_repo, "show", "--name-only", "--format=", "HEAD").split()) == 2


def test_natural_key_kinds_match_by_id(camp, git_repo, tmp_path):
    text = ("bureau_id;commune_insee;departement;title;inscrits;votants;abstentions\n"
            "93066_0012;93066;93;Bureau 0012 – Saint-Denis;1000;600;400\n")
    camp("import", "csv", str(write(tmp_path / "in", "b.csv", text)), "--kind", "bureau",
         "--delimiter", ";")
    camp("set", "93066_0012", "priority=A")
    updated = text.replace(";1000;600;400", ";1000;650;350").replace(";title", ";titre")
    updated = updated.replace("Bureau 0012 – Saint-Denis", "")
    out = as_json(camp("import", "csv", str(write(tmp_path / "in", "b2.csv", updated)),
                       "--kind", "bureau", "--delimiter", ";", "--format", "json"))
    assert (out["created"], out["updated"]) == (0, 1)
    shown = as_json(camp("show", "93066_0012", "--format", "json"))
    assert (shown["votants"], shown["abstentions"], shown["priority"]) == (650, 350, "A")
    assert shown["title"] == "Bureau 0012 – Saint-Denis"


def test_latin1_files_with_semicolons(camp, git_repo, tmp_path):
    text = "title;leader;commune_insee\nÉquipe Évry;mob-91-001;91228\n"
    path = write(tmp_path / "in", "latin1.csv", text, encoding="latin-1")
    assert camp("import", "csv", str(path), "--kind", "team", "--delimiter", ";").exit_code == 0
    assert teams(git_repo)["mob-91-001"]["title"] == "Équipe Évry"


@pytest.mark.parametrize("text, line, message, good", [
    (TEAMS.replace("93066,12,8", "93066,douze,8"), 2,
     "recruited: 'douze' is not a whole number", "mob-2a-003"),
    (TEAMS.replace("mob-2a-003", "Jean Dupont"), 3,
     "leader: 'Jean Dupont' does not match the pattern", "mob-93-017"),
    (TEAMS.replace("93066,12,8", "93066,-2,8"), 2, "recruited: -2 is below the minimum 0",
     "mob-2a-003"),
    (TEAMS.replace("Ajaccio Centre,", ","), 3, "title: is required", "mob-93-017"),
    (TEAMS + "Trop,mob-1-1,01001,1,1,,x\n", 4, "7 fields, the header has 6", "mob-2a-003"),
])
def test_a_malformed_row_is_refused_and_the_others_written(camp, git_repo, tmp_path, text,
                                                           line, message, good):
    path = write(tmp_path / "in", "bad.csv", text)
    before = head(git_repo)
    result = camp("import", "csv", str(path), "--kind", "team", "--key", "leader",
                  "--map", "Nom=title", "--map", "Ville=commune_insee")
    assert result.exit_code == 1, (result.stdout, result.stderr)
    refused = [x for x in result.stderr.splitlines() if not x.startswith("Ignored")]
    assert len(refused) == 1 and refused[0].startswith(f"{path}:{line}: "), result.stderr
    assert message in refused[0] and "Traceback" not in result.stderr
    assert "1 refused" in result.stdout
    assert good in teams(git_repo) and len(log_subjects(git_repo)) == 2
    assert head(git_repo) != before and status_porcelain(git_repo) == ""
    assert log_subjects(git_repo)[0].endswith(", 1 refused")


def test_all_or_nothing_writes_nothing_when_a_row_is_refused(camp, git_repo, tmp_path):
    path = write(tmp_path / "in", "bad.csv", TEAMS.replace("93066,12,8", "93066,douze,8"))
    before = head(git_repo)
    result = camp("import", "csv", str(path), "--kind", "team", "--key", "leader",
                  "--map", "Nom=title", "--map", "Ville=commune_insee", "--all-or-nothing",
                  "--format", "json")
    assert result.exit_code == 1
    out = json.loads(result.stdout)
    assert (out["created"], out["written"]) == (0, False)
    assert out["refused"] == [{"file": str(path), "line": 2, "field": "recruited",
                               "message": "'douze' is not a whole number; expected a "
                                          "whole number"}]
    assert head(git_repo) == before and status_porcelain(git_repo) == ""
    assert not (git_repo / "equipes").exists() or not list((git_repo / "equipes").iterdir())


def test_new_items_need_a_title_column(camp, git_repo, tmp_path):
    path = write(tmp_path / "in", "t.csv", "leader\nmob-93-017\n")
    result = camp("import", "csv", str(path), "--kind", "team")
    assert result.exit_code == 1
    assert result.stderr == (f"{path}:2: title: is required: map a column to it with "
                             "--map COLUMN=title\n")
    assert len(log_subjects(git_repo)) == 1


@pytest.mark.parametrize("args, message", [
    (("--map", "Nom=nickname"), "column 'Nom': kind team has no field 'nickname'"),
    (("--map", "Absent=title"), "--map: no column 'Absent' in the header"),
    (("--map", "Nom=positive_rate"), "column 'Nom': positive_rate is derived"),
    (("--map", "Nom=title", "--key", "leaderz"), "--key leaderz: no column fills this field"),
    (("--map", "Nom"), "--map: expected COLUMN=FIELD, got 'Nom'"),
])
def test_usage_errors(camp, git_repo, tmp_path, args, message):
    path = write(tmp_path / "in", "equipes.csv", TEAMS)
    result = camp("import", "csv", str(path), "--kind", "team", *args)
    assert_one_line_error(result, 2, message)
    assert status_porcelain(git_repo) == ""


def test_installed_cli_imports_csv_quietly(camp, git_repo, tmp_path):
    path = write(tmp_path / "in", "equipes.csv", TEAMS)
    done = run_tracker(git_repo, "import", "csv", str(path), "--kind", "team", "--map",
                       "Nom=title", "--map", "Ville=commune_insee", "--map", "notes=title2",
                       "--format", "json")
    assert done.returncode == 2 and "kind team has no field 'title2'" in done.stderr
    done = run_tracker(git_repo, "import", "csv", str(path), "--kind", "team", "--map",
                       "Nom=title", "--map", "Ville=commune_insee", "--format", "json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["created"] == 2
    assert done.stderr.startswith("Ignored column(s)")  # a warning, and no progress bar
