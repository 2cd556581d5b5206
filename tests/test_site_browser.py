"""The static site in a real browser: headless Chromium driven by Playwright.

Needs Debian's `chromium` and the `playwright` package (tests/browser.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser import chromium
from tests.helpers import commit_all, write_tree


@pytest.fixture
def site(repo: Path, invoke, tmp_path: Path) -> Path:
    """A site built from 36 items over a few dated commits, one of them hostile."""
    statuses = ["open", "in-progress", "done", "closed"]
    for week in range(3):
        files = {}
        for n in range(12):
            number = week * 12 + n
            files[f"issues/issue-site{number:04d}.md"] = (
                f"---\ntitle: Tâche numéro {number}\nstatus: {statuses[number % 4]}\n"
                f"priority: {['low', 'normal', 'high'][number % 3]}\n---\n"
                f"Compte rendu **{number}**.\n")
        commit_all_files(repo, files, f"2026-03-{2 + week * 7:02d}T10:00:00+01:00")
    commit_all_files(repo, {"issues/issue-evil0001.md":
                            "---\ntitle: \"<script>window.pwned = 'title'</script>\"\n"
                            "status: open\n---\n<script>window.pwned = 'body'; alert(1)</script>\n"
                            "<img src=x onerror=\"window.pwned='img'\">\n",
                            "issues/issue-site0100.md": "---\ntitle: Après la tâche 5\n"
                            "status: open\ndepends_on: [issue-site0005]\n---\n"},
                     "2026-03-20T10:00:00+01:00")
    out = tmp_path / "site"
    result = invoke("report", "site", "--out", str(out))
    assert result.exit_code == 0, result.stderr
    return out


def commit_all_files(repo: Path, files: dict[str, str], date: str) -> None:
    write_tree(repo, files)
    commit_all(repo, "items", date=date)


def test_site_in_headless_chromium(site: Path):
    errors: list[str] = []
    dialogs: list[str] = []
    with chromium() as browser:
        page = browser.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto((site / "index.html").as_uri())
        assert page.title() == "repo"
        bars = page.locator("svg.chart rect")
        assert bars.count() >= 4
        assert bars.first.bounding_box()["width"] > 0
        assert page.locator("svg.chart polyline").count() == 2  # burn-up: scope, done
        assert page.evaluate("window.pwned") is None
        page.click("a.card >> text=Tâche numéro 5")
        assert page.url.endswith("items/issue/issue-site0005.html")
        assert page.locator("h1").inner_text() == "Tâche numéro 5"
        assert page.locator("article.body strong").inner_text() == "5"
        page.goto((site / "items/issue/issue-site0100.html").as_uri())
        page.click("table.fields a.ref >> text=issue-site0005")  # a ref is a link
        assert page.url.endswith("items/issue/issue-site0005.html")
        assert page.locator("h1").inner_text() == "Tâche numéro 5"
        page.goto((site / "items/issue/issue-evil0001.html").as_uri())
        assert "<script>window.pwned = 'body'" in page.locator("article.body").inner_text()
        assert page.evaluate("window.pwned") is None
        page.goto((site / "kinds/issue.html").as_uri())
        first = page.locator("table.sortable tbody tr").first
        page.click("table.sortable th >> text=title")
        page.click("table.sortable th >> text=title")
        assert page.locator("table.sortable tbody tr").count() == 38
        assert first.inner_text() != ""
        # the search index holds the hostile title as text: it neither runs nor
        # closes the data block it travels in
        page.goto((site / "search.html").as_uri() + "?q=PWNED%20title")
        found = page.locator("#search-results a")
        assert found.all_inner_texts() == ["<script>window.pwned = 'title'</script>"]
        assert page.evaluate("window.pwned") is None
        page.fill("#search-box", "tache numero 5")
        assert "Tâche numéro 5" in page.locator("#search-results a").all_inner_texts()
    assert dialogs == []
    assert errors == []
