"""Hostile or careless rows in files to import, through the installed CLI: personal data
in any field or in the body, ids and field names that are no ids or names, references
that try to leave the tracker. Each such row is refused at its FILE:LINE, nothing of it
is written or committed, the good rows beside it are."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import git, run_tracker, status_porcelain

PHONE = "+33 6 12 34 56 78"
EMAIL = "jean.dupont@example.org"


def campaign(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    done = run_tracker(tmp_path, "init", str(root), "--template", "campaign")
    assert done.returncode == 0, done.stderr
    return root


def write(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def assert_only_good_row_written(root: Path, done, secret: str | None = None) -> None:
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr and len(done.stderr.splitlines()) >= 1
    listed = json.loads(run_tracker(root, "list", "--format", "json").stdout)
    assert [i["title"] for i in listed] == ["Bon"], listed
    assert status_porcelain(root) == ""
    if secret is not None:
        assert secret not in git(root, "log", "-p", "--all")
    assert run_tracker(root, "check").returncode == 0


@pytest.mark.parametrize("field, value", [
    ("title", f"Rappeler {PHONE}"),
    ("title", f"Écrire à {EMAIL}"),
    ("message", f"Contact : {PHONE.replace(' ', '.')}"),
    ("body", f"Le maire : {EMAIL}\n"),
    ("body", "Notes\n\n- 0612345678\n"),
    ("indicators", [{"note": f"appeler {PHONE}"}]),
])
def test_personal_data_in_any_field_of_a_json_row(tmp_path, field, value):
    root = campaign(tmp_path)
    bad = {"id": "01001", "kind": "bilan", "title": "Mauvais", "commune_insee": "01001",
           "commune_name": "A", "departement": "01", field: value}
    good = {"id": "01002", "kind": "bilan", "title": "Bon", "commune_insee": "01002",
            "commune_name": "B", "departement": "01"}
    path = write(tmp_path / "export.json", [bad, good])
    done = run_tracker(root, "import", "json", str(path))
    assert "personal data never goes into the repository" in done.stderr
    assert done.stderr.startswith(f"{path}:2: ")
    secret = value if isinstance(value, str) else PHONE  # the whole of it: a bit of a
    assert_only_good_row_written(root, done, secret.strip().split("\n")[-1])  # hash is no leak


def test_personal_data_in_a_github_issue_body(tmp_path):
    root = tmp_path / "repo"
    assert run_tracker(tmp_path, "init", str(root)).returncode == 0
    config = root / ".tracker" / "config.yaml"
    config.write_text(config.read_text() + "privacy:\n  forbid: [email, phone_fr]\n")
    git(root, "commit", "-qam", "forbid personal data")
    issues = [{"number": 1, "title": "Mauvais", "body": f"appeler {PHONE}", "state": "OPEN"},
              {"number": 2, "title": "Bon", "body": "", "state": "OPEN",
               "comments": [{"author": {"login": "x"}, "body": "ok"}]}]
    path = write(tmp_path / "gh.json", issues)
    done = run_tracker(root, "import", "github", str(path), "--repo", "equipe/tracts")
    assert done.stderr.startswith(f"{path}:2: body: a French phone number") or \
        done.stderr.startswith(f"{path}:2: a French phone number"), done.stderr
    assert_only_good_row_written(root, done, PHONE)


@pytest.mark.parametrize("bad_id", ["a::b", "../../etc/passwd", "..", "x/../../y", "nul",
                                    "é" * 3, " lead", "", "a\nb"])
def test_an_id_that_is_no_id(tmp_path, bad_id):
    root = campaign(tmp_path)
    rows = [{"id": bad_id, "kind": "team", "title": "Mauvais"},
            {"id": "team-aaaaaa", "kind": "team", "title": "Bon"}]
    path = write(tmp_path / "export.json", rows)
    done = run_tracker(root, "import", "json", str(path))
    if bad_id == "":  # an entry without an id is no export entry: the file is refused
        assert done.returncode == 1 and "needs 'id' and 'kind'" in done.stderr
        return
    assert done.stderr.startswith(f"{path}:2: id: "), done.stderr
    assert_only_good_row_written(root, done)
    assert not (tmp_path / "etc").exists() and not (root.parent / "y.md").exists()


@pytest.mark.parametrize("name", ["../x", "a: b", "positive_rate", "x\ny", "sessions", "1x",
                                  "a b", "#x"])
def test_a_field_name_that_is_no_name_or_is_derived(tmp_path, name):
    root = campaign(tmp_path)
    rows = [{"id": "team-bbbbbb", "kind": "team", "title": "Mauvais", name: "1"},
            {"id": "team-aaaaaa", "kind": "team", "title": "Bon"}]
    path = write(tmp_path / "export.json", rows)
    done = run_tracker(root, "import", "json", str(path))  # (`id`, `kind`, `path`: the entry's)
    assert done.stderr.startswith(f"{path}:2: "), done.stderr
    assert_only_good_row_written(root, done)


@pytest.mark.parametrize("target", ["../equipes/team-aaaaaa", "team-aaaaaa::x", "TEAM-AAAAAA",
                                    "team-aaaaa", "Bon"])
def test_a_reference_that_leads_to_no_item(tmp_path, target):
    root = campaign(tmp_path)
    rows = [{"id": "team-aaaaaa", "kind": "team", "title": "Bon"},
            {"id": "ses-aaaaaaaa", "kind": "session", "title": "Samedi",
             "date": "2027-03-06", "team": target}]
    path = write(tmp_path / "export.json", rows)
    done = run_tracker(root, "import", "json", str(path))
    assert f"team: broken reference: no item '{target}'" in done.stderr, done.stderr
    assert_only_good_row_written(root, done)


def test_csv_rows_with_personal_data_in_any_column(tmp_path):
    root = campaign(tmp_path)
    path = tmp_path / "sessions.csv"
    path.write_text("title,date,themes\n"
                    f"Samedi,2027-03-06,\"[transports, {EMAIL}]\"\n"
                    "Bon,2027-03-07,[transports]\n", encoding="utf-8")
    done = run_tracker(root, "import", "csv", str(path), "--kind", "session")
    assert done.stderr.startswith(f"{path}:2: themes: an email address"), done.stderr
    assert_only_good_row_written(root, done, EMAIL)
