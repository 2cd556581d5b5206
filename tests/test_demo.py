"""The README's main command: `tracker demo` builds the campaign and its site, the same
for the same seed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import git, run_tracker


@pytest.mark.slow
def test_demo_end_to_end_and_deterministic(tmp_path: Path):
    runs = []
    for name in ("a", "b"):
        done = run_tracker(tmp_path, "demo", "--out", name, "--seed", "3")
        assert done.returncode == 0, done.stderr
        index = Path(done.stdout.strip().splitlines()[-1])
        assert index == (tmp_path / name / "site" / "index.html").resolve()
        assert index.is_file()
        runs.append(tmp_path / name / "campagne")
    repo = runs[0]
    assert git(repo, "status", "--porcelain") == ""
    check = run_tracker(repo, "check")
    assert check.returncode == 0, check.stdout + check.stderr
    dates = git(repo, "log", "--format=%ad", "--date=short").split()
    assert dates[-1] == "2027-01-11" and max(dates) >= "2027-03-01"
    assert len(dates) > 150
    assert git(runs[0], "rev-parse", "HEAD^{tree}") == git(runs[1], "rev-parse", "HEAD^{tree}")
    site = repo.parent / "site"
    terrain = (site / "reports" / "terrain.html").read_text(encoding="utf-8")
    assert "portes frappées" in terrain and "1 sur 1" in terrain
    assert len(list((site / "bilans").glob("*.html"))) > 80
    effect = (site / "reports" / "effet.html").read_text(encoding="utf-8")
    assert "Effet du porte-à-porte – pr27-t1 (référence pr22-t1)" in effect
    # the demo closes the loop (#18 §2): its round 1 was simulated with +1.5 points of
    # turnout in treated bureaux, and the measure on its own draw finds it in its interval
    measured = run_tracker(repo, "campaign", "effect", "--format", "json",
                           "--permutations", "1000")
    assert measured.returncode == 0, measured.stderr
    result = json.loads(measured.stdout)
    assert (result["round"], result["reference"], result["outcome"]) == (
        "pr27-t1", "pr22-t1", "turnout")
    assert result["treated"]["bureaux"] == result["control"]["bureaux"] > 20
    low, high = result["ci95"]
    assert low < 0.015 < high and low < result["effect"] < high
    subjects = git(repo, "log", "--format=%s")
    assert "import fr-results:" in subjects and "import communes:" in subjects
    # the account and the bilans' indicators (#18 §3, §4): figures, the simulated label
    compte = (site / "reports" / "compte.html").read_text(encoding="utf-8")
    assert "Compte de campagne" in compte and "Plafond légal" in compte
    assert "import indicators: chomage 2025" in subjects
    bilan = (site / "bilans" / "93066.html").read_text(encoding="utf-8")
    assert "Aucun indicateur renseigné" not in bilan and "Données simulées" in bilan
