"""The tracker's memory, read from git objects: field-level log and blame, the state at
any revision or date, and the semantic diff between two states.

Nothing here touches the work tree or the index: one `git log` walk, one `ls-tree` or
`diff`, and blobs read through one persistent `cat-file --batch` process, each blob
parsed once (by sha) however often it is asked for. The state at a revision also
remembers its parsed blobs across runs, by blob id (the cache's VERSIONS file), so
that a second `list --at` reads no blob. `blame` stops its walk where the file was
born, or sooner, once every field has found the commit that set it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tracker.core import read
from tracker.core.check import item_problems
from tracker.core.read import Listing
from tracker.format import frontmatter
from tracker.git.repo import NULL_SHA, Reader, is_null
from tracker.model import ids
from tracker.model.errors import InvalidItem, ItemNotFound, NotARepository, UsageError
from tracker.model.problems import Problem
from tracker.model.schema import Kind, shard_name
from tracker.store import cache
from tracker.store.workspace import Item

if TYPE_CHECKING:
    from tracker.core.session import Session

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?([.,]\d+)?(Z|[+-]\d{2}:?\d{2})?\Z")
_MISSING = object()
# Parsed past versions kept in the cache: at least this many, and up to twice those of
# the last revision read (two revisions read in turn both stay).
KEEP_VERSIONS = 20000


@dataclass
class Version:
    """One version of an item file: its fields and body, or why it could not be read."""

    fields: dict[str, Any]
    body: str
    item: Item | None = None


EMPTY = Version({}, "")


class History:
    """History queries over one tracker; close it (or use `with`) when done."""

    def __init__(self, tracker: Session) -> None:
        if tracker.ws.top is None:
            raise NotARepository("this tracker is not in a git repository: no history")
        self.t = tracker
        self.top = tracker.ws.top
        self.reader = Reader(self.top)
        self._versions: dict[tuple[str, str], Version] = {}
        self._at: tuple[str, Listing] | None = None  # get_at's last commit read
        self.folders = {self._rel_folder(kind): kind for kind in tracker.kinds.values()}

    def __enter__(self) -> "History":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.reader.close()

    def _rel_folder(self, kind: Kind) -> str:
        return (self.t.ws.folder(kind)).relative_to(self.top).as_posix()

    def locate(self, path: str) -> tuple[Kind, str] | None:
        """The kind and id of a repository path, if it is an item file."""
        # plain string work (git's paths are normalized): a federation locates every
        # path of every member, and pathlib cost it half its time
        parent, _, name = path.rpartition("/")
        if not name.endswith(".md") or name.startswith(".") or len(name) == 3:
            return None
        stem = name[:-3]
        kind = self.folders.get(parent or ".")
        if kind is None:
            grand, _, shard = parent.rpartition("/")
            if 1 <= len(shard) <= 4:  # in a shard, now or then?
                kind = self.folders.get(grand or ".")
                if kind is not None and shard != shard_name(kind.ids.prefix, stem, len(shard)):
                    kind = None
        if kind is None:
            return None
        return kind, stem

    # ------------------------------------------------------------ revisions

    def at(self, spec: str, head: str | None = None) -> str:
        """A commit sha for a revision, a date (`2012-04-21`) or a full ISO time. With
        `head` (a federation member's fetched head, or "HEAD"), the date is on that line
        and the revision must be `HEAD`, `HEAD~N`, `HEAD^`…, counted from `head`: each
        repository of a federation has its own commits."""
        if _DATE.match(spec) or _DATETIME.match(spec):
            _valid_moment(spec)
            return self.reader.commit_before(f"{spec} 23:59:59" if _DATE.match(spec) else spec,
                                             head or "HEAD")
        if head is not None:
            relative = re.fullmatch(r"HEAD([~^][0-9~^]*)?", spec)
            if relative is None:
                raise UsageError(f"invalid revision '{spec}' with --federation: give a date "
                                 "or HEAD, HEAD~N (each repository's own commits)")
            return self.reader.resolve(head + (relative.group(1) or ""))
        return self.reader.resolve(spec)

    # ------------------------------------------------------------ versions

    def prefetch(self, pairs: list[tuple[str, str]]) -> None:
        """Parse many (sha, path) versions with one batched blob read."""
        missing = [(sha, path) for sha, path in pairs
                   if not is_null(sha) and (sha, path) not in self._versions]
        if len(missing) < 2:
            return
        data = self.reader.blobs(sha for sha, _ in missing)
        for sha, path in missing:
            if sha in data:
                self._versions[(sha, path)] = self._parse(data[sha], path)

    def version(self, sha: str, path: str) -> Version:
        """The parsed blob (cached by sha and path); unreadable versions keep their text."""
        key = (sha, path)
        if key not in self._versions:
            self._versions[key] = self._parse(self.reader.blob(sha), path)
        return self._versions[key]

    def _parse(self, data: bytes, path: str) -> Version:
        located = self.locate(path)
        try:  # as the work tree's files are read: bad UTF-8 is refused, not replaced
            fields, doc = frontmatter.parse(path, frontmatter.decode(path, data))
        except InvalidItem:
            return Version({}, data.decode("utf-8", errors="replace"))
        item = None
        if located:
            kind, item_id = located
            item = Item(kind, item_id, self.top / path, path, fields, doc)
        return Version(fields, doc.body, item)

    def _work_version(self, path: str) -> Version:
        full = self.top / path
        try:
            return self._parse(full.read_bytes(), path)
        except FileNotFoundError:
            return EMPTY

    # ------------------------------------------------------------ log and blame

    def item_paths(self, ref: str) -> list[str]:
        """The path(s) an id has or had: the current file, or the id's file in each kind."""
        try:
            file = read.resolve(self.t, ref)
            return sorted({self.t.ws.display(file.path), *self._paths_of(file.kind, file.id)})
        except ItemNotFound:
            if ids.problem(ref) is None:
                return [p for kind in self.folders.values() for p in self._paths_of(kind, ref)]
            raise

    def _paths_of(self, kind: Kind, item_id: str) -> list[str]:
        """Where an id's file is or was: in its kind's folder, or its shard; any shard
        once the kind file names `shard:` (it was sharded, and maybe unsharded, since).
        Each path costs `git log` a share of its time: a kind never sharded has one."""
        folder = self._rel_folder(kind)
        counts = [kind.shard] if kind.shard else range(1, 5) if kind.shard_named else []
        shards = {shard_name(kind.ids.prefix, item_id, n) for n in counts}
        return [f"{folder}/{item_id}.md", *(f"{folder}/{s}/{item_id}.md" for s in sorted(shards))]

    def log(self, ref: str | None = None, since: str | None = None,
            until: str | None = None, rev: str | None = None,
            member: str | None = None) -> list[dict[str, Any]]:
        """Field-level history, newest first: of one item, or of the whole tracker; from
        HEAD, or from `rev` (federation `member`'s fetched head: `ref` an id there)."""
        if ref is None and since is None and until is None and (rev is None or member):
            return self._whole_log(rev, member)
        if ref and rev:
            item = self.get_at(ref, rev)
            ref, paths = item.id, self._paths_of(item.kind, item.id)
        else:
            paths = self.item_paths(ref) if ref else list(self.folders)
        commits = self.reader.log(paths, since=_when(since), until=_when(until, end_of_day=True),
                                  rev=rev or "HEAD")
        entries = self._entries(commits, ref)
        if ref and not entries:
            raise ItemNotFound(f"no history for '{ref}'")
        return entries

    def _whole_log(self, rev: str | None = None, member: str | None = None
                   ) -> list[dict[str, Any]]:
        """The whole tracker's log, remembered in the cache's LOG file up to the commit
        it was read at: a HEAD that descends from it along one line reads only the new
        commits; any other HEAD, or other kind folders, reads it all. A federation
        member's log, from its fetched head `rev`, has a LOG file of its own."""
        file = cache.file(self.top, cache.LOG if member is None else cache.member_log(member))
        if rev is not None and file is None:
            return self._entries(self.reader.log(list(self.folders), rev=rev), None)
        head = (rev or self.reader.head()) if file is not None else None
        if file is None or head is None:
            return self._entries(self.reader.log(list(self.folders)), None)
        import pickle  # noqa: PLC0415

        key = sorted((folder, k.name, k.ids.prefix, k.shard, bool(k.shard_named))
                     for folder, k in self.folders.items())
        try:
            old = pickle.loads(file.load() or b"")  # noqa: S301 - our own file, in .git/
            if not (isinstance(old, dict) and old.get("key") == key):
                old = None
        except Exception:  # noqa: BLE001 - disposable: unreadable is none
            old = None
        if old is not None and old["head"] == head:
            return old["entries"]  # type: ignore[no-any-return]
        if old is not None and self.reader.linear_since(old["head"], head):
            new = self.reader.log(list(self.folders), rev=f"{old['head']}..{head}")
            entries = self._entries(new, None) + old["entries"]
        else:
            entries = self._entries(self.reader.log(list(self.folders), rev=head), None)
        try:
            file.save([pickle.dumps({"key": key, "head": head, "entries": entries},
                                    pickle.HIGHEST_PROTOCOL)])
        except Exception:  # noqa: BLE001 - a value pickle cannot take: nothing remembered
            pass
        return entries

    def _entries(self, commits: list[dict[str, Any]], ref: str | None
                 ) -> list[dict[str, Any]]:
        """Field-level entries of the commits (those that changed an item file)."""
        entries = []
        self.prefetch([(sha, path) for c in commits for path, old_sha, new_sha, _ in c["files"]
                       if self.locate(path) for sha in (old_sha, new_sha)])
        for commit in commits:
            changed = self._changes([f for f in commit.pop("files") if self.locate(f[0])])
            if not changed:
                continue
            if ref:
                entry = {**commit, **{k: v for k, v in changed[0].items()
                                      if k not in ("id", "kind", "path")}}
            else:
                entry = {**commit, "items": changed}
            entries.append(entry)
        return entries

    def _changes(self, files: list[tuple[str, str, str, str]]) -> list[dict[str, Any]]:
        """One change per item file a commit touched; an id whose file was removed in
        one place and added in another (`tracker shard`, a hand `git mv`) moved: one
        change from the old version to the new, with `moved_from`."""
        def key(path: str) -> tuple[str, str]:
            kind, item_id = self.locate(path)  # type: ignore[misc]
            return kind.name, item_id
        gone = {key(f[0]): f for f in files if f[3] == "D"}
        changes = []
        for path, old, new, status in files:
            before = gone.get(key(path)) if is_null(old) and status != "D" else None
            if before is not None:
                del gone[key(path)]
                change = self._change(path, before[1], new, "M")
                change["moved_from"] = before[0]
                changes.append(change)
            elif status != "D":
                changes.append(self._change(path, old, new, status))
        changes += [self._change(*f) for f in gone.values()]
        return sorted(changes, key=lambda c: c["path"])

    def _change(self, path: str, old_sha: str, new_sha: str, status: str) -> dict[str, Any]:
        kind, item_id = self.locate(path) or (None, "")
        old = EMPTY if is_null(old_sha) else self.version(old_sha, path)
        new = EMPTY if status == "D" or is_null(new_sha) else self.version(new_sha, path)
        return {"id": item_id, "kind": kind.name if kind else None, "path": path,
                "created": is_null(old_sha), "deleted": status == "D",
                "body_changed": old.body != new.body, "changes": field_changes(old, new)}

    def blame(self, ref: str, rev: str | None = None) -> dict[str, dict[str, Any]]:
        """For each current field (or each field at `rev`, a federation member's fetched
        head), the commit, author and date that set its value.

        The walk (newest first) stops at the commit that created the file, or as soon
        as every field has met the newest commit that changed it: nothing older can
        change the answer, and git need not go on to the root commit."""
        if rev is None:
            item = read.get(self.t, ref)
            paths = self.item_paths(item.id)
        else:
            item = self.get_at(ref, rev)
            paths = self._paths_of(item.kind, item.id)
        origins: dict[str, dict[str, Any]] = {}
        seen = False
        for commit, whole in self.reader.walk(paths, rev or "HEAD"):
            files = [f for f in commit["files"] if self.locate(f[0])]
            if not whole:  # git's last word so far: only a birth is worth asking about
                if not any(is_null(f[1]) for f in files):
                    continue
                files = [f for f in self.reader.commit_files(commit["commit"], paths)
                         if self.locate(f[0])]
            changed = self._changes(files)
            if not changed:
                continue
            if not whole and not changed[0]["created"]:
                continue  # it comes again, whole
            seen = True
            for name in changed[0]["changes"]:
                origins.setdefault(name, {**commit, "new": changed[0]["changes"][name]["new"]})
            if changed[0]["created"] or all(name in origins for name in item.fields):
                break
        if not seen:
            raise ItemNotFound(f"no history for '{item.id}'")
        result: dict[str, dict[str, Any]] = {}
        for name, value in item.fields.items():
            origin = origins.get(name)
            if origin is None or origin["new"] != value:
                result[name] = {"commit": None, "author": "Not committed yet", "date": None}
            else:
                result[name] = {k: origin[k] for k in ("commit", "author", "date")}
        return result

    # ------------------------------------------------------------ state at a revision

    def items_at(self, rev: str, kinds: list[str] | None = None,
                 remembered: _Remembered | None = None) -> Listing:
        """Every item as it was at a commit, read from git objects (and the blobs parsed
        by an earlier run, from the cache). A caller reading several commits (the
        members of a federation) hands in one `remembered`, and saves it once."""
        wanted = {self._rel_folder(self.t.ws.kind(k)) for k in kinds} if kinds else None
        folders = [f for f in self.folders if wanted is None or f in wanted]
        items, problems = [], []
        tree = sorted((path, sha) for path, sha in self.reader.tree(rev, folders).items()
                      if self.locate(path))
        own = remembered is None
        remembered = remembered or _Remembered(self.top)
        self.prefetch([(sha, path) for path, sha in tree if not remembered.fill(self, sha, path)])
        for path, sha in tree:
            version = self.version(sha, path)
            if version.item is not None:
                items.append(version.item)
                remembered.keep(sha, version.item)
            else:
                problems.append(self._problem_of(path, sha))
        if own:
            remembered.save()
        return Listing(items, problems)

    def _problem_of(self, path: str, sha: str) -> Problem:
        data = self.reader.blob(sha)
        try:
            frontmatter.parse(path, frontmatter.decode(path, data))
        except InvalidItem as e:
            return Problem.of(e)
        return Problem(path, 1, None, "cannot read this version")

    def get_at(self, ref: str, rev: str) -> Item:
        if self._at is None or self._at[0] != rev:  # a commit does not change: read it once
            self._at = (rev, self.items_at(rev))
        listing = self._at[1]
        by_id = {item.id: item for item in listing.items}
        try:
            return by_id[ids.resolve(ref, by_id)]
        except ItemNotFound:
            for problem in listing.problems:  # there, but unreadable: say why, and where
                located = self.locate(problem.path)
                if located is not None and located[1] == ref:
                    raise InvalidItem(problem.path, problem.line, problem.field,
                                      problem.message) from None
            raise ItemNotFound(f"no item '{ref}' at that revision") from None

    # ------------------------------------------------------------ semantic diff

    def diff(self, rev_a: str | None = None, rev_b: str | None = None) -> dict[str, Any]:
        """What changed in the items from A to B (B None: the work tree)."""
        return self.diff_between(*self._diff_range(rev_a, rev_b))

    def diff_between(self, sha_a: str | None, sha_b: str | None) -> dict[str, Any]:
        """What changed from commit A (None: nothing, before the first commit) to
        commit B (None: the work tree)."""
        folders = list(self.folders)
        changes = self.reader.diff(sha_a, sha_b, folders)
        if sha_b is None:
            changes += [(p, NULL_SHA, NULL_SHA, "A") for p in self.reader.untracked(folders)]
        self.prefetch([(sha, path) for path, old_sha, new_sha, _ in changes
                       if self.locate(path) for sha in (old_sha, new_sha)])
        result: dict[str, Any] = {"added": [], "removed": [], "changed": []}
        self.pairs: list[tuple[Version, Version]] = []
        for path, old_sha, new_sha, status in sorted(changes):
            located = self.locate(path)
            if not located:
                continue
            old = EMPTY if status == "A" else self.version(old_sha, path)
            if status == "D":
                new = EMPTY
            elif sha_b is None:
                new = self._work_version(path)
            else:
                new = self.version(new_sha, path)
            self.pairs.append((old, new))
            kind, item_id = located
            title = (new.fields or old.fields).get("title")
            entry: dict[str, Any] = {"id": item_id, "kind": kind.name, "title": title}
            if status == "A":
                result["added"].append(entry)
            elif status == "D":
                result["removed"].append(entry)
            else:
                entry.update(fields=field_changes(old, new), body_changed=old.body != new.body)
                result["changed"].append(entry)
        return result

    def _diff_range(self, rev_a: str | None, rev_b: str | None) -> tuple[str, str | None]:
        if rev_a and "..." in rev_a:
            if rev_b:
                raise UsageError("give either A...B or two revisions, not both")
            left, _, right = rev_a.partition("...")
            sha_right = self.reader.resolve(right or "HEAD")
            return self.reader.merge_base(self.reader.resolve(left or "HEAD"), sha_right), \
                sha_right
        if rev_a and ".." in rev_a:
            if rev_b:
                raise UsageError("give either A..B or two revisions, not both")
            left, _, right = rev_a.partition("..")
            return self.reader.resolve(left or "HEAD"), self.reader.resolve(right or "HEAD")
        if not self.reader.has_head() and not rev_a:
            raise UsageError("the repository has no commits yet: nothing to compare with")
        sha_a = self.reader.resolve(rev_a or "HEAD")
        return sha_a, self.reader.resolve(rev_b) if rev_b else None

    def introduced_problems(self) -> list[Problem]:
        """Problems in the new versions of the last diff that the old versions did not have."""
        found: list[Problem] = []
        for old, new in self.pairs:
            if new.item is None:
                continue
            before = {(p.field, p.message) for p in item_problems(self.t, old.item)} \
                if old.item else set()
            found.extend(p for p in item_problems(self.t, new.item)
                         if (p.field, p.message) not in before)
        return found

    def changed_paths(self, rev: str) -> list[str]:
        """Item files changed since a revision, in the work tree included (for check)."""
        sha = self.reader.resolve(rev)
        folders = list(self.folders)
        paths = [p for p, _, _, status in self.reader.diff(sha, None, folders) if status != "D"]
        paths += self.reader.untracked(folders)
        return [str(self.top / p) for p in sorted(set(paths)) if self.locate(p)]


class _Remembered:
    """The cache's VERSIONS file: {blob id: (fields, document parts)} of item files
    parsed at past revisions. Only readable items are kept (a problem depends on the
    path too, and is parsed again); the file is rewritten only when it gained some."""

    def __init__(self, top: Any) -> None:
        self.file = cache.file(top, cache.VERSIONS)
        self.old: dict[str, tuple[Any, ...]] = {}
        if self.file is not None:
            import pickle  # noqa: PLC0415

            try:
                loaded = pickle.loads(self.file.load() or b"")  # noqa: S301 - our own, in .git/
            except Exception:  # noqa: BLE001 - disposable: unreadable is empty
                loaded = None
            self.old = loaded if isinstance(loaded, dict) else {}
        self.used: dict[str, tuple[Any, ...]] = {}
        self.gained = False

    def fill(self, history: History, sha: str, path: str) -> bool:
        """Put the remembered parse of a blob into the history's versions, if any."""
        found = self.old.get(sha)
        if found is None or self.file is None:
            return False
        located = history.locate(path)
        if located is None:
            return False
        fields, *parts = found
        doc = frontmatter.Document(*parts)
        kind, item_id = located
        history._versions[(sha, path)] = Version(
            fields, doc.body, Item(kind, item_id, history.top / path, path, fields, doc))
        return True

    def keep(self, sha: str, item: Item) -> None:
        if sha not in self.used:
            doc = item.doc
            self.used[sha] = (item.fields, doc.bom, doc.opening, doc.lines, doc.closing,
                              doc.body)
            self.gained = self.gained or sha not in self.old

    def save(self) -> None:
        if self.file is None or not self.gained:
            return
        import pickle  # noqa: PLC0415

        kept = dict(self.used)
        room = max(KEEP_VERSIONS, 2 * len(kept)) - len(kept)
        for sha, entry in self.old.items():
            if room <= 0:
                break
            if sha not in kept:
                kept[sha] = entry
                room -= 1
        try:
            self.file.save([pickle.dumps(kept, pickle.HIGHEST_PROTOCOL)])
        except Exception:  # noqa: BLE001 - a value pickle cannot take: nothing remembered
            pass


def field_changes(old: Version, new: Version) -> dict[str, dict[str, Any]]:
    """{field: {"old", "new"}} for every front-matter key whose value differs."""
    changes = {}
    for key in list(new.fields) + [k for k in old.fields if k not in new.fields]:
        before, after = old.fields.get(key, _MISSING), new.fields.get(key, _MISSING)
        if before != after:
            changes[key] = {"old": None if before is _MISSING else before,
                            "new": None if after is _MISSING else after}
    return changes


def _valid_moment(value: str) -> None:
    """Refuse dates that look right but do not exist (2026-02-30): git would guess."""
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00").replace(" ", "T"))
    except ValueError:
        raise UsageError(f"invalid date '{value}'") from None


def _when(value: str | None, end_of_day: bool = False) -> str | None:
    """A --since/--until date for git, refusing anything that is not a date or time."""
    if value is None:
        return None
    if _DATE.match(value) or _DATETIME.match(value):
        _valid_moment(value)
    if _DATE.match(value):
        return f"{value} {'23:59:59' if end_of_day else '00:00:00'}"
    if _DATETIME.match(value):
        return value
    raise UsageError(f"invalid date '{value}': use 2026-04-21 or 2026-04-21T18:30:00+02:00")
