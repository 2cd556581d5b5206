"""Hostile files given to the tracker importers (github, json, backlog, git-issue): each
bad one is one line naming the file and the record's line, exit 1, no traceback, and
nothing written; a Backlog.md folder's odd files are skipped one line each."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import as_json, assert_one_line_error, run_tracker, snapshot, write_tree

URL = "https://github.com/o/r/issues/1"


def issue(**fields):
    return {"number": 1, "title": "t", "url": URL, **fields}


BAD_GITHUB = [
    ({"number": 1}, 1, "expected a JSON array of issues, found an object"),
    ("text", 1, "expected a JSON array of issues, found text"),
    ([1], 2, "issue 1: expected an object, found a number"),
    ([issue(), [issue()]], 7, "issue 2: expected an object, found a list"),
    ([{"title": "t", "url": URL}], 2, "issue 1: needs 'number'"),
    ([issue(number="abc")], 2, "'number' must be a whole number, found text"),
    ([issue(number=True)], 2, "'number' must be a whole number, found true/false"),
    ([issue(number=1.5)], 2, "'number' must be a whole number"),
    ([issue(number=0)], 2, "'number' must be a whole number"),
    ([issue(title=None)], 2, "needs 'title'"),
    ([issue(title=["x"])], 2, "needs 'title'"),
    ([issue(labels="bug")], 2, "'labels' must be a list, found text"),
    ([issue(labels=[1])], 2, "'labels' holds a number"),
    ([issue(labels=[{"name": None}])], 2, "'labels' holds an object"),
    ([issue(comments="3")], 2, "'comments' must be a list (gh) or a count (REST)"),
    ([issue(comments=[1])], 2, "comment 1 must be an object"),
    ([issue(comments=[{"author": 5}])], 2, "comment 1: 'author' must be an object"),
    ([issue(user=[1])], 2, "'user' must be an object with a login"),
    ([issue(author={"login": 7})], 2, "'author.login' must be text"),
    ([issue(assignees={"login": "x"})], 2, "'assignees' must be a list"),
    ([issue(created_at="yesterday")], 2, "'created_at' is not a date and time"),
    ([issue(createdAt=20270101)], 2, "'createdAt' must be text"),
    ([issue(body={"x": 1})], 2, "'body' must be text"),
    ([issue(milestone=3)], 2, "'milestone' must be an object or text"),
    ([issue(state=1)], 2, "'state' must be text"),
    ([issue(url="https://github.com/../x/issues/1")], 2, "cannot tell which repository"),
    ([issue(url="file:///etc/passwd")], 2, "cannot tell which repository"),
]


@pytest.mark.parametrize("data,line,message", BAD_GITHUB, ids=[m for _, _, m in BAD_GITHUB])
def test_a_bad_github_dump_is_one_located_line(repo, invoke, tmp_path, data, line, message):
    source = tmp_path / "dump.json"
    source.write_text(json.dumps(data, indent=1), encoding="utf-8")
    before = snapshot(repo)
    r = invoke("import", "github", str(source))
    assert_one_line_error(r, 1, f"{source}:{line}:", message)
    assert snapshot(repo) == before


@pytest.mark.parametrize("text,fragment", [
    ("", "dump.json:1: invalid JSON"),
    ("[" * 100_000, "dump.json"),
    ('[{"number": 1, "title": "t"', "dump.json:1: invalid JSON"),
    ("\x00\x01", "dump.json:1: invalid JSON"),
    ('[{"number": 1, "title": "t", "url": "' + URL + '"}] trailing', "dump.json:1: invalid JSON"),
])
def test_text_that_is_not_json_is_refused(repo, tmp_path, text, fragment):
    source = tmp_path / "dump.json"
    source.write_text(text, encoding="utf-8")
    before = snapshot(repo)
    done = run_tracker(repo, "import", "github", str(source))
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.startswith("Error: ") and done.stderr.count("\n") == 1, done.stderr
    assert fragment in done.stderr
    assert snapshot(repo) == before


def test_a_hostile_repository_name_never_becomes_a_path(repo, invoke, tmp_path):
    write_tree(repo, {".tracker/kinds/ghissue.yaml":
                      "folder: gh\nid: {key: 'gh-{github_issue}'}\n"
                      "fields: {title: string, github_issue: string}\n"})
    source = tmp_path / "dump.json"
    source.write_text(json.dumps([issue(url="https://github.com/a-b/.x/issues/1"),
                                  issue(url="https://github.com/c/d..e/issues/2", number=2)],
                                 indent=1))
    before = snapshot(repo)
    trial = invoke("import", "github", str(source), "--kind", "ghissue", "--all-or-nothing")
    assert trial.exit_code == 1 and "Traceback" not in trial.stderr
    refusals = [line for line in trial.stderr.splitlines() if line.startswith(f"{source}:7:")]
    assert len(refusals) == 1 and "invalid id 'gh-c-d..e-2'" in refusals[0], trial.stderr
    assert snapshot(repo) == before  # --all-or-nothing: the good record is not written either
    r = invoke("import", "github", str(source), "--kind", "ghissue")
    assert r.exit_code == 1 and f"{source}:7:" in r.stderr  # refused; the good one written
    assert sorted(p.name for p in (repo / "gh").iterdir()) == ["gh-a-b-.x-1.md"]


def test_the_same_issue_twice_in_one_dump_is_one_item(repo, invoke, tmp_path):
    source = tmp_path / "dump.json"
    source.write_text(json.dumps([issue(title="first"), issue(title="second")]))
    r = invoke("import", "github", str(source), "--format", "json")
    assert r.exit_code == 0, r.stderr
    assert [i["title"] for i in as_json(invoke("list", "--format", "json"))] == ["second"]


@pytest.mark.parametrize("data,line,message", [
    ({"id": "x"}, 1, "expected a JSON array of items"),
    ([{"id": "x"}], 2, "entry 1: needs 'id' and 'kind'"),
    ([{"id": ["x"], "kind": "issue"}], 2, "entry 1: 'id' and 'kind' must be text"),
    ([{"id": "x", "kind": {"a": 1}}], 2, "entry 1: 'id' and 'kind' must be text"),
])
def test_a_bad_export_is_one_located_line(repo, invoke, tmp_path, data, line, message):
    source = tmp_path / "export.json"
    source.write_text(json.dumps(data, indent=1), encoding="utf-8")
    before = snapshot(repo)
    assert_one_line_error(invoke("import", "json", str(source)), 1, f"{source}:{line}:",
                          message)
    assert snapshot(repo) == before


def test_odd_files_of_a_backlog_project_are_skipped_one_line_each(repo, invoke, tmp_path):
    tasks = tmp_path / "p" / "backlog" / "tasks"
    write_tree(tasks.parent, {
        "config.yml": "statuses: [To Do, Done\n",  # unreadable: the defaults
        "tasks/task-1 - Good.md": "---\nid: task-1\ntitle: Good\nstatus: Done\n---\n",
        "tasks/task-2 - Binary.md": b"---\nid: task-2\ntitle: \xff\xfe\n---\n",
        "tasks/task-3 - Alias.md": "---\nid: &a task-3\ntitle: *a\n---\n",
        "tasks/task-4 - Tag.md": "---\nid: task-4\ntitle: !!python/object:os.system x\n---\n",
        "tasks/task-5 - List.md": "---\n- a\n- b\n---\n",
        "tasks/task-6 - Line\nbreak.md": "no front matter\n::error::forged\n",
        "tasks/task-7 - Deep.md": "---\nid: task-7\ntitle: " + "[" * 200 + "]" * 200 + "\n---\n",
    })
    (tasks / "task-8 - Folder.md").mkdir()
    r = invoke("import", "backlog", str(tasks.parent.parent), "--format", "json")
    assert r.exit_code == 0, r.stderr
    assert "Traceback" not in r.stderr
    assert as_json(r) == {"created": 1, "updated": 0, "unchanged": 0, "skipped": 6,
                          "refused": []}
    lines = r.stderr.splitlines()
    assert len(lines) == 6 and all(": skipped: " in line for line in lines), lines
    assert not any(line.startswith("::") for line in lines)
    assert any("task-2 - Binary.md: skipped: not valid UTF-8 text" in line for line in lines)
    assert any("task-6 - Line\\nbreak.md: skipped: no front matter" in line for line in lines)
    assert [i["title"] for i in as_json(invoke("list", "--format", "json"))] == ["Good"]


def test_a_git_issue_folder_with_odd_comment_names(repo, invoke, tmp_path):
    """Comment files named like options or revisions are never given to git as such."""
    path = tmp_path / "gi" / ".issues" / "issues" / "ab" / "cdef"
    write_tree(path, {"description": "Title\n", "comments/--output=pwned": "one\n",
                      "comments/HEAD": "two\n", "comments/@{-1}": "three\n"})
    (tmp_path / "gi" / ".issues" / ".git").mkdir()  # not a repository: nothing to date
    r = invoke("import", "git-issue", str(tmp_path / "gi"))
    assert r.exit_code == 0, r.stderr
    assert "3 comment(s) have no commit" in r.stderr and "Traceback" not in r.stderr
    assert not any(Path(p).name == "pwned" for p in tmp_path.rglob("*"))
