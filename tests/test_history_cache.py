"""The whole tracker's log remembered in the cache up to the commit reached: later
commits are added, a rewritten history or other kind folders read it all again, and
every answer is the one a run without the cache gives."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import git
from tests.test_history import D1, D2, D3, D4, at, git_env_commit

LOG = Path(".git/tracker-cache/log-v1.pickle")


@pytest.fixture
def cached(repo: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("TRACKER_NO_CACHE", raising=False)
    return repo


def whole_log(invoke, monkeypatch: pytest.MonkeyPatch, cache: bool = True) -> list:
    if cache:
        monkeypatch.delenv("TRACKER_NO_CACHE", raising=False)
    else:
        monkeypatch.setenv("TRACKER_NO_CACHE", "1")
    result = invoke("log", "--format", "json")
    assert result.exit_code == 0, result.stderr
    monkeypatch.delenv("TRACKER_NO_CACHE", raising=False)
    return json.loads(result.stdout)


def test_log_remembered_and_extended(cached, invoke, monkeypatch):
    a = invoke("new", "issue", "Imprimer les tracts", env=at(D1)).stdout.strip()
    invoke("set", a, "assignee=mob-93-017", env=at(D2))
    first = whole_log(invoke, monkeypatch)
    assert (cached / LOG).is_file()
    assert whole_log(invoke, monkeypatch) == first == whole_log(invoke, monkeypatch, False)
    invoke("set", a, "status=done", env=at(D3))
    b = invoke("new", "issue", "Réserver la salle", env=at(D4)).stdout.strip()
    later = whole_log(invoke, monkeypatch)
    assert later == whole_log(invoke, monkeypatch, False)
    assert len(later) == len(first) + 2
    assert later[0]["items"][0]["id"] == b and later[2:] == first


def test_rewritten_history_is_read_again(cached, invoke, monkeypatch):
    a = invoke("new", "issue", "Imprimer les tracts", env=at(D1)).stdout.strip()
    invoke("set", a, "priority=high", env=at(D2))
    before = whole_log(invoke, monkeypatch)
    git(cached, "reset", "-q", "--hard", "HEAD~1")
    invoke("set", a, "priority=low", env=at(D3))
    after = whole_log(invoke, monkeypatch)
    assert after == whole_log(invoke, monkeypatch, False)
    assert after != before
    assert after[0]["items"][0]["changes"]["priority"]["new"] == "low"


def test_a_merge_since_is_read_again(cached, invoke, monkeypatch):
    a = invoke("new", "issue", "Imprimer les tracts", env=at(D1)).stdout.strip()
    whole_log(invoke, monkeypatch)
    git(cached, "checkout", "-q", "-b", "side")
    invoke("set", a, "priority=high", env=at(D2))
    git(cached, "checkout", "-q", "-")
    invoke("new", "issue", "Autre", env=at(D3))
    git(cached, "merge", "-q", "--no-edit", "side")
    assert whole_log(invoke, monkeypatch) == whole_log(invoke, monkeypatch, False)


def test_other_kind_folders_are_read_again(cached, invoke, monkeypatch):
    invoke("new", "issue", "Imprimer les tracts", env=at(D1))
    whole_log(invoke, monkeypatch)
    kind = cached / ".tracker" / "kinds" / "note.yaml"
    kind.parent.mkdir(parents=True, exist_ok=True)
    kind.write_text("name: note\nfolder: notes\n")
    (cached / "notes").mkdir()
    (cached / "notes" / "note-1.md").write_text("---\ntitle: Une note\n---\n")
    git_env_commit(cached, "a note kind", D2)
    logged = whole_log(invoke, monkeypatch)
    assert logged == whole_log(invoke, monkeypatch, False)
    assert any(c["kind"] == "note" for e in logged for c in e["items"])
