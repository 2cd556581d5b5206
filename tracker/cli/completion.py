"""Shell completion: `tracker completion bash|zsh|fish` prints the script, and the
completers of ids, kinds, fields and statuses that the commands' arguments name
(`shell_complete=`). click's own protocol (`_TRACKER_COMPLETE=bash_complete` with
`COMP_WORDS` and `COMP_CWORD`, or `zsh_complete`, `fish_complete`) does the rest.

A completer never fails: outside a tracker, or on a broken file, it offers nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click
from click.shell_completion import CompletionItem, get_completion_class

if TYPE_CHECKING:
    from tracker.api import Tracker
    from tracker.model.schema import Kind

SHELLS = ("bash", "zsh", "fish")
INSTALL = {
    "bash": 'eval "$(tracker completion bash)"  # in ~/.bashrc',
    "zsh": 'eval "$(tracker completion zsh)"  # in ~/.zshrc',
    "fish": "tracker completion fish > ~/.config/fish/completions/tracker.fish",
}


def _tracker(ctx: click.Context) -> Tracker | None:
    try:
        from tracker.api import Tracker  # noqa: PLC0415

        root = ctx.find_root()
        return Tracker((root.params or {}).get("directory") or (root.obj or {}).get("dir"))
    except Exception:  # noqa: BLE001 - no tracker here: nothing to offer
        return None


def complete_ids(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    t = _tracker(ctx)
    if t is None:
        return []
    try:
        pairs = t.ws.ids()
    except Exception:  # noqa: BLE001
        return []
    return [CompletionItem(item_id, help=kind.name) for kind, item_id in sorted(
        pairs, key=lambda p: p[1]) if item_id.startswith(incomplete)]


def complete_kinds(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    t = _tracker(ctx)
    if t is None:
        return []
    return [CompletionItem(name) for name in sorted(t.kinds) if name.startswith(incomplete)]


def complete_targets(ctx: click.Context, param: click.Parameter,
                     incomplete: str) -> list[Any]:
    """Kinds, then ids (`graph [ID|KIND]`)."""
    return complete_kinds(ctx, param, incomplete) + complete_ids(ctx, param, incomplete)


def _kind_of(ctx: click.Context, t: Tracker) -> Kind | None:
    params = ctx.params or {}
    try:
        if params.get("item_id"):
            return t.get(params["item_id"]).kind
        if params.get("kind"):
            return t.kinds.get(params["kind"])
    except Exception:  # noqa: BLE001 - an unknown id: no fields to offer
        return None
    return None


def _statuses(kind: Kind | None, t: Tracker) -> list[str]:
    kinds = [kind] if kind is not None else list(t.kinds.values())
    seen: dict[str, None] = {}
    for k in kinds:
        if k.workflow is not None:
            seen.update(dict.fromkeys(k.workflow.statuses))
    return list(seen)


def complete_assignments(ctx: click.Context, param: click.Parameter,
                         incomplete: str) -> list[Any]:
    """`FIELD=` for the item's (or kind's) fields; after `FIELD=`, its statuses or
    enum values."""
    t = _tracker(ctx)
    if t is None:
        return []
    kind = _kind_of(ctx, t)
    name, sep, value = incomplete.partition("=")
    before = [a for a in (ctx.params or {}).get("assignments") or () if a]
    if not sep and len(before) >= 2 and before[-1] == "=":  # bash splits words at '='
        name, value, sep, bare = before[-2], incomplete, "=", True
    else:
        bare = False
    if not sep:
        fields = list(kind.fields) if kind is not None else sorted(
            {f for k in t.kinds.values() for f in k.fields})
        return [CompletionItem(f"{f}=") for f in fields if f.startswith(name)]
    if name == "status":
        choices = _statuses(kind, t)
    else:
        spec = kind.fields.get(name) if kind is not None else None
        choices = list(spec.values) if spec is not None else []
    return [CompletionItem(c if bare else f"{name}={c}") for c in choices if c.startswith(value)]


def complete_fields(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    t = _tracker(ctx)
    if t is None:
        return []
    kind = _kind_of(ctx, t)
    fields = list(kind.fields) if kind is not None else sorted(
        {f for k in t.kinds.values() for f in k.fields})
    return [CompletionItem(f) for f in fields if f.startswith(incomplete)]


def complete_statuses(ctx: click.Context, param: click.Parameter,
                      incomplete: str) -> list[Any]:
    t = _tracker(ctx)
    if t is None:
        return []
    return [CompletionItem(s) for s in _statuses(_kind_of(ctx, t), t) if s.startswith(incomplete)]


def complete_members(ctx: click.Context, param: click.Parameter,
                     incomplete: str) -> list[Any]:
    """The federation's member names (`federation remove`, `federation sync`)."""
    t = _tracker(ctx)
    if t is None:
        return []
    try:
        names = [m["name"] for m in t.federation().members(t)]
    except Exception:  # noqa: BLE001 - a malformed federation: nothing to offer
        return []
    return [CompletionItem(name) for name in names if name.startswith(incomplete)]


@click.command()
@click.argument("shell", type=click.Choice(SHELLS))
def completion(shell: str) -> None:
    """Print the completion script for SHELL (commands, kinds, ids, fields, statuses).

    \b
    bash:  eval "$(tracker completion bash)"    (in ~/.bashrc)
    zsh:   eval "$(tracker completion zsh)"     (in ~/.zshrc)
    fish:  tracker completion fish > ~/.config/fish/completions/tracker.fish
    """
    from tracker.cli.app import cli  # noqa: PLC0415

    cls = get_completion_class(shell)
    assert cls is not None
    click.echo(cls(cli, {}, "tracker", "_TRACKER_COMPLETE").source())


COMMANDS = [completion]
