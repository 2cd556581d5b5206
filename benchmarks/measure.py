"""Timing subprocesses, and the rows and table of the results.

Every figure is the median of several runs of a fresh process, ours and its floor
interleaved so that a burst of load from other processes hits both alike.
"""

from __future__ import annotations

import statistics
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Union

Argv = Union[list[str], Callable[[int], list[str]]]  # fixed, or built for run i
SLOW_SECONDS = 5.0  # past this, a command is run at most SLOW_REPEAT times
SLOW_REPEAT = 3


def p99(values: list[float]) -> float:
    """The 99th percentile of `values` (nan when there are none): the servers' benchmarks."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] if ordered else float("nan")


@dataclass
class Cmd:
    """A command to time: its argv, folder and environment, and what to do before each run."""

    argv: Argv
    cwd: Path
    env: dict[str, str]
    prepare: Callable[[], None] | None = None

    def args(self, index: int) -> list[str]:
        return self.argv(index) if callable(self.argv) else self.argv


@dataclass
class Timing:
    """The median of the runs, in milliseconds, and the last run's result."""

    ms: float
    runs: list[float]
    result: subprocess.CompletedProcess[str]


def run_once(cmd: Cmd, index: int) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Run the command once; its wall time in ms (preparation not counted)."""
    if cmd.prepare is not None:
        cmd.prepare()
    start = time.perf_counter()
    done = subprocess.run(cmd.args(index), cwd=cmd.cwd, env=cmd.env, capture_output=True,
                          text=True, encoding="utf-8", errors="replace")
    return (time.perf_counter() - start) * 1000, done


def compare(ours: Cmd, floor: Cmd | None, repeat: int, warm: bool = True
            ) -> tuple[Timing, Timing | None]:
    """Time ours and its floor, interleaved, `repeat` times each (fewer when slow)."""
    if warm:
        run_once(ours, 0)
        if floor is not None:
            run_once(floor, 0)
    times: list[float] = []
    floor_times: list[float] = []
    done = floor_done = None
    for index in range(1, repeat + 1):
        ms, done = run_once(ours, index)
        times.append(ms)
        if floor is not None:
            floor_ms, floor_done = run_once(floor, index)
            floor_times.append(floor_ms)
        if index >= SLOW_REPEAT and ms > SLOW_SECONDS * 1000:
            break
    assert done is not None
    ours_t = Timing(statistics.median(times), times, done)
    floor_t = (Timing(statistics.median(floor_times), floor_times, floor_done)
               if floor_done is not None else None)
    return ours_t, floor_t


# ---------------------------------------------------------------- results


@dataclass
class Target:
    """A target from the issue: its wording and how to judge (ours ms, floor ms)."""

    text: str
    met: Callable[[float, float | None], bool]


def at_most_ms(limit: float) -> Target:
    return Target(f"≤ {limit:g} ms", lambda ours, floor: ours <= limit)


def at_most_ratio(limit: float, floor_name: str) -> Target:
    return Target(f"≤ {limit:g} × {floor_name}",
                  lambda ours, floor: floor is not None and ours <= limit * floor)


@dataclass
class Row:
    """One line of the results table."""

    operation: str
    size: str
    ours: float | None
    floor: float | None
    target: Target | None = None
    note: str = ""  # shown instead of figures: 'n/a', 'error', ...
    other: float | None = None  # backlog.md's time for the same operation
    problems: list[str] = field(default_factory=list)

    def cells(self, with_other: bool) -> list[str]:
        ratio = (f"{self.ours / self.floor:.2f}" if self.ours is not None and self.floor
                 else "–")
        verdict = "–"
        if self.target is not None:
            verdict = self.note or ("pass" if self.ours is not None and self.target.met(
                self.ours, self.floor) else "FAIL")
        cells = [self.operation, self.size, _ms(self.ours, self.note), _ms(self.floor, ""),
                 ratio, self.target.text if self.target else "–", verdict]
        if with_other:
            vs = (f"{self.ours / self.other:.2f}" if self.ours is not None and self.other
                  else "–")
            cells += [_ms(self.other, ""), vs]
        return cells


def _ms(value: float | None, note: str) -> str:
    if value is None:
        return note or "–"
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def table(rows: list[Row], with_other: bool) -> str:
    """The rows as a Markdown table."""
    head = ["operation", "size", "ours (ms)", "floor (ms)", "ratio", "target", "pass/fail"]
    if with_other:
        head += ["backlog.md (ms)", "ours / backlog.md"]
    lines = [head, ["---"] * len(head)] + [r.cells(with_other) for r in rows]
    return "".join("| " + " | ".join(line) + " |\n" for line in lines)
