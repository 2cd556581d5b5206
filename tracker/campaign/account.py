"""The campaign account (`compte`): spending by category and by week, the web share, the
share of the legal ceiling used and its projection, donations against spending (pure).

Spending (`depense` items) is capped by law per round (`limits.spending_ceiling_eur`,
one per `election.rounds`); donations (`donations` items) keep their own caps.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from tracker.campaign.stats import ratio

CATEGORIES = ("web", "print", "meetings", "travel", "staff", "polling", "other")
RECENT_DAYS = 28  # the projection's run rate: the spending of the last four weeks
ONLINE = "en-ligne"


def account(spendings: list[dict[str, Any]], donations: list[dict[str, Any]],
            config: dict[str, Any], today: date) -> dict[str, Any]:
    """The account's figures as of `today`."""
    dated = [(d, _amount(s), s) for s in spendings if (d := _day(s.get("date"))) is not None]
    total = sum(amount for _, amount, _ in dated)
    by_category = {c: 0.0 for c in CATEGORIES}
    for _, amount, item in dated:
        category = str(item.get("category") or "other")
        by_category[category] = by_category.get(category, 0.0) + amount
    categories = [{"category": c, "amount": a, "share": ratio(a, total)}
                  for c, a in by_category.items()]
    return {"total": total, "count": len(dated), "categories": categories,
            "web": by_category.get("web", 0.0), "web_share": ratio(by_category["web"], total),
            "weeks": _weeks(dated), "ceilings": _ceilings(dated, config, today),
            "donations": _donations(donations, total)}


def _weeks(dated: list[tuple[date, float, dict[str, Any]]]) -> list[dict[str, Any]]:
    """Spending per ISO week (its Monday), with the running total."""
    weeks: dict[date, dict[str, Any]] = {}
    for day, amount, item in dated:
        monday = day - timedelta(days=day.weekday())
        row = weeks.setdefault(monday, {"week": monday, "amount": 0.0, "web": 0.0})
        row["amount"] += amount
        if item.get("category") == "web":
            row["web"] += amount
    running = 0.0
    rows = []
    for monday in sorted(weeks):
        running += weeks[monday]["amount"]
        rows.append({**weeks[monday], "cumulative": running,
                     "label": f"{monday.isocalendar()[0]}-S{monday.isocalendar()[1]:02d}"})
    return rows


def _ceilings(dated: list[tuple[date, float, dict[str, Any]]], config: dict[str, Any],
              today: date) -> list[dict[str, Any]]:
    """For each round: its ceiling, what counts against it so far, the share used, and the
    projection at the round's date from the run rate of the last four weeks."""
    limits = config.get("limits") if isinstance(config.get("limits"), dict) else {}
    election = config.get("election") if isinstance(config.get("election"), dict) else {}
    found = (limits or {}).get("spending_ceiling_eur") or []
    ceilings = list(found) if isinstance(found, list) else [found]
    rounds = [d for r in (election or {}).get("rounds") or [] if (d := _day(r)) is not None]
    recent = sum(a for d, a, _ in dated if today - timedelta(days=RECENT_DAYS) < d <= today)
    rate = recent / RECENT_DAYS
    rows = []
    for n, ceiling in enumerate(ceilings):
        when = rounds[n] if n < len(rounds) else None
        # up to the first round, what is dated up to it; for the last round, everything
        spent = sum(a for d, a, _ in dated
                    if n == len(ceilings) - 1 or when is None or d <= when)
        ahead = max(0, (when - today).days) if when is not None else 0
        projected = spent + rate * ahead
        rows.append({"round": n + 1, "date": when, "ceiling": ceiling, "spent": spent,
                     "share": ratio(spent, ceiling), "projected": projected,
                     "projected_share": ratio(projected, ceiling),
                     "over": isinstance(ceiling, (int, float)) and spent > ceiling,
                     "projected_over": isinstance(ceiling, (int, float)) and projected > ceiling})
    return rows


def _donations(days: list[dict[str, Any]], spent: float) -> dict[str, Any]:
    """Donations against spending, and the online share of fundraising."""
    total = sum(_number(d.get("amount_eur")) for d in days)
    online = sum(_number(d.get("amount_eur")) for d in days if d.get("channel") == ONLINE)
    count = sum(_number(d.get("count")) for d in days)
    return {"total": total, "count": count, "online": online,
            "online_share": ratio(online, total), "coverage": ratio(total, spent),
            "balance": total - spent}


def _amount(item: dict[str, Any]) -> float:
    return _number(item.get("amount"))


def _number(value: Any) -> float:
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0


def _day(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None
