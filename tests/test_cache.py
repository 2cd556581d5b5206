"""The snapshot (parsed front matter under .git/) never serves stale data: after hand
edits, `git add`, files marked assume-unchanged, links, and after pulls, checkouts,
rebases and merges done with plain git. Corrupt or missing, it is rebuilt silently."""

from __future__ import annotations

import json
import os
import pickle
import time
from pathlib import Path

import pytest

from tests.helpers import commit_all, git, make_invoke, run_tracker, write_tree

CACHE = Path(".git/tracker-cache/snapshot-v8.bin")


def titles(invoke) -> dict[str, str]:
    result = invoke("list", "--format", "json")
    assert result.exit_code == 0, result.stderr
    return {r["id"]: r["title"] for r in json.loads(result.stdout)}


def age(path: Path, seconds: int = 60) -> None:
    """Make a file look older, so the cache is allowed to store it (not racy)."""
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns - seconds * 10**9))


def item(title: str, status: str = "open") -> str:
    return f"---\ntitle: {title}\nstatus: {status}\n---\n"


@pytest.fixture
def cached(repo: Path, invoke, monkeypatch):
    monkeypatch.delenv("TRACKER_NO_CACHE", raising=False)
    write_tree(repo, {"issues/issue-c1.md": item("One"), "issues/issue-c2.md": item("Two")})
    for path in (repo / "issues").iterdir():
        age(path)
    commit_all(repo, "two items")
    assert titles(invoke) == {"issue-c1": "One", "issue-c2": "Two"}
    assert (repo / CACHE).is_file()
    return repo


def cached_paths(repo: Path) -> set[str]:
    from tracker.store.snapshot import read_file

    snap = read_file(repo / CACHE)
    return {t.rel(row) for t in snap.tables.values() for row in range(len(t))}


def test_cache_is_used_and_holds_the_items(cached):
    assert cached_paths(cached) == {"issues/issue-c1.md", "issues/issue-c2.md"}


def test_hand_edit_of_the_same_size_is_seen(cached, invoke):
    """Same size, same mtime (forged back): git sees the new ctime, and so do we. Git
    compares whole seconds of ctime, so the edit comes a second after the commit."""
    time.sleep(1.1)
    path = cached / "issues/issue-c1.md"
    before = path.stat()
    path.write_text(item("Uno"))  # same length as "One"
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # even the same mtime
    assert titles(invoke)["issue-c1"] == "Uno"


def test_same_size_edit_of_a_file_git_does_not_track_is_seen_at_once(cached, invoke):
    path = cached / "issues/issue-u1.md"
    path.write_text(item("Ein"))
    age(path)
    assert titles(invoke)["issue-u1"] == "Ein"
    before = path.stat()
    path.write_text(item("Uno"))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert titles(invoke)["issue-u1"] == "Uno"


def test_the_snapshot_answers_without_parsing(cached, invoke):
    """Proof that a warm listing reads the snapshot: a value planted in it is served
    while git vouches for the file, and dropped as soon as the file changes."""
    from tracker.store import snapshot

    snap = snapshot.read_file(cached / CACHE)
    table = snap.tables["issue"]
    row = table.names.index("issue-c1.md")
    assert table.flags[row] == 1  # git's index holds the very blob that was parsed
    table.column("title")[row] = "Planted"
    snapshot.write_file(cached / CACHE, snap)
    assert titles(invoke)["issue-c1"] == "Planted"
    path = cached / "issues/issue-c1.md"
    path.write_text(item("One") + "\nA body now.\n")
    assert titles(invoke)["issue-c1"] == "One"


def test_git_add_assume_unchanged_and_links_are_seen(cached, invoke):
    path = cached / "issues/issue-c2.md"
    path.write_text(item("Two staged"))
    git(cached, "add", "issues/issue-c2.md")
    assert titles(invoke)["issue-c2"] == "Two staged"
    git(cached, "update-index", "--assume-unchanged", "issues/issue-c2.md")
    path.write_text(item("Two hidden from git"))
    assert titles(invoke)["issue-c2"] == "Two hidden from git"
    path.unlink()
    (cached / "notes.md").write_text(item("Linked"))
    path.symlink_to("../notes.md")
    assert titles(invoke)["issue-c2"] == "Linked"
    (cached / "notes.md").write_text(item("Linked, edited"))
    assert titles(invoke)["issue-c2"] == "Linked, edited"


def test_new_and_removed_files_in_an_old_folder_are_seen(cached, invoke):
    folder = cached / "issues"
    age(folder)
    assert titles(invoke) == {"issue-c1": "One", "issue-c2": "Two"}  # the folder's stamp kept
    stamp = folder.stat()
    (folder / "issue-c3.md").write_text(item("Three"))
    (folder / "issue-c1.md").unlink()
    os.utime(folder, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))  # a forged folder time
    assert titles(invoke) == {"issue-c2": "Two", "issue-c3": "Three"}  # no warning either


def test_racy_entries_are_not_stored(repo, invoke, monkeypatch):
    monkeypatch.delenv("TRACKER_NO_CACHE", raising=False)
    write_tree(repo, {"issues/issue-new.md": item("Fresh")})
    assert titles(invoke) == {"issue-new": "Fresh"}
    from tracker.store import snapshot

    table = snapshot.read_file(repo / CACHE).tables["issue"]
    row = table.names.index("issue-new.md")
    assert table.stats[row] is None and table.flags[row] == 0  # read again next time


def test_checkout_pull_rebase_and_merge_are_seen(cached, invoke, tmp_path):
    repo = cached
    git(repo, "checkout", "-q", "-b", "side")
    write_tree(repo, {"issues/issue-c1.md": item("One on side")})
    commit_all(repo, "side edit")
    git(repo, "checkout", "-q", "main")
    assert titles(invoke)["issue-c1"] == "One"
    git(repo, "checkout", "-q", "side")
    assert titles(invoke)["issue-c1"] == "One on side"
    git(repo, "checkout", "-q", "main")
    write_tree(repo, {"issues/issue-c2.md": item("Two on main")})
    commit_all(repo, "main edit")
    assert titles(invoke)["issue-c2"] == "Two on main"
    git(repo, "merge", "-q", "--no-edit", "side")
    assert titles(invoke) == {"issue-c1": "One on side", "issue-c2": "Two on main"}
    git(repo, "reset", "-q", "--hard", "HEAD~1")
    git(repo, "checkout", "-q", "side")
    git(repo, "rebase", "-q", "main")
    assert titles(invoke) == {"issue-c1": "One on side", "issue-c2": "Two on main"}
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(repo), str(clone))
    clone_invoke = make_invoke(clone)
    assert titles(clone_invoke)["issue-c1"] == "One on side"
    write_tree(repo, {"issues/issue-c1.md": item("Pulled")})
    commit_all(repo, "upstream edit")
    git(clone, "pull", "-q", "--no-rebase", "origin", "side")
    assert titles(clone_invoke)["issue-c1"] == "Pulled"


def test_deleted_files_leave_the_listing_and_the_cache(cached, invoke):
    (cached / "issues/issue-c2.md").unlink()
    assert titles(invoke) == {"issue-c1": "One"}
    assert cached_paths(cached) == {"issues/issue-c1.md"}


@pytest.mark.parametrize("garbage", [b"", b"not a pickle", pickle.dumps(["a", "list"]),
                                     pickle.dumps({"issues/issue-c1.md": "broken"})])
def test_a_corrupt_cache_is_rebuilt_silently(cached, invoke, garbage):
    (cached / CACHE).write_bytes(garbage)
    result = invoke("list", "--format", "json")
    assert result.exit_code == 0 and result.stderr == ""
    assert {r["title"] for r in json.loads(result.stdout)} == {"One", "Two"}


def test_no_cache_when_disabled(repo, invoke, monkeypatch):
    monkeypatch.setenv("TRACKER_NO_CACHE", "1")
    write_tree(repo, {"issues/issue-c1.md": item("One")})
    age(repo / "issues/issue-c1.md")
    assert titles(invoke) == {"issue-c1": "One"}
    assert not (repo / CACHE).exists()


def test_concurrent_readers_and_a_writer_through_the_installed_cli(cached):
    import subprocess

    env = {**os.environ}
    env.pop("TRACKER_NO_CACHE", None)
    readers = [subprocess.Popen([*_exe(), "list", "--format", "ids"], cwd=cached, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for _ in range(6)]
    writer = run_tracker(cached, "set", "issue-c1", "title=Changed", env=env)
    assert writer.returncode == 0, writer.stderr
    for process in readers:
        out, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
        assert sorted(out.split()) == ["issue-c1", "issue-c2"]
    done = run_tracker(cached, "show", "issue-c1", "--format", "json", env=env)
    assert json.loads(done.stdout)["title"] == "Changed"
    listed = run_tracker(cached, "list", "--format", "json", env=env)
    assert {r["title"] for r in json.loads(listed.stdout)} == {"Changed", "Two"}


def _exe() -> list[str]:
    from tests.helpers import tracker_exe

    return tracker_exe()


def test_kind_and_config_edits_are_seen_at_once(cached, invoke):
    """Parsed config and kind files are remembered by stat: a hand edit, even of the
    same size with the old mtime, is read again."""
    kind = cached / ".tracker/kinds/issue.yaml"
    age(kind)
    assert invoke("list").exit_code == 0  # remembered now
    text = kind.read_text()
    before = kind.stat()
    kind.write_text(text.replace("default: normal", "default: urgent"))
    os.utime(kind, ns=(before.st_atime_ns, before.st_mtime_ns))
    made = invoke("new", "issue", "After the edit", "--format", "json")
    assert made.exit_code == 0, made.stderr
    shown = invoke("show", json.loads(made.stdout)["id"], "--format", "json")
    assert json.loads(shown.stdout)["priority"] == "urgent"


def test_reading_one_simple_item_imports_no_yaml_parser(cached):
    """`show` and `set` on plain front matter need neither PyYAML nor Jinja."""
    import subprocess
    import sys

    env = {**os.environ}
    env.pop("TRACKER_NO_CACHE", None)
    for path in (cached / ".tracker").rglob("*.yaml"):
        age(path)
    run_tracker(cached, "list", env=env)  # the config and kinds are remembered
    run_tracker(cached, "show", "issue-c1", env=env)  # and the computed field's expression
    for args in (["show", "issue-c1"], ["set", "issue-c1", "status=done"]):
        done = subprocess.run([sys.executable, "-X", "importtime", "-m", "tracker", *args],
                              cwd=cached, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()}
        assert "yaml" not in imported and "jinja2" not in imported, args


def test_a_tracker_in_a_subfolder_through_the_installed_cli(git_repo, monkeypatch):
    """The launch-time `git diff-files` asks about the tracker's folder only, from the
    repository top; edits git sees and edits only the stat sees are both listed."""
    monkeypatch.delenv("TRACKER_NO_CACHE", raising=False)
    env = {k: v for k, v in os.environ.items() if k != "TRACKER_NO_CACHE"}
    sub = git_repo / "ops" / "tracker"
    sub.mkdir(parents=True)
    assert run_tracker(sub, "init", env=env).returncode == 0
    write_tree(sub, {"issues/issue-s1.md": item("Sub one"), "other/x.md": "not an item\n"})
    age(sub / "issues/issue-s1.md")
    commit_all(git_repo, "sub tracker")
    listed = run_tracker(git_repo / "ops", "-C", "tracker", "list", "--format", "ids", env=env)
    assert listed.stdout.split() == ["issue-s1"], listed.stderr
    (sub / "issues/issue-s1.md").write_text(item("Sub one, edited"))
    shown = run_tracker(sub / "issues", "list", "--format", "json", env=env)
    assert json.loads(shown.stdout)[0]["title"] == "Sub one, edited", shown.stderr


def test_conflict_markers_are_remembered_with_the_row(cached, invoke):
    """`check` reads a file's text only when the snapshot says it holds conflict markers;
    markers written after the snapshot are still found."""
    assert invoke("check").exit_code == 0
    path = cached / "issues/issue-c2.md"
    path.write_text(item("Two") + "<<<<<<< ours\nmine\n=======\ntheirs\n>>>>>>> theirs\n")
    first = invoke("check", "--format", "json")
    second = invoke("check", "--format", "json")
    assert first.exit_code == second.exit_code == 1
    assert first.stdout == second.stdout and "issues/issue-c2.md" in first.stdout
    path.write_text(item("Two") + "resolved\n")
    assert invoke("check").exit_code == 0
