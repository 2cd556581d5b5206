from tests.helpers import as_json, log_subjects


def test_new_show_list(invoke, repo):
    r = invoke("new", "issue", "Imprimer les tracts", "--set", "priority=high")
    assert r.exit_code == 0, r.stderr
    item_id = r.stdout.strip()
    shown = as_json(invoke("show", item_id[:10], "--format", "json"))
    assert shown["title"] == "Imprimer les tracts"
    assert shown["priority"] == "high"
    assert log_subjects(repo)[0] == f"new {item_id}: Imprimer les tracts"
