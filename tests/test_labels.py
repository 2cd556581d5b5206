"""Labels and order (#17): field, status and enum labels in the CLI's tables, `--raw` for
names, enums sorted in their declared order, numbers, rates and dates in the tracker's
language (`language:` in the config), locale dates typed and stored ISO."""

from __future__ import annotations

import json
import re

import pytest

from tests.helpers import (as_json, assert_error, item_file, make_invoke, new_item,
                           run_tracker, write_kind, write_tree)

NNBSP = "\u202f"

VISIT = """\
label: Visites
folder: visits
fields:
  title: {type: string, required: true, label: Intitulé}
  status: {type: enum, label: Statut}
  arm: {type: enum, values: [treatment, control], label: Bras,
        labels: {treatment: Testé, control: Témoin}}
  doors: {type: int, label: Portes}
  positive: {type: int}
  day: {type: date, label: Jour}
columns: [status, arm, doors, rate, day]
workflow:
  statuses: [planned, done]
  labels: {planned: Prévue, done: Faite}
computed:
  rate: "positive / doors if doors else none"
formats: {rate: percent}
"""


def french(repo) -> None:
    config = repo / ".tracker" / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "language: fr\n", encoding="utf-8")
    write_kind(repo, "visit", VISIT)  # commits both


def test_sort_follows_the_declared_order(invoke):
    for priority in ("urgent", "normal", "low", "high"):
        new_item(invoke, "issue", f"p {priority}", f"priority={priority}")
    rows = as_json(invoke("list", "--sort", "-priority", "--format", "json"))
    assert [r["priority"] for r in rows] == ["urgent", "high", "normal", "low"]
    rows = as_json(invoke("list", "--sort", "priority", "--format", "json"))
    assert [r["priority"] for r in rows] == ["low", "normal", "high", "urgent"]
    # the path through whole items (a computed field in the filter) sorts the same way
    rows = as_json(invoke("list", "--where", "not overdue", "--sort", "-priority",
                          "--format", "json"))
    assert [r["priority"] for r in rows] == ["urgent", "high", "normal", "low"]
    table = invoke("list", "--sort", "-priority").stdout.splitlines()
    assert [line.split()[2] for line in table[1:]] == ["urgent", "high", "normal", "low"]


def test_statuses_sort_in_workflow_order(invoke):
    for status in ("closed", "open", "done", "in-progress"):
        new_item(invoke, "issue", f"s {status}", f"status={status}")
    rows = as_json(invoke("list", "--sort", "status", "--format", "json"))
    assert [r["status"] for r in rows] == ["open", "in-progress", "done", "closed"]


def test_labels_in_headers_and_cells_raw_names_with_raw(invoke, repo):
    french(repo)
    new_item(invoke, "visit", "Belleville", "arm=treatment", "doors=1234", "positive=88",
             "day=01/03/2026", "status=done")
    table = invoke("list", "visit")
    assert table.exit_code == 0, table.stderr
    head, row = table.stdout.splitlines()
    assert head.split() == ["ID", "STATUT", "BRAS", "PORTES", "RATE", "JOUR"]
    assert "Faite" in row and "Testé" in row and "01/03/2026" in row
    assert f"1{NNBSP}234" in row and "7,1\u00a0%" in row
    for args in (("list", "visit", "--raw"), ("--raw", "list", "visit")):
        raw = invoke(*args).stdout.splitlines()
        assert raw[0].split() == ["ID", "STATUS", "ARM", "DOORS", "RATE", "DAY"]
        assert "done" in raw[1] and "treatment" in raw[1] and "2026-03-01" in raw[1]
        assert "1234" in raw[1] and "0.07131" in raw[1]
    # machines read slugs: JSON and CSV are never labelled
    [record] = as_json(invoke("list", "visit", "--format", "json"))
    assert record["arm"] == "treatment" and record["status"] == "done"
    assert record["day"] == "2026-03-01"
    csv_text = invoke("list", "visit", "--format", "csv").stdout
    assert csv_text.splitlines()[0] == "id,status,arm,doors,rate,day"
    assert ",done,treatment,1234," in csv_text


def test_show_speaks_the_language(invoke, repo):
    french(repo)
    item_id = new_item(invoke, "visit", "Dejean", "arm=control", "doors=40", "positive=1")
    shown = invoke("show", item_id).stdout
    assert "type: Visites" in shown and "Bras: Témoin" in shown and "Statut: Prévue" in shown
    assert re.search(r"rate \(calculé\): 2,5\u00a0%", shown), shown
    raw = invoke("show", item_id, "--raw").stdout
    assert "arm: control" in raw and "status: planned" in raw and "rate (computed): 0.025" in raw


def test_french_dates_typed_are_stored_iso(invoke, repo):
    french(repo)
    item_id = new_item(invoke, "visit", "Pyrénées", "day=01/03/2026")
    assert "day: 2026-03-01\n" in item_file(repo, item_id, "visits").read_text(encoding="utf-8")
    done = invoke("set", item_id, "day=2/3/2026")
    assert done.exit_code == 0, done.stderr
    assert "day: 2026-03-02\n" in item_file(repo, item_id, "visits").read_text(encoding="utf-8")
    assert invoke("set", item_id, "day=2026-03-04").exit_code == 0  # ISO always
    assert_error(invoke("set", item_id, "day=01/03/26"), 2, "day", "'01/03/26' is ambiguous")
    assert_error(invoke("set", item_id, "day=31/02/2026"), 2, "day", "no day 31/02 in 2026")
    assert_error(invoke("set", item_id, "day=demain"), 2, "day", "'demain' is not a date")


def test_day_first_dates_refused_in_english(invoke):
    item_id = new_item(invoke, "issue", "Budget")
    assert_error(invoke("set", item_id, "due=01/03/2026"), 2, "due", "ambiguous",
                 "2026-03-01")


def test_a_value_typed_as_its_label(invoke, repo):
    french(repo)
    item_id = new_item(invoke, "visit", "Ménilmontant", "arm=Témoin")
    assert as_json(invoke("show", item_id, "--format", "json"))["arm"] == "control"


def test_a_label_for_an_unknown_value_is_refused(invoke, repo):
    write_kind(repo, "visit", VISIT.replace("control: Témoin", "controle: Témoin"))
    done = invoke("list", "visit")
    line = assert_error(done, done.exit_code, "visit.yaml", "labels", "'controle'")
    assert done.exit_code != 0, line
    write_kind(repo, "visit", VISIT.replace("done: Faite", "finished: Faite"))
    done = invoke("list", "visit")
    assert_error(done, done.exit_code, "visit.yaml", "workflow", "'finished'")
    assert done.exit_code != 0


def test_an_unknown_language_is_refused(invoke, repo):
    write_tree(repo, {".tracker/config.yaml": "commit: auto\nlanguage: klingon\n"})
    done = invoke("list")
    assert_error(done, done.exit_code, "config.yaml", "language", "klingon")
    assert done.exit_code != 0


def test_ready_shows_labels(invoke, repo):
    french(repo)
    new_item(invoke, "visit", "Jourdain", "arm=treatment")
    table = invoke("ready", "visit").stdout
    assert "Prévue" in table.splitlines()[1] and "STATUT" in table.splitlines()[0]
    assert "planned" in invoke("ready", "visit", "--raw").stdout
    assert json.loads(invoke("ready", "visit", "--format", "json").stdout)[0]["status"] == \
        "planned"


def test_english_numbers(invoke, repo):
    write_kind(repo, "visit", VISIT)
    new_item(invoke, "visit", "Belleville", "doors=12345", "positive=1")
    row = invoke("list", "visit").stdout.splitlines()[1]
    assert "12,345" in row and "0.0081%" in row and "Prévue" in row  # the kind's own words


def test_site_and_summary_speak_the_language(invoke, repo, tmp_path):
    french(repo)
    item_id = new_item(invoke, "visit", "Belleville", "arm=control", "doors=1234",
                       "positive=88", "day=01/03/2026")
    done = invoke("report", "site", "--out", str(tmp_path / "site"))
    assert done.exit_code == 0, done.stderr
    table = (tmp_path / "site" / "kinds" / "visit.html").read_text(encoding="utf-8")
    assert "<th>Bras</th>" in table and "<th>Portes</th>" in table
    assert "<td>Témoin</td>" in table and "<td>01/03/2026</td>" in table
    assert f"<td>7,1\u00a0%</td>" in table and f"<td>1{NNBSP}234</td>" in table
    page = next((tmp_path / "site").rglob(f"{item_id}.html")).read_text(encoding="utf-8")
    assert "<h2>Historique</h2>" in page and "Témoin" in page and "History" not in page
    assert '<html lang="fr">' in page
    index = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert "<h3>Prévue" in index
    summary = invoke("report", "summary").stdout
    assert "| Visites | Prévue | 1 |" in summary and "| Type | Statut | Éléments |" in summary


LABELLED = VISIT.replace("computed:\n", "rollups:\n  all_doors: {from: visit, sum: doors}\n"
                         "labels: {rate: Taux, all_doors: Portes en tout}\ncomputed:\n")


def test_computed_fields_and_rollups_take_the_kinds_labels(invoke, repo, tmp_path):
    french(repo)
    write_kind(repo, "visit", LABELLED.replace("columns: [status, arm, doors, rate, day]",
                                               "columns: [status, rate, all_doors]"))
    item_id = new_item(invoke, "visit", "Belleville", "doors=40", "positive=1")
    table = invoke("list", "visit")
    assert table.exit_code == 0, table.stderr
    assert table.stdout.splitlines()[0].split() == ["ID", "STATUT", "TAUX", "PORTES", "EN",
                                                    "TOUT"]
    assert invoke("list", "visit", "--raw").stdout.splitlines()[0].split() == [
        "ID", "STATUS", "RATE", "ALL_DOORS"]
    shown = invoke("show", item_id).stdout
    assert re.search(r"Taux \(calculé\): 2,5\u00a0%", shown), shown
    assert "Portes en tout (calculé): 40" in shown
    assert "rate (computed): 0.025" in invoke("show", item_id, "--raw").stdout
    [record] = as_json(invoke("list", "visit", "--format", "json"))
    assert "rate" in record and "Taux" not in record
    done = invoke("report", "site", "--out", str(tmp_path / "site"))
    assert done.exit_code == 0, done.stderr
    page = (tmp_path / "site" / "kinds" / "visit.html").read_text(encoding="utf-8")
    assert "<th>Taux</th>" in page and "<th>Portes en tout</th>" in page


def test_a_label_for_an_unknown_computed_field_is_refused(invoke, repo):
    write_kind(repo, "visit", LABELLED.replace("rate: Taux", "ratio: Taux"))
    done = invoke("list", "visit")
    assert_error(done, done.exit_code, "visit.yaml", "labels", "'ratio'")
    assert done.exit_code != 0
    write_kind(repo, "visit", LABELLED.replace("rate: Taux", "doors: Portes"))
    done = invoke("check")
    assert_error(done, done.exit_code, "visit.yaml", "labels", "'doors' is a field")
    assert done.exit_code != 0


def test_the_campaign_template_labels_its_computed_fields(camp):
    assert camp("new", "team", "Équipe A").exit_code == 0
    done = camp("list", "team", "--fields", "positive_rate,doors_knocked,volunteer_hours")
    assert done.exit_code == 0, done.stderr
    head = done.stdout.splitlines()[0]
    assert "TAUX DE CONTACTS POSITIFS" in head and "PORTES FRAPPÉES" in head, head
    assert "POSITIVE_RATE" not in head


def test_the_index_charts_count_status_labels_in_workflow_order(invoke, repo, tmp_path):
    french(repo)
    new_item(invoke, "visit", "Belleville", "status=done")
    new_item(invoke, "visit", "Dejean")
    done = invoke("report", "site", "--out", str(tmp_path / "site"))
    assert done.exit_code == 0, done.stderr
    index = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    chart = index[index.index('<section class="charts">'):]
    chart = chart[:chart.index("</section>")]
    assert "Visites · Par statut" in chart
    bars = re.findall(r'class="label">([^<]*)</text>', chart)
    assert bars[:2] == ["Prévue", "Faite"], bars
    assert ">planned<" not in chart and ">done<" not in chart


@pytest.mark.parametrize("path", ["fast", "click"])
def test_set_and_move_say_what_changed_in_labels(repo, path):
    invoke = make_invoke(repo)
    french(repo)
    item_id = new_item(invoke, "visit", "Belleville", "arm=treatment")
    args = ["set", item_id, "arm=control", "doors=1234"]
    done = run_tracker(repo, *args, *(() if path == "fast" else ("--format", "text")))
    assert done.returncode == 0, done.stderr
    assert done.stderr == f"Bras\u00a0: Testé → Témoin\nPortes\u00a0: (aucun) → 1{NNBSP}234\n"
    moved = run_tracker(repo, "move", item_id, "done", "--force")
    assert moved.returncode == 0, moved.stderr
    assert moved.stderr == "Statut\u00a0: Prévue → Faite\n"
    for args in (("set", item_id, "arm=treatment", "--raw"), ("--raw", "move", item_id,
                                                              "planned", "--force")):
        raw = run_tracker(repo, *args)
        assert raw.returncode == 0, raw.stderr
        assert raw.stderr in ("arm: control → treatment\n", "status: done → planned\n")
