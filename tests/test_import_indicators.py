"""`tracker import indicators` (#18 §4): one year of an open-data indicator, keyed by INSEE
commune code, written into the communes' bilans with its source and year; idempotent;
bad codes refused at FILE:LINE; through the installed `tracker`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import head, log_subjects, run_tracker, status_porcelain

COG = ("TYPECOM,COM,REG,DEP,CTCD,ARR,TNCC,NCC,NCCENR,LIBELLE,CAN,COMPARENT\n"
       "COM,93066,11,93,93D,932,0,SAINT DENIS,Saint-Denis,Saint-Denis,9399,\n"
       "COM,93001,11,93,93D,932,0,AUBERVILLIERS,Aubervilliers,Aubervilliers,9301,\n"
       "COM,2A004,94,2A,20D,2A1,0,AJACCIO,Ajaccio,Ajaccio,2A98,\n")


@pytest.fixture
def campaign(tmp_path: Path) -> Path:
    done = run_tracker(tmp_path, "init", "campagne", "--template", "campaign")
    assert done.returncode == 0, done.stderr
    repo = tmp_path / "campagne"
    (repo / "v_commune.csv").write_text(COG, encoding="utf-8")
    done = run_tracker(repo, "import", "communes", "v_commune.csv")
    assert done.returncode == 0, done.stderr
    return repo


def write(repo: Path, name: str, text: str, encoding: str = "utf-8") -> str:
    (repo / name).write_bytes(text.encode(encoding))
    return name


def imp(repo: Path, name: str, *args: str) -> object:
    return run_tracker(repo, "import", "indicators", name, *args)


def indicators(repo: Path, code: str) -> list[dict[str, object]]:
    shown = json.loads(run_tracker(repo, "show", code, "--format", "json").stdout)
    return shown["indicators"]


CHOMAGE = ("--indicator", "chomage", "--year", "2020", "--source", "INSEE, RP 2020",
           "--label", "Taux de chômage des 15-64 ans", "--unit", "%")


def test_an_insee_file_is_written_into_the_bilans(campaign: Path) -> None:
    # INSEE's way: ';', Windows-1252, decimal commas, CODGEO and LIBGEO
    name = write(campaign, "chomage.csv", "CODGEO;LIBGEO;P20_CHOM1564\n"
                 "93066;Saint-Denis;18,4\n2A004;Ajaccio;11,2\n93001;Aubervilliers;21\n",
                 "cp1252")
    done = imp(campaign, name, *CHOMAGE)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("chomage 2020 from chomage.csv (column P20_CHOM1564): "
                                  "3 values, 0 communes without a bilan, 0 missing: "
                                  "0 created, 3 updated, 0 unchanged")
    [entry] = indicators(campaign, "93066")
    assert entry == {"code": "chomage", "label": "Taux de chômage des 15-64 ans", "unit": "%",
                     "end_year": 2020, "end_value": 18.4, "source": "INSEE, RP 2020",
                     "values": [{"year": 2020, "value": 18.4, "source": "INSEE, RP 2020"}]}
    assert indicators(campaign, "93001")[0]["end_value"] == 21
    assert indicators(campaign, "2A004")[0]["end_value"] == 11.2
    assert log_subjects(campaign)[0].startswith("import indicators: chomage 2020 for 3 "
                                                "communes (INSEE, RP 2020)")
    assert run_tracker(campaign, "check").returncode == 0
    assert "bilans" not in status_porcelain(campaign)  # all committed


def test_importing_again_changes_nothing(campaign: Path) -> None:
    name = write(campaign, "c.csv", "CODGEO;P20\n93066;18,4\n93001;21\n")
    assert imp(campaign, name, *CHOMAGE, "--column", "P20").returncode == 0
    before = head(campaign)
    files = {p: p.read_bytes() for p in (campaign / "bilans").rglob("*.md")}
    done = imp(campaign, name, *CHOMAGE, "--column", "P20", "--format", "json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert (data["created"], data["updated"], data["unchanged"]) == (0, 0, 2)
    assert data["refused"] == [] and data["values"] == 2
    assert head(campaign) == before
    assert files == {p: p.read_bytes() for p in (campaign / "bilans").rglob("*.md")}


def test_two_years_make_the_start_and_end_of_the_term(campaign: Path) -> None:
    write(campaign, "2020.csv", "CODGEO,P20_CHOM\n93066,18.4\n")
    write(campaign, "2014.csv", "CODGEO,P14_CHOM\n93066,23.1\n")
    assert imp(campaign, "2020.csv", *CHOMAGE).returncode == 0
    done = imp(campaign, "2014.csv", "--indicator", "chomage", "--year", "2014",
               "--source", "INSEE, RP 2014")
    assert done.returncode == 0, done.stderr
    [entry] = indicators(campaign, "93066")
    assert (entry["start_year"], entry["start_value"]) == (2014, 23.1)
    assert (entry["end_year"], entry["end_value"]) == (2020, 18.4)
    assert entry["source"] == "INSEE, RP 2014 ; INSEE, RP 2020"
    assert entry["label"] == "Taux de chômage des 15-64 ans"  # kept from the first import
    # and the bilan's page shows both, and the change
    assert run_tracker(campaign, "report", "site", "--out", "site").returncode == 0
    page = (campaign / "site" / "bilans" / "93066.html").read_text(encoding="utf-8")
    assert "Taux de chômage des 15-64 ans" in page and "(2014)" in page and "(2020)" in page
    assert "-4,7" in page and "Aucun indicateur" not in page and "simulé" not in page


def test_other_indicators_and_fields_are_kept(campaign: Path) -> None:
    assert run_tracker(campaign, "set", "93066", "message=Le bilan local").returncode == 0
    write(campaign, "a.csv", "CODGEO;logements_sociaux\n93066;41,2\n")
    write(campaign, "b.csv", "CODGEO;P20\n93066;18,4\n")
    assert imp(campaign, "a.csv", "--indicator", "logements_sociaux", "--year", "2022",
               "--source", "RPLS 2022").returncode == 0
    assert imp(campaign, "b.csv", *CHOMAGE).returncode == 0
    codes = [e["code"] for e in indicators(campaign, "93066")]
    assert codes == ["logements_sociaux", "chomage"]
    text = (campaign / "bilans" / "93" / "93066.md").read_text(encoding="utf-8")
    assert "message: Le bilan local\n" in text


def test_bad_codes_are_refused_at_their_line(campaign: Path) -> None:
    name = write(campaign, "bad.csv", "CODGEO;P20\n93066;18,4\n1004;3\n93066;5\n99999;1\n"
                 "2C004;1\n93001;abc\n")
    before = head(campaign)
    done = imp(campaign, name, *CHOMAGE)
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert lines == [
        "bad.csv:3: commune_insee: '1004' is not an INSEE commune code (5 characters, like "
        "93066 or 2A004) (a spreadsheet may have dropped its leading zero: 01004)",
        "bad.csv:4: commune_insee: commune 93066 is already given at line 2 (one value per "
        "commune)",
        "bad.csv:5: commune_insee: no commune 99999 in INSEE's Code officiel géographique",
        "bad.csv:6: commune_insee: '2C004' is not an INSEE commune code (5 characters, like "
        "93066 or 2A004)",
        "bad.csv:7: P20: 'abc' is not a number"], done.stderr
    assert "Traceback" not in done.stderr
    assert "1 updated" in done.stdout and "5 refused" in done.stdout
    assert head(campaign) != before  # the good row is written
    assert indicators(campaign, "93066")[0]["end_value"] == 18.4
    shown = json.loads(run_tracker(campaign, "show", "93001", "--format", "json").stdout)
    assert shown.get("indicators") in (None, [])


def test_all_or_nothing_and_dry_run(campaign: Path) -> None:
    name = write(campaign, "bad.csv", "CODGEO;P20\n93066;18,4\n1004;3\n")
    before = head(campaign)
    done = imp(campaign, name, *CHOMAGE, "--all-or-nothing", "--format", "json")
    assert done.returncode == 1
    data = json.loads(done.stdout)
    assert data["written"] is False
    assert data["refused"] == [{"file": "bad.csv", "line": 3, "field": "commune_insee",
                                "message": data["refused"][0]["message"]}]
    assert head(campaign) == before
    done = imp(campaign, "bad.csv", *CHOMAGE, "--dry-run")
    assert done.returncode == 1 and "dry run, nothing written" in done.stdout
    assert "would be updated: 93066" in done.stdout
    assert head(campaign) == before and "bilans" not in status_porcelain(campaign)


def test_communes_without_a_bilan_and_missing_values_are_counted(campaign: Path) -> None:
    # a national file in a repository of a few communes; INSEE's "s" (secret) and blanks
    name = write(campaign, "national.csv", "CODGEO;P20\n01001;3,1\n75101;4\n93066;s\n"
                 "93001;\n2A004;7\n")
    done = imp(campaign, name, *CHOMAGE, "--format", "json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert (data["values"], data["no_bilan"], data["missing"]) == (3, 2, 2)
    assert data["updated"] == 1


def test_the_ministrys_department_and_commune_columns(campaign: Path) -> None:
    name = write(campaign, "min.csv", "Code du département;Libellé du département;"
                 "Code de la commune;Libellé de la commune;Taux\n"
                 "93;Seine-Saint-Denis;066;Saint-Denis;12,5\n2A;Corse-du-Sud;004;Ajaccio;9\n",
                 "cp1252")
    done = imp(campaign, name, "--indicator", "participation", "--year", "2022",
               "--source", "Ministère de l'Intérieur", "--column", "Taux")
    assert done.returncode == 0, done.stderr
    assert indicators(campaign, "93066")[0]["end_value"] == 12.5
    assert indicators(campaign, "2A004")[0]["end_value"] == 9


def test_a_file_without_codes_or_value_column_writes_nothing(campaign: Path) -> None:
    before = head(campaign)
    write(campaign, "x.csv", "nom;valeur\nSaint-Denis;3\n")
    done = imp(campaign, "x.csv", *CHOMAGE)
    assert done.returncode != 0 and "x.csv:1: no column of INSEE commune codes" in done.stderr
    write(campaign, "y.csv", "CODGEO;A;B\n93066;1;2\n")
    done = imp(campaign, "y.csv", *CHOMAGE)
    assert done.returncode != 0 and "y.csv:1: which column holds the values?" in done.stderr
    done = imp(campaign, "y.csv", *CHOMAGE, "--column", "C")
    assert done.returncode != 0 and "y.csv:1: no column 'C'" in done.stderr
    assert head(campaign) == before
    assert "Traceback" not in done.stderr


def test_simulated_values_are_labelled_on_the_page(campaign: Path) -> None:
    write(campaign, "sim.csv", "CODGEO;P20\n93066;18,4\n")
    assert imp(campaign, "sim.csv", *CHOMAGE, "--simulated").returncode == 0
    assert indicators(campaign, "93066")[0]["simulated"] is True
    assert run_tracker(campaign, "report", "site", "--out", "site").returncode == 0
    page = (campaign / "site" / "bilans" / "93066.html").read_text(encoding="utf-8")
    assert "Données simulées" in page and "(simulé)" in page
    other = (campaign / "site" / "bilans" / "93001.html").read_text(encoding="utf-8")
    assert "Aucun indicateur renseigné" in other and "simulé" not in other
