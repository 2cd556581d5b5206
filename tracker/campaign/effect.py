"""`tracker campaign effect`: the effect of the field work on turnout, measured.

Per bureau, the change in turnout from the reference election (the one targeting was
done on) to the round; the effect is the difference between the treatment and control
arms' mean changes (difference in differences), weighted by the registered voters of the
reference election unless asked otherwise.

Randomisation inference: the arms are drawn again from the very design `tracker target`
used (target.draw_design: exactly as many treated bureaux among the same bureaux, every
such subset equally likely), N times; the p-value counts the draws whose effect is at least
as large in absolute value (two-sided, with the observed draw counted: (1 + k) / (1 + N)).
The 95 % interval inverts that test under a constant additive effect: the values τ for
which "the effect is τ in every bureau" is not rejected at 5 %, with the same draws.

Each election's counts are read from git: the newest `import fr-results` commit of that
election holds them (a later import overwrites the bureau's counts in the work tree, never
in history). numpy does the draws: 10,000 draws over 5,000 bureaux are 50 million
assignments, a matter of seconds in numpy and of minutes in pure Python.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tracker.model.errors import TrackerError, UsageError

if TYPE_CHECKING:
    from tracker.api import Tracker

MIN_PER_ARM = 10  # fewer bureaux in an arm than this: no estimate, a refusal
BALANCE_LIMIT = 0.25  # |standardised difference| above this on the reference: a warning
IMPORT = "import fr-results"


@dataclass
class Unit:
    """One bureau of the experiment: its arm, weight, outcome before and after, doors."""

    id: str
    departement: str
    treated: bool
    registered: int  # inscrits at the reference election
    before: float  # turnout (votants / inscrits) at the reference election
    after: float  # turnout at the round
    doors: int = 0
    expressed_share: float = 0.0  # exprimés / votants at the reference (balance only)
    turnout: float = 0.0  # turnout at the reference (balance, when the outcome is a share)
    cast: int = 0  # exprimés at the round (the votes a change of share applies to)


# ---------------------------------------------------------------- the statistics (pure)


def _arrays(units: list[Unit], weighted: bool) -> tuple[Any, Any, Any]:
    import numpy as np  # noqa: PLC0415

    w = np.array([u.registered if weighted else 1 for u in units], dtype=np.float64)
    d = np.array([u.after - u.before for u in units], dtype=np.float64)
    z = np.array([u.treated for u in units], dtype=np.float64)
    return w, d, z


def _contrast(w: Any, y: Any, z: Any) -> float:
    """Weighted mean of y in treatment minus in control."""
    wt, wc = w * z, w * (1 - z)
    return float((wt @ y) / wt.sum() - (wc @ y) / wc.sum())


def redraws(n: int, treated: int, permutations: int, seed: int, vectors: Any) -> Any:
    """For each of `permutations` new draws of the design, the sums over its treated
    bureaux of each column of `vectors` (n × k): a permutations × k array."""
    import numpy as np  # noqa: PLC0415

    rng = np.random.default_rng(seed)
    out = np.empty((permutations, vectors.shape[1]))
    chunk = max(1, 2_000_000 // max(n, 1))
    for start in range(0, permutations, chunk):
        rows = min(chunk, permutations - start)
        # A uniform random subset of `treated` bureaux per row: those whose random key is
        # among the `treated` smallest (a partial sort, twice as fast as a shuffle).
        keys = rng.random((rows, n))
        cut = np.partition(keys, treated - 1, axis=1)[:, treated - 1:treated]
        out[start:start + rows] = (keys <= cut).astype(np.float64) @ vectors
    return out


def estimate(units: list[Unit], permutations: int = 10_000, seed: int = 0,
             weighted: bool = True, min_per_arm: int = MIN_PER_ARM) -> dict[str, Any]:
    """The difference in differences, its randomisation p-value and 95 % interval."""
    import numpy as np  # noqa: PLC0415

    treated = sum(u.treated for u in units)
    control = len(units) - treated
    if min(treated, control) < min_per_arm:
        raise UsageError(f"{treated} treated and {control} control bureaux: at least "
                         f"{min_per_arm} per arm are needed for an estimate")
    if permutations < 1:
        raise UsageError("--permutations must be at least 1")
    w, d, z = _arrays(units, weighted)
    observed = _contrast(w, d, z)
    sums = redraws(len(units), treated, permutations, seed,
                   np.stack([w, w * d, w * z], axis=1))
    wt = sums[:, 0]
    wc = w.sum() - wt
    a = sums[:, 1] / wt - ((w @ d) - sums[:, 1]) / wc  # the effect of each draw
    c = sums[:, 2] / wt - ((w @ z) - sums[:, 2]) / wc  # …of the treatment indicator

    def p_value(tau: float) -> float:
        hits = np.count_nonzero(np.abs(a - tau * c) >= abs(observed - tau) - 1e-12)
        return float((1 + hits) / (1 + permutations))

    spread = float(a.std()) or 1e-6
    low = _bound(p_value, observed, observed - 12 * spread)
    high = _bound(p_value, observed, observed + 12 * spread)
    mean_t = float((w * z) @ d / (w * z).sum())
    mean_c = float((w * (1 - z)) @ d / (w * (1 - z)).sum())
    return {"effect": observed, "ci95": [low, high], "p_value": p_value(0.0),
            "permutations": permutations, "treated_mean": mean_t, "control_mean": mean_c}


def _bound(p_value: Any, inside: float, outside: float) -> float:
    """The edge of {τ : p(τ) > 0.05} between a value inside and one outside, by bisection."""
    if p_value(outside) > 0.05:
        return outside
    for _ in range(50):
        middle = (inside + outside) / 2
        if p_value(middle) > 0.05:
            inside = middle
        else:
            outside = middle
    return inside


def balance(units: list[Unit], outcome: str = "turnout") -> list[dict[str, Any]]:
    """The arms on the reference election: means per bureau and standardised differences."""
    rows = []
    measures: list[tuple[str, Any]] = [("share_reference", lambda u: u.before)] \
        if outcome == "share" else []
    for name, value in (*measures,
                        ("turnout_reference",
                         (lambda u: u.before) if outcome == "turnout" else (lambda u: u.turnout)),
                        ("registered", lambda u: float(u.registered)),
                        ("expressed_share_reference", lambda u: u.expressed_share)):
        t = [value(u) for u in units if u.treated]
        c = [value(u) for u in units if not u.treated]
        mt, mc = sum(t) / len(t), sum(c) / len(c)
        pooled = math.sqrt((_var(t) + _var(c)) / 2)
        std = (mt - mc) / pooled if pooled else 0.0
        rows.append({"variable": name, "treatment": mt, "control": mc,
                     "difference": mt - mc, "std_difference": std,
                     "balanced": abs(std) <= BALANCE_LIMIT})
    return rows


def _var(values: list[float]) -> float:
    if len(values) < 2:
        return 0.0
    mean = sum(values) / len(values)
    return sum((v - mean) ** 2 for v in values) / (len(values) - 1)


# ---------------------------------------------------------------- from the repository


def imports(t: Tracker) -> list[tuple[str, str]]:
    """(election id, commit) of each `import fr-results`, newest first, one per election."""
    with t.history() as h:
        folder = h._rel_folder(t.ws.kind("bureau"))
        commits = h.reader.log([folder])
    seen: dict[str, str] = {}
    for commit in commits:
        message = str(commit["message"])
        if not message.startswith(IMPORT) or "bureaux (" not in message:
            continue
        label = message.split("bureaux (", 1)[1].split(")", 1)[0]
        election = label.split(" tour ", 1)[0]
        seen.setdefault(election, commit["commit"])
    return list(seen.items())


def _counts_at(t: Tracker, commit: str, election: str) -> dict[str, dict[str, Any]]:
    with t.history() as h:
        listing = h.items_at(commit, ["bureau"])
    return {item.id: dict(item.fields) for item in listing.items
            if str(item.fields.get("election")) == election}


def elections(t: Tracker, round_id: str | None, reference: str | None
              ) -> tuple[str, str, dict[str, str]]:
    """The round, the reference, and the import commit of each election."""
    if "bureau" not in t.kinds:
        raise TrackerError("no 'bureau' kind here: the effect needs the campaign template")
    found = imports(t)
    known = dict(found)
    order = [e for e, _ in found]
    if round_id is None:
        if not order:
            raise UsageError("no results imported: import the round's results with "
                             "`tracker import fr-results FILE --election ID`")
        round_id = order[0]
    if round_id not in known:
        raise UsageError(f"no `import fr-results` of election '{round_id}' in the history "
                         f"(imported: {', '.join(order) or 'none'})")
    if reference is None:
        older = order[order.index(round_id) + 1:]
        if not older:
            raise UsageError(f"no election imported before '{round_id}': import the "
                             "reference election's results, or give --reference ID")
        reference = older[0]
    if reference not in known:
        raise UsageError(f"no `import fr-results` of election '{reference}' in the history "
                         f"(imported: {', '.join(order)})")
    if reference == round_id:
        raise UsageError("--reference and --round name the same election")
    return round_id, reference, known


def candidate_name(given: str, results: dict[str, dict[str, Any]], option: str) -> str:
    """The candidate's name as the results write it: the whole name or the surname, in
    any case; refused when no candidate or several fit."""
    names = sorted({n for r in results.values() for n in (r.get("voix") or {})})
    wanted = given.casefold().strip()
    fits = [n for n in names if n.casefold() == wanted] or \
        [n for n in names if n.casefold().split()[-1:] == wanted.split()[-1:]
         and n.casefold().endswith(wanted)]
    if len(fits) != 1:
        listed = ", ".join(names[:12]) or "none: import the results again to keep their votes"
        what = "several candidates fit" if fits else "no candidate"
        raise UsageError(f"{option} {given}: {what} in these results (candidates: {listed})")
    return fits[0]


def _share(record: dict[str, Any] | None, name: str) -> float | None:
    if not record or not record.get("exprimes"):
        return None
    return float((record.get("voix") or {}).get(name, 0)) / record["exprimes"]


def _turnout(record: dict[str, Any] | None) -> float | None:
    if not record or not record.get("inscrits"):
        return None
    return float(record.get("votants") or 0) / record["inscrits"]


def units_of(t: Tracker, round_id: str | None = None, reference: str | None = None,
             candidate: str | None = None) -> tuple[str, str, list[Unit]]:
    """The round, the reference and the bureaux of the experiment with both results:
    turnout, or with a candidate that candidate's share of votes cast (exprimés)."""
    round_id, reference, known = elections(t, round_id, reference)
    after = _counts_at(t, known[round_id], round_id)
    before = _counts_at(t, known[reference], reference)
    if candidate:
        name = candidate_name(candidate, after, "--candidate")
        try:  # the same candidate at the reference; absent there, a share of 0
            old_name = candidate_name(candidate, before, "--candidate")
        except UsageError:
            old_name = name

        def measures(old: Any, new: Any) -> tuple[float | None, float | None]:
            return _share(old, old_name), _share(new, name)
    else:
        def measures(old: Any, new: Any) -> tuple[float | None, float | None]:
            return _turnout(old), _turnout(new)
    units = []
    for item in t.items(["bureau"]).items:
        context = t.context(item)
        arm = context.get("experiment_arm")
        if arm not in ("treatment", "control"):
            continue
        old, new = before.get(item.id), after.get(item.id)
        start, end = measures(old, new)
        if start is None or end is None or not old or not old.get("inscrits"):
            continue
        assert new is not None
        units.append(Unit(
            id=item.id, departement=str(context.get("departement") or item.id[:2]),
            treated=arm == "treatment", registered=int(old["inscrits"]), before=start,
            after=end, doors=int(context.get("doors_knocked") or 0),
            expressed_share=((old.get("exprimes") or 0) / old["votants"]
                             if old.get("votants") else 0.0),
            turnout=_turnout(old) or 0.0, cast=int(new.get("exprimes") or 0)))
    return round_id, reference, units


def gap(t: Tracker, round_id: str, candidate: str, versus: str) -> tuple[str, str, int]:
    """(candidate, rival, rival's votes − candidate's) over every bureau of the round."""
    known = dict(imports(t))
    after = _counts_at(t, known[round_id], round_id)
    ours = candidate_name(candidate, after, "--candidate")
    theirs = candidate_name(versus, after, "--versus")
    total = sum(int((r.get("voix") or {}).get(theirs, 0)) - int((r.get("voix") or {})
                                                                 .get(ours, 0))
                for r in after.values())
    return ours, theirs, total


def measure(t: Tracker, round_id: str | None = None, reference: str | None = None,
            outcome: str | None = None, candidate: str | None = None,
            versus: str | None = None, permutations: int = 10_000, seed: int = 0,
            weighted: bool = True) -> dict[str, Any]:
    """Everything `tracker campaign effect --format json` prints."""
    outcome = outcome or ("share" if candidate else "turnout")
    if outcome not in ("turnout", "share"):
        raise UsageError(f"--outcome {outcome}: expected turnout or share")
    if outcome == "share" and not candidate:
        raise UsageError("--outcome share needs --candidate NAME")
    if outcome == "turnout" and candidate:
        raise UsageError("--candidate measures a share of votes: drop --outcome turnout")
    if versus and not candidate:
        raise UsageError("--versus NAME needs --candidate NAME (the gap between the two)")
    round_id, reference, units = units_of(t, round_id, reference, candidate)
    result = report(units, round_id, reference, outcome, permutations, seed, weighted)
    if candidate:
        ours, theirs, difference = gap(t, round_id, candidate, versus or candidate)
        result["candidate"] = ours
        if versus:
            result["versus"] = theirs
            result["gap"] = difference
            if difference:
                result["gap_share"] = result["votes_gained"] / difference
                result["gap_share_ci95"] = [v / difference for v in result["votes_gained_ci95"]]
    return result


def report(units: list[Unit], round_id: str, reference: str, outcome: str = "turnout",
           permutations: int = 10_000, seed: int = 0, weighted: bool = True) -> dict[str, Any]:
    """The whole result over these bureaux, and by département."""
    found = estimate(units, permutations, seed, weighted)
    treated = [u for u in units if u.treated]
    control = [u for u in units if not u.treated]
    registered = sum(u.registered for u in treated)
    # votes gained: more voters (turnout), or more of the votes cast (a candidate's share)
    base = registered if outcome == "turnout" else sum(u.cast for u in treated)
    doors = sum(u.doors for u in treated)
    gained = found["effect"] * base
    rows = balance(units, outcome)
    result: dict[str, Any] = {
        "round": round_id, "reference": reference, "outcome": outcome, "weighted": weighted,
        "treated": {"bureaux": len(treated), "registered": registered,
                    "mean_change": found["treated_mean"], "doors": doors},
        "control": {"bureaux": len(control), "registered": sum(u.registered for u in control),
                    "mean_change": found["control_mean"]},
        "effect": found["effect"], "ci95": found["ci95"], "ci_method": "test inversion",
        "p_value": found["p_value"], "permutations": permutations, "seed": seed,
        "per_100_doors": 100 * gained / doors if doors else None,
        "votes_gained": gained,
        "votes_gained_ci95": [found["ci95"][0] * base, found["ci95"][1] * base],
        "gap_share": None,
        "balance": rows,
        "warnings": [f"déséquilibre sur « {BALANCE_LABELS[r['variable']]} » (écart "
                     f"standardisé {r['std_difference']:+.2f})".replace(".", ",")
                     for r in rows if not r["balanced"]],
        "by_departement": [],
    }
    for dep in sorted({u.departement for u in units}):
        mine = [u for u in units if u.departement == dep]
        row: dict[str, Any] = {"departement": dep,
                               "treated_bureaux": sum(u.treated for u in mine),
                               "control_bureaux": sum(not u.treated for u in mine)}
        try:
            part = estimate(mine, permutations, seed, weighted)
        except UsageError as e:
            row.update(effect=None, ci95=None, p_value=None, note=str(e))
        else:
            row.update(effect=part["effect"], ci95=part["ci95"], p_value=part["p_value"])
        result["by_departement"].append(row)
    return result


# ---------------------------------------------------------------- in French

CAVEATS = (
    "L'intervalle à 95 % rassemble les effets τ que le test de randomisation ne rejette "
    "pas au seuil de 5 %, en supposant le même effet τ dans chaque bureau (inversion du "
    "test) : ce n'est pas une probabilité que l'effet vrai s'y trouve.",
    "La valeur p est bilatérale : la part des tirages des bras, refaits comme `tracker "
    "target` les a faits, dont l'effet est au moins aussi grand en valeur absolue.",
    "Débordement : des bureaux voisins partagent des rues, des marchés, des électeurs qui "
    "se parlent ; un effet qui déborde sur les bureaux témoins voisins fait sous-estimer "
    "l'effet.",
    "Une seule élection : une différence mesurée sur un scrutin ne dit pas ce que ferait "
    "le même travail à un autre scrutin, ailleurs ou avec d'autres équipes.",
    "Les voix gagnées extrapolent l'effet moyen à tous les inscrits des bureaux traités ; "
    "l'effet pour 100 portes divise ces voix par les portes frappées (sessions faites, "
    "remontées ou validées), sans dire que chaque porte compte autant.",
)


def _pts(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:+.2f} pts".replace(".", ",")


def _pct(value: float) -> str:
    return f"{100 * value:.1f} %".replace(".", ",")


def _signed(value: float | None) -> str:
    return "–" if value is None else f"{value:+.2f}".replace(".", ",")


def _num(value: float | None) -> str:
    return "–" if value is None else f"{value:,.0f}".replace(",", "\u202f")


def text(result: dict[str, Any]) -> str:
    """The result as a French text report, caveats included."""
    t, c = result["treated"], result["control"]
    lo, hi = result["ci95"]
    what = ("la participation" if result["outcome"] == "turnout"
            else f"la part des voix exprimées de {result.get('candidate')}")
    lines = [
        f"Effet du porte-à-porte sur {what} : {result['round']} "
        f"(référence {result['reference']})",
        "",
        "Moyennes " + ("pondérées par les inscrits de la référence" if result["weighted"]
                       else "non pondérées (chaque bureau compte autant)")
        + ", différence des différences :",
        f"  traités : {t['bureaux']} bureaux, {_num(t['registered'])} inscrits, "
        f"variation {_pts(t['mean_change'])}",
        f"  témoins : {c['bureaux']} bureaux, {_num(c['registered'])} inscrits, "
        f"variation {_pts(c['mean_change'])}",
        f"  effet : {_pts(result['effect'])}, intervalle à 95 % [{_pts(lo)} ; {_pts(hi)}] "
        "(inversion du test de randomisation)",
        f"  valeur p : {result['p_value']:.4f} ({result['permutations']} tirages, "
        f"graine {result['seed']})".replace(".", ",", 1),
        f"  voix gagnées : {_num(result['votes_gained'])} "
        f"[{_num(result['votes_gained_ci95'][0])} ; {_num(result['votes_gained_ci95'][1])}]",
        f"  pour 100 portes frappées : {_signed(result['per_100_doors'])} "
        f"{'votants' if result['outcome'] == 'turnout' else 'voix'} "
        f"({_num(t['doors'])} portes)",
    ]
    if result.get("gap_share") is not None:
        low, high = result["gap_share_ci95"]
        lines.append(f"  part de l'écart avec {result['versus']} ({_num(result['gap'])} voix) "
                     f"qu'il pourrait expliquer : {_pct(result['gap_share'])} "
                     f"[{_pct(low)} ; {_pct(high)}]")
    lines += [
        "",
        "Équilibre sur l'élection de référence (moyennes par bureau) :",
    ]
    for row in result["balance"]:
        fmt: Any = _num if row["variable"] == "registered" else _pct
        lines.append(f"  {BALANCE_LABELS[row['variable']]} : traités {fmt(row['treatment'])}, "
                     f"témoins {fmt(row['control'])}, écart standardisé "
                     f"{row['std_difference']:+.2f}".replace(".", ","))
    for warning in result["warnings"]:
        lines.append(f"  Attention : {warning} : les bras ne se ressemblaient pas avant le "
                     "travail de terrain, l'effet mesuré peut en venir.")
    lines += ["", "Par département :"]
    for row in result["by_departement"]:
        if row["effect"] is None:
            lines.append(f"  {row['departement']} : pas d'estimation ({row['treated_bureaux']}"
                         f" traités, {row['control_bureaux']} témoins)")
            continue
        lo, hi = row["ci95"]
        lines.append(f"  {row['departement']} : effet {_pts(row['effect'])} "
                     f"[{_pts(lo)} ; {_pts(hi)}], p = {row['p_value']:.3f}".replace(".", ",", 1))
    lines += ["", "À lire avec prudence :"] + [f"  - {c}" for c in CAVEATS]
    return "\n".join(lines) + "\n"


BALANCE_LABELS = {"share_reference": "part des voix", "turnout_reference": "participation",
                  "registered": "inscrits",
                  "expressed_share_reference": "exprimés / votants"}
