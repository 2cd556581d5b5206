"""The write journal: `.git/tracker-journal` names the write in flight, so that a writer
that dies between its files and its commit strands nothing.

Every write that commits (`new`, `set`, `move`, `edit`, an import, `shard`, `sync`)
opens it under the writer lock before it touches the work tree, appends each path just
before writing it, and removes it once the commit is made. What it holds: the writer's
pid, the operation, the commit message, and one line per path (the SHA-1 of the bytes
the writer puts there; a move's two paths; for a few small files, their new text). It
is not fsynced: it guards against a writer's death (SIGKILL, the OOM killer, a closed
terminal), not a power cut, and costs a plain `set` two system calls.

Found by the next writer (`recover`, run by Workspace.lock once it holds the lock,
fast path included) or by `tracker check` (when no writer holds the lock), a journal
whose writer is dead is settled before anything else:

- the files are whole: each is its old or its new version (store/files.py writes by
  rename), so a path holding the bytes the journal names is this write's and is
  committed with the recorded message (roll forward); a path that does not was never
  written, or was changed by hand since, and is left as it is. A move not made yet
  is made, a small file whose new text the journal holds is written (`shard`). So a
  killed `new` or `set` whose file was written is committed; a killed import commits
  the records it wrote (running it again writes the rest);
- a `sync` is rolled back instead: a merge that a killed git left half done is undone
  (repo.undo_merge), the commits already made stay, the next sync pushes them;
- the temporary files of dead writers beside the journal's paths go, and lock files a
  killed git left when no git runs in the repository (repo.clear_stale_locks).

A write that fails in its own process (a full disk, a commit git refuses, Ctrl-C)
rolls back instead (`Journal.abort`): files created are removed, files changed get
their old bytes back, moves are undone, the index is given HEAD's entries again, and
the journal goes; the error says so. Only if that fails too does the journal stay,
for the next writer.
"""

from __future__ import annotations

import os

from tracker.git import repo as gitrepo
from tracker.model.errors import GitError, TrackerError
from tracker.store.files import alive, remove_dead_temporaries, write_atomic

TYPE_CHECKING = False  # typing is not imported at run time (start-up)
if TYPE_CHECKING:
    from pathlib import Path

NAME = "tracker-journal"
_HEADER = "tracker-journal 1"


def _digest(data: bytes) -> str:
    try:  # CPython's own SHA-1: hashlib would load OpenSSL (start-up)
        from _sha1 import sha1  # noqa: PLC0415
    except ImportError:
        from hashlib import sha1  # noqa: PLC0415
    return sha1(data).hexdigest()


def _quote(text: str) -> str:
    return text.replace("%", "%25").replace("\t", "%09").replace("\n", "%0A") \
        .replace("\r", "%0D")


def _unquote(text: str) -> str:
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%09", "\t") \
        .replace("%25", "%")


class Journal:
    """The journal of one write: open from `begin` until `done` or `abort`. Without a
    git repository (or when not committing) it records nothing and only rolls back."""

    def __init__(self, top: Path | None, path: Path | None, fd: int | None) -> None:
        self.top = top
        self.path = path
        self.fd = fd
        self.head = gitrepo.head_id(top) if fd is not None and top is not None else None
        self.undo: list[tuple[str, Path, bytes | Path | None]] = []

    def __enter__(self) -> "Journal":
        return self

    def __exit__(self, kind: object, error: BaseException | None, tb: object) -> None:
        """Done when the block ends; rolled back when it raises (the error then says so)."""
        if error is None:
            self.done()
            return
        undid = bool(self.undo) and not (self.head is not None and self.top is not None
                                          and gitrepo.head_id(self.top) != self.head)
        problem = self.abort()
        if isinstance(error, TrackerError) and error.args and isinstance(error.args[0], str):
            if problem is None and not undid:
                pass
            elif problem is None:
                error.args = (f"{error.args[0]} (rolled back: nothing was changed)",
                              *error.args[1:])
            else:
                error.args = (f"{error.args[0]}; the rollback failed too ({problem}): "
                              "the next write settles it", *error.args[1:])

    def _append(self, *lines: str) -> None:
        if self.fd is not None:
            os.write(self.fd, "".join(line + "\n" for line in lines).encode(
                "utf-8", "surrogateescape"))

    def _rel(self, path: Path) -> str:
        assert self.top is not None
        return _quote(os.path.relpath(path, self.top).replace(os.sep, "/"))

    def write(self, path: Path, text: str, *, create: bool = False, sync: bool = True,
              old: bytes | None = None) -> None:
        """write_atomic, journaled first. `old`: the bytes replaced, when the caller has
        them (else read here, for a rollback in this process)."""
        data = text.encode("utf-8")
        if self.fd is not None:
            self._append(f"{'create' if create else 'update'}\t{self._rel(path)}\t"
                         f"{_digest(data)}")
        if not create and old is None:
            try:
                old = path.read_bytes()
            except FileNotFoundError:
                old = None
        write_atomic(path, text, create=create, sync=sync)
        self.undo.append(("file", path, None if create else old))

    def plan(self, moves: list[tuple[Path, Path]], puts: list[tuple[Path, str]]) -> None:
        """Name every move and small file write of the operation before any is made:
        the next writer finishes them if this one dies (shard)."""
        if self.fd is not None:
            self._append(*[f"move\t{self._rel(a)}\t{self._rel(b)}" for a, b in moves],
                         *[f"put\t{self._rel(p)}\t{text.encode('utf-8').hex()}"
                           for p, text in puts])

    def moved(self, old: Path, new: Path) -> None:
        self.undo.append(("move", new, old))

    def put(self, path: Path, text: str) -> None:
        """A small file written whose new text `plan` named."""
        try:
            old: bytes | None = path.read_bytes()
        except FileNotFoundError:
            old = None
        write_atomic(path, text)
        self.undo.append(("file", path, old))

    def note(self, key: str, value: str) -> None:
        """A line for the recovery of this operation (sync: the commit being merged)."""
        self._append(f"{key}\t{_quote(value)}")

    def done(self) -> None:
        """The write is committed: the journal goes."""
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
            assert self.path is not None
            try:
                os.unlink(self.path)
            except FileNotFoundError:
                pass

    def abort(self) -> str | None:
        """Roll the write back (see the module's docstring); None when it was, else why
        not (the journal then stays for the next writer)."""
        if self.fd is not None and self.top is not None and self.head is not None and \
                gitrepo.head_id(self.top) != self.head:
            self.done()  # committed after all: nothing to undo
            return None
        try:
            for what, path, before in reversed(self.undo):
                if what == "move":
                    assert not isinstance(before, bytes) and before is not None
                    if os.path.lexists(path) and not os.path.lexists(before):
                        os.rename(path, before)
                elif before is None:
                    try:
                        os.unlink(path)
                    except FileNotFoundError:
                        pass
                else:
                    assert isinstance(before, bytes)
                    write_atomic(path, before.decode("utf-8", "surrogateescape"))
            if self.fd is not None and self.top is not None and self.undo:
                touched = {path for _, path, _ in self.undo} | {
                    before for what, _, before in self.undo if what == "move"}
                gitrepo.unstage(self.top, sorted(
                    os.path.relpath(p, self.top).replace(os.sep, "/")
                    for p in touched if not isinstance(p, bytes) and p is not None))
        except (OSError, TrackerError) as e:
            if self.fd is not None:
                os.close(self.fd)
                self.fd = None
            return str(e)
        self.done()
        return None


def begin(top: Path | None, git_dir: Path | None, op: str, message: str,
          total: int | None = None) -> Journal:
    """Open the journal of a write (the caller holds the writer lock). `top` None: no
    repository, or not committing: nothing recorded."""
    if top is None or git_dir is None:
        return Journal(None, None, None)
    path = git_dir / NAME
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0),
                 0o644)
    journal = Journal(top, path, fd)
    try:
        journal._append(_HEADER, f"pid\t{os.getpid()}", f"op\t{op}",
                        f"head\t{journal.head or '-'}", f"message\t{_quote(message)}",
                        *([f"total\t{total}"] if total is not None else []))
    except BaseException:
        journal.done()
        raise
    return journal


# ---------------------------------------------------------------- recovery


class Left:
    """A journal left by a writer, as read back."""

    def __init__(self, text: str) -> None:
        self.pid = 0
        self.op = "?"
        self.head = ""
        self.message = ""
        self.total: int | None = None
        self.files: list[tuple[str, str, str]] = []  # (create|update, path, sha1)
        self.moves: list[tuple[str, str]] = []
        self.puts: list[tuple[str, bytes]] = []
        self.notes: dict[str, str] = {}
        lines = text.split("\n")
        if lines and lines[-1]:
            lines.pop()  # cut short while being appended: its file was not written yet
        for line in lines[1:] if lines and lines[0] == _HEADER else []:
            key, _, rest = line.partition("\t")
            parts = rest.split("\t")
            try:
                if key == "pid":
                    self.pid = int(rest)
                elif key == "op":
                    self.op = rest
                elif key == "head":
                    self.head = "" if rest == "-" else rest
                elif key == "message":
                    self.message = _unquote(rest)
                elif key == "total":
                    self.total = int(rest)
                elif key in ("create", "update") and len(parts) == 2:
                    self.files.append((key, _unquote(parts[0]), parts[1]))
                elif key == "move" and len(parts) == 2:
                    self.moves.append((_unquote(parts[0]), _unquote(parts[1])))
                elif key == "put" and len(parts) == 2:
                    self.puts.append((_unquote(parts[0]), bytes.fromhex(parts[1])))
                elif key:
                    self.notes[key] = _unquote(rest)
            except ValueError:
                continue

    def paths(self) -> list[str]:
        return [p for _, p, _ in self.files] + [p for pair in self.moves for p in pair] + \
            [p for p, _ in self.puts]


def pending(git_dir: Path) -> bool:
    """True when a journal is there (its writer may be alive: ask under the lock)."""
    return os.path.exists(os.path.join(git_dir, NAME))


def recover(top: Path, git_dir: Path) -> list[str]:
    """Settle what a dead writer left (see the module's docstring); the caller holds
    the writer lock, so the journal's writer is not writing. One line for each thing
    done, for the user."""
    said: list[str] = []
    removed = gitrepo.clear_stale_locks(top)
    if removed:
        said.append(f"removed {', '.join(removed)}: left by a git that was killed "
                    "(no git runs in this repository)")
    _remove_private_indexes(git_dir)
    path = git_dir / NAME
    try:
        text = path.read_bytes().decode("utf-8", "surrogateescape")
    except FileNotFoundError:
        return said
    left = Left(text)
    if left.pid == os.getpid():
        return said  # our own, still open (cannot be: the lock is taken once)
    who = f"a '{left.op}' cut short (pid {left.pid}, which is gone)"
    temporaries = remove_dead_temporaries([top / p for p in left.paths()], left.pid)
    if left.op == "sync":
        said.append(_recover_sync(top, left, who))
    else:
        said.append(_roll_forward(top, left, who))
    if temporaries:
        said[-1] += f"; {len(temporaries)} temporary file(s) of it removed"
    path.unlink()
    return said


def _remove_private_indexes(git_dir: Path) -> None:
    """The temporary indexes of imports whose process is gone (repo.commit_many)."""
    try:
        names = [n for n in os.listdir(git_dir) if n.startswith("tracker-index-")]
    except OSError:
        return
    for name in names:
        pid = name[len("tracker-index-"):]
        if pid.isdigit() and not alive(int(pid)):
            try:
                os.unlink(git_dir / name)
            except FileNotFoundError:
                pass


def _roll_forward(top: Path, left: Left, who: str) -> str:
    for old, new in left.moves:
        source, target = top / old, top / new
        if os.path.lexists(source) and not os.path.lexists(target):
            target.parent.mkdir(parents=True, exist_ok=True)
            os.rename(source, target)
    for old, _ in left.moves:  # shards left empty go, as shard does
        parent = (top / old).parent
        try:
            parent.rmdir()
        except OSError:
            pass
    for rel, data in left.puts:
        target = top / rel
        try:
            if target.read_bytes() == data:
                continue
        except OSError:
            pass
        write_atomic(target, data.decode("utf-8", "surrogateescape"))
    written = []
    for _, rel, digest in left.files:
        try:
            if _digest((top / rel).read_bytes()) == digest:
                written.append(rel)
        except OSError:
            continue
    paths = sorted(set(written) | {p for pair in left.moves for p in pair}
                   | {p for p, _ in left.puts})
    if not paths:
        return f"{who}: nothing of it had been written"
    gitrepo.record_paths(top, paths)  # an import killed after its commit: the index too
    of = f"{len(written)} of {left.total} records' files" if left.total is not None else \
        f"{len(paths)} file(s)"
    message = (left.message or f"{left.op} (recovered)") + \
        f"\n\nRecovered by tracker: the writer (pid {left.pid}) died before its commit."
    try:
        committed = gitrepo.commit(top, paths, message, new=True)
    except GitError as e:
        raise GitError(f"{who}: its files are written but could not be committed: {e}") \
            from None
    if not committed:
        return f"{who}: it had been committed already"
    first = (left.message or left.op).splitlines()[0]
    rest = "; run the import again for the rest" if left.total is not None and \
        len(written) < left.total else ""
    return f"{who}: {of} written, now committed as '{first}'{rest}"


def _recover_sync(top: Path, left: Left, who: str) -> str:
    theirs = left.notes.get("merge")
    if gitrepo.is_merging(top):
        gitrepo.undo_merge(top, left.head, theirs or "HEAD", set())
        return f"{who}: its merge was undone; run 'tracker sync' again"
    if not theirs or not left.head or gitrepo.head_id(top) != left.head:
        return f"{who}: nothing to undo (its commits stay; the next sync pushes them)"
    keep = set(filter(None, left.notes.get("changed", "").split("\n")))
    restored = gitrepo.undo_merge(top, left.head, theirs, keep)
    if not restored:
        return f"{who}: nothing to undo"
    return f"{who}: its half-made merge was undone ({len(restored)} file(s) restored); " \
        "run 'tracker sync' again"


def settle(top: Path, git_dir: Path, lock_path: Path) -> list[str] | None:
    """For readers (`tracker check`): recover a journal or a git lock left by a dead
    writer when no writer holds the lock now; None when one does (it is at work)."""
    import fcntl  # noqa: PLC0415 - POSIX only

    with open(lock_path, "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return None
        try:
            return recover(top, git_dir)
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
