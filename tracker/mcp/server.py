"""`tracker mcp`: the tools and resources of tools.py on the wire, with the official `mcp`
SDK's low-level server over stdio (loaded by this command only).

While it serves, the SDK points file descriptor 1 at stderr: nothing git or the tracker
prints can corrupt the protocol on stdout. Calls run one at a time in a worker thread (a
write is one commit under the writer lock; a `tracker set` typed beside the server waits
its turn), so the event loop keeps answering.
"""

from __future__ import annotations

import sys
import traceback
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
import mcp_types as types
from mcp.server.lowlevel import Server
from mcp.server.stdio import stdio_server

from tracker import __version__
from tracker.mcp.tools import JSON, Text, ToolError, Tools, dumps, read_resource, resources

INSTRUCTIONS = """\
This server is a git-native tracker: every item is a Markdown file with YAML front matter,
and every write is checked (the write gate) and committed under your name.
Work through it, never by writing the files yourself:
1. Read tracker://kinds: each kind's fields (types, allowed values), its workflow.
2. `ready` (or `list_items`) to find work; `show_item` for one item.
3. `claim_item` the item you take, so no one else takes it.
4. Do the work; record it with `update_item` (fields, body) and `create_item`.
5. `move_item` to its next status along the workflow.
A refused write comes back as a tool error: its message and the problems (file, line,
field); nothing was written. Fix the values and call again."""


def build(tools: Tools) -> Server[Any]:
    """The low-level server for these tools."""
    one_at_a_time = anyio.CapacityLimiter(1)

    async def run(function: Any, *args: Any) -> Any:
        return await anyio.to_thread.run_sync(function, *args, limiter=one_at_a_time)

    async def list_tools(ctx: Any, params: Any) -> types.ListToolsResult:
        return types.ListToolsResult(tools=[
            types.Tool(name=tool.name, description=tool.description,
                       input_schema=tool.input_schema,
                       annotations=types.ToolAnnotations(
                           read_only_hint=not tool.writes, destructive_hint=False,
                           idempotent_hint=not tool.writes, open_world_hint=False))
            for tool in tools.tools.values()])

    async def call_tool(ctx: Any, params: types.CallToolRequestParams) -> types.CallToolResult:
        try:
            answer = await run(tools.call, params.name, params.arguments)
        except ToolError as e:
            return types.CallToolResult(
                content=[types.TextContent(text=dumps(e.as_dict()))],
                structured_content=e.as_dict(), is_error=True)
        except Exception as e:  # a bug: said on stderr, answered as an error, server lives
            traceback.print_exc(file=sys.stderr)
            error = {"error": f"internal error: {type(e).__name__}: {e}".splitlines()[0],
                     "problems": []}
            return types.CallToolResult(content=[types.TextContent(text=dumps(error))],
                                        structured_content=error, is_error=True)
        if isinstance(answer, Text):
            return types.CallToolResult(content=[types.TextContent(text=answer.text)])
        structured = answer if isinstance(answer, dict) else None
        return types.CallToolResult(content=[types.TextContent(text=dumps(answer))],
                                    structured_content=structured)

    async def list_resources(ctx: Any, params: Any) -> types.ListResourcesResult:
        found = await run(lambda: resources(tools.tracker()))
        return types.ListResourcesResult(resources=[
            types.Resource(uri=r.uri, name=r.name, description=r.description, mime_type=JSON)
            for r in found])

    async def read(ctx: Any, params: types.ReadResourceRequestParams) -> types.ReadResourceResult:
        uri = str(params.uri)
        try:
            text = await run(lambda: read_resource(tools.tracker(), uri))
        except ToolError as e:
            from mcp.shared.exceptions import MCPError  # noqa: PLC0415

            raise MCPError(code=types.INVALID_PARAMS, message=e.message) from None
        return types.ReadResourceResult(contents=[
            types.TextResourceContents(uri=uri, mime_type=JSON, text=text)])

    return Server("tracker", version=__version__, instructions=INSTRUCTIONS,
                  on_list_tools=list_tools, on_call_tool=call_tool,
                  on_list_resources=list_resources, on_read_resource=read)


def serve(root: Path, author: str | None, as_name: str | None, read_only: bool) -> None:
    """Serve MCP on stdin/stdout until the client closes it."""
    tools = Tools(root, author, as_name, read_only)
    server = build(tools)

    async def main() -> None:
        async with stdio_server() as (read_stream, write_stream):
            await server.run(read_stream, write_stream, server.create_initialization_options())

    anyio.run(main)
