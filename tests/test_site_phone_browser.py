"""The demo's static site on a phone: headless Chromium at 390×844, opened from the file
system as a user opens it. No page scrolls sideways (a table or a board scrolls inside its
own box), the kinds fold into a menu, and the search finds an accented word typed without
its accent (`creteil` finds "Équipe Créteil") and opens the item, under the site's strict
Content-Security-Policy with nothing refused.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest

from tests.helpers import run_tracker

WIDTH = 390


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("phone-demo")
    done = run_tracker(folder, "demo", "--out", "demo")
    assert done.returncode == 0, done.stderr
    index = Path(done.stdout.strip().splitlines()[-1])
    assert index.is_file()
    return index.parent


@pytest.fixture
def phone(browser: Any) -> Iterator[tuple[Any, list[str]]]:
    """A page at phone width, and every console error, CSP refusal or page error seen."""
    context = browser.new_context(viewport={"width": WIDTH, "height": 844})
    page = context.new_page()
    seen: list[str] = []
    page.on("console", lambda m: seen.append(m.text) if m.type in ("error", "warning")
            or "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda e: seen.append(str(e)))
    yield page, seen
    context.close()


def _first(folder: Path) -> str:
    return sorted(p.name for p in folder.iterdir())[0]


def test_no_page_scrolls_sideways_at_390px(site: Path, phone):
    page, seen = phone
    pages = ["index.html", "kinds/bureau.html", f"items/bureau/{_first(site / 'items/bureau')}",
             f"bilans/{_first(site / 'bilans')}", "bilans/index.html", "reports/terrain.html",
             "search.html"]
    assert (site / pages[3]).name != "index.html"
    wide = {}
    for rel in pages:
        page.goto((site / rel).as_uri())
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > WIDTH:
            wide[rel] = width
    assert wide == {}
    # the bureaux board and the bureaux table are wider than the screen: each scrolls in
    # its own box
    page.goto((site / "index.html").as_uri())
    board = page.locator("section.board:has(h2 a[href='kinds/bureau.html']) .columns")
    assert board.evaluate("e => e.scrollWidth > e.clientWidth")
    assert board.evaluate("e => getComputedStyle(e).overflowX") == "auto"
    page.goto((site / "kinds/bureau.html").as_uri())
    table = page.locator("table.sortable")
    assert table.evaluate("e => e.scrollWidth > e.clientWidth && e.clientWidth <= 390")
    # charts scale to the screen
    page.goto((site / "reports/terrain.html").as_uri())
    for box in page.locator("svg").all():
        assert box.bounding_box()["width"] <= WIDTH
    assert seen == []


def test_the_kinds_fold_into_a_menu(site: Path, phone):
    page, seen = phone
    page.goto((site / "index.html").as_uri())
    assert not page.locator("header nav.kinds").is_visible()
    link = page.locator("details.menu nav a", has_text="Bureaux de vote")
    assert not link.is_visible()
    page.click("details.menu summary")
    assert link.is_visible()
    link.click()
    assert page.url.endswith("/kinds/bureau.html")
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
    assert seen == []


def test_search_finds_an_accented_word_typed_without_its_accent(site: Path, phone):
    page, seen = phone
    page.goto((site / "reports/terrain.html").as_uri())
    page.fill("header form.search input", "creteil")
    page.press("header form.search input", "Enter")
    page.wait_for_url("**/search.html?q=creteil")
    results = page.locator("#search-results a")
    titles = results.all_inner_texts()
    assert "Équipe Créteil" in titles
    assert all("Créteil" in t for t in titles)
    # typed in the page's box: the results follow each keystroke, every word must match
    page.fill("#search-box", "EQUIPE creteil")
    assert page.locator("#search-results a").all_inner_texts() == ["Équipe Créteil"]
    page.fill("#search-box", "équipe zzzz")
    assert page.locator("#search-results a").count() == 0
    page.fill("#search-box", "equipe CRETEIL")
    page.click("#search-results a >> text=Équipe Créteil")
    assert "/items/team/" in page.url
    assert page.locator("h1").inner_text() == "Équipe Créteil"
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
    assert seen == []
