"""A federation: M département repositories of N sessions each, read by a national one.

    python benchmarks/federation.py [--members 10] [--items 1000] [--runs 5]

Each member is a campaign tracker whose sessions are written as files and committed
once; the national repository adds them (`tracker federation add`), fetches them
(`federation sync`), then `list --federation` runs cold (no blob parsed yet) and warm
(the blobs remembered by id, core/history.py), with `--where`, `federation status` and
`check --federation`. Medians over `runs` (one cold run).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import TRACKER  # noqa: E402

SESSION = ("---\ntitle: Session {i}\nstatus: done\ndate: 2026-03-01\n"
           "bureau: {n}001_{b:04d}\nknocked: 10\nnot_home: 4\npositive: 6\n---\n")


def run(folder: Path, *args: str, env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(args, cwd=folder, env=env, capture_output=True, text=True)
    took = time.perf_counter() - started
    if done.returncode not in (0, 1) or "Traceback" in done.stderr:
        raise SystemExit(f"{' '.join(args)} failed: {done.stderr}")
    return took


def member(folder: Path, n: str, items: int, env: dict[str, str]) -> None:
    folder.mkdir()
    run(folder, "git", "init", "-q", env=env)
    run(folder, str(TRACKER), "init", "--template", "campaign", env=env)
    sessions = folder / "sessions"
    sessions.mkdir(exist_ok=True)
    for i in range(items):
        (sessions / f"ses-{n}{i:06d}.md").write_text(SESSION.format(i=i, n=n, b=i % 100),
                                                     encoding="utf-8")
    run(folder, "git", "add", "-A", env=env)
    run(folder, "git", "commit", "-q", "-m", "sessions", env=env)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=10)
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    env = {**os.environ, "GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "b@x.org",
           "GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "b@x.org"}
    with tempfile.TemporaryDirectory() as tmp:
        national = Path(tmp) / "national"
        names = [f"{n + 1:02d}" for n in range(args.members)]
        for name in names:
            member(Path(tmp) / f"d{name}", name, args.items, env)
        national.mkdir()
        run(national, "git", "init", "-q", env=env)
        run(national, str(TRACKER), "init", "--template", "campaign", env=env)
        for name in names:
            run(national, str(TRACKER), "federation", "add", name, f"../d{name}", env=env)
        t = str(TRACKER)
        rows = [("federation sync (first)", [run(national, t, "federation", "sync", env=env)]),
                ("list --federation (cold)",
                 [run(national, t, "list", "--federation", "--format", "ids", env=env)])]
        for title, argv in [
                ("federation sync (nothing new)", [t, "federation", "sync"]),
                ("list --federation (warm)", [t, "list", "--federation", "--format", "ids"]),
                ("list --federation --where member", [t, "list", "--federation", "session",
                                                      "--where", "member == '01'",
                                                      "--format", "ids"]),
                ("federation status", [t, "federation", "status"]),
                ("check --federation", [t, "check", "--federation"])]:
            rows.append((title, [run(national, *argv, env=env) for _ in range(args.runs)]))
        print(f"{args.members} members x {args.items:,} sessions "
              f"({args.members * args.items:,} items)")
        for title, times in rows:
            print(f"{title:34} median {statistics.median(times) * 1000:8.0f} ms  "
                  f"worst {max(times) * 1000:8.0f} ms")


if __name__ == "__main__":
    main()
