"""Writing files so that a crash never leaves half of one: the tracker's own files (items,
config, kind files, reports) through `write_atomic`, the disposable ones under
`.git/tracker-cache/` through `save_disposable`; both write a temporary file beside the
target (`temporary_file`) and rename it into place.

Modules below store (format, git) write no tracker file; git/commit.py writes git's own
objects the way git does, and git/repo.py gives `git merge-file` a temporary folder.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False  # typing is not imported at run time (start-up)
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Iterable


def write_atomic(path: Path, text: str, *, create: bool = False, sync: bool = True) -> None:
    """Write a file so that it is always either its old or its new version.

    With `create`, refuse to replace a file that exists (FileExistsError). Bulk
    writers pass `sync=False` and call `os.sync()` once when they are done.
    """
    data = text.encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = _mode_for(path)
    fd, tmp = temporary_file(path.parent, f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if sync:
                handle.flush()
                os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        if create:
            os.link(tmp, path)
            os.unlink(tmp)
        else:
            os.replace(tmp, path)
    except BaseException as e:
        if os.path.exists(tmp):
            os.unlink(tmp)
        if isinstance(e, OSError) and e.filename == tmp:
            e.filename = str(path)  # the file being written, not its temporary name
        raise


def save_disposable(path: Path, chunks: Iterable[bytes]) -> None:
    """Write a file that can be rebuilt atomically, without fsync; of concurrent writers
    the last complete write wins, and a folder that cannot be written only costs speed."""
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = temporary_file(path.parent, f".{path.name}.")
        with os.fdopen(fd, "wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
        os.replace(tmp, path)
        tmp = None
    except OSError:
        pass
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)


def temporary_file(folder: Path, prefix: str) -> tuple[int, str]:
    """A new file `<prefix><pid>-<random>.tmp` in the folder, open for writing, mode 0600:
    what tempfile.mkstemp gives, without loading tempfile (random, shutil) at start-up.
    The writer's pid in the name tells a dead writer's file from a live one's
    (`temporary_owner`, `remove_dead_temporaries`)."""
    flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    for _ in range(100):
        name = os.path.join(folder, f"{prefix}{os.getpid()}-{os.urandom(6).hex()}.tmp")
        try:
            return os.open(name, flags, 0o600), name
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name in {folder}")


def temporary_owner(name: str, prefix: str) -> int | None:
    """The pid that made the temporary file `name` (`<prefix><pid>-<random>.tmp`), 0 for
    one without a pid (made by an older version), None when `name` is not one of
    the temporary files of `prefix`."""
    if not (name.startswith(prefix) and name.endswith(".tmp")):
        return None
    middle = name[len(prefix):-len(".tmp")]
    pid, dash, rest = middle.partition("-")
    if dash and pid.isdigit() and rest:
        return int(pid)
    return 0 if middle and "." not in middle else None


def alive(pid: int) -> bool:
    """True while a process with this pid exists (ours included)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's, alive
    return True


def remove_dead_temporaries(paths: Iterable[Path], dead: int = 0) -> list[str]:
    """Remove the temporary files that writers of these paths left when they died: every
    `.<name>.<pid>-<random>.tmp` beside a path whose pid is not alive (or is `dead`: a
    pid known dead, though the number may be in use again), and those without a pid.
    Never the file of a live writer. The removed files are returned."""
    by_folder: dict[str, set[str]] = {}
    for path in paths:
        by_folder.setdefault(os.path.dirname(path), set()).add(f".{os.path.basename(path)}.")
    removed = []
    for folder, prefixes in by_folder.items():
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        for name in names:
            if not name.endswith(".tmp") or not name.startswith("."):
                continue
            prefix = name[:name.rfind(".", 0, len(name) - 4) + 1]  # up to the random part
            owner = temporary_owner(name, prefix) if prefix in prefixes else None
            if owner is None or (owner and owner != dead and alive(owner)):
                continue
            try:
                os.unlink(os.path.join(folder, name))
                removed.append(os.path.join(folder, name))
            except FileNotFoundError:
                pass
    return removed


def _mode_for(path: Path) -> int:
    """The mode the file has, or the one a new file gets (0666 less the umask)."""
    try:
        return path.stat().st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
