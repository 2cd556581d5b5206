"""Ids: random and natural-key generation, validation, prefix resolution."""

from __future__ import annotations

import re

import pytest

from tracker.model import ids
from tracker.model.errors import AmbiguousId, InvalidId, ItemNotFound


def test_random_ids_have_prefix_and_base32_suffix():
    item_id = ids.random_id("issue", 8)
    assert re.fullmatch(r"issue-[0-9a-hjkmnp-tv-z]{8}", item_id)
    assert ids.problem(item_id) is None


def test_random_ids_without_prefix():
    assert re.fullmatch(r"[0-9a-z]{6}", ids.random_id("", 6))


def test_random_ids_do_not_repeat():
    many = {ids.random_id("x", 8) for _ in range(5000)}
    assert len(many) == 5000


def test_alphabet_is_crockford_lowercase():
    assert len(ids.ALPHABET) == 32
    assert not set("ilou") & set(ids.ALPHABET)


def test_key_id_from_fields():
    assert ids.key_id("{insee}-{bureau}", {"insee": "75120", "bureau": "0012"}) == "75120-0012"
    assert ids.key_fields("{insee}_{code}") == ["insee", "code"]


def test_key_id_replaces_unsafe_characters():
    made = ids.key_id("{name}", {"name": "Belleville / Ménilmontant"})
    assert ids.problem(made) is None
    assert "/" not in made


def test_key_id_needs_every_field():
    with pytest.raises(InvalidId):
        ids.key_id("{insee}-{bureau}", {"insee": "75120"})


@pytest.mark.parametrize("item_id", [
    "issue-k3x9q2ab", "a", "75120-0012", "A.b_c-d", "x" * 128,
])
def test_valid_ids(item_id):
    assert ids.problem(item_id) is None
    assert ids.validate(item_id) == item_id


@pytest.mark.parametrize("item_id", [
    "", "../x", "..", "a/../b", "/etc/passwd", "a/b", "a\\b", "-rf", "--help", ".hidden",
    "_x", "a..b", "CON", "con", "nul.txt", "COM1", "lpt9", "aux", "prn", "x" * 129,
    "a b", "a\nb", "a\x00b", "é",
])
def test_invalid_ids(item_id):
    assert ids.problem(item_id) is not None
    with pytest.raises(InvalidId):
        ids.validate(item_id)


def test_resolve_exact_id_wins_over_longer_ones():
    assert ids.resolve("issue-ab", ["issue-abc", "issue-ab"]) == "issue-ab"


def test_resolve_unique_prefix():
    assert ids.resolve("issue-a", ["issue-abc", "issue-bcd"]) == "issue-abc"


def test_resolve_ambiguous_prefix_lists_the_matches():
    with pytest.raises(AmbiguousId) as caught:
        ids.resolve("issue-", ["issue-b", "issue-a", "other"])
    assert caught.value.candidates == ["issue-a", "issue-b"]
    assert "issue-a" in str(caught.value) and "issue-b" in str(caught.value)
    assert "other" not in str(caught.value)


def test_resolve_unknown():
    with pytest.raises(ItemNotFound):
        ids.resolve("zzz", ["issue-a"])
