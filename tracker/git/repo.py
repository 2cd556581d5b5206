"""What tracker asks of a repository: its folders, commits, config, history reads,
merges and sync, and what its index says of the work tree (for the snapshot).

Writes (add, commit, config) run the `git` command directly, through process.py:
that costs a few milliseconds where importing GitPython costs a hundred, and
`tracker set` should feel instant. Reads of history run git through GitPython (see
`open_repo`), imported only when history is asked for, and read blobs through one
persistent `cat-file --batch` process of our own (GitPython's object database reads
SHA-1 ids only; ours reads either object format).
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

from tracker.git import commit as gitcommit
from tracker.git import process
from tracker.git.process import attempt, run
from tracker.model.errors import GitError, UsageError

TYPE_CHECKING = False  # typing is not imported at run time (start-up)
if TYPE_CHECKING:
    import subprocess
    from typing import Any, Iterable

_REV_OK = re.compile(r"[A-Za-z0-9._/@{}^~:+-]+\Z")


def git_dir(top: Path) -> Path:
    """The repository's git folder, following a `.git` file (linked worktrees, submodules)."""
    entry = top / ".git"
    if entry.is_file():
        text = entry.read_text(encoding="utf-8", errors="replace").strip()
        if text.startswith("gitdir:"):
            target = Path(text[len("gitdir:"):].strip())
            return target if target.is_absolute() else (top / target).resolve()
    return entry


def inside_git_dir(folder: Path) -> bool:
    """True in a bare repository or inside a .git folder, where no item can live."""
    out = run(folder, "rev-parse", "--is-bare-repository", "--is-inside-git-dir",
              check=False).split()
    return "true" in out


def ignored(top: Path, folder: Path) -> bool:
    """True when the repository at `top` ignores `folder` (its items could never be added)."""
    rel = folder.relative_to(top).as_posix()
    return attempt(top, "check-ignore", "-q", "--", rel + "/").returncode == 0


def merge_attributes(top: Path, paths: list[str]) -> dict[str, str]:
    """The `merge` attribute git gives each repo-relative path (`unspecified` for none),
    as every `.gitattributes` on the way and `.git/info/attributes` decide."""
    if not paths:
        return {}
    out = run(top, "check-attr", "-z", "--stdin", "merge",
              input="".join(p + "\0" for p in paths)).split("\0")
    return {out[i]: out[i + 2] for i in range(0, len(out) - 2, 3)}


def init(folder: Path) -> None:
    run(folder, "init", "-q")


def commit(top: Path, paths: Iterable[str], message: str, new: bool = False,
           author: str | None = None) -> bool:
    """Commit exactly these paths (repo-relative); other staged work stays staged.
    `author`: "Name <email>", as `git commit --author` takes it (else git's own).

    Returns False when the paths held no change to commit.
    """
    paths = sorted(set(paths))
    if not paths:
        return False
    who = author_env(author)
    if len(paths) > 100:
        return commit_many(top, paths, message, author)
    text = _clean_message(message)
    done = gitcommit.commit_paths(top, paths, text, f"commit: {text.splitlines()[0]}", who)
    if done is not None:
        return done
    # `commit -- PATHS` takes tracked files as they are in the work tree: one git process.
    # A path git does not know yet (a new item) needs `git add` first.
    if new:
        run(top, "add", "-A", "--", *paths)
    try:
        run(top, "commit", "-q", "-m", message, "--", *paths,
            env={**os.environ, **who} if who else None)
    except GitError as e:
        if not new and ("did not match any file" in str(e) or "unknown to git" in str(e)):
            return commit(top, paths, message, new=True, author=author)
        if "nothing to commit" in str(e) or "no changes added" in str(e):
            return False
        raise
    return True


def author_env(author: str | None) -> dict[str, str] | None:
    """An author "Name <email>" as git's GIT_AUTHOR_NAME and GIT_AUTHOR_EMAIL (None: git's own);
    refused when it would not be one clean identity line."""
    if author is None:
        return None
    name, sep, rest = author.partition(" <")
    if not sep or not rest.endswith(">") or not name.strip() or any(
            c in author for c in "\n\r\0") or "<" in name or ">" in name or \
            "<" in rest[:-1] or ">" in rest[:-1]:
        raise UsageError(f"invalid author '{author}': expected 'Name <email>'")
    return {"GIT_AUTHOR_NAME": name.strip(), "GIT_AUTHOR_EMAIL": rest[:-1]}


def blob_id(top: Path, path: str) -> str:
    """The blob id git would give the file at this repo-relative path now (its filters
    applied), without writing the object."""
    return run(top, "hash-object", "--", path).strip()


def blob_bytes(top: Path, sha: str) -> bytes | None:
    """A blob's bytes, or None when the repository has no such blob."""
    if not re.fullmatch(r"[0-9a-f]{40}|[0-9a-f]{64}", sha):
        return None
    done = process.read(top, "cat-file", "blob", sha)
    return done.stdout if done.returncode == 0 else None


def _clean_message(message: str) -> str:
    """The message as `git commit -m` stores it (cleanup=whitespace): trailing spaces,
    leading and trailing blank lines gone, runs of blank lines made one."""
    lines: list[str] = []
    for line in message.split("\n"):
        line = line.rstrip()
        if line or (lines and lines[-1]):
            lines.append(line)
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines) + "\n"


def commit_many(top: Path, paths: list[str], message: str, author: str | None = None) -> bool:
    """Commit exactly these paths, many of them (an import), through a temporary index.

    `git add` and `git commit -- PATHS` slow down sharply past a few thousand paths;
    building the commit from HEAD's tree plus these files in a private index costs one
    pass. The real index then takes the same entries, so nothing looks modified.
    Commit hooks do not run for such bulk commits.
    """
    listing = "".join(p + "\0" for p in paths)
    private = git_dir(top) / f"tracker-index-{os.getpid()}"
    env = {**os.environ, "GIT_INDEX_FILE": str(private)}
    head = run(top, "rev-parse", "-q", "--verify", "HEAD", check=False).strip()
    try:
        if head:
            run(top, "read-tree", head, env=env)
        run(top, "update-index", "--add", "--remove", "-z", "--stdin", input=listing, env=env)
        tree = run(top, "write-tree", env=env).strip()
    finally:
        private.unlink(missing_ok=True)
    if head and tree == run(top, "rev-parse", f"{head}^{{tree}}").strip():
        return False
    parents = ["-p", head] if head else []
    who = author_env(author)
    new = run(top, "commit-tree", tree, *parents, "-m", message,
              env={**os.environ, **who} if who else None).strip()
    run(top, "update-ref", "-m", f"commit: {message.splitlines()[0]}", "HEAD", new,
        *([head] if head else []))
    run(top, "update-index", "--add", "--remove", "-z", "--stdin", input=listing)
    return True


def commit_blocker(top: Path) -> str | None:
    """Why git could not take a change now (a lock a crashed git left), or None."""
    folder = git_dir(top)
    if (folder / "index.lock").exists() and not process.holds_index(top):
        return process.busy("index.lock")
    for lock in _ref_locks(folder):
        if lock.exists():
            return process.busy(lock.relative_to(folder).as_posix())
    return None


def _ref_locks(folder: Path) -> list[Path]:
    """The lock files a commit takes besides the index's: HEAD's and its branch's."""
    locks = [folder / "HEAD.lock"]
    try:
        head = (folder / "HEAD").read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return locks
    if head.startswith("ref: refs/"):
        ref = head[len("ref: "):]
        common = folder
        try:  # a linked worktree keeps its branches in the main repository
            pointer = (folder / "commondir").read_text(encoding="utf-8").strip()
            common = (folder / pointer).resolve()
        except OSError:
            pass
        if ".." not in ref.split("/"):
            locks.append(common / f"{ref}.lock")
    return locks


def operation_in_progress(top: Path) -> str | None:
    """'a merge' (or cherry-pick, revert) when one waits for its commit: git refuses
    partial commits then, so changes are staged for that commit instead."""
    folder = git_dir(top)
    for state, what in (("MERGE_HEAD", "a merge"), ("CHERRY_PICK_HEAD", "a cherry-pick"),
                        ("REVERT_HEAD", "a revert")):
        if (folder / state).exists():
            return what
    return None


def stage(top: Path, paths: Iterable[str]) -> None:
    run(top, "add", "-A", "--", *sorted(set(paths)))


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


# ---------------------------------------------------------------- the index's word
# What the snapshot (store/snapshot.py) asks git: which blob the index holds for each
# file, and which tracked files differ from it.


def index_blobs(top: Path, folders: list[str]) -> dict[str, bytes]:
    """{path: blob id} for the regular files git's index holds, unmerged and not
    marked assume-unchanged, under the folders."""
    blobs: dict[str, bytes] = {}
    try:
        done = process.read(top, "ls-files", "-v", "-s", "-z", "--", *folders)
    except GitError:  # no git to ask: nothing is vouched for, every file is read
        return blobs
    if done.returncode != 0:
        return blobs
    for entry in done.stdout.split(b"\0"):
        meta, _, path = entry.partition(b"\t")
        parts = meta.split(b" ")
        if len(parts) == 4 and parts[0] == b"H" and parts[3] == b"0" and \
                parts[1] in (b"100644", b"100755") and len(parts[2]) == 40:
            blobs[os.fsdecode(path)] = bytes.fromhex(parts[2].decode("ascii"))
    return blobs


class DirtyFiles:
    """`git diff-files` running in the background: the tracked files under the folders
    that differ from the index (or None when git could not say, so that nothing is
    vouched for)."""

    def __init__(self, folders: list[str], running: "subprocess.Popen[bytes] | None"
                 ) -> None:
        self.folders = folders
        self.running = running

    def result(self) -> set[str] | None:
        if self.running is None:
            return None
        started = time.perf_counter()
        out, _ = self.running.communicate()
        process.trace("waiting for git diff-files", started)
        if self.running.returncode != 0:
            return None
        prefixes = tuple(f"{folder}/" for folder in self.folders)
        return {path for path in map(os.fsdecode, out.split(b"\0"))
                if path.startswith(prefixes)}


def dirty_files(top: Path, folders: list[str]) -> DirtyFiles:
    """The run started at launch for this work tree if there is one, else a new one."""
    running = process.take_prefetched(top)
    if not folders:
        return DirtyFiles(folders, None)
    return DirtyFiles(folders, running or process.diff_files(top, folders))


# ---------------------------------------------------------------- history reads
# One `git log` walk, one `ls-tree` or `diff`, and blobs through one persistent
# `cat-file --batch` process: never one git process per item or commit. Object ids
# are 40 hex digits in a SHA-1 repository and 64 in a SHA-256 one: nothing here counts
# them, and git's null id (all zeros, of either length) is told by `is_null`.

NULL_SHA = "0" * 40  # the null id this module hands out (for files not in git)


def is_null(sha: str) -> bool:
    """True for git's null object id, in either object format (40 or 64 zeros)."""
    return not sha.strip("0")

_RECORD, _UNIT = "\x1e", "\x1f"


class Reader:
    """Batched reads of one repository's history."""

    def __init__(self, top: Path) -> None:
        self.top = top
        self._repo: Any = None
        self._batch: "subprocess.Popen[bytes] | None" = None

    @property
    def repo(self) -> Any:
        if self._repo is None:
            self._repo = open_repo(self.top)
        return self._repo

    def close(self) -> None:
        if self._repo is not None:
            self._repo.close()
            self._repo = None
        if self._batch is not None:
            batch, self._batch = self._batch, None
            for pipe in (batch.stdin, batch.stdout, batch.stderr):
                if pipe is not None:
                    pipe.close()
            batch.wait()

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
        """A blob's bytes, through the persistent `cat-file --batch` process."""
        if self._batch is None or self._batch.poll() is not None:
            self._batch = process.start(self.top, "cat-file", "--batch", stdin=True)
        batch = self._batch
        assert batch.stdin is not None and batch.stdout is not None
        try:
            batch.stdin.write(sha.encode("ascii") + b"\n")
            batch.stdin.flush()
            header = batch.stdout.readline().split()
        except (OSError, UnicodeEncodeError):
            header = []
        if len(header) != 3 or header[1] != b"blob" or not header[2].isdigit():
            raise GitError(f"git cat-file: no blob {sha[:12]} in this repository")
        size = int(header[2])
        data = batch.stdout.read(size + 1)  # the bytes and the newline after them
        if len(data) != size + 1:
            raise GitError(f"git cat-file: blob {sha[:12]} cut short")
        return data[:size]

    def blobs(self, shas: Iterable[str]) -> dict[str, bytes]:
        """Many blobs in one streamed `cat-file --batch` call (no round trip per blob)."""
        wanted = sorted(set(shas))
        if not wanted:
            return {}
        done = process.read(self.top, "cat-file", "--batch",
                            input="".join(f"{sha}\n" for sha in wanted).encode())
        if done.returncode != 0:
            raise GitError("git cat-file failed: " + done.stderr.decode(errors="replace")[:200])
        return _parse_batch(done.stdout)

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


def _parse_batch(out: bytes) -> dict[str, bytes]:
    """`cat-file --batch` output: '<sha> <type> <size>\\n<content>\\n' per object."""
    found, position = {}, 0
    while position < len(out):
        end = out.index(b"\n", position)
        header = out[position:end].split()
        position = end + 1
        if len(header) < 3 or header[1] == b"missing":
            continue
        size = int(header[2])
        found[header[0].decode()] = out[position:position + size]
        position += size + 1
    return found


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


# ---------------------------------------------------------------- merges and sync (issue 4)

MERGE_LABELS = ("ours", "base", "theirs")


def merge_bytes(base: bytes, ours: bytes, theirs: bytes) -> tuple[bytes, bool]:
    """Git's own three-way text merge (`git merge-file --diff3`); True when conflicted.

    Never fails: what git refuses (binary content) becomes one conflict holding both sides.
    """
    import tempfile  # noqa: PLC0415 - only merges need it

    with tempfile.TemporaryDirectory(prefix="tracker-merge-") as folder:
        names = {"ours": ours, "base": base, "theirs": theirs}
        for name, data in names.items():
            Path(folder, name).write_bytes(data)
        labels = [arg for label in MERGE_LABELS for arg in ("-L", label)]
        done = process.read(folder, "merge-file", "-p", "--diff3", *labels, "ours", "base",
                            "theirs")
    if 0 <= done.returncode < 128:
        return done.stdout, done.returncode > 0
    return _both_sides(ours, theirs), True


def _both_sides(ours: bytes, theirs: bytes) -> bytes:
    def ended(data: bytes) -> bytes:
        return data if not data or data.endswith(b"\n") else data + b"\n"

    return (b"<<<<<<< ours\n" + ended(ours) + b"=======\n" + ended(theirs)
            + b">>>>>>> theirs\n")


def merge_text(base: str, ours: str, theirs: str) -> tuple[str, bool]:
    """`merge_bytes` for text: the merged text and whether conflicts remain."""
    data, conflicted = merge_bytes(base.encode("utf-8"), ours.encode("utf-8"),
                                   theirs.encode("utf-8"))
    return data.decode("utf-8", errors="surrogateescape"), conflicted


def current_branch(top: Path) -> str | None:
    """The checked-out branch, or None on a detached HEAD."""
    found = attempt(top, "symbolic-ref", "-q", "--short", "HEAD")
    return found.stdout.strip() or None if found.returncode == 0 else None


def upstream_remote(top: Path, branch: str) -> str | None:
    return get_config(top, f"branch.{branch}.remote")


def rev_parse(top: Path, rev: str) -> str | None:
    """The commit a revision names, or None when it names nothing."""
    found = attempt(top, "rev-parse", "-q", "--verify", "--end-of-options", f"{rev}^{{commit}}")
    return found.stdout.strip() or None if found.returncode == 0 else None


def is_merging(top: Path) -> bool:
    return (git_dir(top) / "MERGE_HEAD").exists()


def unmerged_paths(top: Path) -> list[str]:
    """Paths git marks as conflicted, relative to the top."""
    out = run(top, "diff", "--name-only", "--diff-filter=U", "-z")
    return sorted(p for p in out.split("\0") if p)


def fetch_branch(top: Path, remote: str, branch: str) -> str | None:
    """Fetch one branch of a remote and return its commit; None if the remote lacks it."""
    found = attempt(top, "fetch", "-q", "--no-tags", remote, f"refs/heads/{branch}")
    if found.returncode != 0:
        if "couldn't find remote ref" in found.stderr.lower():
            return None
        raise GitError(f"git fetch failed: {_first_lines(found.stderr)}")
    return rev_parse(top, "FETCH_HEAD")


def merge_commit(top: Path, sha: str, message: str) -> bool:
    """Merge a commit into HEAD (through the configured drivers); False when conflicted."""
    found = attempt(top, "merge", "-q", "--no-edit", "-m", message, sha)
    if found.returncode == 0:
        return True
    if unmerged_paths(top):
        return False
    raise GitError(f"git merge failed: {_first_lines(found.stderr or found.stdout)}")


_MOVED = ("fetch first", "non-fast-forward", "cannot lock ref", "failed to update ref",
          "incorrect old value", "stale info", "reference already exists")


def push_branch(top: Path, remote: str, branch: str) -> bool:
    """Push HEAD to a remote branch; False when refused because the remote moved."""
    found = attempt(top, "push", "-q", "--porcelain", remote, f"HEAD:refs/heads/{branch}")
    if found.returncode == 0:
        return True
    text = (found.stderr + found.stdout).lower()
    if any(reason in text for reason in _MOVED):
        return False
    raise GitError(f"git push failed: {_first_lines(found.stderr or found.stdout)}")


def _first_lines(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return " ".join(lines[:2]) or "no message"
