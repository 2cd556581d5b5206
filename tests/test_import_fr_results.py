"""`tracker import fr-results`: the Ministry's three formats, generated here with their quirks
(Latin-1, decimal commas, ZA, 3-character commune codes, 2A), into `bureau` items."""

from __future__ import annotations

import json
import os
import pty
import subprocess
from dataclasses import replace
from pathlib import Path
from typing import Callable

import pytest

from tests.helpers import (
    as_json,
    assert_one_line_error,
    commit_all,
    git,
    head,
    log_subjects,
    make_invoke,
    run_tracker,
    status_porcelain,
    tracker_exe,
)
from tests.import_files import (
    BUREAUX,
    Bureau,
    long_format,
    recent_format,
    synthetic_bureaux,
    wide_format,
    wide_row,
)
from tracker.importers.fr_results import bureau_code, normalise_place, parse_results

FORMATS: dict[int, Callable[..., bytes]] = {1: long_format, 2: wide_format, 3: recent_format}




def write(folder: Path, name: str, data: bytes) -> Path:
    """A file to import, outside the repository."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(data)
    return path


def fields(root: Path, bureau_id: str) -> dict[str, object]:
    """A bureau's fields as `tracker show` gives them."""
    result = make_invoke(root)("show", bureau_id, "--format", "json")
    return as_json(result)


def bureau_files(root: Path) -> list[str]:
    folder = root / "bureaux"
    return sorted(p.name for p in folder.glob("*/*.md")) if folder.is_dir() else []  # sharded


# ---------------------------------------------------------------- the three formats


@pytest.mark.parametrize("fmt", [1, 2, 3])
def test_each_format_gives_the_same_bureaux(camp, git_repo, tmp_path, fmt):
    data = FORMATS[fmt](BUREAUX)
    assert b"Chamb\xe9ry" in data  # Latin-1, é as one byte
    path = write(tmp_path / "in", f"results{fmt}.txt", data)
    out = as_json(camp("import", "fr-results", str(path), "--format", "json"))
    assert out == {"created": 6, "updated": 0, "unchanged": 0, "bureaux": 6, "format": fmt,
                   "refused": []}
    assert bureau_files(git_repo) == ["01004_0002.md", "2A004_0001.md", "73065_0007.md",
                                      "93066_0012.md", "93066_0013.md", "97101_0003.md"]
    shown = fields(git_repo, "93066_0012")
    assert {k: shown[k] for k in ("title", "status", "bureau_id", "commune_insee",
                                  "commune_name", "departement", "election", "inscrits",
                                  "votants", "exprimes", "abstentions", "experiment_arm")} == {
        "title": "Bureau 0012 – Saint-Denis", "status": "proposed", "bureau_id": "93066_0012",
        "commune_insee": "93066", "commune_name": "Saint-Denis", "departement": "93",
        "election": "pr27", "inscrits": 1000, "votants": 600, "exprimes": 592,
        "abstentions": 400, "experiment_arm": "none"}
    assert shown["abstention_rate"] == pytest.approx(0.4)
    assert fields(git_repo, "73065_0007")["commune_name"] == "Chambéry"
    overseas = fields(git_repo, "97101_0003")
    assert (overseas["departement"], overseas["commune_insee"]) == ("971", "97101")
    assert fields(git_repo, "2A004_0001")["departement"] == "2A"
    assert fields(git_repo, "01004_0002")["departement"] == "01"
    assert camp("check").exit_code == 0


def test_codes_are_written_quoted(camp, git_repo, tmp_path):
    camp("import", "fr-results", str(write(tmp_path / "in", "r.txt", wide_format(BUREAUX))))
    text = (git_repo / "bureaux" / "01" / "01004_0002.md").read_text(encoding="utf-8")
    assert 'commune_insee: "01004"\n' in text and 'departement: "01"\n' in text
    assert 'bureau_id: "01004_0002"\n' in text


@pytest.mark.parametrize("fmt", [2, 3])
def test_utf8_files_are_read_too(camp, git_repo, tmp_path, fmt):
    data = FORMATS[fmt](BUREAUX, encoding="utf-8")
    assert "Chambéry".encode() in data
    camp("import", "fr-results", str(write(tmp_path / "in", "r.txt", b"\xef\xbb\xbf" + data)))
    assert fields(git_repo, "73065_0007")["commune_name"] == "Chambéry"


def test_windows_1252_characters_are_decoded(tmp_path):
    name = "Saint-Martin-d’Hères"  # the typographic apostrophe is 0x92 in Windows-1252
    data = wide_format([Bureau("38", "421", "38421", name, "4", 900, 500)], encoding="cp1252")
    results = parse_results(data.decode("cp1252"), "f", "pr27")
    assert results.rows[0].record["commune_name"] == name


# ---------------------------------------------------------------- hand-computed values


def test_long_format_abstentions_and_rounds_are_hand_computed(camp, git_repo, tmp_path):
    path = write(tmp_path / "in", "PR12_Bvot_T1T2.txt", long_format(BUREAUX, rounds=(1, 2)))
    result = camp("import", "fr-results", str(path))
    assert result.stdout == ("6 bureaux from " + str(path) + " (format 1, round 1): "
                             "6 created, 0 updated, 0 unchanged\n")
    one = fields(git_repo, "93066_0012")
    # round 1: 1000 inscrits, 600 votants, 5 blancs + 3 nuls: 592 exprimés, 400 abstentions
    assert (one["inscrits"], one["votants"], one["exprimes"], one["abstentions"]) == (
        1000, 600, 592, 400)
    assert log_subjects(git_repo)[0] == ("import fr-results: 6 bureaux (pr27 tour 1) — "
                                         "6 new, 0 already tracked")
    out = as_json(camp("import", "fr-results", str(path), "--round", "2", "--format", "json"))
    assert out == {"created": 0, "updated": 6, "unchanged": 0, "bureaux": 6, "format": 1,
                   "refused": []}
    two = fields(git_repo, "93066_0012")
    assert (two["votants"], two["exprimes"], two["abstentions"]) == (610, 602, 390)
    assert fields(git_repo, "2A004_0001")["abstentions"] == 820 - 621


def test_long_format_gathers_candidate_rows_into_one_record():
    text = long_format(BUREAUX[:2]).decode("latin-1")
    assert len(text.splitlines()) == 6  # three candidates per bureau
    results = parse_results(text, "f", "pr12")
    assert [r.record["bureau_id"] for r in results.rows] == ["93066_0012", "93066_0013"]
    assert [r.line for r in results.rows] == [1, 4]
    assert results.rows[1].record["abstentions"] == 950 - 512


def test_round_two_alone_is_imported_without_asking():
    results = parse_results(long_format(BUREAUX[:1], rounds=(2,)).decode("latin-1"), "f", "x")
    assert results.round == 2 and results.rows[0].record["votants"] == 610


def test_round_missing_from_the_file_is_refused(camp, git_repo, tmp_path):
    path = write(tmp_path / "in", "t1.txt", long_format(BUREAUX))
    before = head(git_repo)
    result = camp("import", "fr-results", str(path), "--round", "2")
    assert_one_line_error(result, 1, f"{path}: no row of round 2 (rounds found: 1)")
    assert head(git_repo) == before and bureau_files(git_repo) == []


@pytest.mark.parametrize("dep, commune, expected", [
    ("93", "066", ("93", "93066")),
    ("1", "4", ("01", "01004")),
    ("2A", "004", ("2A", "2A004")),
    ("2b", "096", ("2B", "2B096")),
    ("ZA", "101", ("971", "97101")),
    ("ZB", "209", ("972", "97209")),
    ("ZC", "302", ("973", "97302")),
    ("ZD", "411", ("974", "97411")),
    ("ZM", "611", ("976", "97611")),
    ("ZS", "501", ("975", "97501")),
    ("ZX", "701", ("977", "97701")),
    ("ZX", "801", ("978", "97801")),
    ("ZN", "818", ("988", "98818")),
    ("ZP", "735", ("987", "98735")),
    ("ZW", "613", ("986", "98613")),
    ("971", "101", ("971", "97101")),
    ("93", "93066", ("93", "93066")),
    ("ZA", "97101", ("971", "97101")),
    ("ZX", "97801", ("978", "97801")),
    ("01", "1004", ("01", "01004")),
])
def test_places_are_normalised(dep, commune, expected):
    assert normalise_place(dep, commune) == expected


@pytest.mark.parametrize("dep, commune, message", [
    ("QQ", "001", "unknown département code 'QQ'"),
    ("ZX", "901", "fits none of the départements of ZX"),
    ("93", "75056", "commune 75056 is not in département 93"),
    ("93", "", "the commune code is empty"),
    ("93", "6A", "is not a commune number"),
])
def test_wrong_places_are_refused(dep, commune, message):
    with pytest.raises(ValueError, match=message):
        normalise_place(dep, commune)


@pytest.mark.parametrize("given, padded", [("12", "0012"), ("0012", "0012"), ("1", "0001"),
                                           ("00012", "0012"), ("12A", "012A"), (" 7 ", "0007")])
def test_bureau_numbers_are_padded_to_four(given, padded):
    assert bureau_code(given) == padded


def test_bureau_number_too_long_is_refused():
    with pytest.raises(ValueError, match="not 4 letters or digits"):
        bureau_code("12345")


def test_rows_abroad_are_skipped_with_a_warning(camp, git_repo, tmp_path):
    abroad = Bureau("ZZ", "001", "ZZ001", "Amérique du Nord", "1", 3000, 900)
    path = write(tmp_path / "in", "r.txt", wide_format([*BUREAUX[:2], abroad]))
    result = camp("import", "fr-results", str(path))
    assert result.exit_code == 0
    assert "Skipped 1 row(s) of French people abroad (ZZ)" in result.stderr
    assert bureau_files(git_repo) == ["93066_0012.md", "93066_0013.md"]


def test_election_comes_from_the_option_or_the_config(camp, git_repo, tmp_path):
    path = write(tmp_path / "in", "r.txt", recent_format(BUREAUX[:1]))
    camp("import", "fr-results", str(path), "--election", "lg24-t1")
    assert fields(git_repo, "93066_0012")["election"] == "lg24-t1"
    assert log_subjects(git_repo)[0].startswith("import fr-results: 1 bureaux (lg24-t1) — ")


# ---------------------------------------------------------------- re-import and commits


def test_reimport_updates_numbers_and_keeps_hand_edits(camp, git_repo, tmp_path):
    camp("import", "fr-results", str(write(tmp_path / "in", "v1.txt", recent_format(BUREAUX))))
    assert camp("set", "93066_0012", "status=approved", "priority=A").exit_code == 0
    path = git_repo / "bureaux" / "93" / "93066_0012.md"
    path.write_text(path.read_text(encoding="utf-8") + "Porte-à-porte prévu samedi.\n",
                    encoding="utf-8")
    commit_all(git_repo, "notes on 93066_0012")
    commits = len(log_subjects(git_repo))
    changed = [replace(b, votants=b.votants + 7) if b.bureau in ("12", "7") else b
               for b in BUREAUX]
    v2 = write(tmp_path / "in", "v2.txt", recent_format(changed))
    out = as_json(camp("import", "fr-results", str(v2), "--format", "json"))
    assert out == {"created": 0, "updated": 2, "unchanged": 4, "bureaux": 6, "format": 3,
                   "refused": []}
    shown = fields(git_repo, "93066_0012")
    assert (shown["votants"], shown["abstentions"], shown["exprimes"]) == (607, 393, 599)
    assert (shown["status"], shown["priority"]) == ("approved", "A")
    assert shown["body"] == "Porte-à-porte prévu samedi.\n"
    assert len(log_subjects(git_repo)) == commits + 1
    assert sorted(git(git_repo, "show", "--name-only", "--format=", "HEAD").split()) == [
        "bureaux/73/73065_0007.md", "bureaux/93/93066_0012.md"]
    assert status_porcelain(git_repo) == ""


def test_reimport_of_the_same_file_changes_nothing(camp, git_repo, tmp_path):
    path = write(tmp_path / "in", "r.txt", wide_format(BUREAUX))
    camp("import", "fr-results", str(path))
    before = head(git_repo)
    out = as_json(camp("import", "fr-results", str(path), "--format", "json"))
    assert out == {"created": 0, "updated": 0, "unchanged": 6, "bureaux": 6, "format": 2,
                   "refused": []}
    assert head(git_repo) == before


@pytest.mark.parametrize("fmt", [1, 2, 3])
def test_one_commit_per_import_holding_every_bureau(camp, git_repo, tmp_path, fmt):
    commits = len(log_subjects(git_repo))
    camp("import", "fr-results", str(write(tmp_path / "in", "r.txt", FORMATS[fmt](BUREAUX))))
    assert len(log_subjects(git_repo)) == commits + 1
    assert len(git(git_repo, "show", "--name-only", "--format=", "HEAD").split()) == 6
    assert status_porcelain(git_repo) == ""


# ---------------------------------------------------------------- malformed input


def wide_lines(*rows: str) -> bytes:
    header = wide_format([]).decode("latin-1").splitlines()[0]
    return ("\r\n".join([header, *rows]) + "\r\n").encode("latin-1")


GOOD = [wide_row(b) for b in BUREAUX[:3]]
MALFORMED = {
    "count": (wide_lines(*GOOD, wide_row(BUREAUX[3]).replace(";1200;", ";12OO;", 1)), 5,
              "Inscrits: '12OO' is not a whole number"),
    "votants": (wide_lines(*GOOD, wide_row(replace(BUREAUX[3], votants=1300))), 5,
                "Votants (1300) exceed Inscrits (1200)"),
    "abstentions": (wide_lines(GOOD[0], GOOD[1].replace(";950;438;", ";950;437;")), 3,
                    "Abstentions (437) differ from Inscrits − Votants (950 − 512 = 438)"),
    "departement": (wide_lines(GOOD[0], wide_row(replace(BUREAUX[0], dep="QQ"))), 3,
                    "unknown département code 'QQ'"),
    "short": (wide_lines(GOOD[0], "93;Seine-Saint-Denis;01"), 3, "3 fields, expected at least"),
    "twice": (wide_lines(GOOD[0], GOOD[1], GOOD[0]), 4,
              "bureau 93066_0012 appears twice (first on line 2)"),
    "not results": (b"bonjour;le;monde\r\n", 1, "not a results file"),
    "long counts differ": (
        long_format(BUREAUX[:1]).replace(b";1000;600;592;3;", b";1000;601;592;3;"), 3,
        "bureau 93066_0012: its name or counts differ from line 1"),
    "long round": (long_format(BUREAUX[:1]).replace(b"1;93;066", b"3;93;066", 1), 1,
                   "round 3: expected 1 or 2"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_rows_write_nothing(camp, git_repo, tmp_path, case):
    data, line, message = MALFORMED[case]
    path = write(tmp_path / "in", "bad.txt", data)
    before = head(git_repo)
    result = camp("import", "fr-results", str(path))
    error = assert_one_line_error(result, 1, f"{path}:{line}: ", message)
    assert error.startswith(f"Error: {path}:{line}: ")
    assert head(git_repo) == before
    assert status_porcelain(git_repo) == "" and bureau_files(git_repo) == []


def test_empty_file_is_refused(camp, git_repo, tmp_path):
    result = camp("import", "fr-results", str(write(tmp_path / "in", "e.txt", b"\r\n")))
    assert_one_line_error(result, 1, "e.txt: the file is empty")


def test_a_tracker_without_bureaux_is_told_so(git_repo, tmp_path, monkeypatch):
    monkeypatch.chdir(git_repo)
    invoke = make_invoke(git_repo)
    assert invoke("init").exit_code == 0
    result = invoke("import", "fr-results", str(write(tmp_path / "in", "r.txt",
                                                      wide_format(BUREAUX))))
    assert_one_line_error(result, 1, "unknown kind 'bureau'")


# ---------------------------------------------------------------- the installed command


def test_installed_cli_imports_quietly_when_piped(camp, git_repo, tmp_path):
    path = write(tmp_path / "in", "r.txt", recent_format(BUREAUX))
    done = run_tracker(git_repo, "import", "fr-results", str(path), "--format", "json")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # no progress bar when stderr is not a terminal
    assert json.loads(done.stdout)["created"] == 6
    bad = write(tmp_path / "in", "bad.txt", MALFORMED["votants"][0])
    done = run_tracker(git_repo, "import", "fr-results", str(bad))
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr == (f"Error: {bad}:5: Votants (1300) exceed Inscrits (1200)\n")
    assert status_porcelain(git_repo) == ""


def test_installed_cli_shows_progress_on_a_terminal(camp, git_repo, tmp_path):
    path = write(tmp_path / "in", "r.txt", recent_format(synthetic_bureaux(60)))
    leader, follower = pty.openpty()
    try:
        done = subprocess.run([*tracker_exe(), "import", "fr-results", str(path)], cwd=git_repo,
                              stdout=subprocess.PIPE, stderr=follower, text=True, check=False)
        os.close(follower)
        shown = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal is closed once everything was read
                break
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(leader)
    assert done.returncode == 0
    assert done.stdout.endswith("60 created, 0 updated, 0 unchanged\n")
    assert b"Importing bureaux" in shown and b"100%" in shown
