"""The mcp command: the tracker as a Model Context Protocol server over stdio.

The SDK (`mcp`, an optional dependency: `pip install 'tracker[mcp]'`) is imported inside
the command only (tracker.mcp.server): no other command loads it.
"""

from __future__ import annotations

import click

from tracker.cli.common import tracker
from tracker.model.errors import TrackerError


@click.command()
@click.option("--read-only", is_flag=True,
              help="Offer only the reading tools (no create, update, move or claim).")
@click.option("--as", "as_name", metavar="NAME",
              help="The agent's name: the author of every commit the server makes, and "
              "who claims (\"NAME\" or \"Name <email>\"; default: git's identity).")
@click.pass_context
def mcp(ctx: click.Context, read_only: bool, as_name: str | None) -> None:
    """Serve this tracker to an AI agent over MCP on stdin/stdout (docs/agents.md)."""
    from tracker.mcp.tools import author_of  # noqa: PLC0415

    t = tracker(ctx)
    author = author_of(as_name)
    try:
        from tracker.mcp.server import serve  # noqa: PLC0415 - the SDK, here only
    except ImportError as e:
        if (e.name or "").split(".")[0] == "tracker":
            raise  # a bug of ours, not a missing SDK
        raise TrackerError("tracker mcp needs the MCP SDK: pip install 'tracker[mcp]' "
                           f"({e.name or e} could not be imported)") from None
    claimant = author.rpartition(" <")[0] if author else None  # the name, not the email
    serve(t.root, author, claimant, read_only)


COMMANDS = [mcp]
