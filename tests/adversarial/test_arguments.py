"""Hostile command-line input and hostile file-system entries in a kind folder.

Ids like `../x`, `-rf`, `CON`; revisions like `--upload-pack=…` given to `--at`, `diff`,
`check --since`; links leading out of the repository; a named pipe. Each: one clear error
(or correct handling), the right exit code, nothing read or written outside the repository.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.helpers import (
    assert_one_line_error,
    commit_all,
    new_item,
    run_tracker,
    snapshot,
    tracker_exe,
    write_tree,
)


@pytest.fixture
def item(repo, invoke) -> str:
    item_id = new_item(invoke, "issue", "Witness")
    return item_id


# ---------------------------------------------------------------- ids


@pytest.mark.parametrize("bad_id", ["../x", "-rf", "CON", "con.md", "..", ".", "/etc/passwd",
                                    "issues/../x", "x/../../y", "", "a" * 5000, "..%2f..",
                                    "issue-*", "issue-?"])
@pytest.mark.parametrize("command", [["show"], ["set", "{}", "assignee=x"],
                                     ["move", "{}", "done"], ["log"], ["blame"]])
def test_a_hostile_id_is_not_found(repo, invoke, item, bad_id, command):
    if command == ["log"] and bad_id == "":
        pytest.skip("`tracker log ''` is the whole tracker's log, as `tracker log`")
    args = [a.replace("{}", bad_id) for a in command] if "{}" in command else [*command, bad_id]
    before = snapshot(repo)
    r = invoke(*args[:1], "--", *args[1:]) if bad_id.startswith("-") else invoke(*args)
    assert r.exit_code == 1, (r.exit_code, r.stderr)
    assert_one_line_error(r, 1)
    assert snapshot(repo) == before


def test_an_id_holding_a_newline_gives_a_one_line_error(repo, invoke, item):
    r = invoke("show", "issue\nError: forged second line")
    assert_one_line_error(r, 1)


@pytest.mark.parametrize("name", ["-rf", "CON", "nul", "a b", "é"])
def test_a_file_named_like_a_hostile_id_is_reported_by_check(repo, invoke, item, name):
    write_tree(repo, {f"issues/{name}.md": "---\ntitle: Odd name\nstatus: open\n---\n"})
    commit_all(repo)
    r = invoke("check", "--format", "json")
    assert r.exit_code == 1, r.stderr
    found = json.loads(r.stdout)
    assert [p["path"] for p in found] == [f"issues/{name}.md"]
    assert "invalid id" in found[0]["message"] or "reserved" in found[0]["message"]
    listed = invoke("list", "--format", "ids")
    assert "Traceback" not in listed.stderr


@pytest.mark.parametrize("name", ["x\n::error file=forged::forged", "x::warning::y,z:%0A",
                                  "x\r::notice::forged"])
def test_a_file_name_never_starts_a_line_of_its_own(repo, item, name):
    """A name holding a line break and `::` (git tracks it as any other): every command
    that names the file keeps it on its line; GitHub's workflow commands escape it."""
    write_tree(repo, {f"issues/{name}.md": "---\ntitle: 5\nstatus: open\n---\n"})
    commit_all(repo)
    for args in (["check"], ["check", "--format", "github"], ["list"], ["show", name]):
        done = subprocess.run([*tracker_exe(), *args], cwd=repo, capture_output=True)
        assert b"Traceback" not in done.stderr, done.stderr
        for stream in (done.stdout, done.stderr):
            lines = stream.replace(b"\r", b"\n").split(b"\n")
            forged = [line for line in lines if line.lstrip().startswith(b"::")
                      and not line.startswith(b"::error file=issues/x")]
            assert forged == [], (args, stream)
    github = run_tracker(repo, "check", "--format", "github").stdout
    assert all(line.startswith("::error file=issues/x") for line in github.splitlines())


def test_natural_keys_never_make_an_id_outside_the_folder(repo, invoke, tmp_path):
    write_tree(repo, {".tracker/kinds/place.yaml": "folder: places\nid: {key: '{code}'}\n"
                                                   "fields: {title: string, code: string}\n"})
    commit_all(repo)
    before = snapshot(repo)
    for code in ("../../x", "..", "CON", "-", "/"):
        r = invoke("new", "place", "x", "--set", f"code={code}")
        assert_one_line_error(r, 1)
    assert snapshot(repo) == before
    assert not (repo.parent / "x.md").exists() and not (tmp_path / "x.md").exists()


# ---------------------------------------------------------------- revisions


HOSTILE_REVS = ["--upload-pack=touch {p}", "--output={p}", "--exec=touch {p}", "-p",
                "--all", "HEAD:../../x", "HEAD\n--output={p}", "@{-1}",
                "HEAD..--output={p}", "--output={p}...HEAD", "HEAD~99999", "refs/../x"]


@pytest.mark.parametrize("rev", HOSTILE_REVS)
@pytest.mark.parametrize("command", [["list", "--at={}"], ["show", "ID", "--at={}"],
                                     ["diff", "--", "{}"], ["diff", "HEAD", "--", "{}"],
                                     ["check", "--since={}"], ["log", "--since={}"]])
def test_a_hostile_revision_is_refused(repo, invoke, item, tmp_path, rev, command):
    pwned = tmp_path / "pwned"
    value = rev.replace("{p}", str(pwned))
    args = [a.replace("{}", value).replace("ID", item) for a in command]
    before = snapshot(repo)
    r = invoke(*args)
    assert_one_line_error(r, 2)
    assert not pwned.exists()
    assert snapshot(repo) == before


def test_a_hostile_revision_through_the_console_script(repo, item, tmp_path):
    pwned = tmp_path / "pwned"
    for args in (["list", f"--at=--upload-pack=touch {pwned}"],
                 ["diff", "--", f"--output={pwned}"],
                 ["diff", f"HEAD..--output={pwned}"]):
        done = run_tracker(repo, *args)
        assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
        assert done.stderr.startswith("Error:") and done.stderr.count("\n") == 1, done.stderr
    assert not pwned.exists()


def test_an_impossible_date_for_at_is_a_usage_error(repo, invoke, item):
    r = invoke("list", "--at", "2026-02-30")
    assert_one_line_error(r, 2, "2026-02-30")


# ---------------------------------------------------------------- links and special files


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder beside the repository holding a secret item-looking file."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "secret.md").write_text("---\ntitle: SECRET-OUTSIDE\nstatus: open\n---\n")
    return folder


def assert_nothing_leaks(repo, invoke, outside: Path) -> None:
    secret = (outside / "secret.md").read_bytes()
    for args in (["list"], ["list", "--format", "json"], ["check"], ["show", "leak"],
                 ["list", "--where", "title != ''", "--format", "json"]):
        r = invoke(*args)
        assert "Traceback" not in r.stderr
        assert "SECRET-OUTSIDE" not in r.stdout + r.stderr, args
    r = invoke("set", "leak", "assignee=x")
    assert r.exit_code == 1
    assert (outside / "secret.md").read_bytes() == secret
    assert sorted(os.listdir(outside)) == ["secret.md"]


def test_a_link_to_a_file_outside_the_repository_is_refused(repo, invoke, item, outside):
    (repo / "issues" / "leak.md").symlink_to(outside / "secret.md")
    commit_all(repo)
    assert_nothing_leaks(repo, invoke, outside)
    r = invoke("check", "--format", "json")
    assert [p["path"] for p in json.loads(r.stdout)] == ["issues/leak.md"]


def test_a_relative_link_climbing_out_is_refused(repo, invoke, item, outside):
    (repo / "issues" / "leak.md").symlink_to(os.path.relpath(outside / "secret.md",
                                                             repo / "issues"))
    assert_nothing_leaks(repo, invoke, outside)


def test_a_link_to_a_folder_outside_is_refused(repo, invoke, item, outside):
    (repo / "issues" / "leak.md").symlink_to(outside)
    assert_nothing_leaks(repo, invoke, outside)


def test_a_dangling_link_is_reported(repo, invoke, item):
    (repo / "issues" / "leak.md").symlink_to(repo / "nowhere.md")
    r = invoke("check", "--format", "json")
    assert r.exit_code == 1 and [p["path"] for p in json.loads(r.stdout)] == ["issues/leak.md"]
    assert_one_line_error(invoke("show", "leak"), 1, "issues/leak.md")


def test_a_kind_folder_that_is_a_link_outside_is_neither_read_nor_written(
        repo, invoke, item, outside):
    (outside / "leak.md").write_text("---\ntitle: SECRET-OUTSIDE\nstatus: open\n---\n")
    (repo / "issues").rename(repo / "issues.real")
    (repo / "issues").symlink_to(outside, target_is_directory=True)
    before = (outside / "leak.md").read_bytes()
    for args in (["list"], ["check"], ["show", "leak"]):
        r = invoke(*args)
        assert "Traceback" not in r.stderr
        assert "SECRET-OUTSIDE" not in r.stdout + r.stderr, args
    r = invoke("set", "leak", "title=changed")
    assert r.exit_code == 1, r.stderr
    assert (outside / "leak.md").read_bytes() == before
    r = invoke("new", "issue", "Planted")
    assert r.exit_code == 1, r.stdout
    assert sorted(os.listdir(outside)) == ["leak.md", "secret.md"]


def test_a_named_pipe_in_a_kind_folder_does_not_hang_the_listing(repo, item):
    os.mkfifo(repo / "issues" / "pipe.md")
    for args in (["list", "--format", "ids"], ["check"], ["show", "pipe"]):
        process = subprocess.Popen([*tracker_exe(), *args], cwd=repo, text=True,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            out, err = process.communicate(timeout=30)  # a guard against a hang, not a timing
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            pytest.fail(f"tracker {' '.join(args)} blocked reading a named pipe")
        assert "Traceback" not in err
        assert process.returncode == 1
        assert "issues/pipe.md" in err + out
    done = run_tracker(repo, "list", "--format", "ids")
    assert item in done.stdout


def test_a_folder_named_like_an_item_is_reported(repo, invoke, item):
    (repo / "issues" / "folder.md").mkdir()
    r = invoke("list", "--format", "ids")
    assert (r.exit_code, r.stdout.split()) == (1, [item])
    assert "issues/folder.md" in r.stderr
    assert_one_line_error(invoke("show", "folder"), 1, "issues/folder.md")


def test_a_binary_file_that_is_not_markdown_is_ignored(repo, invoke, item):
    write_tree(repo, {"issues/photo.png": bytes(range(256)) * 10, "issues/notes.txt": b"\xff\xfe"})
    r = invoke("check")
    assert r.exit_code == 0, r.stdout + r.stderr
    assert invoke("list", "--format", "ids").stdout.split() == [item]
