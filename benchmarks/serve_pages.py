"""`tracker serve`'s pages over a big tracker: the list, the board, an item.

    python benchmarks/serve_pages.py [--items 10000] [--runs 7]

A flat tracker of N issues (benchmarks/generate.py), the installed `tracker serve
--port 0`, a viewer's bearer secret; each page asked for `runs` times one after the
other (after one warm-up), its median and worst time printed with its size. The pages
read from the listing's columns (the snapshot), as `tracker list` does.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import TRACKER, generate_flat  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "repo"
        generate_flat(root, args.items)
        env = {**os.environ, "GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "b@x.org",
               "GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "b@x.org"}
        secret = subprocess.run([str(TRACKER), "user", "add", "viewer", "--role", "viewer"],
                                cwd=root, env=env, capture_output=True, text=True,
                                check=True).stdout.splitlines()[-1]
        subprocess.run([str(TRACKER), "list", "--limit", "1"], cwd=root, env=env,
                       capture_output=True, check=True)  # the snapshot, as a used clone has
        item = next((root / "issues").glob("*.md")).stem
        proc = subprocess.Popen([str(TRACKER), "serve", "--port", "0"], cwd=root, env=env,
                                stderr=subprocess.PIPE, text=True)
        try:
            assert proc.stderr is not None
            port = int(re.search(r":(\d+)$", proc.stderr.readline().strip()).group(1))
            time.sleep(0.5)
            pages = ["/board/issue", "/?kind=issue", "/?kind=issue&sort=-priority&page=50",
                     "/?kind=issue&where=priority+%3D%3D+%27high%27", f"/items/{item}"]
            print(f"{args.items} items, {args.runs} runs each (after one warm-up):")
            for path in pages:
                times, size = [], 0
                for n in range(args.runs + 1):
                    started = time.perf_counter()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                    conn.request("GET", path, headers={"Authorization": f"Bearer {secret}"})
                    response = conn.getresponse()
                    body = response.read()
                    conn.close()
                    assert response.status == 200, (path, response.status, body[:200])
                    if n:
                        times.append(time.perf_counter() - started)
                    size = len(body)
                print(f"  {path:48} median {statistics.median(times) * 1000:7.0f} ms  "
                      f"max {max(times) * 1000:7.0f} ms  {size / 1024:6.0f} KiB")
        finally:
            proc.terminate()
            proc.wait(10)


if __name__ == "__main__":
    main()
