"""One write gate for every path in (issue 15, section 1), through the installed CLI only:
the same candidate — a rule it breaks, a French phone number in its title — is refused by
`new`, `set`, `move`, `edit`, `import csv`, `import json` and by the `set` that resolves a
merge conflict, each with the same `field: message`, and nothing of it is written. Also
the section's import lines that other files test through click's runner: rows whose counts
do not add up, a JSON item without a title, `--dry-run`; and section 5's GitHub REST dump
and git-issue comment order.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.helpers import editor_script, git, head, run_tracker, snapshot, status_porcelain
from tests.sync_helpers import clone, seeded

PHONE = "06 12 34 56 78"
RULE = ("checks:\n  - field: status\n"
        "    rule: \"status != 'done' or assignee is not none\"\n"
        "    message: \"a done issue needs an assignee\"\n")
RULE_PROBLEM = "status: a done issue needs an assignee"
PHONE_PROBLEM = "title: a French phone number"


def ok(folder: Path, *args: str, env: dict[str, str] | None = None) -> str:
    done = run_tracker(folder, *args, env=env)
    assert done.returncode == 0, (args, done.stderr)
    return done.stdout.strip()


def add_rule(folder: Path) -> None:
    """The rule above, and the privacy scan the campaign template turns on."""
    kind = folder / ".tracker" / "kinds" / "issue.yaml"
    kind.write_text(kind.read_text(encoding="utf-8") + RULE, encoding="utf-8")
    config = folder / ".tracker" / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "privacy:\n  forbid: [phone_fr]\n",
                      encoding="utf-8")
    git(folder, "commit", "-qam", "a rule, no phone numbers")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    folder = tmp_path / "repo"
    folder.mkdir()
    git(folder, "init", "-q")
    ok(folder, "init")
    add_rule(folder)
    return folder


def refused_alike(folder: Path, done: subprocess.CompletedProcess[str], problem: str,
                  before: dict[str, bytes], commit: str) -> None:
    assert done.returncode == 1, (done.args, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    assert problem in done.stderr, done.stderr
    assert snapshot(folder) == before and head(folder) == commit
    assert status_porcelain(folder) == ""


PATHS = ["new", "set", "move", "edit", "import csv", "import json"]


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("problem", [RULE_PROBLEM, PHONE_PROBLEM])
def test_every_path_refuses_the_same_candidate_alike(repo, tmp_path, path, problem):
    item = ok(repo, "new", "issue", "Witness")
    breaks_rule = problem == RULE_PROBLEM
    title = "Witness" if breaks_rule else f"Appeler le {PHONE}"
    status = "done" if breaks_rule else "open"
    before, commit = snapshot(repo), head(repo)
    if path == "new":
        done = run_tracker(repo, "new", "issue", title, "--set", f"status={status}")
    elif path == "set":
        done = run_tracker(repo, "set", item, f"title={title}", f"status={status}")
    elif path == "move":
        if not breaks_rule:
            pytest.skip("move changes the status only: the title is not its to write")
        done = run_tracker(repo, "move", item, "done", "--force")
    elif path == "edit":
        script = editor_script(tmp_path, "ed", (
            "text = path.read_text()\n"
            f"text = text.replace('title: Witness', 'title: {title}')\n"
            f"text = text.replace('status: open', 'status: {status}')\n"
            "path.write_text(text)"))
        done = run_tracker(repo, "edit", item, env={"EDITOR": script, "VISUAL": script},
                           input="n\n")
    elif path == "import csv":
        source = tmp_path / "in.csv"
        source.write_text(f"title,status\n{title},{status}\n", encoding="utf-8")
        done = run_tracker(repo, "import", "csv", str(source), "--kind", "issue")
        assert done.stderr.startswith(f"{source}:2: {problem}"), done.stderr
    else:
        source = tmp_path / "in.json"
        source.write_text(json.dumps([{"id": "issue-zzzzzz", "kind": "issue", "title": title,
                                       "status": status}], indent=1), encoding="utf-8")
        done = run_tracker(repo, "import", "json", str(source))
        assert done.stderr.startswith(f"{source}:2: {problem}"), done.stderr
    refused_alike(repo, done, problem, before, commit)


def test_the_set_that_resolves_a_merge_conflict_goes_through_the_gate(tmp_path):
    remote, first, [item] = seeded(tmp_path)
    add_rule(first)
    git(first, "push", "-q", "origin", "main")
    second = clone(remote, tmp_path / "second")
    ok(second, "init")
    ok(first, "set", item, "status=in-progress")
    git(first, "push", "-q", "origin", "main")
    ok(second, "set", item, "status=closed")
    assert run_tracker(second, "sync").returncode != 0  # the same field: a conflict
    conflicted = (second / "issues" / f"{item}.md").read_bytes()
    refused = run_tracker(second, "set", item, "status=done")
    assert refused.returncode == 1 and RULE_PROBLEM in refused.stderr, refused.stderr
    assert (second / "issues" / f"{item}.md").read_bytes() == conflicted
    refused = run_tracker(second, "set", item, "status=open", f"title=Appeler le {PHONE}")
    assert refused.returncode == 1 and PHONE_PROBLEM in refused.stderr, refused.stderr
    assert (second / "issues" / f"{item}.md").read_bytes() == conflicted
    done = run_tracker(second, "set", item, "status=done", "assignee=ada")
    assert done.returncode == 0, done.stderr
    assert run_tracker(second, "check").returncode == 0


# ---------------------------------------------------------------- the campaign's imports


@pytest.fixture
def camp(tmp_path: Path) -> Path:
    folder = tmp_path / "camp"
    folder.mkdir()
    git(folder, "init", "-q")
    ok(folder, "init", "--template", "campaign")
    return folder


def listed(folder: Path, kind: str) -> list[dict]:
    return json.loads(ok(folder, "list", kind, "--format", "json"))


def test_session_counts_that_do_not_add_up_are_refused_by_the_console_script(camp, tmp_path):
    team = json.loads(ok(camp, "new", "team", "Nord", "--format", "json"))["id"]
    source = tmp_path / "sessions.csv"
    source.write_text("title,date,team,knocked,not_home,positive\n"
                      f"Samedi,2027-03-06,{team},10,6,4\nDimanche,2027-03-07,{team},10,6,3\n",
                      encoding="utf-8")
    done = run_tracker(camp, "import", "csv", str(source), "--kind", "session")
    assert done.returncode == 1
    assert done.stderr.startswith(f"{source}:3: knocked: ") and \
        len(done.stderr.splitlines()) == 1, done.stderr
    assert [s["title"] for s in listed(camp, "session")] == ["Samedi"]
    assert run_tracker(camp, "check").returncode == 0 and status_porcelain(camp) == ""


def test_a_json_item_without_a_title_is_refused_by_the_console_script(camp, tmp_path):
    source = tmp_path / "export.json"
    source.write_text(json.dumps([
        {"id": "team-aaaaaa", "kind": "team", "title": "Nord", "status": "forming"},
        {"id": "team-bbbbbb", "kind": "team", "status": "forming"}], indent=2),
        encoding="utf-8")
    done = run_tracker(camp, "import", "json", str(source))
    assert done.returncode == 1
    assert done.stderr == f"{source}:8: title: is required\n"  # where it starts
    assert [t["id"] for t in listed(camp, "team")] == ["team-aaaaaa"]
    assert run_tracker(camp, "check").returncode == 0


def test_a_reference_in_an_import_names_the_nearest_item(camp, tmp_path):
    team = json.loads(ok(camp, "new", "team", "Saint-Denis centre", "--format", "json"))["id"]
    source = tmp_path / "sessions.csv"
    source.write_text("title,date,team,bureau\nSamedi,2027-03-06,Saint-Denis centre,\n"
                      f"Dimanche,2027-03-07,{team},93066_9999\nLundi,2027-03-08,{team},\n",
                      encoding="utf-8")
    done = run_tracker(camp, "import", "csv", str(source), "--kind", "session")
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        f"{source}:2: team: broken reference: no item 'Saint-Denis centre'; did you mean "
        f"'{team}' (Saint-Denis centre)?",
        f"{source}:3: bureau: broken reference: no item '93066_9999'"]
    assert [s["title"] for s in listed(camp, "session")] == ["Lundi"]


def test_dry_run_through_the_console_script_writes_nothing(camp, tmp_path):
    source = tmp_path / "teams.csv"
    source.write_text(f"title,leader\nNord,mob-93-001\nSud {PHONE},mob-93-002\n",
                      encoding="utf-8")
    before, commit = snapshot(camp), head(camp)
    done = run_tracker(camp, "import", "csv", str(source), "--kind", "team", "--dry-run",
                       "--format", "json")
    assert done.returncode == 1  # a row would be refused
    out = json.loads(done.stdout)
    assert (out["created"], out["dry_run"]) == (1, True)
    assert [(r["line"], r["field"]) for r in out["refused"]] == [(3, "title")]
    assert snapshot(camp) == before and head(camp) == commit and status_porcelain(camp) == ""
    assert PHONE not in git(camp, "log", "-p", "--all")


# ---------------------------------------------------------------- section 5


DATA = Path(__file__).parent.parent / "data"


def test_a_rest_dump_keeps_both_number_ones_author_and_date(tmp_path):
    folder = tmp_path / "repo"
    folder.mkdir()
    git(folder, "init", "-q")
    ok(folder, "init")
    done = run_tracker(folder, "import", "github", str(DATA / "github-rest" / "issues.json"),
                       "--format", "json")
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert json.loads(done.stdout)["pull_requests_skipped"] == 1
    assert done.stderr == "Skipped 1 pull request(s): only issues are imported.\n"
    items = {r["github_issue"]: r for r in json.loads(ok(folder, "list", "--format", "json"))}
    assert sorted(items) == ["octo-org/alpha#1", "octo-org/beta#1"]
    assert items["octo-org/alpha#1"]["author"] == "octocat"
    assert items["octo-org/alpha#1"]["created"] == "2011-04-22T13:33:48+00:00"
    assert items["octo-org/beta#1"]["author"] == "monalisa"


def test_git_issue_comments_come_in_time_order_through_the_console_script(tmp_path):
    folder = tmp_path / "repo"
    folder.mkdir()
    git(folder, "init", "-q")
    ok(folder, "init")
    issues = tmp_path / "gi" / ".issues"
    issues.mkdir(parents=True)
    git(issues, "init", "-q")

    def commit(message: str, when: str) -> str:
        env = {**os.environ, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
        subprocess.run(["git", "commit", "-q", "--allow-empty", "-m", message], cwd=issues,
                       env=env, check=True)
        return git(issues, "rev-parse", "HEAD").strip()

    isha = commit("gi: Add issue\n\ngi new mark", "2024-01-01T09:00:00+00:00")
    where = issues / "issues" / isha[:2] / isha[2:]
    (where / "comments").mkdir(parents=True)
    (where / "description").write_text("Printer jams\n")
    dates = ["2024-03-05T10:00:00+01:00", "2024-01-20T12:00:00+00:00",
             "2024-02-10T12:00:00+00:00"]
    for attempt in range(20):  # until file-name order is not time order
        shas = [commit(f"gi: Add comment\n\ngi comment mark {isha} {attempt}", d)
                for d in dates]
        if sorted(shas) != [shas[1], shas[2], shas[0]]:
            break
    for sha, when in zip(shas, dates):
        (where / "comments" / sha).write_text(f"Comment dated {when}\n")
    done = run_tracker(folder, "import", "git-issue", str(tmp_path / "gi"))
    assert done.returncode == 0, done.stderr
    [record] = json.loads(ok(folder, "list", "--format", "json"))
    body = json.loads(ok(folder, "show", record["id"], "--format", "json"))["body"]
    found = [line.removeprefix("Comment dated ") for line in body.splitlines()
             if line.startswith("Comment dated ")]
    assert found == [dates[1], dates[2], dates[0]]
