"""The merge driver for sharded kinds (issue 15, section 3), through the installed CLI and
real git: `.gitattributes` routes every layout of a kind folder (flat and sharded) to the
driver, `tracker init` and `tracker shard` keep it so, and `tracker init` repairs the flat
`issues/*.md` lines older versions wrote, leaving every other line's bytes alone.

Each merge test edits two different fields of one item on adjacent lines, where git's
text merge conflicts: only the driver merges them cleanly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import git, run_tracker
from tests.sync_helpers import bare_remote, clone, seeded, tracker_ok
from tracker.format import frontmatter


def attr(root: Path, path: str) -> str:
    """The merge attribute git gives `path` in `root`."""
    return git(root, "check-attr", "merge", "--", path).rsplit(": ", 1)[1].strip()


def item_file(root: Path, item_id: str) -> Path:
    found = [p for p in root.rglob(f"{item_id}.md") if ".git" not in p.parts]
    assert len(found) == 1, found
    return found[0]


def fields(root: Path, item_id: str) -> dict:
    return frontmatter.parse(item_id, item_file(root, item_id).read_text(encoding="utf-8"))[0]


def unmerged(root: Path) -> str:
    return git(root, "diff", "--name-only", "--diff-filter=U")


def combine(second: Path, how: str) -> None:
    """Bring origin/main into `second`'s main by `how`; it must come out clean."""
    if how == "sync":
        done = run_tracker(second, "sync")
        assert done.returncode == 0, done.stderr
        assert "conflict" not in done.stderr.lower()
        return
    git(second, "fetch", "-q", "origin")
    args = (["merge", "-q", "--no-edit", "origin/main"] if how == "merge"
            else ["rebase", "-q", "origin/main"])
    done = git(second, *args, check=False)
    assert unmerged(second) == "", done
    assert git(second, "status", "--porcelain") == ""
    assert not (second / ".git" / "rebase-merge").exists()


@pytest.fixture
def sharded(tmp_path: Path) -> tuple[Path, Path, str]:
    """Two clones of a tracker whose issues are sharded (`tracker shard issue 2`)."""
    remote, first, ids = seeded(tmp_path)
    tracker_ok(first, "shard", "issue", "2")
    git(first, "push", "-q", "origin", "main")
    second = clone(remote, tmp_path / "second")
    tracker_ok(second, "init")
    item = ids[0]
    assert item_file(first, item).parent.name == item[6:8]
    return first, second, item


# ---------------------------------------------------------------- the patterns


def test_init_routes_flat_and_sharded_items_to_the_driver(repo: Path):
    assert (repo / ".gitattributes").read_text(encoding="utf-8") == \
        "issues/**/*.md merge=tracker\n"
    for path in ("issues/issue-x.md", "issues/k3/issue-k3x.md", "issues/_/issue-x.md"):
        assert attr(repo, path) == "tracker", path
    for path in ("issuesx/a.md", "docs/issues/a.md", "issues/a.txt", "README.md"):
        assert attr(repo, path) == "unspecified", path


def test_the_campaign_templates_sharded_kinds_are_routed(git_repo: Path):
    tracker_ok(git_repo, "init", "--template", "campaign")
    for path in ("bureaux/93/93066_0012.md", "bilans/93/93066.md", "equipes/team-x.md",
                 "sessions/session-x.md"):
        assert attr(git_repo, path) == "tracker", path


def test_a_folder_with_spaces_and_glob_characters_is_routed(git_repo: Path):
    tracker_ok(git_repo, "init")
    kinds = git_repo / ".tracker" / "kinds"
    (kinds / "ticket.yaml").write_text('folder: "mes tickets"\nfields:\n  title: {type: string}\n',
                                       encoding="utf-8")
    (kinds / "odd.yaml").write_text('folder: "a*b#c"\nfields:\n  title: {type: string}\n',
                                    encoding="utf-8")
    tracker_ok(git_repo, "init")
    lines = (git_repo / ".gitattributes").read_text(encoding="utf-8").splitlines()
    assert lines == ["issues/**/*.md merge=tracker", "a\\*b\\#c/**/*.md merge=tracker",
                     '"mes tickets/**/*.md" merge=tracker']
    done = run_tracker(git_repo, "check")
    assert "not a valid attribute" not in done.stderr
    for path in ("mes tickets/t.md", "mes tickets/k3/t.md", "a*b#c/x.md", "a*b#c/k3/x.md"):
        assert attr(git_repo, path) == "tracker", path
    assert attr(git_repo, "axb#c/x.md") == "unspecified"


# ---------------------------------------------------------------- merges after a shard


@pytest.mark.parametrize("how", ["merge", "rebase", "sync"])
def test_different_fields_of_a_sharded_item_merge_cleanly(sharded, how):
    first, second, item = sharded
    tracker_ok(first, "set", item, "status=in-progress")
    git(first, "push", "-q", "origin", "main")
    tracker_ok(second, "set", item, "priority=high")
    combine(second, how)
    got = fields(second, item)
    assert (got["status"], got["priority"]) == ("in-progress", "high")
    assert item_file(second, item).parent.name == item[6:8]
    assert tracker_ok(second, "check") == ""


def test_a_shard_on_one_side_and_an_edit_on_the_other_merge_cleanly(tmp_path: Path):
    """One clone shards and edits; the other, still flat, edits another field: the file
    moved, and the merge still goes through the driver (the pattern matches both)."""
    remote, first, ids = seeded(tmp_path)
    second = clone(remote, tmp_path / "second")
    tracker_ok(second, "init")
    item = ids[0]
    tracker_ok(first, "shard", "issue", "2")
    tracker_ok(first, "set", item, "status=in-progress")
    git(first, "push", "-q", "origin", "main")
    tracker_ok(second, "set", item, "priority=high")
    combine(second, "merge")
    got = fields(second, item)
    assert (got["status"], got["priority"]) == ("in-progress", "high")
    assert item_file(second, item).parent.name == item[6:8]


@pytest.mark.parametrize("how", ["merge", "rebase", "sync"])
def test_the_campaign_templates_sharded_bureaux_merge_cleanly(tmp_path: Path, how):
    remote = bare_remote(tmp_path)
    first = clone(remote, tmp_path / "first")
    tracker_ok(first, "init", "--template", "campaign")
    tracker_ok(first, "new", "bureau", "Bureau 0012", "--set", "bureau_id=93066_0012",
               "--set", "commune_insee=93066", "--set", "departement=93",
               "--set", "commune_name=Saint-Denis")
    tracker_ok(first, "new", "bilan", "Saint-Denis", "--set", "commune_insee=93066",
               "--set", "commune_name=Saint-Denis", "--set", "departement=93")
    git(first, "push", "-q", "origin", "main")
    second = clone(remote, tmp_path / "second")
    tracker_ok(second, "init", "--template", "campaign")
    assert item_file(first, "93066_0012").parent == first / "bureaux" / "93"
    tracker_ok(first, "set", "93066_0012", "inscrits=1200")
    git(first, "push", "-q", "origin", "main")
    tracker_ok(second, "set", "93066_0012", "votants=700")
    combine(second, how)
    got = fields(second, "93066_0012")
    assert (got["inscrits"], got["votants"]) == (1200, 700)


# ---------------------------------------------------------------- repairs


OLD = (b"# ours\r\n*.png binary\r\nissues/*.md   merge=tracker\r\n"
       b"docs/*.md merge=tracker\r\nbureaux/*.md merge=tracker -diff\r\n"
       b"bureaux/*.md merge=tracker\r\nbilans/*.md merge=tracker")


def test_init_repairs_an_old_gitattributes_changing_only_its_own_lines(git_repo: Path):
    tracker_ok(git_repo, "init", "--template", "campaign")
    (git_repo / ".gitattributes").write_bytes(OLD)
    git(git_repo, "commit", "-q", "-am", "attributes as an older tracker left them")
    assert attr(git_repo, "bureaux/93/93066_0012.md") == "unspecified"  # the defect
    out = tracker_ok(git_repo, "init", "--template", "campaign")
    assert ".gitattributes" in out
    text = (git_repo / ".gitattributes").read_bytes()
    # the user's lines byte for byte, `issues/*.md` too: the campaign has no issue kind
    kept = [b"# ours", b"*.png binary", b"issues/*.md   merge=tracker",
            b"docs/*.md merge=tracker", b"bureaux/*.md merge=tracker -diff"]
    assert text.split(b"\r\n")[:7] == [
        *kept, b"bureaux/**/*.md merge=tracker", b"bilans/**/*.md merge=tracker"]
    assert b"\n" not in text.replace(b"\r\n", b"")  # the file's own line endings
    assert text.count(b"bilans/") == 1 and text.count(b"bureaux/**") == 1
    for path in ("bureaux/93/93066_0012.md", "bilans/93/93066.md", "equipes/x.md"):
        assert attr(git_repo, path) == "tracker", path
    assert git(git_repo, "status", "--porcelain") == ""  # committed
    assert ".gitattributes" in git(git_repo, "show", "--name-only", "--format=", "HEAD")
    again = tracker_ok(git_repo, "init", "--template", "campaign")
    assert "nothing changed" in again
    assert (git_repo / ".gitattributes").read_bytes() == text


def test_init_repairs_the_split_line_of_a_folder_with_a_space(git_repo: Path):
    tracker_ok(git_repo, "init")
    (git_repo / ".tracker" / "kinds" / "ticket.yaml").write_text(
        'folder: "mes tickets"\nfields:\n  title: {type: string}\n', encoding="utf-8")
    (git_repo / ".gitattributes").write_text(
        "issues/*.md merge=tracker\nmes[ ]tickets/*.md merge=tracker\n", encoding="utf-8")
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-q", "-m", "old")
    tracker_ok(git_repo, "init")
    assert (git_repo / ".gitattributes").read_text(encoding="utf-8") == \
        'issues/**/*.md merge=tracker\n"mes tickets/**/*.md" merge=tracker\n'


def test_shard_repairs_the_kinds_old_line_in_the_same_commit(repo: Path):
    tracker_ok(repo, "new", "issue", "One")
    (repo / ".gitattributes").write_bytes(b"*.png binary\nissues/*.md merge=tracker\n")
    git(repo, "commit", "-q", "-am", "old attributes")
    tracker_ok(repo, "shard", "issue", "2")
    assert (repo / ".gitattributes").read_bytes() == \
        b"*.png binary\nissues/**/*.md merge=tracker\n"
    assert ".gitattributes" in git(repo, "show", "--name-only", "--format=", "HEAD")
    assert git(repo, "status", "--porcelain") == ""
    assert attr(repo, "issues/k3/issue-k3x.md") == "tracker"
    tracker_ok(repo, "shard", "issue", "0")  # back to flat: the line still matches
    assert attr(repo, "issues/issue-x.md") == "tracker"
    assert (repo / ".gitattributes").read_bytes() == \
        b"*.png binary\nissues/**/*.md merge=tracker\n"


def test_a_gitattributes_that_is_not_utf8_is_refused_before_anything_is_written(
        git_repo: Path):
    (git_repo / ".gitattributes").write_bytes(b"*.png binary\n# caf\xe9\n")
    done = run_tracker(git_repo, "init")
    assert done.returncode != 0
    assert done.stderr.strip().splitlines() == [
        "Error: .gitattributes:2: not UTF-8; tracker adds its lines to a UTF-8 file only: "
        "convert it, then run 'tracker init'"]
    assert "Traceback" not in done.stderr
    assert not (git_repo / ".tracker").exists()


def test_sync_warns_of_a_kind_only_half_routed_until_init_repairs_it(sharded):
    first, second, item = sharded
    (second / ".gitattributes").write_text("issues/*.md merge=tracker\n", encoding="utf-8")
    git(second, "commit", "-q", "-am", "attributes as an older tracker left them")
    done = run_tracker(second, "sync")
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines()[0] == (
        "warning: .gitattributes: the merge driver sees only part of issues/ (the flat or "
        "the sharded items): run 'tracker init' to repair it")
    tracker_ok(second, "init")
    done = run_tracker(second, "sync", "--format", "json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["unrouted"] == []
    assert "warning" not in done.stderr
    # a kind the user routes nowhere is a choice, not a warning
    (second / ".gitattributes").write_text("", encoding="utf-8")
    git(second, "commit", "-q", "-am", "no driver")
    assert "warning" not in run_tracker(second, "sync").stderr


def test_a_tracker_in_a_subfolder_routes_its_sharded_items(git_repo: Path):
    (git_repo / "README.md").write_text("hello\n", encoding="utf-8")
    git(git_repo, "add", "README.md")
    git(git_repo, "commit", "-q", "-m", "project")
    tracker_ok(git_repo, "init", "suivi")
    sub = git_repo / "suivi"
    item = tracker_ok(sub, "new", "issue", "One").strip()
    (sub / ".gitattributes").write_text("issues/*.md merge=tracker\n", encoding="utf-8")
    git(git_repo, "commit", "-q", "-am", "old attributes")
    tracker_ok(sub, "shard", "issue", "2")
    assert (sub / ".gitattributes").read_text(encoding="utf-8") == \
        "issues/**/*.md merge=tracker\n"
    assert git(git_repo, "status", "--porcelain") == ""
    assert attr(git_repo, f"suivi/issues/{item[6:8]}/{item}.md") == "tracker"
    assert attr(git_repo, "issues/k3/x.md") == "unspecified"  # only the tracker's folder
    assert attr(git_repo, "README.md") == "unspecified"
