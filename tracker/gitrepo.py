"""The only module that talks to git.

Writes (add, commit, config) run the `git` command directly: that costs a few
milliseconds where importing GitPython costs a hundred, and `tracker set` should feel
instant. Reads of history go through GitPython's persistent `cat-file --batch`
process (see `open_repo`), imported only when history is asked for.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any, Iterable

from .errors import GitError, UsageError

_REV_OK = re.compile(r"[A-Za-z0-9._/@{}^~:+-]+\Z")


def find_top(start: Path) -> Path | None:
    """The work tree holding `start`: the nearest folder with a `.git` entry."""
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return None


def git_dir(top: Path) -> Path:
    """The repository's git folder, following a `.git` file (linked worktrees, submodules)."""
    entry = top / ".git"
    if entry.is_file():
        text = entry.read_text(encoding="utf-8", errors="replace").strip()
        if text.startswith("gitdir:"):
            target = Path(text[len("gitdir:"):].strip())
            return target if target.is_absolute() else (top / target).resolve()
    return entry


def run(top: Path, *args: str, input: str | None = None, check: bool = True) -> str:
    """Run `git args…` in `top` and return its stdout; a failure raises GitError."""
    try:
        done = subprocess.run(["git", "--literal-pathspecs", *args], cwd=top, input=input,
                              capture_output=True, text=True, encoding="utf-8",
                              errors="replace")
    except FileNotFoundError:
        raise GitError("git is not installed or not on PATH") from None
    if check and done.returncode != 0:
        message = (done.stderr.strip() or done.stdout.strip()).splitlines()
        detail = " ".join(message[:2]) if message else f"exit {done.returncode}"
        raise GitError(f"git {args[0]} failed: {detail}")
    return done.stdout


def init(folder: Path) -> None:
    run(folder, "init", "-q")


def commit(top: Path, paths: Iterable[str], message: str) -> bool:
    """Commit exactly these paths (repo-relative); other staged work stays staged.

    Returns False when the paths held no change to commit.
    """
    paths = sorted(set(paths))
    if not paths:
        return False
    run(top, "add", "-A", "--", *paths)
    try:
        run(top, "commit", "-q", "-m", message, "--", *paths)
    except GitError as e:
        if "nothing to commit" in str(e) or "no changes added" in str(e):
            return False
        raise
    return True


def set_config(top: Path, key: str, value: str) -> None:
    run(top, "config", "--local", key, value)


def get_config(top: Path, key: str) -> str | None:
    value = run(top, "config", "--local", "--get", key, check=False).strip()
    return value or None


def check_rev(rev: str) -> str:
    """A revision a user typed, refused if git could read it as an option."""
    if not rev or rev.startswith("-") or not _REV_OK.match(rev) or ".." in rev.replace(
            "...", ""):
        raise UsageError(f"invalid revision '{rev}'")
    return rev


def open_repo(top: Path) -> Any:
    """A GitPython Repo for history reads (imports GitPython on first use)."""
    import git  # noqa: PLC0415 - deferred: 100 ms of start-up

    try:
        return git.Repo(top)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise GitError(f"{top} is not a git repository") from None
