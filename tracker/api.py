"""`Tracker(root)`: the one façade of the library, for the CLI, reports, importers,
campaign and servers.

Every method returns values or raises `TrackerError`; nothing here prints or exits.
Each is a few lines over `tracker.core`, where the work is done: a Tracker is the core's
`Session` (the workspace, the derived values, the notices) with these methods, so core
functions take it as it is. Names others need of the layers below (`Item`, `Problem`,
`write_atomic`, …) are re-exported here, so that nothing above api imports them.

Importing api loads almost nothing: each method imports the core module it calls, and
the names re-exported are looked up on first use. The merge driver, run by git once per
file, needs none of them.
"""

from __future__ import annotations

from tracker.core.session import Session
from tracker.model.problems import Problem

TYPE_CHECKING = False  # typing is not imported at run time (start-up)
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any, Callable, ContextManager, Iterable, Mapping

    from tracker.core.listing import Listed
    from tracker.core.read import Listing
    from tracker.core.sync import SyncResult
    from tracker.core.write import parse_assignments, parse_input
    from tracker.model.schema import Field
    from tracker.store.files import write_atomic
    from tracker.store.workspace import CONFIG_DIR, Item, ItemFile

__all__ = ["CONFIG_DIR", "Item", "ItemFile", "Listing", "Problem", "Tracker", "init",
           "merge_files", "merge_files_as_text", "parse_assignments", "parse_input",
           "templates_dir", "write_atomic"]

_REEXPORTED = {"CONFIG_DIR": "tracker.store.workspace", "Item": "tracker.store.workspace",
               "ItemFile": "tracker.store.workspace", "write_atomic": "tracker.store.files",
               "Listing": "tracker.core.read", "parse_assignments": "tracker.core.write",
               "parse_input": "tracker.core.write", "refusal": "tracker.core.bulk"}


def __getattr__(name: str) -> Any:
    """A re-exported name, from its module, loaded on first use."""
    if name not in _REEXPORTED:
        raise AttributeError(f"module 'tracker.api' has no attribute '{name}'")
    import importlib  # noqa: PLC0415

    return getattr(importlib.import_module(_REEXPORTED[name]), name)


class Tracker(Session):
    """A tracker found at or above `start` (default: the current folder)."""

    # ------------------------------------------------------------ reading

    def resolve(self, ref: str) -> ItemFile:
        """The item file for an id or a unique id prefix."""
        from tracker.core import read  # noqa: PLC0415 - each method loads its module

        return read.resolve(self, ref)

    def get(self, ref: str, at: str | None = None) -> Item:
        """One item by id or unique prefix; with `at` (a revision, or a date: the last
        commit on or before it), the item as it was then."""
        if at is None:
            from tracker.core import read  # noqa: PLC0415

            return read.get(self, ref)
        with self.history() as history:
            return history.get_at(ref, history.at(at))

    def items(self, kinds: Iterable[str] | None = None) -> Listing:
        """Every item (of these kinds), and the files that could not be read."""
        from tracker.core import read  # noqa: PLC0415

        return read.items(self, kinds)

    def computed(self, item: Item) -> dict[str, Any]:
        """The kind's rollups and computed fields for this item (None where undefined)."""
        return self.derived.values(item)

    def context(self, item: Item) -> dict[str, Any]:
        """The names an expression sees for this item: fields, derived values, helpers."""
        return self.derived.context(item)

    def record(self, item: Item, body: bool = True) -> dict[str, Any]:
        """The item as one JSON-ready mapping: id, kind, path, fields, computed, body."""
        from tracker.core import read  # noqa: PLC0415

        return read.record(self, item, body)

    # ------------------------------------------------------------ writing

    def new(self, kind_name: str, title: str, values: dict[str, str] | None = None,
            body: str = "", commit: bool = True, force: bool = False) -> Item:
        """Create an item; never overwrites a file that exists. `force`: add undeclared
        fields even when their names are close to declared ones (else refused as typos)."""
        from tracker.core import write  # noqa: PLC0415

        return write.new(self, kind_name, title, values, body, commit, force)

    def default_value(self, spec: Field) -> Any:
        """A field's value for a new item: its auto time, or its default typed."""
        from tracker.core import write  # noqa: PLC0415

        return write.default_value(spec)

    def set(self, ref: str, values: dict[str, str], unset: Iterable[str] = (),
            commit: bool = True, message: str | None = None, force: bool = False) -> Item:
        """Change some fields, rewriting only their lines. `force`: add undeclared fields
        even when their names are close to declared ones (else refused as typos)."""
        from tracker.core import write  # noqa: PLC0415

        return write.set_fields(self, ref, values, unset, commit, message, force)

    def move(self, ref: str, status: str, force: bool = False, commit: bool = True) -> Item:
        """Change the status along the kind's workflow."""
        from tracker.core import write  # noqa: PLC0415

        return write.move(self, ref, status, force, commit)

    def unignored_output(self, folder: Path) -> str | None:
        """`/site/` when the output folder lies in the repository and git does not ignore
        it (`git status` would show it), else None."""
        from tracker.core import outputs  # noqa: PLC0415

        return outputs.unignored(self, folder)

    def ignore_output(self, pattern: str) -> Path:
        """Add `pattern` (what `unignored_output` gave) to the repository's .gitignore."""
        from tracker.core import outputs  # noqa: PLC0415

        return outputs.ignore(self, pattern)

    def replace_text(self, ref: str, text: str, commit: bool = True,
                     expected: str | None = None) -> tuple[Item, bool]:
        """Replace a whole file (after an edit), refusing text that does not validate;
        with `expected`, refusing too if the file no longer holds that text. Returns the
        item and whether anything changed."""
        from tracker.core import write  # noqa: PLC0415

        return write.replace_text(self, ref, text, commit, expected)

    def edit_fields(self, ref: str, values: dict[str, str], unset: Iterable[str] = (),
                    body: str | None = None, version: str | None = None) -> Item:
        """Set and remove fields and replace the body (None: kept), in one commit. With
        `version` (what `version(item)` gave when it was read), what changed since merges
        field by field as the merge driver merges; a field changed there and here to
        different values raises EditConflict with both."""
        from tracker.core import versions  # noqa: PLC0415

        return versions.edit(self, ref, values, unset, body, version)

    def version(self, item: Item) -> str | None:
        """The item's version: the git blob id of its file now (None outside git)."""
        from tracker.core import versions  # noqa: PLC0415

        return versions.version(self, item)

    def head(self) -> str | None:
        """The commit HEAD names now (None outside git or before the first commit)."""
        from tracker.core import versions  # noqa: PLC0415

        return versions.head(self)

    def writing(self) -> ContextManager[None]:
        """The writer lock (re-entrant), held around several steps that must see no
        other writer between them: a write and the commit it made."""
        return self.ws.lock()

    def private_dir(self) -> Path:
        """Where this tracker keeps what never goes in a commit (beside its lock): the
        repository's git folder, or `.tracker/` outside git."""
        from tracker.git import repo as gitrepo  # noqa: PLC0415
        from tracker.store.workspace import CONFIG_DIR  # noqa: PLC0415

        return gitrepo.git_dir(self.ws.top) if self.ws.top else self.ws.root / CONFIG_DIR

    def preflight(self, commit: bool) -> None:
        """Refuse before writing anything when the commit that follows would fail."""
        from tracker.core import commits  # noqa: PLC0415

        commits.preflight(self, commit)

    def shard(self, kind_name: str, chars: int, commit: bool = True,
              progress: Callable[[list[Any]], Iterable[Any]] | None = None) -> dict[str, Any]:
        """Keep a kind's items in subfolders named by `chars` characters of their id (0:
        the folder itself), every file moved in one commit; what was done, as a mapping.
        `progress` wraps the moves (a progress bar)."""
        from tracker.core.shard import shard  # noqa: PLC0415 - loaded for shard only

        return shard(self, kind_name, chars, commit, progress)

    # ------------------------------------------------------------ dependencies

    def ready(self, kind: str | None = None, where: str | None = None) -> list[dict[str, Any]]:
        """Items not final, not claimed, whose dependencies are all final: rows as
        `list --format json` prints them, highest priority first, then nearest due date,
        then oldest."""
        from tracker.core import deps  # noqa: PLC0415

        return deps.split(self, kind, where).ready_rows()

    def blocked(self, kind: str | None = None, where: str | None = None
                ) -> list[dict[str, Any]]:
        """Items not final that wait for others: rows as `ready`'s, each with
        `waiting_for`, the dependencies not final (`[{"id", "status"}]`)."""
        from tracker.core import deps  # noqa: PLC0415

        return deps.split(self, kind, where).blocked_rows()

    def graph(self, ref: str | None = None, kind: str | None = None) -> dict[str, Any]:
        """The dependency graph of one item (up and down), of a kind, or of all:
        `{"nodes": [...], "edges": [{"from", "to"}]}`."""
        from tracker.core import deps  # noqa: PLC0415

        return deps.graph(self, ref, kind)

    def pointing(self, item_id: str, kind: str) -> list[dict[str, Any]]:
        """The items whose reference fields name this one (`core/backlinks.py`)."""
        from tracker.core import backlinks  # noqa: PLC0415

        return backlinks.pointing(self, item_id, kind)

    def backlinks(self, records: Iterable[Mapping[str, Any]]) -> Any:
        """The links among `records` (each with `kind`, `id`, `title`, its fields):
        `.to(item_id, kind)` lists those naming one item (`core/backlinks.py`)."""
        from tracker.core import backlinks  # noqa: PLC0415

        return backlinks.index(self.kinds, records)

    def claim(self, ref: str, name: str | None = None, sync: bool | None = None,
              commit: bool = True) -> Item:
        """Set the assignee and move the item to its first working status, in one commit;
        refused when someone else holds it. `sync` (None: the config's `sync: {claim:}`):
        a compare-and-swap on the remote."""
        from tracker.core import claim  # noqa: PLC0415

        return claim.claim(self, ref, name, sync, commit)

    def claim_ready(self, kind: str | None = None, where: str | None = None,
                    name: str | None = None, sync: bool | None = None) -> Item | None:
        """Claim the first ready item (None when none is)."""
        from tracker.core import claim  # noqa: PLC0415

        return claim.claim_first(self, kind, where, name, sync)

    def release(self, ref: str, commit: bool = True) -> Item:
        """Clear the assignee and move the item back to its status before the claim."""
        from tracker.core import claim  # noqa: PLC0415

        return claim.release(self, ref, commit)

    # ------------------------------------------------------------ checking

    def check(self, paths: Iterable[str] = ()) -> list[Problem]:
        """Every problem in the items (or only in those under `paths`)."""
        from tracker.core import check as checking  # noqa: PLC0415

        return checking.check(self, paths)

    def dashboard_problems(self) -> list[str]:
        """What is wrong with the config's `dashboard:` panels, one line each without the
        file's name (`check` reports them, the site refuses to build on them)."""
        from tracker.core import dashboard  # noqa: PLC0415

        return dashboard.problems(self.ws.config, self.kinds)

    def item_problems(self, item: Item) -> list[Problem]:
        """The problems of one item on its own (references and duplicates aside)."""
        from tracker.core import check as checking  # noqa: PLC0415

        return checking.item_problems(self, item)

    def candidate_problems(self, kind_name: str | None, values: dict[str, str],
                           unset: Iterable[str] = (), ref: str | None = None) -> list[Problem]:
        """Every problem writing these values (typed as `set` types them) would meet, each
        on its field, without writing: a new item of `kind_name`, or an edit of `ref`."""
        from tracker.core import candidate  # noqa: PLC0415

        return candidate.problems(self, kind_name, values, unset, ref)

    def validate_text(self, item: Item, text: str) -> list[Problem]:
        """The problems a new text for this item would have."""
        from tracker.core import check as checking  # noqa: PLC0415

        return checking.validate_text(self, item, text)[1]

    # ------------------------------------------------------------ other clones

    def sync(self, remote: str | None = None, branch: str | None = None,
             retries: int | None = None,
             step: Callable[[str], None] | None = None) -> SyncResult:
        """Fetch a remote's branch, merge it through the merge driver and push, again
        while the remote moves (`retries` times at most, default 10); `step` hears each
        stage (`Fetching origin/main`)."""
        from tracker.core import sync  # noqa: PLC0415 - loaded for sync only

        return sync.sync(self.ws, remote, branch, sync.RETRIES if retries is None else retries,
                         step)

    # ------------------------------------------------------------ listing
    # (last of these: below `def list`, a signature's `list[...]` would name the method)

    def list(self, kind: str | None = None, where: str | None = None, grep: str | None = None,
             sort: str | None = None, fields: Iterable[str] | None = None,
             limit: int | None = None, at: str | None = None,
             federation: bool = False) -> Listed:
        """Items of a kind (or of every kind) for which `where` is true and whose title or
        body holds `grep`, sorted by a field (`-field`: descending), `limit` at most, now
        or at a revision or date: rows as `tracker list --format json` prints them, the
        columns a table of them shows, and the files that could not be read. With
        `federation`, over this repository and every member at its fetched head."""
        from tracker.core import listing  # noqa: PLC0415

        return listing.select(self, kind, where, grep, sort, fields, limit, at, federation)

    # ---- façade for reports, importers and campaign (its methods; the rest ends the file)

    def upsert(self, kind_name: str, records: Iterable[dict[str, Any]], *,
               key: str | None = None, keep: Iterable[str] = (), message: Any,
               commit: bool = True, body_field: str | None = None, id_field: str | None = None,
               progress: Callable[[Iterable[Any]], Iterable[Any]] | None = None,
               source: str = "", lines: Iterable[int | None] | None = None,
               dry_run: bool = False, all_or_nothing: bool = False,
               refused: Iterable[Problem] = (), gate: Any = None,
               origins: Iterable[str] | None = None) -> Outcome:
        """Create or update one item per record (typed values), then commit once; every
        record's file judged by the write gate, as `new` and `set` (see `bulk.upsert`)."""
        from tracker.core import bulk  # noqa: PLC0415 - loaded for imports only

        return bulk.upsert(self, kind_name, records, key=key, keep=keep, message=message,
                           commit=commit, body_field=body_field, id_field=id_field,
                           progress=progress, source=source, lines=lines, dry_run=dry_run,
                           all_or_nothing=all_or_nothing, refused=refused, gate=gate,
                           origins=origins)

    def batch_gate(self) -> Any:
        """The write gate for an import of several upserts (one per kind): each sees the
        items the others admitted (refer to them, look them up)."""
        from tracker.core.check import Gate  # noqa: PLC0415

        return Gate(self, batch=True)

    def federation(self) -> Any:
        """The federation of this campaign's repositories (core/federation.py): `members`,
        `add`, `sync`, `status`, `items`, `get`, `check`, each taking this tracker."""
        from tracker.core import federation  # noqa: PLC0415 - loaded for federation only

        return federation

    def history(self) -> History:
        """History queries over this tracker's git log; close it (or use `with`) when done."""
        from tracker.core.history import History  # noqa: PLC0415 - loaded for history only

        return History(self)


def merge_files(base: Path, ours: Path, theirs: Path, path: str) -> list[str]:
    """The merge driver: merge three versions of an item file field by field, write the
    result to `ours`, and return the conflicted fields."""
    from tracker.core import sync  # noqa: PLC0415 - loaded for the merge driver only

    return sync.merge_files(base, ours, theirs, path)


def merge_files_as_text(base: Path, ours: Path, theirs: Path) -> list[str]:
    """Git's plain text merge of three files into `ours` (the driver's last resort)."""
    from tracker.core import sync  # noqa: PLC0415

    return sync.merge_files_as_text(base, ours, theirs)


# ---- façade for reports, importers and campaign
# What the layers above api use of those below it, so that they import api alone
# (tests/test_layers.py); `Item`, `write_atomic` and `CONFIG_DIR` are in _REEXPORTED.
# Each function loads its module on first call: importing api costs what it did.

if TYPE_CHECKING:
    from typing import Callable

    from tracker.core.bulk import Outcome
    from tracker.core.history import History
    from tracker.core.init import InitResult


def init(folder: Path, template: str = "default", commit: bool = True) -> InitResult:
    """Set up a tracker in `folder` from a built-in project template; again changes no data."""
    from tracker.core import init as project  # noqa: PLC0415 - loaded for init only

    return project.init(folder, template, commit)


def commit_dates(git_dir: Path, shas: Iterable[str]) -> dict[str, tuple[Any, str]]:
    """The author date and name of these commits of another repository (git-issue's)."""
    from tracker.git import repo  # noqa: PLC0415

    return repo.commit_dates(git_dir, shas)


def templates_dir() -> Path:
    """The built-in templates: `reports/` (the report templates) and `projects/`."""
    from tracker.store import resources  # noqa: PLC0415

    return resources.templates_dir()
