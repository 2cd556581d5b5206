"""The communes of France shipped with tracker: code, name with its article, département,
population municipale.

`tracker/data/communes.csv` (or `.csv.gz`) is derived from INSEE's Code officiel
géographique and populations légales (Licence Ouverte) by `scripts/derive_communes.py`;
`tracker/data/ATTRIBUTION.md` says when and from what.
"""

from __future__ import annotations

import csv
import gzip
import io
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data"
HEADER = ["code", "nom", "departement", "population"]


@dataclass(frozen=True)
class Commune:
    code: str  # INSEE code, 5 characters ("2A004")
    name: str  # with its article ("Le Havre")
    departement: str  # "01", "2A", "971"
    population: int | None


def table_bytes() -> bytes:
    """The shipped table's UTF-8 CSV bytes, from the plain or the gzipped file."""
    plain, packed = DATA / "communes.csv", DATA / "communes.csv.gz"
    if plain.is_file():
        return plain.read_bytes()
    return gzip.decompress(packed.read_bytes())


def parse_table(text: str) -> dict[str, Commune]:
    """Communes by code from the slim table's text (header `code,nom,departement,population`)."""
    reader = csv.reader(io.StringIO(text))
    if next(reader, None) != HEADER:
        raise ValueError("not a communes table: expected the header " + ",".join(HEADER))
    return {code: Commune(code, name, dep, int(pop) if pop else None)
            for code, name, dep, pop in reader}


@cache
def load_communes() -> dict[str, Commune]:
    """Every commune of the shipped table, by INSEE code (read once per process)."""
    return parse_table(table_bytes().decode("utf-8"))
