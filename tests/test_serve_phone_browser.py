"""The forms of `tracker serve` in a real browser: headless Chromium driven by Playwright
against a real server on loopback. A coordinator creates and edits a session (chips,
the live check); a team leader sends field reports from a phone-sized screen (390×844,
steppers, the doors left, no horizontal scroll), one of them typed without network and
sent once when it is back.
"""

from __future__ import annotations

import json
import re
from typing import Any, Iterator

import pytest

from tests.test_serve import Served, _git, _prepare


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Served, dict, dict]]:
    server, secrets, teams = _prepare(tmp_path_factory.mktemp("phone"))
    server.start()
    status, _, made = server.call("POST", "/api/items", {
        "kind": "bureau", "title": "École Jules Ferry", "fields": {
            "bureau_id": "93066_0001", "commune_insee": "93066", "departement": "93",
            "team": teams["a"]}}, secrets["coord"])
    assert status == 201, made
    yield server, secrets, teams
    log = server.stop()
    assert "Traceback" not in log, log


def commits(server: Served) -> int:
    return int(_git(server.root, "rev-list", "--count", "HEAD").strip())


def log_in(page: Any, server: Served, login: str, secret: str) -> None:
    page.goto(f"{server.url}/login")
    page.fill("input[name=login]", login)
    page.fill("input[name=secret]", secret)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server.url}/")


def watch(page: Any) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error"
            and "Failed to load resource" not in m.text else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400
            and not r.url.endswith("/favicon.ico") else None)
    return errors


def test_create_and_edit_with_chips_and_the_live_check(served, browser):
    server, secrets, teams = served
    context = browser.new_context()
    page = context.new_page()
    errors = watch(page)
    log_in(page, server, "coord", secrets["coord"])
    page.goto(f"{server.url}/new/session")
    page.fill("#f-title", "Marché du samedi")
    page.fill("#f-date", "2026-03-07")
    page.fill("#f-team", teams["a"])
    # the picker asks the server for what the page does not list (made since)
    status, _, _ = server.call("POST", "/api/items", {
        "kind": "bureau", "title": "Gymnase Delaune", "fields": {
            "bureau_id": "93066_0042", "commune_insee": "93066", "departement": "93"}},
        secrets["coord"])
    assert status == 201
    assert page.locator('#refs-bureau option[value="93066_0042"]').count() == 0
    page.fill("#f-bureau", "Delaune")
    page.locator('#refs-bureau option[value="93066_0042"]').wait_for(state="attached")
    page.fill("#f-bureau", "93066_0001")
    page.fill("#f-knocked", "5")
    page.fill("#f-positive", "2")
    beside = page.locator('output[data-for="knocked"]')
    beside.filter(has_text="totaliser knocked").wait_for()  # the gate's rule, live
    page.fill("#f-positive", "5")
    page.wait_for_function("() => document.querySelector('output[data-for=knocked]')"
                           ".textContent === ''")
    page.fill("#f-themes", "transports")
    page.press("#f-themes", "Enter")
    page.fill("#f-themes", "écoles")
    page.press("#f-themes", "Enter")
    assert page.locator(".chip").count() == 2
    before = commits(server)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/items/ses-[0-9a-z]+/edit\?saved="))
    assert commits(server) == before + 1
    assert page.locator(".saved").inner_text().startswith("Enregistré")
    item_id = page.url.split("/items/")[1].split("/")[0]
    # the edit: one chip removed, one added
    page.uncheck('.chip input[value="transports"]')
    page.fill("#f-themes", "santé")
    page.press("#f-themes", "Enter")
    page.click("form.item-form button[type=submit]")
    page.wait_for_url(re.compile(r"/edit\?saved=[0-9a-f]{40}"))
    diff = _git(server.root, "show", "--format=", "--unified=0", "HEAD")
    changed = [line for line in diff.splitlines() if line[:1] in "+-"
               and not line.startswith(("+++", "---"))]
    assert changed == ["-themes: [transports, écoles]", "+themes: [écoles, santé]"], diff
    assert item_id in diff or item_id in _git(server.root, "log", "-1", "--format=%s")
    assert errors == []
    context.close()


def rollup(server: Served, secret: str, name: str) -> Any:
    status, _, bureau = server.call("GET", "/api/items/93066_0001", secret=secret)
    assert status == 200
    return bureau[name]


def test_the_phone_form_online_then_offline(served, browser):
    server, secrets, teams = served
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                  has_touch=True, device_scale_factor=3)
    page = context.new_page()
    errors = watch(page)
    log_in(page, server, "rep", secrets["rep"])
    page.goto(f"{server.url}/report")
    assert page.locator("h1").inner_text() == "Rapport de terrain"
    assert page.eval_on_selector("#f-bureau", "e => e.value") == "93066_0001"  # preselected
    assert page.locator('input[name=team][type=hidden]').get_attribute("value") == teams["a"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no side scroll
    # steppers, and the doors left to account for
    plus = page.locator('[data-field="knocked"] button.plus')
    for _ in range(4):
        plus.click()
    assert page.input_value("#f-knocked") == "4"
    assert page.inner_text("#doors-left") == "4"
    page.locator('[data-field="positive"] button.plus').click()
    page.locator('[data-field="positive"] button.plus').click()
    page.locator('[data-field="not_home"] button.plus').click()
    assert page.inner_text("#doors-left") == "1"
    page.locator('[data-field="not_home"] button.minus').click()
    page.locator('[data-field="refused"] button.plus').click()
    page.locator('[data-field="undecided"] button.plus').click()
    assert page.inner_text("#doors-left") == "0"
    box = page.locator('[data-field="knocked"] button.plus').bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44  # a thumb's target
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    sessions = rollup(server, secrets["coord"], "sessions")
    before = commits(server)
    page.click("button.send")
    page.wait_for_url(re.compile(r"/report\?sent=ses-"))
    assert commits(server) == before + 1
    assert rollup(server, secrets["coord"], "sessions") == sessions + 1
    shown = page.locator('[data-rollup="sessions"] b').inner_text()
    assert shown == str(sessions + 1)  # the bureau's rollup, changed, on the phone
    # a report typed in a stairwell: kept on the phone, sent once when the network is back
    page.locator('[data-field="knocked"] button.plus').click()
    page.locator('[data-field="positive"] button.plus').click()
    context.set_offline(True)
    page.click("button.send")
    page.locator("#pending").filter(has_text="Pas de réseau").wait_for()
    stored = json.loads(page.evaluate("localStorage.getItem('tracker-pending-reports')"))
    assert len(stored) == 1 and "form_key=" in stored[0]["body"]
    assert commits(server) == before + 1
    online_sent = page.url
    context.set_offline(False)
    page.wait_for_url(lambda url: "sent=ses-" in url and url != online_sent, timeout=30000)
    assert commits(server) == before + 2
    first = page.url
    assert page.evaluate("localStorage.getItem('tracker-pending-reports')") == "[]"
    # the answer lost on the way back: the phone sends the same report again
    page.evaluate("s => localStorage.setItem('tracker-pending-reports', s)",
                  json.dumps(stored))
    page.reload()
    page.wait_for_function(
        "() => localStorage.getItem('tracker-pending-reports') === '[]'")
    page.wait_for_url(first)
    assert commits(server) == before + 2  # answered with the first commit
    assert rollup(server, secrets["coord"], "sessions") == sessions + 2
    assert errors == [] or all("ERR_INTERNET_DISCONNECTED" in e or "Failed to fetch" in e
                               for e in errors), errors
    context.close()


def test_a_pending_report_outlives_the_session_and_is_sent_after_logging_in(served, browser):
    server, secrets, _ = served
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    log_in(page, server, "rep", secrets["rep"])
    page.goto(f"{server.url}/report")
    page.fill("#f-knocked", "3")
    page.fill("#f-refused", "3")
    before = commits(server)
    context.set_offline(True)
    page.click("button.send")
    page.locator("#pending").filter(has_text="Pas de réseau").wait_for()
    context.clear_cookies()  # the session ended meanwhile (logged out, server restarted)
    with page.expect_response(lambda r: r.url.endswith("/login")):
        context.set_offline(False)
    assert page.url.startswith(f"{server.url}/report")  # still there, the report kept
    assert len(json.loads(page.evaluate(
        "localStorage.getItem('tracker-pending-reports')"))) == 1
    assert commits(server) == before
    log_in(page, server, "rep", secrets["rep"])
    page.goto(f"{server.url}/report")  # sent on opening, with the new session's token
    page.wait_for_url(re.compile(r"/report\?sent=ses-"))
    assert commits(server) == before + 1
    assert page.evaluate("localStorage.getItem('tracker-pending-reports')") == "[]"
    context.close()
