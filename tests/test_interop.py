"""Moving in and out: GitHub issues, a Backlog.md project, and tracker's own JSON, each
idempotent; export json/jsonl/csv in a stable order, and the JSON round trip."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.helpers import as_json, git, log_subjects, make_invoke, run_tracker, write_tree

GITHUB = [
    {"number": 12, "title": "Imprimer les tracts", "body": "Pour samedi.\r\nMerci",
     "state": "OPEN", "labels": [{"name": "terrain"}, {"name": "impression"}],
     "assignees": [{"login": "mob-93-017"}], "author": {"login": "coord-1"},
     "createdAt": "2027-01-04T09:30:00Z", "closedAt": None,
     "comments": [{"author": {"login": "mob-93-042"}, "body": "Je m'en occupe.",
                   "createdAt": "2027-01-05T10:00:00Z"}],
     "milestone": {"title": "Premier tour"},
     "url": "https://github.com/equipe/campagne/issues/12"},
    {"number": 13, "title": "Réserver la salle", "body": "", "state": "CLOSED", "labels": [],
     "assignees": [], "author": {"login": "coord-1"}, "createdAt": "2027-01-06T09:30:00Z",
     "closedAt": "2027-01-08T18:00:00Z", "comments": [], "milestone": None,
     "url": "https://github.com/equipe/campagne/issues/13"},
]


def by_github_number(invoke) -> dict[int, dict]:
    return {r["github_number"]: r for r in as_json(invoke("list", "--format", "json"))}


def test_import_github_then_again_updates(invoke, repo, tmp_path):
    source = tmp_path / "issues.json"
    source.write_text(json.dumps(GITHUB), encoding="utf-8")
    result = invoke("import", "github", str(source))
    assert result.exit_code == 0, result.stderr
    items = by_github_number(invoke)
    assert items[12]["status"] == "open" and items[13]["status"] == "closed"
    assert items[12]["tags"] == ["terrain", "impression"]
    assert items[12]["assignee"] == "mob-93-017" and items[12]["milestone"] == "Premier tour"
    assert items[12]["created"] == "2027-01-04T09:30:00+00:00"
    body = as_json(invoke("show", items[12]["id"], "--format", "json"))["body"]
    assert body == ("Pour samedi.\nMerci\n\n## Comments\n\n**mob-93-042** (2027-01-05):\n\n"
                    "Je m'en occupe.\n")
    commits = len(log_subjects(repo))
    GITHUB[1]["state"] = "OPEN"
    GITHUB[0]["comments"].append({"author": {"login": "coord-1"}, "body": "Merci !",
                                  "createdAt": "2027-01-06T10:00:00Z"})
    source.write_text(json.dumps(GITHUB), encoding="utf-8")
    again = invoke("import", "github", str(source))
    assert again.exit_code == 0, again.stderr
    assert len(log_subjects(repo)) == commits + 1
    items = by_github_number(invoke)
    assert len(items) == 2 and items[13]["status"] == "open"
    assert "Merci !" in as_json(invoke("show", items[12]["id"], "--format", "json"))["body"]
    unchanged = invoke("import", "github", str(source))
    assert unchanged.exit_code == 0 and len(log_subjects(repo)) == commits + 1


def test_import_github_refuses_bad_json_and_writes_nothing(invoke, repo, tmp_path):
    source = tmp_path / "issues.json"
    source.write_text('[{"number": 1, "title": "x"', encoding="utf-8")
    result = invoke("import", "github", str(source))
    assert result.exit_code == 1 and result.stderr.startswith("Error: ")
    assert "issues.json:1:" in result.stderr
    assert git(repo, "status", "--porcelain") == ""


@pytest.fixture
def backlog(tmp_path: Path) -> Path:
    folder = tmp_path / "project"
    write_tree(folder, {
        "backlog/config.yml": 'project_name: "x"\nstatuses: ["To Do", "In Progress", "Done"]\n',
        "backlog/tasks/task-1 - Imprimer.md":
            "---\nid: task-1\ntitle: Imprimer les tracts\nstatus: In Progress\n"
            "assignee: ['@mob-93-017']\ncreated_date: '2027-01-04 09:30'\n"
            "labels: [terrain]\npriority: high\ndependencies: []\n---\n\n## Description\n\nVite.\n",
        "backlog/tasks/task-2 - Salle.md":
            "---\nid: task-2\ntitle: Réserver la salle\nstatus: To Do\nassignee: []\n"
            "created_date: '2027-01-05'\nlabels: []\n---\n",
        "backlog/completed/task-3 - Badges.md":
            "---\nid: task-3\ntitle: Badges\nstatus: Done\nassignee: []\nlabels: []\n---\nFait.\n",
    })
    return folder


def test_import_backlog_is_idempotent(invoke, repo, backlog):
    result = invoke("import", "backlog", str(backlog))
    assert result.exit_code == 0, result.stderr
    items = {r["backlog_id"]: r for r in as_json(invoke("list", "--format", "json"))}
    assert {k: v["status"] for k, v in items.items()} == {
        "task-1": "in-progress", "task-2": "open", "task-3": "done"}
    assert items["task-1"]["assignee"] == "mob-93-017"
    assert items["task-1"]["priority"] == "high" and items["task-1"]["tags"] == ["terrain"]
    assert as_json(invoke("show", items["task-1"]["id"], "--format", "json"))["body"] == \
        "## Description\n\nVite.\n"
    assert invoke("import", "backlog", str(backlog)).exit_code == 0
    assert len(as_json(invoke("list", "--format", "json"))) == 3


def test_not_a_backlog_project(invoke, repo, tmp_path):
    result = invoke("import", "backlog", str(tmp_path))
    assert result.exit_code == 1 and "Backlog.md" in result.stderr


def test_export_formats_have_a_stable_order(invoke, repo):
    invoke("new", "issue", "Un", "--set", "priority=high", "--set", "due=2027-02-01",
           "--body", "Corps **un**.")
    invoke("new", "issue", "Deux", "--set", "tags=a,b")
    rows = as_json(invoke("export", "json"))
    assert list(rows[0])[:4] == ["id", "kind", "title", "status"]
    assert list(rows[0])[-1] == "body"
    lines = invoke("export", "jsonl").stdout.splitlines()
    assert [json.loads(line)["id"] for line in lines] == [r["id"] for r in rows]
    table = list(csv.reader(io.StringIO(invoke("export", "csv").stdout)))
    assert table[0][:4] == ["id", "kind", "title", "status"] and table[0][-1] == "body"
    filtered = as_json(invoke("export", "json", "--where", "priority == 'high'"))
    assert [r["title"] for r in filtered] == ["Un"]


def test_json_round_trip_into_a_fresh_tracker(invoke, repo, tmp_path):
    invoke("new", "issue", "Un", "--set", "priority=high", "--set", "due=2027-02-01",
           "--body", "Corps **un**.\n\nDeux lignes.")
    invoke("new", "issue", "Deux", "--set", "tags=a,b", "--set", "assignee=mob-1")
    out = tmp_path / "export.json"
    assert invoke("export", "json", "--out", str(out)).exit_code == 0
    fresh = tmp_path / "fresh"
    assert run_tracker(tmp_path, "init", "fresh").returncode == 0
    again = make_invoke(fresh)
    result = again("import", "json", str(out))
    assert result.exit_code == 0, result.stderr
    assert again("export", "json").stdout == out.read_text(encoding="utf-8")
    assert again("import", "json", str(out)).exit_code == 0  # idempotent
    assert len(as_json(again("list", "--format", "json"))) == 2
    assert git(fresh, "status", "--porcelain") == ""


def test_import_git_issue_layout(invoke, repo, tmp_path):
    sha = "e6a95c91b31ded8fc229a41cc4bd7d281ce6e0f1"
    other = "7dfa5b7f4591ecaa8323716f229b84ad40f5275b"
    write_tree(tmp_path / "gi", {
        f".issues/issues/{sha[:2]}/{sha[2:]}/description":
            "New issue entered from the command line\n\nLonger text.\n",
        f".issues/issues/{sha[:2]}/{sha[2:]}/tags": "open\nurgent\ngui\n",
        f".issues/issues/{sha[:2]}/{sha[2:]}/assignee": "joe-handle\n",
        f".issues/issues/{sha[:2]}/{sha[2:]}/comments/8c0d5b3": "First comment.\n",
        f".issues/issues/{other[:2]}/{other[2:]}/description": "Done already\n",
        f".issues/issues/{other[:2]}/{other[2:]}/tags": "closed\n",
    })
    result = invoke("import", "git-issue", str(tmp_path / "gi"))
    assert result.exit_code == 0, result.stderr
    items = {r["git_issue_id"]: r for r in as_json(invoke("list", "--format", "json"))}
    assert items[sha]["title"] == "New issue entered from the command line"
    assert items[sha]["status"] == "open" and items[sha]["tags"] == ["urgent", "gui"]
    assert items[sha]["assignee"] == "joe-handle"
    assert items[other]["status"] == "closed"
    body = as_json(invoke("show", items[sha]["id"], "--format", "json"))["body"]
    assert body == "Longer text.\n\n## Comments\n\nFirst comment.\n"
    assert invoke("import", "git-issue", str(tmp_path / "gi")).exit_code == 0
    assert len(as_json(invoke("list", "--format", "json"))) == 2
