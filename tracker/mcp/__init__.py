"""`tracker mcp`: the tracker as a Model Context Protocol server over stdio.

`tools.py` holds what the server offers (each tool's input schema and the call into the
Tracker façade, its answer in the CLI's JSON shapes; the kinds and config as resources),
without the SDK; `server.py` puts it on the wire with the official `mcp` SDK, which only
`tracker mcp` loads (docs/agents.md).
"""
