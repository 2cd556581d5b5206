"""Where the tracker's work runs: off the event loop, in bounded queues.

Writes go to one thread, in the order they came: each is one commit, made under the
workspace lock (so a `tracker set` typed beside the server waits its turn too), and no
two writes of the server race for it. Reads go to a few threads of their own, so a long
list does not hold up a write. Each job gets a fresh `Tracker`: what another clone
merged in (`--sync`) or a command typed beside the server wrote is seen at once.

A queue that is full refuses at once (`Busy`, answered 429 with Retry-After): under
load, clients wait at their end rather than in the server's memory.
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, TypeVar

T = TypeVar("T")

WRITE_QUEUE = 64  # writes waiting at most (each ~30-100 ms)
READ_QUEUE = 128
READERS = 2


class Busy(Exception):
    """A queue is full: the client should try again shortly."""


class Worker:
    """The writer thread and the reader threads for one tracker root."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="tracker-write")
        self._readers = ThreadPoolExecutor(READERS, thread_name_prefix="tracker-read")
        self._pending = {"write": 0, "read": 0}
        self._guard = threading.Lock()

    def tracker(self, author: str | None = None) -> Any:
        from tracker.api import Tracker  # noqa: PLC0415

        t = Tracker(self.root)
        t.author = author
        return t

    async def write(self, job: Callable[..., T], *args: Any) -> T:
        return await self._run("write", self._writer, WRITE_QUEUE, job, *args)

    async def read(self, job: Callable[..., T], *args: Any) -> T:
        return await self._run("read", self._readers, READ_QUEUE, job, *args)

    async def _run(self, queue: str, pool: ThreadPoolExecutor, bound: int,
                   job: Callable[..., T], *args: Any) -> T:
        with self._guard:
            if self._pending[queue] >= bound:
                raise Busy(f"too many {queue}s waiting; try again in a moment")
            self._pending[queue] += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(pool, job, *args)
        finally:
            with self._guard:
                self._pending[queue] -= 1

    def close(self) -> None:
        self._writer.shutdown(wait=True)
        self._readers.shutdown(wait=True)

    def write_now(self, job: Callable[..., T], *args: Any) -> T:
        """Run a job in the writer thread from another thread (the sync loop), waiting."""
        return self._writer.submit(job, *args).result()
