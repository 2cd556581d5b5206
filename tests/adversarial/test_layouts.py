"""Adversarial layouts: what a teammate's push can put in the tree beside the items, rather
than inside one file (those are in `cases/`, see test_corpus.py). Each is read through the
installed CLI; what a user expects:

- ids that differ only by case are one id: `check` reports the pair (one problem, naming
  both files) in every layout, and no write adds a second one;
- a kind folder that is a link leading outside the repository (or to nothing there) is
  one problem for `check`, a warning for `list` and `export`, never a clean tracker whose
  items vanished; nothing outside is read or written.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import commit_all, run_tracker, snapshot, write_kind, write_tree

ITEM = "---\ntitle: {title}\nstatus: open\n---\nBody.\n"
OTHER_KIND = "folder: notes\nfields:\n  title: {type: string, required: true}\n"

# name: (files to add, the kind files to add, `tracker shard issue 2` first)
CASE_TWINS: dict[str, tuple[dict[str, str], bool, bool]] = {
    "flat": ({"issues/issue-x.md": "Lower", "issues/ISSUE-X.md": "Upper"}, False, False),
    "mixed-case": ({"issues/Issue-X.md": "One", "issues/iSSUE-x.md": "Two"}, False, False),
    "sharded": ({"issues/is/issue-x.md": "Lower", "issues/IS/ISSUE-X.md": "Upper"},
                False, True),
    "sharded-and-flat": ({"issues/issue-x.md": "Flat", "issues/IS/ISSUE-X.md": "Shard"},
                         False, True),
    "two-kinds": ({"issues/issue-x.md": "Issue", "notes/ISSUE-X.md": "Note"}, True, False),
}


@pytest.mark.parametrize("name", sorted(CASE_TWINS))
def test_case_twins_are_one_duplicate(repo, name, tmp_path):
    files, other_kind, shard = CASE_TWINS[name]
    if other_kind:
        write_kind(repo, "note", OTHER_KIND)
    if shard:
        assert run_tracker(repo, "shard", "issue", "2").returncode == 0
    write_tree(repo, {path: ITEM.format(title=title) for path, title in files.items()})
    commit_all(repo, f"case twins {name}")
    done = run_tracker(repo, "check", "--format", "json")
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    found = json.loads(done.stdout)
    assert len(found) == 1 and found[0]["message"].startswith("duplicate id: "), found
    named = {found[0]["path"]} | {p for p in files if p in found[0]["message"]}
    assert named == set(files), found
    # an import of a third spelling is refused, naming one of them, and writes nothing
    before = snapshot(repo)
    data = tmp_path / "in.json"
    data.write_text(json.dumps([{"id": "IsSuE-x", "kind": "issue", "title": "Third"}]))
    done = run_tracker(repo, "import", "json", str(data))
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.startswith(f"{data}:1: id: ") and len(done.stderr.splitlines()) == 1
    assert any(p in done.stderr for p in files), done.stderr
    assert snapshot(repo) == before


def _outside(tmp_path: Path) -> Path:
    target = tmp_path / "elsewhere" / "issues"
    write_tree(target, {"issue-a.md": ITEM.format(title="Secret elsewhere")})
    return target


LINKS = {
    "links-out": lambda tmp: _outside(tmp),
    "links-to-nothing-outside": lambda tmp: tmp / "nowhere" / "issues",
}


@pytest.mark.parametrize("name", sorted(LINKS))
def test_a_kind_folder_linking_out_is_never_a_clean_tracker(repo, name, tmp_path):
    target = LINKS[name](tmp_path)
    (repo / "issues").symlink_to(target, target_is_directory=True)
    commit_all(repo, f"kind folder {name}")
    before = snapshot(repo)
    done = run_tracker(repo, "check", "--format", "json")
    assert done.returncode == 1, done.stderr
    found = json.loads(done.stdout)
    assert [p["path"] for p in found] == ["issues"], found
    assert "leads outside the tracker" in found[0]["message"]
    for args in (["list"], ["export", "json"]):
        done = run_tracker(repo, *args)
        assert "Traceback" not in done.stderr and "Secret" not in done.stdout, done.stderr
        assert [w for w in done.stderr.splitlines() if w.startswith("warning: issues:")], \
            (args, done.stderr)
    done = run_tracker(repo, "new", "issue", "Written where?")
    assert done.returncode == 1 and "leads outside the tracker" in done.stderr, done.stderr
    assert snapshot(repo) == before
    if target.exists():
        assert sorted(p.name for p in target.iterdir()) == ["issue-a.md"]
    else:
        assert not target.parent.exists()
