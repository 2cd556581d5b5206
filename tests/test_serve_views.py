"""`tracker serve`'s pages that show the tracker: the list, the board, an item, the Move
form, the reports and the static site. A real server process on loopback (the fixtures
of test_serve.py), spoken to with http.client; every move a commit checked in git.
"""

from __future__ import annotations

import html
import json
import re
import subprocess
from typing import Any, Iterator
from urllib.parse import urlencode

import pytest

from tests.helpers import tracker_exe
from tests.test_serve import Browser, Served, _git, _head_commit, _prepare, _run, fresh_tracker


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    server, secrets, teams = _prepare(tmp_path_factory.mktemp("views"))
    root, env = server.root, server.env
    made = {}
    for name, team, date in (("Marché <script>alert('x')</script>", "a", "2026-03-02"),
                             ("Porte-à-porte nord", "a", "2026-03-03"),
                             ("Tractage gare", "b", "2026-03-04")):
        made[name] = _run(root, env, "new", "session", name, "--set", f"date={date}",
                          "--set", f"team={teams[team]}", "--body",
                          "Du **gras**, <script>alert(1)</script> et [un lien](https://x.org) "
                          "[piège](javascript:alert(2))"
                          ).strip()
    server.start()
    yield {"server": server, "secrets": secrets, "teams": teams, "made": made,
           "coord": Browser(server, "coord", secrets["coord"]),
           "view": Browser(server, "view", secrets["view"])}
    log = server.stop()
    assert "Traceback" not in log, log


def _ids_in(page: str) -> list[str]:
    """The ids of the list's rows, in order (the id column's links)."""
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r'<tr><td><a href="/items/[^"]+">([^<]+)</a>', body)


# ------------------------------------------------------------ the board


def test_the_board_has_a_column_per_status_in_workflow_order_and_cards_with_card_fields(site):
    status, headers, page = site["coord"].get("/board/session")
    assert status == 200 and headers["content-type"].startswith("text/html")
    columns = re.findall(r'<ul class="cards" data-status="([^"]+)"', page)
    assert columns == ["planned", "done", "reported", "validated", "cancelled"]
    assert "<h1>Sessions de terrain</h1>" in page  # the kind's label
    assert 'data-status="planned" data-next="done cancelled"' in page
    server = site["server"]
    rows = json.loads(_run(server.root, server.env, "list", "session", "--format", "json"))
    assert len(rows) >= 3
    for row in rows:  # each card in the column of its status
        column = page.split(f'<ul class="cards" data-status="{row["status"]}"', 1)[1]
        assert f'<li class="card" data-id="{row["id"]}"' in column.split("</ul>", 1)[0]
    card = page.split(f'data-id="{site["made"]["Tractage gare"]}"', 1)[1].split("</li>", 1)[0]
    # the fields the kind's card: names, with their labels; refs as links
    assert "<dt>Date</dt><dd>04/03/2026</dd>" in card  # a French tracker's dates
    assert f'<dt>Équipe</dt><dd><a href="/items/{site["teams"]["b"]}">' in card
    assert "Portes frappées" not in card  # not a card field
    # a coordinator gets the scripts (vendored, served here) and a Move form per card
    assert '<script src="/static/sortable-1.15.6.min.js" defer></script>' in page
    assert page.count('<form class="move"') == len(rows)
    assert "<script>alert" not in page and "&lt;script&gt;alert(&#x27;x&#x27;)" in page


def test_the_vendored_scripts_and_their_licence_are_served_by_the_server(site):
    server = site["server"]
    status, headers, js = server.call("GET", "/static/sortable-1.15.6.min.js")
    assert status == 200 and headers["content-type"].startswith("text/javascript")
    assert js.startswith("/*! Sortable 1.15.6 - MIT")
    status, _, licence = server.call("GET", "/static/sortable-LICENSE.txt")
    assert status == 200 and "MIT License" in licence
    assert server.call("GET", "/static/board.js")[0] == 200


def test_a_viewer_sees_the_board_without_moves_and_a_move_is_403(site):
    viewer = site["view"]
    status, _, page = viewer.get("/board/session")
    assert status == 200 and '<li class="card"' in page
    assert "<form class=\"move\"" not in page and "<script" not in page
    item = site["made"]["Tractage gare"]
    before = _head_commit(site["server"].root)["sha"]
    status, _, page = viewer.post(f"/items/{item}/move", {"csrf": viewer.csrf,
                                                          "status": "done"})
    assert status == 403 and "viewer" in page
    assert _head_commit(site["server"].root)["sha"] == before


def test_the_move_form_is_one_commit_by_the_account_and_goes_back(site):
    coord, server = site["coord"], site["server"]
    item = site["made"]["Porte-à-porte nord"]
    status, headers, _ = coord.post(f"/items/{item}/move", {
        "csrf": coord.csrf, "status": "done", "back": "/board/session"})
    assert status == 303 and headers["location"] == "/board/session"
    head = _head_commit(server.root)
    assert (head["name"], head["email"]) == ("Coord Person", "coord@example.org")
    path = json.loads(_run(server.root, server.env, "show", item, "--format", "json"))["path"]
    assert _git(server.root, "show", "--numstat", "--format=", head["sha"]).split() == \
        ["1", "1", path]
    _, _, page = coord.get("/board/session")
    done = page.split('data-status="done"', 1)[1].split("</ul>", 1)[0]
    assert f'data-id="{item}"' in done
    # a back that leads elsewhere is not followed
    status, headers, _ = coord.post(f"/items/{item}/move", {
        "csrf": coord.csrf, "status": "reported", "back": "//evil.example/x"})
    assert status == 303 and headers["location"] == f"/items/{item}"


def test_a_refused_move_shows_the_allowed_statuses_and_changes_nothing(site):
    coord, server = site["coord"], site["server"]
    item = site["made"]["Tractage gare"]
    before = _head_commit(server.root)["sha"]
    status, _, page = coord.post(f"/items/{item}/move", {"csrf": coord.csrf,
                                                         "status": "validated"})
    assert status == 422
    assert "cannot move from planned to validated; allowed: done, cancelled" in page
    assert "--force" not in page
    assert re.search(r'<select name="status"><option value="done">Faite</option>'
                     r'<option value="cancelled">Annulée</option>', page)
    assert _head_commit(server.root)["sha"] == before
    assert _git(server.root, "status", "--porcelain") == ""


def test_the_move_form_without_its_csrf_token_is_refused(site):
    coord = site["coord"]
    item = site["made"]["Tractage gare"]
    status, _, page = coord.post(f"/items/{item}/move", {"status": "done"})
    assert status == 403 and "CSRF" in page
    status, _, _ = coord.post(f"/items/{item}/move", {"status": "done", "csrf": "forged"})
    assert status == 403


def test_the_board_narrowed_by_a_filter(site):
    coord = site["coord"]
    status, _, page = coord.get("/board/session?" + urlencode(
        {"where": f"team == '{site['teams']['b']}'"}))
    assert status == 200 and page.count('<li class="card"') == 1
    assert f'data-id="{site["made"]["Tractage gare"]}"' in page
    status, _, page = coord.get("/board/session?" + urlencode({"where": "date >="}))
    assert status == 200 and '<p class="error" role="alert">--where: invalid' in page
    assert "<section class=\"column\"" in page  # the columns, empty, and the filter to fix


def test_a_kind_without_workflow_has_no_board(site):
    status, _, page = site["coord"].get("/board/nothing")
    assert status == 404 and "n&#x27;est pas un type avec un workflow" in page  # French


# ------------------------------------------------------------ the list


def test_the_list_filters_and_sorts_as_tracker_list(site):
    server, coord = site["server"], site["coord"]
    for where, grep, sort in ((None, None, None), ("status == 'planned'", None, "-date"),
                              (None, "gare", None), (None, None, "title")):
        query = {k: v for k, v in (("kind", "session"), ("where", where), ("grep", grep),
                                   ("sort", sort)) if v}
        status, _, page = coord.get("/?" + urlencode(query))
        assert status == 200
        args = ["list", "session", "--format", "json"]
        args += ["--where", where] if where else []
        args += ["--grep", grep] if grep else []
        args += ["--sort", sort] if sort else []
        expected = [r["id"] for r in json.loads(_run(server.root, server.env, *args))]
        assert _ids_in(page) == expected, query
        count = "1 élément" if len(expected) == 1 else f"{len(expected)} éléments"
        assert f"<p class=\"count\">{count}</p>" in page  # a French tracker
    # the columns are the kind's, labelled, each a link that sorts by it (again: reversed)
    _, _, page = coord.get("/?kind=session&sort=date")
    assert '<a href="/?kind=session&amp;sort=-date">Date ▲</a>' in page
    assert '<a href="/?kind=session&amp;sort=channel">Canal</a>' in page
    # a bad filter is one line on the page
    status, _, page = coord.get("/?" + urlencode({"kind": "session", "where": "knocked >"}))
    assert status == 200 and '<p class="error" role="alert">--where: invalid expression' in page


def test_the_list_pages_through_many_items(site, tmp_path):
    server, coord = site["server"], site["coord"]
    folder = server.root / "equipes"
    for n in range(130):
        (folder / f"team-p{n:05d}.md").write_text(
            f"---\ntitle: Équipe {n:03d}\nstatus: forming\n---\n", encoding="utf-8")
    _git(server.root, "add", "equipes")
    _git(server.root, "-c", "user.name=T", "-c", "user.email=t@x.org", "commit", "-qm", "teams")
    status, _, first = coord.get("/?kind=team&sort=title")
    expected = [r["id"] for r in json.loads(_run(server.root, server.env, "list", "team",
                                                 "--sort", "title", "--format", "json"))]
    assert len(expected) == 132
    assert _ids_in(first) == expected[:100]
    assert "page 1 sur 2" in first and 'rel="next" href="/?kind=team&amp;sort=title&amp;page=2"' \
        in first
    _, _, second = coord.get("/?kind=team&sort=title&page=2")
    assert _ids_in(second) == expected[100:] and 'rel="prev"' in second


# ------------------------------------------------------------ an item


def test_the_item_page_shows_fields_body_history_refs_and_what_points_here(site):
    coord, server, teams = site["coord"], site["server"], site["teams"]
    item = site["made"]["Marché <script>alert('x')</script>"]
    for status in ("done", "reported"):
        assert coord.post(f"/items/{item}/move", {"csrf": coord.csrf, "status": status}
                          )[0] == 303
    status, _, page = coord.get(f"/items/{item}")
    assert status == 200
    assert '<th scope="row">Date</th><td>02/03/2026</td>' in page
    assert "<h1>Marché &lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;</h1>" in page
    assert f'<th scope="row">Équipe</th><td><a href="/items/{teams["a"]}">' in page
    # the body rendered, its raw HTML shown as text
    assert "<strong>gras</strong>" in page and '<a href="https://x.org">un lien</a>' in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page
    assert 'href="javascript:' not in page
    # the history: what `tracker log ID` says, newest first, by whom
    log = json.loads(_run(server.root, server.env, "log", item, "--format", "json"))
    entries = re.findall(r"<li><p><code>([0-9a-f]{10})</code>", page)
    assert entries == [e["commit"][:10] for e in log] and len(entries) == 3
    # in the tracker's language: the field's label, the statuses' labels
    assert "Statut : Faite → Remontée" in page and "Coord Person" in page
    # the move form offers what the workflow allows from here
    assert re.search(r'<select name="status"><option value="validated">Validée</option>'
                     r'<option value="done">Faite</option>'
                     r'<option value="cancelled">Annulée</option></select>', page)
    # the team's page lists the sessions that name it
    _, _, team = coord.get(f"/items/{teams['a']}")
    pointing = team.split('<ul class="pointing">', 1)[1].split("</ul>", 1)[0]
    assert f'href="/items/{item}"' in pointing and pointing.count("<li>") == 2
    assert "Sessions de terrain, Équipe" in pointing  # the kind's label, the field's
    assert "&lt;script&gt;alert(&#x27;x&#x27;)" in pointing


def test_an_unknown_item_is_a_404_page(site):
    status, _, page = site["coord"].get("/items/ses-nothing0")
    assert status == 404 and "ses-nothing0" in page


def test_every_page_has_the_same_navigation(site):
    for path in ("/", "/board/session", f"/items/{site['teams']['a']}", "/reports"):
        _, _, page = site["view"].get(path)
        nav = page.split('<nav class="top"', 1)[1].split("</nav>", 1)[0]
        # in the tracker's language (French in the campaign template)
        assert '<a href="/">Éléments</a>' in nav and '<a href="/board/session">' in nav, path
        assert '<a href="/reports">Rapports</a>' in nav and "view (viewer)" in nav
        assert "Comptes" not in nav  # for admins only


# ------------------------------------------------------------ reports and the site


def test_the_reports_are_those_of_tracker_report(site):
    server, viewer = site["server"], site["view"]
    status, _, page = viewer.get("/reports")
    assert status == 200
    listed = json.loads(_run(server.root, server.env, "report", "--list", "--format", "json"))
    for report in listed:
        if report["name"] != "site":
            assert f'<a href="/reports/{report["name"]}">' in page
    status, _, page = viewer.get("/reports/summary")
    assert status == 200
    cli = _run(server.root, server.env, "report", "summary")
    heading = re.search(r"^#+ (.+)$", cli, re.M).group(1)
    assert html.escape(heading, quote=True) in page or heading in page
    status, _, page = viewer.get("/reports/terrain")  # an HTML report, its links to the site
    assert status == 200 and 'href="/site/index.html"' in page
    status, _, page = viewer.get("/reports/nothing")
    assert status == 404 and "pas de rapport" in page


def test_the_site_is_built_when_asked_and_again_after_a_commit(site):
    server, viewer = site["server"], site["view"]
    assert viewer.get("/site")[0] == 303
    status, headers, page = viewer.get("/site/")
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert "<html" in page
    # the server's policy, with the hashes of the page's own two scripts (its meta CSP)
    hashes = re.search(r"script-src ('sha256-[^']+' 'sha256-[^']+');", page).group(1)
    policy = headers["content-security-policy"]
    assert f"script-src 'self' {hashes};" in policy and "default-src 'none'" in policy
    status, headers, _ = viewer.get("/site/style.css")
    assert status == 200 and "script-src 'self';" in headers["content-security-policy"]
    for bad in ("/site/../users.json", "/site/%2e%2e/users.json", "/site/.hidden",
                "/site/nothing.html"):
        assert viewer.get(bad)[0] == 404, bad
    head = _head_commit(server.root)["sha"]
    built = server.root / ".git" / "tracker-serve" / "site" / head[:16] / "index.html"
    stamp = built.stat().st_mtime_ns
    assert viewer.get("/site/")[0] == 200 and built.stat().st_mtime_ns == stamp  # not again
    count = int(re.search(r"(\d+) items\.", page).group(1))
    made = _run(server.root, server.env, "new", "team", "Équipe du site").strip()
    _, _, page = viewer.get("/site/")
    assert f"{count + 1} items." in page
    _, _, page = viewer.get("/site/kinds/team.html")
    assert made in page
    # the build before stays (a page may be on its way from it); none older
    kept = sorted(p.name for p in built.parent.parent.iterdir())
    assert kept == sorted([head[:16], _head_commit(server.root)["sha"][:16]])
    assert _git(server.root, "status", "--porcelain") == ""  # nothing of it in the work tree


# ------------------------------------------------------------ the kind's card: key


def test_a_card_key_naming_no_field_stops_commands_naming_the_file(tmp_path):
    root = tmp_path / "r"
    root.mkdir()
    env_run = {"cwd": root, "text": True, "capture_output": True}
    subprocess.run(["git", "init", "-q"], check=True, **env_run)  # type: ignore[arg-type]
    subprocess.run([*tracker_exe(), "init"], check=True, **env_run)  # type: ignore[arg-type]
    kind = next((root / ".tracker" / "kinds").glob("*.yaml"))
    kind.write_text(kind.read_text() + "card: [nowhere]\n")
    done = subprocess.run([*tracker_exe(), "list"], **env_run)  # type: ignore[arg-type]
    assert done.returncode != 0
    assert f"{kind.name}" in done.stderr and "card: unknown field 'nowhere'" in done.stderr
    assert "Traceback" not in done.stderr
    kind.write_text(kind.read_text().replace("card: [nowhere]", "card: [status]"))
    done = subprocess.run([*tracker_exe(), "list"], **env_run)  # type: ignore[arg-type]
    assert done.returncode == 0, done.stderr


def test_the_accounts_page_has_the_same_navigation_for_admins(site):
    boss = Browser(site["server"], "boss", site["secrets"]["boss"])
    for path in ("/users", "/"):
        status, _, page = boss.get(path)
        assert status == 200
        nav = page.split('<nav class="top"', 1)[1].split("</nav>", 1)[0]
        assert '<a href="/users">Comptes</a>' in nav and '<a href="/board/session">' in nav
        assert "boss (admin)" in nav and 'action="/logout"' in nav


# ------------------------------------------------------------ the tracker's language


def _columns(page: str) -> list[str]:
    """The board's column headings (their text, the count left out)."""
    return re.findall(r'<section class="column" aria-label="[^"]*"><h2>([^<]+) <span', page)


def test_a_campaign_trackers_pages_speak_french(site):
    """The campaign template says `language: fr`: the board, an item page and the list
    speak it (the status labels as column headings, the Move form's words), the slugs
    stay in form values and data-* attributes."""
    coord = site["coord"]
    _, _, board = coord.get("/board/session")
    assert '<html lang="fr">' in board
    assert _columns(board) == ["Prévue", "Faite", "Remontée", "Validée", "Annulée"]
    assert 'data-status="planned"' in board and "Glissez une carte" in board
    assert '<button type="submit">Changer</button>' in board
    assert '<button type="submit">Afficher</button>' in board and "Filtre" in board
    item = site["made"]["Tractage gare"]
    _, _, page = coord.get(f"/items/{item}")
    assert '<html lang="fr">' in page
    for words in ("<h2>Historique</h2>", "<h2>Ce qui pointe ici</h2>",
                  "<h2>Changer de statut</h2>", '<button type="submit">Changer</button>',
                  ">tableau</a>", "<li>créé</li>"):
        assert words in page, words
    assert '<option value="done">Faite</option>' in page  # a label shown, the slug posted
    assert "<b>Prévue</b>" in page or "Remontée" in page
    for english in ("History", "Pointing here", ">Move<", "Not committed", ">board<"):
        assert english not in page, english
    _, _, login = site["server"].call("GET", "/login")
    assert '<html lang="fr">' in login and '<button type="submit">Se connecter</button>' in login
    _, _, listed = coord.get("/?kind=session")
    assert '<html lang="fr">' in listed and '<option value="">tous</option>' in listed
    assert re.search(r'<p class="count">\d+ éléments</p>', listed)
    assert "<td>Prévue</td>" in listed or "<td>Faite</td>" in listed  # statuses' labels
    assert '<a href="/?kind=session&amp;sort=status">Statut</a>' in listed


def test_a_default_trackers_pages_speak_english(tmp_path):
    """The default template has no `language:`: the same pages in English."""
    root, env = fresh_tracker(tmp_path)
    item = _run(root, env, "new", "issue", "Fix the door", "--set", "due=2026-03-01",
                "--set", "priority=high").strip()
    _run(root, env, "move", item, "in-progress")
    secret = _run(root, env, "user", "add", "coord", "--role", "coordinator", "--name",
                  "Coord Person", "--email", "coord@example.org").splitlines()[-1]
    server = Served(root, env)
    server.start()
    try:
        coord = Browser(server, "coord", secret)
        _, _, board = coord.get("/board/issue")
        assert '<html lang="en">' in board
        assert _columns(board) == ["open", "In progress", "done", "closed"]
        assert '<button type="submit">Move</button>' in board and "Drag a card" in board
        _, _, page = coord.get(f"/items/{item}")
        assert '<html lang="en">' in page
        for words in ("<h2>History</h2>", "<h2>Pointing here</h2>", "<h2>Move</h2>",
                      ">board</a>", "<li>created</li>", "<td>2026-03-01</td>",
                      "status: open → In progress"):
            assert words in page, words
        assert "Historique" not in page and "Changer" not in page
        _, _, login = server.call("GET", "/login")
        assert '<html lang="en">' in login and '<button type="submit">Log in</button>' in login
        _, _, listed = coord.get("/?kind=issue")
        assert '<html lang="en">' in listed and '<p class="count">1 item</p>' in listed
        assert "<td>In progress</td>" in listed and '<option value="">all</option>' in listed
    finally:
        log = server.stop()
    assert "Traceback" not in log, log
