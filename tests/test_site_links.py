"""The static site's links and home page (#17): every ref a link, back-links on item pages
(a bureau's sessions by date, a team's sessions and bureaux, a bilan's bureaux), rebuilt
when a pointing item changes; the dashboard a template declares, its numbers checked
against the items, its values escaped, a broken panel a one-line error."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

from tests.helpers import assert_one_line_error, commit_all, run_tracker, write_tree

NOW = date(2026, 3, 1)  # TRACKER_NOW of conftest's PINNED
COUNTED = ("done", "reported", "validated")


def front(**fields: object) -> str:
    lines = []
    for name, value in fields.items():
        plain = isinstance(value, str) and re.fullmatch(r"\d{4}-\d\d-\d\d(T[0-9:+]+)?", value)
        text = value if plain or not isinstance(value, (str, list)) else \
            json.dumps(value, ensure_ascii=False)
        lines.append(f"{name}: {text}")
    return "---\n" + "\n".join(lines) + "\n---\n"


BUREAUX = {  # id: (arm, team, target)
    "93066_0001": ("treatment", "team-aaaaaa", 300),
    "93066_0002": ("treatment", "team-aaaaaa", 200),
    "93066_0003": ("control", None, None),
    "93048_0001": ("treatment", "team-bbbbbb", 100),
}
SESSIONS = {  # id: (bureau, team, date, status, knocked, not_home, positive)
    "ses-aaaa0001": ("93066_0001", "team-aaaaaa", "2026-02-28", "reported", 100, 40, 6),
    "ses-aaaa0002": ("93066_0001", "team-aaaaaa", "2026-02-10", "done", 80, 30, 2),
    "ses-aaaa0003": ("93066_0001", "team-aaaaaa", "2026-02-20", "validated", 60, 20, 3),
    "ses-aaaa0004": ("93066_0002", "team-aaaaaa", "2026-02-25", "done", 50, 10, 4),
    "ses-aaaa0005": ("93066_0002", "team-aaaaaa", "2026-02-27", "planned", None, None, None),
    "ses-aaaa0006": ("93048_0001", "team-bbbbbb", "2026-02-22", "reported", 70, 20, 1),
}


@pytest.fixture
def campaign(camp, git_repo: Path) -> Path:
    """A small campaign: two communes, four bureaux (one control), two teams, six
    sessions, an operation, trainings, an incident, fact-checks (one titled <script>)."""
    files: dict[str, str] = {}
    for bureau, (arm, team, target) in BUREAUX.items():
        fields = {"title": f"Bureau {bureau}", "status": "assigned", "bureau_id": bureau,
                  "commune_insee": bureau[:5], "departement": bureau[:2],
                  "experiment_arm": arm, "inscrits": 1000}
        fields.update({k: v for k, v in (("team", team), ("target_doors", target)) if v})
        files[f"bureaux/{bureau[:2]}/{bureau}.md"] = front(**fields)
    for commune, name in (("93066", "Saint-Denis"), ("93048", "Montreuil")):
        files[f"bilans/93/{commune}.md"] = front(
            title=f"Bilan {name}", status="draft", commune_insee=commune,
            commune_name=name, departement="93")
    for team, name in (("team-aaaaaa", "Équipe Nord"), ("team-bbbbbb", "Équipe Est")):
        files[f"equipes/{team}.md"] = front(title=name, status="active")
    for sid, (bureau, team, day, status, knocked, not_home, positive) in SESSIONS.items():
        fields = {"title": f"Porte-à-porte {day}", "status": status, "date": day,
                  "bureau": bureau, "team": team}
        if knocked is not None:
            fields.update(knocked=knocked, not_home=not_home, positive=positive,
                          refused=knocked - not_home - positive)
        files[f"sessions/{sid}.md"] = front(**fields)
    files["operations/op-aaaaaa.md"] = front(
        title="Printemps : 2 000 portes", status="running", start="2026-02-01",
        end="2026-03-31", target=2000, metric="knocked", scope="national")
    files["formations/form-aaaaaa.md"] = front(
        title="Formation au porte-à-porte", status="scheduled", date="2026-03-05")
    files["formations/form-bbbbbb.md"] = front(
        title="Formation passée", status="held", date="2026-02-05")
    files["incidents/inc-aaaaaa.md"] = front(
        title="DDoS sur le site", status="mitigating", site="example.org",
        detected_at="2026-02-27T21:00:00+01:00")
    files["incidents/inc-bbbbbb.md"] = front(
        title="Incident clos", status="resolved", site="example.org",
        detected_at="2026-02-01T21:00:00+01:00")
    files["verifications/claim-aaaaaa.md"] = front(
        title="<script>alert('claim')</script>", status="second-check",
        claim_text="Un chiffre", author="desk-01")
    files["verifications/claim-bbbbbb.md"] = front(
        title="Déjà publiée", status="draft", claim_text="Autre chiffre")
    write_tree(git_repo, files)
    commit_all(git_repo, "campaign items", date="2026-02-28T10:00:00+01:00")
    return git_repo


def build(repo: Path, out: Path) -> None:
    done = run_tracker(repo, "report", "site", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""


def page(out: Path, rel: str) -> str:
    return (out / rel).read_text(encoding="utf-8")


def section(html: str, heading: str) -> str:
    """The <section> whose <h2> starts with `heading`."""
    at = html.index(f"<h2>{heading}")
    return html[html.rindex("<section", 0, at):html.index("</section>", at)]


def rows(html: str) -> list[str]:
    return re.findall(r"<tr><td>(.*?)</tr>", html, re.S)


def listed(repo: Path, kind: str) -> list[dict]:
    done = run_tracker(repo, "list", kind, "--format", "json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_refs_are_links_and_pages_list_what_points_to_them(campaign, tmp_path):
    out = tmp_path / "site"
    build(campaign, out)
    session = page(out, "items/session/ses-aaaa0001.html")
    assert '<a class="ref" href="../../items/bureau/93066_0001.html" title="Bureau 93066_0001">' \
           '93066_0001</a>' in session
    assert 'href="../../items/team/team-aaaaaa.html"' in session
    table = page(out, "kinds/session.html")
    assert 'href="../items/bureau/93066_0002.html"' in table  # refs in the kind's table too
    terrain = page(out, "reports/terrain.html")  # and in the reports' pages
    assert '<a href="../items/bureau/93066_0001.html"><code>93066_0001</code></a>' in terrain
    # sessions sort by date, there and on the bureau's page
    ids = re.findall(r'href="../items/session/(ses-\w+)\.html"', table)
    by_date = sorted(SESSIONS, key=lambda s: (SESSIONS[s][2], s))
    assert ids == by_date
    bureau = section(page(out, "items/bureau/93066_0001.html"), "Sessions de terrain")
    ids = re.findall(r'href="../../items/session/(ses-\w+)\.html"', bureau)
    assert ids == ["ses-aaaa0002", "ses-aaaa0003", "ses-aaaa0001"]
    team = page(out, "items/team/team-aaaaaa.html")
    sessions = re.findall(r'href="../../items/session/(ses-\w+)\.html"',
                          section(team, "Sessions de terrain"))
    assert sessions == sorted((s for s in SESSIONS if SESSIONS[s][1] == "team-aaaaaa"),
                              key=lambda s: SESSIONS[s][2])
    bureaux = re.findall(r'href="../../items/bureau/(\w+)\.html"', section(team, "Bureaux de vote"))
    assert bureaux == ["93066_0001", "93066_0002"]
    assert "control" not in section(team, "Bureaux de vote")


def test_a_bilan_lists_its_communes_bureaux_with_their_figures(campaign, tmp_path):
    out = tmp_path / "site"
    build(campaign, out)
    bilan = section(page(out, "bilans/93066.html"), "Bureaux de vote")
    found = rows(bilan)
    assert [re.search(r"bureau/(\w+)\.html", r).group(1) for r in found] == \
        ["93066_0001", "93066_0002", "93066_0003"]
    knocked = sum(SESSIONS[s][4] for s in SESSIONS
                  if SESSIONS[s][0] == "93066_0001" and SESSIONS[s][3] in COUNTED)
    assert f"<td>{knocked}</td>" in found[0]  # doors knocked
    assert "<td>300</td>" in found[0]  # its target
    assert "93048" not in bilan


def test_a_back_link_page_is_rebuilt_when_the_pointing_item_changes(campaign, tmp_path):
    out = tmp_path / "site"
    build(campaign, out)
    assert "ses-aaaa0006" not in page(out, "items/bureau/93066_0002.html")
    done = run_tracker(campaign, "set", "ses-aaaa0006", "bureau=93066_0002", "team=team-aaaaaa")
    assert done.returncode == 0, done.stderr
    build(campaign, out)  # into the same folder, over the pages of the first build
    assert "ses-aaaa0006" in section(page(out, "items/bureau/93066_0002.html"),
                                     "Sessions de terrain")
    assert "ses-aaaa0006" not in page(out, "items/bureau/93048_0001.html")
    assert "ses-aaaa0006" in page(out, "items/team/team-aaaaaa.html")
    assert "ses-aaaa0006" not in page(out, "items/team/team-bbbbbb.html")


def test_the_campaign_home_answers_the_directors_questions(campaign, tmp_path):
    out = tmp_path / "site"
    build(campaign, out)
    index = page(out, "index.html")
    sessions = [s for s in listed(campaign, "session") if s["status"] in COUNTED]

    def knocked(low: int, high: int) -> int:
        return sum(s["knocked"] for s in sessions
                   if low <= (NOW - date.fromisoformat(s["date"])).days < high)

    doors = section(index, "Portes frappées</h2>")
    assert f"<dt>7 derniers jours</dt><dd>{knocked(0, 7)}</dd>" in doors
    assert f"<dt>7 jours précédents</dt><dd>{knocked(7, 14)}</dd>" in doors
    assert knocked(0, 7) == 150 and knocked(7, 14) == 130  # the fixture's own sums
    opened = sum(s["knocked"] - s["not_home"] for s in sessions)
    positive = sum(s["positive"] for s in sessions)
    assert f"<dd>1 sur {round(opened / positive)}</dd>" in section(index, "Un positif")
    bureaux = {b["id"]: b for b in listed(campaign, "bureau")}
    treated = [b for b in bureaux if bureaux[b]["experiment_arm"] == "treatment"]
    covered = {SESSIONS[s][0] for s in SESSIONS if SESSIONS[s][3] in COUNTED}
    coverage = section(index, "Bureaux couverts")
    assert f"<dt>traitement</dt><dd>{len(covered & set(treated))} sur {len(treated)}</dd>" \
        in coverage
    assert "<dd>0 sur 1</dd>" in coverage  # the control bureau, kept apart
    operation = rows(section(index, "Opérations"))
    assert len(operation) == 1
    actual = sum(s["knocked"] for s in sessions)
    assert f"<td>{actual}</td>" in operation[0]
    assert f"{actual / 2000 * 100:.1f}".replace(".", ",") + "\u00a0%" in operation[0]
    trainings = section(index, "Prochaines formations")
    assert "Formation au porte-à-porte" in trainings and "Formation passée" not in trainings
    assert "2026-04" not in index and "2027-04-10 00:00 → 2027-04-11 20:00" in \
        section(index, "Silence électoral")
    incidents = section(index, "Incidents ouverts")
    assert "DDoS sur le site" in incidents and "Incident clos" not in incidents
    checks = section(index, "Vérifications en attente")
    assert len(rows(checks)) == 1 and "Déjà publiée" not in checks
    # the hostile title is text, on the dashboard as on its page
    assert "&lt;script&gt;alert(&#39;claim&#39;)&lt;/script&gt;" in checks
    assert "<script>alert" not in index
    # status summaries in workflow order: the bureau's chart lists its statuses in order
    chart = index[index.index('aria-label="Bureaux de vote · Par statut"'):]
    chart = chart[:chart.index("</svg>")]
    labels = re.findall(r'class="label">([^<]+)<', chart)  # labels, in workflow order
    assert labels == ["Proposé", "Approuvé", "Attribué", "En cours", "Couvert", "Clos",
                      "Abandonné"]


def test_the_default_templates_home_shows_its_panels(invoke, repo, tmp_path):
    for title, extra in (("Imprimer", ("--set", "priority=high", "--set", "due=2026-03-05")),
                         ("<script>alert(1)</script>", ()), ("Fini", ())):
        assert invoke("new", "issue", title, *extra).exit_code == 0
    done = [i for i in json.loads(invoke("list", "--format", "json").stdout)
            if i["title"] == "Fini"][0]["id"]
    assert invoke("move", done, "in-progress").exit_code == 0
    assert invoke("move", done, "done").exit_code == 0
    out = tmp_path / "site"
    build(repo, out)
    index = page(out, "index.html")
    open_ = section(index, "Open, by priority")
    assert len(rows(open_)) == 2 and "Fini" not in open_
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in open_ and "<script>alert" not in index
    due = section(index, "Due in the next 14 days")
    assert "Imprimer" in due and len(rows(due)) == 1
    closed = section(index, "Recently closed")
    assert "Fini" in closed and len(rows(closed)) == 1
    counts = section(index, "By status")
    assert re.findall(r'"status">([^<]+)</span> <b>(\d+)</b>', counts) == \
        [("open", "2"), ("In progress", "0"), ("done", "1"), ("closed", "0")]  # labels
    assert "<svg" in section(index, "Burn-up: issues")


def test_a_broken_dashboard_expression_is_one_line_naming_the_file(invoke, repo, tmp_path):
    config = repo / ".tracker/config.yaml"
    config.write_text(config.read_text(encoding="utf-8").split("dashboard:")[0]
                      + "dashboard:\n  - {type: metric, title: Broken, kind: issue,"
                        " value: \"total('x' +\"}\n", encoding="utf-8")
    result = invoke("report", "site", "--out", str(tmp_path / "site"))
    assert_one_line_error(result, 2, ".tracker/config.yaml: dashboard panel 1 (Broken): value:",
                          "invalid expression")
    config.write_text(config.read_text(encoding="utf-8").replace(
        "value: \"total('x' +\"", "where: \"status = open\", value: count"), encoding="utf-8")
    result = invoke("report", "site", "--out", str(tmp_path / "site"))
    assert_one_line_error(result, 2, ".tracker/config.yaml: dashboard panel 1 (Broken):",
                          "==")
    config.write_text(config.read_text(encoding="utf-8").replace("type: metric", "type: pie"),
                      encoding="utf-8")
    result = invoke("report", "site", "--out", str(tmp_path / "site"))
    assert_one_line_error(result, 2, "dashboard panel 1 (Broken): type: one of metric")


def test_the_campaign_dashboard_passes_check(camp):
    done = camp("check")
    assert done.exit_code == 0 and "dashboard" not in done.output, done.output


def test_check_reports_a_broken_dashboard_panel_naming_the_config(invoke, repo):
    assert invoke("check").exit_code == 0  # the default template's dashboard is sound
    config = repo / ".tracker/config.yaml"
    config.write_text(config.read_text(encoding="utf-8").split("dashboard:")[0]
                      + "dashboard:\n  - {type: list, title: Soon, kind: isue}\n"
                        "  - {type: count, title: Who, kind: issue, by: nobody}\n"
                        "  - {type: metric, title: Broken, value: \"total('x' +\"}\n"
                        "  - {type: list, title: Cols, kind: issue, fields: [status, colour]}\n",
                      encoding="utf-8")
    done = invoke("check")
    assert done.exit_code == 1, done.output
    lines = sorted(line for line in done.output.splitlines() if "dashboard panel" in line)
    assert len(lines) == 4, done.output
    assert all(line.startswith(".tracker/config.yaml:") for line in lines), lines
    assert "dashboard panel 1 (Soon): kind: one of issue (found 'isue')" in lines[0]
    assert "dashboard panel 2 (Who): by: a field of issue" in lines[1]
    assert "dashboard panel 3 (Broken): value: invalid expression" in lines[2]
    assert "dashboard panel 4 (Cols): fields: 'colour' is no field of issue" in lines[3]
    listed = invoke("check", "--format", "json")
    assert listed.exit_code == 1 and "dashboard panel 1 (Soon)" in listed.stdout
    site = invoke("report", "site", "--out", str(repo.parent / "site"))
    assert_one_line_error(site, 2, ".tracker/config.yaml: dashboard panel 1 (Soon): kind:")
