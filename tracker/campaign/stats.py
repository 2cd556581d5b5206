"""Field statistics for the campaign reports, over item records (pure).

Counts are summed per bureau, commune and département; rates are always recomputed
from the summed counts, never averaged. No table goes below the bureau.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Iterable

COUNTS = ("knocked", "opened", "positive", "not_home", "refused", "volunteer_hours",
          "leaflets_left", "volunteer_signups")
ARMS = ("treatment", "control", "none")


def ratio(part: Any, whole: Any) -> float | None:
    return part / whole if isinstance(part, (int, float)) and whole else None


def one_in(positive: Any, opened: Any) -> str:
    """The "1 sur 14" of the canvassing: one positive per how many opened doors."""
    if not positive or not opened:
        return "–"
    return f"1 sur {round(opened / positive)}"


def _total(rows: Iterable[dict[str, Any]]) -> dict[str, Any]:
    totals: dict[str, Any] = dict.fromkeys(COUNTS, 0)
    sessions = 0
    for row in rows:
        sessions += 1
        for name in COUNTS:
            value = row.get(name)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                totals[name] += value
    totals["sessions"] = sessions
    return _rates(totals)


def _rates(totals: dict[str, Any]) -> dict[str, Any]:
    totals["open_rate"] = ratio(totals["opened"], totals["knocked"])
    totals["positive_rate"] = ratio(totals["positive"], totals["opened"])
    totals["one_in"] = one_in(totals["positive"], totals["opened"])
    return totals


def field_sessions(sessions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Sessions that count: done, reported or validated (not planned or cancelled)."""
    return [s for s in sessions if s.get("status") in ("done", "reported", "validated")]


def terrain(bureaux: list[dict[str, Any]], sessions: list[dict[str, Any]]) -> dict[str, Any]:
    """Totals by département, commune and bureau, each with recomputed rates."""
    by_bureau: dict[str, list[dict[str, Any]]] = {}
    for session in field_sessions(sessions):
        by_bureau.setdefault(str(session.get("bureau") or ""), []).append(session)
    known = {b["id"]: b for b in bureaux}
    rows = []
    for bureau_id, mine in sorted(by_bureau.items()):
        bureau = known.get(bureau_id, {})
        row = _total(mine)
        row.update(id=bureau_id or "(sans bureau)", commune=bureau.get("commune_name") or "",
                   commune_insee=bureau.get("commune_insee") or bureau_id[:5],
                   departement=bureau.get("departement") or bureau_id[:2],
                   target=bureau.get("target_doors"), arm=bureau.get("experiment_arm") or "none")
        row["progress"] = ratio(row["knocked"], row["target"])
        rows.append(row)
    return {"total": _total(field_sessions(sessions)), "bureaux": rows,
            "communes": _group(rows, "commune_insee", ("commune", "departement")),
            "departements": _group(rows, "departement", ())}


def _group(rows: list[dict[str, Any]], key: str, keep: tuple[str, ...]) -> list[dict[str, Any]]:
    groups: dict[str, dict[str, Any]] = {}
    for row in rows:
        group = groups.setdefault(row[key], {**dict.fromkeys(COUNTS, 0), "sessions": 0,
                                             "bureaux": 0, "id": row[key],
                                             **{k: row[k] for k in keep}})
        group["bureaux"] += 1
        for name in (*COUNTS, "sessions"):
            group[name] += row[name]
    return [_rates(groups[k]) for k in sorted(groups)]


def themes(sessions: list[dict[str, Any]], top: int = 10) -> list[tuple[str, int]]:
    counts = Counter(t for s in field_sessions(sessions) for t in s.get("themes") or [])
    return counts.most_common(top)


def arms(bureaux: list[dict[str, Any]], sessions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Treatment against control: reference abstention and field work, per arm."""
    field = terrain(bureaux, sessions)["bureaux"]
    result = []
    for arm in ARMS:
        mine = [b for b in bureaux if (b.get("experiment_arm") or "none") == arm]
        inscrits = sum(b.get("inscrits") or 0 for b in mine)
        abstentions = sum(b.get("abstentions") or 0 for b in mine)
        work = [r for r in field if r["arm"] == arm]
        row = {"arm": arm, "bureaux": len(mine), "inscrits": inscrits,
               "abstention_rate": ratio(abstentions, inscrits),
               "covered": sum(1 for b in mine if b.get("status") in ("covered", "closed"))}
        row.update({k: v for k, v in _total([]).items()})
        for name in ("knocked", "opened", "positive", "sessions"):
            row[name] = sum(r[name] for r in work)
        result.append(_rates(row))
    return result


def teams(team_items: list[dict[str, Any]], sessions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Team leaderboard, most doors knocked first."""
    by_team: dict[str, list[dict[str, Any]]] = {}
    for session in field_sessions(sessions):
        by_team.setdefault(str(session.get("team") or ""), []).append(session)
    names = {t["id"]: t for t in team_items}
    rows = []
    for team_id in set(by_team) | set(names):
        row = _total(by_team.get(team_id, []))
        team = names.get(team_id, {})
        row.update(id=team_id or "(sans équipe)", title=team.get("title") or team_id,
                   leader=team.get("leader"), recruited=team.get("recruited"),
                   trained=team.get("trained"), active_7d=team.get("active_7d"))
        row["doors_per_hour"] = ratio(row["knocked"], row["volunteer_hours"])
        rows.append(row)
    return sorted(rows, key=lambda r: (-r["knocked"], r["id"]))


def mailings(emails: list[dict[str, Any]]) -> dict[str, Any]:
    """Per mailing rates, and the totals recomputed from summed counts."""
    counted = [e for e in emails if e.get("status") in ("sent", "reported")]
    totals = {k: sum(e.get(k) or 0 for e in counted)
              for k in ("sent", "bounced_hard", "bounced_soft", "unique_opens", "unique_clicks",
                        "unsubscribes", "complaints")}
    totals["delivered"] = totals["sent"] - totals["bounced_hard"] - totals["bounced_soft"]
    totals["open_rate"] = ratio(totals["unique_opens"], totals["delivered"])
    totals["click_rate"] = ratio(totals["unique_clicks"], totals["delivered"])
    totals["ctor"] = ratio(totals["unique_clicks"], totals["unique_opens"])
    return {"rows": sorted(counted, key=lambda e: str(e.get("sent_at") or "")),
            "total": totals}


def fundraising(days: list[dict[str, Any]], limits: dict[str, Any]) -> dict[str, Any]:
    """Totals by channel and the gifts that break the legal ceilings."""
    by_channel: dict[str, dict[str, Any]] = {}
    for day in days:
        row = by_channel.setdefault(str(day.get("channel")), {"channel": day.get("channel"),
                                                              "count": 0, "amount_eur": 0.0})
        row["count"] += day.get("count") or 0
        row["amount_eur"] += day.get("amount_eur") or 0
    donation_max = limits.get("donation_max_eur", 4600)
    cash_max = limits.get("cash_max_eur", 150)
    over = [d for d in days if (d.get("max_single_eur") or 0) > donation_max
            or (d.get("cash_count") and (d.get("cash_eur") or 0) / d["cash_count"] > cash_max)]
    total = sum(r["amount_eur"] for r in by_channel.values())
    count = sum(r["count"] for r in by_channel.values())
    return {"channels": sorted(by_channel.values(), key=lambda r: -r["amount_eur"]),
            "total_eur": total, "count": count, "average_eur": ratio(total, count),
            "over_limits": over, "donation_max_eur": donation_max, "cash_max_eur": cash_max}
