"""The campaign account (#18 §3): the `depense` kind and its rules (the legal ceiling per
round, the account period, positive amounts, payees that are organisations), and the
`compte` report, through the installed `tracker`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import head, log_subjects, run_tracker
from tracker.core.privacy import person_like


@pytest.fixture
def campaign(tmp_path: Path) -> Path:
    done = run_tracker(tmp_path, "init", "campagne", "--template", "campaign")
    assert done.returncode == 0, done.stderr
    return tmp_path / "campagne"


def spend(repo: Path, *sets: str, title: str = "Dépense") -> tuple[int, str, str]:
    options = [part for assignment in sets for part in ("--set", assignment)]
    done = run_tracker(repo, "new", "depense", title, *options)
    return done.returncode, done.stdout.strip(), done.stderr


def ok_spend(repo: Path, date: str, amount: str, category: str, payee: str) -> str:
    code, out, err = spend(repo, f"date={date}", f"amount={amount}", f"category={category}",
                           f"payee={payee}", "invoice_reference=F-0001")
    assert code == 0, err
    return out


def refused(repo: Path, field: str, fragment: str, *sets: str) -> None:
    before = head(repo)
    code, out, err = spend(repo, *sets)
    assert code != 0 and out == ""
    assert "Traceback" not in err
    [line] = err.splitlines()
    assert f": {field}: " in line and fragment in line, line
    assert line.startswith("Error: depenses/dep-")
    assert head(repo) == before  # nothing written, nothing committed


GOOD = ("date=2027-01-15", "amount=1200", "category=web", "payee=OVH SAS")


def test_a_spending_is_recorded_with_its_fields(campaign: Path) -> None:
    item = ok_spend(campaign, "2027-01-15", "1200.50", "web", "OVH SAS")
    text = (campaign / "depenses" / f"{item}.md").read_text(encoding="utf-8")
    assert "amount: 1200.5\n" in text and "category: web\n" in text
    assert 'invoice_reference: "F-0001"\n' in text and "payee: OVH SAS\n" in text
    shown = json.loads(run_tracker(campaign, "show", item, "--format", "json").stdout)
    assert shown["spent_to_date"] == 1200.5 and shown["ceiling_eur"] == 16851000
    assert log_subjects(campaign)[0] == f"new {item}: Dépense"


@pytest.mark.parametrize("amount", ["0", "-50"])
def test_amounts_that_are_not_positive_are_refused(campaign: Path, amount: str) -> None:
    refused(campaign, "amount", "positif", "date=2027-01-15", f"amount={amount}",
            "category=web", "payee=OVH SAS")


@pytest.mark.parametrize("day", ["2026-03-31", "2027-04-26"])
def test_a_date_outside_the_account_period_is_refused(campaign: Path, day: str) -> None:
    refused(campaign, "date", "hors de la période du compte", f"date={day}", "amount=10",
            "category=print", "payee=Imprimerie Moderne SARL")


def test_the_account_period_bounds_are_inside(campaign: Path) -> None:
    ok_spend(campaign, "2026-04-01", "10", "print", "Imprimerie Moderne SARL")
    ok_spend(campaign, "2027-04-25", "10", "print", "Imprimerie Moderne SARL")


def test_an_unknown_category_is_refused(campaign: Path) -> None:
    code, _, err = spend(campaign, "date=2027-01-15", "amount=10", "category=cadeaux",
                         "payee=OVH SAS")
    assert code != 0 and "category" in err and "web, print, meetings, travel, staff, polling, " \
        "other" in err


@pytest.mark.parametrize("payee", ["M. Dupont", "Mme Claire Martin", "Jean DUPONT",
                                   "DUPONT Jean", "J. Dupont", "Monsieur Durand"])
def test_a_payee_that_looks_like_a_person_is_refused(campaign: Path, payee: str) -> None:
    refused(campaign, "payee", "never a person", "date=2027-01-15", "amount=10",
            "category=travel", f"payee={payee}")


def test_a_payee_phone_number_is_refused_as_personal_data(campaign: Path) -> None:
    refused(campaign, "payee", "phone number", "date=2027-01-15", "amount=10",
            "category=travel", "payee=Taxi 06 12 34 56 78")


@pytest.mark.parametrize("payee", ["Imprimerie DUPONT", "DUPONT SARL", "SNCF Voyageurs",
                                   "Google Ireland Ltd", "Ipsos", "Mairie de Saint-Denis",
                                   "Association Les Amis du Parc"])
def test_organisations_are_payees(payee: str) -> None:
    assert person_like(payee) is None


def test_check_reports_a_person_payee_written_by_hand(campaign: Path) -> None:
    item = ok_spend(campaign, "2027-01-15", "10", "meetings", "Salle Pleyel SAS")
    path = campaign / "depenses" / f"{item}.md"
    path.write_text(path.read_text(encoding="utf-8").replace("Salle Pleyel SAS", "Mme Durand"),
                    encoding="utf-8")
    done = run_tracker(campaign, "check")
    assert done.returncode == 1
    assert f"depenses/{item}.md:7: payee: looks like a person" in done.stdout + done.stderr


def test_the_ceiling_of_the_first_round(campaign: Path) -> None:
    ok_spend(campaign, "2027-01-10", "16000000", "staff", "Agence Exemple SAS")
    ok_spend(campaign, "2027-02-10", "851000", "print", "Imprimerie Moderne SARL")  # = ceiling
    refused(campaign, "amount", "plafond légal", "date=2027-03-01", "amount=1",
            "category=web", "payee=OVH SAS")
    # a spending dated before the others counts against everything up to its day only
    ok_spend(campaign, "2027-01-09", "1", "web", "OVH SAS")
    done = run_tracker(campaign, "check")
    assert done.returncode == 1  # the later ones are now over the ceiling
    assert "plafond légal" in done.stdout


def test_after_the_first_round_the_second_rounds_ceiling(campaign: Path) -> None:
    ok_spend(campaign, "2027-01-10", "16851000", "staff", "Agence Exemple SAS")
    ok_spend(campaign, "2027-04-15", "5658000", "meetings", "Palais des Congrès SA")
    refused(campaign, "amount", "plafond légal", "date=2027-04-20", "amount=1",
            "category=web", "payee=OVH SAS")
    assert run_tracker(campaign, "check").returncode == 0


def test_set_judges_the_new_amount_against_the_ceiling(campaign: Path) -> None:
    item = ok_spend(campaign, "2027-01-10", "1000", "staff", "Agence Exemple SAS")
    done = run_tracker(campaign, "set", item, "amount=16851000")
    assert done.returncode == 0, done.stderr
    done = run_tracker(campaign, "set", item, "amount=16851001")
    assert done.returncode != 0 and "plafond légal" in done.stderr


def test_the_ceiling_is_read_from_the_config(campaign: Path) -> None:
    config = campaign / ".tracker" / "config.yaml"
    text = config.read_text(encoding="utf-8")
    assert "spending_ceiling_eur: [16851000, 22509000]" in text
    config.write_text(text.replace("[16851000, 22509000]", "[1000, 2000]"), encoding="utf-8")
    ok_spend(campaign, "2027-01-10", "1000", "staff", "Agence Exemple SAS")
    refused(campaign, "amount", "plafond légal", "date=2027-01-11", "amount=1",
            "category=web", "payee=OVH SAS")


def test_import_csv_of_spending_refuses_rows_at_their_line(campaign: Path) -> None:
    (campaign / "depenses.csv").write_text(
        "title,date,amount,category,payee,invoice_reference\n"
        "Hébergement,2027-01-12,800,web,OVH SAS,F-1\n"
        "Taxi,2027-01-13,35,travel,M. Martin,F-2\n"
        "Avoir,2027-01-14,-20,print,Imprimerie Moderne SARL,F-3\n", encoding="utf-8")
    done = run_tracker(campaign, "import", "csv", "depenses.csv", "--kind", "depense")
    assert done.returncode == 1
    assert "depenses.csv:3: payee: looks like a person" in done.stderr
    assert "depenses.csv:4: amount: le montant d'une dépense est positif" in done.stderr
    assert len(list((campaign / "depenses").glob("*.md"))) == 1


def donation(repo: Path, day: str, channel: str, count: int, amount: float) -> None:
    done = run_tracker(repo, "new", "donations", f"Dons {channel}", "--set", f"date={day}",
                       "--set", f"channel={channel}", "--set", f"count={count}",
                       "--set", f"amount_eur={amount}")
    assert done.returncode == 0, done.stderr


def test_donations_keep_their_caps(campaign: Path) -> None:
    done = run_tracker(campaign, "new", "donations", "Dons", "--set", "date=2027-01-20",
                       "--set", "channel=cheque", "--set", "max_single_eur=4601")
    assert done.returncode != 0 and "4 600" in done.stderr
    done = run_tracker(campaign, "new", "donations", "Dons", "--set", "date=2027-01-20",
                       "--set", "channel=especes", "--set", "cash_count=1",
                       "--set", "cash_eur=151")
    assert done.returncode != 0 and "150" in done.stderr


def test_the_compte_report(campaign: Path) -> None:
    ok_spend(campaign, "2027-01-11", "9000", "print", "Imprimerie Moderne SARL")
    ok_spend(campaign, "2027-01-13", "1000", "web", "OVH SAS")
    ok_spend(campaign, "2027-01-20", "10000", "meetings", "Palais des Congrès SA")
    donation(campaign, "2027-01-12", "en-ligne", 30, 1500)
    donation(campaign, "2027-01-12", "cheque", 10, 500)
    listed = run_tracker(campaign, "report", "--list")
    assert "compte" in listed.stdout
    done = run_tracker(campaign, "report", "compte",
                       env={"TRACKER_NOW": "2027-01-24T12:00:00+01:00"})
    assert done.returncode == 0, done.stderr
    flat = done.stdout.replace("\u00a0", " ").replace("\u202f", " ")
    assert "20 000 € de dépenses en 3 factures ; le web en représente 5,0 % (1 000 €)" in flat
    assert "| Web | 1 000 | 5,0 % |" in flat
    assert "| Impression | 9 000 | 45,0 % |" in flat
    assert "| Réunions | 10 000 | 50,0 % |" in flat
    # weeks: Monday 11 January (10 000 €), Monday 18 January (10 000 €, cumulative 20 000 €)
    assert "| 2027-S02 | 2027-01-11 | 10 000 | 1 000 | 10 000 |" in flat
    assert "| 2027-S03 | 2027-01-18 | 10 000 | 0 | 20 000 |" in flat
    # the first round's ceiling: 20 000 of 16 851 000 used
    # projected at each round from the last four weeks' run rate (20 000 € / 28 days)
    assert "| 1 | 2027-04-11 | 16 851 000 | 20 000 | 0,1 % | 75 000 | 0,4 % |" in flat
    assert "| 2 | 2027-04-25 | 22 509 000 | 20 000 | 0,089 % | 85 000 | 0,4 % |" in flat
    assert "| Dons reçus (40 dons) | 2 000 |" in flat
    assert "| dont en ligne (75,0 % de la collecte) | 1 500 |" in flat
    assert "| Solde (dons − dépenses) | -18 000 |" in flat


def test_one_import_cannot_cross_the_ceiling_by_its_rows_together(campaign: Path) -> None:
    # each row alone is under the ceiling; the rows of the batch count against each other
    rows = "".join(f"Salaires {n},2027-03-0{n + 1},5000000,staff,Agence Exemple SAS\n"
                   for n in range(4))
    (campaign / "salaires.csv").write_text("title,date,amount,category,payee\n" + rows,
                                           encoding="utf-8")
    done = run_tracker(campaign, "import", "csv", "salaires.csv", "--kind", "depense")
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "salaires.csv:5: amount: le compte dépasse le plafond légal des dépenses du tour "
        "(limits.spending_ceiling_eur)"]
    assert len(list((campaign / "depenses").glob("*.md"))) == 3
    assert run_tracker(campaign, "check").returncode == 0
