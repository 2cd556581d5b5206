"""The site's search index (reports/search.py): folded words, safe inside a <script>
data block, titles and ids only past FULL_TEXT_UP_TO items."""

from __future__ import annotations

import json

import pytest

from tracker.reports import search


def record(n: int, **fields: object) -> dict[str, object]:
    return {"id": f"issue-{n}", "kind": "issue", "href": f"items/issue/issue-{n}.html",
            "title": f"Fêtes {n}", "body": "Stand aux FÊTES, buvette.", **fields}


def test_words_are_folded_distinct_and_every_text_field_counts():
    entry = json.loads(search.index_json(
        [record(1, lieu="Salle Émile-Zola", tags=["Été", 3], count=7)], {"issue": "Tâches"}))
    href, title, label, ident, words = entry["items"][0]
    assert (href, title, label, ident) == ("items/issue/issue-1.html", "Fêtes 1", "Tâches",
                                          "issue-1")
    assert words.split().count("fetes") == 1
    for word in ("fetes", "issue-1", "stand", "buvette.", "emile-zola", "ete"):
        assert word in words.split(), word
    assert "7" not in words.split()  # numbers are not text fields


def test_a_hostile_title_cannot_close_the_data_block():
    text = search.index_json([record(1, title="</script><script>alert(1)</script>&amp;")],
                             {})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text)["items"][0][1] == "</script><script>alert(1)</script>&amp;"


def test_past_the_limit_only_titles_and_ids(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(search, "FULL_TEXT_UP_TO", 2)
    full = json.loads(search.index_json([record(1), record(2)], {}))
    assert full["full"] and "buvette." in full["items"][0][4]
    short = json.loads(search.index_json([record(1), record(2), record(3)], {}))
    assert not short["full"] and short["items"][0][4] == "fetes 1 issue-1"
