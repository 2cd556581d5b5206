"""Commits made from git objects written here: HEAD's trees with a few entries replaced.

`git commit -- PATH` in a repository of 100,000 files refreshes every index entry and
writes the 9 MB index twice; `git write-tree` rebuilds the tree of every folder the
index marks changed and writes the index again. Neither is needed to commit one file:
its new tree is HEAD's tree with one entry replaced, and so on up to the top, a few
small objects when kind folders are sharded (see core/shard.py).

So `commit_paths` hashes the files with `git hash-object -w` (git applies the
repository's filters and line-ending rules), splices the entries into HEAD's trees
(read through one `cat-file --batch`), writes the changed trees as loose objects,
and makes the commit with `git commit-tree`. `git update-index` records the files in
the index meanwhile, on the other core (for plain `set` and `new` it is started at
launch, see process.start_index_early); HEAD moves (`update-ref`, compare-and-swap on
the HEAD read at the start) only once the index holds the files, so no crash can leave
a commit the index contradicts. Other staged work stays staged and out of the commit,
exactly as with `git commit -- PATH`.

It steps aside (returns None, and the caller runs git's porcelain) whenever it would
not make the very commit git would: commit hooks, signing, a SHA-256 or shared
repository, a path that is a link, an executable or a folder, no commit yet.
"""

from __future__ import annotations

import os
import stat
import time
import zlib

from tracker.git import process
from tracker.git.process import attempt, run, start, trace
from tracker.model.errors import GitError

TYPE_CHECKING = False  # typing is not imported at run time (start-up)
if TYPE_CHECKING:
    import subprocess
    from pathlib import Path

COMMIT_HOOKS = ("pre-commit", "prepare-commit-msg", "commit-msg", "post-commit")
TREE_MODE = b"40000"
FILE_MODE = b"100644"
# A folder tree past this (~22,000 entries) is rebuilt by `git write-tree` from the
# index: C beats parsing, sorting and compressing it here (0.25 s against 0.3 s for a
# 100,000-entry folder). Sharded kinds never come near it.
BIG_TREE = 1 << 20


def commit_paths(top: Path, paths: list[str], message: str, log_message: str,
                 author: dict[str, str] | None = None) -> bool | None:
    """Commit exactly these repository-relative paths (files written or removed) as
    `git commit -- PATHS` would. True: committed; False: nothing changed; None: not
    attempted (see the module's docstring). `author`: GIT_AUTHOR_NAME and
    GIT_AUTHOR_EMAIL for the commit (`git commit --author`), else git's own."""
    if any("\n" in p or p.startswith("/") or "\\" in p for p in paths):
        return None
    started = time.perf_counter()
    # the index takes the files first: it is the long step, the rest runs beside it
    index = process.take_early_index(top) or start(top, "update-index", "--add", "--remove",
                                                   "-z", "--stdin", stdin=True)
    try:
        index.stdin.write("".join(p + "\0" for p in paths).encode("utf-8"))  # type: ignore[union-attr]
        index.stdin.close()  # type: ignore[union-attr]
    except BrokenPipeError:
        pass  # it failed: its exit code and message say why, below
    try:
        tree, staged, head, head_tree, objects = \
            _commit_tree(top, paths) or (None, None, "", "", top)
    except BaseException:
        index.wait()
        raise
    if index.wait() != 0:
        error = index.stderr.read().decode("utf-8", "replace")  # type: ignore[union-attr]
        if "index.lock" in error:
            raise GitError(process.busy("index.lock"))
        raise GitError(f"git update-index failed: {' '.join(error.split())[:300]}")
    trace("git update-index (beside the trees)", started)
    if staged is not None:
        tree = _tree_from_index(top, staged, paths)
    if tree is None:
        return None
    if tree == head_tree:
        return False
    new = run(top, "commit-tree", tree, "-p", head, input=message,
              env={**os.environ, **author} if author else None).strip()
    if attempt(top, "update-ref", "-m", log_message, "HEAD", new, head).returncode != 0:
        return None  # HEAD moved meanwhile (a commit from elsewhere): git commit, on it
    _maintenance(top, objects)
    return True


def _tree_from_index(top: Path, staged: "subprocess.Popen[bytes]", paths: list[str]
                     ) -> str | None:
    """`git write-tree`, when the index differs from HEAD only in these paths, as the
    running `diff-index` says (else None: other staged work would go into the commit;
    git commit keeps it out)."""
    out, _ = staged.communicate()
    listed = set(filter(None, out.decode("utf-8", "surrogateescape").split("\0")))
    if staged.returncode != 0 or not listed <= set(paths):
        return None
    return run(top, "write-tree").strip()


def _commit_tree(top: Path, paths: list[str]
                 ) -> tuple[str | None, "subprocess.Popen[bytes] | None", str, str, Path] | None:
    """(the new tree, None, HEAD, HEAD's tree, the objects folder), or None when git's
    porcelain must commit. For a tree too big to build here, no tree but the running
    `git diff-index` that says whether `git write-tree` may build it."""
    probe = start(top, "rev-parse", "--show-object-format", "--git-path", "hooks",
                   "--git-path", "objects", "HEAD", "HEAD^{tree}")
    config = start(top, "config", "-z", "--get-regexp",
                    r"^(commit\.gpgsign|core\.sharedrepository)$")
    found = probe.communicate()[0].decode("utf-8", "replace").splitlines()
    settings = config.communicate()[0]
    if len(found) != 5 or found[0] != "sha1" or _asks_more(settings):
        return None  # no commit yet, SHA-256, signing or a shared repository
    _format, hooks, objects, head, head_tree = found
    hooks_dir = top / hooks
    if any(os.access(hooks_dir / name, os.X_OK) for name in COMMIT_HOOKS):
        return None
    present = []
    for path in paths:
        try:
            mode = os.lstat(top / path).st_mode
        except FileNotFoundError:
            continue
        if not stat.S_ISREG(mode) or mode & 0o111:
            return None  # links and executables: git's modes, not guessed here
        present.append(path)
    blobs = _hash_objects(top, present)
    tree = _spliced_tree(top, top / objects, head, head_tree, {p: blobs.get(p) for p in paths})
    if tree is None:  # git writes it; what else is staged? Asked now, while the index
        # is HEAD's cached trees (fast), before update-index rewrites it
        staged = start(top, "diff-index", "--cached", "--name-only", "-z", head, "--")
        return None, staged, head, head_tree, top / objects
    return tree, None, head, head_tree, top / objects


def _maintenance(top: Path, objects: Path) -> None:
    """What `git commit` does after committing: `git maintenance run --auto` (a `gc`
    once loose objects pile up), started only when it might act: git's own estimate,
    more than gc.auto/256 files in objects/17, with gc.auto's default of 6,700."""
    try:
        loose = len(os.listdir(objects / "17"))
    except OSError:
        return
    if loose > 6700 // 256:
        attempt(top, "maintenance", "run", "--auto", "--quiet")


def _asks_more(settings: bytes) -> bool:
    """True when commit.gpgSign or core.sharedRepository asks for more than git's
    defaults (a signature, group-writable objects): git's porcelain does that then."""
    for pair in settings.decode("utf-8", "replace").split("\0"):
        key, _, value = pair.partition("\n")
        if key and value.strip().lower() not in ("false", "no", "off", "0", "umask"):
            return True
    return False


def _hash_objects(top: Path, paths: list[str]) -> dict[str, bytes]:
    """The files' blob ids, the blobs written: git's filters and eol rules applied."""
    if not paths:
        return {}
    out = run(top, "hash-object", "-w", "--", *paths).split()
    if len(out) != len(paths):
        raise GitError("git hash-object did not name every file")
    return {p: bytes.fromhex(sha) for p, sha in zip(paths, out)}


def _spliced_tree(top: Path, objects: Path, head: str, head_tree: str,
                  changes: dict[str, bytes | None]) -> str | None:
    """HEAD's tree with each path's entry set to its blob (None: removed), as hex; None
    when a folder's tree is too big to rebuild here faster than `git write-tree`."""
    folders: dict[str, dict[str, bytes | None]] = {}
    for path, blob in changes.items():
        folder, _, name = path.rpartition("/")
        folders.setdefault(folder, {})[name] = blob
        while folder:  # every ancestor folder is rewritten too
            folder = folder.rpartition("/")[0]
            folders.setdefault(folder, {})
    old = _read_trees(top, head, sorted(folders))
    if old is None:
        return None
    written: dict[str, bytes | None] = {}
    for folder in sorted(folders, key=lambda f: -f.count("/") if f else 1):
        entries = dict(_parse_tree(old.get(folder, b"")))
        for name, blob in folders[folder].items():
            _put(entries, os.fsencode(name), FILE_MODE, blob)
        for sub, tree in written.items():
            if sub and sub.rpartition("/")[0] == folder:
                _put(entries, os.fsencode(sub.rpartition("/")[2]), TREE_MODE, tree)
        keep = entries or not folder  # an emptied folder leaves its parent
        written[folder] = _write_object(objects, b"tree", _tree_bytes(entries)) \
            if keep else None
    return written[""].hex()  # type: ignore[union-attr]


def _put(entries: dict[bytes, tuple[bytes, bytes]], name: bytes, mode: bytes,
         sha: bytes | None) -> None:
    if sha is None:
        entries.pop(name, None)
    else:
        entries[name] = (mode, sha)


def _read_trees(top: Path, head: str, folders: list[str]) -> dict[str, bytes] | None:
    """The raw trees of these folders at HEAD; a folder HEAD lacks is left out. None
    when one is bigger than BIG_TREE (not read: git writes that tree)."""
    asks = [f"{head}^{{tree}}" if not f else f"{head}:{f}" for f in folders]
    sizes = process.read(top, "cat-file", "--batch-check",
                         input="".join(a + "\n" for a in asks).encode("utf-8")).stdout
    if any(int(line.split()[2]) > BIG_TREE for line in sizes.splitlines()
           if not line.endswith(b" missing")):  # "<sha> <type> <size>" or "<name> missing"
        return None
    done = process.read(top, "cat-file", "--batch",
                        input="".join(a + "\n" for a in asks).encode("utf-8"))
    if done.returncode != 0:
        raise GitError("git cat-file failed: " + done.stderr.decode("utf-8", "replace"))
    out, at, trees = done.stdout, 0, {}
    for folder in folders:
        end = out.index(b"\n", at)
        header = out[at:end].split()
        at = end + 1
        if header[-1] == b"missing":
            continue
        size = int(header[2])
        if header[1] != b"tree":
            raise GitError(f"{folder} is a file in HEAD, not a folder")
        trees[folder] = out[at:at + size]
        at += size + 1
    return trees


def _parse_tree(data: bytes) -> list[tuple[bytes, tuple[bytes, bytes]]]:
    entries, at, end = [], 0, len(data)
    while at < end:
        space = data.index(b" ", at)
        nul = data.index(b"\0", space)
        entries.append((data[space + 1:nul], (data[at:space], data[nul + 1:nul + 21])))
        at = nul + 21
    return entries


def _tree_bytes(entries: dict[bytes, tuple[bytes, bytes]]) -> bytes:
    """Entries in git's order: names compared as bytes, a folder's as if it ended in '/'."""
    def key(name: bytes) -> bytes:
        return name + b"/" if entries[name][0] == TREE_MODE else name
    return b"".join(entries[n][0] + b" " + n + b"\0" + entries[n][1]
                    for n in sorted(entries, key=key))


def _write_object(objects: Path, kind: bytes, body: bytes) -> bytes:
    """Store an object as git does (zlib, read-only, renamed into place); its id."""
    raw = b"%s %d\0" % (kind, len(body)) + body
    try:  # CPython's own SHA-1: hashlib would load OpenSSL (~5 ms of every commit)
        from _sha1 import sha1  # noqa: PLC0415
    except ImportError:
        from hashlib import sha1  # noqa: PLC0415
    sha = sha1(raw).digest()
    name = sha.hex()
    folder = objects / name[:2]
    target = folder / name[2:]
    if target.exists():
        return sha
    folder.mkdir(exist_ok=True)
    temporary = folder / f"tmp_obj_tracker_{os.getpid()}_{name[2:10]}"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(zlib.compress(raw, 1))
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return sha
