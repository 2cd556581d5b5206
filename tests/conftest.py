"""Shared fixtures: real git repositories in temp folders, with pinned identities and dates."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browser import browser  # noqa: F401 (a headless Chromium for a test module)
from tests.helpers import Invoke, git, make_invoke

PINNED = {
    "GIT_AUTHOR_NAME": "Ada Test",
    "GIT_AUTHOR_EMAIL": "ada@example.org",
    "GIT_COMMITTER_NAME": "Ada Test",
    "GIT_COMMITTER_EMAIL": "ada@example.org",
    "GIT_AUTHOR_DATE": "2026-03-01T10:00:00+01:00",
    "GIT_COMMITTER_DATE": "2026-03-01T10:00:00+01:00",
    "TRACKER_NOW": "2026-03-01T10:00:00+01:00",
    "GIT_CONFIG_NOSYSTEM": "1",
    "EDITOR": "false",
    "VISUAL": "false",
}


@pytest.fixture(autouse=True)
def pinned_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test runs with a private global git config and fixed identities and dates."""
    home = tmp_path_factory.mktemp("home")
    config = home / ".gitconfig"
    config.write_text("[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    for name, value in PINNED.items():
        monkeypatch.setenv(name, value)
    if os.environ.get("TRACKER_TEST_NO_CACHE"):
        monkeypatch.setenv("TRACKER_NO_CACHE", "1")
    from tracker.model import language

    language.use(None, "")  # a French tracker of an earlier test is not this one's language


@pytest.fixture
def git_repo(tmp_path: Path) -> Path:
    """An empty git repository."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    return repo


@pytest.fixture
def repo(git_repo: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository with a tracker initialised (default template); the cwd is inside."""
    monkeypatch.chdir(git_repo)
    result = make_invoke(git_repo)("init")
    assert result.exit_code == 0, result.output
    return git_repo


@pytest.fixture
def invoke(repo: Path) -> Invoke:
    """Run the CLI in the tracker through click's CliRunner."""
    return make_invoke(repo)


@pytest.fixture
def camp(git_repo: Path, monkeypatch: pytest.MonkeyPatch) -> Invoke:
    """A campaign tracker (election.id pr27), the cwd inside it: the CLI runner for it."""
    monkeypatch.chdir(git_repo)
    invoke = make_invoke(git_repo)
    assert invoke("init", "--template", "campaign").exit_code == 0
    return invoke
