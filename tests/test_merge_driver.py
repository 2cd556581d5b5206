"""The merge driver through real git: installed by init, run by `git merge` in clones."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import commit_all, git, make_invoke, run_tracker
from tests.sync_helpers import clone, item_path, read_fields, seeded, tracker_ok
from tracker.format import frontmatter, merge


@pytest.fixture
def two(tmp_path: Path) -> tuple[Path, Path, str]:
    """Two clones of one tracker (both with the driver installed) and one item's id."""
    remote, first, ids = seeded(tmp_path)
    second = clone(remote, tmp_path / "second")
    tracker_ok(second, "init")  # a fresh clone re-installs the local driver settings
    return first, second, ids[0]


def pull(root: Path) -> bool:
    """A plain `git pull` (fetch and merge): True when git merged without conflicts."""
    git(root, "pull", "-q", "--no-rebase", "--no-edit", "origin", "main", check=False)
    return not git(root, "diff", "--name-only", "--diff-filter=U")


# ---------------------------------------------------------------- installation


def test_init_installs_the_driver(repo: Path):
    attributes = (repo / ".gitattributes").read_text(encoding="utf-8")
    assert attributes == "issues/**/*.md merge=tracker\n"
    assert git(repo, "check-attr", "merge", "issues/x.md").strip() == \
        "issues/x.md: merge: tracker"
    driver = git(repo, "config", "--local", "merge.tracker.driver").strip()
    assert driver.endswith(" merge-driver %O %A %B %P")
    assert Path(driver.split(" merge-driver")[0].strip("'")).is_absolute()
    assert git(repo, "config", "--local", "merge.tracker.name").strip()
    assert ".gitattributes" in git(repo, "show", "--name-only", "--format=", "HEAD")


def test_init_keeps_the_users_attributes_and_never_duplicates(git_repo: Path):
    (git_repo / ".gitattributes").write_text("*.png binary", encoding="utf-8")
    invoke = make_invoke(git_repo)
    assert invoke("init").exit_code == 0
    assert invoke("init").exit_code == 0
    text = (git_repo / ".gitattributes").read_text(encoding="utf-8")
    assert text == "*.png binary\nissues/**/*.md merge=tracker\n"
    assert git(git_repo, "status", "--porcelain") == ""  # committed with the tracker


def test_a_fresh_clone_gets_the_driver_from_init(tmp_path: Path):
    remote, _, _ = seeded(tmp_path)
    fresh = clone(remote, tmp_path / "fresh")
    assert git(fresh, "config", "--local", "--get", "merge.tracker.driver", check=False) == ""
    done = run_tracker(fresh, "init")
    assert done.returncode == 0, done.stderr
    assert "merge-driver" in git(fresh, "config", "--local", "merge.tracker.driver")
    assert git(fresh, "status", "--porcelain") == ""  # nothing to commit: data unchanged


# ---------------------------------------------------------------- merges through git


def test_different_fields_merge_cleanly_with_both_changes(two):
    first, second, item = two
    tracker_ok(first, "set", item, "status=in-progress")
    git(first, "push", "-q", "origin", "main")
    tracker_ok(second, "set", item, "priority=high")
    before = item_path(second, item).read_bytes()
    assert pull(second)
    fields = read_fields(second, item)
    assert (fields["status"], fields["priority"]) == ("in-progress", "high")
    after = item_path(second, item).read_bytes()
    assert before.replace(b"status: open", b"status: in-progress") == after
    assert tracker_ok(second, "check") == ""


def test_same_field_conflict_is_confined_and_keeps_both_values(two):
    first, second, item = two
    tracker_ok(first, "set", item, "priority=high", "assignee=ada")
    git(first, "push", "-q", "origin", "main")
    tracker_ok(second, "set", item, "priority=low", "tags=start,field")
    assert not pull(second)
    assert git(second, "status", "--porcelain") == f"UU issues/{item}.md\n"
    text = item_path(second, item).read_text(encoding="utf-8")
    assert "<<<<<<< ours\npriority: low\n=======\npriority: high\n>>>>>>> theirs\n" in text
    assert merge.conflicted_fields(text) == ["priority"]
    resolved = merge.resolve(text, merge.THEIRS)
    assert {k: v for k, v in read_after(resolved).items() if k != "created"} == {
        "title": "Item 0", "status": "open", "priority": "high", "assignee": "ada",
        "tags": ["start", "field"]}
    check = run_tracker(second, "check")
    assert check.returncode == 1 and f"issues/{item}.md:4:" in check.stdout
    item_path(second, item).write_text(resolved, encoding="utf-8")
    assert run_tracker(second, "check").returncode == 0
    git(second, "commit", "-qam", "merge: take their priority")


def read_after(text: str) -> dict:
    return frontmatter.parse("x.md", text)[0]


def test_tag_additions_on_both_sides_give_the_union(two):
    first, second, item = two
    tracker_ok(first, "set", item, "tags=start,nord")
    git(first, "push", "-q", "origin", "main")
    tracker_ok(second, "set", item, "tags=start,sud,est")
    assert pull(second)
    assert read_fields(second, item)["tags"] == ["start", "sud", "est", "nord"]


def test_new_items_on_both_sides_never_conflict(two):
    first, second, _ = two
    mine = [tracker_ok(first, "new", "issue", f"From first {n}").strip() for n in range(3)]
    git(first, "push", "-q", "origin", "main")
    theirs = [tracker_ok(second, "new", "issue", f"From second {n}").strip() for n in range(3)]
    assert pull(second)
    for item in mine + theirs:
        assert item_path(second, item).is_file()


def test_body_edits_merge_with_gits_text_merge(two):
    first, second, item = two
    for root, old, new in ((first, "Para one.", "Para one, seen."),
                           (second, "Para three.", "Para three, checked.")):
        path = item_path(root, item)
        path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
        commit_all(root, "edit body")
    git(first, "push", "-q", "origin", "main")
    assert pull(second)
    body = item_path(second, item).read_text(encoding="utf-8").split("---\n")[2]
    assert body == "Para one, seen.\n\nPara two.\n\nPara three, checked.\n"


def test_unparseable_item_falls_back_to_a_text_merge_with_markers(two):
    first, second, item = two
    path = item_path(first, item)
    path.write_text(path.read_text(encoding="utf-8").replace("status: open", "status: [open"),
                    encoding="utf-8")
    commit_all(first, "break it")
    git(first, "push", "-q", "origin", "main")
    tracker_ok(second, "set", item, "status=closed")
    assert not pull(second)
    text = item_path(second, item).read_text(encoding="utf-8")
    assert "status: [open" in text and "status: closed" in text and "<<<<<<<" in text


# ---------------------------------------------------------------- the driver command itself


def write(folder: Path, **texts: str | bytes) -> list[str]:
    paths = []
    for name, text in texts.items():
        path = folder / name
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
        paths.append(str(path))
    return paths


BASE = "---\ntitle: T\nstatus: open\npriority: low\n---\nBody.\n"


def test_driver_protocol_clean_merge_writes_ours_and_exits_0(tmp_path: Path):
    args = write(tmp_path, base=BASE, ours=BASE.replace("open", "done"),
                 theirs=BASE.replace("low", "high"))
    done = run_tracker(tmp_path, "merge-driver", *args, "issues/x.md")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "ours").read_text() == BASE.replace("open", "done").replace("low", "high")
    assert (tmp_path / "theirs").read_text() == BASE.replace("low", "high")


def test_driver_protocol_conflict_exits_1_and_names_the_field(tmp_path: Path):
    args = write(tmp_path, base=BASE, ours=BASE.replace("open", "done"),
                 theirs=BASE.replace("open", "closed"))
    done = run_tracker(tmp_path, "merge-driver", *args, "issues/x.md")
    assert done.returncode == 1
    assert "issues/x.md: status" in done.stderr
    text = (tmp_path / "ours").read_text()
    assert "status: done" in text and "status: closed" in text


def test_driver_merges_files_that_are_not_utf8_as_text(tmp_path: Path):
    base = b"---\ntitle: caf\xe9\n---\nA\n\nB\n"
    args = write(tmp_path, base=base, ours=base.replace(b"A", b"A2"),
                 theirs=base.replace(b"B", b"B2"))
    done = run_tracker(tmp_path, "merge-driver", *args)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "ours").read_bytes() == b"---\ntitle: caf\xe9\n---\nA2\n\nB2\n"


def test_driver_add_add_with_an_empty_base(tmp_path: Path):
    args = write(tmp_path, base="", ours="---\ntitle: T\ntags: [a]\n---\n",
                 theirs="---\ntitle: T\ntags: [b]\n---\n")
    done = run_tracker(tmp_path, "merge-driver", *args)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "ours").read_text() == "---\ntitle: T\ntags: [a, b]\n---\n"
