"""A same-field merge conflict, end to end: check names the field; `tracker set` gives
the field its value, which resolves the conflict and stages the file for the merge."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import git, run_tracker
from tests.sync_helpers import clone, item_path, read_fields, seeded, tracker_ok


def pull(root: Path) -> bool:
    done = run_tracker(root, "sync")
    return done.returncode == 0


def test_set_resolves_a_conflict_and_check_names_the_field(tmp_path: Path):
    remote, first, items = seeded(tmp_path)
    second = clone(remote, tmp_path / "second")
    tracker_ok(second, "init")  # a fresh clone installs the merge driver
    item = items[0]
    tracker_ok(first, "set", item, "priority=high", "assignee=ada")
    git(first, "push", "-q", "origin", "main")
    tracker_ok(second, "set", item, "priority=low", "tags=terrain")
    assert not pull(second)
    check = run_tracker(second, "check", "--format", "json")
    assert check.returncode == 1
    assert '"field": "priority"' in check.stdout and "invalid YAML" not in check.stdout
    refused = run_tracker(second, "set", item, "assignee=bob")
    assert refused.returncode == 1 and "priority" in refused.stderr
    done = run_tracker(second, "set", item, "priority=urgent")
    assert done.returncode == 0, done.stderr
    assert "staged" in done.stderr
    assert read_fields(second, item)["priority"] == "urgent"
    assert read_fields(second, item)["assignee"] == "ada"
    assert read_fields(second, item)["tags"] == ["terrain"]
    assert "<<<<<<<" not in item_path(second, item).read_text()
    assert run_tracker(second, "check").returncode == 0
    git(second, "commit", "-q", "--no-edit")
    assert git(second, "status", "--porcelain") == ""
    assert run_tracker(second, "sync").returncode == 0
