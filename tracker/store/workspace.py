"""The tracker on disk: where it is, its config and kinds, its item files and the write
lock. Writing files is files.py's; remembering parsed ones, cache.py's.
"""

from __future__ import annotations

import errno
import marshal  # built in: pickle would cost ~7 ms of start-up
import os
import stat
import time
from contextlib import contextmanager
from pathlib import Path

from tracker.format import frontmatter
from tracker.format import yaml as dialect
from tracker.git import process as gitprocess
from tracker.git import repo as gitrepo
from tracker.model import clock, ids, language
from tracker.model.errors import InvalidId, InvalidItem, LockTimeout, NotATracker, TrackerError
from tracker.model.record import record
from tracker.model.schema import Kind, SchemaError
from tracker.store import cache, journal, snapshot

TYPE_CHECKING = False  # typing is not imported at run time (start-up)
if TYPE_CHECKING:
    from typing import Any, Iterator

CONFIG_DIR = ".tracker"
CONFIG_FILE = "config.yaml"
LOCK_SECONDS = 60.0


@record
class ItemFile:
    """An item file found on disk, not read yet."""

    kind: Kind
    id: str
    path: Path


@record
class Item:
    """One parsed item. Read from the cache, its text is loaded only when asked for."""

    kind: Kind
    id: str
    path: Path
    rel: str  # path relative to the repository top, with '/' separators
    fields: dict[str, Any]
    loaded_doc: frontmatter.Document | None = None
    conflicted: bool | None = None  # conflict markers in the file? None: not known yet

    @property
    def doc(self) -> frontmatter.Document:
        if self.loaded_doc is None:
            data = self.path.read_bytes()
            self.loaded_doc = frontmatter.split(self.rel, frontmatter.decode(self.rel, data))
        return self.loaded_doc

    @property
    def body(self) -> str:
        return self.doc.body

    @property
    def title(self) -> str:
        return str(self.fields.get("title") or "")


class Workspace:
    """A tracker root: the folder holding `.tracker/config.yaml`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._lock_depth = 0
        self.recovered: list[str] = []  # what settling a dead writer's leftovers did
        self._inside: dict[str, bool] = {}
        top = gitprocess.find_top(str(root))
        self.top = Path(top) if top is not None else None
        self._prefix = str(self.top or self.root).rstrip(os.sep) + os.sep
        self._settings = _Settings(cache.file(self.top, cache.SETTINGS))
        self.config = self._settings.load(root / CONFIG_DIR / CONFIG_FILE) or {}
        if not isinstance(self.config, dict):
            raise SchemaError(f"{self.display(root / CONFIG_DIR / CONFIG_FILE)}: "
                              "the config must be a mapping")
        clock.use_zone(self.config.get(clock.KEY), self.display(root / CONFIG_DIR / CONFIG_FILE))
        language.use(language.of_config(self.config),
                     self.display(root / CONFIG_DIR / CONFIG_FILE))
        self.kinds = self._load_kinds()
        self._settings.save()

    @classmethod
    def find(cls, start: Path) -> "Workspace":
        start = start.resolve()
        for folder in (start, *start.parents):
            if (folder / CONFIG_DIR / CONFIG_FILE).is_file():
                return cls(folder)
        raise NotATracker(f"no tracker here ({start}): run 'tracker init' first")

    def _load_kinds(self) -> dict[str, Kind]:
        folder = self.root / CONFIG_DIR / "kinds"
        wanted = self.config.get("kinds")
        kinds: dict[str, Kind] = {}
        for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
            name = path.stem
            if wanted and name not in wanted:
                continue
            kind = Kind.from_dict(name, self._settings.load(path), self.display(path))
            _check_folder(kind, self.display(path))
            kinds[name] = kind
        return kinds

    # ------------------------------------------------------------ paths

    def display(self, path: Path) -> str:
        """A path as shown to people and in JSON: relative to the repository top."""
        text = str(path)
        if text.startswith(self._prefix):  # a string prefix: pathlib is slow at 100k items
            rel = text[len(self._prefix):]
            return rel if os.sep == "/" else rel.replace(os.sep, "/")
        base = self.top or self.root
        try:
            return path.relative_to(base).as_posix()
        except ValueError:
            return text

    def kind(self, name: str) -> Kind:
        if name in self.kinds:
            return self.kinds[name]
        raise TrackerError(f"unknown kind '{name}'; kinds here: {', '.join(self.kinds) or 'none'}")

    def folder(self, kind: Kind) -> Path:
        return self.root / kind.folder

    def path_for(self, kind: Kind, item_id: str) -> Path:
        """The file of an id, which can never be outside the kind's folder. In a
        sharded kind, the id's subfolder (`issues/k3/issue-k3x9q2ab.md`), unless the
        file is in the folder itself (put there by hand, or before sharding)."""
        ids.validate(item_id)
        folder = self.folder(kind)
        path = folder / f"{item_id}.md"
        if path.parent != folder:
            raise InvalidId(f"invalid id '{item_id}'")
        if not self.folder_inside(kind):
            raise TrackerError(f"{kind.folder}/ leads outside the tracker (a link): "
                               "tracker neither reads nor writes there")
        if kind.shard and not os.path.lexists(path):
            sub = folder / kind.shard_of(item_id)
            if sub.is_symlink():
                raise TrackerError(f"{self.display(sub)}/ is a link: tracker neither "
                                   "reads nor writes there")
            return sub / f"{item_id}.md"
        return path

    def item_files(self, kinds: list[Kind] | None = None) -> Iterator[ItemFile]:
        """Every `*.md` file in the kind folders (and their subfolders, in sharded
        kinds), in path order; hidden files skipped."""
        for kind in kinds or list(self.kinds.values()):
            folder = self.folder(kind)
            if not self.folder_inside(kind):
                continue  # a kind folder that links outside the tracker is never read
            try:
                names = sorted(snapshot.item_names(folder, kind.shard > 0))
            except (FileNotFoundError, NotADirectoryError):
                continue
            for name in names:
                yield ItemFile(kind, snapshot.id_of(name), folder / name)

    def folder_inside(self, kind: Kind) -> bool:
        """False when the kind's folder is a link (or under one) leading out of the tracker."""
        if kind.name in self._inside:
            return self._inside[kind.name]
        folder = self.folder(kind)
        if not folder.exists() and not folder.is_symlink():
            return True  # not cached: the folder may be created by this very command
        inside = folder.resolve().is_relative_to(self.root.resolve())
        self._inside[kind.name] = inside
        return inside

    def folder_problems(self, kinds: list[Kind] | None = None) -> list[InvalidItem]:
        """One problem for each kind folder whose items are not read because it leads
        outside the tracker (a link): a tracker never looks clean when its items vanished.
        A folder that does not exist yet is fine: the kind has no items."""
        found = []
        for kind in kinds or list(self.kinds.values()):
            if not self.folder_inside(kind):
                found.append(InvalidItem(
                    self.display(self.folder(kind)), None, None,
                    f"the folder of kind '{kind.name}' leads outside the tracker (a link): "
                    "its items are not read; make it a real folder in the repository"))
        return found

    def same_id(self, kind: Kind, item_id: str) -> tuple[str, str] | None:
        """The file of another item whose id is this one but for case (`ISSUE-X` beside
        `issue-x`), in any kind: ids that differ only by case are one id (they are one
        file on a case-insensitive disk): its path and id, or None."""
        wanted = item_id.lower()
        for file in self.item_files():
            if file.id.lower() == wanted and (file.id != item_id or file.kind is not kind):
                return self.display(file.path), file.id
        return None

    def ids(self, kinds: list[Kind] | None = None) -> list[tuple[Kind, str]]:
        return [(f.kind, f.id) for f in self.item_files(kinds)]

    # ------------------------------------------------------------ reading

    def read_text(self, path: Path) -> str:
        """A file's text, refusing links that lead outside the tracker."""
        return frontmatter.decode(self.display(path), self.read_bytes(path))

    def read_bytes(self, path: Path) -> bytes:
        """A file's bytes, refusing links that lead outside the tracker."""
        shown = self.display(path)
        if path.is_symlink():
            target = path.resolve()
            if not target.is_relative_to(self.root.resolve()):
                raise InvalidItem(shown, None, None, "a link to a file outside the tracker")
        try:
            mode = path.stat().st_mode
        except FileNotFoundError:
            raise InvalidItem(shown, None, None, "a link to nothing (dangling)") from None
        except OSError as e:
            raise InvalidItem(shown, None, None, f"cannot read: {e.strerror}") from None
        if stat.S_ISDIR(mode):
            raise InvalidItem(shown, None, None, "a folder, not an item file")
        if not stat.S_ISREG(mode):  # a pipe would block the read forever
            raise InvalidItem(shown, None, None, "not a regular file (a pipe or a device)")
        try:
            return path.read_bytes()
        except OSError as e:
            raise InvalidItem(shown, None, None, f"cannot read: {e.strerror}") from None

    def load(self, file: ItemFile) -> Item:
        shown = self.display(file.path)
        fields, doc = frontmatter.parse(shown, self.read_text(file.path))
        return Item(file.kind, file.id, file.path, shown, fields, doc)

    def load_all(self, kinds: list[Kind] | None = None
                 ) -> tuple[list[Item], list[InvalidItem]]:
        """Every item of these kinds (all kinds by default), in kind then file name
        order, and the files that could not be read."""
        chosen = kinds or list(self.kinds.values())
        tables = self.tables(chosen)
        if tables is None:
            items, problems = self.load_many(list(self.item_files(chosen)))
            return items, self.folder_problems(chosen) + problems
        items, problems = [], self.folder_problems(chosen)
        for kind in chosen:
            table = tables.get(kind.name)
            if table is None:
                continue
            folder = self.folder(kind)
            columns = table.load_all()
            shapes = table.shapes
            for row, (name, shape) in enumerate(zip(table.names, table.shape_of)):
                rel = f"{table.folder}/{name}"
                if shape < 0:
                    line, field, reason = table.problems[row]
                    problems.append(InvalidItem(rel, line, field, reason))
                    continue
                fields = {k: columns[k][row] for k in shapes[shape]}
                items.append(Item(kind, snapshot.id_of(name), folder / name, rel, fields,
                                  conflicted=row in table.marked))
        return items, problems

    def tables(self, kinds: list[Kind]) -> "dict[str, snapshot.Table] | None":
        """The kinds' snapshot tables (see snapshot.py), or None without git or cache."""
        refresh = self.refresh(kinds)
        return refresh.finish()[0] if refresh is not None else None

    def refresh(self, kinds: list[Kind]) -> "snapshot.Refresh | None":
        """A refresh of the kinds' tables under way, or None without git or cache."""
        file = cache.file(self.top, cache.SNAPSHOT)
        return snapshot.Refresh(self, kinds, file) if file is not None else None

    def load_many(self, files: list[ItemFile]) -> tuple[list[Item], list[InvalidItem]]:
        """Items parsed from these files, and the files that could not be read."""
        items, problems = [], []
        for file in files:
            try:
                items.append(self.load(file))
            except InvalidItem as e:
                problems.append(e)
        return items, problems

    # ------------------------------------------------------------ writing

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Serialize writers: an OS lock, released by the kernel if the process dies.
        Once taken, what a dead writer left is settled first (journal.recover): its
        journal, and the lock files of a git killed with it."""
        import fcntl  # noqa: PLC0415 - POSIX only

        if self._lock_depth:  # re-entrant: a second flock in one process would wait forever
            self._lock_depth += 1
            try:
                yield
            finally:
                self._lock_depth -= 1
            return
        base = gitrepo.git_dir(self.top) if self.top else self.root / CONFIG_DIR
        path = base / "tracker.lock"
        adopted = gitprocess.adopt_lock(path)  # taken at launch by a plain set or new
        with adopted or open(path, "a+b") as handle:
            deadline = time.monotonic() + LOCK_SECONDS
            while adopted is None:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as e:
                    if e.errno not in (errno.EAGAIN, errno.EACCES):
                        raise
                    if time.monotonic() > deadline:
                        raise LockTimeout(f"another tracker process holds {path}; "
                                          "try again when it has finished") from None
                    time.sleep(0.01)
            self._lock_depth = 1
            try:
                if self.top is not None and (journal.pending(base) or self._git_locked(base)):
                    self.recovered.extend(journal.recover(self.top, base))
                yield
            finally:
                self._lock_depth = 0
                fcntl.flock(handle, fcntl.LOCK_UN)

    def journal(self, op: str, message: str, commit: bool = True,
                total: int | None = None) -> journal.Journal:
        """The journal of a write about to start, under the lock (journal.py); with
        `commit` False, or without git, one that records nothing."""
        if not commit or self.top is None:
            return journal.begin(None, None, op, message)
        return journal.begin(self.top, gitrepo.git_dir(self.top), op, message, total)

    def _git_locked(self, base: Path) -> bool:
        """True when .git/index.lock is there and not this process's early update-index."""
        assert self.top is not None
        return os.path.exists(os.path.join(base, "index.lock")) and \
            not gitprocess.holds_index(self.top)

    def settle(self) -> None:
        """For a reader (`tracker check`): settle what a dead writer left, when no writer
        is at work; what was done goes to `recovered`."""
        if self.top is None:
            return
        base = gitrepo.git_dir(self.top)
        if journal.pending(base) or self._git_locked(base):
            done = journal.settle(self.top, base, base / "tracker.lock")
            if done is None and journal.pending(base):
                self.recovered.append("a write is in progress (.git/tracker-journal): "
                                    "check again when it has finished")
            self.recovered.extend(done or [])


class _Settings:
    """The parsed config and kind files (marshal: plain data, built-in, no code run on
    load), remembered in the cache's SETTINGS file by each file's stat, so that a command
    that reads one item needs no YAML parser at all. Racy stats are not remembered
    (cache.RACY_NS); no git, or TRACKER_NO_CACHE=1: no memory."""

    def __init__(self, file: cache.File | None) -> None:
        self.file = file
        self.entries: dict[str, Any] = {}
        self.dirty = False
        data = file.load() if file is not None else None
        if data is not None:
            try:
                loaded = marshal.loads(data)  # our own file in .git/
                self.entries = loaded if isinstance(loaded, dict) else {}
            except Exception:  # noqa: BLE001 - unreadable: parse the files again
                self.entries = {}

    def load(self, path: Path) -> Any:
        try:
            st = os.stat(path)
        except OSError:
            return _load_yaml_file(path)
        key = cache.key_of(st)
        entry = self.entries.get(str(path))
        if isinstance(entry, tuple) and len(entry) == 2 and entry[0] == key:
            return entry[1]
        data = _load_yaml_file(path)
        if self.file is not None and st.st_mtime_ns < cache.horizon():
            try:
                marshal.dumps(data)  # core types only: a date in a kind file is not kept
            except ValueError:
                return data
            self.entries[str(path)] = (key, data)
            self.dirty = True
        return data

    def save(self) -> None:
        if self.dirty and self.file is not None:
            self.file.save([marshal.dumps(self.entries)])


def _load_yaml_file(path: Path) -> Any:
    shown = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as e:
        raise InvalidItem(shown, None, None, f"cannot read: {e}") from None
    return dialect.read(shown, text, first_line=1)


def _check_folder(kind: Kind, source: str) -> None:
    parts = Path(kind.folder).parts
    if not parts or Path(kind.folder).is_absolute() or ".." in parts or parts[0] in (
            CONFIG_DIR, ".git"):
        raise SchemaError(f"{source}: folder '{kind.folder}' must be a folder inside the "
                          "tracker")
