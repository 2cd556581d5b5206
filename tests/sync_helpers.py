"""Builders for the merge and sync tests: a bare remote, clones of it, items edited in them.

Everything is real: git repositories in temp folders, the tracker run through its CLI.
"""

from __future__ import annotations

from pathlib import Path

from tests.helpers import git, make_invoke, run_tracker
from tracker.format import frontmatter


def bare_remote(folder: Path) -> Path:
    """An empty bare repository whose default branch is main."""
    remote = folder / "remote.git"
    remote.mkdir(parents=True)
    git(remote, "init", "-q", "--bare", "-b", "main")
    return remote


def clone(remote: Path, dest: Path) -> Path:
    """A plain `git clone` (which copies no local config: no merge driver yet)."""
    git(remote.parent, "clone", "-q", str(remote), str(dest))
    return dest


def seeded(folder: Path, items: int = 1) -> tuple[Path, Path, list[str]]:
    """A remote holding an initialised tracker with some items, and the clone that made it."""
    remote = bare_remote(folder)
    first = clone(remote, folder / "first")
    invoke = make_invoke(first)
    assert invoke("init").exit_code == 0
    ids = []
    for n in range(items):
        result = invoke("new", "issue", f"Item {n}", "--set", "tags=start",
                        "--body", "Para one.\n\nPara two.\n\nPara three.\n")
        assert result.exit_code == 0, result.stderr
        ids.append(result.stdout.strip())
    git(first, "push", "-q", "origin", "main")
    return remote, first, ids


def item_path(root: Path, item_id: str) -> Path:
    return root / "issues" / f"{item_id}.md"


def read_fields(root: Path, item_id: str) -> dict:
    return frontmatter.parse(item_id, item_path(root, item_id).read_text(encoding="utf-8"))[0]


def tracker_ok(root: Path, *args: str) -> str:
    """Run the installed tracker in a subprocess; it must succeed. Returns stdout."""
    done = run_tracker(root, *args)
    assert done.returncode == 0, (args, done.stdout, done.stderr)
    return done.stdout


def head(root: Path, rev: str = "HEAD") -> str:
    return git(root, "rev-parse", rev).strip()
