"""`tracker demo`: a realistic campaign repository from built-in data, then its site.

Real communes of Seine-Saint-Denis and Val-de-Marne (the shipped INSEE table), results
by polling station of a reference election (`pr22-t1`) written in the Ministry's 2024+
format and read by the real importer, targeting on that reference with a seeded
treatment/control draw, teams, eight weeks of field sessions, mailings, fundraising,
fact-checks and incidents, each committed at its own date so that the charts over time
mean something, and the statuses moved when the numbers say so (a bureau active after
its first outing, covered once its target is reached; the operation running, then
closed); then the first round's results (`pr27-t1`), simulated with a known
effect of the field work on turnout in treated bureaux (SIMULATED_EFFECT), so that
`tracker campaign effect` has something to find. Everything goes through the same
library calls as the commands; the same seed gives the same repository.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable

from tracker import api
from tracker.api import Tracker
from tracker.model import ids
from tracker.model.clock import dated
from tracker.model.errors import TrackerError

PARIS = timezone(timedelta(hours=1))
START = datetime(2027, 1, 11, 9, 0, tzinfo=PARIS)
DEPARTEMENTS = ("93", "94")
REFERENCE, ROUND = "pr22-t1", "pr27-t1"
ROUND_RESULTS = datetime(2027, 4, 12, 9, 0, tzinfo=timezone(timedelta(hours=2)))
# The round's results are simulated: in every bureau, turnout moves from the reference by
# a common swing and a bureau's own noise; in treated bureaux it moves SIMULATED_EFFECT
# more (1.5 points of turnout), the effect `tracker campaign effect` should recover.
SWING, NOISE, SIMULATED_EFFECT = -0.03, 0.02, 0.015
MAX_BUREAUX = 8  # per commune: enough to be realistic, small enough to build in seconds
THEMES = ["logement", "transports", "sécurité", "emploi", "école", "santé", "pouvoir d'achat",
          "propreté", "services publics"]
TEAMS = [("Saint-Denis Nord", "93066", "mob-93-017"), ("Aubervilliers", "93001", "mob-93-042"),
         ("Montreuil", "93048", "mob-93-108"), ("Bobigny", "93008", "mob-93-023"),
         ("Vitry-sur-Seine", "94081", "mob-94-011"), ("Créteil", "94028", "mob-94-035")]


def build_campaign_demo(out: Path, seed: int = 7,
                        progress: Callable[[str], None] = print) -> Path:
    """Create the demo repository in `out` (new or empty); returns the site's index.html."""
    if out.exists() and any(out.iterdir()):
        raise TrackerError(f"{out} is not empty: choose another --out folder")
    rng = random.Random(seed)
    ids.use_random(random.Random(seed + 1))
    try:
        return _build(out, rng, progress)
    finally:
        ids.use_random(None)


def _build(out: Path, rng: random.Random, progress: Callable[[str], None]) -> Path:
    repo = out / "campagne"
    with dated(START, "Équipe campagne"):
        api.init(repo, "campaign")
    t = Tracker(repo)
    communes = _communes()
    progress(f"Communes: {len(communes)} in {', '.join(DEPARTEMENTS)}")
    with dated(START + timedelta(hours=1), "Équipe campagne"):
        _import_communes(t, out, communes)
    with dated(START + timedelta(hours=2), "Équipe campagne"):
        reference = _import_results(t, out, _reference_rows(communes, rng), REFERENCE)
    teams = _teams(t)
    with dated(START + timedelta(days=2), "Équipe campagne"):
        operation = _operation(t)
    with dated(START + timedelta(days=3), "Équipe campagne"):
        assigned = _target(t, teams)
    progress(f"Targeting: {sum(len(v) for v in assigned.values())} bureaux assigned to "
             f"{len(teams)} teams")
    field = _field_events(assigned, rng)
    events = [(when, action) for when, _, _, action in field] + _other_events(rng)
    events += _status_events(field) + _operation_events(operation)
    for when, action in sorted(events, key=lambda e: e[0]):
        with dated(when, "Équipe campagne"):
            action(t)
    progress(f"History: {len(events)} dated events")
    with dated(ROUND_RESULTS, "Équipe campagne"):
        _import_results(t, out, _round_rows(t, reference, rng), ROUND)
    progress(f"Round results: {ROUND}, simulated effect on turnout in treated bureaux "
             f"{100 * SIMULATED_EFFECT:+.1f} points")
    return _site(repo, out)


# ---------------------------------------------------------------- data in


def _communes() -> list[Any]:
    from tracker.campaign.communes import load_communes  # noqa: PLC0415

    return sorted((c for c in load_communes().values() if c.departement in DEPARTEMENTS),
                  key=lambda c: c.code)


def _import_communes(t: Tracker, out: Path, communes: list[Any]) -> None:
    """An INSEE COG file for these communes, imported as a person would."""
    from tracker.campaign.import_communes import run_communes  # noqa: PLC0415

    path = out / "v_commune_2027.csv"
    lines = ["TYPECOM,COM,REG,DEP,CTCD,ARR,TNCC,NCC,NCCENR,LIBELLE,CAN,COMPARENT"]
    lines += [f"COM,{c.code},11,{c.departement},{c.departement}D,,0,{c.name.upper()},"
              f"{c.name},{c.name},,"
              for c in communes]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    run_communes(t, path, path.name)


Bureau = tuple[str, str, str, int, int, int, int]  # dep, insee, name, n°, inscrits, votants, voix


def _reference_rows(communes: list[Any], rng: random.Random) -> list[Bureau]:
    """The reference election's counts by bureau."""
    rows = []
    for commune in communes:
        count = max(1, min(MAX_BUREAUX, (commune.population or 1000) // 1100))
        base = rng.uniform(0.22, 0.48)
        for number in range(1, count + 1):
            inscrits = rng.randint(650, 1450)
            abstention = min(0.75, max(0.12, rng.gauss(base, 0.07)))
            votants = round(inscrits * (1 - abstention))
            rows.append((commune.departement, commune.code, commune.name, number, inscrits,
                         votants, round(votants * rng.uniform(0.2, 0.4))))
    return rows


def _round_rows(t: Tracker, reference: list[Bureau], rng: random.Random) -> list[Bureau]:
    """The round's counts: the reference's turnout, a swing, noise, and in treated
    bureaux SIMULATED_EFFECT more."""
    arms = {item.id: item.fields.get("experiment_arm") for item in t.items(["bureau"]).items}
    rows = []
    for dep, insee, name, number, inscrits, votants, _ in reference:
        registered = inscrits + rng.randint(-20, 30)
        turnout = votants / inscrits + SWING + rng.gauss(0, NOISE)
        if arms.get(f"{insee}_{number:04d}") == "treatment":
            turnout += SIMULATED_EFFECT
        voters = min(registered - 1, max(30, round(registered * turnout)))
        rows.append((dep, insee, name, number, registered, voters,
                     round(voters * rng.uniform(0.2, 0.4))))
    return rows


def _import_results(t: Tracker, out: Path, bureaux: list[Bureau],
                    election: str) -> list[Bureau]:
    """Results by bureau in the Ministry's 2024+ format (Latin-1, ';', commas), imported."""
    from tracker.importers.fr_results import run_fr_results  # noqa: PLC0415

    header = ("Code département;Libellé département;Code commune;Libellé commune;Code BV;"
              "Inscrits;Votants;% Votants;Abstentions;% Abstentions;Exprimés;"
              "% Exprimés/inscrits;% Exprimés/votants;Numéro de panneau 1;Nuance candidat 1;"
              "Nom candidat 1;Prénom candidat 1;Sexe candidat 1;Voix 1;"
              "% Voix/inscrits 1;% Voix/exprimés 1;Elu 1")
    rows = [header]
    for dep, insee, name, number, inscrits, votants, voix in bureaux:
        exprimes = votants - min(votants - voix, 5 + (number * 7 + inscrits) % 21)
        rows.append(";".join([
            dep, "Seine-Saint-Denis" if dep == "93" else "Val-de-Marne", insee, name,
            f"{number:04d}", str(inscrits), str(votants), _pct(votants, inscrits),
            str(inscrits - votants), _pct(inscrits - votants, inscrits), str(exprimes),
            _pct(exprimes, inscrits), _pct(exprimes, votants), "1", "DIV", "CANDIDATE",
            "Alex", "F", str(voix), _pct(voix, inscrits), _pct(voix, exprimes), ""]))
    path = out / f"resultats-{election}-par-bureau.csv"
    path.write_bytes(("\n".join(rows) + "\n").encode("cp1252"))
    run_fr_results(t, path, path.name, election=election)
    return bureaux


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.2f}".replace(".", ",") if whole else "0,00"


# ---------------------------------------------------------------- organisation


def _teams(t: Tracker) -> list[str]:
    made = []
    for n, (name, commune, leader) in enumerate(TEAMS):
        with dated(START + timedelta(days=1, hours=n), "Équipe campagne"):
            item = t.new("team", f"Équipe {name}", {
                "commune_insee": commune, "leader": leader, "recruited": str(18 + 7 * n),
                "trained": str(9 + 3 * n), "active_7d": str(6 + 2 * n)})
            t.move(item.id, "active")
        made.append(item.id)
    return made


OPERATION_START = datetime(2027, 1, 18, 8, 0, tzinfo=PARIS)  # moved to running then
OPERATION_END = datetime(2027, 4, 9, 21, 0, tzinfo=timezone(timedelta(hours=2)))  # closed
TARGET_DOORS = 350  # per assigned bureau


def _operation(t: Tracker) -> str:
    return t.new("operation", "Porte-à-porte de printemps : 25 000 portes", {
        "start": OPERATION_START.date().isoformat(), "end": OPERATION_END.date().isoformat(),
        "metric": "knocked", "target": "25000", "scope": "national"},
        body="L'objectif national décliné en Île-de-France.\n").id


def _target(t: Tracker, teams: list[str]) -> dict[str, list[str]]:
    """The 72 bureaux with most abstainers: half drawn as controls, half assigned."""
    from tracker.campaign.target import Plan, apply, assign, rank, split  # noqa: PLC0415

    plan = Plan(rank(t, top=72))
    plan.arms = split(plan.ranked, 0.5, seed=2027)
    plan.teams = assign(t, plan.ranked, teams, plan.arms)
    apply(t, plan)
    t.upsert("bureau", [{"bureau_id": b, "target_doors": TARGET_DOORS, "priority": "A"}
                        for b in plan.teams],
             message=f"target: {TARGET_DOORS} portes par bureau assigné")
    by_team: dict[str, list[str]] = {}
    for bureau, team in plan.teams.items():
        by_team.setdefault(team, []).append(bureau)
    return by_team


# ---------------------------------------------------------------- history

Event = tuple[datetime, Callable[[Tracker], Any]]
Outing = tuple[datetime, str, int, Callable[[Tracker], Any]]  # when, bureau, knocked, action


def _field_events(assigned: dict[str, list[str]], rng: random.Random) -> list[Outing]:
    """Eight weeks of outings: each team visits its bureaux on weekends and evenings."""
    events: list[Outing] = []
    for team, bureaux in assigned.items():
        for week in range(8):
            for outing in range(rng.randint(2, 3)):
                day = START + timedelta(weeks=1 + week, days=rng.choice([2, 4, 5, 6]),
                                        hours=rng.randint(1, 9))
                bureau = rng.choice(bureaux)
                events.append((day, bureau, *_session(team, bureau, day, rng)))
    return events


def _status_events(outings: list[Outing]) -> list[Event]:
    """The bureaux' statuses follow their doors, moved by their team the evening of the
    outing: assigned to active after the first one, active to covered after the one
    that reaches TARGET_DOORS (the rules of bureau.yaml warn where they would not)."""
    knocked: dict[str, int] = {}
    events: list[Event] = []
    for when, bureau, doors, _ in sorted(outings, key=lambda o: o[0]):
        before = knocked.get(bureau, 0)
        knocked[bureau] = before + doors
        moves = (["active"] if before == 0 else []) + \
            (["covered"] if before < TARGET_DOORS <= knocked[bureau] else [])
        if moves:
            events.append((when + timedelta(hours=2), _moves(bureau, moves)))
    return events


def _operation_events(operation: str) -> list[Event]:
    """The operation runs from the morning of its first day to the evening of its last."""
    return [(OPERATION_START, _moves(operation, ["running"])),
            (OPERATION_END, _moves(operation, ["closed"]))]


def _moves(ref: str, statuses: list[str]) -> Callable[[Tracker], Any]:
    """Move one item through statuses, a commit each, as a person would."""
    def run(t: Tracker) -> None:
        for status in statuses:
            t.move(ref, status)
    return run


def _session(team: str, bureau: str, when: datetime, rng: random.Random) -> tuple[
        int, Callable[[Tracker], Any]]:
    volunteers = rng.randint(3, 9)
    knocked = volunteers * rng.randint(18, 32)
    not_home = round(knocked * rng.uniform(0.38, 0.52))
    inaccessible = round(knocked * rng.uniform(0.0, 0.05))
    opened = knocked - not_home - inaccessible
    positive = max(0, round(opened * rng.gauss(1 / 14, 0.015)))
    refused = round(opened * rng.uniform(0.1, 0.2))
    undecided = round(opened * rng.uniform(0.25, 0.4))
    negative = round(opened * rng.uniform(0.15, 0.25))
    other = opened - positive - refused - undecided - negative
    if other < 0:
        undecided += other
        other = 0
    themes = rng.sample(THEMES, 3)
    values = {"date": when.date().isoformat(), "channel": "porte-a-porte", "bureau": bureau,
              "team": team, "volunteers": str(volunteers),
              "volunteer_hours": str(volunteers * 2.5), "knocked": str(knocked),
              "not_home": str(not_home), "inaccessible": str(inaccessible),
              "refused": str(refused), "positive": str(positive), "undecided": str(undecided),
              "negative": str(negative), "other": str(other),
              "leaflets_left": str(not_home), "volunteer_signups": str(rng.randint(0, 3)),
              "themes": ",".join(themes), "status": "reported"}
    body = (f"Remontée de l'équipe : accueil {rng.choice(['correct', 'chaleureux', 'mitigé'])}, "
            f"beaucoup de questions sur {themes[0]}.\n")
    return knocked, lambda t: t.new("session", f"Porte-à-porte {when:%d/%m} – {bureau}",
                                    values, body=body)


def _other_events(rng: random.Random) -> list[Event]:
    """Trainings, mailings, fundraising days, fact-checks, social moments, incidents."""
    events: list[Event] = []
    for n in range(4):
        when = START + timedelta(weeks=n * 2, days=1, hours=10)
        events.append((when, _new("training", f"Formation porte-à-porte n°{n + 1}", {
            "date": when.date().isoformat(), "commune_insee": TEAMS[n][1],
            "format": "presentiel", "registered": str(25 + 5 * n),
            "attended": str(18 + 4 * n), "status": "reported"})))
    for n in range(6):
        when = START + timedelta(weeks=1 + n * 1.4, hours=8)
        sent = 150000 + 20000 * n
        events.append((when, _new("email", f"Lettre d'information n°{n + 1}", {
            "sent_at": when.isoformat(), "segment": "sympathisants-idf", "sent": str(sent),
            "bounced_hard": str(sent // 120), "bounced_soft": str(sent // 200),
            "unique_opens": str(round(sent * rng.uniform(0.33, 0.41))),
            "unique_clicks": str(round(sent * rng.uniform(0.03, 0.06))),
            "unsubscribes": str(sent // 900), "complaints": str(sent // 20000),
            "status": "reported"})))
    for day in range(0, 77, 3):
        when = START + timedelta(days=day, hours=20)
        count = rng.randint(40, 160)
        amount = count * rng.uniform(30, 70)
        events.append((when, _new("donations", f"Dons en ligne du {when:%d/%m}", {
            "date": when.date().isoformat(), "channel": "en-ligne", "count": str(count),
            "amount_eur": f"{amount:.2f}", "max_single_eur": str(rng.choice([500, 1000, 2000])),
            "status": "reconciled"})))
    events += _claims(rng) + _incidents()
    events += _spending(rng) + _indicator_events(rng)
    return events


def _claims(rng: random.Random) -> list[Event]:
    stages = ["spotted", "selected", "researching", "draft", "second-check", "published",
              "published", "published", "rejected"]
    verdicts = ["faux", "plutot-faux", "imprecis", "vrai", "plutot-vrai", "inverifiable"]
    events: list[Event] = []
    for n, status in enumerate(stages):
        when = START + timedelta(days=5 + n * 8, hours=11)
        values = {"claim_text": f"Affirmation n°{n + 1} : « le chômage a baissé de "
                                f"{rng.randint(5, 30)} % dans le département »",
                  "claimant": rng.choice(["Candidat A", "Candidat B", "Porte-parole C"]),
                  "claim_date": (when - timedelta(days=1)).date().isoformat(),
                  "appearance_url": f"https://example.org/debat/{n + 1}",
                  "direction": rng.choice(["adverse", "adverse", "own-precheck"]),
                  "sources": "INSEE,DARES", "author": "desk-01", "status": status}
        if status == "published":
            values.update(verdict=rng.choice(verdicts), reviewer="desk-02",
                          published_url=f"https://example.org/verif/{n + 1}",
                          published_at=when.date().isoformat())
        events.append((when, _new("claim", f"Vérification n°{n + 1}", values)))
    return events


def _incidents() -> list[Event]:
    friday = datetime(2027, 3, 26, 21, 5, tzinfo=PARIS)
    rows = [(START + timedelta(weeks=3, hours=40), "www", "scraping", 1200, "sev4"),
            (START + timedelta(weeks=6, hours=50), "dons", "credential-stuffing", 9000, "sev3"),
            (friday, "www", "ddos-l7", 750000, "sev1")]
    events: list[Event] = []
    for when, site, kind, rps, severity in rows:
        events.append((when, _new("incident", f"{kind} sur {site}", {
            "site": site, "detected_at": when.isoformat(),
            "mitigated_at": (when + timedelta(minutes=14)).isoformat(),
            "resolved_at": (when + timedelta(hours=3)).isoformat(), "attack_type": kind,
            "peak_rps": str(rps), "severity": severity,
            "mitigation": "filtrage en amont, mise en cache", "status": "resolved"})))
    return events


# the account: weekly invoices by category (the web about a tenth), payees organisations
SPENDING = [("staff", "Salaires de l'équipe de campagne", "Association de financement AFC",
             (230000, 270000)),
            ("print", "Tracts et affiches", "Imprimerie Moderne SARL", (150000, 260000)),
            ("meetings", "Meeting régional", "Palais des Congrès SA", (90000, 380000)),
            ("travel", "Déplacements du candidat", "SNCF Voyageurs", (40000, 80000)),
            ("web", "Site, hébergement et campagnes en ligne", "Agence Numérique SAS",
             (70000, 120000)),
            ("polling", "Enquête d'opinion", "Institut Sondages SA", (30000, 70000)),
            ("other", "Frais divers", "Fournitures Bureau SARL", (10000, 30000))]


def _spending(rng: random.Random) -> list[Event]:
    """Eleven weeks of invoices, one per category a week (polling every other week)."""
    events: list[Event] = []
    for week in range(11):
        for n, (category, label, payee, (low, high)) in enumerate(SPENDING):
            if category == "polling" and week % 2:
                continue
            when = START + timedelta(weeks=week, days=4, hours=14 + n // 3, minutes=n * 7)
            events.append((when, _new("depense", f"{label} – semaine {week + 1}", {
                "date": when.date().isoformat(), "amount": f"{rng.uniform(low, high):.2f}",
                "category": category, "payee": payee,
                "invoice_reference": f"F-{when:%Y}-{week + 1:02d}{n + 1:02d}",
                "status": "paid" if week < 9 else "invoiced"})))
    return events


# the bilans' indicators: SIMULATED (no open-data table is shipped), labelled so on the pages
INDICATORS = [("chomage", "Taux de chômage (simulé)", "%", (8.0, 22.0)),
              ("logements-sociaux", "Part de logements sociaux (simulée)", "%", (10.0, 55.0))]


def _indicator_events(rng: random.Random) -> list[Event]:
    """Two years of two simulated indicators, read by the real importer (INSEE's layout:
    ';', Windows-1252, decimal commas) and marked simulated."""
    events: list[Event] = []
    for n, (code, label, unit, (low, high)) in enumerate(INDICATORS):
        for m, year in enumerate((2021, 2025)):
            when = START + timedelta(days=4, hours=9 + 2 * n + m)
            events.append((when, _import_indicator(code, label, unit, year, low, high,
                                                   random.Random(rng.random()))))
    return events


def _import_indicator(code: str, label: str, unit: str, year: int, low: float, high: float,
                      rng: random.Random) -> Callable[[Tracker], Any]:
    def run(t: Tracker) -> Any:
        from tracker.campaign.import_indicators import (  # noqa: PLC0415
            Indicator,
            run_indicators,
        )

        assert t.ws.top is not None
        bilans = sorted(i.id for i in t.items(["bilan"]).items)
        column = f"{code.upper().replace('-', '_')}_{year}"
        lines = [f"CODGEO;LIBGEO;{column}"]
        drift = random.Random(code)  # the same commune drifts the same way both years
        for bilan in bilans:
            base = drift.uniform(low, high) + drift.gauss(0, 1)
            value = max(0.0, base + (year - 2021) * rng.gauss(-0.3, 0.4))
            lines.append(f"{bilan};;{value:.1f}".replace(".", ","))
        path = t.ws.top.parent / f"indicateur-{code}-{year}-simule.csv"
        path.write_bytes(("\n".join(lines) + "\n").encode("cp1252"))
        return run_indicators(t, path, path.name, Indicator(
            code, year, "Données simulées (démo tracker), non publiables", label, unit,
            simulated=True), column=column)
    return run


def _new(kind: str, title: str, values: dict[str, str]) -> Callable[[Tracker], Any]:
    return lambda t: t.new(kind, title, values)


# ---------------------------------------------------------------- output


def _site(repo: Path, out: Path) -> Path:
    from tracker.campaign.reports import template_helpers  # noqa: PLC0415
    from tracker.reports.site import build_site  # noqa: PLC0415

    with dated(ROUND_RESULTS + timedelta(hours=1), "Équipe campagne"):
        return build_site(Tracker(repo), out / "site", helpers=[template_helpers])
