"""Running the server: the socket, uvicorn's limits, the sync loop, the log.

The socket is bound here (port 0: a free one) and the address printed on stderr as
`tracker serve: listening on http://HOST:PORT` before uvicorn takes it, so that a test or
a script knows where to go. uvicorn's own limits bound what slow or many clients can
hold: connections at once (`limit_concurrency`, past it 503), seconds an idle
keep-alive connection is kept, the size of an incomplete request head.
"""

from __future__ import annotations

import logging
import socket
import sys
import threading
import time
from pathlib import Path
from typing import Any

from tracker.serve.app import Server
from tracker.serve.gate import Settings

log = logging.getLogger("tracker.serve")

LIMIT_CONCURRENCY = 1024
KEEP_ALIVE_SECONDS = 5
MAX_HEAD = 16 * 1024
BACKLOG = 2048


def serve(root: Path, private: Path, host: str, port: int, sync_seconds: float | None,
          users: Path | None, settings: Settings | None = None,
          reporting: Any = None) -> None:
    """Serve until stopped (SIGINT, SIGTERM)."""
    import uvicorn  # noqa: PLC0415 - loaded by `tracker serve` only

    logging.basicConfig(stream=sys.stderr, level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    server = Server(root, private, users, settings, reporting)
    removed = server.remembered.prune()
    if removed:
        log.info("%d idempotency answers older than their time removed", removed)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(BACKLOG)
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if family == socket.AF_INET6 else host
    print(f"tracker serve: listening on http://{shown}:{bound}", file=sys.stderr, flush=True)
    http = guarded_protocol(server.settings.head_seconds)
    config = uvicorn.Config(server.app, lifespan="off", log_level="warning", access_log=False,
                            http=http, limit_concurrency=LIMIT_CONCURRENCY,
                            timeout_keep_alive=KEEP_ALIVE_SECONDS, backlog=BACKLOG,
                            h11_max_incomplete_event_size=MAX_HEAD, server_header=False,
                            date_header=True)
    stop = threading.Event()
    if sync_seconds:
        threading.Thread(target=_sync_loop, args=(server, sync_seconds, stop), daemon=True,
                         name="tracker-sync").start()
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        stop.set()
        server.views.close()
        server.worker.close()


def guarded_protocol(seconds: float) -> Any:
    """uvicorn's httptools protocol, closing a connection whose request head (or first
    byte) does not arrive within `seconds`: uvicorn itself waits for ever, so slow
    clients (slowloris) could hold every connection. "h11" when httptools is missing."""
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol  # noqa: PLC0415
    except ImportError:
        return "h11"

    class Guarded(HttpToolsProtocol):  # type: ignore[misc]
        _head_timer: Any = None

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            self._arm()

        def on_message_begin(self) -> None:
            super().on_message_begin()
            if self._head_timer is None:
                self._arm()

        def on_headers_complete(self) -> None:
            self._disarm()
            super().on_headers_complete()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def _arm(self) -> None:
            self._disarm()
            self._head_timer = self.loop.call_later(seconds, self._too_slow)

        def _disarm(self) -> None:
            if self._head_timer is not None:
                self._head_timer.cancel()
                self._head_timer = None

        def _too_slow(self) -> None:
            self._head_timer = None
            if self.cycle is None or self.cycle.response_complete:
                self.transport.close()

    return Guarded


def _sync_loop(server: Server, seconds: float, stop: threading.Event) -> None:
    """`tracker sync` every `seconds`, in the writer thread (between two writes)."""
    def job() -> str:
        r = server.worker.tracker().sync()
        if r.conflicts:
            return f"{r.remote}/{r.branch}: stopped on conflicts in {', '.join(r.conflicts)}"
        if not r.merged and not r.pushed:
            return ""
        return (f"{r.remote}/{r.branch}: " + ("merged" if r.merged else "up to date")
                + (", pushed" if r.pushed else ""))

    while not stop.wait(seconds):
        started = time.monotonic()
        try:
            done = server.worker.write_now(job)
            if done:  # a sync that found nothing to do says nothing
                log.info("sync: %s (%.1f s)", done, time.monotonic() - started)
        except Exception as e:  # noqa: BLE001 - a failed sync is logged, the server goes on
            log.error("sync failed: %s", e)
