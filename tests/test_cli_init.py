"""`tracker init [--template NAME]` and `tracker --version`."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from tests.helpers import (
    assert_one_line_error,
    git,
    log_subjects,
    make_invoke,
    new_item,
    snapshot,
    status_porcelain,
)

TEMPLATES = Path(__file__).parent.parent / "templates" / "projects" / "default"


def test_init_in_a_git_repository(git_repo):
    r = make_invoke(git_repo)("init")
    assert r.exit_code == 0, r.stderr
    config = yaml.safe_load((git_repo / ".tracker" / "config.yaml").read_text())
    assert config["commit"] == "auto"
    assert (git_repo / ".tracker" / "kinds" / "issue.yaml").read_bytes() == \
        (TEMPLATES / "kinds" / "issue.yaml").read_bytes()
    assert log_subjects(git_repo) == ["tracker init (default template)"]
    tracked = set(git(git_repo, "ls-files").split())
    assert {".tracker/config.yaml", ".tracker/kinds/issue.yaml"} <= tracked
    assert status_porcelain(git_repo) == ""


def test_init_outside_git_runs_git_init(tmp_path):
    folder = tmp_path / "fresh"
    folder.mkdir()
    r = make_invoke(folder)("init")
    assert r.exit_code == 0, r.stderr
    assert (folder / ".git").is_dir()
    assert (folder / ".tracker" / "config.yaml").is_file()
    assert git(folder, "rev-parse", "--show-toplevel").strip() == str(folder.resolve())
    assert log_subjects(folder) == ["tracker init (default template)"]


def test_init_a_named_folder_that_does_not_exist(tmp_path):
    r = make_invoke(tmp_path)("init", "new-tracker")
    assert r.exit_code == 0, r.stderr
    assert (tmp_path / "new-tracker" / ".tracker" / "kinds" / "issue.yaml").is_file()
    assert (tmp_path / "new-tracker" / ".git").is_dir()


def test_init_in_a_sub_folder_of_a_repository_does_not_nest_a_repository(git_repo):
    sub = git_repo / "tracking"
    sub.mkdir()
    assert make_invoke(sub)("init").exit_code == 0
    assert not (sub / ".git").exists()
    assert "tracking/.tracker/config.yaml" in git(git_repo, "ls-files")


def test_init_twice_changes_nothing(repo, invoke):
    item_id = new_item(invoke, "issue", "T")
    before, log = snapshot(repo), log_subjects(repo)
    r = invoke("init")
    assert r.exit_code == 0, r.stderr
    assert "nothing changed" in r.stdout
    assert snapshot(repo) == before
    assert log_subjects(repo) == log
    assert (repo / "issues" / f"{item_id}.md").is_file()


def test_init_keeps_a_changed_config_and_kind(repo, invoke):
    kind = repo / ".tracker" / "kinds" / "issue.yaml"
    kind.write_text(kind.read_text() + "# mine\n")
    config = repo / ".tracker" / "config.yaml"
    config.write_text(config.read_text() + "# mine too\n")
    before = snapshot(repo)
    assert invoke("init").exit_code == 0
    assert snapshot(repo) == before


def test_init_repairs_a_missing_kind_file(repo, invoke):
    (repo / ".tracker" / "kinds" / "issue.yaml").unlink()
    git(repo, "commit", "-qam", "lose the kind")
    r = invoke("init", "--format", "json")
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["created"] == [".tracker/kinds/issue.yaml"]
    assert data["template"] == "default" and data["git_init"] is False
    assert (repo / ".tracker" / "kinds" / "issue.yaml").is_file()
    assert status_porcelain(repo) == ""


def test_init_in_a_fresh_clone(repo, invoke, tmp_path):
    new_item(invoke, "issue", "T")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(repo), str(clone))
    before, log = snapshot(clone), log_subjects(clone)
    r = make_invoke(clone)("init")
    assert r.exit_code == 0, r.stderr
    assert snapshot(clone) == before
    assert log_subjects(clone) == log
    assert make_invoke(clone)("list", "--format", "ids").stdout.count("issue-") == 1


def test_init_json(git_repo):
    r = make_invoke(git_repo)("init", "--format", "json")
    data = json.loads(r.stdout)
    assert data["root"] == str(git_repo.resolve())
    assert {".tracker/config.yaml", ".tracker/kinds/issue.yaml"} <= set(data["created"])
    assert data["committed"] is True


def test_unknown_template(git_repo):
    r = make_invoke(git_repo)("init", "--template", "nope")
    assert_one_line_error(r, 1, "unknown template 'nope'", "default")
    assert not (git_repo / ".tracker").exists()
    assert git(git_repo, "log", "--oneline", check=False) == ""


def test_version():
    r = make_invoke(Path("."))("--version")
    assert r.exit_code == 0
    assert re.fullmatch(r"tracker, version \d+\.\d+\.\d+\S*\n", r.stdout)


def test_init_in_a_folder_the_outer_repository_ignores_makes_its_own(git_repo, tmp_path):
    from tests.helpers import git, make_invoke

    (git_repo / ".gitignore").write_text("scratch/\n")
    git(git_repo, "add", ".gitignore")
    git(git_repo, "commit", "-q", "-m", "ignore scratch")
    result = make_invoke(git_repo)("init", "scratch/notes")
    assert result.exit_code == 0, result.stderr
    inner = git_repo / "scratch" / "notes"
    assert (inner / ".git").is_dir()
    assert git(inner, "log", "--format=%s").strip() == "tracker init (default template)"
    assert git(git_repo, "status", "--porcelain") == ""
