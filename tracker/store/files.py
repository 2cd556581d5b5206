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
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
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
    """A new file `<prefix><random>.tmp` in the folder, open for writing, mode 0600: what
    tempfile.mkstemp gives, without loading tempfile (random, shutil) at start-up."""
    flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    for _ in range(100):
        name = os.path.join(folder, f"{prefix}{os.urandom(6).hex()}.tmp")
        try:
            return os.open(name, flags, 0o600), name
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name in {folder}")


def _mode_for(path: Path) -> int:
    """The mode the file has, or the one a new file gets (0666 less the umask)."""
    try:
        return path.stat().st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
