"""Results by polling station (bureau de vote) from France's Ministry of the Interior.

Three generations of files, all `;` separated, told apart by their first line:

1. 2002–2014 long format, no header, one row per candidate per bureau: tour; code
   département; code commune (3 chars); nom commune; circonscription; canton; n° bureau;
   Inscrits; Votants; Exprimés; n° dépôt; nom; prénom; nuance; voix. The bureau's counts
   repeat on each of its rows; abstentions = Inscrits − Votants.
2. 2017–2022 wide format, one row per bureau, header `Code du département;…`.
3. 2024+ format, header `Code département;…`, where `Code commune` is the INSEE code.

Only counts per bureau are kept, never percentages (rates are recomputed from counts):
the bureau's counts, and each candidate's votes (`voix`, by the candidate's "Prénom NOM":
candidates are public figures; `tracker campaign effect --candidate` reads them).

A bureau's id is `CCCCC_BBBB`: its commune's INSEE code and
its number padded to 4 characters.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracker.importers import (
    MalformedInput,
    Mode,
    Progress,
    Row,
    apply,
    decode,
    lines,
    read_bytes,
    tally,
)

if TYPE_CHECKING:
    from tracker.api import Outcome, Tracker

KIND = "bureau"
KEEP = ("status", "priority", "team", "experiment_arm", "target_doors")

# The Ministry's letter codes for the départements and collectivités outside Europe, and
# the INSEE département(s) each stands for. Their commune codes have 3 characters whose
# last two are the INSEE commune number: ZA + "101" is 971 + "01" = 97101 (Les Abymes).
# ZX holds two collectivités, told apart by the first digit: ZX + "701" is 97701
# (Saint-Barthélemy), ZX + "801" is 97801 (Saint-Martin).
OVERSEAS: dict[str, tuple[str, ...]] = {
    "ZA": ("971",),  # Guadeloupe
    "ZB": ("972",),  # Martinique
    "ZC": ("973",),  # Guyane
    "ZD": ("974",),  # La Réunion
    "ZS": ("975",),  # Saint-Pierre-et-Miquelon
    "ZM": ("976",),  # Mayotte
    "ZX": ("977", "978"),  # Saint-Barthélemy, Saint-Martin
    "ZW": ("986",),  # Wallis-et-Futuna
    "ZP": ("987",),  # Polynésie française
    "ZN": ("988",),  # Nouvelle-Calédonie
}
ABROAD = "ZZ"  # French people living abroad: consulates, no commune; their rows are skipped
_DEPARTEMENT = re.compile(r"0[1-9]|[1-8][0-9]|9[0-5]|2[AB]|97[1-8]|98[0-9]")
_BUREAU = re.compile(r"[0-9A-Za-z]{4}")
_DIGITS = re.compile(r"[0-9]+")

# Columns read from the headed formats, by their normalised header names.
WIDE = {"dep": "code du departement", "commune": "code de la commune",
        "name": "libelle de la commune", "bureau": "code du b.vote", "inscrits": "inscrits",
        "votants": "votants", "exprimes": "exprimes", "abstentions": "abstentions"}
RECENT = {"dep": "code departement", "commune": "code commune", "name": "libelle commune",
          "bureau": "code bv", "inscrits": "inscrits", "votants": "votants",
          "exprimes": "exprimes", "abstentions": "abstentions"}
COUNTS = {"inscrits": "Inscrits", "votants": "Votants", "exprimes": "Exprimés",
          "abstentions": "Abstentions"}
LONG_FIELDS = 15


@dataclass
class Results:
    """The bureaux read from one file."""

    format: int  # 1, 2 or 3, as in the module docstring
    rows: list[Row]
    round: int | None  # the round imported, when the file says (format 1) or was told
    skipped: int = 0  # rows of French people abroad (ZZ)


# ---------------------------------------------------------------- normalising codes


def normalise_place(dep_code: str, commune_code: str) -> tuple[str, str]:
    """(département, commune INSEE code) from a file's codes; ValueError if they are wrong."""
    letters, commune = dep_code.strip().upper(), commune_code.strip().upper()
    if not commune:
        raise ValueError("the commune code is empty")
    dep = _overseas(letters, commune) if letters in OVERSEAS else letters
    if dep.isdigit() and len(dep) == 1:
        dep = dep.zfill(2)
    if not _DEPARTEMENT.fullmatch(dep):
        raise ValueError(f"unknown département code '{dep_code.strip()}'")
    insee = _insee(dep, commune)
    if not insee.startswith(dep):
        raise ValueError(f"commune {insee} is not in département {dep}")
    return dep, insee


def _overseas(letters: str, commune: str) -> str:
    """The INSEE département of an overseas letter code, chosen by the commune code."""
    choices = OVERSEAS[letters]
    if len(choices) == 1:
        return choices[0]
    digit = commune[2] if len(commune) == 5 else commune.zfill(3)[0]
    for dep in choices:
        if dep[-1] == digit:
            return dep
    raise ValueError(f"commune code '{commune}' fits none of the départements of "
                     f"{letters} ({', '.join(choices)})")


def _insee(dep: str, commune: str) -> str:
    """The 5-character INSEE code: given whole, or département + the file's commune code."""
    if len(commune) == 5:
        return commune
    if not _DIGITS.fullmatch(commune) or len(commune) > 4:
        raise ValueError(f"commune code '{commune}' is not a commune number")
    if len(commune) == 4:  # a whole INSEE code that lost its leading zero ("1001")
        return commune.zfill(5)
    number = commune.zfill(3)
    # Overseas départements have 3 characters, so their communes keep 2 of the 3 given.
    return dep + (number[1:] if len(dep) == 3 else number)


def bureau_code(text: str) -> str:
    """A bureau number padded to 4 characters ("12" -> "0012", "00012" -> "0012")."""
    code = text.strip()
    if len(code) > 4:
        code = code.lstrip("0")
    code = code.zfill(4)
    if not _BUREAU.fullmatch(code):
        raise ValueError(f"bureau code '{text.strip()}' is not 4 letters or digits")
    return code


def count(text: str, column: str) -> int:
    """A whole count ("1234", "1 234"); percentages are never read."""
    cleaned = text.strip().replace("\u00a0", "").replace(" ", "")
    if not _DIGITS.fullmatch(cleaned):
        raise ValueError(f"{column}: '{text.strip()}' is not a whole number")
    return int(cleaned)


def counts(inscrits: int, votants: int, exprimes: int,
           abstentions: int | None = None) -> dict[str, int]:
    """The bureau's counts, checked against each other; abstentions = inscrits − votants."""
    if votants > inscrits:
        raise ValueError(f"Votants ({votants}) exceed Inscrits ({inscrits})")
    if exprimes > votants:
        raise ValueError(f"Exprimés ({exprimes}) exceed Votants ({votants})")
    if abstentions is not None and abstentions != inscrits - votants:
        raise ValueError(f"Abstentions ({abstentions}) differ from Inscrits − Votants "
                         f"({inscrits} − {votants} = {inscrits - votants})")
    return {"inscrits": inscrits, "votants": votants, "exprimes": exprimes,
            "abstentions": inscrits - votants}


def bureau_record(place: tuple[str, str], name: str, bureau: str, numbers: dict[str, int],
                  election: str) -> dict[str, Any]:
    """The fields of one `bureau` item."""
    dep, insee = place
    name = name.strip() or insee
    return {"title": f"Bureau {bureau} – {name}", "bureau_id": f"{insee}_{bureau}",
            "commune_insee": insee, "commune_name": name, "departement": dep,
            "election": election, **numbers}


# ---------------------------------------------------------------- reading files


def header_name(text: str) -> str:
    """A column name compared loosely: no accents, lower case, single spaces."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(plain.lower().split())


def split(line: str) -> list[str]:
    return next(csv.reader([line], delimiter=";"))


def detect(first: str, source: str, line: int) -> int:
    """The format (1, 2 or 3) from the file's first line."""
    fields = split(first)
    head = header_name(fields[0]) if fields else ""
    if head == WIDE["dep"]:
        return 2
    if head == RECENT["dep"]:
        return 3
    if len(fields) >= LONG_FIELDS and fields[0].strip().isdigit():
        return 1
    raise MalformedInput(source, line, "not a results file of the Ministry of the Interior: "
                         "expected a header starting 'Code du département' or 'Code "
                         f"département', or {LONG_FIELDS} fields starting with the round")


def parse_results(text: str, source: str, election: str,
                  round_: int | None = None) -> Results:
    """The bureaux of a results file, in any of the three formats."""
    numbered = lines(text)
    if not numbered:
        raise MalformedInput(source, None, "the file is empty")
    fmt = detect(numbered[0][1], source, numbered[0][0])
    if fmt == 1:
        return _parse_long(numbered, source, election, round_)
    return _parse_headed(numbered, source, election, round_, fmt)


def _parse_headed(numbered: list[tuple[int, str]], source: str, election: str,
                  round_: int | None, fmt: int) -> Results:
    header_line, header = numbered[0]
    names = split(header)
    where = _columns(names, WIDE if fmt == 2 else RECENT, source, header_line)
    blocks = _candidate_blocks(names, fmt)
    results = Results(fmt, [], round_)
    seen: dict[str, int] = {}
    for number, line in numbered[1:]:
        try:
            fields = split(line)
            row = _headed_row(fields, where, election)
            if row is not None:
                row["voix"] = _votes(fields, blocks, row["exprimes"])
        except ValueError as e:
            raise MalformedInput(source, number, str(e)) from None
        if row is None:
            results.skipped += 1
            continue
        _once(seen, row["bureau_id"], number, source)
        results.rows.append(Row(number, row))
    return results


def _columns(header: list[str], wanted: dict[str, str], source: str,
             line: int) -> dict[str, int]:
    """Where each wanted column is in the header."""
    found: dict[str, int] = {}
    for index, name in enumerate(header):
        found.setdefault(header_name(name), index)
    missing = [name for name in wanted.values() if name not in found]
    if missing:
        raise MalformedInput(source, line, "missing column(s) in the header: "
                             + ", ".join(f"'{m}'" for m in missing))
    return {key: found[name] for key, name in wanted.items()}


def _candidate_blocks(header: list[str], fmt: int) -> tuple[list[tuple[int, int, int]], int]:
    """Where the candidates' (nom, prénom, voix) are: format 3 names every block
    (`Nom candidat 1`…); format 2 names the first, and 7-column blocks repeat unnamed
    (returned with that step, to follow to the end of each row)."""
    names = [header_name(h) for h in header]
    if fmt == 3:
        found = []
        for index, name in enumerate(names):
            match = re.fullmatch(r"nom candidat (\d+)", name)
            if match and f"voix {match.group(1)}" in names:
                k = match.group(1)
                first = names.index(f"prenom candidat {k}") if f"prenom candidat {k}" in names \
                    else index
                found.append((index, first, names.index(f"voix {k}")))
        return found, 0
    if "nom" in names and "voix" in names:
        return [(names.index("nom"), names.index("prenom") if "prenom" in names
                 else names.index("nom"), names.index("voix"))], 7
    return [], 0


def _votes(fields: list[str], blocks: tuple[list[tuple[int, int, int]], int],
           exprimes: int) -> dict[str, int]:
    """Each candidate's votes in one row, by "Prénom NOM"; they sum to at most Exprimés."""
    found, step = blocks
    spots = list(found)
    if step and found:
        nom, prenom, voix = found[0]
        spots = [(nom + k, prenom + k, voix + k) for k in range(0, len(fields) - voix, step)]
    votes: dict[str, int] = {}
    for nom, prenom, voix in spots:
        if voix >= len(fields) or not fields[nom].strip():
            continue
        name = " ".join(p for p in (fields[prenom].strip() if prenom != nom else "",
                                    fields[nom].strip()) if p)
        votes[name] = votes.get(name, 0) + count(fields[voix], "Voix")
    if sum(votes.values()) > exprimes:
        raise ValueError(f"the candidates' votes ({sum(votes.values())}) exceed Exprimés "
                         f"({exprimes})")
    return votes


def _headed_row(fields: list[str], where: dict[str, int],
                election: str) -> dict[str, Any] | None:
    """One bureau from a row of format 2 or 3; None for a row abroad."""
    if len(fields) <= max(where.values()):
        raise ValueError(f"{len(fields)} fields, expected at least {max(where.values()) + 1}")
    if fields[where["dep"]].strip().upper() == ABROAD:
        return None
    place = normalise_place(fields[where["dep"]], fields[where["commune"]])
    inscrits, votants, exprimes = (count(fields[where[c]], COUNTS[c])
                                   for c in ("inscrits", "votants", "exprimes"))
    counts(inscrits, votants, exprimes)  # votants within inscrits before abstentions are read
    numbers = counts(inscrits, votants, exprimes,
                     count(fields[where["abstentions"]], COUNTS["abstentions"]))
    return bureau_record(place, fields[where["name"]], bureau_code(fields[where["bureau"]]),
                         numbers, election)


def _once(seen: dict[str, int], bureau_id: str, number: int, source: str) -> None:
    """Refuse a bureau given twice."""
    if bureau_id in seen:
        raise MalformedInput(source, number,
                             f"bureau {bureau_id} appears twice (first on line {seen[bureau_id]})")
    seen[bureau_id] = number


def _parse_long(numbered: list[tuple[int, str]], source: str, election: str,
                round_: int | None) -> Results:
    """Format 1: one row per candidate, gathered into one record per bureau and round."""
    bureaux: dict[tuple[int, str], Row] = {}
    skipped = 0
    for number, line in numbered:
        try:
            parsed = _long_row(split(line), election)
        except ValueError as e:
            raise MalformedInput(source, number, str(e)) from None
        if parsed is None:
            skipped += 1
            continue
        tour, record, name, votes = parsed
        first = bureaux.setdefault((tour, record["bureau_id"]), Row(number, {**record,
                                                                             "voix": {}}))
        if {k: v for k, v in first.record.items() if k != "voix"} != record:
            raise MalformedInput(source, number, f"bureau {record['bureau_id']}: its "
                                 f"name or counts differ from line {first.line}")
        first.record["voix"][name] = first.record["voix"].get(name, 0) + votes
        if sum(first.record["voix"].values()) > record["exprimes"]:
            raise MalformedInput(source, number, f"bureau {record['bureau_id']}: the "
                                 f"candidates' votes exceed Exprimés ({record['exprimes']})")
    chosen = _round(sorted({tour for tour, _ in bureaux}), round_, source)
    rows = [row for (tour, _), row in bureaux.items() if tour == chosen]
    return Results(1, rows, chosen, skipped)


def _long_row(fields: list[str], election: str
              ) -> tuple[int, dict[str, Any], str, int] | None:
    """(round, bureau record, candidate, votes) from one candidate row of format 1; None
    for a row abroad."""
    if len(fields) < LONG_FIELDS:
        raise ValueError(f"{len(fields)} fields, expected {LONG_FIELDS}")
    tour = count(fields[0], "Tour")
    if tour not in (1, 2):
        raise ValueError(f"round {tour}: expected 1 or 2")
    if fields[1].strip().upper() == ABROAD:
        return None
    place = normalise_place(fields[1], fields[2])
    numbers = counts(count(fields[7], "Inscrits"), count(fields[8], "Votants"),
                     count(fields[9], "Exprimés"))
    name = " ".join(p for p in (fields[12].strip(), fields[11].strip()) if p)
    return (tour, bureau_record(place, fields[3], bureau_code(fields[6]), numbers, election),
            name, count(fields[14], "Voix"))


def _round(present: list[int], wanted: int | None, source: str) -> int | None:
    """The round to import: the one asked for, else the first in the file."""
    if wanted is None:
        return present[0] if present else None
    if wanted not in present:
        found = ", ".join(map(str, present)) or "none"
        raise MalformedInput(source, None, f"no row of round {wanted} (rounds found: {found})")
    return wanted


# ---------------------------------------------------------------- importing


def default_election(t: Tracker) -> str:
    """The reference election of the config (`election.id`)."""
    election = t.ws.config.get("election")
    value = election.get("id") if isinstance(election, dict) else None
    if not value:
        raise MalformedInput(".tracker/config.yaml", None, "no election.id: give the "
                             "election with --election ID")
    return str(value)


def run_fr_results(t: Tracker, path: Path, source: str, election: str | None = None,
                   round_: int | None = None, progress: Progress | None = None,
                   mode: Mode | None = None) -> tuple[Results, Outcome]:
    """Import a results file into `bureau` items, in one commit."""
    t.ws.kind(KIND)  # a tracker without bureaux is told so first
    election = election or default_election(t)
    results = parse_results(decode(read_bytes(path)), source, election, round_)
    label = election + (f" tour {results.round}" if results.round else "")
    outcome = apply(t, KIND, results.rows, source, keep=KEEP, progress=progress, mode=mode,
                    message=lambda done: tally("import fr-results", len(results.rows),
                                               f"bureaux ({label})", done))
    return results, outcome
