"""The HTML pages: the login form, logging out, the accounts (`views.py` has the rest).

Every value shown is escaped (`html.escape`); no page has inline script or style (the
CSP forbids both): the one stylesheet is `/static/tracker.css`. Every form that changes
something carries a CSRF token: the login form the one of a cookie set with it (double
submit), the others their session's.
"""

from __future__ import annotations

import html
import secrets
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from tracker.model import errors, language
from tracker.model.language import word
from tracker.model.values import text
from tracker.serve.accounts import ROLES, Accounts, login_of
from tracker.serve.gate import LOGIN_CSRF_COOKIE, SESSION_COOKIE, SESSION_SECONDS
from tracker.serve.work import Busy, Worker


def esc(value: Any) -> str:
    return html.escape(value if isinstance(value, str) else text(value, one_line=True),
                       quote=True)


def page(title: str, body: str, status: int = 200, headers: dict[str, str] | None = None
         ) -> HTMLResponse:
    return HTMLResponse(
        f"<!doctype html>\n<html lang=\"{esc(language.current())}\"><head>"
        "<meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{esc(title)}</title><link rel=\"stylesheet\" href=\"/static/tracker.css\">"
        f"</head><body>{body}</body></html>\n", status_code=status, headers=headers)


def _refused(key: str) -> HTMLResponse:
    return page(word("refused"), f"<p class=\"error\">{esc(word(key))}</p>", 403)


class Pages:
    def __init__(self, worker: Worker, accounts: Accounts, layout: Any = None) -> None:
        self.worker = worker
        self.accounts = accounts
        self.layout = layout  # (request, title, body, status): a page with the navigation

    def routes(self) -> list[Route]:
        return [Route("/login", self.login_form, methods=["GET"]),
                Route("/login", self.login, methods=["POST"]),
                Route("/logout", self.logout, methods=["POST"]),
                Route("/users", self.users, methods=["GET"]),
                Route("/users", self.change_users, methods=["POST"]),
                Route("/static/{name}", static, methods=["GET"])]

    # ------------------------------------------------------------ logging in and out

    def _login_page(self, request: Request, message: str = "", status: int = 200
                    ) -> HTMLResponse:
        token = secrets.token_urlsafe(32)
        error = f"<p class=\"error\" role=\"alert\">{esc(message)}</p>" if message else ""
        response = page(word("log_in"), f"""<h1>{esc(word('log_in'))}</h1>{error}
<form method="post" action="/login">
<input type="hidden" name="csrf" value="{esc(token)}">
<label>{esc(word('login'))} <input type="text" name="login" autocomplete="username" required>
</label><label>{esc(word('secret'))} <input type="password" name="secret"
autocomplete="current-password" required></label>
<button type="submit">{esc(word('log_in'))}</button></form>""", status)
        response.set_cookie(LOGIN_CSRF_COOKIE, token, max_age=3600, httponly=True,
                            samesite="strict", secure=request.url.scheme == "https",
                            path="/login")
        return response

    async def login_form(self, request: Request) -> Response:
        return self._login_page(request)

    async def login(self, request: Request) -> Response:
        gate = request.state.gate
        form = await request.form()
        token = str(form.get("csrf") or "")
        expected = request.cookies.get(LOGIN_CSRF_COOKIE) or ""
        if not token or not secrets.compare_digest(token.encode(), expected.encode()):
            return self._login_page(request, word("login_csrf"), 403)
        login = str(form.get("login") or "").strip()
        secret = str(form.get("secret") or "").strip()
        ip = request.state.ip
        account = self.accounts.get(login) if login_of(secret) == login else None
        if account is not None and gate.login_throttled(login, ip):
            return self._login_page(request, word("too_many"), 429)
        if account is None or not await gate.check(secret, account):
            gate.login_failed(login or "-", ip)
            return self._login_page(request, word("wrong_login"), 401)
        sid, _ = gate.open_session(account.login)
        response = RedirectResponse("/", status_code=303)
        response.set_cookie(SESSION_COOKIE, sid, max_age=SESSION_SECONDS, httponly=True,
                            samesite="strict", secure=request.url.scheme == "https")
        response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
        return response

    async def logout(self, request: Request) -> Response:
        session = request.state.session
        form = await request.form()
        if not _csrf_ok(session, form):
            return _refused("bad_csrf")
        gate = request.state.gate
        sid = request.cookies.get(SESSION_COOKIE)
        if sid:
            gate.close_session(sid)
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE)
        return response

    # ------------------------------------------------------------ accounts (admins)

    def _users_page(self, request: Request, message: str = "", secret: str = "",
                    status: int = 200) -> HTMLResponse:
        session = request.state.session
        csrf = f"<input type=\"hidden\" name=\"csrf\" value=\"{esc(session.csrf)}\">" \
            if session is not None else ""
        rows = "".join(
            f"<tr><td>{esc(a.login)}</td><td>{esc(a.role)}</td><td>{esc(a.team or '')}</td>"
            f"<td>{esc(a.name or '')}</td><td>{esc(a.email or '')}</td><td>"
            f"<form class=\"inline\" method=\"post\" action=\"/users\">{csrf}"
            f"<input type=\"hidden\" name=\"login\" value=\"{esc(a.login)}\">"
            f"<button name=\"action\" value=\"reset\">{esc(word('new_secret'))}</button> "
            f"<button name=\"action\" value=\"remove\">{esc(word('remove').capitalize())}"
            "</button></form></td></tr>"
            for a in self.accounts.all())
        roles = "".join(f"<option>{esc(r)}</option>" for r in ROLES)
        note = f"<p class=\"error\" role=\"alert\">{esc(message)}</p>" if message else ""
        shown = (f"<p>{esc(word('secret_once'))} <code>{esc(secret)}</code></p>"
                 if secret else "")
        title = word("accounts")
        heads = "".join(f"<th>{esc(word(k))}</th>" for k in ("login", "role", "team", "name",
                                                              "email"))
        return (self.layout or _plain)(request, title, f"""<h1>{esc(title)}</h1>{note}{shown}
<div class="scroll"><table><thead><tr>{heads}<th></th></tr></thead><tbody>{rows}</tbody>
</table></div>
<h2>{esc(word('add_account'))}</h2><form method="post" action="/users">{csrf}
<input type="hidden" name="action" value="add">
<label>{esc(word('login'))} <input type="text" name="login" required></label>
<label>{esc(word('role'))} <select name="role">{roles}</select></label>
<label>{esc(word('team'))} <input type="text" name="team"></label>
<label>{esc(word('name'))} <input type="text" name="name"></label>
<label>{esc(word('email'))} <input type="text" name="email"></label>
<button type="submit">{esc(word('add_button'))}</button></form>""", status)

    async def users(self, request: Request) -> Response:
        account = request.state.account
        if not account.at_least("admin"):
            return _refused("admins_only")
        return self._users_page(request)

    async def change_users(self, request: Request) -> Response:
        account = request.state.account
        form = await request.form()
        if not _csrf_ok(request.state.session, form):
            return _refused("bad_csrf")
        if not account.at_least("admin"):
            return _refused("admins_only")
        action = str(form.get("action") or "")
        login = str(form.get("login") or "").strip()

        def job() -> str:
            if action == "add":
                def given(key: str) -> str | None:
                    return str(form.get(key) or "").strip() or None
                return self.accounts.add(login, str(form.get("role") or ""), given("team"),
                                         given("name"), given("email"))
            if action == "reset":
                return self.accounts.reset(login)
            if action == "remove":
                if login == account.login:
                    raise errors.TrackerError("an admin does not remove their own account "
                                              "here (tracker user remove does)")
                self.accounts.remove(login)
                return ""
            raise errors.UsageError("unknown action")

        try:
            secret = await self.worker.write(job)
        except (errors.TrackerError, Busy) as e:
            return self._users_page(request, str(e), status=422)
        done = {"add": "added", "reset": "given a new secret", "remove": "removed"}[action]
        return self._users_page(request, f"{login} {done}.", secret)


def _plain(request: Request, title: str, body: str, status: int = 200) -> HTMLResponse:
    return page(title, body, status)


def _csrf_ok(session: Any, form: Any) -> bool:
    return session is not None and secrets.compare_digest(
        str(form.get("csrf") or "").encode(), session.csrf.encode())


STATIC = Path(__file__).resolve().parent / "static"
TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8",
         ".svg": "image/svg+xml", ".png": "image/png", ".txt": "text/plain; charset=utf-8",
         ".webmanifest": "application/manifest+json"}


async def static(request: Request) -> Response:
    """A file of `tracker/serve/static/` (vendored scripts with their licences, the
    stylesheet): only a plain name of a file that is there, never a path."""
    name = request.path_params["name"]
    file = STATIC / name
    if ("/" in name or "\\" in name or name.startswith(".") or file.suffix not in TYPES
            or not file.is_file()):
        return Response("no such file", status_code=404, media_type="text/plain")
    return Response(file.read_bytes(), media_type=TYPES[file.suffix],
                    headers={"cache-control": "max-age=3600"})
