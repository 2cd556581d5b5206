"""Hostile or careless values typed on the command line, through the installed CLI.

Flow lists: YAML 1.1 reads `yes` as a boolean, `01001` as the octal 513 and `12:30` as the
sexagesimal 750; a list typed as `[yes, 01001, 12:30]` keeps its items as typed, each then
typed as the list's items are.
"""

from __future__ import annotations

import json

import pytest
import yaml

from tests.helpers import (
    commit_all,
    editor_script,
    item_file,
    new_item,
    run_tracker,
    snapshot,
    write_kind,
    write_tree,
)


@pytest.mark.parametrize("typed, stored", [
    ("[yes, 01001, 12:30, null]", ["yes", "01001", "12:30", "null"]),
    ("[on, off, 0x1F, 1e3, ~]", ["on", "off", "0x1F", "1e3", "~"]),
    ("['b, c', \"d\\\"e\", 'it''s']", ["b, c", 'd"e', "it's"]),
    ("yes, 01001", ["yes", "01001"]),
    ("[]", []),
])
def test_list_items_keep_the_text_typed(repo, invoke, typed, stored):
    item_id = new_item(invoke, "issue", "Flow list")
    done = run_tracker(repo, "set", item_id, f"tags={typed}")
    assert done.returncode == 0, done.stderr
    shown = run_tracker(repo, "show", item_id, "--format", "json")
    assert json.loads(shown.stdout).get("tags", []) == stored
    checked = run_tracker(repo, "check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    text = item_file(repo, item_id).read_text(encoding="utf-8")
    assert "True" not in text and "513" not in text and "750" not in text


def test_a_list_of_numbers_still_types_its_items(repo, invoke):
    kind_file = repo / ".tracker" / "kinds" / "issue.yaml"
    kind = yaml.safe_load(kind_file.read_text(encoding="utf-8"))
    kind["fields"]["counts"] = {"type": "list", "of": "int"}
    kind_file.write_text(yaml.safe_dump(kind, allow_unicode=True), encoding="utf-8")
    item_id = new_item(invoke, "issue", "Counts")
    done = run_tracker(repo, "set", item_id, "counts=[01, 2, 30]")
    assert done.returncode == 0, done.stderr
    shown = json.loads(run_tracker(repo, "show", item_id, "--format", "json").stdout)
    assert shown["counts"] == [1, 2, 30]
    refused = run_tracker(repo, "set", item_id, "counts=[1, yes]")
    assert refused.returncode != 0 and "counts" in refused.stderr
    assert "Traceback" not in refused.stderr


# ---------------------------------------------------------------- near-miss field names


def test_a_new_field_close_to_a_declared_one_is_refused_as_a_typo(repo, invoke):
    item_id = new_item(invoke, "issue", "Typo")
    before = item_file(repo, item_id).read_bytes()
    for pair, meant in (("prio=high", "priority"), ("asignee=nadia", "assignee"),
                        ("Status=done", "status")):
        done = run_tracker(repo, "set", item_id, pair)
        assert done.returncode == 2, done.stderr
        assert f"did you mean '{meant}'" in done.stderr and "--force" in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
    assert item_file(repo, item_id).read_bytes() == before
    refused = run_tracker(repo, "new", "issue", "Typo too", "--set", "prio=high")
    assert refused.returncode == 2 and "did you mean 'priority'" in refused.stderr


def test_force_adds_it_and_a_field_far_from_every_declared_one_needs_no_force(repo, invoke):
    item_id = new_item(invoke, "issue", "Open kind")
    assert run_tracker(repo, "set", item_id, "estimate=3").returncode == 0
    assert run_tracker(repo, "set", item_id, "--force", "prio=high").returncode == 0
    text = item_file(repo, item_id).read_text(encoding="utf-8")
    assert "estimate: \"3\"" in text and "prio: high" in text  # undeclared: kept as text
    # a field the item already holds is set again without --force
    assert run_tracker(repo, "set", item_id, "prio=low").returncode == 0
    created = run_tracker(repo, "new", "issue", "Forced", "--set", "prio=high", "--force")
    assert created.returncode == 0, created.stderr


# ---------------------------------------------------------------- references


def _report_kind(repo):
    write_kind(repo, "report", "folder: reports\nfields:\n  title: string\n"
                               "  issue: {type: ref, kind: issue}\n"
                               "  seealso: {type: list, of: ref}\n")


def test_a_reference_must_lead_to_an_item_and_the_error_names_the_nearest(repo, invoke):
    _report_kind(repo)
    target = new_item(invoke, "issue", "Saint-Denis centre")
    before = snapshot(repo)
    for pair, wanted in (('issue=Saint-Denis centre', f"did you mean '{target}'"),
                         (f"issue={target[:-1]}", f"did you mean '{target}'"),
                         ("issue=nowhere-at-all", "no item 'nowhere-at-all'")):
        done = run_tracker(repo, "new", "report", "R", "--set", pair)
        assert done.returncode == 1, done.stderr
        assert "issue" in done.stderr and wanted in done.stderr, done.stderr
        assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
    assert snapshot(repo) == before
    made = run_tracker(repo, "new", "report", "R", "--set", f"issue={target}")
    assert made.returncode == 0, made.stderr
    report = made.stdout.strip()
    listed = run_tracker(repo, "set", report, f"seealso=[{target}, ghost]")
    assert listed.returncode == 1 and "no item 'ghost'" in listed.stderr


def test_an_old_broken_reference_does_not_block_editing_other_fields(repo, invoke):
    _report_kind(repo)
    write_tree(repo, {"reports/old.md": "---\ntitle: Old\nissue: gone\n---\n"})
    commit_all(repo, "an item whose target was deleted")
    done = run_tracker(repo, "set", "old", "title=Renamed")
    assert done.returncode == 0, done.stderr
    assert "broken reference" in run_tracker(repo, "check").stdout


def test_an_edit_in_an_editor_is_held_to_the_same_references(repo, invoke, tmp_path):
    _report_kind(repo)
    target = new_item(invoke, "issue", "Target")
    report = new_item(invoke, "report", "R", f"issue={target}")
    path = item_file(repo, report, "reports")
    before = path.read_bytes()
    script = editor_script(tmp_path, "ed", "path.write_text(path.read_text().replace("
                           f"{target!r}, 'ghost'))")
    done = run_tracker(repo, "edit", report, env={"EDITOR": script, "VISUAL": script},
                       input="n\n")
    assert done.returncode != 0 and "no item 'ghost'" in done.stderr + done.stdout
    assert path.read_bytes() == before
