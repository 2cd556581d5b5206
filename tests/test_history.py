"""History through the CLI: log, blame, --at, diff, check --since, on a known history."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import as_json, commit_all, git, run_tracker


def at(when: str) -> dict[str, str]:
    """Environment that dates commits and `created` fields at `when`."""
    return {"GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when, "TRACKER_NOW": when}


D1 = "2026-03-02T10:00:00+01:00"
D2 = "2026-03-05T11:00:00+01:00"
D3 = "2026-03-09T12:00:00+01:00"
D4 = "2026-03-12T13:00:00+01:00"
D5 = "2026-03-15T14:00:00+01:00"


@pytest.fixture
def story(repo: Path, invoke) -> dict[str, str]:
    """A: created D1, assignee set D2, status edited by hand by Bob at D3.
    B: created D3, deleted D4, re-created by hand D5."""
    a = invoke("new", "issue", "Imprimer les tracts", "--set", "priority=high",
               env=at(D1)).stdout.strip()
    shas = {"a": a, "c1": git(repo, "rev-parse", "HEAD").strip()}
    invoke("set", a, "assignee=mob-93-017", env=at(D2))
    shas["c2"] = git(repo, "rev-parse", "HEAD").strip()
    path = repo / "issues" / f"{a}.md"
    path.write_text(path.read_text().replace("status: open", "status: in-progress"))
    bob = {"GIT_AUTHOR_NAME": "Bob Hand", "GIT_AUTHOR_EMAIL": "bob@example.org"}
    git_env_commit(repo, "Bob moves it by hand", D3, bob)
    shas["c3"] = git(repo, "rev-parse", "HEAD").strip()
    b = invoke("new", "issue", "Réserver la salle", env=at(D3)).stdout.strip()
    shas["b"] = b
    b_path = repo / "issues" / f"{b}.md"
    b_text = b_path.read_text()
    git(repo, "rm", "-q", str(b_path))
    git_env_commit(repo, "remove B", D4)
    shas["c4"] = git(repo, "rev-parse", "HEAD").strip()
    b_path.write_text(b_text.replace("Réserver la salle", "Réserver la grande salle"))
    git_env_commit(repo, "bring B back", D5)
    shas["c5"] = git(repo, "rev-parse", "HEAD").strip()
    return shas


def git_env_commit(repo: Path, message: str, when: str, extra: dict[str, str] | None = None):
    import os
    import subprocess

    env = {**os.environ, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when, **(extra or {})}
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True, env=env)
    subprocess.run(["git", "commit", "-q", "-m", message], cwd=repo, check=True, env=env)


def test_log_of_one_item_is_field_level_newest_first(invoke, story):
    entries = as_json(invoke("log", story["a"], "--format", "json"))
    assert [e["message"] for e in entries] == [
        "Bob moves it by hand", f"set {story['a']}: assignee=mob-93-017",
        f"new {story['a']}: Imprimer les tracts"]
    hand, setter, creation = entries
    assert hand["author"] == "Bob Hand" and hand["email"] == "bob@example.org"
    assert hand["date"] == D3 and hand["commit"] == story["c3"]
    assert hand["changes"] == {"status": {"old": "open", "new": "in-progress"}}
    assert hand["created"] is False and hand["deleted"] is False
    assert hand["body_changed"] is False
    assert setter["changes"] == {"assignee": {"old": None, "new": "mob-93-017"}}
    assert creation["created"] is True
    assert creation["changes"]["title"] == {"old": None, "new": "Imprimer les tracts"}
    assert creation["changes"]["priority"] == {"old": None, "new": "high"}
    assert set(hand) == {"commit", "author", "email", "date", "message", "created", "deleted",
                         "body_changed", "changes"}


def test_log_follows_a_deleted_and_recreated_item(invoke, story):
    entries = as_json(invoke("log", story["b"], "--format", "json"))
    assert [(e["created"], e["deleted"]) for e in entries] == [
        (True, False), (False, True), (True, False)]
    assert entries[0]["changes"]["title"]["new"] == "Réserver la grande salle"


def test_log_since_and_until(invoke, story):
    entries = as_json(invoke("log", story["a"], "--since", "2026-03-04", "--until",
                             "2026-03-05", "--format", "json"))
    assert [e["commit"] for e in entries] == [story["c2"]]


def test_log_of_the_whole_tracker_groups_items_by_commit(invoke, story):
    entries = as_json(invoke("log", "--format", "json"))
    by_commit = {e["commit"]: e for e in entries}
    assert [i["id"] for i in by_commit[story["c4"]]["items"]] == [story["b"]]
    assert by_commit[story["c4"]]["items"][0]["deleted"] is True
    assert story["c1"] in by_commit


def test_log_text_names_changes(invoke, story):
    result = invoke("log", story["a"])
    assert result.exit_code == 0
    assert "status: open -> in-progress" in result.stdout
    assert "Bob Hand" in result.stdout


def test_body_change_is_flagged(invoke, repo, story):
    path = repo / "issues" / f"{story['a']}.md"
    path.write_text(path.read_text() + "Une note de terrain.\n")
    commit_all(repo, "note", date=D5)
    entry = as_json(invoke("log", story["a"], "--format", "json"))[0]
    assert entry["body_changed"] is True and entry["changes"] == {}


def test_blame_names_the_commit_that_set_each_field(invoke, story):
    blame = as_json(invoke("blame", story["a"], "--format", "json"))
    assert blame["status"] == {"commit": story["c3"], "author": "Bob Hand", "date": D3}
    assert blame["assignee"]["commit"] == story["c2"]
    assert blame["title"]["commit"] == story["c1"]
    assert blame["priority"]["date"] == D1


def test_blame_marks_uncommitted_values(invoke, story):
    invoke("set", story["a"], "priority=low", "--no-commit")
    blame = as_json(invoke("blame", story["a"], "--format", "json"))
    assert blame["priority"]["commit"] is None


def test_show_at_revision_and_date(invoke, repo, story):
    before = (repo / "issues" / f"{story['a']}.md").read_bytes()
    status_before = git(repo, "status", "--porcelain")
    old = as_json(invoke("show", story["a"], "--at", story["c1"], "--format", "json"))
    assert old["status"] == "open" and "assignee" not in old
    by_date = as_json(invoke("show", story["a"], "--at", "2026-03-05", "--format", "json"))
    assert by_date["assignee"] == "mob-93-017" and by_date["status"] == "open"
    by_time = as_json(invoke("show", story["a"], "--at", "2026-03-09T11:59:00+01:00",
                             "--format", "json"))
    assert by_time["status"] == "open"
    assert (repo / "issues" / f"{story['a']}.md").read_bytes() == before
    assert git(repo, "status", "--porcelain") == status_before


def test_list_at_a_date_before_an_item_existed(invoke, story):
    ids = invoke("list", "--at", "2026-03-03", "--format", "ids").stdout.split()
    assert ids == [story["a"]]
    between = invoke("list", "--at", story["c4"], "--format", "ids").stdout.split()
    assert story["b"] not in between
    now_ids = invoke("list", "--format", "ids").stdout.split()
    assert sorted(now_ids) == sorted([story["a"], story["b"]])


def test_at_a_date_before_any_commit_is_an_error(invoke, story):
    result = invoke("list", "--at", "2001-01-01")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: ")


def test_diff_between_two_revisions(invoke, story):
    diff = as_json(invoke("diff", story["c1"], story["c3"], "--format", "json"))
    assert diff["added"] == [] and diff["removed"] == []
    assert diff["changed"] == [{
        "id": story["a"], "kind": "issue", "title": "Imprimer les tracts",
        "fields": {"assignee": {"old": None, "new": "mob-93-017"},
                   "status": {"old": "open", "new": "in-progress"}},
        "body_changed": False}]
    removal = as_json(invoke("diff", story["c3"], story["c4"], "--format", "json"))
    assert removal["removed"] == [] and removal["added"] == []
    created = as_json(invoke("diff", story["c3"], git_rev(invoke, "HEAD~2"), "--format", "json"))
    assert [e["id"] for e in created["added"]] == [story["b"]]
    gone = as_json(invoke("diff", git_rev(invoke, "HEAD~2"), story["c4"], "--format", "json"))
    assert gone["removed"] == [{"id": story["b"], "kind": "issue",
                                "title": "Réserver la salle"}]


def git_rev(invoke, rev: str) -> str:
    import os

    return git(Path(os.getcwd()), "rev-parse", rev).strip()


def test_diff_against_the_work_tree(invoke, repo, story):
    invoke("set", story["a"], "priority=urgent", "--no-commit")
    (repo / "issues" / "issue-byhand.md").write_text("---\ntitle: Copié à la main\n---\n")
    diff = as_json(invoke("diff", "--format", "json"))
    assert [e["id"] for e in diff["added"]] == ["issue-byhand"]
    assert diff["changed"][0]["fields"] == {"priority": {"old": "high", "new": "urgent"}}
    one_rev = as_json(invoke("diff", story["c1"], "--format", "json"))
    assert one_rev["changed"][0]["fields"]["priority"] == {"old": "high", "new": "urgent"}


def test_diff_merge_base_form(invoke, repo, story):
    git(repo, "checkout", "-q", "-b", "feature", story["c3"])
    invoke("set", story["a"], "tags=terrain", env=at(D4))
    git(repo, "checkout", "-q", "main")
    invoke("set", story["a"], "priority=low", env=at(D5))
    diff = as_json(invoke("diff", "main...feature", "--format", "json"))
    assert diff["changed"][0]["fields"] == {"tags": {"old": None, "new": ["terrain"]}}
    assert diff["added"] == [] and diff["removed"] == []


def test_diff_md_is_a_review_summary(invoke, repo, story):
    path = repo / "issues" / f"{story['a']}.md"
    path.write_text(path.read_text().replace("priority: high", "priority: hgh"))
    invoke("new", "issue", "<script>alert(1)</script> | pipe", "--no-commit")
    md = invoke("diff", story["c1"], "--format", "md").stdout
    assert "### Tracker changes: 2 added, 1 changed, 0 removed" in md
    assert "| open → in\\-progress |" in md or "open → in-progress" in md
    assert "<script>" not in md and "&lt;script&gt;" in md
    assert "\\| pipe" in md
    assert "priority" in md and "hgh" in md
    assert "Problems this change introduces" in md


def test_check_since_only_looks_at_changed_items(invoke, repo, story):
    path = repo / "issues" / f"{story['a']}.md"
    path.write_text(path.read_text().replace("priority: high", "priority: hgh"))
    commit_all(repo, "break A", date=D5)
    broken_sha = git(repo, "rev-parse", "HEAD").strip()
    invoke("new", "issue", "Fine", env=at(D5))
    result = invoke("check", "--since", broken_sha, "--format", "json")
    assert result.exit_code == 0 and json.loads(result.stdout) == []
    result = invoke("check", "--since", story["c5"], "--format", "json")
    assert result.exit_code == 1
    assert [p["field"] for p in json.loads(result.stdout)] == ["priority"]


@pytest.mark.parametrize("args", [
    ["diff", "--upload-pack=touch /tmp/pwned"],
    ["diff", "--output=/tmp/x"],
    ["show", "x", "--at", "--upload-pack=evil"],
    ["list", "--at", "-n1"],
    ["check", "--since", "--exec=evil"],
    ["diff", "HEAD", "--no-index"],
])
def test_option_like_revisions_are_refused(invoke, story, args):
    result = invoke(*args)
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_option_like_revision_through_the_installed_cli(repo, story):
    done = run_tracker(repo, "diff", "--", "--upload-pack=touch pwned")
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("Error: invalid revision")
    assert not (repo / "pwned").exists()


def test_unknown_revision_is_one_clear_line(invoke, story):
    result = invoke("diff", "no-such-branch")
    assert result.exit_code == 2
    assert result.stderr.strip() == "Error: unknown revision 'no-such-branch'"
