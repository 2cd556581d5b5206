"""The Starlette application: the routes behind the gate, and what answers an error.

`build(root, users, settings)` gives the ASGI application `run.py` hands to uvicorn. The
API's routes are in `jsonapi.py`, the pages' in `pages.py`, `views.py`; every answer, an unexpected
error included, is JSON (or a page) with one line for the client, the details in the
server's log.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tracker.serve import pages, phone, views
from tracker.serve.accounts import DEFAULT_FILE, Accounts
from tracker.serve.gate import BodyTooLarge, BodyTooSlow, Gate, Settings
from tracker.serve.idempotency import Remembered
from tracker.serve.jsonapi import ItemsAPI, Refused, answer, refused
from tracker.serve.users import UsersAPI
from tracker.serve.work import Worker

log = logging.getLogger("tracker.serve")


class Server:
    """What one `tracker serve` holds: the tracker's root, accounts, worker, gate."""

    def __init__(self, root: Path, private: Path, users: Path | None = None,
                 settings: Settings | None = None,
                 reporting: views.Reporting | None = None) -> None:
        self.root = root
        self.accounts = Accounts(users or private / DEFAULT_FILE)
        self.worker = Worker(root)
        self.remembered = Remembered(private / "tracker-serve" / "idempotency")
        if settings is None:
            from tracker.api import Tracker  # noqa: PLC0415

            serve = Tracker(root).ws.config.get("serve") or {}
            settings = Settings.of(serve.get("limits") if isinstance(serve, dict) else None)
        self.settings = settings
        self.api = ItemsAPI(self.worker, self.remembered)
        self.users = UsersAPI(self.worker, self.accounts)
        self.views = views.Views(self.worker, reporting)  # the board, list, item, reports
        self.pages = pages.Pages(self.worker, self.accounts, self.views.page)
        self.starlette = Starlette(routes=self.routes(), exception_handlers={
            HTTPException: _http_error, BodyTooLarge: self._too_large,
            BodyTooSlow: _too_slow, Refused: _refused, Exception: _unexpected})
        self.app = Gate(self.starlette, self.accounts, self.settings)

    def routes(self) -> list[Route]:
        api = self.api
        return [
            Route("/api/items", api.list_items, methods=["GET"]),
            Route("/api/items", api.create, methods=["POST"]),
            Route("/api/items/{id}", api.show, methods=["GET"]),
            Route("/api/items/{id}", api.patch, methods=["PATCH"]),
            Route("/api/items/{id}/move", api.move, methods=["POST"]),
            Route("/api/me", _me, methods=["GET"]),
            Route("/api/users", self.users.list_users, methods=["GET"]),
            Route("/api/users", self.users.add, methods=["POST"]),
            Route("/api/users/{login}/reset", self.users.reset, methods=["POST"]),
            Route("/api/users/{login}", self.users.remove, methods=["DELETE"]),
            Route("/healthz", _health, methods=["GET"]),
            *phone.routes(self.worker, self.api),  # the forms and the phone form
            *self.pages.routes(),
            *self.views.routes(),  # last: its /items/{id} must not hide /items/new etc.
        ]

    async def _too_large(self, request: Request, exc: Exception) -> Response:
        return answer(413, f"request body over {self.settings.max_body} bytes")


async def _me(request: Request) -> Response:
    account = request.state.account
    data = account.public()
    session = request.state.session
    if session is not None:
        data["csrf"] = session.csrf
    return JSONResponse(data)


async def _health(request: Request) -> Response:
    return JSONResponse({"ok": True})


async def _http_error(request: Request, exc: Any) -> Response:
    if exc.status_code == 405:
        return answer(405, "method not allowed here")
    if exc.status_code == 404:
        return answer(404, "no such page" if not request.url.path.startswith("/api/")
                      else "no such API route")
    return answer(exc.status_code, str(exc.detail))


async def _too_slow(request: Request, exc: Exception) -> Response:
    return answer(408, "the request body did not arrive in time")


async def _refused(request: Request, exc: Exception) -> Response:
    return refused(exc)


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
    return answer(500, "internal error; the server's log says more")
