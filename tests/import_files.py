"""Builders of open-data files in their exact formats, deterministically, for the import tests.

Results by polling station in the Ministry of the Interior's three formats (Latin-1,
`;`, decimal commas in percentages, letter codes overseas, 3-character commune codes),
and INSEE's COG communes file. The candidates are invented.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

CANDIDATES = [("1", "M", "MARTIN", "Paul", "DVG"), ("2", "F", "DURAND", "Claire", "DVD"),
              ("3", "F", "PETIT", "Lucie", "DIV")]


@dataclass(frozen=True)
class Bureau:
    """One polling station as the Ministry's files give it."""

    dep: str  # as the file writes it: "93", "2A", "ZA", "1"
    commune: str  # 3 characters in formats 1 and 2 ("066", "101")
    insee: str  # the full code, used by format 3
    name: str
    bureau: str  # as the file writes it ("12", "0001")
    inscrits: int
    votants: int
    blancs: int = 5
    nuls: int = 3

    @property
    def exprimes(self) -> int:
        return self.votants - self.blancs - self.nuls

    def voix(self) -> list[int]:
        """The candidates' votes, adding up to the exprimés."""
        first = self.exprimes // 2
        second = self.exprimes // 3
        return [first, second, self.exprimes - first - second]


BUREAUX = [
    Bureau("93", "066", "93066", "Saint-Denis", "12", inscrits=1000, votants=600),
    Bureau("93", "066", "93066", "Saint-Denis", "0013", inscrits=950, votants=512),
    Bureau("2A", "004", "2A004", "Ajaccio", "1", inscrits=820, votants=611),
    Bureau("ZA", "101", "97101", "Les Abymes", "3", inscrits=1200, votants=480),
    Bureau("73", "065", "73065", "Chambéry", "7", inscrits=700, votants=455),
    Bureau("1", "004", "01004", "Ambérieu-en-Bugey", "2", inscrits=640, votants=402),
]


def percent(part: int, whole: int) -> str:
    """A percentage as the Ministry writes it: two decimals, a decimal comma."""
    return f"{100 * part / whole:.2f}".replace(".", ",") if whole else "0,00"


def encode(lines: list[str], encoding: str) -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def long_format(bureaux: list[Bureau], rounds: tuple[int, ...] = (1,),
                encoding: str = "latin-1") -> bytes:
    """Format 1 (2002–2014): no header, one row per candidate per bureau and round."""
    lines = []
    for tour in rounds:
        for b in bureaux:
            votants = b.votants + (tour - 1) * 10
            b2 = replace(b, votants=votants)
            for (number, _, nom, prenom, nuance), voix in zip(CANDIDATES, b2.voix()):
                lines.append(";".join([str(tour), b.dep, b.commune, b.name, "4", "10", b.bureau,
                                       str(b.inscrits), str(votants), str(b2.exprimes),
                                       number, nom, prenom, nuance, str(voix)]))
    return encode(lines, encoding)


WIDE_HEADER = ("Code du département;Libellé du département;Code de la circonscription;"
               "Libellé de la circonscription;Code de la commune;Libellé de la commune;"
               "Code du b.vote;Inscrits;Abstentions;% Abs/Ins;Votants;% Vot/Ins;Blancs;"
               "% Blancs/Ins;% Blancs/Vot;Nuls;% Nuls/Ins;% Nuls/Vot;Exprimés;% Exp/Ins;"
               "% Exp/Vot;N°Panneau;Sexe;Nom;Prénom;Voix;% Voix/Ins;% Voix/Exp")


def wide_row(b: Bureau) -> str:
    """One bureau of format 2, with every candidate's 7-column block."""
    abst = b.inscrits - b.votants
    cells = [b.dep, f"Département {b.dep}", "01", "1ère circonscription", b.commune, b.name,
             b.bureau, str(b.inscrits), str(abst), percent(abst, b.inscrits), str(b.votants),
             percent(b.votants, b.inscrits), str(b.blancs), percent(b.blancs, b.inscrits),
             percent(b.blancs, b.votants), str(b.nuls), percent(b.nuls, b.inscrits),
             percent(b.nuls, b.votants), str(b.exprimes), percent(b.exprimes, b.inscrits),
             percent(b.exprimes, b.votants)]
    for (number, sexe, nom, prenom, _), voix in zip(CANDIDATES, b.voix()):
        cells += [number, sexe, nom, prenom, str(voix), percent(voix, b.inscrits),
                  percent(voix, b.exprimes)]
    return ";".join(cells)


def wide_format(bureaux: list[Bureau], encoding: str = "latin-1") -> bytes:
    """Format 2 (2017–2022): a header, one row per bureau."""
    return encode([WIDE_HEADER] + [wide_row(b) for b in bureaux], encoding)


def recent_header(candidates: int) -> str:
    names = ["Code département", "Libellé département", "Code commune", "Libellé commune",
             "Code BV", "Inscrits", "Votants", "% Votants", "Abstentions", "% Abstentions",
             "Exprimés", "% Exprimés/inscrits", "% Exprimés/votants", "Blancs",
             "% Blancs/inscrits", "% Blancs/votants", "Nuls", "% Nuls/inscrits",
             "% Nuls/votants"]
    for n in range(1, candidates + 1):
        names += [f"Numéro de panneau {n}", f"Nuance candidat {n}", f"Nom candidat {n}",
                  f"Prénom candidat {n}", f"Sexe candidat {n}", f"Voix {n}",
                  f"% Voix/inscrits {n}", f"% Voix/exprimés {n}", f"Elu {n}"]
    return ";".join(names)


def recent_row(b: Bureau) -> str:
    """One bureau of format 3; `Code commune` is the INSEE code."""
    abst = b.inscrits - b.votants
    cells = [b.dep, f"Département {b.dep}", b.insee, b.name, b.bureau, str(b.inscrits),
             str(b.votants), percent(b.votants, b.inscrits), str(abst),
             percent(abst, b.inscrits), str(b.exprimes), percent(b.exprimes, b.inscrits),
             percent(b.exprimes, b.votants), str(b.blancs), percent(b.blancs, b.inscrits),
             percent(b.blancs, b.votants), str(b.nuls), percent(b.nuls, b.inscrits),
             percent(b.nuls, b.votants)]
    for (number, _, nom, prenom, nuance), voix in zip(CANDIDATES, b.voix()):
        cells += [number, nuance, nom, prenom, "F", str(voix), percent(voix, b.inscrits),
                  percent(voix, b.exprimes), ""]
    return ";".join(cells)


def recent_format(bureaux: list[Bureau], encoding: str = "latin-1") -> bytes:
    """Format 3 (2024+): a header with numbered candidate columns, one row per bureau."""
    return encode([recent_header(len(CANDIDATES))] + [recent_row(b) for b in bureaux],
                  encoding)


def synthetic_bureaux(count: int) -> list[Bureau]:
    """`count` distinct bureaux spread over real-looking communes, for volume tests."""
    found = []
    for n in range(count):
        dep = f"{1 + n % 95:02d}" if 1 + n % 95 != 20 else "2A"
        commune = f"{1 + (n // 95) % 900:03d}"
        bureau = f"{1 + n // (95 * 900):04d}"
        inscrits = 500 + n % 900
        found.append(Bureau(dep, commune, dep + commune, f"Commune {dep}{commune}", bureau,
                            inscrits=inscrits, votants=inscrits // 2 + n % 50))
    return found


COG_HEADER = "TYPECOM,COM,REG,DEP,CTCD,ARR,TNCC,NCC,NCCENR,LIBELLE,CAN,COMPARENT"
COG_ROWS = [
    "COM,01001,84,01,01D,012,5,ABERGEMENT CLEMENCIAT,Abergement-Clémenciat,"
    "L'Abergement-Clémenciat,0108,",
    "COM,2A004,94,2A,20D,2A1,0,AJACCIO,Ajaccio,Ajaccio,2A98,",
    "COM,75056,11,75,75C,751,0,PARIS,Paris,Paris,7599,",
    "ARM,75101,11,75,75C,751,0,PARIS 1ER ARRONDISSEMENT,Paris 1er Arrondissement,"
    "Paris 1er Arrondissement,,75056",
    "COM,76351,28,76,76D,763,2,HAVRE,Havre,Le Havre,7699,",
    "COMD,01015,84,01,01D,011,1,ARBIGNIEU,Arbignieu,Arbignieu,,01015",
    "COMA,01055,84,01,01D,011,0,BOYEUX ST JEROME,Boyeux-St-Jérôme,Boyeux-St-Jérôme,,01013",
    "COM,93066,11,93,93D,932,0,SAINT DENIS,Saint-Denis,Saint-Denis,9399,",
    "COM,97101,01,971,971D,9712,4,ABYMES,Abymes,Les Abymes,97998,",
    "COM,99999,11,93,93D,932,0,NOWHERE,Nowhere,Nulle-Part,9399,",
]


def cog_file(rows: list[str] | None = None) -> bytes:
    """INSEE's v_commune_YYYY.csv: comma, UTF-8, its exact header."""
    return ("\n".join([COG_HEADER, *(COG_ROWS if rows is None else rows)]) + "\n").encode()
