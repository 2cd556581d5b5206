"""`tracker campaign effect`: the method (coverage of the interval, size of the test over
many simulated campaigns) and the command on a real campaign repository."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from tests.helpers import assert_one_line_error, git, run_tracker
from tracker.campaign import effect
from tracker.campaign.target import split

# ---------------------------------------------------------------- the method

SEEDS = range(40)
PERMUTATIONS = 500


def campaign(seed: int, true_effect: float, bureaux: int = 60) -> list[effect.Unit]:
    """A synthetic campaign: bureaux with a reference turnout, arms drawn by
    `tracker target`'s own draw, and a round where treated bureaux move `true_effect`
    more than the others (a swing and each bureau's noise besides)."""
    rng = random.Random(seed)
    rows = [{"id": f"93{n:03d}_0001", "experiment_arm": None} for n in range(bureaux)]
    arms = split(rows, 0.5, seed=seed)
    units = []
    for row in rows:
        registered = rng.randint(600, 1500)
        before = min(0.9, max(0.3, rng.gauss(0.6, 0.08)))
        treated = arms[row["id"]] == "treatment"
        after = before - 0.03 + rng.gauss(0, 0.02) + (true_effect if treated else 0.0)
        units.append(effect.Unit(row["id"], "93", treated, registered, before, after,
                                 doors=300 if treated else 0))
    return units


def test_the_interval_covers_the_simulated_effect_in_about_95_percent_of_campaigns():
    true_effect = 0.015
    covered = 0
    for seed in SEEDS:
        found = effect.estimate(campaign(seed, true_effect), PERMUTATIONS, seed=seed)
        low, high = found["ci95"]
        assert low < found["effect"] < high
        covered += low <= true_effect <= high
    # 40 runs at 95 %: 38 expected; 35 or more happens with probability 0.95
    assert covered >= 35, f"{covered} of {len(SEEDS)} intervals cover the simulated effect"
    assert covered <= 40


def test_without_an_effect_the_test_rejects_in_about_5_percent_of_campaigns():
    rejected = [seed for seed in SEEDS
                if effect.estimate(campaign(seed, 0.0), PERMUTATIONS, seed=seed)["p_value"] < 0.05]
    assert len(rejected) <= 4, f"p < 0.05 in {len(rejected)} of {len(SEEDS)} campaigns"


def test_with_an_effect_the_test_mostly_rejects_and_the_estimate_is_unbiased():
    found = [effect.estimate(campaign(seed, 0.02, bureaux=200), 200, seed=seed)
             for seed in range(10)]
    assert sum(f["p_value"] < 0.05 for f in found) >= 8
    mean = sum(f["effect"] for f in found) / len(found)
    assert abs(mean - 0.02) < 0.004


def test_the_effect_is_the_difference_in_differences_weighted_by_registered_voters():
    units = [effect.Unit(f"b{n}", "93", n < 10, 1000 if n % 2 else 3000, 0.5,
                         0.5 + (0.04 if n < 10 else 0.01) + (0.02 if n % 2 else 0.0))
             for n in range(20)]
    weighted = effect.estimate(units, 50)
    # treated: (3000·0.04 + 1000·0.06) / 4000 = 0.045; control: 0.015 likewise
    assert weighted["effect"] == pytest.approx(0.03)
    assert weighted["treated_mean"] == pytest.approx(0.045)
    unweighted = effect.estimate(units, 50, weighted=False)
    assert unweighted["treated_mean"] == pytest.approx(0.05)
    assert unweighted["effect"] == pytest.approx(0.03)


def test_an_arm_below_the_minimum_is_refused():
    units = campaign(1, 0.0, bureaux=18)
    with pytest.raises(effect.UsageError, match="at least 10 per arm"):
        effect.estimate(units, 50)


def test_a_draw_unlike_the_control_before_the_work_is_flagged():
    units = campaign(2, 0.0)
    for unit in units:
        if unit.treated:
            unit.before += 0.1
            unit.after += 0.1
    result = effect.report(units, "r", "ref", permutations=50)
    assert not result["balance"][0]["balanced"]
    assert result["warnings"] and "participation" in result["warnings"][0]
    assert effect.report(campaign(2, 0.0), "r", "ref", permutations=50)["balance"][0][
        "balanced"]


# ---------------------------------------------------------------- the command

HEADER = ("Code département;Libellé département;Code commune;Libellé commune;Code BV;"
          "Inscrits;Votants;% Votants;Abstentions;% Abstentions;Exprimés;"
          "Numéro de panneau 1;Nom candidat 1;Prénom candidat 1;Voix 1;"
          "Numéro de panneau 2;Nom candidat 2;Prénom candidat 2;Voix 2")


def results_file(path: Path, turnout: dict[str, tuple[int, int]],
                 share: dict[str, float] | None = None) -> Path:
    """A results file in the Ministry's 2024+ format: bureau id -> (inscrits, votants),
    and Alex MARTIN's share of the votes cast (else 40 %), Claire DURAND the rest."""
    rows = [HEADER]
    for bureau, (inscrits, votants) in sorted(turnout.items()):
        insee, number = bureau.split("_")
        cast = votants - 10
        ours = round(cast * (share or {}).get(bureau, 0.4))
        rows.append(f"{insee[:2]};Dép;{insee};Commune {insee};{number};{inscrits};{votants};"
                    f"0;{inscrits - votants};0;{cast};1;MARTIN;Alex;{ours};2;DURAND;Claire;"
                    f"{cast - ours}")
    path.write_bytes(("\n".join(rows) + "\n").encode("cp1252"))
    return path


def build(repo: Path, bureaux: int, shift: float) -> dict[str, str]:
    """A campaign repository: a reference import, a draw, a round import where treated
    bureaux gain `shift` of turnout. Returns the arms."""
    assert run_tracker(repo, "init", "--template", "campaign").returncode == 0
    rng = random.Random(5)
    ids = [f"{'93' if n % 2 else '94'}{n:03d}_0001" for n in range(bureaux)]
    before = {b: (rng.randint(700, 1400), 0) for b in ids}
    before = {b: (i, round(i * rng.uniform(0.5, 0.7))) for b, (i, _) in before.items()}
    done = run_tracker(repo, "import", "fr-results",
                       str(results_file(repo.parent / "ref.csv", before)), "--election", "ref22")
    assert done.returncode == 0, done.stderr
    drawn = run_tracker(repo, "target", "--experiment", "0.5", "--seed", "3", "--format", "json")
    assert drawn.returncode == 0, drawn.stderr
    arms = {r["id"]: r["experiment_arm"] for r in json.loads(drawn.stdout)}
    after = {b: (i, min(i, round(v + i * (rng.gauss(-0.02, 0.01)
                                         + (shift if arms[b] == "treatment" else 0)))))
             for b, (i, v) in before.items()}
    share = {b: 0.4 + rng.gauss(0, 0.01) + (0.03 if arms[b] == "treatment" else 0)
             for b in before}
    done = run_tracker(repo, "import", "fr-results",
                       str(results_file(repo.parent / "t1.csv", after, share)), "--election",
                       "pr27-t1")
    assert done.returncode == 0, done.stderr
    return arms


def test_effect_json_on_a_real_campaign_repository(git_repo: Path):
    arms = build(git_repo, 60, 0.05)
    done = run_tracker(git_repo, "campaign", "effect", "--permutations", "500", "--format",
                       "json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    for key in ("round", "reference", "outcome", "weighted", "treated", "control", "effect",
                "ci95", "p_value", "permutations", "per_100_doors", "votes_gained",
                "gap_share", "balance", "by_departement"):
        assert key in result
    assert (result["round"], result["reference"], result["outcome"]) == ("pr27-t1", "ref22",
                                                                         "turnout")
    assert result["weighted"] is True and result["permutations"] == 500
    assert result["treated"]["bureaux"] == sum(a == "treatment" for a in arms.values()) == 30
    assert set(result["treated"]) >= {"bureaux", "registered", "mean_change"}
    assert 0.035 < result["effect"] < 0.065 and result["p_value"] < 0.01
    assert result["ci95"][0] < result["effect"] < result["ci95"][1]
    assert result["votes_gained"] == pytest.approx(result["effect"]
                                                   * result["treated"]["registered"])
    assert result["per_100_doors"] is None  # no session: no doors knocked
    assert [d["departement"] for d in result["by_departement"]] == ["93", "94"]
    # the reference's counts are read from history: the work tree holds the round's
    assert 'election: "pr27-t1"' in next((git_repo / "bureaux").rglob("*.md")).read_text()
    unweighted = json.loads(run_tracker(git_repo, "campaign", "effect", "--unweighted",
                                        "--permutations", "100", "--format", "json").stdout)
    assert unweighted["weighted"] is False and unweighted["effect"] != result["effect"]
    text = run_tracker(git_repo, "campaign", "effect", "--permutations", "200")
    assert text.returncode == 0, text.stderr
    for words in ("Effet du porte-à-porte", "pondérées par les inscrits", "intervalle à 95 %",
                  "inversion du test", "valeur p", "Débordement", "Une seule élection",
                  "Par département", "Équilibre"):
        assert words in text.stdout, words
    assert git(git_repo, "status", "--porcelain") == ""
    site = run_tracker(git_repo, "report", "site", "--out", str(git_repo.parent / "site"))
    assert site.returncode == 0, site.stderr
    page = (git_repo.parent / "site" / "reports" / "effet.html").read_text(encoding="utf-8")
    assert "Effet du porte-à-porte" in page and "pr27-t1" in page and "Débordement" in page
    assert "effet.html" in (git_repo.parent / "site" / "index.html").read_text(encoding="utf-8")


def test_no_effect_page_before_a_round_is_imported(git_repo: Path):
    assert run_tracker(git_repo, "init", "--template", "campaign").returncode == 0
    site = run_tracker(git_repo, "report", "site", "--out", str(git_repo.parent / "site"))
    assert site.returncode == 0, site.stderr
    reports = git_repo.parent / "site" / "reports"
    assert (reports / "terrain.html").is_file() and not (reports / "effet.html").exists()
    assert "effet.html" not in (git_repo.parent / "site" / "index.html").read_text("utf-8")


def test_effect_refusals_are_one_line(git_repo: Path):
    assert run_tracker(git_repo, "init", "--template", "campaign").returncode == 0
    none = run_tracker(git_repo, "campaign", "effect")
    assert none.returncode != 0 and "no results imported" in none.stderr
    assert "Traceback" not in none.stderr and none.stderr.count("\n") == 1
    small = git_repo.parent / "small"
    small.mkdir()
    git(small, "init", "-q")
    build(small, 12, 0.0)
    refused = run_tracker(small, "campaign", "effect", "--permutations", "50")
    assert refused.returncode != 0 and "at least 10 per arm" in refused.stderr
    assert "Traceback" not in refused.stderr and refused.stderr.count("\n") == 1
    unknown = run_tracker(small, "campaign", "effect", "--round", "pr32-t1")
    assert "no `import fr-results` of election 'pr32-t1'" in unknown.stderr


def test_effect_on_a_candidates_share_and_the_gap_it_could_explain(git_repo: Path):
    build(git_repo, 40, 0.0)
    bureau = next((git_repo / "bureaux").rglob("*.md")).read_text(encoding="utf-8")
    assert "voix:\n  Alex MARTIN: " in bureau and "  Claire DURAND: " in bureau
    done = run_tracker(git_repo, "campaign", "effect", "--candidate", "martin", "--versus",
                       "Claire DURAND", "--permutations", "500", "--format", "json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert (result["outcome"], result["candidate"], result["versus"]) == (
        "share", "Alex MARTIN", "Claire DURAND")
    assert 0.02 < result["effect"] < 0.04 and result["p_value"] < 0.01
    assert result["ci95"][0] < 0.03 < result["ci95"][1]
    assert result["balance"][0]["variable"] == "share_reference"
    assert result["gap"] > 0  # Claire DURAND leads
    assert result["gap_share"] == pytest.approx(result["votes_gained"] / result["gap"])
    assert result["gap_share_ci95"][0] < result["gap_share"] < result["gap_share_ci95"][1]
    text = run_tracker(git_repo, "campaign", "effect", "--candidate", "MARTIN", "--versus",
                       "DURAND", "--permutations", "200")
    assert "part des voix exprimées de Alex MARTIN" in text.stdout
    assert "part de l'écart avec Claire DURAND" in text.stdout
    unknown = run_tracker(git_repo, "campaign", "effect", "--candidate", "NOBODY")
    assert unknown.returncode == 2 and "--candidate NOBODY: no candidate" in unknown.stderr
    assert "Alex MARTIN, Claire DURAND" in unknown.stderr and "Traceback" not in unknown.stderr


def test_share_refusals_name_the_option(camp):
    assert_one_line_error(camp("campaign", "effect", "--outcome", "share"), 2, "--candidate")
    assert_one_line_error(camp("campaign", "effect", "--versus", "X"), 2, "--candidate")


@pytest.mark.parametrize("build_file", ["long_format", "wide_format", "recent_format"])
def test_the_importer_keeps_each_candidates_votes_in_all_three_formats(camp, git_repo: Path,
                                                                      build_file: str):
    from tests import import_files

    path = git_repo.parent / "results.txt"
    path.write_bytes(getattr(import_files, build_file)(import_files.BUREAUX))
    done = camp("import", "fr-results", str(path), "--election", "pr12")
    assert done.exit_code == 0, done.stderr
    text = (git_repo / "bureaux" / "93" / "93066_0012.md").read_text(encoding="utf-8")
    b = import_files.BUREAUX[0]
    first, second, third = b.voix()
    assert (f"voix:\n  Paul MARTIN: {first}\n  Claire DURAND: {second}\n"
            f"  Lucie PETIT: {third}\n") in text
