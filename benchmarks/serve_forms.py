"""The forms of `tracker serve`: how long a team leader waits for each step.

    python benchmarks/serve_forms.py [--bureaux 2000] [--rounds 40]

On loopback: a campaign tracker with BUREAUX bureaux (imported from a CSV, one team
holding 5 of them), one reporter account, the installed `tracker serve --port 0`. For
ROUNDS rounds, the reporter (a session cookie, as a phone has) opens the phone form
(`GET /report`), has a candidate checked (`POST /api/check`, what the page asks while
one types), posts the report (`POST /report`, a new commit) and posts it again with the
same form key (answered with the first commit); the coordinator opens a create form
(`GET /new/session`, its pickers listing bureaux and teams). Prints p50 and p99 of each,
and checks that the rounds made exactly ROUNDS commits. Targets on a 2-core machine:
each p99 <= 1 s.
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
import measure  # noqa: E402
from serve import git, prepare, run, tracker_exe  # noqa: E402

TARGET_P99 = 1.0


class Client:
    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookie = ""

    def call(self, method: str, path: str, body: bytes | None = None,
             headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], str]:
        sent = dict(headers or {})
        if self.cookie:
            sent["Cookie"] = self.cookie
        self.conn.request(method, path, body=body, headers=sent)
        response = self.conn.getresponse()
        data = response.read().decode("utf-8", "replace")
        got = {k.lower(): v for k, v in response.getheaders()}
        got["set-cookie"] = "\n".join(v for k, v in response.getheaders()
                                      if k.lower() == "set-cookie")
        return response.status, got, data

    def log_in(self, login: str, secret: str) -> None:
        _, headers, page = self.call("GET", "/login")
        token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore
        jar = SimpleCookie(headers["set-cookie"])
        self.cookie = f"tracker_login_csrf={jar['tracker_login_csrf'].value}"
        status, headers, _ = self.call("POST", "/login", urlencode(
            {"csrf": token, "login": login, "secret": secret}).encode(),
            {"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 303, status
        for line in headers["set-cookie"].splitlines():
            jar = SimpleCookie(line)
            if "tracker_session" in jar:
                self.cookie = f"tracker_session={jar['tracker_session'].value}"


def hidden(page: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', page).group(1)  # type: ignore


def timed(store: list[float], fn, *args):  # type: ignore[no-untyped-def]
    started = time.monotonic()
    result = fn(*args)
    store.append(time.monotonic() - started)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bureaux", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="tracker-forms-bench-")) / "repo"
    (team, secret), = prepare(root, 1)
    coord = run(root, "user", "add", "coord", "--role", "coordinator").splitlines()[-1]
    rows = ["title,bureau_id,commune_insee,departement,team"]
    for n in range(args.bureaux):
        rows.append(f"Bureau {n},93{n // 1000:03d}_{n % 1000:04d},93{n // 1000:03d},93,"
                    + (team if n < 5 else ""))
    (root.parent / "bureaux.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    run(root, "import", "csv", str(root.parent / "bureaux.csv"), "--kind", "bureau")
    server = subprocess.Popen([*tracker_exe(), "serve", "--port", "0"], cwd=root,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    assert server.stderr is not None
    found = re.search(r"http://127\.0\.0\.1:(\d+)", server.stderr.readline())
    assert found, "the server did not start"
    port = int(found.group(1))
    time.sleep(0.3)
    phone, desk = Client(port), Client(port)
    phone.log_in("rep0", secret)
    desk.log_in("coord", coord)
    times: dict[str, list[float]] = {k: [] for k in (
        "GET /report", "POST /api/check", "POST /report", "POST /report again",
        "GET /new/session")}
    before = int(git(root, "rev-list", "--count", "HEAD"))
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    for n in range(args.rounds):
        status, _, page = timed(times["GET /report"], phone.call, "GET", "/report")
        assert status == 200
        csrf, key = hidden(page, "csrf"), hidden(page, "form_key")
        bureau = re.search(r'<option value="([^"]+)" selected', page).group(1)  # type: ignore
        fields = {"date": "2026-03-02", "bureau": bureau, "team": team,
                  "channel": "porte-a-porte", "knocked": "20", "not_home": "8",
                  "positive": "5", "refused": str(7 + n % 2)}
        status, _, data = timed(times["POST /api/check"], phone.call, "POST", "/api/check",
                                json.dumps({"kind": "session", "fields": fields}).encode(),
                                {"Content-Type": "application/json", "X-CSRF-Token": csrf})
        assert status == 200, data
        fields["refused"] = "7"
        body = urlencode({"csrf": csrf, "form_key": key, **fields}).encode()
        status, first, _ = timed(times["POST /report"], phone.call, "POST", "/report", body,
                                 form)
        assert status == 303, status
        status, second, _ = timed(times["POST /report again"], phone.call, "POST",
                                  "/report", body, form)
        assert second["location"] == first["location"]
        status, _, _ = timed(times["GET /new/session"], desk.call, "GET", "/new/session")
        assert status == 200
    made = int(git(root, "rev-list", "--count", "HEAD")) - before
    server.terminate()
    server.wait(20)
    print(f"{args.bureaux} bureaux, {args.rounds} rounds, {made} commits "
          f"(expected {args.rounds})")
    ok = made == args.rounds
    for name, values in times.items():
        values.sort()
        p99 = measure.p99(values)
        print(f"{name:20} p50 {statistics.median(values) * 1000:6.0f} ms   "
              f"p99 {p99 * 1000:6.0f} ms")
        ok = ok and p99 <= TARGET_P99
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
