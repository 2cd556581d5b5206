"""End-to-end: the installed `tracker` console script in a subprocess, in real repositories."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import (
    commit_all,
    git,
    log_subjects,
    run_tracker,
    snapshot,
    status_porcelain,
    tracker_exe,
    write_tree,
)


def ok(folder: Path, *args: str, input: str | None = None) -> str:
    done = run_tracker(folder, *args, input=input)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return done.stdout


def refused(folder: Path, code: int, *args: str) -> str:
    done = run_tracker(folder, *args)
    assert done.returncode == code, (done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    assert done.stdout == ""
    errors = [line for line in done.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, done.stderr
    return errors[0]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    folder = tmp_path / "campagne"
    folder.mkdir()
    ok(folder, "init")
    return folder


def test_the_console_script_is_the_installed_one():
    assert Path(tracker_exe()[0]).name == "tracker"


def test_a_whole_session(project):
    item_id = ok(project, "new", "issue", "Imprimer les tracts", "--set", "priority=high",
                 "--set", "tags=terrain,impression").strip()
    other = json.loads(ok(project, "new", "issue", "Réserver la salle", "--format", "json",
                          "--body-file", "-", input="Salle des fêtes.\n"))
    assert other["path"] == f"issues/{other['id']}.md"
    listed = json.loads(ok(project, "list", "--where",
                           "status != 'done' and priority in ['high', 'urgent']",
                           "--format", "json"))
    assert [r["id"] for r in listed] == [item_id]
    ok(project, "set", item_id[:10], "assignee=mob-93-017")
    ok(project, "move", item_id[:10], "in-progress")
    shown = json.loads(ok(project, "show", item_id[:10], "--format", "json"))
    assert (shown["assignee"], shown["status"]) == ("mob-93-017", "in-progress")
    assert json.loads(ok(project, "show", other["id"], "--format", "json"))["body"] == \
        "Salle des fêtes.\n"
    assert ok(project, "list", "--grep", "SALLE", "--format", "ids").split() == [other["id"]]
    assert run_tracker(project, "check").returncode == 0
    assert log_subjects(project) == [
        f"move {item_id}: open -> in-progress",
        f"set {item_id}: assignee=mob-93-017",
        f"new {other['id']}: Réserver la salle",
        f"new {item_id}: Imprimer les tracts",
        "tracker init (default template)",
    ]
    assert status_porcelain(project) == ""


def test_init_outside_git(tmp_path):
    ok(tmp_path, "init", "fresh")
    assert (tmp_path / "fresh" / ".git").is_dir()
    assert (tmp_path / "fresh" / ".tracker" / "kinds" / "issue.yaml").is_file()


def test_works_from_a_sub_folder(project):
    item_id = ok(project, "new", "issue", "T").strip()
    sub = project / "issues"
    assert ok(sub, "list", "--format", "ids").split() == [item_id]


@pytest.mark.parametrize("args, code, fragment", [
    (["new", "issue", "T", "--set", "priority=critical"], 2, "low, normal, high, urgent"),
    (["new", "nope", "T"], 1, "unknown kind"),
    (["new", "issue", "T", "--body", "a", "--body-file", "-"], 2, "--body"),
    (["new", "issue", "T", "--set", "due=2026-13-01"], 2, "due"),
    (["show", "../x"], 1, "no item"),
    (["show", "/etc/passwd"], 1, "no item"),
    (["show", "CON"], 1, "no item"),
    (["show", "--", "-rf"], 1, "no item"),
    (["show", "-rf"], 2, "-r"),
    (["set", "issue-"], 2, "nothing to change"),
    (["move", "nothing", "done"], 1, "no item"),
    (["list", "--where", "a =="], 2, "--where"),
    (["list", "--format", "xml"], 2, "xml"),
    (["check", "--format", "xml"], 2, "xml"),
    (["frobnicate"], 2, "frobnicate"),
])
def test_errors_are_one_line_with_the_exit_code_and_change_nothing(project, args, code,
                                                                   fragment):
    before = snapshot(project)
    assert fragment in refused(project, code, *args)
    assert snapshot(project) == before
    assert status_porcelain(project) == ""


def test_our_own_errors_are_exactly_one_line(project):
    done = run_tracker(project, "new", "issue", "T", "--set", "priority=critical")
    assert done.stderr == ("Error: priority: 'critical' is not allowed; expected one of: low, "
                           "normal, high, urgent\n")


def test_outside_a_tracker(tmp_path):
    assert "tracker init" in refused(tmp_path, 1, "list")


def test_a_broken_file_is_reported_and_the_rest_listed(project):
    a = ok(project, "new", "issue", "A").strip()
    b = ok(project, "new", "issue", "B").strip()
    write_tree(project, {"issues/broken.md": "---\ntitle: [x\n---\n"})
    done = run_tracker(project, "list", "--format", "json")
    assert "Traceback" not in done.stderr
    assert "issues/broken.md" in done.stderr
    assert sorted(r["id"] for r in json.loads(done.stdout)) == sorted([a, b])


def test_json_output_is_clean_on_stdout(project):
    ok(project, "new", "issue", "A")
    done = subprocess.run(f"{tracker_exe()[0]} list --format json | {sys.executable} -c "
                          "'import json,sys; print(len(json.load(sys.stdin)))'",
                          shell=True, cwd=project, capture_output=True, text=True)
    assert done.stdout.strip() == "1", done.stderr


def test_version():
    done = run_tracker(Path.cwd(), "--version")
    assert done.returncode == 0
    assert done.stdout.startswith("tracker, version ")


def test_git_tracker_works_when_the_venv_bin_is_on_path(project):
    item_id = ok(project, "new", "issue", "Par git").strip()
    bin_dir = Path(tracker_exe()[0]).parent
    assert (bin_dir / "git-tracker").exists()
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run(["git", "tracker", "list", "--format", "ids"], cwd=project,
                          capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [item_id]
    done = subprocess.run(["git", "tracker", "show", item_id, "--format", "json"], cwd=project,
                          capture_output=True, text=True, env=env)
    assert json.loads(done.stdout)["title"] == "Par git"


def test_python_dash_m_tracker(project):
    done = subprocess.run([sys.executable, "-m", "tracker", "list", "--format", "ids"],
                          cwd=project, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_git_author_env_in_a_subprocess(project):
    done = run_tracker(project, "new", "issue", "T",
                       env={"GIT_AUTHOR_NAME": "Nadia", "GIT_AUTHOR_EMAIL": "nadia@example.org"})
    assert done.returncode == 0, done.stderr
    assert git(project, "log", "-1", "--format=%an <%ae>").strip() == "Nadia <nadia@example.org>"


def test_edit_through_a_real_editor_process(project, tmp_path):
    item_id = ok(project, "new", "issue", "T").strip()
    editor = tmp_path / "ed.sh"
    editor.write_text("#!/bin/sh\nsed -i 's/priority: normal/priority: high/' \"$1\"\n")
    editor.chmod(0o755)
    done = run_tracker(project, "edit", item_id, env={"VISUAL": str(editor),
                                                      "EDITOR": str(editor)})
    assert done.returncode == 0, done.stderr
    assert json.loads(ok(project, "show", item_id, "--format", "json"))["priority"] == "high"
    assert log_subjects(project)[0] == f"edit {item_id}: priority"


def test_a_reader_that_stops_early_ends_the_command_quietly(repo):
    """`tracker list | head -1`: no 'Broken pipe' error, the exit status a shell gives
    a command ended by SIGPIPE (141), as git does. The reader here is gone before the
    command writes at all (some systems' pipes hold a whole listing)."""
    write_tree(repo, {f"issues/issue-pipe{n:04d}.md": f"---\ntitle: Item {n}\n---\n"
                      for n in range(20)})
    commit_all(repo, "some items")
    for args in (["list"], ["log"], ["show", "issue-pipe0001"],
                 ["set", "issue-pipe0002", "priority=high"]):
        process = subprocess.Popen([*tracker_exe(), *args], cwd=repo, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE)
        assert process.stdout is not None
        process.stdout.close()
        _, errors = process.communicate()
        assert (process.returncode, errors) == (141, b""), args


def test_a_closed_stdout_is_no_traceback(repo):
    exe = " ".join(tracker_exe())
    done = subprocess.run(["sh", "-c", f"{exe} new issue Fermé >&-; echo $?"], cwd=repo,
                          capture_output=True, text=True)
    assert done.stdout.strip() == "0" and "Traceback" not in done.stderr
    done = subprocess.run(["sh", "-c", f"{exe} list >&-; echo $?"], cwd=repo,
                          capture_output=True, text=True)
    assert done.stdout.strip() == "0" and done.stderr == ""
