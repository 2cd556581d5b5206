"""`tracker mcp` through the SDK's own client over stdio: start-up, reads, writes.

    python benchmarks/mcp_server.py [--items 200] [--calls 50]

In a fresh default tracker holding `--items` issues (made in one import), the installed
`tracker mcp --as bench` is spawned by `mcp.client.stdio`; it prints the time from spawn to
the answered `initialize` (the SDK's import is most of it), then p50/p99 of `--calls`
calls of `show_item`, `list_items` (every item) and `update_item` (one field: one commit
each), and checks that every update is a commit by `bench`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import anyio
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import p99  # noqa: E402
from serve import git, run, tracker_exe  # noqa: E402  (one way to start tracker and git)


def percentiles(times: list[float]) -> str:
    return (f"p50 {statistics.median(times) * 1000:6.1f} ms  "
            f"p99 {p99(times) * 1000:6.1f} ms")


async def measure(root: Path, calls: int, ids: list[str]) -> dict[str, Any]:
    command = tracker_exe()
    params = StdioServerParameters(command=command[0],
                                   args=[*command[1:], "mcp", "--as", "bench"],
                                   env=dict(os.environ), cwd=str(root))
    start = time.perf_counter()
    results: dict[str, Any] = {}
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            results["start"] = time.perf_counter() - start
            for name, make in (
                    ("show_item", lambda n: {"id": ids[n % len(ids)]}),
                    ("list_items", lambda n: {"kind": "issue"}),
                    ("update_item", lambda n: {"id": ids[n % len(ids)],
                                               "fields": {"assignee": f"bench-{n}"}})):
                times = []
                for n in range(calls):
                    began = time.perf_counter()
                    result = await session.call_tool(name, make(n))
                    times.append(time.perf_counter() - began)
                    assert not result.is_error, result.content[0].text
                results[name] = times
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=200)
    parser.add_argument("--calls", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        git(root, "init", "-q")
        git(root, "config", "user.name", "someone")
        git(root, "config", "user.email", "someone@example.org")
        run(root, "init")
        rows = "".join(f"Issue {n},normal\n" for n in range(args.items))
        (root / "in.csv").write_text("title,priority\n" + rows, encoding="utf-8")
        run(root, "import", "csv", "in.csv", "--kind", "issue")
        ids = json.loads(run(root, "list", "--format", "json"))
        ids = [r["id"] for r in ids]
        head = git(root, "rev-parse", "HEAD").strip()
        results = anyio.run(measure, root, args.calls, ids)
        authors = git(root, "log", "--format=%an", f"{head}..HEAD").split()
        print(f"spawn to initialize: {results['start'] * 1000:.0f} ms")
        for name in ("show_item", "list_items", "update_item"):
            print(f"{name:12} x{args.calls}: {percentiles(results[name])}")
        ok = len(authors) == args.calls and set(authors) == {"bench"}
        print(f"commits by bench: {len(authors)} of {args.calls} updates"
              + ("" if ok else "  <- MISMATCH"))
        if not ok:
            raise SystemExit(1)


if __name__ == "__main__":
    main()
