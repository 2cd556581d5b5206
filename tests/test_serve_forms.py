"""The forms of `tracker serve` (issue 16): create and edit forms generated from the kind,
the live check, the phone form for a field report; a real server on loopback, spoken to
with http.client as a browser without JavaScript would (form posts, a session cookie).
"""

from __future__ import annotations

import html
import re
from typing import Any, Iterator
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.test_serve import Browser, Served, _git, _head_commit, _prepare


def hidden(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert found, f"no {name} in the page"
    return html.unescape(found.group(1))


def problem_beside(page: str, field: str) -> str:
    found = re.search(rf'<output class="problems" data-for="{field}">(.*?)</output>', page,
                      re.S)
    assert found, f"no problems place for {field}"
    return html.unescape(re.sub(r"<[^>]+>", " ", found.group(1)))


def input_value(page: str, field: str) -> str:
    found = re.search(rf'<input type="[a-z-]+" name="{field}" id="f-{field}" value="([^"]*)"',
                      page)
    assert found, f"no input for {field}"
    return html.unescape(found.group(1))


def commits(server: Served) -> int:
    return int(_git(server.root, "rev-list", "--count", "HEAD").strip())


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Served, dict, dict]]:
    server, secrets, teams = _prepare(tmp_path_factory.mktemp("forms"))
    server.start()
    for team, code in (("a", "0001"), ("b", "0002")):
        status, _, made = server.call("POST", "/api/items", {
            "kind": "bureau", "title": f"Bureau {code}", "fields": {
                "bureau_id": f"93066_{code}", "commune_insee": "93066", "departement": "93",
                "team": teams[team]}}, secrets["coord"])
        assert status == 201, made
    yield server, secrets, teams
    log = server.stop()
    assert "Traceback" not in log, log


@pytest.fixture(scope="module")
def coord(served: Any) -> Browser:
    server, secrets, _ = served
    return Browser(server, "coord", secrets["coord"])


@pytest.fixture(scope="module")
def rep(served: Any) -> Browser:
    server, secrets, _ = served
    return Browser(server, "rep", secrets["rep"])


def _new_session(browser: Browser, team: str, **fields: str) -> tuple[int, dict, str]:
    status, page = browser.page("/new/session")
    assert status == 200
    pairs = [("csrf", hidden(page, "csrf")), ("form_key", hidden(page, "form_key")),
             ("title", "Porte-à-porte"), ("date", "2026-03-02"), ("team", team),
             ("channel", "porte-a-porte"), *fields.items()]
    return browser.post("/new/session", pairs)


def test_the_create_form_is_generated_from_the_kind(served, coord):
    server, _, teams = served
    status, page = coord.page("/new/session")
    assert status == 200
    assert '<html lang="fr">' in page and "Portes frappées" in page  # labels of the kind
    assert re.search(r'<select name="channel" id="f-channel"[^>]*>.*porte-a-porte', page)
    assert '<input type="date" name="date" id="f-date"' in page
    assert re.search(r'name="bureau" id="f-bureau" list="refs-bureau"', page)
    assert '<datalist id="refs-bureau"><option value="93066_0001">Bureau 0001' in page
    assert 'data-chips="themes"' in page  # a list: chips
    assert re.search(r'<label for="f-date">Date <abbr class="req"', page)  # required marked
    assert 'type="number" name="knocked" id="f-knocked" value="" inputmode="numeric"' \
        ' step="1" min="0"' in page
    assert "<script" not in page.replace('<script src="/static/forms.js" defer></script>', "")
    status, _, script = server.call("GET", "/static/forms.js", headers=coord.cookie)
    assert status == 200 and "localStorage" in script


def test_create_and_edit_by_form_post_each_one_commit_by_the_account(served, coord):
    server, _, teams = served
    before = commits(server)
    status, headers, _ = _new_session(coord, teams["a"], knocked="10", positive="4",
                                      refused="6", themes="transports",
                                      volunteer_hours="1234.5", body="Deux rues.\r\nUne cour.")
    assert status == 303, _
    where = urlsplit(headers["location"])
    item_id = where.path.split("/")[2]
    saved = parse_qs(where.query)["saved"][0]
    head = _head_commit(server.root)
    assert commits(server) == before + 1 and head["sha"] == saved
    assert head["name"] == "Coord Person" and head["email"] == "coord@example.org"
    status, page = coord.page(headers["location"])
    assert status == 200 and "Enregistré" in page and input_value(page, "knocked") == "10"
    assert 'name="themes" value="transports" checked' in page
    assert input_value(page, "volunteer_hours") == "1234.5"  # exactly, to post it back
    assert "Deux rues.\nUne cour." in page
    # the edit: a chip added, one field changed; the rest posted back as it was
    pairs = [(k, hidden(page, k)) for k in ("csrf", "form_key", "version")]
    pairs += [("title", "Porte-à-porte"), ("date", "2026-03-02"), ("team", teams["a"]),
              ("channel", "porte-a-porte"), ("knocked", "11"), ("positive", "4"),
              ("refused", "6"), ("not_home", "1"), ("themes", "transports"),
              ("themes", "écoles"), ("themes__list", "1"),
              ("volunteer_hours", input_value(page, "volunteer_hours")),
              ("body", html.unescape(re.search(r'<textarea name="body"[^>]*>(.*?)</textarea>',
                                               page, re.S).group(1)))]
    status, headers, _ = coord.post(f"/items/{item_id}/edit", pairs)
    assert status == 303, _
    diff = _git(server.root, "show", "--format=", "--unified=0", "HEAD")
    changed = [line for line in diff.splitlines() if line[:1] in "+-"
               and not line.startswith(("+++", "---"))]
    assert sorted(changed) == sorted(["-knocked: 10", "+knocked: 11", "+not_home: 1",
                                      "-themes: [transports]",
                                      "+themes: [transports, écoles]"]), diff
    assert commits(server) == before + 2


def test_a_form_post_without_its_csrf_token_is_refused(served, coord):
    server, _, teams = served
    before = commits(server)
    status, page = coord.page("/new/session")
    pairs = [("form_key", hidden(page, "form_key")), ("title", "x"), ("date", "2026-03-02"),
             ("team", teams["a"])]
    assert coord.post("/new/session", pairs)[0] == 403
    assert coord.post("/new/session", [("csrf", "forged"), *pairs])[0] == 403
    assert commits(server) == before


def test_refused_values_are_shown_beside_the_field_with_what_was_typed(served, coord):
    server, _, teams = served
    before = commits(server)
    status, _, page = _new_session(coord, teams["a"], knocked="12", positive="3",
                                   volunteers="-2")
    assert status == 422
    assert "0" in problem_beside(page, "volunteers")  # below its minimum
    assert input_value(page, "knocked") == "12" and input_value(page, "volunteers") == "-2"
    # the sum (a rule of the kind) beside the field it names
    status, _, page = _new_session(coord, teams["a"], knocked="12", positive="3")
    assert status == 422
    assert "totaliser knocked" in problem_beside(page, "knocked")
    assert input_value(page, "knocked") == "12" and input_value(page, "positive") == "3"
    assert commits(server) == before


def test_the_check_endpoint_gives_the_gates_problems_per_field(served, coord):
    server, _, teams = served
    _, page = coord.page("/new/session")
    csrf = hidden(page, "csrf")
    before = commits(server)
    status, data = coord.check({"kind": "session", "fields": {
        "title": "x", "date": "2026-03-02", "team": teams["a"], "knocked": 5,
        "positive": 2}}, csrf)
    assert status == 200
    assert [p["field"] for p in data["problems"]] == ["knocked"]
    status, data = coord.check({"kind": "session", "fields": {
        "title": "x", "date": "demain", "team": teams["a"], "knocked": 5, "positive": 5}},
        csrf)
    assert [p["field"] for p in data["problems"]] == ["date"]
    status, data = coord.check({"kind": "session", "fields": {
        "title": "x", "date": "2026-03-02", "team": teams["a"], "knocked": 5,
        "positive": 5}}, csrf)
    assert data == {"problems": []}
    status, _, refused = server.call("POST", "/api/check", {"kind": "session", "fields": {}},
                                     headers=coord.cookie)
    assert status == 403  # a browser's check carries its CSRF token too
    assert commits(server) == before and _git(server.root, "status", "--porcelain") == ""


def _edit_pairs(page: str, **changed: str) -> list[tuple[str, str]]:
    pairs = [(k, hidden(page, k)) for k in ("csrf", "form_key", "version")]
    for name in ("title", "date", "team", "channel", "knocked", "positive", "refused",
                 "not_home"):
        found = re.search(rf'name="{name}" id="f-{name}"[^>]*value="([^"]*)"', page)
        value = html.unescape(found.group(1)) if found else ""
        if name == "channel":
            value = "porte-a-porte"
        pairs.append((name, changed.get(name, value)))
    return pairs


def test_two_people_editing_one_item(served, coord, rep):
    server, _, teams = served
    status, headers, _ = _new_session(coord, teams["a"], knocked="10", refused="10")
    item_id = urlsplit(headers["location"]).path.split("/")[2]
    _, first = coord.page(f"/items/{item_id}/edit")
    _, second = rep.page(f"/items/{item_id}/edit")
    # different fields: merged as the merge driver does
    assert coord.post(f"/items/{item_id}/edit", _edit_pairs(first, title="Marché"))[0] == 303
    status, _, page = rep.post(f"/items/{item_id}/edit", _edit_pairs(second, date="2026-03-03"))
    assert status == 303, page
    status, _, item = server.call("GET", f"/api/items/{item_id}", headers=coord.cookie)
    assert item["title"] == "Marché" and item["date"] == "2026-03-03"
    # the same field to two values: refused, both shown, nothing overwritten
    _, first = coord.page(f"/items/{item_id}/edit")
    _, second = rep.page(f"/items/{item_id}/edit")
    assert coord.post(f"/items/{item_id}/edit",
                      _edit_pairs(first, knocked="12", not_home="2"))[0] == 303
    before = commits(server)
    status, _, page = rep.post(f"/items/{item_id}/edit",
                               _edit_pairs(second, knocked="14", not_home="4"))
    assert status == 409
    beside = problem_beside(page, "knocked")
    assert "12" in beside and "14" in beside
    assert input_value(page, "knocked") == "14"  # what was typed is kept
    assert commits(server) == before
    status, _, item = server.call("GET", f"/api/items/{item_id}", headers=coord.cookie)
    assert item["knocked"] == 12


def test_a_reporter_writes_their_own_teams_sessions_only(served, coord, rep):
    server, _, teams = served
    status, headers, _ = _new_session(coord, teams["b"])
    other = urlsplit(headers["location"]).path.split("/")[2]
    assert rep.page(f"/items/{other}/edit")[0] == 403
    _, page = coord.page(f"/items/{other}/edit")
    mine = hidden(rep.page("/new/session")[1], "csrf")
    pairs = [(k, mine if k == "csrf" else v) for k, v in _edit_pairs(page, knocked="3",
                                                                     refused="3")]
    before = commits(server)
    assert rep.post(f"/items/{other}/edit", pairs)[0] == 403  # the post is refused too
    assert _new_session(rep, teams["b"])[0] == 403
    assert commits(server) == before
    assert _new_session(rep, teams["a"])[0] == 303


def test_the_same_form_key_posted_twice_is_one_commit(served, coord):
    server, _, teams = served
    status, page = coord.page("/new/session")
    pairs = [("csrf", hidden(page, "csrf")), ("form_key", hidden(page, "form_key")),
             ("title", "Deux fois"), ("date", "2026-03-02"), ("team", teams["a"])]
    before = commits(server)
    first = coord.post("/new/session", pairs)
    second = coord.post("/new/session", pairs)
    assert first[0] == second[0] == 303
    assert first[1]["location"] == second[1]["location"]
    assert commits(server) == before + 1


def test_the_phone_form_for_a_team_leader(served, rep):
    server, _, teams = served
    status, page = rep.page("/report")
    assert status == 200 and '<html lang="fr">' in page and 'class="phone"' in page
    assert f'<input type="hidden" name="team" value="{teams["a"]}">' in page
    assert re.search(r'<select name="bureau" id="f-bureau"><option value="93066_0001" '
                     r'selected>Bureau 0001', page)  # their team's bureau, preselected
    assert "93066_0002" not in page.split('name="bureau"')[1].split("</select>")[0]
    assert 'data-total="1"' in page and page.count('data-part="1"') == 7
    assert "Portes restant à répartir" in page
    pairs = [("csrf", hidden(page, "csrf")), ("form_key", hidden(page, "form_key")),
             ("date", "2026-03-05"), ("bureau", "93066_0001"), ("team", teams["a"]),
             ("channel", "porte-a-porte"), ("knocked", "9"), ("positive", "4")]
    before = commits(server)
    status, _, page = rep.post("/report", pairs)
    assert status == 422 and "totaliser" in problem_beside(page, "knocked")
    assert input_value(page, "knocked") == "9"
    assert ">5</output>" in page  # five doors left to account for
    status, headers, _ = rep.post("/report", [*pairs, ("not_home", "5")])
    assert status == 303 and headers["location"].startswith("/report?sent=ses-")
    again = rep.post("/report", [*pairs, ("not_home", "5")])
    assert again[1]["location"] == headers["location"]  # the same key: the first commit
    assert commits(server) == before + 1
    assert _head_commit(server.root)["name"] == "Rep Person"
    status, page = rep.page(headers["location"])
    assert status == 200 and "Rapport envoyé" in page
    assert re.search(r'data-rollup="sessions">sessions : <b>\d+</b>', page)


def test_who_gets_which_form(served, coord, rep):
    server, secrets, teams = served
    viewer = Browser(server, "view", secrets["view"])
    assert viewer.page("/new/session")[0] == 403
    assert viewer.page("/report")[0] == 403
    assert rep.page("/new/team")[0] == 403  # a reporter writes the report kind only
    assert coord.page("/new/nothing")[0] == 404
    status, page = rep.page("/new/session")
    filled = f'id="f-team" list="refs-team" data-ref-kind="team" value="{teams["a"]}"'
    assert status == 200 and filled in page  # their own team, already filled
    status, headers, _ = _new_session(coord, teams["b"])
    other = urlsplit(headers["location"]).path.split("/")[2]
    assert rep.page(f"/items/{other}/edit")[0] == 403
    assert viewer.page(f"/items/{other}/edit")[0] == 403
    assert 'class="move"' in coord.page(f"/items/{other}/edit")[1]
    status, headers, _ = _new_session(rep, teams["a"])
    own = urlsplit(headers["location"]).path.split("/")[2]
    status, page = rep.page(f"/items/{own}/edit")
    assert status == 200 and 'class="move"' not in page  # moves are coordinators'


def test_a_coordinator_moves_an_item_from_its_edit_form(served, coord, rep):
    server, _, teams = served
    status, headers, _ = _new_session(coord, teams["a"])
    item_id = urlsplit(headers["location"]).path.split("/")[2]
    _, page = coord.page(f"/items/{item_id}/edit")
    assert re.search(rf'<form class="move" method="post" action="/items/{item_id}/move">',
                     page)
    # the statuses' labels shown, their slugs posted
    assert re.search(r'<select name="status"><option value="done">Faite</option>'
                     r'<option value="cancelled">Annulée</option></select>', page)
    move = [("csrf", hidden(page, "csrf")), ("form_key", hidden(page, "form_key")),
            ("back", hidden(page, "back")), ("status", "done")]
    assert dict(move)["back"] == f"/items/{item_id}/edit"
    before = commits(server)
    status, headers, _ = coord.post(f"/items/{item_id}/move", move)
    assert status == 303 and headers["location"] == f"/items/{item_id}/edit"
    assert commits(server) == before + 1
    assert _head_commit(server.root)["name"] == "Coord Person"
    status, _, item = server.call("GET", f"/api/items/{item_id}", headers=coord.cookie)
    assert item["status"] == "done"
    # the same form posted again (a double tap, a resend): still one move, same answer
    status, headers, _ = coord.post(f"/items/{item_id}/move", move)
    assert status == 303 and commits(server) == before + 1
    status, _, page = coord.post(f"/items/{item_id}/move", [*move[:1], ("status", "planned")])
    assert status == 422 and "allowed" in page and commits(server) == before + 1
    assert '<select name="status">' in page  # the form again, with the moves allowed
    _, page = rep.page(f"/items/{item_id}/edit")
    assert rep.post(f"/items/{item_id}/move", [("csrf", hidden(page, "csrf")),
                                               ("status", "reported")])[0] == 403
    assert commits(server) == before + 1


def test_a_list_of_refs_as_chips_and_a_ref_to_no_item(served, coord):
    server, _, teams = served
    status, page = coord.page(f"/items/{teams['b']}/edit")
    assert status == 200 and 'data-chips="bureaux"' in page
    assert re.search(r'name="bureaux" id="f-bureaux" class="chip-add" data-chip-for="bureaux"'
                     r' placeholder="ajouter" list="refs-bureau"', page)
    pairs = [(k, hidden(page, k)) for k in ("csrf", "form_key", "version")]
    pairs += [("title", "Équipe b"), ("bureaux__list", "1"), ("bureaux", "93066_0002")]
    before = commits(server)
    status, headers, _ = coord.post(f"/items/{teams['b']}/edit", pairs)
    assert status == 303 and commits(server) == before + 1
    assert "+bureaux: [\"93066_0002\"]" in _git(server.root, "show", "--format=", "HEAD")
    _, page = coord.page(headers["location"])
    assert 'name="bureaux" value="93066_0002" checked' in page
    pairs = [(k, hidden(page, k)) for k in ("csrf", "form_key", "version")]
    pairs += [("title", "Équipe b"), ("bureaux__list", "1"), ("bureaux", "93066_0002"),
              ("bureaux", "93066_9999")]
    status, _, page = coord.post(f"/items/{teams['b']}/edit", pairs)
    assert status == 422 and "93066_9999" in problem_beside(page, "bureaux")
    assert 'name="bureaux" value="93066_9999" checked' in page  # kept as typed
    assert commits(server) == before + 1
