"""`tracker serve`'s board in a real browser: headless Chromium (Playwright) against a
real server process on loopback. Log in with the form, drag a card to another column
(one commit by the account; still there after a reload), a drag the workflow refuses
snaps back with the server's message, and no page scrolls sideways on a phone (390 px).
The pages run under the server's CSP (no inline script): a violation would be a console
error, and the test fails on any.
"""

from __future__ import annotations

import json
from typing import Any, Iterator

import pytest

from tests.browser import chromium
from tests.test_serve import _head_commit, _prepare, _run


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    server, secrets, teams = _prepare(tmp_path_factory.mktemp("board"))
    made = {title: _run(server.root, server.env, "new", "session", title,
                        "--set", f"date=2026-03-0{n + 2}", "--set", f"team={teams['a']}",
                        "--body", "Un compte rendu assez long pour remplir la largeur "
                        "d'un téléphone, avec un-mot-très-long-sans-espace-aucun-qui-déborde"
                        ).strip()
            for n, title in enumerate(("Porte-à-porte nord", "Tractage gare"))}
    server.start()
    yield {"server": server, "secrets": secrets, "made": made}
    log = server.stop()
    assert "Traceback" not in log, log


@pytest.fixture
def page(served: dict[str, Any]) -> Iterator[Any]:
    errors: list[str] = []
    with chromium() as browser:
        tab = browser.new_page()
        tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        tab.on("pageerror", lambda e: errors.append(str(e)))
        server = served["server"]
        tab.goto(server.url + "/login")
        tab.fill("input[name=login]", "coord")
        tab.fill("input[name=secret]", served["secrets"]["coord"])
        tab.click("button[type=submit]")
        tab.wait_for_url(server.url + "/")
        tab.errors = errors
        yield tab
    # a refused move answers 422: the browser logs the failed request; nothing else
    assert [e for e in errors if "422" not in e] == [], errors


def _column_of(tab: Any, item: str) -> str:
    return tab.locator(f'li.card[data-id="{item}"]').evaluate(
        "card => card.closest('ul.cards').dataset.status")


def test_drag_a_card_to_another_column_moves_the_item(served, page):
    server, item = served["server"], served["made"]["Porte-à-porte nord"]
    page.goto(server.url + "/board/session")
    assert _column_of(page, item) == "planned"
    before = _head_commit(server.root)["sha"]
    page.locator(f'li.card[data-id="{item}"] a.title').drag_to(
        page.locator('ul.cards[data-status="done"]'))
    page.wait_for_function(
        "() => document.getElementById('board-message').textContent.includes('→ Faite')")
    assert _column_of(page, item) == "done"
    # the card's Move form now offers what the workflow allows from there, by label
    form = page.locator(f'li.card[data-id="{item}"] form.move')
    assert form.locator("b").text_content() == "Faite"
    assert form.locator("option").evaluate_all(
        "os => os.map(o => [o.value, o.textContent])") == [["reported", "Remontée"],
                                                           ["cancelled", "Annulée"]]
    head = _head_commit(server.root)
    assert head["sha"] != before and head["name"] == "Coord Person"
    shown = json.loads(_run(server.root, server.env, "show", item, "--format", "json"))
    assert shown["status"] == "done"
    page.reload()
    assert _column_of(page, item) == "done"
    assert page.locator('ul.cards[data-status="done"]').evaluate(
        "u => u.parentNode.querySelector('h2 .n').textContent") == "1"


def test_a_refused_drag_snaps_back_with_the_allowed_statuses(served, page):
    server, item = served["server"], served["made"]["Tractage gare"]
    page.goto(server.url + "/board/session")
    assert _column_of(page, item) == "planned"
    before = _head_commit(server.root)["sha"]
    page.locator(f'li.card[data-id="{item}"] a.title').drag_to(
        page.locator('ul.cards[data-status="validated"]'))
    page.wait_for_function(
        "() => document.getElementById('board-message').textContent.includes('allowed')")
    message = page.locator("#board-message")
    assert message.text_content() == \
        f"{item} cannot move from planned to validated; allowed: done, cancelled"
    assert "error" in message.get_attribute("class")
    assert _column_of(page, item) == "planned"
    assert _head_commit(server.root)["sha"] == before
    page.reload()
    assert _column_of(page, item) == "planned"


def test_no_page_scrolls_sideways_on_a_phone(served, page):
    server = served["server"]
    page.set_viewport_size({"width": 390, "height": 844})
    item = served["made"]["Tractage gare"]
    for path in ("/", "/?kind=session", "/board/session", f"/items/{item}", "/reports",
                 "/reports/summary"):
        page.goto(server.url + path)
        wide = page.evaluate("() => document.documentElement.scrollWidth")
        assert wide <= 390, f"{path}: {wide}px wide"


def test_the_served_site_searches_under_the_servers_policy(served, page):
    """/site/ pages carry the server's Content-Security-Policy with the site's two script
    hashes added: the search runs (no refusal logged: the fixture fails on any console
    error), and finds "Porte-à-porte nord" typed without its accent, on a phone."""
    server = served["server"]
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(server.url + "/site/index.html")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.fill("header form.search input", "porte a porte NORD")
    page.press("header form.search input", "Enter")
    page.wait_for_url("**/site/search.html?q=*")
    assert "Porte-à-porte nord" in page.locator("#search-results a").all_inner_texts()
    page.click("#search-results a >> text=Porte-à-porte nord")
    assert page.locator("h1").inner_text() == "Porte-à-porte nord"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
