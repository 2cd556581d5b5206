"""`tracker new KIND TITLE [--set F=V]... [--body TEXT | --body-file PATH|-]`."""

from __future__ import annotations

import json
import re

import pytest

from tests.helpers import (
    assert_error,
    assert_one_line_error,
    git,
    head,
    item_file,
    log_subjects,
    new_item,
    snapshot,
    status_porcelain,
    write_kind,
    write_tree,
)

REPORT_KIND = """\
folder: reports
strict: true
id:
  scheme: key
  key: "{station}-{day}"
fields:
  title: {type: string, required: true}
  station: {type: string, required: true, pattern: "[0-9]{5}-[0-9]{4}", quote: true}
  day: {type: date, required: true}
  knocked: {type: int, min: 0, default: 0}
  rate: float
  urgent: {type: bool, default: false}
  seen: datetime
  counts: {type: list, of: int}
  issue: {type: ref, kind: issue}
workflow:
  statuses: [draft, final]
  transitions:
    draft: [final]
"""


def test_new_prints_the_id_and_writes_the_canonical_file(invoke, repo):
    r = invoke("new", "issue", "Imprimer les tracts", "--set", "priority=high",
               "--set", "tags=terrain,impression", "--body", "Deux mille tracts.")
    assert r.exit_code == 0, r.stderr
    item_id = r.stdout.strip()
    assert r.stdout == item_id + "\n"
    assert re.fullmatch(r"issue-[0-9a-z]{8}", item_id)
    assert item_file(repo, item_id).read_bytes() == (
        b"---\n"
        b"title: Imprimer les tracts\n"
        b"status: open\n"
        b"priority: high\n"
        b"tags: [terrain, impression]\n"
        b"created: 2026-03-01T10:00:00+01:00\n"
        b"---\n"
        b"Deux mille tracts.\n"
    )


def test_new_writes_defaults_in_schema_order_whatever_the_order_of_set(invoke, repo):
    item_id = new_item(invoke, "issue", "T", "due=2026-05-01", "assignee=nadia", "tags=[a, b]")
    lines = item_file(repo, item_id).read_text().splitlines()
    keys = [line.split(":")[0] for line in lines[1:lines.index("---", 1)]]
    assert keys == ["title", "status", "priority", "assignee", "tags", "due", "created"]


def test_new_puts_unknown_fields_after_the_schema_fields(invoke, repo):
    item_id = new_item(invoke, "issue", "T", "zone=nord")
    text = item_file(repo, item_id).read_text()
    assert text.index("created:") < text.index("zone: nord")


def test_new_commits_exactly_the_new_file(invoke, repo):
    write_tree(repo, {"unrelated.txt": "staged but not ours\n", "loose.txt": "untracked\n"})
    git(repo, "add", "unrelated.txt")
    item_id = new_item(invoke, "issue", "Imprimer les tracts")
    assert log_subjects(repo)[0] == f"new {item_id}: Imprimer les tracts"
    files = git(repo, "show", "--name-only", "--format=", "HEAD").split()
    assert files == [f"issues/{item_id}.md"]
    status = status_porcelain(repo)
    assert "A  unrelated.txt" in status and "?? loose.txt" in status


def test_new_with_json_format(invoke, repo):
    r = invoke("new", "issue", "T", "--format", "json")
    data = json.loads(r.stdout)
    assert set(data) == {"id", "path"}
    assert data["path"] == f"issues/{data['id']}.md"
    assert (repo / data["path"]).is_file()


@pytest.fixture
def invoke_in_sub(git_repo, monkeypatch):
    """A tracker in a sub folder of the repository."""
    from tests.helpers import make_invoke

    sub = git_repo / "sub"
    sub.mkdir()
    monkeypatch.chdir(sub)
    assert make_invoke(sub)("init").exit_code == 0
    return make_invoke(sub)


def test_new_json_path_is_relative_to_the_repository_top(git_repo, invoke_in_sub):
    invoke = invoke_in_sub
    data = json.loads(invoke("new", "issue", "T", "--format", "json").stdout)
    assert data["path"] == f"sub/issues/{data['id']}.md"
    assert (git_repo / data["path"]).is_file()


def test_body_from_a_file(invoke, repo, tmp_path):
    body = tmp_path / "body.md"
    body.write_text("# Notes\n\nLigne é.\n", encoding="utf-8")
    item_id = new_item(invoke, "issue", "T", args=("--body-file", str(body)))
    assert item_file(repo, item_id).read_text(encoding="utf-8").endswith(
        "---\n# Notes\n\nLigne é.\n")


def test_body_from_stdin(invoke, repo):
    r = invoke("new", "issue", "T", "--body-file", "-", input="from stdin\n")
    assert r.exit_code == 0, r.stderr
    assert item_file(repo, r.stdout.strip()).read_text().endswith("---\nfrom stdin\n")


def test_no_commit_writes_but_does_not_commit(invoke, repo):
    before = head(repo)
    item_id = new_item(invoke, "issue", "T", args=("--no-commit",))
    assert head(repo) == before
    assert status_porcelain(repo) == "?? issues/\n"
    assert item_file(repo, item_id).is_file()


@pytest.mark.parametrize("setting", ["commit: off", 'commit: "off"'])
def test_config_commit_off(invoke, repo, setting):
    """`commit: off` as the issue and the default config's comment write it (plain YAML)."""
    config = repo / ".tracker" / "config.yaml"
    config.write_text(config.read_text().replace("commit: auto", setting))
    git(repo, "commit", "-qam", "commit off")
    before = head(repo)
    item_id = new_item(invoke, "issue", "T")
    assert head(repo) == before
    assert item_file(repo, item_id).is_file()


def test_git_author_is_honoured(invoke, repo):
    env = {"GIT_AUTHOR_NAME": "Nadia Militante", "GIT_AUTHOR_EMAIL": "nadia@example.org",
           "GIT_COMMITTER_NAME": "Robot", "GIT_COMMITTER_EMAIL": "robot@example.org"}
    r = invoke("new", "issue", "T", env=env)
    assert r.exit_code == 0, r.stderr
    assert git(repo, "log", "-1", "--format=%an <%ae>|%cn <%ce>|%aI").strip() == (
        "Nadia Militante <nadia@example.org>|Robot <robot@example.org>|"
        "2026-03-01T10:00:00+01:00")


def test_git_user_config_is_used_without_env(invoke, repo, monkeypatch):
    for name in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME",
                 "GIT_COMMITTER_EMAIL"):
        monkeypatch.delenv(name)
    git(repo, "config", "user.name", "Local User")
    git(repo, "config", "user.email", "local@example.org")
    new_item(invoke, "issue", "T")
    assert git(repo, "log", "-1", "--format=%an <%ae>").strip() == "Local User <local@example.org>"


def test_every_type_is_parsed_by_its_field(invoke, repo):
    write_kind(repo, "report", REPORT_KIND)
    issue = new_item(invoke, "issue", "Linked")
    item_id = new_item(invoke, "report", "Belleville", "station=75120-0012", "day=2012-04-14",
                       "knocked=212", "rate=0.5", "urgent=yes", "counts=[1, 2, 3]",
                       f"issue={issue}", "seen=2012-04-14T18:00:00+02:00")
    assert item_id == "75120-0012-2012-04-14"
    assert item_file(repo, item_id, "reports").read_text() == (
        "---\n"
        "title: Belleville\n"
        "status: draft\n"
        'station: "75120-0012"\n'
        "day: 2012-04-14\n"
        "knocked: 212\n"
        "rate: 0.5\n"
        "urgent: true\n"
        "seen: 2012-04-14T18:00:00+02:00\n"
        "counts: [1, 2, 3]\n"
        f"issue: {issue}\n"
        "---\n"
    )
    assert invoke("check").exit_code == 0


def test_natural_key_for_the_same_record_is_refused_not_overwritten(invoke, repo):
    write_kind(repo, "report", REPORT_KIND)
    item_id = new_item(invoke, "report", "A", "station=75120-0012", "day=2012-04-14")
    before = snapshot(repo)
    r = invoke("new", "report", "B", "--set", "station=75120-0012", "--set", "day=2012-04-14")
    assert_one_line_error(r, 1, "exists already", item_id)
    assert snapshot(repo) == before


def test_natural_key_cannot_escape_the_folder(invoke, repo):
    write_kind(repo, "place", "folder: places\nid: {key: '{code}'}\n"
                              "fields: {title: string, code: string}\n")
    before = snapshot(repo)
    r = invoke("new", "place", "x", "--set", "code=../../etc/passwd")
    assert_one_line_error(r, 1, "invalid id")
    r = invoke("new", "place", "x", "--set", "code=CON")
    assert_one_line_error(r, 1, "reserved")
    assert snapshot(repo) == before
    item_id = new_item(invoke, "place", "x", "code=/etc/passwd")
    assert (repo / "places" / f"{item_id}.md").is_file()
    assert "/" not in item_id


# ---------------------------------------------------------------- invalid input


@pytest.mark.parametrize("args, code, fragments", [
    (["issue", "T", "--set", "priority=critical"], 2,
     ["priority", "low, normal, high, urgent"]),
    (["issue", "T", "--set", "status=wontfix"], 2,
     ["status", "open, in-progress, done, closed"]),
    (["issue", "T", "--set", "due=2026-02-30"], 2, ["due", "a date like"]),
    (["issue", "T", "--set", "due=tomorrow"], 2, ["due", "a date like"]),
    (["issue", "T", "--set", "created=yesterday"], 2, ["created"]),
    (["issue", "T", "--set", "priority"], 2, ["FIELD=VALUE", "priority"]),
    (["issue", "T", "--set", "=x"], 2, ["FIELD=VALUE"]),
    (["issue", "T", "--set", "id=x"], 2, ["id"]),
    (["issue", "T", "--set", "overdue=true"], 2, ["overdue"]),
    (["issue", "T", "--set", "bad name=x"], 2, ["bad name"]),
    (["issue", "T", "--body", "a", "--body-file", "-"], 2, ["--body", "--body-file"]),
    (["nope", "T"], 1, ["unknown kind 'nope'", "issue"]),
])
def test_invalid_input_writes_nothing(invoke, repo, args, code, fragments):
    before, commit = snapshot(repo), head(repo)
    r = invoke("new", *args, input="body\n")
    assert_one_line_error(r, code, *fragments)
    assert snapshot(repo) == before
    assert head(repo) == commit
    assert status_porcelain(repo) == ""


def test_empty_title_is_refused(invoke, repo):
    """title is required: an empty title is no title."""
    before = snapshot(repo)
    r = invoke("new", "issue", "")
    assert_one_line_error(r, 2, "title")
    assert snapshot(repo) == before


def test_strict_kind_refuses_unknown_fields(invoke, repo):
    write_kind(repo, "report", REPORT_KIND)
    before, commit = snapshot(repo), head(repo)
    r = invoke("new", "report", "T", "--set", "station=75120-0012", "--set", "day=2012-01-01",
               "--set", "colour=red")
    assert_one_line_error(r, 2, "colour", "unknown field")
    assert snapshot(repo) == before and head(repo) == commit


@pytest.mark.parametrize("assignment, fragments", [
    ("station=75", ["station", "pattern"]),
    ("knocked=-1", ["knocked", "minimum"]),
    ("knocked=many", ["knocked", "a whole number"]),
    ("rate=fast", ["rate", "a number"]),
    ("urgent=perhaps", ["urgent", "true or false"]),
    ("counts=1,two", ["counts", "int"]),
])
def test_custom_kind_invalid_values(invoke, repo, assignment, fragments):
    write_kind(repo, "report", REPORT_KIND)
    before = snapshot(repo)
    sets = {"station": "75120-0012", "day": "2012-01-01"}
    name, value = assignment.split("=", 1)
    sets[name] = value
    options = [p for k, v in sets.items() for p in ("--set", f"{k}={v}")]
    r = invoke("new", "report", "T", *options)
    assert_one_line_error(r, 2, *fragments)
    assert snapshot(repo) == before


def test_missing_required_field_is_named(invoke, repo):
    write_kind(repo, "report", REPORT_KIND)
    before = snapshot(repo)
    r = invoke("new", "report", "T", "--set", "station=75120-0012")
    assert_one_line_error(r, 2, "day", "required")
    assert snapshot(repo) == before


def test_missing_body_file_is_a_usage_error(invoke, repo, tmp_path):
    before = snapshot(repo)
    r = invoke("new", "issue", "T", "--body-file", str(tmp_path / "missing.md"))
    assert_error(r, 2, "missing.md")
    assert snapshot(repo) == before


def test_outside_a_tracker(git_repo):
    from tests.helpers import make_invoke

    r = make_invoke(git_repo)("new", "issue", "T")
    assert_one_line_error(r, 1, "tracker init")
    assert list(git_repo.iterdir()) == [git_repo / ".git"]
