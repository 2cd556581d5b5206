"""Kill loops: a writing `tracker` command killed with SIGKILL (its whole process group,
so the git it runs dies too) at a random moment, again and again, each kill followed by
the next command (a write, or `tracker check`), which must settle what was cut short.

After every kill and its next command: every item file parses (no partial file), no
temporary file is left and `git status --porcelain` is clean (no stranded file), no
journal and no git lock is left, every change acknowledged by an exit 0 is in HEAD
(nothing committed lost), and the next command finished (no lock blocks it). At the
end: `git fsck --strict` and `tracker check` clean.

Used by tests/test_crash.py (TRACKER_KILLS kills per operation, 10 by default; the
issue's bar, 50 or more: `TRACKER_KILLS=50 python -m pytest tests/test_crash.py -k loop`).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from tests.helpers import git, run_tracker, tracker_exe
from tracker.format import frontmatter

KILLS = int(os.environ.get("TRACKER_KILLS", "10"))
NEXT_TIMEOUT = 120  # seconds: far more than any command takes; a lock left would hang


@dataclass
class Figures:
    """What a loop did: kills, commands that finished before their kill, recoveries."""

    operation: str
    kills: int = 0
    finished_first: int = 0  # ran to exit 0 before the kill came
    recovered: int = 0  # next commands that said "Recovered: ..."
    recovered_lines: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (f"{self.operation}: kills={self.kills} finished_first={self.finished_first} "
                f"recovered={self.recovered}")


def start(folder: Path, *args: str) -> subprocess.Popen[str]:
    """A tracker in its own process group, so that a kill reaches the git it runs too."""
    return subprocess.Popen([*tracker_exe(), *args], cwd=folder, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


def kill_group(process: subprocess.Popen[str]) -> tuple[int, str]:
    """SIGKILL the process group (if still there); its exit code and stdout."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    out, _ = process.communicate()
    return process.returncode, out


def timed(folder: Path, *args: str) -> float:
    """How long one run of the command takes, unkilled (the span kills are spread over)."""
    began = time.perf_counter()
    done = run_tracker(folder, *args)
    assert done.returncode == 0, done.stderr
    return time.perf_counter() - began


def next_command(folder: Path, args: list[str], figures: Figures
                 ) -> subprocess.CompletedProcess[str]:
    """The command after a kill: it must finish (no lock blocks it) and exit 0."""
    done = subprocess.run([*tracker_exe(), *args], cwd=folder, capture_output=True,
                          text=True, timeout=NEXT_TIMEOUT)
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 0, (args, done.stdout, done.stderr)
    lines = [line for line in done.stderr.splitlines() if line.startswith("Recovered:")]
    if lines:
        figures.recovered += 1
        figures.recovered_lines.extend(lines)
    return done


def assert_settled(folder: Path, where: str) -> None:
    """No partial file, no stranded file, no temporary file, no journal, no git lock."""
    for path in folder.rglob("*.md"):
        if ".git" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        if path.parts[-2] != ".tracker":
            frontmatter.parse(str(path), text)  # raises on a torn file
    temporaries = [p for p in folder.rglob("*.tmp") if ".git" not in p.parts]
    assert not temporaries, f"{where}: temporary files left: {temporaries}"
    status = git(folder, "status", "--porcelain", "--untracked-files=all")
    assert status == "", f"{where}: not settled:\n{status}"
    git_dir = folder / ".git"
    assert not (git_dir / "tracker-journal").exists(), f"{where}: journal left"
    assert not (git_dir / "index.lock").exists(), f"{where}: index.lock left"


def head_text(folder: Path, rel: str) -> str | None:
    done = subprocess.run(["git", "show", f"HEAD:{rel}"], cwd=folder, capture_output=True,
                          text=True)
    return done.stdout if done.returncode == 0 else None


def head_ids(folder: Path, kind_folder: str = "issues") -> set[str]:
    out = git(folder, "ls-tree", "-r", "--name-only", "HEAD", "--", kind_folder)
    return {Path(p).stem for p in out.split()}


def finish(folder: Path) -> None:
    """The end of a loop: the repository and the tracker are sound."""
    git(folder, "fsck", "--strict", "--no-progress")
    done = run_tracker(folder, "check")
    assert done.returncode == 0, done.stdout + done.stderr


def loop(folder: Path, figures: Figures, rng: random.Random, kills: int,
         command: Callable[[int], list[str]], span: float,
         after: Callable[[int, int, str], None],
         recover: Callable[[int], list[str]]) -> None:
    """`kills` times: start `command(n)`, SIGKILL it after a random part of `span`
    seconds, then run `recover(n)` (a write, or check), then `after(n, exit code,
    stdout)` asserts what the operation must keep."""
    for n in range(1, kills + 1):
        process = start(folder, *command(n))
        time.sleep(rng.uniform(0.0, span))
        code, out = kill_group(process)
        figures.kills += 1
        figures.finished_first += code == 0
        next_command(folder, recover(n), figures)
        assert_settled(folder, f"{figures.operation}, kill {n}")
        after(n, code, out)
