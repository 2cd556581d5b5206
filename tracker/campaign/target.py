"""`tracker target`: rank polling stations by a score, split them into treatment and
control at random (seeded), and assign them to teams round-robin.

The default score is the abstention rate times the registered voters, that is the
number of abstainers a team could meet. Bureaux already covered, closed, dropped, or
in the control arm are skipped: the control arm gets no field work.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from tracker.api import Tracker
from tracker.model.errors import TrackerError, UsageError

DEFAULT_SCORE = "abstention_rate * inscrits if abstention_rate is not none and inscrits else 0"
SKIPPED = ("covered", "closed", "dropped")


@dataclass
class Plan:
    ranked: list[dict[str, Any]]
    arms: dict[str, str] = field(default_factory=dict)  # bureau id -> treatment/control
    teams: dict[str, str] = field(default_factory=dict)  # bureau id -> team id


def rank(t: Tracker, where: str | None = None, score: str | None = None,
         top: int | None = None) -> list[dict[str, Any]]:
    """Candidate bureaux with their score, best first (ties by id)."""
    if "bureau" not in t.kinds:
        raise TrackerError("no 'bureau' kind here: targeting needs the campaign template")
    from tracker.expr.jinja import Expression  # noqa: PLC0415

    scoring = Expression(score or DEFAULT_SCORE, "--score")
    keep = Expression(where, "--where") if where else None
    ranked: list[dict[str, Any]] = []
    for item in t.items(["bureau"]).items:
        context = t.context(item)
        if context.get("status") in SKIPPED or context.get("experiment_arm") == "control":
            continue
        if keep and not keep.evaluate(context, default=False):
            continue
        value = scoring.evaluate(context)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            ranked.append({"id": item.id, "score": round(float(value), 4),
                           "commune_name": context.get("commune_name"),
                           "inscrits": context.get("inscrits"),
                           "abstention_rate": context.get("abstention_rate"),
                           "status": context.get("status"), "team": context.get("team"),
                           "experiment_arm": context.get("experiment_arm")})
    ranked.sort(key=lambda r: (-float(r["score"]), str(r["id"])))
    return ranked[:top] if top else ranked


def split(ranked: list[dict[str, Any]], share: float, seed: int) -> dict[str, str]:
    """A seeded random draw: `share` of the bureaux without an arm go to treatment."""
    if not 0 < share < 1:
        raise UsageError("--experiment takes the treatment share, between 0 and 1 (e.g. 0.5)")
    open_ids = sorted(r["id"] for r in ranked if r.get("experiment_arm") in (None, "none"))
    random.Random(seed).shuffle(open_ids)
    cut = round(len(open_ids) * share)
    return {b: ("treatment" if n < cut else "control") for n, b in enumerate(open_ids)}


def assign(t: Tracker, ranked: list[dict[str, Any]], teams: list[str],
           arms: dict[str, str]) -> dict[str, str]:
    """Bureaux (not in control) to teams, round-robin in rank order."""
    team_ids = [t.resolve(team).id for team in teams]
    for team_id, given in zip(team_ids, teams):
        if t.resolve(given).kind.name != "team":
            raise UsageError(f"'{given}' is not a team")
    eligible = [r["id"] for r in ranked if arms.get(r["id"], r.get("experiment_arm")) != "control"]
    return {bureau: team_ids[n % len(team_ids)] for n, bureau in enumerate(eligible)}


def apply(t: Tracker, plan: Plan, commit: bool = True) -> int:
    """Write the arms and teams in one commit; returns how many bureaux changed."""
    records = []
    for row in plan.ranked:
        record: dict[str, Any] = {"bureau_id": row["id"]}
        if row["id"] in plan.arms:
            record["experiment_arm"] = plan.arms[row["id"]]
        if row["id"] in plan.teams:
            record["team"] = plan.teams[row["id"]]
            if row["status"] in ("proposed", "approved"):
                record["status"] = "assigned"
        if len(record) > 1:
            records.append(record)
    parts = [f"{len(plan.arms)} drawn" if plan.arms else "",
             f"{len(plan.teams)} assigned" if plan.teams else ""]
    outcome = t.upsert("bureau", records, message="target: bureaux "
                       + ", ".join(p for p in parts if p), commit=commit)
    return outcome.updated
