"""Sharded kinds: items in subfolders named by characters of their id
(`issues/k3/issue-k3x9q2ab.md`). `tracker shard` moves them in one commit, every
command finds them, hand-made files anywhere in the kind still count, history follows
an item across the move, and the snapshot never serves a stale shard."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.helpers import (
    as_json,
    commit_all,
    git,
    log_subjects,
    new_item,
    run_tracker,
    status_porcelain,
    write_tree,
)


def listing(invoke, *args: str) -> list[dict]:
    return as_json(invoke("list", "--format", "json", *args))


def item_paths(repo: Path) -> list[str]:
    return sorted(p.relative_to(repo).as_posix() for p in (repo / "issues").rglob("*.md"))


@pytest.fixture
def five(repo: Path, invoke) -> list[str]:
    return [new_item(invoke, "issue", f"Item {n}", f"priority={p}")
            for n, p in enumerate(["low", "high", "normal", "high", "low"])]


def test_shard_moves_every_item_in_one_commit_and_lists_the_same(repo, invoke, five):
    before = listing(invoke)
    kind_before = (repo / ".tracker/kinds/issue.yaml").read_text()
    done = as_json(invoke("shard", "issue", "2", "--format", "json"))
    assert done == {"kind": "issue", "shard": 2, "moved": 5, "committed": True}
    assert item_paths(repo) == sorted(f"issues/{i[6:8]}/{i}.md" for i in five)
    assert log_subjects(repo)[0] == "shard issue: 2 id characters per subfolder (5 moved)"
    assert status_porcelain(repo) == ""
    # the kind file: one line added, everything else as it was
    assert (repo / ".tracker/kinds/issue.yaml").read_text() == kind_before + "shard: 2\n"
    after = listing(invoke)
    assert [{k: v for k, v in r.items() if k != "path"} for r in after] == \
        [{k: v for k, v in r.items() if k != "path"} for r in before]
    assert {r["path"] for r in after} == set(item_paths(repo))


def test_new_set_show_move_work_in_shards(repo, invoke, five):
    assert invoke("shard", "issue", "2").exit_code == 0
    created = new_item(invoke, "issue", "Sharded from birth")
    path = repo / "issues" / created[6:8] / f"{created}.md"
    assert path.is_file()
    assert git(repo, "show", "--name-only", "--format=", "HEAD").split() == [
        path.relative_to(repo).as_posix()]
    assert invoke("set", five[0], "priority=high").exit_code == 0
    assert git(repo, "show", "--name-only", "--format=", "HEAD").split() == [
        f"issues/{five[0][6:8]}/{five[0]}.md"]
    assert as_json(invoke("show", five[0], "--format", "json"))["priority"] == "high"
    assert invoke("move", five[1], "done", "--force").exit_code == 0
    assert as_json(invoke("show", five[1][:9], "--format", "json"))["status"] == "done"
    assert [r["id"] for r in listing(invoke, "--where", "priority == 'high'")] == sorted(
        [five[0], five[1], five[3]])
    assert invoke("check").exit_code == 0
    assert status_porcelain(repo) == ""


def test_a_file_put_by_hand_in_the_folder_or_any_shard_counts(repo, invoke, five):
    assert invoke("shard", "issue", "2").exit_code == 0
    write_tree(repo, {"issues/issue-byhand1.md": "---\ntitle: Flat by hand\nstatus: open\n---\n",
                      "issues/zz/issue-byhand2.md": "---\ntitle: Odd shard\nstatus: open\n---\n"})
    titles = {r["id"]: r["title"] for r in listing(invoke)}
    assert titles["issue-byhand1"] == "Flat by hand" and titles["issue-byhand2"] == "Odd shard"
    assert invoke("set", "issue-byhand1", "priority=low").exit_code == 0
    assert (repo / "issues/issue-byhand1.md").read_text().count("priority: low") == 1
    assert invoke("set", "issue-byhand2", "priority=low").exit_code == 0
    assert "priority: low" in (repo / "issues/zz/issue-byhand2.md").read_text()


def test_hand_edits_in_shards_are_never_served_stale(repo, invoke, five, monkeypatch):
    monkeypatch.delenv("TRACKER_NO_CACHE", raising=False)
    assert invoke("shard", "issue", "2").exit_code == 0
    assert len(listing(invoke)) == 5  # the snapshot is written
    target = repo / "issues" / five[2][6:8] / f"{five[2]}.md"
    target.write_text(target.read_text().replace("Item 2", "Item two by hand"))
    assert {r["id"]: r["title"] for r in listing(invoke)}[five[2]] == "Item two by hand"
    # a new file in an existing shard, a new shard, a file removed: the folder stamps move
    shard = target.parent
    stamp = shard.stat()
    (shard / f"issue-{five[2][6:8]}new1.md").write_text("---\ntitle: Added\n---\n")
    os.utime(shard, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))  # a forged time, even
    write_tree(repo, {"issues/qq/issue-qqnew222.md": "---\ntitle: New shard\n---\n"})
    (repo / "issues" / five[4][6:8] / f"{five[4]}.md").unlink()
    ids = {r["id"] for r in listing(invoke)}
    assert ids == (set(five) - {five[4]}) | {f"issue-{five[2][6:8]}new1", "issue-qqnew222"}
    cold = listing(invoke)
    monkeypatch.setenv("TRACKER_NO_CACHE", "1")
    assert listing(invoke) == cold


def test_history_follows_an_item_across_the_moves(repo, invoke, five):
    item = five[0]
    assert invoke("set", item, "priority=normal").exit_code == 0
    first = git(repo, "rev-parse", "HEAD").strip()
    assert invoke("shard", "issue", "2").exit_code == 0
    assert invoke("set", item, "priority=high").exit_code == 0
    log = as_json(invoke("log", item, "--format", "json"))
    assert [e["message"].split(":")[0] for e in log] == [
        f"set {item}", "shard issue", f"set {item}", f"new {item}"]
    moved = log[1]
    assert moved["moved_from"] == f"issues/{item}.md" and moved["changes"] == {}
    assert not moved["created"] and not moved["deleted"]
    text = invoke("log", item).stdout
    assert f"moved from issues/{item}.md" in text
    assert [r["priority"] for r in as_json(invoke("list", "--at", first, "--format", "json"))
            if r["id"] == item] == ["normal"]
    blame = as_json(invoke("blame", item, "--format", "json"))
    assert blame["title"]["commit"] is not None  # set when created, before the move
    # and back: the kind is flat again, the old shard paths still belong to it
    assert invoke("shard", "issue", "0").exit_code == 0
    assert item_paths(repo) == sorted(f"issues/{i}.md" for i in five)
    assert not [p for p in (repo / "issues").iterdir() if p.is_dir()]  # empty shards gone
    log = as_json(invoke("log", item, "--format", "json"))
    assert log[0]["moved_from"] == f"issues/{item[6:8]}/{item}.md"
    assert len(log) == 5
    whole = as_json(invoke("log", "--format", "json"))
    assert {c["id"] for c in whole[0]["items"]} == set(five)


def test_two_files_for_one_id_stop_the_shard_before_anything_moves(repo, invoke, five):
    twin = repo / "issues" / five[0][6:8] / f"{five[0]}.md"
    twin.parent.mkdir()
    twin.write_text("---\ntitle: Twin\n---\n")
    result = invoke("shard", "issue", "2")
    assert result.exit_code != 0
    assert "two files hold one id" in result.stderr and "nothing was moved" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert (repo / f"issues/{five[0]}.md").is_file()
    assert "shard" not in (repo / ".tracker/kinds/issue.yaml").read_text()


def test_a_link_as_a_shard_is_never_followed(repo, invoke, tmp_path):
    (repo / ".tracker/kinds/issue.yaml").write_text(
        (repo / ".tracker/kinds/issue.yaml").read_text() + "shard: 2\n")
    outside = tmp_path / "outside"
    write_tree(outside, {"issue-zzsecret.md": "---\ntitle: Secret\n---\n"})
    (repo / "issues").mkdir(exist_ok=True)
    (repo / "issues" / "zz").symlink_to(outside)
    assert listing(invoke) == []
    result = invoke("new", "issue", "Where", "--set", "priority=low")
    assert result.exit_code == 0  # another id: a random one almost never starts with zz
    assert not (outside / f"{result.stdout.strip()}.md").exists()


def test_a_bad_shard_setting_names_its_file(repo, invoke):
    path = repo / ".tracker/kinds/issue.yaml"
    path.write_text(path.read_text() + "shard: 9\n")
    result = invoke("list")
    assert result.exit_code != 0
    assert ".tracker/kinds/issue.yaml" in result.stderr and "'shard'" in result.stderr
    assert "Traceback" not in result.stderr


def test_shard_line_is_changed_in_place_with_its_comment(repo, invoke, five):
    path = repo / ".tracker/kinds/issue.yaml"
    text = path.read_text()
    path.write_text(text.replace("fields:", "shard: 0  # flat for now\nfields:", 1))
    commit_all(repo, "comment")
    assert invoke("shard", "issue", "1").exit_code == 0
    assert path.read_text() == text.replace("fields:", "shard: 1  # flat for now\nfields:", 1)


def test_shard_through_the_installed_cli(repo, invoke, five):
    done = run_tracker(repo, "shard", "issue", "2", "--format", "json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["moved"] == 5
    shown = run_tracker(repo, "list", "--format", "json")
    assert {r["id"] for r in json.loads(shown.stdout)} == set(five)
    bad = run_tracker(repo, "shard", "nokind", "2")
    assert bad.returncode != 0 and "unknown kind 'nokind'" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_check_advises_sharding_a_big_flat_folder(repo, invoke, five, monkeypatch):
    from tracker.core import shard as layout

    monkeypatch.setattr(layout, "ADVISED_ABOVE", 4)  # 10,000 in real life
    result = invoke("check")
    assert result.exit_code == 0  # advice, not a problem
    assert "issues/ holds 5 items in one folder" in result.stderr
    assert "tracker shard issue 2" in result.stderr
    assert invoke("shard", "issue", "2").exit_code == 0
    result = invoke("check")
    assert result.exit_code == 0 and "holds" not in result.stderr
