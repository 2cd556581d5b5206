"""`tracker demo`: a small tracker with a few weeks of dated history, built through the
library exactly as a user's commands would build it. Deterministic for a seed.
"""

from __future__ import annotations

import os
import random
from collections import Counter
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Iterator

from . import project
from .api import Tracker
from .errors import TrackerError

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
    with _clock(START):
        project.init(out, "default")
    t = Tracker(out)
    created: list[str] = []
    for day, (title, priority, tags) in enumerate(TASKS):
        when = START + timedelta(days=day * 2, hours=rng.randint(0, 8))
        with _clock(when):
            item = t.new("issue", title, {"priority": priority, "tags": ",".join(tags),
                                          "assignee": rng.choice(ASSIGNEES)},
                         body=f"Demandé le {when:%d/%m}.\n")
        created.append(item.id)
    for step, item_id in enumerate(created):
        when = START + timedelta(days=3 + step * 2, hours=rng.randint(9, 18))
        moves = rng.choice([["in-progress"], ["in-progress", "done"], [], ["closed"]])
        for offset, status in enumerate(moves):
            with _clock(when + timedelta(days=offset * 3)):
                t.move(item_id, status)
    counts = Counter(str(i.fields.get("status")) for i in t.items().items)
    progress(f"Demo tracker: {len(created)} issues, "
             + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())))
    return out.resolve()


@contextmanager
def _clock(when: datetime) -> Iterator[None]:
    """Date the next commits and `created` fields, as a person working then would."""
    dates = ("GIT_AUTHOR_DATE", "GIT_COMMITTER_DATE", "TRACKER_NOW")
    people = ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL")
    saved = {n: os.environ.get(n) for n in dates + people}
    os.environ.update({n: when.isoformat() for n in dates})
    os.environ.setdefault("GIT_AUTHOR_NAME", "Demo")
    os.environ.setdefault("GIT_AUTHOR_EMAIL", "demo@example.org")
    os.environ.setdefault("GIT_COMMITTER_NAME", "Demo")
    os.environ.setdefault("GIT_COMMITTER_EMAIL", "demo@example.org")
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
