"""One campaign over many repositories: the `federation:` members of the config, fetched
into this repository's `.git/` (never checked out), and read together.

A member is a name and a URL (or a path, relative to the tracker's root). `sync` fetches
each member's HEAD into `refs/tracker/federation/NAME/HEAD` (`git/repo.py`); reading
the federation reads each member's items at that commit from git objects, with the
machinery `list --at REV` uses (`core/history.py`: blobs parsed once, remembered by blob
id across runs). Members are read with this repository's kinds: a national campaign's
repositories share one template.

In a federated read, a member's ids are qualified by its name (`93:session-k3x9q2ab`),
its references too (a plain `bureau-93066_0012` in member 93 is `93:bureau-93066_0012`;
a qualified one names its member), and each item has a `member` key (None for this
repository's own items, whose ids stay plain). Rollups and lookups see every member.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracker.core.check import item_problems
from tracker.core.commits import commit_files, preflight
from tracker.core.read import Listing
from tracker.format import frontmatter
from tracker.git import repo as gitrepo
from tracker.model import ids
from tracker.model.errors import ItemNotFound, NotARepository, UsageError
from tracker.model.problems import Problem
from tracker.model.schema import SchemaError
from tracker.store.files import write_atomic
from tracker.store.workspace import CONFIG_DIR, CONFIG_FILE, Item

if TYPE_CHECKING:
    from tracker.core.session import Session

KEY = "federation"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}\Z")


def check_name(name: str, where: str = "member name") -> str:
    """A member name: letters, digits, `_` and `-`, starting with a letter or digit (no
    `:`, `/`, `..`, nothing an option or a ref name could misread)."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise UsageError(f"invalid {where} '{name}': use letters, digits, '_' and '-', "
                         "starting with a letter or digit (at most 64)")
    return name


def check_url(url: str, where: str = "member URL") -> str:
    if not isinstance(url, str) or not url.strip() or url.startswith("-") or \
            any(ord(c) < 32 for c in url):
        raise UsageError(f"invalid {where} '{url}': a URL or a path, not starting with '-'")
    return url


def members(s: Session) -> list[dict[str, str]]:
    """The config's members, in order: [{"name", "url"}]; a malformed entry is an error
    naming the config file and the entry."""
    found = s.ws.config.get(KEY)
    source = f"{CONFIG_DIR}/{CONFIG_FILE}"
    if found is None:
        return []
    if not isinstance(found, list):
        raise SchemaError(f"{source}: {KEY}: must be a list of members (name, url)")
    result: list[dict[str, str]] = []
    seen: set[str] = set()
    for n, entry in enumerate(found, 1):
        where = f"{source}: {KEY}: member {n}"
        if not isinstance(entry, dict) or set(entry) - {"name", "url"}:
            raise SchemaError(f"{where}: must be a mapping with name and url")
        name, url = entry.get("name"), entry.get("url")
        if not isinstance(name, str):
            raise SchemaError(f"{where}: name must be quoted text (name: \"{name}\")")
        try:
            check_name(name)
            check_url(url)  # type: ignore[arg-type]
        except UsageError as e:
            raise SchemaError(f"{where}: {e}") from None
        if name.lower() in seen:
            raise SchemaError(f"{where}: member '{name}' is listed twice" if name in
                              {m["name"] for m in result} else f"{where}: member '{name}' "
                              "collides with another differing only in case")
        seen.add(name.lower())
        result.append({"name": name, "url": str(url)})
    return result


def _top(s: Session) -> Path:
    if s.ws.top is None:
        raise NotARepository("a federation needs a git repository: run 'git init' first")
    return s.ws.top


def _fetch_url(s: Session, url: str) -> str:
    """A path relative to the tracker's root as an absolute path; URLs as they are."""
    if "://" in url or re.match(r"[\w.-]+@[\w.-]+:", url):
        return url
    path = Path(url).expanduser()
    return str(path if path.is_absolute() else (s.ws.root / path).resolve())


# ------------------------------------------------------------ add, sync, status


def add(s: Session, name: str, url: str, commit: bool = True) -> dict[str, str]:
    """Add a member to the config's `federation:` list (only lines added), committed."""
    check_name(name)
    check_url(url)
    _top(s)
    for m in members(s):
        if m["name"] == name:
            raise UsageError(f"member '{name}' is already in the federation")
        if m["name"].lower() == name.lower():
            raise UsageError(f"member '{name}' collides with member '{m['name']}' (names "
                             "differing only in case share one ref on some file systems)")
    path = s.ws.root / CONFIG_DIR / CONFIG_FILE
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    entry = [f"  - name: {_quoted(name)}", f"    url: {_quoted(url)}"]
    new_text = _with_entry(text, entry)
    from tracker.format import yaml  # noqa: PLC0415

    parsed = yaml.read(s.ws.display(path), new_text, first_line=1) or {}
    if not isinstance(parsed, dict) or parsed.get(KEY, [])[-1:] != [{"name": name, "url": url}]:
        raise UsageError(f"{s.ws.display(path)}: cannot add to its '{KEY}:' as written; "
                         "add the member by hand")
    with s.ws.lock():
        preflight(s, commit)
        write_atomic(path, new_text)
        commit_files(s, commit, [path], f"federation: add member {name}")
    s.ws.config = parsed
    return {"name": name, "url": url}


def remove(s: Session, name: str, commit: bool = True) -> dict[str, str]:
    """Remove a member from the config's `federation:` list (only its lines removed),
    committed, and forget its fetched ref (`refs/tracker/federation/NAME/HEAD`)."""
    check_name(name)
    top = _top(s)
    listed = members(s)
    found = [m for m in listed if m["name"] == name]
    if not found:
        raise UsageError(f"no member '{name}' in the federation")
    path = s.ws.root / CONFIG_DIR / CONFIG_FILE
    text = path.read_text(encoding="utf-8")
    new_text = _without_entry(s, text, name)
    from tracker.format import yaml  # noqa: PLC0415

    parsed = (yaml.read(s.ws.display(path), new_text, first_line=1) or {}) \
        if new_text is not None else None
    wanted = [m for m in listed if m["name"] != name]
    if not isinstance(parsed, dict) or [{"name": str(m.get("name")), "url": str(m.get("url"))}
                                        for m in parsed.get(KEY) or []] != wanted:
        raise UsageError(f"{s.ws.display(path)}: cannot remove member '{name}' from its "
                         f"'{KEY}:' as written; remove it by hand")
    assert new_text is not None
    with s.ws.lock():
        preflight(s, commit)
        write_atomic(path, new_text)
        commit_files(s, commit, [path], f"federation: remove member {name}")
        gitrepo.forget_member(top, name)
    from tracker.store import cache  # noqa: PLC0415

    remembered = cache.file(top, cache.member_log(name))
    if remembered is not None:
        remembered.path.unlink(missing_ok=True)  # its log, remembered (disposable)
    s.ws.config = parsed
    return found[0]


def _without_entry(s: Session, text: str, name: str) -> str | None:
    """The config's text without the lines of the `federation:` entry named `name`
    (None when the block is not written as a list of entries, one under the other)."""
    from tracker.format import yaml  # noqa: PLC0415

    lines = text.splitlines(keepends=True)
    start = next((n for n, line in enumerate(lines) if re.match(rf"{KEY}:\s*(#.*)?$", line)),
                 None)
    if start is None:
        return None
    end = start + 1
    while end < len(lines) and (lines[end][:1] in (" ", "-", "\t") or not lines[end].strip()):
        end += 1
    dashes = [n for n in range(start + 1, end) if lines[n].lstrip(" ").startswith("-")]
    if not dashes:
        return None
    indent = min(len(lines[n]) - len(lines[n].lstrip(" ")) for n in dashes)
    heads = [n for n in dashes if len(lines[n]) - len(lines[n].lstrip(" ")) == indent]
    for first, after in zip(heads, [*heads[1:], end]):
        while after > first + 1 and not lines[after - 1].strip():
            after -= 1  # blank lines after an entry stay
        chunk = f"{KEY}:\n" + "".join(lines[first:after])
        try:
            entry = (yaml.read("federation entry", chunk, first_line=1) or {}).get(KEY)
        except Exception:  # noqa: BLE001 - not one entry on its own: by hand
            return None
        if isinstance(entry, list) and len(entry) == 1 and isinstance(entry[0], dict) and \
                entry[0].get("name") == name:
            return "".join(lines[:first] + lines[after:])
    return None


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _with_entry(text: str, entry: list[str]) -> str:
    """The config's text with one entry appended to its `federation:` block (made at
    the end when there is none)."""
    lines = text.splitlines(keepends=True)
    newline = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    start = next((n for n, line in enumerate(lines) if re.match(rf"{KEY}:\s*(#.*)?$", line)),
                 None)
    if start is None:
        prefix = text if not text or text.endswith("\n") else text + newline
        return prefix + newline.join([f"{KEY}:", *entry]) + newline
    end = start + 1
    while end < len(lines) and (lines[end][:1] in (" ", "-", "\t") or not lines[end].strip()):
        end += 1
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1  # blank lines after the block stay after it
    if not lines[end - 1].endswith("\n"):
        lines[end - 1] += newline
    return "".join(lines[:end]) + newline.join(entry) + newline + "".join(lines[end:])


def sync(s: Session, names: list[str] | None = None) -> list[dict[str, Any]]:
    """Fetch each member (or those named): [{"name", "url", "before", "commit",
    "changed", "error"}]. A member that cannot be fetched keeps its last fetched commit
    and says why; the others are fetched all the same."""
    top = _top(s)
    chosen = _chosen(s, names)
    results = []
    for member in chosen:
        before = gitrepo.member_head(top, member["name"])
        result: dict[str, Any] = {**member, "before": before, "commit": before,
                                  "changed": False, "error": None}
        try:
            result["commit"] = gitrepo.fetch_member(top, member["name"],
                                                    _fetch_url(s, member["url"]))
            result["changed"] = result["commit"] != before
        except Exception as e:  # noqa: BLE001 - one member's failure is reported, not fatal
            result["error"] = str(e)
        results.append(result)
    return results


def _chosen(s: Session, names: list[str] | None) -> list[dict[str, str]]:
    listed = members(s)
    if not listed:
        raise UsageError(f"no members in the federation: 'tracker federation add NAME URL' "
                         f"or a '{KEY}:' list in {CONFIG_DIR}/{CONFIG_FILE}")
    if not names:
        return listed
    known = {m["name"]: m for m in listed}
    for name in names:
        if name not in known:
            raise UsageError(f"no member '{name}' in the federation")
    return [known[name] for name in names]


def status(s: Session) -> list[dict[str, Any]]:
    """Each member: name, url, the commit fetched (None: never fetched), its date, its
    item count, and `state` ("fetched" or "never fetched")."""
    top = _top(s)
    found = []
    with _Reading(s) as reading:
        for member in members(s):
            sha = gitrepo.member_head(top, member["name"])
            entry: dict[str, Any] = {**member, "commit": sha, "date": None, "items": None,
                                     "state": "never fetched" if sha is None else "fetched"}
            if sha is not None:
                entry["date"] = gitrepo.commit_date(top, sha)
                entry["items"] = len(reading.member(member["name"]).items)
            found.append(entry)
    return found


# ------------------------------------------------------------ reading


class _Reading:
    """Members' items at their fetched heads, through one History (its blob reader)."""

    def __init__(self, s: Session) -> None:
        from tracker.core.history import History, _Remembered  # noqa: PLC0415

        self.s = s
        self.history = History(s)
        self.remembered = _Remembered(self.history.top)  # one cache for every member
        self._members: dict[str, Listing] = {}

    def __enter__(self) -> "_Reading":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.remembered.save()
        self.history.close()

    def member(self, name: str, kinds: list[str] | None = None) -> Listing:
        """A member's items (plain ids) at its fetched head; none if never fetched."""
        key = f"{name}\0{','.join(kinds or [])}"
        if key not in self._members:
            sha = gitrepo.member_head(self.history.top, name)
            self._members[key] = Listing([], []) if sha is None else \
                self.history.items_at(sha, kinds, self.remembered)
        return self._members[key]


def qualify(member: str | None, ref: str) -> str:
    """A reference as a federated read names it: plain refs of a member gain its name."""
    if member is None or ":" in ref:
        return ref
    return f"{member}:{ref}"


def _qualified(item: Item, member: str | None) -> Item:
    fields: dict[str, Any] = {"member": member}
    for key, value in item.fields.items():
        spec = item.kind.fields.get(key)
        if spec is not None and spec.is_ref and isinstance(value, str):
            value = qualify(member, value)
        elif spec is not None and spec.is_ref and isinstance(value, list):
            value = [qualify(member, v) if isinstance(v, str) else v for v in value]
        fields[key] = value
    if member is None:
        return Item(item.kind, item.id, item.path, item.rel, fields, item.loaded_doc,
                    item.conflicted)
    return Item(item.kind, f"{member}:{item.id}", item.path, f"{member}:{item.rel}", fields,
                item.loaded_doc, False)


def items(s: Session, kinds: list[str] | None = None, local: bool = True,
          reading: _Reading | None = None) -> Listing:
    """This repository's items and every member's at its fetched head, ids and refs
    qualified, each with its `member`; the files that could not be read, their paths
    prefixed by their member (`93:sessions/session-x.md`). Rollups and lookups of this
    session then see them all."""
    from tracker.core import read  # noqa: PLC0415

    _top(s)
    chosen = members(s)
    found: list[Item] = []
    problems: list[Problem] = []
    if local:
        own = read.items(s)
        found += [_qualified(i, None) for i in own.items]
        problems += own.problems
    members_read = reading or _Reading(s)
    try:
        for member in chosen:
            name = member["name"]
            listing = members_read.member(name)
            found += [_qualified(i, name) for i in listing.items]
            problems += [Problem(f"{name}:{p.path}", p.line, p.field, p.message)
                         for p in listing.problems]
    finally:
        if reading is None:
            members_read.close()
    s.derived.pool(found)  # every kind: rollups gather from every member
    if kinds:
        wanted = {s.ws.kind(k).name for k in kinds}
        found = [i for i in found if i.kind.name in wanted]
        folders = tuple(f"{s.ws.display(s.ws.folder(s.ws.kind(k)))}/" for k in kinds)
        problems = [p for p in problems if p.path.partition(":")[2 if ":" in p.path else 0]
                    .startswith(folders)]
    return Listing(found, problems)


def get(s: Session, ref: str) -> Item:
    """One item of the federation by qualified id (`93:session-k3x9q2ab`, a unique
    prefix after the member's name) or by a plain id of this repository."""
    member, sep, rest = ref.partition(":")
    if sep:
        if member not in {m["name"] for m in members(s)}:
            raise ItemNotFound(f"no member '{member}' in the federation (id '{ref}')")
        if not rest:
            raise ItemNotFound(f"no item with id '{ref}'")
    listing = items(s)
    by_id = {i.id: i for i in listing.items if (i.fields["member"] == member if sep
                                                 else i.fields["member"] is None)}
    return by_id[ids.resolve(ref, by_id)]


def check(s: Session) -> list[Problem]:
    """`check` over the federation: this repository's problems, each member's own
    (paths prefixed with its name), and references across members, a broken one named
    by its member and id."""
    from tracker.core import check as checking  # noqa: PLC0415

    problems = [p for p in checking.check(s)  # qualified refs: judged below
                if not re.match(r"broken reference: no item '[^':]+:", p.message)]
    names = {m["name"] for m in members(s)}
    with _Reading(s) as reading:
        listing = items(s, local=True, reading=reading)
        problems += [p for p in listing.problems if ":" in p.path]
        known = {(i.kind.name, i.id) for i in listing.items}
        any_kind = {i.id for i in listing.items}
        for name in sorted(names):
            for item in reading.member(name).items:
                shown = Item(item.kind, item.id, item.path, f"{name}:{item.rel}", item.fields,
                             item.loaded_doc, False)
                problems += [Problem(p.path, p.line, p.field, p.message, p.severity)
                             for p in item_problems(s, shown)]
    for item in listing.items:
        for field, spec in item.kind.fields.items():
            if not spec.is_ref:
                continue
            value = item.fields.get(field)
            for target in value if isinstance(value, list) else [value]:
                if not isinstance(target, str):
                    continue
                ok = any((k, target) in known for k in spec.ref_kinds) if spec.ref_kinds \
                    else target in any_kind
                if ok or (item.fields["member"] is None and ":" not in target):
                    continue  # this repository's plain refs: the plain check said it
                line = frontmatter.key_line(item.loaded_doc, field) if item.loaded_doc \
                    else None
                member, _, plain = target.partition(":")
                why = (f"broken reference: no member '{member}' in the federation "
                       f"('{target}')" if member not in names else
                       f"broken reference: no item '{plain}' in member '{member}'")
                problems.append(Problem(item.rel, line or 1, field, why))
    return sorted(set(problems), key=lambda p: (p.path, p.line or 0, p.field or ""))


# ------------------------------------------------------------ history: log, blame, diff
# Each repository's own history, read from git objects: this one's from HEAD (and its
# work tree), each member's from its fetched head; entries say their `member` (None for
# this repository's), ids and references qualified as a federated `list` prints them.


def _split(s: Session, ref: str) -> tuple[str | None, str]:
    """A federated id as (member, plain id): (None, ref) for this repository's own."""
    member, sep, rest = ref.partition(":")
    if not sep:
        return None, ref
    if member not in {m["name"] for m in members(s)}:
        raise ItemNotFound(f"no member '{member}' in the federation (id '{ref}')")
    if not rest:
        raise ItemNotFound(f"no item with id '{ref}'")
    return member, rest


def _fetched(s: Session, name: str) -> str:
    sha = gitrepo.member_head(_top(s), name)
    if sha is None:
        raise UsageError(f"member '{name}' was never fetched: run 'tracker federation sync "
                         f"{name}'")
    return sha


def _fetched_members(s: Session) -> list[tuple[str, str]]:
    """(name, fetched head) of each member fetched at least once."""
    top = _top(s)
    found = [(m["name"], gitrepo.member_head(top, m["name"])) for m in members(s)]
    return [(name, sha) for name, sha in found if sha is not None]


def _qualified_changes(kind: Any, changes: dict[str, dict[str, Any]],
                       member: str | None) -> dict[str, dict[str, Any]]:
    if member is None or kind is None:
        return changes
    result = {}
    for name, change in changes.items():
        spec = kind.fields.get(name)
        if spec is not None and spec.is_ref:
            change = {k: qualify(member, v) if isinstance(v, str) else
                      [qualify(member, x) if isinstance(x, str) else x for x in v]
                      if isinstance(v, list) else v for k, v in change.items()}
        result[name] = change
    return result


def _tagged_item(s: Session, change: dict[str, Any], member: str | None) -> dict[str, Any]:
    """One item's change in a whole log or a diff: id (and path) qualified."""
    kind = s.kinds.get(change.get("kind") or "")
    found = {**change, "member": member}
    if member is not None:
        found["id"] = f"{member}:{change['id']}"
        if "path" in change:
            found["path"] = f"{member}:{change['path']}"
        for key in ("changes", "fields"):
            if key in change:
                found[key] = _qualified_changes(kind, change[key], member)
    return found


def _member_item(history: Any, member: str, plain: str, sha: str) -> Item:
    try:
        return history.get_at(plain, sha)  # type: ignore[no-any-return]
    except ItemNotFound:
        raise ItemNotFound(f"no item with id '{member}:{plain}' in member '{member}'") \
            from None


def log(s: Session, ref: str | None = None, since: str | None = None,
        until: str | None = None) -> list[dict[str, Any]]:
    """`log --federation`: of one item (`93:ses-k3x9`, or a plain id of this repository),
    or of every repository together, newest first; each entry has its `member`."""
    from datetime import datetime  # noqa: PLC0415

    from tracker.core.history import History  # noqa: PLC0415

    _top(s)
    with History(s) as history:
        if ref:
            member, plain = _split(s, ref)
            if member is None:
                return [{**e, "member": None} for e in history.log(plain, since, until)]
            sha = _fetched(s, member)
            kind = _member_item(history, member, plain, sha).kind
            return [{**e, "member": member,
                     "changes": _qualified_changes(kind, e["changes"], member)}
                    for e in history.log(plain, since, until, rev=sha)]
        found: list[tuple[str | None, dict[str, Any]]] = [
            (None, e) for e in history.log(None, since, until)]
        for name, sha in _fetched_members(s):
            found += [(name, e) for e in history.log(None, since, until, rev=sha,
                                                     member=name)]
    entries = [{**e, "member": m, "items": [_tagged_item(s, i, m) for i in e["items"]]}
               for m, e in found]
    return sorted(entries, key=lambda e: datetime.fromisoformat(e["date"]).timestamp(),
                  reverse=True)  # stable: this repository's first at the same second


def blame(s: Session, ref: str) -> dict[str, dict[str, Any]]:
    """`blame --federation`: an item of a member at its fetched head (`93:ses-k3x9`), or
    of this repository; each field's commit, author, date and `member`."""
    from tracker.core.history import History  # noqa: PLC0415

    _top(s)
    member, plain = _split(s, ref)
    with History(s) as history:
        if member is None:
            found = history.blame(plain)
        else:
            sha = _fetched(s, member)
            _member_item(history, member, plain, sha)
            found = history.blame(plain, rev=sha)
    return {name: {**origin, "member": member} for name, origin in found.items()}


def diff(s: Session, rev_a: str | None = None, rev_b: str | None = None,
         problems: bool = False) -> tuple[dict[str, Any], list[Problem]]:
    """`diff --federation`: each repository from A to B, where A and B are dates or
    `HEAD`, `HEAD~N` (each repository's own: a member's HEAD is its fetched head), and
    B left out is this repository's work tree and each member's fetched head. A date
    before a repository's first commit is its empty state. Entries have their `member`;
    with `problems`, the problems the new versions bring (paths prefixed by member)."""
    from tracker.core.history import History  # noqa: PLC0415

    _top(s)
    if rev_a and "..." in rev_a:
        raise UsageError("diff --federation compares two dates or HEAD~N: not A...B")
    if rev_a and ".." in rev_a:
        if rev_b:
            raise UsageError("give either A..B or two revisions, not both")
        rev_a, _, rev_b = rev_a.partition("..")
        rev_a, rev_b = rev_a or "HEAD", rev_b or "HEAD"
    result: dict[str, Any] = {"added": [], "removed": [], "changed": []}
    introduced: list[Problem] = []
    with History(s) as history:
        if not history.reader.has_head() and not rev_a:
            raise UsageError("the repository has no commits yet: nothing to compare with")
        repositories: list[tuple[str | None, str | None]] = [(None, None)]
        repositories += [(name, sha) for name, sha in _fetched_members(s)]
        for member, head in repositories:
            where = "HEAD" if head is None else head
            side_a = _side(history, rev_a or "HEAD", where, member)
            side_b = _side(history, rev_b, where, member) if rev_b else head
            if member is not None and side_b is None:  # B before its first commit
                if side_a is None:
                    continue
                side_b = history.reader.empty_tree()
            if side_b is not None and side_a == side_b:
                continue
            found = history.diff_between(side_a, side_b)
            for key in result:
                result[key] += [_tagged_item(s, e, member) for e in found[key]]
            if problems:
                introduced += [p if member is None else
                               Problem(f"{member}:{p.path}", p.line, p.field, p.message)
                               for p in history.introduced_problems()]
    return result, introduced


def _side(history: Any, spec: str, head: str, member: str | None) -> str | None:
    """A commit of one repository for a date or HEAD~N; None: before its first commit."""
    try:
        return str(history.at(spec, head))
    except UsageError as e:
        if str(e).startswith("no commit on or before"):
            return None
        if member is not None and str(e).startswith("unknown revision"):
            raise UsageError(f"member '{member}': unknown revision '{spec}'") from None
        raise
