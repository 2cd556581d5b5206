"""Open-data indicators into the communes' `bilan` items.

`tracker import indicators FILE --indicator NAME --year YEAR --source TEXT` reads a CSV
keyed by INSEE commune code, one value per commune, with the separators and encodings
of the Ministry's and INSEE's files (`;` or `,` or a tab, told by the header; UTF-8 or
Windows-1252; decimal commas, spaces between thousands). The code is a column such as
`CODGEO`, `COM`, `code_insee`, `Code commune` (or the Ministry's `Code du département`
and `Code de la commune` pair). Each value becomes one year of the indicator NAME in the
bilan of its commune: the entry keeps every year imported (`values`), and shows the
earliest and the latest as the start and end of the term. Importing the same file again
changes nothing. A bad code, a code twice, a value that is not a number are refused at
`FILE:LINE`; communes without a bilan in this repository are counted and left alone.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracker.importers import MalformedInput, Mode, Progress, Row, apply, decode, read_bytes
from tracker.model.problems import Problem

if TYPE_CHECKING:
    from tracker.api import Outcome, Tracker

KIND = "bilan"
CODE = re.compile(r"[0-9][0-9AB][0-9]{3}")
CODE_COLUMNS = ("codgeo", "code_insee", "code insee", "codeinsee", "insee", "com", "depcom",
                "code commune", "code_commune", "code_commune_insee", "code de la commune",
                "code")
DEP_COLUMNS = ("code du département", "code département", "code departement", "dep")
COMMUNE_COLUMNS = ("code de la commune", "code commune")
NAME_COLUMNS = ("libgeo", "libelle", "libellé", "nom", "commune", "libellé de la commune",
                "libellé commune", "nom commune", "libelle commune", "libellé département",
                "libelle departement", "libellé du département", "reg", "region", "région")
MISSING = ("", "s", "nd", "n.d.", "na", "nan", "-", ".", "…", "secret")
# Paris, Lyon and Marseille arrondissements: real codes, never bilans of their own
ARRONDISSEMENTS = re.compile(r"751(?:0[1-9]|1[0-9]|20)|6938[1-9]|132(?:0[1-9]|1[0-6])")


@dataclass
class Indicator:
    """What one import writes: the indicator, its year and source."""

    code: str
    year: int
    source: str
    label: str | None = None
    unit: str | None = None
    simulated: bool = False


@dataclass
class Values:
    """The values read from one file, by commune code, with their lines."""

    column: str
    delimiter: str
    values: dict[str, tuple[int, int | float]] = field(default_factory=dict)
    refused: list[Problem] = field(default_factory=list)
    missing: int = 0  # blank or secret values ("s", "nd")


def parse_values(text: str, source: str, column: str | None, indicator: str) -> Values:
    """The value of each commune; malformed rows refused at their line."""
    first = text.split("\n", 1)[0]
    delimiter = max(";,\t", key=first.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [name.strip() for name in next(reader, [])]
    lower = [name.lower() for name in header]
    code_at, dep_at = _code_columns(lower)
    if code_at is None:
        raise MalformedInput(source, 1, "no column of INSEE commune codes: expected one of "
                             "CODGEO, COM, code_insee, Code commune (header: "
                             f"{', '.join(header) or 'empty'})")
    value_at = _value_column(header, lower, column, indicator, {code_at, dep_at}, source)
    found = Values(header[value_at], delimiter)
    for fields in reader:
        if not any(value.strip() for value in fields):
            continue
        line = reader.line_num
        if len(fields) <= max(value_at, code_at, dep_at or 0):
            found.refused.append(Problem(source, line, None, f"{len(fields)} fields, "
                                         f"expected at least {len(header)}"))
            continue
        try:
            code = _code(fields[code_at], None if dep_at is None else fields[dep_at])
        except ValueError as e:
            found.refused.append(Problem(source, line, "commune_insee", str(e)))
            continue
        raw = fields[value_at].strip()
        if raw.lower() in MISSING:
            found.missing += 1
            continue
        try:
            value = number(raw)
        except ValueError as e:
            found.refused.append(Problem(source, line, found.column, str(e)))
            continue
        if code in found.values:
            found.refused.append(Problem(source, line, "commune_insee", f"commune {code} is "
                                         f"already given at line {found.values[code][0]} "
                                         "(one value per commune)"))
            continue
        found.values[code] = (line, value)
    return found


def _code_columns(lower: list[str]) -> tuple[int | None, int | None]:
    """Where the commune code is: one column, or the Ministry's département + commune."""
    for dep_name in DEP_COLUMNS:
        for commune_name in COMMUNE_COLUMNS:
            if dep_name in lower and commune_name in lower:
                return lower.index(commune_name), lower.index(dep_name)
    for name in CODE_COLUMNS:
        if name in lower:
            return lower.index(name), None
    return None, None


def _value_column(header: list[str], lower: list[str], column: str | None, indicator: str,
                  taken: set[int | None], source: str) -> int:
    """The column of the values: --column, else the indicator's name, else the only one."""
    if column is not None:
        if column.lower() not in lower:
            raise MalformedInput(source, 1, f"no column '{column}' (header: "
                                 f"{', '.join(header)})")
        return lower.index(column.lower())
    if indicator.lower() in lower:
        return lower.index(indicator.lower())
    others = [n for n, name in enumerate(lower) if n not in taken and name not in NAME_COLUMNS]
    if len(others) != 1:
        raise MalformedInput(source, 1, "which column holds the values? name it with "
                             f"--column (header: {', '.join(header)})")
    return others[0]


def _code(text: str, dep: str | None) -> str:
    """A commune's INSEE code, checked (never guessed: a lost leading zero is refused)."""
    if dep is not None:
        from tracker.importers.fr_results import normalise_place  # noqa: PLC0415

        return normalise_place(dep, text)[1]
    code = text.strip().upper()
    if not CODE.fullmatch(code) or (code[1] in "AB" and code[0] != "2"):
        hint = (f" (a spreadsheet may have dropped its leading zero: {code.zfill(5)})"
                if code.isdigit() and len(code) == 4 else "")
        raise ValueError(f"'{text.strip()}' is not an INSEE commune code (5 characters, "
                         f"like 93066 or 2A004){hint}")
    return code


def number(text: str) -> int | float:
    """A value as INSEE and the Ministry write it: `12,5`, `1 234`, `12.5`, `-3`."""
    cleaned = re.sub(r"[\s\u00a0\u202f]", "", text).replace(",", ".")
    if not re.fullmatch(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?", cleaned):
        raise ValueError(f"'{text}' is not a number")
    value = float(cleaned)
    return int(value) if value.is_integer() and re.fullmatch(r"[-+]?\d+", cleaned) else value


def merged(entries: Any, indicator: Indicator, value: int | float) -> list[Any]:
    """The bilan's `indicators` with this year's value of `indicator` written in."""
    entries = list(entries) if isinstance(entries, list) else []
    at = next((n for n, e in enumerate(entries)
               if isinstance(e, dict) and e.get("code") == indicator.code), None)
    old = dict(entries[at]) if at is not None else {"code": indicator.code}
    years = [v for v in old.get("values") or [] if isinstance(v, dict)
             and v.get("year") != indicator.year]
    years.append({"year": indicator.year, "value": value, "source": indicator.source})
    years.sort(key=lambda v: (not isinstance(v.get("year"), int), v.get("year") or 0))
    entry: dict[str, Any] = {"code": indicator.code,
                             "label": indicator.label or old.get("label") or indicator.code}
    unit = indicator.unit if indicator.unit is not None else old.get("unit")
    if unit:
        entry["unit"] = unit
    if len(years) > 1:
        entry.update(start_year=years[0]["year"], start_value=years[0]["value"])
    entry.update(end_year=years[-1]["year"], end_value=years[-1]["value"])
    entry["source"] = " ; ".join(dict.fromkeys(str(v.get("source")) for v in years))
    if indicator.simulated or old.get("simulated"):
        entry["simulated"] = True
    entry["values"] = years
    if at is None:
        entries.append(entry)
    else:
        entries[at] = entry
    return entries


@dataclass
class Imported:
    """What an import of indicators read: for the summary line and JSON."""

    values: Values
    no_bilan: int = 0  # communes of the file this repository has no bilan for


def run_indicators(t: Tracker, path: Path, source: str, indicator: Indicator,
                   column: str | None = None, progress: Progress | None = None,
                   mode: Mode | None = None) -> tuple[Imported, Outcome]:
    """Write one year of one indicator into the bilans, in one commit."""
    from tracker.campaign.communes import load_communes  # noqa: PLC0415

    t.ws.kind(KIND)  # a tracker without bilans is told so first
    found = parse_values(decode(read_bytes(path)), source, column, indicator.code)
    bilans = {i.id: i for i in t.items([KIND]).items}
    known = load_communes()
    imported, rows = Imported(found), []
    for code, (line, value) in found.values.items():
        bilan = bilans.get(code)
        if bilan is None:
            if code in known or ARRONDISSEMENTS.fullmatch(code):
                imported.no_bilan += 1
            else:
                found.refused.append(Problem(source, line, "commune_insee", f"no commune "
                                             f"{code} in INSEE's Code officiel géographique"))
            continue
        rows.append(Row(line, {"commune_insee": code, "indicators": merged(
            bilan.fields.get("indicators"), indicator, value)}))
    found.refused.sort(key=lambda p: p.line or 0)
    outcome = apply(t, KIND, rows, source, progress=progress, mode=mode,
                    refused=found.refused, message=lambda done: (
                        f"import indicators: {indicator.code} {indicator.year} for "
                        f"{len(rows)} communes ({indicator.source}) — {done.updated} "
                        f"updated, {done.unchanged} unchanged"
                        + (f", {done.rows_refused} refused" if done.rows_refused else "")))
    return imported, outcome
