"""Communes into `bilan` items, one per commune.

Reads INSEE's Code officiel géographique (`v_commune_YYYY.csv`: comma, UTF-8, header
`TYPECOM,COM,REG,DEP,CTCD,ARR,TNCC,NCC,NCCENR,LIBELLE,CAN,COMPARENT`), keeping the rows
of type COM (not associated or delegated communes, nor municipal arrondissements), or
tracker's own table (`code,nom,departement,population`), told apart by the header. The
population comes from the shipped table when the COG file has none.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping

from tracker.importers import (
    MalformedInput,
    Mode,
    Progress,
    Row,
    apply,
    decode,
    read_bytes,
    tally,
)

if TYPE_CHECKING:
    from tracker.api import Outcome, Tracker

KIND = "bilan"
KEEP = ("status", "indicators", "message", "claim_risk")
COG_COLUMNS = ("TYPECOM", "COM", "DEP", "LIBELLE")
COG_TYPES = ("COM", "COMA", "COMD", "ARM")
TABLE_COLUMNS = ["code", "nom", "departement", "population"]
RowParser = Callable[[list[str]], "dict[str, Any] | None"]


@dataclass
class Communes:
    """The communes read from one file."""

    format: str  # "cog" or "table"
    rows: list[Row] = field(default_factory=list)
    skipped: int = 0  # COMA, COMD and ARM rows of a COG file


def bilan_record(code: str, name: str, departement: str,
                 population: int | None) -> dict[str, Any]:
    """The fields of one `bilan` item."""
    return {"title": f"Bilan – {name}", "commune_insee": code, "commune_name": name,
            "departement": departement, "population": population}


def parse_communes(text: str, source: str,
                   populations: Mapping[str, int | None]) -> Communes:
    """The communes of a COG file or of tracker's table; `populations` fills in the COG's."""
    reader = csv.reader(io.StringIO(text))
    header = [name.strip() for name in next(reader, [])]
    if header == TABLE_COLUMNS:
        return _read(reader, source, Communes("table"), _table_row)
    upper = [name.upper() for name in header]
    if all(name in upper for name in COG_COLUMNS):
        where = {name: upper.index(name) for name in COG_COLUMNS}
        return _read(reader, source, Communes("cog"), _cog_row(where, populations))
    raise MalformedInput(source, 1, "not a communes file: expected INSEE's header "
                         "TYPECOM,COM,…,DEP,…,LIBELLE,… or " + ",".join(TABLE_COLUMNS))


def _read(reader: Any, source: str, communes: Communes, parse_row: RowParser) -> Communes:
    """Every non-blank row through `parse_row`, errors located at their line."""
    for fields in reader:
        if not any(value.strip() for value in fields):
            continue
        try:
            record = parse_row(fields)
        except ValueError as e:
            raise MalformedInput(source, reader.line_num, str(e)) from None
        if record is None:
            communes.skipped += 1
        else:
            communes.rows.append(Row(reader.line_num, record))
    return communes


def _table_row(fields: list[str]) -> dict[str, Any]:
    if len(fields) != len(TABLE_COLUMNS):
        raise ValueError(f"{len(fields)} fields, expected {len(TABLE_COLUMNS)}")
    code, name, departement, population = (value.strip() for value in fields)
    return bilan_record(code, _name(name), departement, _population(population))


def _cog_row(where: dict[str, int], populations: Mapping[str, int | None]) -> RowParser:
    """A row reader for a COG file whose columns are at `where`."""
    def parse(fields: list[str]) -> dict[str, Any] | None:
        if len(fields) <= max(where.values()):
            raise ValueError(f"{len(fields)} fields, expected at least {max(where.values()) + 1}")
        kind = fields[where["TYPECOM"]].strip()
        if kind not in COG_TYPES:
            raise ValueError(f"TYPECOM '{kind}': expected one of {', '.join(COG_TYPES)}")
        if kind != "COM":
            return None
        code = fields[where["COM"]].strip()
        return bilan_record(code, _name(fields[where["LIBELLE"]]),
                            fields[where["DEP"]].strip(), populations.get(code))
    return parse


def _name(text: str) -> str:
    if not text.strip():
        raise ValueError("the commune's name is empty")
    return text.strip()


def _population(text: str) -> int | None:
    if not text:
        return None
    if not re.fullmatch(r"[0-9]+", text):
        raise ValueError(f"population '{text}' is not a whole number")
    return int(text)


def run_communes(t: Tracker, path: Path, source: str, progress: Progress | None = None,
                 mode: Mode | None = None) -> tuple[Communes, Outcome]:
    """Import communes into `bilan` items, in one commit."""
    from tracker.campaign.communes import load_communes  # noqa: PLC0415

    t.ws.kind(KIND)  # a tracker without bilans is told so first
    populations = {code: c.population for code, c in load_communes().items()}
    communes = parse_communes(decode(read_bytes(path)), source, populations)
    outcome = apply(t, KIND, communes.rows, source, keep=KEEP, progress=progress, mode=mode,
                    message=lambda done: tally("import communes", len(communes.rows),
                                               f"communes ({communes.format})", done))
    return communes, outcome
