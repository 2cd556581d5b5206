"""The campaign template through the CLI: computed metrics against hand-computed values,
every check, targeting, the ClaimReview export and the French reports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import as_json, git, log_subjects, make_invoke, run_tracker, write_tree


@pytest.fixture
def camp(git_repo: Path, monkeypatch: pytest.MonkeyPatch):
    """A campaign tracker with two bureaux (one control), a team and a done session."""
    monkeypatch.chdir(git_repo)
    invoke = make_invoke(git_repo)
    assert invoke("init", "--template", "campaign").exit_code == 0
    for code, arm, inscrits, votants in (("0012", "treatment", 1200, 700),
                                         ("0013", "control", 900, 600)):
        r = invoke("new", "bureau", f"Bureau {code}", "--set", f"bureau_id=93066_{code}",
                   "--set", "commune_insee=93066", "--set", "departement=93",
                   "--set", "commune_name=Saint-Denis", "--set", f"inscrits={inscrits}",
                   "--set", f"votants={votants}", "--set", f"abstentions={inscrits - votants}",
                   "--set", f"experiment_arm={arm}", "--set", "target_doors=400",
                   # its status follows its doors: no warning (#17)
                   *(("--set", "status=active") if arm == "treatment" else ()))
        assert r.exit_code == 0, r.stderr
    team = invoke("new", "team", "Saint-Denis Nord", "--set", "leader=mob-93-017").stdout.strip()
    session = invoke("new", "session", "Samedi matin", "--set", "date=2027-03-06",
                     "--set", "bureau=93066_0012", "--set", f"team={team}",
                     "--set", "knocked=212", "--set", "not_home=98", "--set", "inaccessible=2",
                     "--set", "refused=30", "--set", "positive=8", "--set", "undecided=40",
                     "--set", "negative=25", "--set", "other=9", "--set", "volunteer_hours=8",
                     "--set", "themes=logement,transports").stdout.strip()
    assert invoke("move", session, "done").exit_code == 0
    return {"invoke": invoke, "repo": git_repo, "team": team, "session": session}


def test_session_metrics_are_hand_computed(camp):
    shown = as_json(camp["invoke"]("show", camp["session"], "--format", "json"))
    assert shown["opened"] == 212 - 98 - 2 == 112
    assert shown["open_rate"] == pytest.approx(112 / 212)
    assert shown["positive_rate"] == pytest.approx(8 / 112)  # one in 14
    assert round(1 / shown["positive_rate"]) == 14
    assert shown["doors_per_hour"] == pytest.approx(212 / 8)


def test_bureau_rolls_up_its_sessions(camp):
    bureau = as_json(camp["invoke"]("show", "93066_0012", "--format", "json"))
    assert bureau["abstention_rate"] == pytest.approx(500 / 1200)
    assert (bureau["sessions"], bureau["doors_knocked"], bureau["doors_opened"],
            bureau["positive"]) == (1, 212, 112, 8)
    assert bureau["positive_rate"] == pytest.approx(8 / 112)
    assert bureau["progress"] == pytest.approx(212 / 400)


def test_codes_are_written_quoted_and_unquoted_codes_refused(camp):
    text = (camp["repo"] / "bureaux/93/93066_0012.md").read_text()
    assert 'bureau_id: "93066_0012"' in text and 'commune_insee: "93066"' in text
    path = camp["repo"] / "bureaux/93/93066_0012.md"
    path.write_text(text.replace('commune_insee: "93066"', "commune_insee: 01001"))
    result = camp["invoke"]("check", "--format", "json")
    assert result.exit_code == 1
    problem = json.loads(result.stdout)[0]
    assert problem["field"] == "commune_insee"
    assert 'write it in quotes, commune_insee: "01001"' in problem["message"]
    assert "513" in problem["message"]


def test_outcome_counts_must_sum_to_knocked(camp):
    result = camp["invoke"]("set", camp["session"], "positive=9")
    assert result.exit_code == 1
    assert "doivent totaliser knocked" in result.stderr
    assert "(nothing was written)" in result.stderr
    path = camp["repo"] / f"sessions/{camp['session']}.md"
    path.write_text(path.read_text().replace("positive: 8", "positive: 9"))
    problems = json.loads(camp["invoke"]("check", "--format", "json").stdout)
    assert [(p["field"], p["path"]) for p in problems] == [
        ("knocked", f"sessions/{camp['session']}.md")]


def test_control_bureau_gets_no_session(camp):
    refused = camp["invoke"]("new", "session", "Témoin", "--set", "date=2027-03-07",
                             "--set", "bureau=93066_0013", "--set", "knocked=0")
    assert refused.exit_code == 1 and "témoin" in refused.stderr
    write_tree(camp["repo"], {"sessions/ses-byhand01.md":
                              "---\ntitle: À la main\nstatus: planned\ndate: 2027-03-07\n"
                              "bureau: \"93066_0013\"\n---\n"})
    problems = json.loads(camp["invoke"]("check", "--format", "json").stdout)
    fields = {(p["path"], p["field"]) for p in problems}
    assert ("bureaux/93/93066_0013.md", "experiment_arm") in fields
    assert ("sessions/ses-byhand01.md", "bureau") in fields


def test_claim_is_published_only_with_another_reviewer(camp):
    invoke = camp["invoke"]
    claim = invoke("new", "claim", "Chômage", "--set", "claim_text=Le chômage a baissé",
                   "--set", "author=desk-01", "--set", "verdict=faux",
                   "--set", "status=second-check").stdout.strip()
    assert invoke("move", claim, "published").exit_code == 1
    invoke("set", claim, "reviewer=desk-01")
    refused = invoke("move", claim, "published")
    assert refused.exit_code == 1 and "relecteur" in refused.stderr
    invoke("set", claim, "reviewer=desk-02")
    assert invoke("move", claim, "published").exit_code == 0


@pytest.mark.parametrize("values, allowed", [
    (["max_single_eur=4600"], True),
    (["max_single_eur=4600.01"], False),
    (["cash_count=2", "cash_eur=300"], True),
    (["cash_count=2", "cash_eur=300.5"], False),
    (["cash_eur=151"], False),
])
def test_donation_ceilings(camp, values, allowed):
    args = ["new", "donations", "Dons", "--set", "date=2027-03-02", "--set", "channel=especes"]
    for value in values:
        args += ["--set", value]
    result = camp["invoke"](*args)
    assert (result.exit_code == 0) is allowed, result.stderr


@pytest.mark.parametrize("kind, values, allowed", [
    ("session", ["date=2027-04-09", "knocked=0"], True),
    ("session", ["date=2027-04-10", "knocked=0"], False),  # the eve of the first round
    ("session", ["date=2027-04-10", "knocked=0", "channel=tractage"], True),
    ("email", ["sent_at=2027-04-09T23:59:00+02:00"], True),
    ("email", ["sent_at=2027-04-10T00:00:00+02:00"], False),
    ("email", ["sent_at=2027-04-25T19:00:00+02:00"], False),
])
def test_electoral_silence(camp, kind, values, allowed):
    args = ["new", kind, "Pendant le silence ?"]
    for value in values:
        args += ["--set", value]
    result = camp["invoke"](*args)
    assert (result.exit_code == 0) is allowed, result.stderr


@pytest.mark.parametrize("text", ["jean.dupont@example.org", "06 12 34 56 78", "+33 6 12 34 56 78",
                                  "0612345678", "01.42.00.00.00"])
def test_no_personal_data_anywhere(camp, text):
    refused = camp["invoke"]("new", "session", "Remontée", "--set", "date=2027-03-08",
                             "--body", f"Rappeler {text} demain.")
    assert refused.exit_code == 1 and "personal data" in refused.stderr
    refused = camp["invoke"]("set", camp["session"], f"title=Appeler {text}")
    assert refused.exit_code == 1
    write_tree(camp["repo"], {"equipes/team-hand01.md":
                              f"---\ntitle: Équipe\nstatus: forming\n---\nContact : {text}\n"})
    problems = json.loads(camp["invoke"]("check", "--format", "json").stdout)
    assert [(p["path"], p["line"]) for p in problems] == [("equipes/team-hand01.md", 5)]


def test_a_bureau_number_is_not_a_phone_number(camp):
    result = camp["invoke"]("new", "session", "Bureau 0012 puis 93066_0013", "--set",
                            "date=2027-03-08", "--body", "Inscrits : 1200, votants 700.")
    assert result.exit_code == 0, result.stderr


def test_target_ranks_by_abstainers_and_skips_control(camp):
    invoke = camp["invoke"]
    invoke("new", "bureau", "Bureau 0014", "--set", "bureau_id=93066_0014",
           "--set", "commune_insee=93066", "--set", "departement=93", "--set", "inscrits=2000",
           "--set", "votants=1400", "--set", "abstentions=600")
    invoke("new", "bureau", "Bureau 0015", "--set", "bureau_id=93066_0015",
           "--set", "commune_insee=93066", "--set", "departement=93", "--set", "inscrits=800",
           "--set", "votants=300", "--set", "abstentions=500")
    ranked = as_json(invoke("target", "--format", "json"))
    # 600 abstainers first; then 500 and 500, in id order; the control bureau 0013 is out
    assert [r["id"] for r in ranked] == ["93066_0014", "93066_0012", "93066_0015"]
    assert ranked[0]["score"] == pytest.approx(600)
    assert set(ranked[0]) >= {"id", "score"}
    top = as_json(invoke("target", "--top", "1", "--score", "inscrits", "--format", "json"))
    assert [r["id"] for r in top] == ["93066_0014"]


def test_target_assigns_round_robin_in_one_commit(camp):
    invoke = camp["invoke"]
    second = invoke("new", "team", "Sud", "--set", "leader=mob-93-042").stdout.strip()
    for n in range(4):
        invoke("new", "bureau", f"B{n}", "--set", f"bureau_id=93001_000{n}",
               "--set", "commune_insee=93001", "--set", "departement=93",
               "--set", f"inscrits={1000 + n}", "--set", "votants=500",
               "--set", f"abstentions={500 + n}")
    before = len(log_subjects(camp["repo"]))
    ranked = as_json(invoke("target", "--where", "commune_insee == '93001'",
                            "--assign", f"{camp['team']},{second}", "--format", "json"))
    assert len(log_subjects(camp["repo"])) == before + 1
    assert [(r["id"], r["team"], r["status"]) for r in ranked] == [
        ("93001_0003", camp["team"], "assigned"), ("93001_0002", second, "assigned"),
        ("93001_0001", camp["team"], "assigned"), ("93001_0000", second, "assigned")]
    shown = as_json(invoke("show", "93001_0001", "--format", "json"))
    assert shown["team"] == camp["team"] and shown["status"] == "assigned"


def test_experiment_draw_is_seeded(camp, tmp_path):
    invoke = camp["invoke"]
    for n in range(10):
        invoke("new", "bureau", f"B{n}", "--set", f"bureau_id=93002_00{n:02d}",
               "--set", "commune_insee=93002", "--set", "departement=93",
               "--set", "inscrits=1000", "--set", "votants=500", "--set", "abstentions=500")
    first = as_json(invoke("target", "--where", "commune_insee == '93002'", "--experiment",
                           "0.5", "--seed", "42", "--no-commit", "--format", "json"))
    arms = {r["id"]: r["experiment_arm"] for r in first}
    assert sorted(arms.values()).count("treatment") == 5
    git(camp["repo"], "checkout", "-q", "--", ".")
    again = as_json(invoke("target", "--where", "commune_insee == '93002'", "--experiment",
                           "0.5", "--seed", "42", "--format", "json"))
    assert {r["id"]: r["experiment_arm"] for r in again} == arms
    control = [i for i, a in arms.items() if a == "control"]
    after = as_json(invoke("target", "--where", "commune_insee == '93002'", "--format", "json"))
    assert not set(control) & {r["id"] for r in after}


def test_claimreview_export(camp, tmp_path):
    invoke = camp["invoke"]
    claim = invoke("new", "claim", "Chômage", "--set",
                   "claim_text=Le chômage a baissé de 10 % en un an selon le candidat dans son "
                   "discours de Lille", "--set", "claimant=Candidat X", "--set",
                   "claim_date=2027-03-01", "--set", "appearance_url=https://example.org/d",
                   "--set", "author=desk-01", "--set", "reviewer=desk-02",
                   "--set", "verdict=plutot-faux", "--set",
                   "published_url=https://example.org/verif/1", "--set",
                   "published_at=2027-03-03", "--set", "status=published").stdout.strip()
    invoke("new", "claim", "Pas encore", "--set", "claim_text=x")
    out = tmp_path / "claims.jsonld"
    assert invoke("export", "claimreview", "--out", str(out)).exit_code == 0
    reviews = json.loads(out.read_text())
    assert len(reviews) == 1, claim
    review = reviews[0]
    assert review["@type"] == "ClaimReview" and review["@context"] == "https://schema.org"
    assert len(review["claimReviewed"]) <= 75
    assert review["reviewRating"] == {"@type": "Rating", "ratingValue": 2, "bestRating": 5,
                                      "worstRating": 1, "alternateName": "Plutôt faux"}
    assert review["itemReviewed"]["author"]["name"] == "Candidat X"
    assert review["itemReviewed"]["datePublished"] == "2027-03-01"
    assert review["itemReviewed"]["appearance"]["url"] == "https://example.org/d"
    assert review["url"] == "https://example.org/verif/1"
    assert review["datePublished"] == "2027-03-03"
    assert review["author"]["@type"] == "Organization"


def test_terrain_report_has_the_one_in_fourteen(camp):
    result = camp["invoke"]("report", "terrain")
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    assert "**212 portes frappées**, 112 ouvertes" in text
    assert "**1 sur 14**" in text
    assert "| `93066_0012` | Saint-Denis | treatment | 1 | 212 | 112 | 8 | 7,1\u00a0% | 400 |" in text
    assert "| témoins | 1 | 900 |" in text
    assert "1. logement (1)" in text


@pytest.mark.parametrize("name", ["equipes", "envois", "collecte", "incidents", "verifications"])
def test_campaign_reports_render(camp, name):
    result = camp["invoke"]("report", name)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("## ")


def test_campaign_site_has_reports_through_the_installed_cli(camp, tmp_path):
    done = run_tracker(camp["repo"], "report", "site", "--out", str(tmp_path / "site"))
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "site/reports/terrain.html").is_file()
    index = (tmp_path / "site/index.html").read_text()
    assert 'href="reports/terrain.html"' in index
