"""`tracker serve`: a real server process on a free loopback port, driven over HTTP.

Every API call and error code; accounts and roles; CSRF; the body cap; the login
throttle; idempotency across a restart; each acknowledged write a commit by the account
with a minimal diff. The server is the installed `tracker serve --port 0`; the tests
speak to it with http.client only.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import subprocess
import sys
import time
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import urlencode

import pytest

from tests.conftest import PINNED
from tests.helpers import tracker_exe

Answer = tuple[int, dict[str, str], Any]


# ------------------------------------------------------------ a repository and a server


def _env(home: Path) -> dict[str, str]:
    config = home / ".gitconfig"
    config.write_text("[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n")
    env = {**os.environ, **PINNED, "HOME": str(home), "GIT_CONFIG_GLOBAL": str(config)}
    env.pop("TRACKER_NOW", None)
    return env


def _run(folder: Path, env: dict[str, str], *args: str) -> str:
    done = subprocess.run([*tracker_exe(), *args], cwd=folder, env=env, text=True,
                          capture_output=True, encoding="utf-8")
    assert done.returncode == 0, done.stderr
    return done.stdout


def _git(folder: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=folder, text=True, capture_output=True,
                          check=True).stdout


class Served:
    """A campaign tracker with two teams and four accounts, and its server."""

    def __init__(self, root: Path, env: dict[str, str]) -> None:
        self.root, self.env = root, env
        self.proc: subprocess.Popen[str] | None = None
        self.url = ""
        self.port = 0

    def start(self, *options: str) -> None:
        self.proc = subprocess.Popen([*tracker_exe(), "serve", "--port", "0", *options],
                                     cwd=self.root,
                                     env=self.env, text=True, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)
        assert self.proc.stderr is not None
        line = self.proc.stderr.readline()
        found = re.search(r"http://127\.0\.0\.1:(\d+)", line)
        assert found, f"no address in {line!r}"
        self.port = int(found.group(1))
        self.url = found.group(0)
        for _ in range(100):
            try:
                if self.call("GET", "/healthz")[0] == 200:
                    return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("the server did not answer")

    def stop(self) -> str:
        assert self.proc is not None and self.proc.stderr is not None
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        log = self.proc.stderr.read()
        self.proc = None
        return log

    def call(self, method: str, path: str, body: Any = None, secret: str | None = None,
             headers: dict[str, str] | None = None, raw: bytes | None = None) -> Answer:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        sent = dict(headers or {})
        if secret is not None:
            sent["Authorization"] = f"Bearer {secret}"
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
            sent.setdefault("Content-Type", "application/json")
        try:
            conn.request(method, path, body=data, headers=sent)
            response = conn.getresponse()
            payload = response.read()
            got = {k.lower(): v for k, v in response.getheaders()}
            got["set-cookie"] = "\n".join(v for k, v in response.getheaders()
                                          if k.lower() == "set-cookie")
            status = response.status
        finally:
            conn.close()
        kind = got.get("content-type", "")
        value: Any = json.loads(payload) if kind.startswith("application/json") else \
            payload.decode("utf-8", "replace")
        return status, got, value


def fresh_tracker(tmp: Path, *init: str) -> tuple[Path, dict[str, str]]:
    """A private home and a new repository under `tmp`, with `tracker init INIT…` run."""
    home = tmp / "home"
    home.mkdir()
    env = _env(home)
    root = tmp / "repo"
    root.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=root, env=env, check=True)
    _run(root, env, "init", *init)
    return root, env


def _prepare(tmp: Path) -> tuple[Served, dict[str, str], dict[str, str]]:
    root, env = fresh_tracker(tmp, "--template", "campaign")
    teams = {name: _run(root, env, "new", "team", f"Équipe {name}").strip()
             for name in ("a", "b")}
    secrets = {}
    for login, role, team in (("coord", "coordinator", None), ("rep", "reporter", "a"),
                              ("view", "viewer", None), ("boss", "admin", None)):
        args = ["user", "add", login, "--role", role, "--name", f"{login.title()} Person",
                "--email", f"{login}@example.org"]
        if team:
            args += ["--team", teams[team]]
        secrets[login] = _run(root, env, *args).splitlines()[-1]
    return Served(root, env), secrets, teams


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Served, dict, dict]]:
    server, secrets, teams = _prepare(tmp_path_factory.mktemp("serve"))
    server.start()
    yield server, secrets, teams
    log = server.stop()
    assert "Traceback" not in log, log


def _session(server: Served, secret: str, team: str, **fields: Any) -> Answer:
    body = {"kind": "session", "title": "Porte-à-porte",
            "fields": {"date": "2026-03-02", "team": team, **fields}}
    return server.call("POST", "/api/items", body, secret)


def _head_commit(root: Path) -> dict[str, str]:
    out = _git(root, "log", "-1", "--format=%H%n%an%n%ae%n%s")
    sha, name, email, subject = out.splitlines()
    return {"sha": sha, "name": name, "email": email, "subject": subject}


# ------------------------------------------------------------ who may come in


def test_no_credentials_is_401_json_with_the_security_headers(served):
    server, _, _ = served
    status, headers, body = server.call("GET", "/api/items")
    assert status == 401
    assert body["error"] and body["problems"] == []
    csp = headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"


def test_a_wrong_or_malformed_secret_is_401(served):
    server, secrets, _ = served
    assert server.call("GET", "/api/items", secret="coord.not-the-secret")[0] == 401
    assert server.call("GET", "/api/items", secret="nobody.x")[0] == 401
    status, _, body = server.call("GET", "/api/items", headers={"Authorization": "Basic eA=="})
    assert status == 401 and "Bearer" in body["error"]


def test_pages_without_a_session_go_to_the_login_form(served):
    server, _, _ = served
    status, headers, _ = server.call("GET", "/")
    assert status == 303 and headers["location"] == "/login"
    status, headers, page = server.call("GET", "/login")
    assert status == 200 and "<form" in page and 'name="csrf"' in page
    assert "<script" not in page  # the CSP forbids inline script; the page has none


def test_static_files_are_plain_names_of_the_package_folder_only(served):
    server, _, _ = served
    status, headers, css = server.call("GET", "/static/tracker.css")
    assert status == 200 and headers["content-type"].startswith("text/css") and "body{" in css
    for path in ("/static/app.py", "/static/..%2Fapp.py", "/static/%2e%2e%2fgate.py",
                 "/static/.hidden.css", "/static/nothing.css", "/static/..\\app.py"):
        assert server.call("GET", path)[0] == 404, path


# ------------------------------------------------------------ the JSON API


def test_list_and_show_are_the_cli_shapes(served):
    server, secrets, teams = served
    status, _, rows = server.call("GET", "/api/items?kind=team&sort=title", secret=secrets["view"])
    assert status == 200
    cli = json.loads(_run(server.root, server.env, "list", "team", "--sort", "title",
                          "--format", "json"))
    assert rows == cli and len(rows) == 2
    status, _, rows = server.call("GET", "/api/items?" + urlencode(
        {"kind": "team", "where": "title == 'Équipe b'", "limit": "5"}), secret=secrets["view"])
    assert [r["id"] for r in rows] == [teams["b"]]
    status, headers, item = server.call("GET", f"/api/items/{teams['a']}", secret=secrets["view"])
    assert status == 200
    version = item.pop("version")
    assert headers["etag"] == f'"{version}"'
    assert version == _git(server.root, "hash-object", item["path"]).strip()
    assert item == json.loads(_run(server.root, server.env, "show", teams["a"], "--format",
                                   "json"))


def test_create_edit_move_each_one_commit_by_the_account_with_a_minimal_diff(served):
    server, secrets, teams = served
    status, _, made = _session(server, secrets["coord"], teams["b"], knocked=10, not_home=10)
    assert status == 201 and set(made) == {"id", "path", "commit"}
    head = _head_commit(server.root)
    assert head["sha"] == made["commit"]
    assert (head["name"], head["email"]) == ("Coord Person", "coord@example.org")
    assert _git(server.root, "show", "--name-status", "--format=", made["commit"]).split() == \
        ["A", made["path"]]
    status, _, edited = server.call("PATCH", f"/api/items/{made['id']}",
                                    {"fields": {"volunteers": 3}}, secrets["coord"])
    assert status == 200 and edited["id"] == made["id"]
    assert _head_commit(server.root)["sha"] == edited["commit"]
    numstat = _git(server.root, "show", "--numstat", "--format=", edited["commit"]).split()
    assert numstat == ["1", "0", made["path"]]  # one line added, nothing else touched
    assert "status: planned" in (server.root / made["path"]).read_text()  # the initial one
    status, _, moved = server.call("POST", f"/api/items/{made['id']}/move",
                                   {"status": "done"}, secrets["coord"])
    assert status == 200, moved
    assert _git(server.root, "show", "--numstat", "--format=", moved["commit"]).split() == \
        ["1", "1", made["path"]]
    assert "status: done" in (server.root / made["path"]).read_text()
    # a move to where it is already changes nothing: no commit
    status, _, same = server.call("POST", f"/api/items/{made['id']}/move",
                                  {"status": "done"}, secrets["coord"])
    assert status == 200 and same["commit"] is None
    assert _git(server.root, "status", "--porcelain") == ""


def test_a_move_the_workflow_refuses_is_422_naming_the_allowed_ones(served):
    server, secrets, teams = served
    _, _, made = _session(server, secrets["coord"], teams["a"])
    status, _, body = server.call("POST", f"/api/items/{made['id']}/move",
                                  {"status": "validated"}, secrets["coord"])
    assert status == 422 and "allowed: done" in body["error"]


def test_error_codes_are_json_one_line(served):
    server, secrets, teams = served
    c = secrets["coord"]
    assert server.call("GET", "/api/items/ses-nothere", secret=c)[0] == 404
    status, _, body = server.call("GET", "/api/items?where=" + "status%20%3D%3D", secret=c)
    assert status == 400 and "\n" not in body["error"]
    assert server.call("GET", "/api/items?limit=many", secret=c)[0] == 400
    status, _, body = server.call("POST", "/api/items", raw=b"{not json", secret=c,
                                  headers={"Content-Type": "application/json"})
    assert status == 400 and "Traceback" not in body["error"]
    assert server.call("POST", "/api/items", ["a list"], c)[0] == 400
    status, _, body = _session(server, c, teams["a"], knocked="many")
    assert status == 422 and body["problems"][0]["field"] == "knocked"
    status, _, body = server.call("POST", "/api/items", {"kind": "session"}, c)
    assert status == 422 and body["problems"] == [{"field": "title", "message": "required"}]
    status, _, body = _session(server, c, teams["a"], knocked=5, positive=1)  # a rule
    assert status == 422 and "knocked" in body["error"]
    assert server.call("GET", "/api/items/../../etc/passwd", secret=c)[0] == 404
    assert server.call("GET", "/api/items/%2e%2e%2fconfig", secret=c)[0] in (400, 404)
    assert server.call("DELETE", f"/api/items/{teams['a']}", secret=c)[0] == 405


def test_oversize_bodies_are_413_declared_or_streamed(served):
    server, secrets, _ = served
    big = b'{"kind": "session", "title": "' + b"x" * 400_000 + b'"}'
    status, _, body = server.call("POST", "/api/items", raw=big, secret=secrets["coord"],
                                  headers={"Content-Type": "application/json"})
    assert status == 413 and body["error"]
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    conn.putrequest("POST", "/api/items")
    conn.putheader("Authorization", f"Bearer {secrets['coord']}")
    conn.putheader("Content-Type", "application/json")
    conn.putheader("Transfer-Encoding", "chunked")
    conn.endheaders()
    try:
        for _ in range(40):  # 40 chunks of 16 KiB: the cap is passed before the end
            conn.send(b"4000\r\n" + b" " * 0x4000 + b"\r\n")
        conn.send(b"0\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass
    response = conn.getresponse()
    assert response.status == 413
    conn.close()


# ------------------------------------------------------------ roles


def test_a_viewer_reads_but_never_writes(served):
    server, secrets, teams = served
    v = secrets["view"]
    assert server.call("GET", "/api/items", secret=v)[0] == 200
    before = _head_commit(server.root)["sha"]
    assert _session(server, v, teams["a"])[0] == 403
    assert server.call("PATCH", f"/api/items/{teams['a']}", {"fields": {"recruited": 1}},
                       v)[0] == 403
    assert server.call("POST", f"/api/items/{teams['a']}/move", {"status": "active"},
                       v)[0] == 403
    assert _head_commit(server.root)["sha"] == before


def test_a_reporter_writes_the_sessions_of_their_own_team_only(served):
    server, secrets, teams = served
    r = secrets["rep"]
    status, _, own = _session(server, r, teams["a"], knocked=4, not_home=4)
    assert status == 201
    assert _head_commit(server.root)["email"] == "rep@example.org"
    status, _, body = _session(server, r, teams["b"])
    assert status == 403 and body["error"]
    _, _, theirs = _session(server, secrets["coord"], teams["b"])
    assert server.call("PATCH", f"/api/items/{theirs['id']}", {"fields": {"volunteers": 2}},
                       r)[0] == 403
    assert server.call("PATCH", f"/api/items/{own['id']}", {"fields": {"volunteers": 2}},
                       r)[0] == 200
    # moving their own session to the other team is writing another team's session
    assert server.call("PATCH", f"/api/items/{own['id']}", {"fields": {"team": teams["b"]}},
                       r)[0] == 403
    assert server.call("POST", f"/api/items/{own['id']}/move", {"status": "done"},
                       r)[0] == 403
    status, _, _ = server.call("POST", "/api/items", {"kind": "team", "title": "Mine"}, r)
    assert status == 403


# ------------------------------------------------------------ two people, one item


def test_concurrent_edits_merge_fields_and_refuse_the_same_field_with_both_values(served):
    server, secrets, teams = served
    c = secrets["coord"]
    _, _, made = _session(server, c, teams["a"])
    _, _, read = server.call("GET", f"/api/items/{made['id']}", secret=c)
    at = read["version"]
    assert server.call("PATCH", f"/api/items/{made['id']}",
                       {"fields": {"volunteers": 2}, "version": at}, c)[0] == 200
    status, _, merged = server.call("PATCH", f"/api/items/{made['id']}",
                                    {"fields": {"leaflets_left": 30}, "version": at}, c)
    assert status == 200  # another field: merged
    text = (server.root / made["path"]).read_text()
    assert "volunteers: 2" in text and "leaflets_left: 30" in text
    status, _, body = server.call("PATCH", f"/api/items/{made['id']}",
                                  {"fields": {"volunteers": 5}, "version": at}, c)
    assert status == 409
    assert body["conflicts"] == {"volunteers": {"yours": 5, "theirs": 2}}
    assert body["problems"][0]["field"] == "volunteers"
    assert "volunteers: 2" in (server.root / made["path"]).read_text()  # not overwritten
    status, _, _ = server.call("PATCH", f"/api/items/{made['id']}",  # the version as If-Match
                               {"fields": {"volunteers": 7}}, c, {"If-Match": f'"{at}"'})
    assert status == 409
    # a form sends every field: one unchanged since it was read keeps the other's value
    status, _, _ = server.call("PATCH", f"/api/items/{made['id']}",
                               {"fields": {"volunteers": None, "other": 1}, "version": at}, c)
    assert status == 200
    assert "volunteers: 2" in (server.root / made["path"]).read_text()


# ------------------------------------------------------------ idempotency


def test_a_repeated_post_answers_with_the_first_commit(served):
    server, secrets, teams = served
    c = secrets["coord"]
    body = {"kind": "session", "title": "Une fois", "fields": {"date": "2026-03-03",
                                                             "team": teams["a"]}}
    key = {"Idempotency-Key": "phone-42-0001"}
    first = server.call("POST", "/api/items", body, c, key)
    count = len(_git(server.root, "log", "--format=%H").split())
    again = server.call("POST", "/api/items", body, c, key)
    assert first[0] == again[0] == 201 and first[2] == again[2]
    assert again[1].get("idempotent-replayed") == "true"
    assert len(_git(server.root, "log", "--format=%H").split()) == count
    status, _, refused = server.call("POST", "/api/items", {**body, "title": "Autre"}, c, key)
    assert status == 422 and "Idempotency-Key" in refused["error"]
    # another account's same key is its own
    assert _session(server, secrets["rep"], teams["a"])[0] == 201
    assert server.call("POST", "/api/items", body, secrets["rep"], key)[2] != first[2]


# ------------------------------------------------------------ the browser


def _cookie(headers: dict[str, str], name: str) -> Any:
    for line in headers["set-cookie"].splitlines():
        jar: SimpleCookie = SimpleCookie(line)
        if name in jar and jar[name].value:
            return jar[name]
    raise AssertionError(f"no cookie {name} in {headers['set-cookie']!r}")


class Browser:
    """One logged-in person, as a browser without JavaScript is: the session cookie, the
    pages they open and the forms they post (pairs, or a dict), the session's CSRF token."""

    def __init__(self, server: Served, login: str, secret: str) -> None:
        self.server = server
        status, sid = _login(server, login, secret)
        assert status == 303 and sid
        self.cookie = {"Cookie": f"tracker_session={sid}"}
        self._csrf: str | None = None

    @property
    def csrf(self) -> str:
        if self._csrf is None:
            self._csrf = self.server.call("GET", "/api/me", headers=self.cookie)[2]["csrf"]
        return self._csrf

    def get(self, path: str) -> tuple[int, dict[str, str], str]:
        return self.server.call("GET", path, headers=self.cookie)

    def page(self, path: str) -> tuple[int, str]:
        status, _, page = self.get(path)
        return status, page

    def post(self, path: str, form: dict[str, str] | list[tuple[str, str]]
             ) -> tuple[int, dict[str, str], str]:
        return self.server.call("POST", path, raw=urlencode(form).encode(),
                                headers={**self.cookie, "Content-Type": "application/x-www-form-urlencoded"})

    def check(self, body: dict[str, Any], csrf: str) -> tuple[int, Any]:
        status, _, data = self.server.call("POST", "/api/check", body,
                                           headers={**self.cookie, "X-CSRF-Token": csrf})
        return status, data


def _login(server: Served, login: str, secret: str) -> tuple[int, str | None]:
    status, headers, page = server.call("GET", "/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    cookie = _cookie(headers, "tracker_login_csrf").value
    status, headers, _ = server.call(
        "POST", "/login", raw=urlencode({"csrf": token, "login": login, "secret": secret}
                                        ).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded",
                 "Cookie": f"tracker_login_csrf={cookie}"})
    if status != 303:
        return status, None
    morsel = _cookie(headers, "tracker_session")
    assert morsel["httponly"] and morsel["samesite"].lower() == "strict"
    return status, morsel.value


def test_login_session_cookie_and_csrf(served):
    server, secrets, teams = served
    status, sid = _login(server, "coord", secrets["coord"])
    assert status == 303 and sid
    cookie = {"Cookie": f"tracker_session={sid}"}
    status, _, page = server.call("GET", "/", headers=cookie)
    assert status == 200 and "coordinator" in page
    status, _, me = server.call("GET", "/api/me", headers=cookie)
    assert me["login"] == "coord"
    body = {"kind": "session", "title": "Par le navigateur",
            "fields": {"date": "2026-03-04", "team": teams["a"]}}
    status, _, refused = server.call("POST", "/api/items", body, headers=cookie)
    assert status == 403 and "CSRF" in refused["error"]
    status, _, _ = server.call("POST", "/api/items", body,
                               headers={**cookie, "X-CSRF-Token": "forged"})
    assert status == 403
    status, _, made = server.call("POST", "/api/items", body,
                                  headers={**cookie, "X-CSRF-Token": me["csrf"]})
    assert status == 201
    # the logout form without its token is refused; with it, the session ends
    form = {**cookie, "Content-Type": "application/x-www-form-urlencoded"}
    assert server.call("POST", "/logout", raw=b"", headers=form)[0] == 403
    status, _, _ = server.call("POST", "/logout", raw=urlencode({"csrf": me["csrf"]}).encode(),
                               headers=form)
    assert status == 303
    assert server.call("GET", "/api/me", headers=cookie)[0] == 401


def test_the_login_form_refuses_a_post_without_its_csrf_token(served):
    server, secrets, _ = served
    status, _, page = server.call(
        "POST", "/login", raw=urlencode({"login": "coord", "secret": secrets["coord"]}).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 403 and "CSRF" in page


def test_a_title_with_script_is_rendered_escaped(served):
    server, secrets, teams = served
    title = "<script>alert('x')</script> & co"
    status, _, made = server.call("POST", "/api/items", {
        "kind": "session", "title": title, "fields": {"date": "2026-03-05", "team": teams["a"]}},
        secrets["coord"])
    assert status == 201
    status, headers, page = server.call("GET", "/?kind=session", secret=secrets["view"])
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; co" in page
    assert "frame-ancestors 'none'" in headers["content-security-policy"]


# ------------------------------------------------------------ accounts


def test_accounts_live_outside_the_work_tree_hashed(served):
    server, secrets, _ = served
    users = server.root / ".git" / "tracker-serve" / "users.json"
    assert oct(users.stat().st_mode & 0o777) == "0o600"
    text = users.read_text()
    assert secrets["coord"] not in text and secrets["coord"].split(".")[1] not in text
    assert "scrypt$" in text
    assert _git(server.root, "status", "--porcelain", "--ignored") == ""
    listed = json.loads(_run(server.root, server.env, "user", "list", "--format", "json"))
    assert [a["login"] for a in listed] == ["boss", "coord", "rep", "view"]
    assert all("hash" not in a for a in listed)
    done = subprocess.run([*tracker_exe(), "user", "add", "Bad Login", "--role", "viewer"],
                          cwd=server.root, env=server.env, capture_output=True, text=True)
    assert done.returncode != 0 and "invalid login" in done.stderr
    assert "Traceback" not in done.stderr


def test_reset_and_remove_take_effect_on_the_running_server(served):
    server, _, _ = served
    secret = _run(server.root, server.env, "user", "add", "temp", "--role",
                  "viewer").splitlines()[-1]
    assert server.call("GET", "/api/items?limit=1", secret=secret)[0] == 200
    new = _run(server.root, server.env, "user", "reset", "temp").splitlines()[-1]
    assert new != secret
    assert server.call("GET", "/api/items?limit=1", secret=secret)[0] == 401
    assert server.call("GET", "/api/items?limit=1", secret=new)[0] == 200
    _run(server.root, server.env, "user", "remove", "temp")
    assert server.call("GET", "/api/items?limit=1", secret=new)[0] == 401


# ------------------------------------------------------------ floods, restarts


def test_floods_are_throttled_and_idempotency_survives_a_restart(tmp_path):
    server, secrets, teams = _prepare(tmp_path)
    server.start()
    try:
        body = {"kind": "session", "title": "Avant", "fields": {"date": "2026-03-06",
                                                               "team": teams["a"]}}
        key = {"Idempotency-Key": "before-restart"}
        first = server.call("POST", "/api/items", body, secrets["rep"], key)
        assert first[0] == 201
        server.stop()
        server.start()
        again = server.call("POST", "/api/items", body, secrets["rep"], key)
        assert again[0] == 201 and again[2] == first[2]
        # a flood of logins: throttled (429) before any secret is checked
        codes = []
        for n in range(30):
            status, _, _ = server.call(
                "POST", "/login", raw=urlencode({"csrf": "x", "login": "coord",
                                                 "secret": f"coord.wrong{n}"}).encode(),
                headers={"Content-Type": "application/x-www-form-urlencoded",
                         "Cookie": "tracker_login_csrf=x"})
            codes.append(status)
        assert codes[0] == 401 and 429 in codes
        # wrong secrets by bearer: throttled too
        codes = [server.call("GET", "/api/items", secret=f"coord.wrong{n}")[0]
                 for n in range(12)]
        assert set(codes) <= {401, 429} and codes[-1] == 429
        # a known, verified secret still gets in while its address is throttled
        assert server.call("GET", "/api/items?limit=1", secret=secrets["rep"])[0] == 200
        # requests without credentials from one address: 401, then 429
        codes = [server.call("GET", "/api/items")[0] for _ in range(60)]
        assert codes[0] == 401 and codes[-1] == 429
        status, headers, _ = server.call("GET", "/api/items")
        assert status == 429 and int(headers["retry-after"]) >= 1
    finally:
        log = server.stop()
    assert "Traceback" not in log, log


def test_other_commands_load_no_server_library(repo):
    code = ("import sys\nfrom tracker.cli.fast import main\nsys.argv = ['tracker', 'list']\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('starlette', 'uvicorn', 'multipart', 'tracker.serve')"
            " if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], cwd=repo, capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_a_patch_of_fields_and_body_is_one_commit_and_a_body_clash_is_409(served):
    server, secrets, teams = served
    c = secrets["coord"]
    _, _, made = _session(server, c, teams["a"])
    _, _, read = server.call("GET", f"/api/items/{made['id']}", secret=c)
    count = len(_git(server.root, "log", "--format=%H").split())
    status, _, done = server.call("PATCH", f"/api/items/{made['id']}",
                                  {"fields": {"volunteers": 4}, "body": "Bon accueil.",
                                   "version": read["version"]}, c)
    assert status == 200
    assert len(_git(server.root, "log", "--format=%H").split()) == count + 1
    assert _git(server.root, "show", "--numstat", "--format=", done["commit"]).split() == \
        ["2", "0", made["path"]]  # the field's line and the body's, nothing else
    _, _, now = server.call("GET", f"/api/items/{made['id']}", secret=c)
    assert now["body"] == "Bon accueil.\n" and now["volunteers"] == 4
    status, _, body = server.call("PATCH", f"/api/items/{made['id']}",
                                  {"body": "Mauvais accueil.", "version": read["version"]}, c)
    assert status == 409 and body["conflicts"]["body"]["theirs"] == "Bon accueil.\n"
    # the body sent back as it was read keeps theirs; the field still changes
    status, _, _ = server.call("PATCH", f"/api/items/{made['id']}",
                               {"fields": {"other": 0}, "body": "", "version": read["version"]},
                               c)
    assert status == 200
    assert (server.root / made["path"]).read_text().endswith("Bon accueil.\n")


def test_sync_makes_the_server_one_clone_among_others(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    env = _env(home)
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], env=env, check=True)
    served_clone, other = tmp_path / "server", tmp_path / "other"
    subprocess.run(["git", "clone", "-q", str(remote), str(served_clone)], env=env, check=True)
    _run(served_clone, env, "init")
    subprocess.run(["git", "push", "-q", "-u", "origin", "HEAD"], cwd=served_clone, env=env,
                   check=True)
    subprocess.run(["git", "clone", "-q", str(remote), str(other)], env=env, check=True)
    secret = _run(served_clone, env, "user", "add", "coord", "--role",
                  "coordinator").splitlines()[-1]
    server = Served(served_clone, env)
    server.start("--sync", "1")
    try:
        theirs = _run(other, env, "new", "issue", "From the other clone").strip()
        subprocess.run(["git", "push", "-q", "origin", "HEAD"], cwd=other, env=env, check=True)
        status, _, made = server.call("POST", "/api/items", {"kind": "issue",
                                                             "title": "From the server"}, secret)
        assert status == 201
        for _ in range(100):  # the next sync merges theirs and pushes ours
            time.sleep(0.1)
            pushed = _git(remote, "log", "--format=%s", "main")
            if "From the server" in pushed and server.call(
                    "GET", f"/api/items/{theirs}", secret=secret)[0] == 200:
                break
        else:
            raise AssertionError("sync did not exchange the two commits")
    finally:
        log = server.stop()
    assert "Traceback" not in log and "sync failed" not in log, log


def test_admins_manage_accounts_over_the_api_and_no_one_else(served):
    server, secrets, teams = served
    boss = secrets["boss"]
    for other in ("coord", "view", "rep"):
        assert server.call("GET", "/api/users", secret=secrets[other])[0] == 403
        assert server.call("POST", "/api/users", {"login": "x", "role": "admin"},
                           secrets[other])[0] == 403
    status, _, listed = server.call("GET", "/api/users", secret=boss)
    assert status == 200 and "boss" in [a["login"] for a in listed]
    assert all("hash" not in a for a in listed)
    status, _, made = server.call("POST", "/api/users", {
        "login": "chef-b", "role": "reporter", "team": teams["b"], "name": "Chef B"}, boss)
    assert status == 201 and made["secret"].startswith("chef-b.")
    assert _session(server, made["secret"], teams["b"])[0] == 201
    assert _head_commit(server.root)["name"] == "Chef B"
    assert server.call("POST", "/api/users", {"login": "chef-b", "role": "viewer"},
                       boss)[0] == 422
    assert server.call("POST", "/api/users", {"login": "Bad Login", "role": "viewer"},
                       boss)[0] == 400
    status, _, reset = server.call("POST", "/api/users/chef-b/reset", {}, boss)
    assert status == 200 and reset["secret"] != made["secret"]
    assert server.call("GET", "/api/me", secret=made["secret"])[0] == 401
    assert server.call("DELETE", "/api/users/chef-b", secret=boss)[0] == 200
    assert server.call("GET", "/api/me", secret=reset["secret"])[0] == 401
    assert server.call("DELETE", "/api/users/chef-b", secret=boss)[0] == 404
    assert server.call("DELETE", "/api/users/boss", secret=boss)[0] == 422


def test_admins_manage_accounts_from_the_browser_with_csrf_protected_forms(tmp_path):
    # Its own server: it logs in three times and proves a new secret, and the shared
    # server's per-address login budget (10, then one per 2 s) is spent by the others.
    server, secrets, _ = _prepare(tmp_path)
    server.start()
    try:
        _admin_pages(server, secrets)
    finally:
        log = server.stop()
    assert "Traceback" not in log, log


def _admin_pages(server: Served, secrets: dict[str, str]) -> None:
    _, sid = _login(server, "boss", secrets["boss"])
    cookie = {"Cookie": f"tracker_session={sid}"}
    status, _, page = server.call("GET", "/users", headers=cookie)
    assert status == 200 and "coord" in page and "scrypt" not in page
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    form = {**cookie, "Content-Type": "application/x-www-form-urlencoded"}
    add = {"action": "add", "login": "web-made", "role": "viewer", "name": 'Web & "Co"'}
    assert server.call("POST", "/users", raw=urlencode(add).encode(), headers=form)[0] == 403
    status, _, page = server.call("POST", "/users", raw=urlencode({**add, "csrf": csrf}).encode(),
                                  headers=form)
    assert status == 200 and "Web &amp; &quot;Co&quot;" in page and 'Web & "Co"' not in page
    secret = re.search(r"<code>([^<]+)</code>", page).group(1)
    assert server.call("GET", "/api/me", secret=secret)[2]["login"] == "web-made"
    status, _, page = server.call("POST", "/users", raw=urlencode(
        {"action": "remove", "login": "web-made", "csrf": csrf}).encode(), headers=form)
    assert status == 200 and server.call("GET", "/api/me", secret=secret)[0] == 401
    _, coord = _login(server, "coord", secrets["coord"])
    assert server.call("GET", "/users", headers={"Cookie": f"tracker_session={coord}"})[0] == 403


def test_slow_clients_are_cut_off_and_the_limits_come_from_the_config(tmp_path):
    server, secrets, _ = _prepare(tmp_path)
    config = server.root / ".tracker" / "config.yaml"
    original = config.read_text()
    config.write_text(original.replace("\nserve:\n", "\nserve:\n  limits: {head_seconds: 1, "
                                        "body_seconds: 1, max_body: 2000}\n", 1))
    server.start()
    try:
        def closed_within(sock: Any, seconds: float, until: bytes | None = None) -> bytes:
            sock.settimeout(seconds)
            data = b""
            while until is None or until not in data:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                data += chunk
            return data

        import socket
        idle = socket.create_connection(("127.0.0.1", server.port))
        assert closed_within(idle, 5) == b""  # no byte at all: closed
        partial = socket.create_connection(("127.0.0.1", server.port))
        partial.sendall(b"GET /api/items HTTP/1.1\r\nHost: x\r\n")  # the head never ends
        assert closed_within(partial, 5) == b""
        slow = socket.create_connection(("127.0.0.1", server.port))
        slow.sendall(b"POST /api/items HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                     + secrets["coord"].encode() + b"\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 100\r\n\r\n{\"kind\"")
        answer = closed_within(slow, 5, until=b"}")
        assert answer.startswith(b"HTTP/1.1 408") and b'"error"' in answer
        status, _, _ = server.call("POST", "/api/items", {"kind": "session", "title": "x" * 3000},
                                   secrets["coord"])
        assert status == 413
        assert server.call("GET", "/api/items?limit=1", secret=secrets["coord"])[0] == 200
    finally:
        log = server.stop()
    assert "Traceback" not in log, log
    config.write_text(original.replace("\nserve:\n", "\nserve:\n  limits: {max_bodies: 10}\n", 1))
    done = subprocess.run([*tracker_exe(), "serve", "--port", "0"], cwd=server.root,
                          env=server.env, capture_output=True, text=True, timeout=30)
    assert done.returncode == 1 and "serve.limits.max_bodies: unknown" in done.stderr
    assert "Traceback" not in done.stderr
