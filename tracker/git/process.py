"""Every git process tracker starts, and the ones started at launch, held until taken.

`run`, `attempt`, `read` and `start` are the only places that start `git` (history
reads too: `log`, `diff`, `ls-tree` through `read`, the walk that blame may stop early
and the persistent `cat-file --batch` through `start`; GitPython is not used).
With TRACKER_TRACE=1 each says on stderr how long it took (`trace`: the benchmarks'
profiles).

Three things are started at launch by cli/fast.py, before Python has loaded the
command, and wait here for the code that needs them:

- `prefetch_diff_files`: for a command that reads every item, `git diff-files` stats
  the work tree on the other core; the snapshot takes it (`take_prefetched`).
- `start_index_early`: for plain `set` and `new`, `git update-index --stdin` takes the
  index lock and reads the index (tens of ms in a big repository) while Python loads;
  commit.commit_paths takes it (`take_early_index`) and gives it the paths. Any other
  git command run meanwhile lets it go first (`release_early`, also at exit): given no
  path, it leaves the index as it was.
- with it, the tracker's writer lock (.git/tracker.lock), so that of concurrent
  `tracker set`s the one whose turn it is also holds the index; Workspace.lock adopts
  it (`adopt_lock`).

Light on purpose (subprocess and the error classes): the fast path imports it first.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

from tracker.model.errors import GitError

TYPE_CHECKING = False  # typing is not imported at run time (start-up)
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

GIT = ("git", "--literal-pathspecs")  # a path typed is a path, never a pattern
_PREFETCHED: dict[str, "subprocess.Popen[bytes]"] = {}  # work tree top: its diff-files
_EARLY: dict[str, "subprocess.Popen[bytes]"] = {}  # work tree top: the waiting update-index
_EARLY_LOCK: dict[str, Any] = {}  # the tracker lock file taken with it: its open handle


def find_top(start: str) -> str | None:
    """The work tree holding the folder `start` (absolute): the nearest folder with a
    `.git` entry, or None. Plain strings: the fast path runs it before pathlib loads."""
    folder = start
    while not os.path.exists(os.path.join(folder, ".git")):
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent
    return folder


def trace(what: str, started: float) -> None:
    """With TRACKER_TRACE=1, say on stderr how long a step took (the benchmarks' profiles)."""
    if os.environ.get("TRACKER_TRACE"):
        print(f"trace: {what} {(time.perf_counter() - started) * 1000:.1f} ms", file=sys.stderr)


def busy(lock: str) -> str:
    """The error for a lock file in .git/ that stops git (maybe left by a crash)."""
    return (f"git is busy: .git/{lock} exists. If no other git command is running, a "
            f"crashed one left it: remove .git/{lock} and retry")


def git_running(folders: list[str]) -> bool | None:
    """True when a git process other than this one's own children runs in one of these
    folders (its current folder there or below, or a file there open): the owner of a
    lock file in .git/ may be alive. None when this system cannot tell (no /proc): a
    lock is then never taken for stale."""
    roots = [os.path.realpath(f).rstrip(os.sep) + os.sep for f in folders]
    try:
        pids = [name for name in os.listdir("/proc") if name.isdigit()]
    except OSError:
        return None
    if not os.path.isdir(f"/proc/{os.getpid()}/fd"):
        return None
    for pid in pids:
        try:
            with open(f"/proc/{pid}/comm", encoding="utf-8", errors="replace") as handle:
                name = handle.read().strip()
        except OSError:
            continue  # gone meanwhile
        if name != "git" and not name.startswith("git-"):
            continue
        try:  # this process's own gits (the early update-index) are known to it
            with open(f"/proc/{pid}/stat", encoding="utf-8", errors="replace") as handle:
                if int(handle.read().rpartition(")")[2].split()[1]) == os.getpid():
                    continue
        except (OSError, ValueError, IndexError):
            continue
        links = [f"/proc/{pid}/cwd"]
        try:
            links += [f"/proc/{pid}/fd/{fd}" for fd in os.listdir(f"/proc/{pid}/fd")]
        except OSError:
            pass
        for link in links:
            try:
                target = os.readlink(link).rstrip(os.sep) + os.sep
            except OSError:
                continue
            if any(target.startswith(root) for root in roots):
                return True
    return False


def run(top: Path, *args: str, input: str | None = None, check: bool = True,
        env: dict[str, str] | None = None) -> str:
    """Run `git args…` in `top` and return its stdout; a failure raises GitError."""
    release_early()  # an early update-index lets go of the index first
    started = time.perf_counter()
    try:
        done = subprocess.run([*GIT, *args], cwd=top, input=input, capture_output=True,
                              text=True, encoding="utf-8", errors="replace", env=env)
    except FileNotFoundError:
        raise GitError("git is not installed or not on PATH") from None
    trace(f"git {args[0]}", started)
    if check and done.returncode != 0:
        if "index.lock" in done.stderr:
            raise GitError(busy("index.lock"))
        message = (done.stderr.strip() or done.stdout.strip()).splitlines()
        detail = " ".join(message[:2]) if message else f"exit {done.returncode}"
        raise GitError(f"git {args[0]} failed: {detail}")
    return done.stdout


def attempt(top: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `git args…` (patterns as git reads them) and return its outcome (returncode,
    stdout, stderr), never raising but when git is missing."""
    release_early()
    started = time.perf_counter()
    try:
        done = subprocess.run(["git", *args], cwd=top, capture_output=True, text=True,
                              encoding="utf-8", errors="replace", check=False)
    except FileNotFoundError:
        raise GitError("git is not installed or not on PATH") from None
    trace(f"git {args[0]}", started)
    return done


def read(top: Path | str, *args: str, input: bytes | None = None
         ) -> subprocess.CompletedProcess[bytes]:
    """Run a git command that only reads (cat-file, ls-files, merge-file): bytes in and
    out, its outcome returned. It leaves an early update-index be: none needs the
    index lock."""
    started = time.perf_counter()
    try:
        done = subprocess.run([*GIT, *args], cwd=top, input=input, capture_output=True,
                              check=False)
    except FileNotFoundError:
        raise GitError("git is not installed or not on PATH") from None
    trace(f"git {args[0]}", started)
    return done


def start(top: Path, *args: str, stdin: bool = False) -> subprocess.Popen[bytes]:
    """Start `git args…` in the background: its stdout and stderr are pipes, its stdin
    one when asked for."""
    try:
        return subprocess.Popen([*GIT, *args], cwd=top,
                                stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except FileNotFoundError:
        raise GitError("git is not installed or not on PATH") from None


def diff_files(top: Path | str, paths: list[str], preload: bool = True
               ) -> subprocess.Popen[bytes] | None:
    """Start `git diff-files --name-only -z -- paths` (the tracked files that differ from
    the index), or None when git cannot start. `preload=False` turns core.preloadIndex
    off, so that git stats on one thread (the launch-time run, beside Python's start-up)."""
    options = () if preload else ("-c", "core.preloadIndex=false")
    try:
        return subprocess.Popen([*GIT, *options, "diff-files", "--name-only", "-z", "--",
                                 *paths], cwd=top, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL)
    except OSError:
        return None


# ---------------------------------------------------------------- started at launch


def prefetch_diff_files(top: str, folder: str) -> None:
    """Start `git diff-files` on `folder` (relative to `top`) for the snapshot to take."""
    process = diff_files(top, [folder], preload=False)
    if process is not None:
        _PREFETCHED[top] = process


def take_prefetched(top: Path | str) -> subprocess.Popen[bytes] | None:
    """The `git diff-files` started at launch for this work tree, once (else None)."""
    return _PREFETCHED.pop(str(top), None)


def start_index_early(top: str) -> None:
    """Start `git update-index --stdin` now, for plain `set` and `new` (see the module's
    docstring). Only a process that holds the tracker's writer lock (taken here without
    waiting) starts one; none in a linked worktree, beside a left-over index.lock (the
    usual path says which), or with TRACKER_NO_EARLY_INDEX set."""
    if _EARLY or os.environ.get("TRACKER_NO_EARLY_INDEX"):
        return
    git = os.path.join(top, ".git")
    if not os.path.isdir(git) or os.path.exists(os.path.join(git, "index.lock")):
        return
    import fcntl  # noqa: PLC0415

    lock_path = os.path.join(git, "tracker.lock")
    try:
        handle = open(lock_path, "a+b")  # noqa: SIM115 - held until the workspace adopts it
    except OSError:
        return
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()  # another writer's turn: wait for it the usual way
        return
    _EARLY_LOCK[os.path.realpath(lock_path)] = handle
    try:
        _EARLY[os.path.realpath(top)] = subprocess.Popen(
            [*GIT, "update-index", "--add", "--remove", "-z", "--stdin"], cwd=top,
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    except OSError:
        pass
    import atexit  # noqa: PLC0415

    atexit.register(release_early)


def take_early_index(top: Path) -> subprocess.Popen[bytes] | None:
    """The early update-index of this work tree, still waiting for its paths (else None)."""
    process = _EARLY.pop(os.path.realpath(top), None)
    if process is not None and process.poll() is not None:
        process.wait()  # it could not take the lock (someone held it): start afresh
        return None
    return process


def holds_index(top: Path) -> bool:
    """True while this process's early update-index holds `top`'s index lock."""
    process = _EARLY.get(os.path.realpath(top))
    return process is not None and process.poll() is None


def adopt_lock(path: Path) -> Any:
    """The tracker lock's open handle if `start_index_early` took that lock file (else
    None): the caller holds it from now on."""
    return _EARLY_LOCK.pop(os.path.realpath(path), None)


def release_early() -> None:
    """Let the early update-index end without a path (it changes nothing), and the lock
    taken with it go when nobody adopted it."""
    while _EARLY:
        _, process = _EARLY.popitem()
        _finish(process)
    while _EARLY_LOCK:
        _EARLY_LOCK.popitem()[1].close()  # closing the file releases its flock


def _finish(process: subprocess.Popen[bytes]) -> None:
    try:
        assert process.stdin is not None
        process.stdin.close()
    except (BrokenPipeError, OSError):
        pass
    process.wait()
