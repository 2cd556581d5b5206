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


# ---------------------------------------------------------------- history reads
# One `git log` walk, one `ls-tree` or `diff`, and blobs through GitPython's
# persistent `cat-file --batch` process: never one git process per item or commit.

NULL_SHA = "0" * 40
_RECORD, _UNIT = "\x1e", "\x1f"


class Reader:
    """Batched reads of one repository's history."""

    def __init__(self, top: Path) -> None:
        self.top = top
        self._repo: Any = None

    @property
    def repo(self) -> Any:
        if self._repo is None:
            self._repo = open_repo(self.top)
        return self._repo

    def close(self) -> None:
        if self._repo is not None:
            self._repo.close()
            self._repo = None

    def __enter__(self) -> "Reader":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def git(self, *args: str) -> str:
        import git as gitpython  # noqa: PLC0415

        try:
            return str(self.repo.git.execute(["git", "-c", "core.quotepath=off",
                                              "--literal-pathspecs", *args],
                                             strip_newline_in_stdout=False))
        except gitpython.GitCommandError as e:
            detail = " ".join(str(e.stderr).strip().split())[:300]
            raise GitError(f"git {args[0]} failed: {detail}") from None

    def blob(self, sha: str) -> bytes:
        """A blob's bytes, through the persistent cat-file process."""
        return bytes(self.repo.odb.stream(bytes.fromhex(sha)).read())

    def resolve(self, rev: str) -> str:
        """A revision as a commit sha; option-like or unknown revisions are refused."""
        check_rev(rev)
        out = run(self.top, "rev-parse", "-q", "--verify", "--end-of-options",
                  f"{rev}^{{commit}}", check=False).strip()
        if not out:
            raise UsageError(f"unknown revision '{rev}'")
        return out

    def commit_before(self, moment: str) -> str:
        """The last commit (first-parent) made on or before a date or time."""
        out = run(self.top, "rev-list", "-1", "--first-parent", f"--before={moment}", "HEAD",
                  check=False).strip()
        if not out:
            raise UsageError(f"no commit on or before {moment}")
        return out

    def merge_base(self, a: str, b: str) -> str:
        out = run(self.top, "merge-base", a, b, check=False).strip()
        if not out:
            raise UsageError(f"'{a}' and '{b}' have no common ancestor")
        return out

    def has_head(self) -> bool:
        return bool(run(self.top, "rev-parse", "-q", "--verify", "HEAD", check=False).strip())

    def log(self, paths: list[str], since: str | None = None, until: str | None = None,
            rev: str = "HEAD") -> list[dict[str, Any]]:
        """Commits touching paths, newest first: header fields and raw file changes."""
        args = ["log", f"--format={_RECORD}%H{_UNIT}%an{_UNIT}%ae{_UNIT}%aI{_UNIT}%s",
                "--raw", "--no-abbrev", "--no-renames"]
        if since:
            args.append(f"--since={since}")
        if until:
            args.append(f"--until={until}")
        out = self.git(*args, rev, "--", *paths)
        return [_parse_commit(chunk) for chunk in out.split(_RECORD) if chunk.strip()]

    def tree(self, rev: str, paths: list[str]) -> dict[str, str]:
        """{path: blob sha} of the files under paths at a revision."""
        out = self.git("ls-tree", "-r", "--full-tree", "-z", rev, "--", *paths)
        files = {}
        for entry in out.split("\0"):
            if entry:
                meta, _, path = entry.partition("\t")
                mode, kind, sha = meta.split()
                if kind == "blob":
                    files[path] = sha
        return files

    def diff(self, a: str, b: str | None, paths: list[str]) -> list[tuple[str, str, str, str]]:
        """(path, old sha, new sha, status letter) changed between a and b.

        With b None the other side is the work tree: a modified file's new sha is then
        NULL_SHA, meaning 'read the file'; status D means deleted.
        """
        args = ["diff", "--raw", "--no-abbrev", "--no-renames", "-z", a] + ([b] if b else [])
        out = self.git(*args, "--", *paths)
        parts = out.split("\0")
        changes = []
        for meta, path in zip(parts[0::2], parts[1::2]):
            fields = meta.split()
            if len(fields) >= 5:
                changes.append((path, fields[2], fields[3], fields[4][:1]))
        return changes

    def untracked(self, paths: list[str]) -> list[str]:
        out = self.git("ls-files", "--others", "--exclude-standard", "-z", "--", *paths)
        return [p for p in out.split("\0") if p]


def _parse_commit(chunk: str) -> dict[str, Any]:
    header, _, rest = chunk.partition("\n")
    sha, author, email, date, subject = (header.split(_UNIT) + [""] * 5)[:5]
    files = []
    for line in rest.splitlines():
        if line.startswith(":"):
            meta, _, path = line.partition("\t")
            fields = meta.split()
            files.append((path, fields[2], fields[3], fields[4]))
    return {"commit": sha, "author": author, "email": email, "date": date,
            "message": subject, "files": files}
