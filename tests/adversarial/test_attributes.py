"""Hostile `.gitattributes` files and kind folder names, met by `tracker init` and
`tracker shard` (issue 15, section 3).

For each: no traceback; either every kind's items, flat and sharded, are routed to the
merge driver as git itself decides (`git check-attr`), with every line that is not
tracker's own kept byte for byte and a second `init` changing nothing; or one `Error:`
line and nothing written.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.helpers import git, run_tracker


def merge_attribute(root: Path, path: str) -> str:
    """What git decides for `path`, read NUL-separated (odd names stay whole)."""
    done = subprocess.run(["git", "check-attr", "-z", "merge", "--", path], cwd=root,
                          capture_output=True, check=True)
    return done.stdout.split(b"\0")[2].decode()


def one_line_error(done: subprocess.CompletedProcess[str], fragment: str) -> None:
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and fragment in lines[0], lines


FOLDERS = ["mes tickets", 'dit "ça"', "back\\slash", "#hash", "!bang", "a*b?c[d]",
           "tab\there", "ünïcödé", "deep/er/folder", "trailing/"]


@pytest.mark.parametrize("folder", FOLDERS)
def test_every_layout_of_an_oddly_named_kind_folder_is_routed(git_repo: Path, folder: str):
    assert run_tracker(git_repo, "init").returncode == 0
    escaped = folder.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t")
    (git_repo / ".tracker" / "kinds" / "odd.yaml").write_text(
        f'folder: "{escaped}"\nfields:\n  title: {{type: string}}\n', encoding="utf-8")
    done = run_tracker(git_repo, "init")
    assert done.returncode == 0, done.stderr
    base = folder.rstrip("/")
    for path in (f"{base}/odd-x.md", f"{base}/k3/odd-k3x.md", "issues/k3/issue-k3x.md"):
        assert merge_attribute(git_repo, path) == "tracker", path
    assert merge_attribute(git_repo, f"{base}x/odd-x.md") == "unspecified"
    check = run_tracker(git_repo, "check")
    assert "attribute" not in check.stderr, check.stderr  # git warned of no broken line
    before = (git_repo / ".gitattributes").read_bytes()
    assert "nothing changed" in run_tracker(git_repo, "init").stdout
    assert (git_repo / ".gitattributes").read_bytes() == before


HOSTILE = {
    "bom": b"\xef\xbb\xbfissues/*.md merge=tracker\n*.png binary\n",
    "crlf, no final newline": b"*.png binary\r\nissues/*.md merge=tracker",
    "cr only": b"*.png binary\rissues/*.md merge=tracker\r",
    "nul byte": b"*.png binary\n\0\nissues/*.md merge=tracker\n",
    "old line twice": b"issues/*.md merge=tracker\nissues/*.md merge=tracker\n",
    "old and new": b"issues/*.md merge=tracker\nissues/**/*.md merge=tracker\n",
    "ours with more attributes": b"issues/*.md merge=tracker -diff\n",
    "ours unset later": b"issues/*.md merge=tracker\nissues/frozen/*.md -merge\n",
    "comment that looks like ours": b"# issues/*.md merge=tracker\n",
    "only blanks": b" \t \n\n",
    "huge": b"".join(b"f%d/*.png binary\n" % n for n in range(20_000)),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_init_amends_a_hostile_gitattributes_keeping_the_users_bytes(git_repo: Path, name):
    original = HOSTILE[name]
    (git_repo / ".gitattributes").write_bytes(original)
    done = run_tracker(git_repo, "init")
    assert done.returncode == 0, done.stderr
    text = (git_repo / ".gitattributes").read_bytes()
    # tracker's own lines (`issues/*.md merge=tracker`, alone) are the only ones changed
    kept = [line for line in original.replace(b"\r\n", b"\n").split(b"\n")
            if line.strip().removeprefix(b"\xef\xbb\xbf") != b"issues/*.md merge=tracker"]
    got = text.replace(b"\r\n", b"\n").split(b"\n")
    for line in kept:
        assert line in got, line
    assert b"issues/**/*.md merge=tracker" in text
    if name != "cr only":  # one line to git, as before: git reads '\n' only
        assert merge_attribute(git_repo, "issues/k3/issue-k3x.md") == "tracker"
        assert merge_attribute(git_repo, "issues/issue-x.md") == "tracker"
    if name == "ours unset later":
        assert merge_attribute(git_repo, "issues/frozen/x.md") == "unset"
    assert git(git_repo, "status", "--porcelain") == ""
    assert "nothing changed" in run_tracker(git_repo, "init").stdout
    assert (git_repo / ".gitattributes").read_bytes() == text


def test_a_gitattributes_link_is_refused_and_its_target_never_read(git_repo: Path,
                                                                   tmp_path: Path):
    secret = tmp_path / "secret.txt"
    secret.write_text("password=hunter2\n", encoding="utf-8")
    (git_repo / ".gitattributes").symlink_to(secret)
    done = run_tracker(git_repo, "init")
    one_line_error(done, ".gitattributes is a link")
    assert not (git_repo / ".tracker").exists()
    assert (git_repo / ".gitattributes").is_symlink()
    assert secret.read_text(encoding="utf-8") == "password=hunter2\n"


def test_a_gitattributes_folder_is_refused(git_repo: Path):
    (git_repo / ".gitattributes").mkdir()
    one_line_error(run_tracker(git_repo, "init"), ".gitattributes is a folder")
    assert not (git_repo / ".tracker").exists()


def test_shard_refuses_a_gitattributes_it_cannot_amend_before_moving_anything(repo: Path):
    assert run_tracker(repo, "new", "issue", "One").returncode == 0
    (repo / ".gitattributes").write_bytes(b"# caf\xe9\nissues/*.md merge=tracker\n")
    git(repo, "commit", "-q", "-am", "latin-1 attributes")
    before = sorted(p.relative_to(repo).as_posix() for p in (repo / "issues").rglob("*"))
    one_line_error(run_tracker(repo, "shard", "issue", "2"), ".gitattributes:1: not UTF-8")
    assert sorted(p.relative_to(repo).as_posix() for p in (repo / "issues").rglob("*")) \
        == before
    assert git(repo, "status", "--porcelain") == ""
