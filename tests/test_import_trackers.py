"""The tracker importers on real material: Backlog.md's own task files (tests/data/
backlog-md, MIT, see its ATTRIBUTION.md), a dump in the GitHub REST API's shape
(tests/data/github-rest, hand-made in that shape), gh's `--json` shape, and a git-issue
repository whose comments were committed out of file-name order."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.helpers import (
    as_json,
    commit_all,
    git,
    log_subjects,
    run_tracker,
    snapshot,
    write_tree,
)

DATA = Path(__file__).parent / "data"
BACKLOG = DATA / "backlog-md"
REST = DATA / "github-rest" / "issues.json"


def listed(invoke, key: str) -> dict:
    return {r[key]: r for r in as_json(invoke("list", "--format", "json")) if key in r}


# ---------------------------------------------------------------- Backlog.md


@pytest.fixture
def project(tmp_path: Path) -> Path:
    folder = tmp_path / "project"
    shutil.copytree(BACKLOG / "backlog", folder / "backlog")
    return folder


def test_real_backlog_tasks_import_and_the_readme_is_skipped(repo, project):
    done = run_tracker(repo, "import", "backlog", str(project), "--format", "json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"created": 4, "updated": 0, "unchanged": 0, "skipped": 1,
                                       "refused": []}
    readme = project / "backlog" / "tasks" / "readme.md"
    assert done.stderr == f"{readme}: skipped: not a task file (Backlog.md reads back-*.md " \
                          "here)\n"
    items = {r["backlog_id"]: r for r in json.loads(
        run_tracker(repo, "list", "--format", "json").stdout)}
    assert sorted(items) == ["BACK-204", "BACK-209", "BACK-4.3", "BACK-425"]
    # `assignee: @MrLesk` and `reporter: @MrLesk`, unquoted, read as Backlog.md reads them
    assert items["BACK-4.3"]["assignee"] == "MrLesk" and items["BACK-4.3"]["author"] == "MrLesk"
    assert items["BACK-4.3"]["title"] == "CLI: Task Editing"
    assert items["BACK-4.3"]["tags"] == ["cli", "command"]
    assert items["BACK-4.3"]["milestone"] == "m-1"
    assert items["BACK-204"]["assignee"] == "claude" and items["BACK-209"]["assignee"] == "claude"
    assert items["BACK-425"]["assignee"] == "alex-agent"
    assert items["BACK-425"]["status"] == "open" and items["BACK-4.3"]["status"] == "done"
    assert items["BACK-425"]["created"].startswith("2026-04-25T12:14:00")
    commits = len(log_subjects(repo))
    again = run_tracker(repo, "import", "backlog", str(project), "--format", "json")
    assert json.loads(again.stdout)["unchanged"] == 4 and len(log_subjects(repo)) == commits
    assert run_tracker(repo, "check").returncode == 0


def test_a_task_file_without_front_matter_or_readable_yaml_is_skipped(invoke, repo, project):
    tasks = project / "backlog" / "tasks"
    (tasks / "back-900 - Notes.md").write_text("Just notes, no front matter.\n")
    (tasks / "back-901 - Broken.md").write_text("---\nid: BACK-901\ntitle: [unclosed\n---\n")
    (tasks / "back-902 - Empty.md").write_text("")
    (tasks / "back-903 - Lists.md").write_text(
        "---\nid: BACK-903\ntitle: Two people\nstatus: In Progress\n"
        "assignee: [@ana, \"@bob\"]\nreporter: @carla\n---\nText.\n")
    result = invoke("import", "backlog", str(project))
    assert result.exit_code == 0, result.stderr
    lines = result.stderr.splitlines()
    assert f"{tasks / 'back-900 - Notes.md'}: skipped: no front matter" in lines
    assert f"{tasks / 'back-902 - Empty.md'}: skipped: empty file" in lines
    broken = [line for line in lines if "back-901" in line]
    assert len(broken) == 1 and broken[0].startswith(f"{tasks / 'back-901 - Broken.md'}:")
    assert ": skipped: invalid YAML" in broken[0]
    assert len(lines) == 4 and "Traceback" not in result.stderr
    assert result.stdout.startswith(f"Backlog.md tasks from {project}: 5 created")
    items = listed(invoke, "backlog_id")
    assert items["BACK-903"]["assignee"] == "ana" and items["BACK-903"]["author"] == "carla"
    assert items["BACK-903"]["status"] == "in-progress"


def test_the_leniency_is_the_importers_alone(invoke, repo):
    """`assignee: @name` in tracker's own item is still refused by `check` (the one
    YAML dialect is unchanged): only files being imported from Backlog.md are read so."""
    write_tree(repo, {"issues/issue-at.md": "---\ntitle: x\nstatus: open\nassignee: @ana\n---\n"})
    commit_all(repo)
    result = invoke("check")
    assert result.exit_code == 1 and "issues/issue-at.md:4" in result.stdout + result.stderr


def test_the_task_prefix_comes_from_the_config(invoke, repo, tmp_path):
    folder = tmp_path / "p"
    write_tree(folder, {
        "backlog/tasks/task-1 - Un.md": "---\nid: task-1\ntitle: Un\nstatus: To Do\n---\n",
        "backlog/tasks/back-1 - Autre.md": "---\nid: back-1\ntitle: Autre\nstatus: To Do\n---\n",
        "backlog/tasks/notes.txt": "not markdown\n",
    })
    result = invoke("import", "backlog", str(folder), "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert as_json(result)["created"] == 1 and as_json(result)["skipped"] == 2
    assert list(listed(invoke, "backlog_id")) == ["task-1"]
    assert "back-1 - Autre.md: skipped: not a task file (Backlog.md reads task-*.md here)" \
        in result.stderr


# ---------------------------------------------------------------- GitHub


def test_a_rest_dump_of_two_repositories_keeps_both_issues_number_one(invoke, repo):
    result = invoke("import", "github", str(REST), "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert as_json(result) == {"created": 2, "updated": 0, "unchanged": 0,
                               "pull_requests_skipped": 1, "refused": []}
    assert result.stderr == "Skipped 1 pull request(s): only issues are imported.\n"
    items = listed(invoke, "github_issue")
    assert sorted(items) == ["octo-org/alpha#1", "octo-org/beta#1"]
    alpha, beta = items["octo-org/alpha#1"], items["octo-org/beta#1"]
    assert alpha["title"] == "Found a bug" and beta["title"] == "Write the docs"
    assert alpha["author"] == "octocat" and beta["author"] == "monalisa"
    assert alpha["created"] == "2011-04-22T13:33:48+00:00"
    assert beta["created"] == "2012-01-05T08:00:00+02:00"
    assert alpha["tags"] == ["bug", "triage"] and beta["tags"] == ["documentation"]
    assert alpha["assignee"] == "hubot" and alpha["milestone"] == "v1.0"
    assert alpha["status"] == "open" and beta["status"] == "closed"
    assert alpha["github_repo"] == "octo-org/alpha" and alpha["github_number"] == 1
    assert alpha["github_url"] == "https://github.com/octo-org/alpha/issues/1"
    body = as_json(invoke("show", alpha["id"], "--format", "json"))["body"]
    assert body == "I'm having a problem with this.\nIt crashes.\n"
    # the ids are the kind's own: inside the folder, nothing of the dump in a path
    assert sorted(p.parent.name for p in (repo / "issues").glob("*.md")) == ["issues"] * 2
    assert all(i["id"].startswith("issue-") for i in items.values())
    commits = len(log_subjects(repo))
    again = invoke("import", "github", str(REST), "--format", "json")
    assert as_json(again)["unchanged"] == 2 and len(log_subjects(repo)) == commits
    assert git(repo, "status", "--porcelain") == ""


def test_a_natural_key_kind_makes_ids_like_gh_owner_repo_number(invoke, repo):
    write_tree(repo, {".tracker/kinds/ghissue.yaml":
                      "folder: gh\nid: {key: 'gh-{github_issue}'}\n"
                      "fields: {title: string, github_issue: string}\n"})
    commit_all(repo)
    result = invoke("import", "github", str(REST), "--kind", "ghissue")
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in (repo / "gh").iterdir()) == [
        "gh-octo-org-alpha-1.md", "gh-octo-org-beta-1.md"]
    before = snapshot(repo)
    assert invoke("import", "github", str(REST), "--kind", "ghissue").exit_code == 0
    assert snapshot(repo) == before


GH = [{"number": 1, "title": "Un", "state": "OPEN", "author": {"login": "ana"},
       "labels": [{"name": "bug"}], "createdAt": "2027-01-04T09:30:00Z",
       "comments": [{"author": {"login": "bob"}, "body": "Vu.",
                     "createdAt": "2027-01-05T10:00:00Z"}]}]


def test_gh_json_without_url_takes_the_repository_from_repo(invoke, repo, tmp_path):
    source = tmp_path / "gh.json"
    source.write_text(json.dumps(GH, indent=1), encoding="utf-8")
    refused = invoke("import", "github", str(source))
    assert refused.exit_code == 1 and "Traceback" not in refused.stderr
    assert refused.stderr.startswith(f"Error: {source}:2: issue 1 (#1): cannot tell which "
                                     "repository")
    assert git(repo, "status", "--porcelain") == ""
    result = invoke("import", "github", str(source), "--repo", "equipe/tracts")
    assert result.exit_code == 0, result.stderr
    item = listed(invoke, "github_issue")["equipe/tracts#1"]
    assert item["author"] == "ana" and item["created"] == "2027-01-04T09:30:00+00:00"
    body = as_json(invoke("show", item["id"], "--format", "json"))["body"]
    assert body == "## Comments\n\n**bob** (2027-01-05):\n\nVu.\n"
    bad = invoke("import", "github", str(source), "--repo", "../x")
    assert bad.exit_code == 1 and "--repo: expected OWNER/REPO" in bad.stderr


def test_gh_and_rest_shapes_in_one_import_through_the_console_script(repo, tmp_path):
    gh = [dict(GH[0], url="https://github.com/equipe/tracts/issues/7", number=7)]
    rest = json.loads(REST.read_text(encoding="utf-8"))
    source = tmp_path / "both.json"
    source.write_text(json.dumps(gh + rest), encoding="utf-8")
    done = run_tracker(repo, "import", "github", str(source))
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"GitHub issues from {source}: 3 created, 0 updated, 0 unchanged\n"
    keys = {r["github_issue"] for r in json.loads(
        run_tracker(repo, "list", "--format", "json").stdout)}
    assert keys == {"equipe/tracts#7", "octo-org/alpha#1", "octo-org/beta#1"}


# ---------------------------------------------------------------- git-issue


def _commit(folder: Path, message: str, when: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when,
           "GIT_AUTHOR_NAME": "Diomidis", "GIT_AUTHOR_EMAIL": "dds@example.org",
           "GIT_COMMITTER_NAME": "Diomidis", "GIT_COMMITTER_EMAIL": "dds@example.org"}
    subprocess.run(["git", "commit", "-q", "--allow-empty", "-m", message], cwd=folder,
                   env=env, check=True)
    return git(folder, "rev-parse", "HEAD").strip()


def test_git_issue_comments_follow_their_commit_dates(invoke, repo, tmp_path):
    """As git-issue's `gi comment`: a `gi comment mark` commit, whose sha names the
    comment's file and whose date is the comment's; file-name order is another order."""
    top = tmp_path / "gi"
    issues = top / ".issues"
    issues.mkdir(parents=True)
    git(issues, "init", "-q")
    isha = _commit(issues, "gi: Add issue\n\ngi new mark", "2024-01-01T09:00:00+00:00")
    path = issues / "issues" / isha[:2] / isha[2:]
    write_tree(path, {"description": "Printer jams\n\nOften.\n", "tags": "open\n"})
    dates = ["2024-03-05T10:00:00+01:00", "2024-02-01T08:00:00-05:00",
             "2024-02-10T12:00:00+00:00", "2024-01-20T12:00:00+00:00"]
    for attempt in range(20):  # until file-name order is not time order
        shas = [_commit(issues, f"gi: Add comment\n\ngi comment mark {isha} {attempt}", when)
                for when in dates]
        if sorted(shas) != [shas[3], shas[1], shas[2], shas[0]]:
            break
    for number, sha in enumerate(shas):
        write_tree(path, {f"comments/{sha}": f"Comment dated {dates[number]}\n"})
    write_tree(path, {"comments/0000000000000000000000000000000000000000": "Undated.\n"})
    result = invoke("import", "git-issue", str(top))
    assert result.exit_code == 0, result.stderr
    assert "1 comment(s) have no commit in the git-issue repository" in result.stderr
    item = listed(invoke, "git_issue_id")[isha]
    body = as_json(invoke("show", item["id"], "--format", "json"))["body"]
    order = [dates[3], dates[1], dates[2], dates[0]]  # by the moment, offsets counted
    found = [line.removeprefix("Comment dated ") for line in body.splitlines()
             if line.startswith("Comment dated ")]
    assert found == order
    assert "**Diomidis** (2024-01-20):" in body
    assert body.rstrip().endswith("Undated.")
    assert invoke("import", "git-issue", str(top)).exit_code == 0
    assert len(listed(invoke, "git_issue_id")) == 1


def test_a_task_the_kind_refuses_is_named_by_its_file(invoke, repo, project):
    write_tree(repo, {".tracker/kinds/task.yaml":
                      "folder: tasks\nstrict: true\n"
                      "fields: {title: string, backlog_id: string, status: string,"
                      " assignee: string, author: string, created: datetime, milestone: string,"
                      " priority: string}\n"})
    commit_all(repo)
    before = snapshot(repo)
    trial = invoke("import", "backlog", str(project), "--kind", "task", "--all-or-nothing")
    task = project / "backlog" / "tasks" / "back-425 - Add-compact-TUI-task-list-view.md"
    assert trial.exit_code == 1 and "Traceback" not in trial.stderr
    assert f"{task}:1: tags: unknown field in strict kind 'task'" in trial.stderr.splitlines()
    assert snapshot(repo) == before  # --all-or-nothing: one refused task, nothing written
    result = invoke("import", "backlog", str(project), "--kind", "task", "--format", "json")
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    refused = json.loads(result.stdout)["refused"]
    assert {"file": str(task), "line": 1, "field": "tags",
            "message": "unknown field in strict kind 'task'"} in refused
    assert len(refused) == 4 and all(r["file"].endswith(".md") for r in refused)
    assert snapshot(repo) == before  # every task has tags: all four refused
