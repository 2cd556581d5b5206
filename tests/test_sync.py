"""`tracker sync`: fetch, merge through the driver, push; retry when the remote moved."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.helpers import git, make_invoke, run_tracker
from tests.soak import soak
from tests.sync_helpers import clone, head, item_path, read_fields, seeded, tracker_ok
from tracker.format import merge


@pytest.fixture
def clones(tmp_path: Path) -> tuple[Path, Path, Path, str]:
    """A remote, two fresh clones of it (no local driver config yet), and an item id."""
    remote, _, ids = seeded(tmp_path)
    return remote, clone(remote, tmp_path / "a"), clone(remote, tmp_path / "b"), ids[0]


def sync(root: Path, *args: str) -> dict:
    done = run_tracker(root, "sync", *args, "--format", "json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_sync_from_a_fresh_clone_installs_the_driver_and_converges(clones):
    remote, a, b, item = clones
    assert git(a, "config", "--local", "--get", "merge.tracker.driver", check=False) == ""
    tracker_ok(a, "set", item, "status=in-progress")
    tracker_ok(b, "set", item, "priority=urgent")
    tracker_ok(b, "new", "issue", "From b")
    first = sync(a)
    assert first["reinstalled"] and first["pushed"] and not first["merged"]
    second = sync(b)
    assert second["reinstalled"] and second["merged"] and second["pushed"]
    assert sync(a)["merged"]
    assert head(a) == head(b) == head(remote, "main")
    for root in (a, b):
        fields = read_fields(root, item)
        assert (fields["status"], fields["priority"]) == ("in-progress", "urgent")
    assert not sync(a)["reinstalled"]


def test_sync_text_output_when_up_to_date(clones):
    _, a, _, _ = clones
    done = run_tracker(a, "sync")
    assert done.returncode == 0
    assert done.stdout == ""
    assert "Synced with origin/main: already up to date" in done.stderr


def test_sync_conflict_stops_in_gits_conflicted_state(clones):
    remote, a, b, item = clones
    tracker_ok(a, "set", item, "assignee=ada", "priority=high")
    sync(a)
    tracker_ok(b, "set", item, "assignee=bob", "tags=start,b")
    before = head(b)
    done = run_tracker(b, "sync")
    assert done.returncode == 1
    assert done.stdout == f"issues/{item}.md: assignee\n"
    assert "Conflicts with origin/main in 1 file(s)" in done.stderr
    assert git(b, "status", "--porcelain") == f"UU issues/{item}.md\n"
    assert head(b) == before and head(remote, "main") == head(a)  # nothing pushed
    again = run_tracker(b, "sync")
    assert again.returncode == 1 and "a merge is in progress" in again.stderr
    assert run_tracker(b, "check").returncode == 1
    text = item_path(b, item).read_text(encoding="utf-8")
    item_path(b, item).write_text(merge.resolve(text, merge.OURS), encoding="utf-8")
    assert run_tracker(b, "check").returncode == 0
    git(b, "commit", "-qam", "take our assignee")
    assert sync(b)["pushed"]
    sync(a)
    fields = read_fields(a, item)
    assert (fields["assignee"], fields["priority"], fields["tags"]) == ("bob", "high",
                                                                       ["start", "b"])


def test_sync_json_lists_conflicted_fields(clones):
    _, a, b, item = clones
    tracker_ok(a, "set", item, "status=done", "priority=low")
    sync(a)
    tracker_ok(b, "set", item, "status=closed", "priority=high")
    done = run_tracker(b, "sync", "--format", "json")
    assert done.returncode == 1
    assert json.loads(done.stdout)["conflicts"] == {f"issues/{item}.md": ["status", "priority"]}


def test_sync_retries_when_the_remote_moves_before_the_push(clones, tmp_path: Path):
    """A pre-push hook in `a` makes `b` push first, once: a real race, lost by `a`."""
    remote, a, b, item = clones
    tracker_ok(b, "set", item, "priority=high")
    flag = tmp_path / "raced"
    hook = git_dir(a) / "hooks" / "pre-push"
    hook.write_text(f"#!{sys.executable}\nimport pathlib, subprocess\n"
                    f"flag = pathlib.Path({str(flag)!r})\n"
                    "if not flag.exists():\n"
                    "    flag.touch()\n"
                    f"    subprocess.run(['git', 'push', '-q', 'origin', 'main'], "
                    f"cwd={str(b)!r}, check=True)\n", encoding="utf-8")
    hook.chmod(0o755)
    tracker_ok(a, "set", item, "status=done")
    result = sync(a)
    assert flag.exists()
    assert result["retries"] == 1 and result["merged"] and result["pushed"]
    assert head(remote, "main") == head(a)
    fields = read_fields(a, item)
    assert (fields["status"], fields["priority"]) == ("done", "high")


def git_dir(root: Path) -> Path:
    return root / git(root, "rev-parse", "--git-dir").strip()


def test_sync_gives_up_after_the_retry_bound(clones, tmp_path: Path):
    """A remote that refuses every push as 'fetch first' exhausts the bounded retries."""
    remote, a, _, item = clones
    hook = remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'rejected: fetch first' >&2\nexit 1\n", encoding="utf-8")
    hook.chmod(0o755)
    tracker_ok(a, "set", item, "status=done")
    done = run_tracker(a, "sync", "--retries", "2")
    assert done.returncode == 1
    assert "kept moving: gave up after 2 retries" in done.stderr


def test_sync_refuses_names_that_look_like_options(clones):
    _, a, _, _ = clones
    invoke = make_invoke(a)
    for args in (["--", "--upload-pack=touch x"], ["--branch", "-x"], ["--branch", "a..b"]):
        result = invoke("sync", *args)
        assert result.exit_code == 2, (args, result.stderr)
        assert "Error: invalid" in result.stderr
    assert not (a / "x").exists()


def test_sync_with_an_explicit_remote_and_branch(clones, tmp_path: Path):
    remote, a, _, item = clones
    tracker_ok(a, "set", item, "status=done")
    result = make_invoke(a)("sync", str(remote), "--branch", "review")
    assert result.exit_code == 0, result.stderr
    assert git(remote, "rev-parse", "review").strip() == head(a)
    assert head(remote, "main") != head(a)


def test_sync_without_a_remote_is_a_clear_error(repo: Path):
    done = run_tracker(repo, "sync")
    assert done.returncode == 1
    assert done.stderr.startswith("Error: git fetch failed")


@pytest.mark.slow
def test_short_soak(tmp_path: Path):
    """3 clones, 3 rounds of random edits and parallel syncs (the full one: benchmarks/)."""
    figures = soak(tmp_path, clones=3, rounds=3, seed=4)
    assert figures.errors == []
    assert figures.lost == 0 and figures.false_conflicts == 0
    assert figures.converged and figures.check_ok
    assert figures.edits > 0 and figures.syncs >= 9


def test_sync_rewrites_a_driver_whose_program_has_gone(clones):
    _, a, _, _ = clones
    tracker_ok(a, "init")
    git(a, "config", "--local", "merge.tracker.driver", "/gone/tracker merge-driver %O %A %B %P")
    assert sync(a)["reinstalled"]
    assert not git(a, "config", "--local", "merge.tracker.driver").startswith("/gone/")
