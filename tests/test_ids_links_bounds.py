"""Issue 15, section 4, through the installed CLI: ids that differ only by case are one id;
a kind folder that is a link out of the repository is named, never a clean empty tracker;
the reader's bounds on depth and size, so that what `check` accepts every command renders.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.helpers import commit_all, git, run_tracker, status_porcelain, write_kind, write_tree

CODE_KIND = """\
folder: things
id: {scheme: key, key: "{code}"}
fields:
  title: {type: string, required: true}
  code: {type: string}
"""


def one_error(done, *fragments: str) -> str:
    assert done.returncode == 1, (done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), done.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


def one_json_error(done, *fragments: str) -> dict:
    """A refusal under `--format json`: exit 1, nothing on stdout, and stderr one line of JSON
    `{"error", "problems"}` whose error names every fragment."""
    assert done.returncode == 1, (done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr and done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    answer = json.loads(lines[0])
    assert set(answer) == {"error", "problems"}, answer
    for fragment in fragments:
        assert fragment in answer["error"], (fragment, answer)
    return answer


def one_refused(done, where: str, *fragments: str) -> str:
    """An import that refused one row: `FILE:LINE: field: message` alone on stderr."""
    assert done.returncode == 1, (done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(where), done.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


def item(title: str, **fields: object) -> str:
    extra = "".join(f"{k}: {v}\n" for k, v in fields.items())
    return f"---\ntitle: {title}\nstatus: open\n{extra}---\nBody.\n"


# ------------------------------------------------------------ ids that differ only by case


def test_import_json_refuses_an_id_that_differs_only_by_case(repo, tmp_path):
    write_tree(repo, {"issues/issue-x.md": item("Lower")})
    commit_all(repo)
    data = tmp_path / "in.json"
    data.write_text(json.dumps([{"id": "ISSUE-X", "kind": "issue", "title": "Upper"}]))
    head = git(repo, "rev-parse", "HEAD")
    line = one_refused(run_tracker(repo, "import", "json", str(data)), f"{data}:1: id: ",
                       "issues/issue-x.md", "ISSUE-X", "case")
    assert "nothing was written" in line
    assert sorted(os.listdir(repo / "issues")) == ["issue-x.md"]
    assert git(repo, "rev-parse", "HEAD") == head and status_porcelain(repo) == ""
    # the same id in the same case is an update, as before
    data.write_text(json.dumps([{"id": "issue-x", "kind": "issue", "title": "Again"}]))
    done = run_tracker(repo, "import", "json", str(data))
    assert done.returncode == 0, done.stderr
    assert "title: Again" in (repo / "issues/issue-x.md").read_text()


def test_import_json_refuses_two_records_that_differ_only_by_case(repo, tmp_path):
    data = tmp_path / "in.json"
    data.write_text(json.dumps([{"id": "new-a", "kind": "issue", "title": "One"},
                                {"id": "NEW-A", "kind": "issue", "title": "Two"}]))
    one_refused(run_tracker(repo, "import", "json", str(data)), f"{data}:1: id: ", "NEW-A",
                "issues/new-a.md")  # the first record is written, the second refused
    assert [p.name for p in (repo / "issues").glob("*.md")] == ["new-a.md"]
    assert status_porcelain(repo) == ""


def test_new_and_import_csv_of_a_key_kind_refuse_a_case_twin(repo, tmp_path):
    write_kind(repo, "thing", CODE_KIND)
    done = run_tracker(repo, "new", "thing", "First", "--set", "code=ab-1")
    assert done.returncode == 0, done.stderr
    one_error(run_tracker(repo, "new", "thing", "Second", "--set", "code=AB-1"),
              "things/ab-1.md", "AB-1", "case")
    table = tmp_path / "in.csv"
    table.write_text("title,code\nThird,Ab-1\n")
    one_refused(run_tracker(repo, "import", "csv", "--kind", "thing", str(table)),
                f"{table}:2: id: ", "things/ab-1.md", "Ab-1")
    assert sorted(os.listdir(repo / "things")) == ["ab-1.md"]
    assert status_porcelain(repo) == ""


def test_an_id_typed_in_another_case_finds_the_item(repo):
    write_tree(repo, {"issues/issue-x.md": item("Lower")})
    commit_all(repo)
    done = run_tracker(repo, "show", "ISSUE-X", "--format", "json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["id"] == "issue-x"
    done = run_tracker(repo, "set", "Issue-X", "assignee=bob")
    assert done.returncode == 0, done.stderr
    assert sorted(os.listdir(repo / "issues")) == ["issue-x.md"]


@pytest.mark.parametrize("layout", ["flat", "sharded", "two kinds"])
def test_check_reports_ids_that_differ_only_by_case(repo, layout):
    if layout == "two kinds":
        write_kind(repo, "thing", CODE_KIND)
        files = {"issues/issue-x.md": item("Lower"), "things/ISSUE-X.md": item("Upper")}
    elif layout == "sharded":
        done = run_tracker(repo, "shard", "issue", "2")
        assert done.returncode == 0, done.stderr
        files = {"issues/is/issue-x.md": item("Lower"), "issues/IS/ISSUE-X.md": item("Upper")}
    else:
        files = {"issues/issue-x.md": item("Lower"), "issues/ISSUE-X.md": item("Upper")}
    write_tree(repo, files)
    commit_all(repo)
    done = run_tracker(repo, "check", "--format", "json")
    assert done.returncode == 1, done.stderr
    found = json.loads(done.stdout)
    assert len(found) == 1 and "duplicate id" in found[0]["message"], found
    assert {found[0]["path"]} | {p for p in files if p in found[0]["message"]} == set(files)


# ------------------------------------------------------------ a kind folder that links out


def link_out(repo: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside" / "issues"
    write_tree(outside, {"issue-a.md": item("Gone")})
    if (repo / "issues").exists():
        (repo / "issues").rmdir()
    (repo / "issues").symlink_to(outside, target_is_directory=True)
    commit_all(repo, "issues is a link")


def test_a_kind_folder_that_links_out_is_named_by_every_reading_command(repo, tmp_path):
    link_out(repo, tmp_path)
    done = run_tracker(repo, "check", "--format", "json")
    assert done.returncode == 1, done.stderr
    found = json.loads(done.stdout)
    assert len(found) == 1 and found[0]["path"] == "issues", found
    assert "leads outside the tracker" in found[0]["message"]
    text = run_tracker(repo, "check")
    assert text.returncode == 1 and "No problems" not in text.stdout
    assert text.stdout.startswith("issues:1: ") and len(text.stdout.splitlines()) == 1
    for args in (["list"], ["list", "--format", "json"], ["export", "json"],
                 ["export", "csv"], ["report", "summary"],
                 ["report", "site", "--out", str(tmp_path / "site")]):
        done = run_tracker(repo, *args)
        assert "Traceback" not in done.stderr, (args, done.stderr)
        warnings = [w for w in done.stderr.splitlines() if w.startswith("warning: issues:")]
        assert len(warnings) == 1 and "leads outside the tracker" in warnings[0], \
            (args, done.stderr)
        assert "Gone" not in done.stdout
    assert run_tracker(repo, "list").returncode == 1


def test_a_missing_kind_folder_is_a_kind_with_no_items(repo):
    assert not (repo / "issues").exists()
    done = run_tracker(repo, "check")
    assert done.returncode == 0 and done.stdout == "", done.stdout
    done = run_tracker(repo, "list")
    assert done.returncode == 0 and done.stderr == "", done.stderr


# ------------------------------------------------------------ depth and size


def nested(depth: int, block: bool = False) -> str:
    """A value `depth` levels deep: flow lists, or block mappings."""
    if block:
        return "nest:\n" + "".join("  " * i + "k:\n" for i in range(1, depth + 1)) + \
            "  " * (depth + 1) + "v\n"
    return "nest: " + "[" * depth + "1" + "]" * depth + "\n"


def deep_item(depth: int, block: bool = False) -> str:
    return "---\ntitle: Deep\nstatus: open\n" + nested(depth, block) + "---\nBody.\n"


def long_int_item(digits: int) -> str:
    return "---\ntitle: Long\nstatus: open\ncount: " + "7" * digits + "\n---\nBody.\n"


READERS = (["list"], ["list", "--format", "json"], ["export", "json"], ["check"])

CASES = {
    # name: (text, refused fragment or None when read)
    "depth-64": (deep_item(64), None),
    "depth-65": (deep_item(65), "nested too deeply"),
    "depth-400": (deep_item(400), "nested too deeply"),
    "depth-900": (deep_item(900), "nested too deeply"),
    "block-depth-64": (deep_item(64, block=True), None),
    "block-depth-65": (deep_item(65, block=True), "nested too deeply"),
    "block-depth-900": (deep_item(900, block=True), "nested too deeply"),
    "int-4300": (long_int_item(4300), None),
    "int-4301": (long_int_item(4301), "number too long"),
    "int-100000": (long_int_item(100_000), "number too long"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_what_check_accepts_every_command_renders(repo, tmp_path, name):
    text, refused = CASES[name]
    write_tree(repo, {f"issues/{name}.md": text, "issues/issue-ok.md": item("Fine")})
    commit_all(repo)
    results = {tuple(a): run_tracker(repo, *a) for a in READERS}
    results[("show",)] = run_tracker(repo, "show", name, "--format", "json")
    results[("site",)] = run_tracker(repo, "report", "site", "--out", str(tmp_path / "site"))
    for args, done in results.items():
        assert "Traceback" not in done.stderr, (args, done.stderr[-2000:])
    check = results[("check",)]
    if refused is None:
        for args, done in results.items():
            assert done.returncode == 0, (args, done.stderr[-2000:])
        assert name in results[("list", "--format", "json")].stdout
        assert (tmp_path / "site" / "index.html").exists()
        return
    assert check.returncode == 1
    lines = check.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"issues/{name}.md:4: "), check.stdout
    assert refused in lines[0]
    for args in (("list",), ("list", "--format", "json"), ("site",), ("export", "json")):
        warnings = [w for w in results[args].stderr.splitlines() if w.startswith("warning:")]
        assert len(warnings) == 1 and f"issues/{name}.md:4: " in warnings[0], \
            (args, results[args].stderr[-2000:])
    assert "issue-ok" in results[("list", "--format", "json")].stdout
    shown = results[("show",)]
    answer = one_json_error(shown, f"issues/{name}.md:4", refused)
    assert answer["problems"][0]["path"] == f"issues/{name}.md"
    assert answer["problems"][0]["line"] == 4


def test_a_front_matter_past_four_mebibytes_is_refused_with_its_size(repo):
    big = "---\ntitle: Big\nstatus: open\n" + "".join(
        f"field_{i}: {'x' * 100}\n" for i in range(42_000)) + "---\n"
    write_tree(repo, {"issues/big.md": big})
    commit_all(repo)
    done = run_tracker(repo, "check")
    assert done.returncode == 1
    assert done.stdout.startswith("issues/big.md:2: front matter is too large"), done.stdout
    assert "4 MiB" in done.stdout
    one_error(run_tracker(repo, "show", "big"), "too large")
