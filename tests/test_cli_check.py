"""`tracker check [PATH...] [--format text|json|github]`."""

from __future__ import annotations

import json

import pytest

from tests.helpers import assert_error, commit_all, new_item, snapshot, write_kind, write_tree

GOOD = "---\ntitle: Good\nstatus: open\npriority: normal\n---\n"


def problems(invoke, *paths: str) -> list[dict]:
    r = invoke("check", *paths, "--format", "json")
    assert r.exit_code in (0, 1), r.stderr
    assert "Traceback" not in r.stderr
    found = json.loads(r.stdout)
    assert (r.exit_code == 1) == bool(found)
    return found


def one(invoke, repo, name: str, text: str | bytes) -> list[tuple]:
    write_tree(repo, {f"issues/{name}.md": text})
    return [(p["line"], p["field"], p["message"]) for p in problems(invoke)
            if p["path"] == f"issues/{name}.md"]


def test_a_clean_tracker(invoke, repo):
    new_item(invoke, "issue", "T", "tags=a", "due=2026-01-01")
    write_tree(repo, {"issues/good.md": GOOD})
    r = invoke("check")
    assert r.exit_code == 0, r.stdout + r.stderr
    assert r.stdout == ""
    assert invoke("check", "--format", "json").stdout.strip() == "[]"


@pytest.mark.parametrize("text, line, field, words", [
    ("---\ntitle: a\nstatus: open\ntags: [x\n---\n", 5, None, "invalid YAML"),
    ("---\ntitle: a\n  bad: indent\n---\n", 3, None, "invalid YAML"),
    ("---\ntitle: a\nstatus: wontfix\n---\n", 3, "status", "open, in-progress, done, closed"),
    ("---\ntitle: a\nstatus: open\npriority: critical\n---\n", 4, "priority",
     "low, normal, high, urgent"),
    ("---\ntitle: a\nstatus: open\npriority: 3\n---\n", 4, "priority", "expected text"),
    ("---\nstatus: open\n---\n", 1, "title", "required"),
    ("---\ntitle: a\nstatus: open\ndue: soon\n---\n", 4, "due", "date"),
    ("---\ntitle: a\nstatus: open\ndue: 2026-01-01T10:00:00\n---\n", 4, "due", "date"),
    ("---\ntitle: a\nstatus: open\ncreated: 2026-01-01\n---\n", 4, "created", "date and time"),
    ("---\ntitle: a\nstatus: open\ntags: terrain\n---\n", 4, "tags", "list"),
    ("---\ntitle: a\nstatus: open\ntitle: b\n---\n", 4, "title", "duplicate"),
    ("---\ntitle: a\nstatus: open\n", 1, None, "not closed"),
    ("no front matter\n", 1, None, "front matter"),
    (b"---\ntitle: a\nnote: caf\xe9\n---\n", 3, None, "UTF-8"),
])
def test_each_problem_is_located(invoke, repo, text, line, field, words):
    found = one(invoke, repo, "bad", text)
    assert found, "the problem was not reported"
    assert (found[0][0], found[0][1]) == (line, field)
    assert words in found[0][2]


def test_leftover_conflict_markers(invoke, repo):
    text = ("---\ntitle: a\n<<<<<<< HEAD\nstatus: open\n=======\nstatus: done\n"
            ">>>>>>> theirs\n---\n")
    found = one(invoke, repo, "conflicted", text)
    conflicts = {(line, field) for line, field, message in found if "conflict" in message}
    assert conflicts == {(3, "status")}  # one problem per conflict, naming its field
    assert not [m for _, _, m in found if "invalid YAML" in m]


def test_conflict_markers_in_the_body(invoke, repo):
    text = "---\ntitle: a\nstatus: open\n---\n<<<<<<< HEAD\nmine\n=======\ntheirs\n>>>>>>> b\n"
    found = one(invoke, repo, "body", text)
    assert {(line, field) for line, field, m in found if "conflict" in m} == {(5, None)}


def test_duplicate_ids_across_kinds(invoke, repo):
    write_kind(repo, "task", "folder: tasks\nfields:\n  title: string\n")
    write_tree(repo, {"issues/same-1.md": GOOD, "tasks/same-1.md": "---\ntitle: t\n---\n"})
    found = problems(invoke)
    assert any("duplicate id" in p["message"] for p in found)


def test_duplicate_ids_differing_in_case(invoke, repo):
    write_tree(repo, {"issues/Case-1.md": GOOD, "issues/case-1.md": GOOD})
    assert any("duplicate id" in p["message"] for p in problems(invoke))


def test_broken_refs(invoke, repo):
    write_kind(repo, "report", "folder: reports\nfields:\n  title: string\n"
                               "  issue: {type: ref, kind: issue}\n"
                               "  seealso: {type: list, of: ref}\n"
                               "  any: ref\n")
    write_tree(repo, {
        "issues/target.md": GOOD,
        "reports/ok.md": "---\ntitle: ok\nissue: target\nseealso: [target]\nany: target\n---\n",
        "reports/bad.md": "---\ntitle: bad\nissue: ghost\nseealso: [target, phantom]\n"
                          "any: nowhere\n---\n",
        "reports/wrongkind.md": "---\ntitle: w\nissue: ok\n---\n",
    })
    found = [(p["path"], p["line"], p["field"]) for p in problems(invoke)
             if "broken reference" in p["message"]]
    assert sorted(found) == [("reports/bad.md", 3, "issue"), ("reports/bad.md", 4, "seealso"),
                             ("reports/bad.md", 5, "any"), ("reports/wrongkind.md", 3, "issue")]


def test_id_pattern(invoke, repo):
    write_kind(repo, "bureau", "folder: bureaux\nid: {key: '{code}', pattern: '[0-9]{5}'}\n"
                               "fields: {title: string, code: string}\n")
    write_tree(repo, {"bureaux/75120.md": "---\ntitle: ok\n---\n",
                      "bureaux/abc.md": "---\ntitle: no\n---\n"})
    found = [p for p in problems(invoke) if "pattern" in p["message"]]
    assert [p["path"] for p in found] == ["bureaux/abc.md"]


def test_strict_kind_reports_unknown_fields(invoke, repo):
    write_kind(repo, "note", "folder: notes\nstrict: true\nfields:\n  title: string\n")
    write_tree(repo, {"notes/n.md": "---\ntitle: n\ncolour: red\n---\n",
                      "issues/open.md": GOOD.replace("---\n", "---\ncolour: red\n", 1)})
    found = [(p["path"], p["line"], p["field"]) for p in problems(invoke)]
    assert found == [("notes/n.md", 3, "colour")]


def test_pattern_and_bounds(invoke, repo):
    write_kind(repo, "bureau", "folder: bureaux\nfields:\n  title: string\n"
                               "  insee: {type: string, pattern: '[0-9]{5}'}\n"
                               "  score: {type: int, min: 0, max: 10}\n")
    write_tree(repo, {"bureaux/b.md": "---\ntitle: b\ninsee: '7512'\nscore: 11\n---\n"})
    found = {p["field"]: p["message"] for p in problems(invoke)}
    assert "pattern" in found["insee"] and "maximum" in found["score"]


def test_text_format(invoke, repo):
    write_tree(repo, {"issues/bad.md": "---\ntitle: a\nstatus: wontfix\n---\n",
                      "issues/good.md": GOOD})
    r = invoke("check")
    assert r.exit_code == 1
    assert r.stdout.splitlines() == [
        "issues/bad.md:3: status: 'wontfix' is not allowed; one of: open, in-progress, done, "
        "closed"]
    assert "Traceback" not in r.stderr


def test_json_format(invoke, repo):
    write_tree(repo, {"issues/bad.md": "---\ntitle: a\nstatus: wontfix\n---\n"})
    r = invoke("check", "--format", "json")
    assert r.exit_code == 1
    assert json.loads(r.stdout) == [{
        "path": "issues/bad.md", "line": 3, "field": "status",
        "message": "'wontfix' is not allowed; one of: open, in-progress, done, closed"}]


def test_github_format(invoke, repo):
    write_tree(repo, {"issues/bad.md": "---\ntitle: a\nstatus: wontfix\n---\n",
                      "issues/broken.md": "---\ntitle: [x\n---\n"})
    r = invoke("check", "--format", "github")
    assert r.exit_code == 1
    lines = r.stdout.splitlines()
    assert len(lines) == 2
    assert all(line.startswith("::error file=issues/") for line in lines)
    assert lines[0] == ("::error file=issues/bad.md,line=3::status: 'wontfix' is not allowed; "
                        "one of: open, in-progress, done, closed")
    assert lines[1].startswith("::error file=issues/broken.md,line=")


def test_paths_limit_the_check(invoke, repo):
    write_kind(repo, "note", "folder: notes\nfields:\n  title: {type: string, required: true}\n")
    write_tree(repo, {"issues/bad.md": "---\nstatus: wontfix\n---\n",
                      "notes/bad.md": "---\nother: 1\n---\n"})
    assert {p["path"] for p in problems(invoke, "notes")} == {"notes/bad.md"}
    assert {p["path"] for p in problems(invoke, "issues/bad.md")} == {"issues/bad.md"}
    assert {p["path"] for p in problems(invoke)} == {"issues/bad.md", "notes/bad.md"}


def test_check_changes_nothing(invoke, repo):
    write_tree(repo, {"issues/bad.md": "---\ntitle: [x\n---\n"})
    commit_all(repo)
    before = snapshot(repo)
    invoke("check")
    assert snapshot(repo) == before


def test_bad_format_is_a_usage_error(invoke):
    assert_error(invoke("check", "--format", "xml"), 2, "xml")
