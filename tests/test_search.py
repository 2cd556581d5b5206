"""`list --grep`: any case and any accent (`evenement` finds `Événement`), answered from
the folded text the snapshot keeps for each row, the same items as the search before it
(a case-insensitive substring of the title or the body) and as a read of the files, and
never stale when a file changes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.helpers import commit_all, write_tree
from tracker.model.text import fold

CORPUS = {
    "issue-a1": ("Préparer l'Événement", "Réunion à la mairie.\nCafé offert.\n"),
    "issue-a2": ("Evenement annuel", "no accents here, QUORUM reached\n"),
    "issue-a3": ("Straße sperren", "Die STRASSE ist zu. ﬁnal list\n"),
    "issue-a4": ("Tract 2nd round", "Print the leaflets; the quorum is 50 %.\n"),
    "issue-a5": ("Ελληνικά", "ΣΊΣΥΦΟΣ and naïve coöperation\n"),
    "issue-a6": ("Nothing", "title and\nbody apart\n"),
    "issue-a7": ("Ça va", "e\u0301vénement written decomposed\n"),
}
NEEDLES = ["evenement", "ÉVÉNEMENT", "événement", "quorum", "QUORUM", "strasse", "straße",
           "final", "fi", "σίσυφος", "sisyfos", "naive", "cooperation", "ca va", "café",
           "cafe", "réunion à", "nothing\ntitle", "and\nbody", "2nd", "50 %", "e", "zzz",
           "reached\n", ".\n"]


def old_search(needle: str) -> set[str]:
    """The search before folded text: case-insensitive substring of title or body."""
    n = needle.casefold()
    return {i for i, (title, body) in CORPUS.items()
            if n in title.casefold() or n in body.casefold()}


def new_search(needle: str) -> set[str]:
    n = fold(needle)
    return {i for i, (title, body) in CORPUS.items() if n in fold(title) or n in fold(body)}


@pytest.fixture
def corpus(repo: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("TRACKER_NO_CACHE", raising=False)
    write_tree(repo, {f"issues/{i}.md": f"---\ntitle: {t}\nstatus: open\n---\n{b}"
                      for i, (t, b) in CORPUS.items()})
    for path in (repo / "issues").iterdir():
        st = path.stat()
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns - 60 * 10**9))
    commit_all(repo, "corpus")
    return repo


def grep(invoke, needle: str, *more: str) -> set[str]:
    result = invoke("list", "--grep", needle, *more, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return {r["id"] for r in json.loads(result.stdout)}


def test_accent_insensitive(corpus, invoke):
    assert grep(invoke, "evenement") == {"issue-a1", "issue-a2", "issue-a7"}
    assert grep(invoke, "ÉVÉNEMENT") == {"issue-a1", "issue-a2", "issue-a7"}
    assert grep(invoke, "cafe") == {"issue-a1"}
    assert grep(invoke, "sisyfos") == set()  # folding drops accents, it does not transliterate


@pytest.mark.parametrize("needle", NEEDLES)
def test_same_results_as_the_old_search_and_the_files(corpus, invoke, monkeypatch, needle):
    """Every item the old search found is found; the only others are those an accent
    (or a compatibility form) hid; the snapshot and a read of the files agree."""
    warm = grep(invoke, needle)
    assert grep(invoke, needle) == warm  # answered from the snapshot now
    assert old_search(needle) <= warm
    assert warm == new_search(needle)
    if fold(needle) == needle.casefold() and all(
            fold(t) == t.casefold() and fold(b) == b.casefold()
            for i, (t, b) in CORPUS.items() if i in warm):
        assert warm == old_search(needle)
    monkeypatch.setenv("TRACKER_NO_CACHE", "1")
    assert grep(invoke, needle) == warm


def test_grep_with_where_and_sort(corpus, invoke):
    invoke("set", "issue-a2", "status=done")
    assert grep(invoke, "evenement", "--where", "status == 'open'") == {"issue-a1", "issue-a7"}
    result = invoke("list", "--grep", "evenement", "--sort", "title", "--format", "json")
    assert [r["id"] for r in json.loads(result.stdout)] == ["issue-a2", "issue-a1", "issue-a7"]


def test_a_changed_file_is_searched_again(corpus, invoke):
    assert grep(invoke, "quorum") == {"issue-a2", "issue-a4"}
    path = corpus / "issues/issue-a4.md"
    path.write_text(path.read_text().replace("quorum", "majority"))  # not committed
    assert grep(invoke, "quorum") == {"issue-a2"}
    assert grep(invoke, "majority") == {"issue-a4"}
    commit_all(corpus, "edit")
    assert grep(invoke, "majority") == {"issue-a4"}
    write_tree(corpus, {"issues/issue-b1.md": "---\ntitle: New\n---\nA quorum, untracked.\n"})
    assert grep(invoke, "quorum") == {"issue-a2", "issue-b1"}
    (corpus / "issues/issue-a2.md").unlink()
    assert grep(invoke, "quorum") == {"issue-b1"}


def test_same_size_edit_is_searched_again(corpus, invoke):
    """An edit keeping the size and the mtime: git sees the ctime, so does the search."""
    import time
    assert grep(invoke, "leaflets") == {"issue-a4"}
    time.sleep(1.1)
    path = corpus / "issues/issue-a4.md"
    before = path.stat()
    path.write_text(path.read_text().replace("leaflets", "brochures"))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert grep(invoke, "leaflets") == set()
    assert grep(invoke, "brochures") == {"issue-a4"}


def test_fetes_finds_fetes_through_the_cli(corpus, invoke, monkeypatch):
    """The issue's own example (#17): `--grep fetes` finds "fêtes", from the snapshot, from
    the files, and in an item not yet committed."""
    write_tree(corpus, {"issues/issue-f1.md": "---\ntitle: Fêtes de quartier\nstatus: open\n"
                                              "---\nStand aux FÊTES de juin.\n"})
    assert grep(invoke, "fetes") == {"issue-f1"}
    commit_all(corpus, "fêtes")
    assert grep(invoke, "fetes") == {"issue-f1"}
    assert grep(invoke, "FETES DE JUIN") == {"issue-f1"}
    assert grep(invoke, "fêtes") == {"issue-f1"}
    result = invoke("list", "--grep", "fetes", "--format", "ids")
    assert result.exit_code == 0 and result.stdout.split() == ["issue-f1"]
    monkeypatch.setenv("TRACKER_NO_CACHE", "1")
    assert grep(invoke, "fetes") == {"issue-f1"}
