"""The gate every request passes before any work: security headers on every answer,
who is asking, rate limits, the body cap, and errors as one JSON line.

It is plain ASGI (no request object is built) so that what a flood sends costs little:
a request without credentials is answered 401 (or 429 once its address has sent too
many) from pre-encoded bytes, before any routing or body parsing. Credentials are a
bearer secret (`Authorization: Bearer LOGIN.RANDOM`, for scripts) or a session cookie
(the browser, after the login form). A secret is checked with scrypt once, then
remembered by its SHA-256 in a bounded memory; an unknown login is refused without
scrypt, and a login or an address that failed too often is refused before scrypt runs,
which at most `SCRYPT_AT_ONCE` checks do at a time.

What passes goes on with `scope["state"]`: `account`, `via` ("bearer" or "cookie"),
`session` (the cookie's), `ip`. The body is read by the application as it streams in,
counted here: past `max_body` the request is refused (413) without reading the rest.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any, Awaitable, Callable

from tracker.model.errors import TrackerError
from tracker.serve.accounts import Account, Accounts, check_secret, login_of
from tracker.serve.limits import Bounded, Buckets

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

log = logging.getLogger("tracker.serve")

SESSION_COOKIE = "tracker_session"
LOGIN_CSRF_COOKIE = "tracker_login_csrf"
SESSION_SECONDS = 12 * 3600
SCRYPT_AT_ONCE = 2
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
PUBLIC = ("/login", "/static/", "/healthz")

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    (b"cache-control", b"no-store"),
]
HSTS = (b"strict-transport-security", b"max-age=31536000")


@dataclass
class Settings:
    """The server's limits (the defaults are documented in docs/serve.md)."""

    max_body: int = 256 * 1024  # bytes a request body may have
    body_seconds: float = 10.0  # for the whole body to arrive
    head_seconds: float = 10.0  # for a request's head (line and headers) to arrive
    ip_rate: float = 20.0  # requests a second from an address without valid credentials
    ip_burst: float = 40.0
    account_rate: float = 50.0  # requests a second of one account
    account_burst: float = 100.0
    login_ip_rate: float = 0.5  # login attempts a second from one address (form or secret)
    login_ip_burst: float = 10.0
    login_fail_rate: float = 0.1  # failed logins a second for one login
    login_fail_burst: float = 5.0


    @classmethod
    def of(cls, given: Any) -> Settings:
        """The limits, with those the config's `serve.limits` mapping sets."""
        from dataclasses import fields  # noqa: PLC0415

        settings = cls()
        if not given:
            return settings
        if not isinstance(given, dict):
            raise TrackerError("config serve.limits: expected a mapping of limit: number")
        known = {f.name: f for f in fields(cls)}
        for key, value in given.items():
            if key not in known:
                raise TrackerError(f"config serve.limits.{key}: unknown; limits: "
                                   + ", ".join(known))
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                raise TrackerError(f"config serve.limits.{key}: expected a positive number")
            setattr(settings, key, int(value) if key == "max_body" else float(value))
        return settings


@dataclass
class Session:
    """A browser session: its account, its CSRF token, when it ends."""

    login: str
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    expires: float = field(default_factory=lambda: time.time() + SESSION_SECONDS)


class BodyTooLarge(Exception):
    """The body went past the cap (413)."""


class BodyTooSlow(Exception):
    """The body did not arrive in time (408)."""


def error_body(message: str, problems: list[dict[str, Any]] | None = None,
               **extra: Any) -> bytes:
    data: dict[str, Any] = {"error": message, "problems": problems or []}
    data.update(extra)
    return json.dumps(data, ensure_ascii=False, default=str).encode("utf-8")


class Gate:
    """The ASGI application around the routes."""

    def __init__(self, app: Any, accounts: Accounts, settings: Settings) -> None:
        self.app = app
        self.accounts = accounts
        self.settings = settings
        self.sessions: Bounded[str, Session] = Bounded(10000)
        self.verified: Bounded[bytes, tuple[str, str]] = Bounded(4096)
        s = settings
        self.by_ip = Buckets(s.ip_rate, s.ip_burst)
        self.by_account = Buckets(s.account_rate, s.account_burst)
        self.login_by_ip = Buckets(s.login_ip_rate, s.login_ip_burst)
        self.failures = Buckets(s.login_fail_rate, s.login_fail_burst)
        self._scrypt = ThreadPoolExecutor(SCRYPT_AT_ONCE, thread_name_prefix="tracker-scrypt")
        self._scrypt_running = 0
        self.rejected = 0

    # ------------------------------------------------------------ the request

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, receive, send)
            return
        if scope["type"] != "http":
            return  # no websockets
        secure = scope.get("scheme") == "https"
        send = _with_headers(send, secure)
        client = scope.get("client")
        ip = client[0] if client else "-"
        path: str = scope["path"]
        method: str = scope["method"]
        authorization = cookie = length = None
        for name, value in scope["headers"]:
            if name == b"authorization":
                authorization = value
            elif name == b"cookie":
                cookie = value
            elif name == b"content-length":
                length = value
        account: Account | None = None
        session: Session | None = None
        via = None
        if authorization is not None:
            found = await self._bearer(authorization, ip)
            if isinstance(found, tuple):
                await self._refuse(send, *found)
                return
            account, via = found, "bearer"
        elif cookie is not None:
            session = self._session(cookie)
            if session is not None:
                account = self.accounts.get(session.login)
                via = "cookie" if account is not None else None
        public = path.startswith(PUBLIC) or path == "/favicon.ico"
        if account is None:
            if not self.by_ip.take(ip):
                await self._refuse(send, 429, "too many requests from this address",
                                   self.by_ip.wait(ip))
                return
            if not public:
                if path.startswith("/api/") or path == "/api":
                    await self._refuse(send, 401, "authentication required: "
                                       "Authorization: Bearer SECRET")
                else:
                    await _redirect(send, "/login")
                return
        elif not self.by_account.take(account.login):
            await self._refuse(send, 429, "too many requests for this account",
                               self.by_account.wait(account.login))
            return
        if via == "cookie" and method in UNSAFE and path.startswith("/api/"):
            token = _header(scope, b"x-csrf-token")
            if session is None or token is None or not secrets.compare_digest(
                    token.encode(), session.csrf.encode()):
                await self._refuse(send, 403, "missing or wrong CSRF token (X-CSRF-Token)")
                return
        if path == "/login" and method == "POST" and not self.login_by_ip.take(ip):
            await self._refuse(send, 429, "too many login attempts from this address",
                               self.login_by_ip.wait(ip))
            return
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                await self._refuse(send, 400, "invalid Content-Length")
                return
            if declared > self.settings.max_body:
                await self._refuse(send, 413, f"request body over {self.settings.max_body} "
                                   "bytes")
                return
        scope["state"] = {"account": account, "via": via, "session": session, "ip": ip,
                          "gate": self}
        await self.app(scope, self._capped(receive), send)

    def _capped(self, receive: Receive) -> Receive:
        """`receive` counting the body: past the cap, BodyTooLarge; too slow, BodyTooSlow."""
        seen = 0
        deadline = time.monotonic() + self.settings.body_seconds
        cap = self.settings.max_body

        async def capped() -> Message:
            nonlocal seen
            left = deadline - time.monotonic()
            try:
                message = await asyncio.wait_for(receive(), max(left, 0.001))
            except asyncio.TimeoutError:
                raise BodyTooSlow() from None
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > cap:
                    raise BodyTooLarge()
            return message

        return capped

    # ------------------------------------------------------------ who is asking

    async def _bearer(self, header: bytes, ip: str) -> Account | tuple[Any, ...]:
        """The account of a bearer secret, or (status, message[, retry]) to refuse."""
        scheme, _, token = header.partition(b" ")
        if scheme.lower() != b"bearer" or not token.strip():
            return 401, "unsupported Authorization: give 'Bearer SECRET'"
        secret = token.strip().decode("latin-1")
        key = hashlib.sha256(secret.encode("utf-8", "surrogateescape")).digest()
        cached = self.verified.get(key)
        if cached is not None:
            account = self.accounts.get(cached[0])
            if account is not None and account.hash == cached[1]:
                return account
            self.verified.pop(key)
        login = login_of(secret)
        account = self.accounts.get(login) if login else None
        if account is None:  # no scrypt for a secret naming no account
            if not self.by_ip.take(ip):
                return 429, "too many requests from this address", self.by_ip.wait(ip)
            return 401, "invalid credentials"
        if self.failures.empty(login) or self.failures.empty(ip) or \
                not self.login_by_ip.take(ip):
            return 429, "too many failed attempts; try again later", 10
        if self._scrypt_running >= SCRYPT_AT_ONCE:
            return 429, "too many logins at once; try again in a moment", 1
        ok = await self.check(secret, account)
        if not ok:
            self.failures.take(login)
            self.failures.take(ip)
            return 401, "invalid credentials"
        self.verified.put(key, (account.login, account.hash))
        return account

    async def check(self, secret: str, account: Account) -> bool:
        """scrypt in its own threads, `SCRYPT_AT_ONCE` at a time, off the event loop."""
        self._scrypt_running += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(
                self._scrypt, check_secret, secret, account.hash)
        finally:
            self._scrypt_running -= 1

    def _session(self, header: bytes) -> Session | None:
        try:
            jar = SimpleCookie(header.decode("latin-1"))
        except Exception:  # noqa: BLE001 - a malformed cookie is no session
            return None
        morsel = jar.get(SESSION_COOKIE)
        if morsel is None:
            return None
        session = self.sessions.get(morsel.value)
        if session is None or session.expires < time.time():
            return None
        return session

    def open_session(self, login: str) -> tuple[str, Session]:
        sid = secrets.token_urlsafe(32)
        session = Session(login)
        self.sessions.put(sid, session)
        return sid, session

    def close_session(self, sid: str) -> None:
        self.sessions.pop(sid)

    def login_throttled(self, login: str, ip: str) -> bool:
        return self.failures.empty(login) or self.failures.empty(ip) or \
            self._scrypt_running >= SCRYPT_AT_ONCE

    def login_failed(self, login: str, ip: str) -> None:
        self.failures.take(login)
        self.failures.take(ip)

    # ------------------------------------------------------------ answers

    async def _refuse(self, send: Send, status: int, message: str,
                      retry: int | None = None) -> None:
        self.rejected += 1
        headers = [(b"content-type", b"application/json")]
        if retry is not None:
            headers.append((b"retry-after", str(retry).encode()))
        if status == 401:
            headers.append((b"www-authenticate", b'Bearer realm="tracker"'))
        body = error_body(message)
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None


def _with_headers(send: Send, secure: bool) -> Send:
    extra = SECURITY_HEADERS + ([HSTS] if secure else [])

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            present = {k.lower() for k, _ in message.get("headers", [])}
            message["headers"] = list(message.get("headers", [])) + [
                h for h in extra if h[0] not in present]
        await send(message)

    return sending


async def _redirect(send: Send, where: str) -> None:
    await send({"type": "http.response.start", "status": 303,
                "headers": [(b"location", where.encode()), (b"content-length", b"0")]})
    await send({"type": "http.response.body", "body": b""})
