"""What tracker asks of a repository: its folders, commits, config, history reads,
merges and sync, and what its index says of the work tree (for the snapshot).

Everything runs the `git` command directly, through process.py: that costs a few
milliseconds where importing GitPython cost some sixty, and `tracker set` should feel
instant. Reads of history are plain git with NUL-separated output (`log -z`,
`diff --raw -z`, `ls-tree -z`), blobs through one persistent `cat-file --batch`
process, which reads either object format (SHA-1 or SHA-256).
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
    from typing import Any, Iterable, Iterator

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
    _settle(top, paths)
    return True


def _settle(top: Path, paths: list[str]) -> None:
    """After `git commit -- PATHS` (hooks ran): the index and the work tree hold what
    was committed. A pre-commit hook that rewrites a file and `git add`s it stages the
    rewrite in git's temporary index only: the commit holds it, the real index the old
    entry (`git status` says MM) and the next `git commit` would undo the hook."""
    run(top, "reset", "-q", "--", *paths)
    present = run(top, "ls-files", "-z", "--", *paths)
    if present:
        run(top, "checkout-index", "-f", "-z", "--stdin", input=present)


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


def clear_stale_locks(top: Path) -> list[str]:
    """Remove the lock files a killed git left (the index's, HEAD's, the branch's, and
    those of the refs a fetch updates), when no git process runs in this repository
    (process.git_running); their names, as `.git/index.lock`. Nothing is removed while
    a git runs there, or where that cannot be told (then commit_blocker names the lock
    and says how to remove it)."""
    folder = git_dir(top)
    found = [lock for lock in [folder / "index.lock", *_ref_locks(folder)] if lock.exists()]
    refs = _common_dir(folder) / "refs"
    if refs.is_dir():
        found += [p for p in refs.rglob("*.lock") if p not in found]
    found += [p for p in (_common_dir(folder) / "packed-refs.lock",) if p.exists()]
    if found and process.holds_index(top):
        found = [p for p in found if p.name != "index.lock" or p.parent != folder]
    if not found or process.git_running([str(top), str(folder), str(_common_dir(folder))]) \
            is not False:
        return []
    removed = []
    for lock in found:
        try:
            lock.unlink()
        except FileNotFoundError:
            continue
        try:
            removed.append(".git/" + lock.relative_to(folder).as_posix())
        except ValueError:
            removed.append(str(lock))
    return removed


def _common_dir(folder: Path) -> Path:
    """The folder holding the refs: the git folder, or a linked worktree's main one."""
    try:
        pointer = (folder / "commondir").read_text(encoding="utf-8").strip()
    except OSError:
        return folder
    return (folder / pointer).resolve()


def head_id(top: Path) -> str | None:
    """HEAD's commit id read from the files (no git process: the writers call it before
    each write), or None when there is no commit yet or it cannot be read so."""
    folder = git_dir(top)
    try:
        head = (folder / "HEAD").read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return None
    if not head.startswith("ref: "):
        return head or None
    ref = head[len("ref: "):]
    common = _common_dir(folder)
    try:
        return (common / ref).read_text(encoding="utf-8", errors="replace").strip() or None
    except OSError:
        pass
    try:
        with open(common / "packed-refs", encoding="utf-8", errors="replace") as handle:
            for line in handle:
                sha, _, name = line.strip().partition(" ")
                if name == ref:
                    return sha
    except OSError:
        pass
    return None


def record_paths(top: Path, paths: list[str]) -> None:
    """Make the index hold these paths as the work tree has them (or not at all)."""
    if paths:
        run(top, "update-index", "--add", "--remove", "-z", "--stdin",
            input="".join(p + "\0" for p in paths))


def unstage(top: Path, paths: list[str]) -> None:
    """Make the index hold these paths as HEAD has them (a path HEAD lacks: not at all)."""
    if paths:
        run(top, "reset", "-q", "--", *paths)


def changed_paths(top: Path) -> list[str]:
    """Every path with a change not committed: modified, staged, deleted or untracked."""
    out = run(top, "status", "--porcelain", "-z", "--untracked-files=all",
              "--ignore-submodules")
    paths, entries = [], out.split("\0")
    at = 0
    while at < len(entries):
        entry = entries[at]
        at += 1
        if len(entry) < 4:
            continue
        paths.append(entry[3:])
        if entry[0] in "RC":  # a rename names its source next
            paths.append(entries[at])
            at += 1
    return paths


def undo_merge(top: Path, head: str, theirs: str, keep: set[str]) -> list[str]:
    """Undo a merge of `theirs` into `head` that a killed git left half done (HEAD still
    `head`): git's own abort when it recorded the merge, else every path the merge
    could have written (those that differ between `head` and `theirs`) back to `head`,
    but those in `keep` (changed before the merge began: git writes none of them). The
    paths restored."""
    if process.git_running([str(top)]) is False:  # the killed merge driver's files
        for name in os.listdir(top):
            if name.startswith(".merge_file_"):
                (top / name).unlink(missing_ok=True)
    if (git_dir(top) / "MERGE_HEAD").exists():
        run(top, "merge", "--abort")
        return []
    out = run(top, "diff", "--name-only", "-z", "--no-renames", head, theirs)
    paths = [p for p in out.split("\0") if p and p not in keep]
    if not paths:
        return []
    present = set(filter(None, run(top, "ls-tree", "-r", "-z", "--name-only", head, "--",
                                   *paths).split("\0")))
    for rel in paths:
        if rel not in present:
            try:
                (top / rel).unlink()
            except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
                pass
    run(top, "reset", "-q", head, "--", *paths)
    if present:
        run(top, "checkout", head, "--", *sorted(present))
    return paths


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
        self._batch: "subprocess.Popen[bytes] | None" = None

    def close(self) -> None:
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
        """A read-only git command's stdout as text (paths unquoted: `core.quotepath`
        off, and each caller asks for `-z`); a failure raises GitError."""
        done = process.read(self.top, "-c", "core.quotepath=off", *args)
        if done.returncode != 0:
            detail = " ".join(done.stderr.decode("utf-8", errors="replace").split())[:300]
            raise GitError(f"git {args[0]} failed: {detail or f'exit {done.returncode}'}")
        return done.stdout.decode("utf-8", errors="replace")

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

    def commit_before(self, moment: str, rev: str = "HEAD") -> str:
        """The last commit (first-parent from `rev`) made on or before a date or time."""
        out = run(self.top, "rev-list", "-1", "--first-parent", f"--before={moment}", rev,
                  "--", check=False).strip()
        if not out:
            raise UsageError(f"no commit on or before {moment}")
        return out

    def merge_base(self, a: str, b: str) -> str:
        out = run(self.top, "merge-base", a, b, check=False).strip()
        if not out:
            raise UsageError(f"'{a}' and '{b}' have no common ancestor")
        return out

    def head(self) -> str | None:
        """HEAD's commit sha, or None before the first commit."""
        return run(self.top, "rev-parse", "-q", "--verify", "HEAD^{commit}",
                   check=False).strip() or None

    def linear_since(self, old: str, new: str) -> bool:
        """Whether `new` descends from `old` along one line of commits (no merge between):
        the walk from `new` then reaches `old` with nothing else queued, so the log from
        `new` is the commits of `old..new` followed by the log from `old`."""
        if old == new:
            return True
        done = process.read(self.top, "rev-list", "--parents", f"{old}..{new}", "--")
        if done.returncode != 0:
            return False
        lines = [line.split() for line in done.stdout.decode("ascii", "replace").splitlines()]
        if not lines or any(len(line) != 2 for line in lines):
            return False
        return all(lines[i][1] == lines[i + 1][0] for i in range(len(lines) - 1)) and \
            lines[-1][1] == old

    def has_head(self) -> bool:
        return bool(run(self.top, "rev-parse", "-q", "--verify", "HEAD", check=False).strip())

    def log(self, paths: list[str], since: str | None = None, until: str | None = None,
            rev: str = "HEAD") -> list[dict[str, Any]]:
        """Commits touching paths, newest first: header fields and raw file changes."""
        args = _log_args(since, until)
        out = self.git(*args, rev, "--", *paths)
        return [_parse_commit(chunk) for chunk in out.split(_RECORD) if chunk.strip("\0\n")]

    def walk(self, paths: list[str], rev: str = "HEAD") -> Iterator[tuple[dict[str, Any], bool]]:
        """`log` as git finds the commits, newest first, for a caller that may stop early
        (closing the generator ends git's walk there). Yields (commit, whole): whole is
        False for the last commit git has written so far, whose file list may still
        grow; that commit comes again, whole, once the next one (or the end) is read.
        `commit_files` tells a commit's whole list at once."""
        walker = process.start(self.top, "-c", "core.quotepath=off", *_log_args(None, None),
                               rev, "--", *paths)
        assert walker.stdout is not None
        pending, done = b"", False
        try:
            while not done:
                data = os.read(walker.stdout.fileno(), 1 << 16)
                done = not data
                chunks = (pending + data).split(_RECORD.encode())
                pending = b"" if done else chunks.pop()
                for chunk in chunks:
                    if chunk.strip(b"\0\n"):
                        yield _parse_commit(chunk.decode("utf-8", errors="replace")), True
                if pending and b"\0" in pending:
                    yield _parse_commit(pending.decode("utf-8", errors="replace")), False
            walker.wait()
            if walker.returncode != 0:
                assert walker.stderr is not None
                detail = " ".join(walker.stderr.read().decode(errors="replace").split())
                raise GitError(f"git log failed: {detail[:300]}")
        finally:
            if walker.poll() is None:
                walker.kill()
            for pipe in (walker.stdout, walker.stderr):
                if pipe is not None:
                    pipe.close()
            walker.wait()

    def commit_files(self, sha: str, paths: list[str]) -> list[tuple[str, str, str, str]]:
        """The raw file changes of one commit under paths, as `log` lists them."""
        out = self.git("diff-tree", "-z", "-r", "--root", "--raw", "--no-abbrev",
                       "--no-renames", "--no-commit-id", sha, "--", *paths)
        return _parse_commit("\0" + out)["files"]

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

    def empty_tree(self) -> str:
        """The id of the tree of nothing in this repository's hash (SHA-1 or SHA-256)."""
        done = process.read(self.top, "hash-object", "-t", "tree", "--stdin", input=b"")
        if done.returncode != 0:
            raise GitError("git hash-object failed: " + done.stderr.decode(errors="replace")[:200])
        return done.stdout.decode("ascii").strip()

    def diff(self, a: str | None, b: str | None, paths: list[str]
             ) -> list[tuple[str, str, str, str]]:
        """(path, old sha, new sha, status letter) changed between a and b.

        With a None the one side is nothing (every file added). With b None the other
        side is the work tree: a modified file's new sha is then NULL_SHA, meaning 'read
        the file'; status D means deleted.
        """
        args = ["diff", "--raw", "--no-abbrev", "--no-renames", "-z", a or self.empty_tree()] + \
            ([b] if b else [])
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


def _log_args(since: str | None, until: str | None) -> list[str]:
    args = ["log", "-z", f"--format={_RECORD}%H{_UNIT}%an{_UNIT}%ae{_UNIT}%aI{_UNIT}%s",
            "--raw", "--no-abbrev", "--no-renames"]
    if since:
        args.append(f"--since={since}")
    if until:
        args.append(f"--until={until}")
    return args


def _parse_commit(chunk: str) -> dict[str, Any]:
    """One commit of `git log -z --raw`: the header, NUL, then `:meta NUL path NUL`
    for each file (the first meta after a newline)."""
    header, _, rest = chunk.partition("\0")
    sha, author, email, date, subject = (header.split(_UNIT) + [""] * 5)[:5]
    parts = rest.split("\0")
    files = []
    for meta, path in zip(parts[0::2], parts[1::2]):
        fields = meta.lstrip("\n").split()
        if len(fields) >= 5 and fields[0].startswith(":"):
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


def author_name(top: Path) -> str | None:
    """The name git would write as this repository's commits' author (GIT_AUTHOR_NAME,
    then user.name…), or None when git knows none."""
    found = attempt(top, "var", "GIT_AUTHOR_IDENT")
    if found.returncode != 0:
        return None
    return found.stdout.rpartition(" <")[0].strip() or None


def reset_keep(top: Path, sha: str) -> None:
    """Move HEAD and the branch back to `sha`, the work tree's files of the commits
    dropped with it (`reset --keep`: a local change elsewhere stays)."""
    run(top, "reset", "-q", "--keep", sha)


def last_subject(top: Path, path: str, start: str) -> str | None:
    """The subject of the newest commit touching `path` whose subject begins `start`."""
    found = attempt(top, "log", "-F", f"--grep={start}", "--format=%s", "-n", "20",
                    "HEAD", "--", path)
    if found.returncode != 0:
        return None
    return next((line for line in found.stdout.splitlines() if line.startswith(start)), None)


def _first_lines(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return " ".join(lines[:2]) or "no message"


# ---------------------------------------------------------------- other repositories

_AUTHOR = re.compile(rb"^author (.*?) <[^>]*> (\d+) ([+-])(\d{2})(\d{2})$", re.MULTILINE)


def commit_dates(git_dir: Path, shas: Iterable[str]) -> dict[str, tuple[Any, str]]:
    """The author date (aware) and name of each of these commits of the repository at
    `git_dir` (another tool's: git-issue's `.issues/.git`), read by one `cat-file
    --batch`; a sha it does not hold, or that is not a commit's, is left out."""
    from datetime import datetime, timedelta, timezone  # noqa: PLC0415

    wanted = [s for s in shas if re.fullmatch(r"[0-9a-f]{7,64}", s)]
    if not wanted:
        return {}
    done = process.read(git_dir, "--git-dir", str(git_dir), "cat-file", "--batch",
                        input="".join(f"{s}\n" for s in wanted).encode())
    found: dict[str, tuple[Any, str]] = {}
    for sha, content in _parse_batch(done.stdout).items():
        match = _AUTHOR.search(content.split(b"\n\n", 1)[0])
        if not match or not content.startswith(b"tree "):
            continue
        sign = -1 if match.group(3) == b"-" else 1
        offset = timedelta(hours=int(match.group(4)), minutes=int(match.group(5)))
        when = datetime.fromtimestamp(int(match.group(2)), timezone(sign * offset))
        found[sha] = (when, match.group(1).decode("utf-8", "replace"))
    for short in (s for s in wanted if s not in found):  # an abbreviated name
        full = [sha for sha in found if sha.startswith(short)]
        if len(full) == 1:
            found[short] = found[full[0]]
    return found


# ---------------------------------------------------------------- federation members

FEDERATION_REFS = "refs/tracker/federation"


def member_ref(name: str) -> str:
    """Where a federation member's fetched head is kept (never checked out)."""
    return f"{FEDERATION_REFS}/{name}/HEAD"


def fetch_member(top: Path, name: str, url: str) -> str:
    """Fetch a member repository's HEAD into its ref (objects into this `.git/`, no
    tags, no work tree touched) and return its commit. The URL comes after `--`: it is
    never read as an option."""
    found = attempt(top, "fetch", "-q", "--no-tags", "--no-write-fetch-head", "--", url,
                    f"+HEAD:{member_ref(name)}")
    if found.returncode != 0:
        raise GitError(f"git fetch failed: {_first_lines(found.stderr or found.stdout)}")
    sha = rev_parse(top, member_ref(name))
    if sha is None:
        raise GitError(f"git fetch left no {member_ref(name)}")
    return sha


def forget_member(top: Path, name: str) -> None:
    """Delete a member's fetched ref (its objects stay until git's own gc)."""
    if rev_parse(top, member_ref(name)) is not None:
        run(top, "update-ref", "-d", member_ref(name))


def member_head(top: Path, name: str) -> str | None:
    """The commit a member was last fetched at, or None when never fetched."""
    return rev_parse(top, member_ref(name))


def commit_date(top: Path, sha: str) -> str | None:
    """A commit's committer date, ISO 8601 with its offset."""
    found = attempt(top, "log", "-1", "--format=%cI", sha, "--")
    return found.stdout.strip() or None if found.returncode == 0 else None
