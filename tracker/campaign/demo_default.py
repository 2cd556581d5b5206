"""`tracker demo`: a small tracker with a few weeks of dated history, built through the
library exactly as a user's commands would build it. Deterministic for a seed.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

from tracker import api
from tracker.api import Tracker
from tracker.model.clock import dated
from tracker.model.errors import TrackerError

START = datetime(2026, 3, 2, 9, 0, tzinfo=timezone(timedelta(hours=1)))
TASKS = [
    ("Imprimer les tracts du 2e tour", "high", ["impression"]),
    ("Réserver la salle pour la réunion publique", "normal", ["logistique"]),
    ("Former les nouveaux bénévoles au porte-à-porte", "high", ["terrain", "formation"]),
    ("Mettre à jour le site de campagne", "normal", ["web"]),
    ("Préparer l'envoi de la lettre d'information", "normal", ["mailing"]),
    ("Vérifier le chiffre sur le chômage cité au débat", "urgent", ["fact-check"]),
    ("Commander les badges des bénévoles", "low", ["logistique"]),
    ("Cartographier les bureaux à forte abstention", "high", ["terrain", "data"]),
    ("Organiser le tractage du marché du dimanche", "normal", ["terrain"]),
    ("Rédiger le bilan de la semaine", "low", ["reporting"]),
    ("Sécuriser le site avant le débat télévisé", "urgent", ["web", "securite"]),
    ("Relancer les équipes sans remontées", "normal", ["terrain"]),
]
ASSIGNEES = ["mob-93-017", "mob-93-042", "web-01", "desk-03"]


def build_demo(out: Path, seed: int = 7, progress: Callable[[str], None] = print) -> Path:
    """Create the demo in `out` (new or empty) and return its path."""
    if out.exists() and any(out.iterdir()):
        raise TrackerError(f"{out} is not empty: choose another --out folder")
    rng = random.Random(seed)
    with dated(START):
        api.init(out, "default")
    t = Tracker(out)
    events: list[tuple[datetime, int, str]] = []
    for index in range(len(TASKS)):
        events.append((START + timedelta(days=index * 2, hours=rng.randint(0, 8)), index, ""))
        when = START + timedelta(days=3 + index * 2, hours=rng.randint(9, 18))
        statuses = rng.choice([["in-progress"], ["in-progress", "done"], [], ["closed"]])
        events += [(when + timedelta(days=n * 3), index, s) for n, s in enumerate(statuses)]
    ids: dict[int, str] = {}
    for when, index, status in sorted(events):
        with dated(when):
            if status:
                t.move(ids[index], status)
                continue
            title, priority, tags = TASKS[index]
            ids[index] = t.new("issue", title, {"priority": priority, "tags": ",".join(tags),
                                                "assignee": rng.choice(ASSIGNEES)},
                               body=f"Demandé le {when:%d/%m}.\n").id
    counts = Counter(str(i.fields.get("status")) for i in t.items().items)
    progress(f"Demo tracker: {len(ids)} issues, "
             + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())))
    return out.resolve()
