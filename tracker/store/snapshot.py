"""Every item's parsed front matter, one table per kind, kept in `.git/tracker-cache/`
and checked against git's own index, so that a warm `list` of 100,000 items neither
stats nor parses them.

A row is the parse of exactly the bytes read. It remembers their git blob id (the
sha1 of `blob <size>\\0` and the bytes) and the file's (size, mtime_ns, ctime_ns,
inode), and it is served again only when

- git's index holds that same blob id for the path (a regular file, not marked
  assume-unchanged) and `git diff-files` does not list the path: git itself then
  vouches that the file on disk is that blob (it stats every file in C, on every
  core, and compares the content where a stat is racy); or
- the file's stat is the one remembered. Stats are remembered only when older than
  two seconds when the table is written, which closes the race of a file changed
  twice within one tick of a coarse clock (git's own rule for racy entries).

While `.git/index` keeps its stat and checksum, the index's blob ids are the ones
remembered, so a warm read is one `git diff-files` (run while this file is read),
one stat per kind folder, and a stat of the few files git does not vouch for. After
the index changed, one `git ls-files` gives the new blob ids. The names in a kind
folder are the remembered ones while the folder's stat is (a racy folder stamp is
not stored). Columns are stored apart and read only when asked for: a filter on
two fields unpickles two lists.

It is the cache's SNAPSHOT file (cache.py: disposable, rebuilt silently, written
atomically; TRACKER_NO_CACHE=1 turns it off, and every command then parses the files).
"""

from __future__ import annotations

import os
import stat
import sys
from array import array
from bisect import bisect_left
from pathlib import Path

from tracker.format import frontmatter
from tracker.git import repo as gitrepo
from tracker.model.errors import InvalidItem
from tracker.model.record import field, record
from tracker.model.text import searchable
from tracker.store import cache

TYPE_CHECKING = False  # typing is not imported at run time (start-up)
if TYPE_CHECKING:
    from typing import Any, Callable, Iterable, Iterator

    from tracker.store.cache import Key
    from tracker.store.workspace import Workspace

MAGIC = b"tracker-snapshot 8\n"  # the version is also in the name, cache.SNAPSHOT
NO_SHA = bytes(20)


class _Absent:
    """A column's value in a row whose file lacks that field (pickled by reference)."""

    def __repr__(self) -> str:
        return "ABSENT"

    def __reduce__(self) -> str:
        return "ABSENT"


ABSENT = _Absent()


@record
class Table:
    """The rows of one kind folder, in file name order."""

    folder: str  # relative to the repository top, '/' separators
    names: list[str]  # file names (`k3/issue-k3x9q2ab.md` in sharded kinds), sorted
    shas: bytes  # 20 bytes per row: the blob id of the bytes parsed
    flags: bytearray  # 1: the index holds this blob for the path (a regular file)
    shape_of: array  # index into shapes: the row's field names in file order; -1: a problem
    shapes: list[tuple[str, ...]]
    problems: dict[int, tuple[int | None, str | None, str]]  # row: (line, field, reason)
    folder_stamp: tuple[int, ...] | None = None  # mtime, ctime, inode, device
    _stats: list[Key | None] | None = None
    _texts: list[str] | None = None  # each row's title and body folded (model/text.py)
    _columns: dict[str, list[Any]] = field(default_factory=dict)
    _sections: dict[str, tuple[int, int]] = field(default_factory=dict)
    _blob: memoryview | None = None
    _names: dict[str, None] | None = None
    marked: set[int] = field(default_factory=set)  # rows whose file holds conflict markers

    def __len__(self) -> int:
        return len(self.names)

    @property
    def stats(self) -> list[Key | None]:
        if self._stats is None:
            self._stats = self._section("\0stats") or [None] * len(self.names)
        return self._stats

    @property
    def texts(self) -> list[str] | None:
        """Each row's title and body as `list --grep` searches them (None: not kept)."""
        if self._texts is None:
            self._texts = self._section("\0text")
        return self._texts

    def column_names(self) -> dict[str, None]:
        """The fields some row has (an ordered set)."""
        if self._names is None:
            names = dict.fromkeys(n for n in self._sections if not n.startswith("\0"))
            names.update(dict.fromkeys(self._columns))
            self._names = names
        return self._names

    def column(self, name: str) -> list[Any]:
        """The field's value in every row (ABSENT where a file lacks it)."""
        if name not in self._columns:
            if name not in self.column_names():
                return [ABSENT] * len(self.names)
            self._columns[name] = self._section(name)
        return self._columns[name]

    def load_all(self) -> dict[str, list[Any]]:
        for name in self.column_names():
            self.column(name)
        return self._columns

    def raw(self, name: str) -> memoryview | None:
        """A section's pickled bytes as read from the file (None if it has none)."""
        if name not in self._sections or self._blob is None:
            return None
        start, end = self._sections[name]
        return self._blob[start:end]

    def _section(self, name: str) -> Any:
        if name not in self._sections or self._blob is None:
            return None
        start, end = self._sections[name]
        import pickle  # noqa: PLC0415 - not loaded by commands that never list

        return pickle.loads(self._blob[start:end])  # noqa: S301 - our own file in .git/

    def fields(self, row: int) -> dict[str, Any]:
        keys = self.shapes[self.shape_of[row]]
        return {k: self.column(k)[row] for k in keys}

    def rel(self, row: int) -> str:
        return f"{self.folder}/{self.names[row]}"


def empty_table(folder: str) -> Table:
    return Table(folder, [], b"", bytearray(), array("i"), [], {})


# ---------------------------------------------------------------- the file


@record
class Snapshot:
    index_stamp: tuple[Any, ...] | None = None
    tables: dict[str, Table] = field(default_factory=dict)


def read_file(path: Path) -> Snapshot:
    data = cache.File(path).load()
    if data is None:
        return Snapshot()
    try:
        if not data.startswith(MAGIC):
            return Snapshot()
        size = int.from_bytes(data[len(MAGIC):len(MAGIC) + 8], "little")
        start = len(MAGIC) + 8
        import pickle  # noqa: PLC0415 - not loaded by commands that never list

        header = pickle.loads(data[start:start + size])  # noqa: S301 - our own file
        blob = memoryview(data)[start + size:]
        tables = {}
        for name, t in header["tables"].items():
            shape_of = array("i")
            shape_of.frombytes(t["shape_of"])
            names = t["names"].split("\0") if t["names"] else []
            tables[name] = Table(t["folder"], names, t["shas"], bytearray(t["flags"]),
                                 shape_of, t["shapes"], t["problems"], t["folder_stamp"],
                                 _sections=t["sections"], _blob=blob, marked=set(t["marked"]))
            if len(shape_of) != len(names) or len(t["shas"]) != 20 * len(names):
                return Snapshot()
        return Snapshot(header["index_stamp"], tables)
    except Exception:  # noqa: BLE001 - any unreadable snapshot is simply rebuilt
        return Snapshot()


def write_file(path: Path, snap: Snapshot) -> None:
    import pickle  # noqa: PLC0415 - not loaded by commands that never list

    horizon = cache.horizon()
    sections: list[bytes] = []
    offset = 0
    header: dict[str, Any] = {"index_stamp": snap.index_stamp, "tables": {}}

    def add_raw(data: bytes | memoryview) -> tuple[int, int]:
        nonlocal offset
        sections.append(bytes(data))
        offset += len(data)
        return (offset - len(data), offset)

    def add(value: Any) -> tuple[int, int]:
        return add_raw(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))

    for name, t in snap.tables.items():
        spans: dict[str, tuple[int, int]] = {}
        if t._stats is None and t.raw("\0stats") is not None:
            spans["\0stats"] = add_raw(t.raw("\0stats"))  # type: ignore[arg-type]
        else:
            spans["\0stats"] = add([k if k is not None and k[1] < horizon else None
                                     for k in t.stats])
        if t._texts is None and t.raw("\0text") is not None:
            spans["\0text"] = add_raw(t.raw("\0text"))  # type: ignore[arg-type]
        elif t.texts is not None:
            spans["\0text"] = add(t.texts)
        for column in t.column_names():
            raw = t.raw(column) if column not in t._columns else None
            spans[column] = add_raw(raw) if raw is not None else add(t.column(column))
        stamp = t.folder_stamp if t.folder_stamp and t.folder_stamp[0] < horizon else None
        header["tables"][name] = {
            "folder": t.folder, "names": "\0".join(t.names), "shas": bytes(t.shas),
            "flags": bytes(t.flags), "shape_of": t.shape_of.tobytes(), "shapes": t.shapes,
            "problems": t.problems, "folder_stamp": stamp, "sections": spans,
            "marked": sorted(t.marked)}
    head = pickle.dumps(header, protocol=pickle.HIGHEST_PROTOCOL)
    cache.File(path).save([MAGIC + len(head).to_bytes(8, "little") + head, *sections])


# ---------------------------------------------------------------- git's word


def index_stamp(index: Path) -> tuple[Any, ...] | None:
    """The index file's stat and trailing checksum: equal stamps, equal content."""
    if os.environ.get("GIT_INDEX_FILE"):
        return None
    try:
        with open(index, "rb") as handle:
            st = os.fstat(handle.fileno())
            handle.seek(max(0, st.st_size - 20))
            tail = handle.read(20)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, tail)


# ---------------------------------------------------------------- refreshing


def blob_id(data: bytes) -> bytes:
    import hashlib  # noqa: PLC0415

    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).digest()


if TYPE_CHECKING:
    Reader = Callable[[Path, str], bytes]


class Refresh:
    """A refresh under way. `remembered` holds the tables as last written, at once;
    `finish` checks them against git and the files. A caller may work on the former
    while git stats the work tree, and redo it for the kinds `finish` says moved."""

    def __init__(self, ws: "Workspace", kinds: Iterable[Any], file: cache.File) -> None:
        assert ws.top is not None
        self.ws, self.top = ws, ws.top
        self.gitdir = gitrepo.git_dir(self.top)
        self.wanted = [(k, ws.display(ws.folder(k))) for k in kinds if ws.folder_inside(k)]
        self.running = gitrepo.dirty_files(self.top, [folder for _, folder in self.wanted])
        self.file = file.path
        self.old = read_file(self.file)
        self.remembered: dict[str, Table] = {}
        for kind, folder in self.wanted:
            table = self.old.tables.get(kind.name)
            if table is not None and table.folder == folder:
                self.remembered[kind.name] = table

    def finish(self) -> tuple[dict[str, Table], set[str]]:
        """The checked tables, and the kinds whose rows differ from `remembered`."""
        old = self.old
        stamp = index_stamp(self.gitdir / "index")
        index = None
        if stamp is None or stamp != old.index_stamp:
            index = gitrepo.index_blobs(self.top, [f for _, f in self.wanted]) if stamp else {}
        dirty = self.running.result()
        tables: dict[str, Table] = {}
        moved: set[str] = set()
        changed = stamp != old.index_stamp
        for kind, folder in self.wanted:
            before = self.remembered.get(kind.name)
            table, differs = _refresh_table(self.ws, self.ws.folder(kind), folder, before,
                                            index, dirty, sharded=kind.shard > 0)
            tables[kind.name] = table
            changed = changed or differs
            if table is not before:
                moved.add(kind.name)
        if changed:
            keep = {} if index is not None else {
                name: t for name, t in old.tables.items() if name not in tables}
            write_file(self.file, Snapshot(stamp, {**keep, **tables}))
        return tables, moved


def _refresh_table(ws: "Workspace", folder: Path, rel: str, old: Table | None,
                   index: dict[str, bytes] | None, dirty: set[str] | None,
                   listed: bool = False, sharded: bool = False) -> tuple[Table, bool]:
    """The folder's table, and whether it differs from the remembered one: the rows git
    and the stats do not vouch for are read again, the others kept."""
    listing = _list_folder(folder, old, listed, sharded)
    if listing is None:
        return empty_table(rel), old is not None
    fstamp, names = listing
    if old is None:
        old = empty_table(rel)
    prefix = rel + "/"
    same = names is old.names or names == old.names
    positions = range(len(names)) if same else _positions(old.names, names)
    flags = _index_flags(old, names, positions, same, prefix, index)
    suspects = _suspect_rows(names, flags, prefix, dirty)
    reread = _reread_rows(ws, folder, prefix, old, names, positions, flags, suspects, index,
                          dirty, may_relist=names is old.names and not listed)
    if reread is None:  # a file is gone, though the folder looks the same: list it
        return _refresh_table(ws, folder, rel, old, index, dirty, listed=True, sharded=sharded)
    if same and not reread:
        if flags == old.flags and fstamp == old.folder_stamp:
            return old, False
        old.flags, old.folder_stamp = flags, fstamp
        return old, True
    return _rebuild(old, names, positions, flags, reread, rel, fstamp, same), True


def _list_folder(folder: Path, old: Table | None, listed: bool, sharded: bool
                 ) -> tuple[tuple[Any, ...], list[str]] | None:
    """The folder's stamp and item names (the remembered names while its stamp is the
    remembered one, unless `listed`), or None when it is not a folder."""
    try:
        fst = os.stat(folder)
    except OSError:
        return None
    if not stat.S_ISDIR(fst.st_mode):
        return None
    fstamp: tuple[Any, ...] = (fst.st_mtime_ns, fst.st_ctime_ns, fst.st_ino, fst.st_dev)
    names: list[str] | None = None
    if sharded:
        fstamp, names = _shard_stamp(folder, fstamp, old, listed)
    elif old is not None and old.folder_stamp == fstamp and not listed:
        names = old.names
    if names is None:
        names = sorted(item_names(folder, sharded))
    return fstamp, names


def _positions(old_names: list[str], names: list[str]) -> list[int | None]:
    """Each name's row in the remembered table (None: a new file)."""
    where = {n: j for j, n in enumerate(old_names)}
    return [where.get(n) for n in names]


def _index_flags(old: Table, names: list[str], positions: list[int | None] | range,
                 same: bool, prefix: str, index: dict[str, bytes] | None) -> bytearray:
    """Each row's flag before any file is looked at: the remembered one, or, when the
    index changed (`index` given), whether it now holds the remembered blob."""
    if index is not None:
        shas = old.shas
        return bytearray(
            1 if j is not None and index.get(prefix + n) == shas[20 * j:20 * j + 20] else 0
            for n, j in zip(names, positions))
    if same:
        return bytearray(old.flags)
    return bytearray(old.flags[j] if j is not None else 0 for j in positions)


def _suspect_rows(names: list[str], flags: bytearray, prefix: str,
                  dirty: set[str] | None) -> list[int]:
    """The rows to look at, in order: those git does not vouch for (new ones among them)
    and those `git diff-files` lists; every row when git could not say."""
    if dirty is None:
        return list(range(len(names)))
    suspects: set[int] = set()
    start = flags.find(0)
    while start != -1:
        suspects.add(start)
        start = flags.find(0, start + 1)
    for changed in dirty:
        if changed.startswith(prefix):
            i = bisect_left(names, changed[len(prefix):])
            if i < len(names) and names[i] == changed[len(prefix):]:
                suspects.add(i)
    return sorted(suspects)


def _reread_rows(ws: "Workspace", folder: Path, prefix: str, old: Table, names: list[str],
                 positions: list[int | None] | range, flags: bytearray, suspects: list[int],
                 index: dict[str, bytes] | None, dirty: set[str] | None,
                 may_relist: bool) -> dict[int, Row] | None:
    """The suspect rows whose stat is not the remembered one, read again, and each
    suspect's flag set in `flags`. None when a file is gone and `may_relist` (the names
    are the remembered ones): the caller lists the folder then."""
    reread: dict[int, Row] = {}
    old_stats = old.stats if suspects else []
    for i in suspects:
        j = positions[i]
        path = folder / names[i]
        try:
            lst = os.lstat(path)
        except FileNotFoundError:
            if may_relist:
                return None
            lst = None
        except OSError:
            lst = None
        key = cache.key_of(lst) if lst is not None and stat.S_ISREG(lst.st_mode) else None
        if j is not None and key is not None and old_stats[j] == key:
            if flags[i] and (dirty is None or prefix + names[i] in dirty):
                flags[i] = 0  # the content is the remembered one, but not git's blob
            continue
        row = reread[i] = _read_row(ws, path, prefix + names[i], key)
        flags[i] = _flag_after_read(old, j, prefix + names[i], key, row[0], index, dirty)
    return reread


def _flag_after_read(old: Table, j: int | None, rel: str, key: Key | None, sha: bytes,
                     index: dict[str, bytes] | None, dirty: set[str] | None) -> int:
    """A re-read row's flag: 1 when git's index holds the blob just read for the path
    (asked of the index when it changed, else of the row's remembered flag and blob)."""
    if key is None:
        return 0
    if index is not None:
        return 1 if index.get(rel) == sha else 0
    if j is not None and old.flags[j] and (dirty is None or rel not in dirty):
        return 1 if old.shas[20 * j:20 * j + 20] == sha else 0
    return 0


def id_of(name: str) -> str:
    """The id of an item file named relative to its kind folder (`k3/issue-k3x.md`)."""
    return name[name.rfind("/") + 1:-3]


def item_names(folder: Path, sharded: bool) -> Iterator[str]:
    """The item files of a kind folder, relative to it: `*.md` not hidden, and in a
    sharded kind those of its subfolders too (`k3/issue-k3x9q2ab.md`; real folders
    only, never a link, one level)."""
    with os.scandir(folder) as entries:
        subfolders = []
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            if name.endswith(".md"):
                yield name
            elif sharded and entry.is_dir(follow_symlinks=False):
                subfolders.append(name)
    for sub in subfolders:
        try:
            inside = os.listdir(folder / sub)
        except OSError:
            continue
        yield from (f"{sub}/{n}" for n in inside if n.endswith(".md") and n[0] != ".")


def _shard_stamp(folder: Path, top: tuple[Any, ...], old: "Table | None", listed: bool
                 ) -> tuple[tuple[Any, ...], list[str] | None]:
    """A sharded folder's stamp: its own and each subfolder's (mtime, ctime, inode),
    the latest time first (the racy check reads it); and the remembered names when
    nothing moved. The subfolders are the remembered ones while the top's stamp is."""
    remembered = old.folder_stamp if old is not None else None
    subs: Any
    if remembered is not None and remembered[1:5] == top and not listed:
        subs = remembered[5::4]
    else:
        with os.scandir(folder) as entries:
            subs = sorted(e.name for e in entries if not e.name.startswith(".")
                          and e.is_dir(follow_symlinks=False))
    parts: list[Any] = [*top]
    latest = max(top[0], top[1])
    for sub in subs:
        try:
            st = os.lstat(folder / sub)
        except OSError:
            st = None
        times = (st.st_mtime_ns, st.st_ctime_ns, st.st_ino) if st else (0, 0, 0)
        parts += (sub, *times)
        latest = max(latest, times[0], times[1])
    stamp = (latest, *parts)
    if remembered == stamp and not listed:
        return stamp, old.names  # type: ignore[union-attr]
    return stamp, None


if TYPE_CHECKING:
    Row = tuple[bytes, "Key | None", Any, bool, str]


def _read_row(ws: "Workspace", path: Path, rel: str, key: Key | None) -> Row:
    """(blob id, stat key, fields or an InvalidItem, conflict markers?, searched text)
    for one file."""
    try:
        data = ws.read_bytes(path)
    except InvalidItem as e:
        return NO_SHA, None, e, False, ""
    sha = blob_id(data)
    try:
        text = frontmatter.decode(rel, data)
        fields, doc = frontmatter.parse(rel, text)
    except InvalidItem as e:
        return sha, key, e, False, ""
    marked = (b"<<<<<<<" in data or b">>>>>>>" in data) and bool(frontmatter.conflict_lines(text))
    return sha, key, fields, marked, searchable(str(fields.get("title") or ""), doc.body)


def _rebuild(old: Table, names: list[str], positions: list[int | None] | range,
             flags: bytearray, reread: dict[int, Row], rel: str,
             fstamp: tuple[int, ...], same: bool) -> Table:
    n = len(names)
    columns = old.load_all()
    old_stats = old.stats
    old_texts = old.texts if len(old) else []
    if old_texts is None:  # not kept (cannot be, in this version's files): read every row
        old_texts = [""] * len(old)
    if same:
        new_columns = {name: list(values) for name, values in columns.items()}
        shas = bytearray(old.shas)
        stats = list(old_stats)
        texts = list(old_texts)
        shape_of = array("i", old.shape_of)
        problems = dict(old.problems)
        marked = set(old.marked)
    else:
        new_columns = {name: [values[j] if j is not None else ABSENT for j in positions]
                       for name, values in columns.items()}
        shas = bytearray(b"".join(old.shas[20 * j:20 * j + 20] if j is not None else NO_SHA
                                  for j in positions))
        stats = [old_stats[j] if j is not None else None for j in positions]
        texts = [old_texts[j] if j is not None else "" for j in positions]
        shape_of = array("i", (old.shape_of[j] if j is not None else -1 for j in positions))
        problems = {i: old.problems[j] for i, j in enumerate(positions)
                    if j is not None and j in old.problems}
        marked = {i for i, j in enumerate(positions) if j is not None and j in old.marked}
    shapes = list(old.shapes)
    shape_index = {s: k for k, s in enumerate(shapes)}
    for i, (sha, key, fields, conflicted, text) in reread.items():
        shas[20 * i:20 * i + 20] = sha
        stats[i] = key
        texts[i] = text
        if conflicted:
            marked.add(i)
        else:
            marked.discard(i)
        for values in new_columns.values():
            values[i] = ABSENT
        if isinstance(fields, InvalidItem):
            problems[i] = (fields.line, fields.field, fields.reason)
            shape_of[i] = -1
            continue
        problems.pop(i, None)
        shape = tuple(fields)
        if shape not in shape_index:
            shape_index[shape] = len(shapes)
            shapes.append(shape)
        shape_of[i] = shape_index[shape]
        for name, value in fields.items():
            if name not in new_columns:
                new_columns[name] = [ABSENT] * n
            if type(value) is str and len(value) <= 40:  # one object for each status…:
                value = sys.intern(value)  # pickled once, unpickled once
            new_columns[name][i] = value
    table = Table(rel, names, bytes(shas), flags, shape_of, shapes, problems, fstamp,
                  _stats=stats, _texts=texts, marked=marked)
    table._columns = new_columns
    return table
