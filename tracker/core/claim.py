"""`tracker claim` and `tracker release`: who works on an item, in one commit.

A claim sets the assignee and moves the item from its kind's initial status to its
first working status (the first move the workflow allows that is not final); it is
refused when someone else holds the item. Its commit says what it did,
`claim ID: status A → B by NAME`, and `release` reads it back to move the item to the
status it had before the claim.

With `sync` (`--sync`, or `sync: {claim: true}` in the config when the repository has a
remote), a claim is a compare-and-swap on the remote: fetch and merge, claim, push; when
the push loses (another clone pushed first), the claim commit is dropped, the remote is
fetched again, and the error names who holds the item now.
"""

from __future__ import annotations

import os
import re

from tracker.core import deps
from tracker.core.read import get
from tracker.core.write import edit_item
from tracker.git import repo as gitrepo
from tracker.model.errors import TrackerError, UsageError

TYPE_CHECKING = False  # typing is not imported at run time (start-up)
if TYPE_CHECKING:
    from tracker.core.session import Session
    from tracker.store.workspace import Item

ROUNDS = 5  # a claim pushed while the remote moved for another reason is tried again
_SUBJECT = re.compile(r"claim (?P<id>\S+): status (?P<before>\S+) → (?P<after>\S+) by ")


class Claimed(TrackerError):
    """The item is held by someone else."""

    def __init__(self, item_id: str, holder: str) -> None:
        super().__init__(f"{item_id} is claimed by {holder}")
        self.holder = holder


def claimant(s: Session, name: str | None) -> str:
    """Who claims: `--as NAME`, else the name git gives this repository's commits
    (GIT_AUTHOR_NAME, user.name), else the login name."""
    if name is not None:
        name = name.strip()
        if not name or "\n" in name:
            raise UsageError("--as needs a name")
        return name
    found = gitrepo.author_name(s.ws.top) if s.ws.top else None
    return (found or os.environ.get("USER") or os.environ.get("USERNAME") or "").strip() \
        or _no_name()


def _no_name() -> str:
    raise UsageError("who claims? give --as NAME (or set git's user.name)")


def wants_sync(s: Session, sync: bool | None) -> bool:
    """`--sync`, or the config's `sync: {claim: true}` when there is a remote."""
    if sync is not None:
        return sync
    setting = s.ws.config.get("sync")
    if not (isinstance(setting, dict) and setting.get("claim") is True) or s.ws.top is None:
        return False
    result = _remote(s)
    return result is not None


def _remote(s: Session) -> str | None:
    assert s.ws.top is not None
    branch = gitrepo.current_branch(s.ws.top)
    remote = branch and gitrepo.upstream_remote(s.ws.top, branch)
    if remote:
        return remote
    return "origin" if gitrepo.get_config(s.ws.top, "remote.origin.url") else None


def working_status(item: Item) -> str | None:
    """The status a claim moves the item to: from the initial status, the first move
    the workflow allows that is not final; otherwise the item stays where it is."""
    workflow = item.kind.workflow
    if workflow is None:
        return None
    current = item.fields.get("status")
    if current != workflow.initial:
        return current
    return next((status for status in workflow.allowed(current)
                 if not workflow.is_final(status)), current)


def claim(s: Session, ref: str, name: str | None = None, sync: bool | None = None,
          commit: bool = True) -> Item:
    """Claim an item for `name` (see the module); the item as written."""
    who = claimant(s, name)
    if not wants_sync(s, sync):
        with s.ws.lock():
            return _claim_here(s, ref, who, commit)
    return _claim_synced(s, ref, who)


def claim_first(s: Session, kind: str | None, where: str | None, name: str | None = None,
                sync: bool | None = None) -> Item | None:
    """`ready --claim`: claim the first ready item, under the lock; None when nothing is
    ready. Synced, after catching up with the remote: when another clone takes that item
    first, the next one ready then is tried."""
    who = claimant(s, name)
    synced = wants_sync(s, sync)
    with s.ws.lock():
        for _ in range(ROUNDS if synced else 1):
            if synced:
                _catch_up(s)
            ready = deps.split(s, kind, where).ready
            if not ready:
                return None
            first = ready[0][0].id
            if not synced:
                return _claim_here(s, first, who, True)
            try:
                return _claim_synced(s, first, who)
            except Claimed:
                continue  # taken meanwhile: what is ready now?
    raise TrackerError("the items ready kept being claimed by others: try again")


def _claim_here(s: Session, ref: str, who: str, commit: bool) -> Item:
    item = get(s, ref)
    kind = item.kind
    if deps.CLAIM_FIELD not in kind.fields and kind.strict:
        raise TrackerError(f"kind '{kind.name}' has no '{deps.CLAIM_FIELD}' field to claim "
                           f"its items: declare it in its kind file")
    holder = deps.claimed_by(item)
    if holder is not None and holder != who:
        raise Claimed(item.id, holder)
    if kind.workflow is not None and kind.workflow.is_final(item.fields.get("status")):
        raise TrackerError(f"{item.id} is {item.fields.get('status')}: its work is over, "
                           "nothing to claim")
    before = item.fields.get("status")
    after = working_status(item)
    values = {deps.CLAIM_FIELD: who}
    if after is not None and after != before:
        values["status"] = after
    message = f"claim {item.id}: status {before} → {after} by {who}" if after is not None \
        else f"claim {item.id}: by {who}"
    return edit_item(s, item, False, values, [], commit, message)


def _catch_up(s: Session) -> None:
    """Fetch the remote and merge it (the sync module's round, without the push)."""
    from tracker.core import sync as syncing  # noqa: PLC0415

    top = s.ws.top
    if top is None:
        raise TrackerError("this tracker is not in a git repository: nothing to sync")
    result = syncing.prepare(top, _remote(s))
    with s.ws.journal("sync", "sync") as journal:
        syncing.catch_up(top, result, journal)
    if result.conflicts:
        raise TrackerError("the remote's changes conflict with this clone's: resolve them "
                           "(tracker check), commit, then claim again")


def _claim_synced(s: Session, ref: str, who: str) -> Item:
    """Fetch, claim, push; when the push loses, drop the claim, fetch again and say who
    holds the item (or try again if nobody does: the remote moved for another reason)."""
    from tracker.core import sync as syncing  # noqa: PLC0415

    top = s.ws.top
    if top is None:
        raise TrackerError("this tracker is not in a git repository: nothing to sync")
    with s.ws.lock():
        for _ in range(ROUNDS):
            _catch_up(s)
            before = gitrepo.rev_parse(top, "HEAD")
            item = _claim_here(s, ref, who, True)
            after = gitrepo.rev_parse(top, "HEAD")
            if after == before:  # held by `who` already, nothing changed
                return item
            result = syncing.prepare(top, _remote(s))
            if syncing.push(top, result):
                return item
            assert before is not None
            gitrepo.reset_keep(top, before)  # the claim lost: history keeps the winner's
            syncing.pause(1)
        _catch_up(s)
        holder = deps.claimed_by(get(s, ref))
        if holder is not None and holder != who:
            raise Claimed(get(s, ref).id, holder)
    raise TrackerError("the remote kept moving: the claim was not made; try again")


def release(s: Session, ref: str, commit: bool = True) -> Item:
    """Clear the assignee and move the item back to the status it had before its claim
    (as the last claim commit says; kept if it moved since)."""
    with s.ws.lock():
        item = get(s, ref)
        holder = deps.claimed_by(item)
        if holder is None:
            raise TrackerError(f"{item.id} is not claimed: nothing to release")
        current = item.fields.get("status")
        back = current
        subject = gitrepo.last_subject(s.ws.top, item.rel,
                                       f"claim {item.id}: ") if s.ws.top else None
        found = _SUBJECT.match(subject or "")
        if found and found["after"] == str(current) and item.kind.workflow is not None \
                and found["before"] in item.kind.workflow.statuses:
            back = found["before"]
        values = {"status": str(back)} if back != current else {}
        message = f"release {item.id}: status {current} → {back} (was {holder})" \
            if item.kind.workflow is not None else f"release {item.id}: (was {holder})"
        return edit_item(s, item, False, values, [deps.CLAIM_FIELD], commit, message)
