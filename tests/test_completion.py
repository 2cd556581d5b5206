"""Shell completion (issue #17): `tracker completion SHELL` prints a script for bash, zsh
and fish, and the installed `tracker` answers click's protocol (`_TRACKER_COMPLETE`,
`COMP_WORDS`, `COMP_CWORD`) with commands, kinds, ids, fields and statuses, in a real
subprocess."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.helpers import run_tracker, tracker_exe


@pytest.fixture
def project(repo: Path) -> tuple[Path, str]:
    done = run_tracker(repo, "new", "issue", "Completed")
    assert done.returncode == 0, done.stderr
    return repo, done.stdout.strip()


def complete(folder: Path, words: str, shell: str = "bash") -> list[str]:
    """What `tracker` offers for the last word of `words` (click's protocol: bash and zsh
    give the index of the word completed, fish the word itself)."""
    incomplete = "" if words.endswith(" ") else words.split()[-1]
    cword = incomplete if shell == "fish" else \
        str(len(words.split()) - (0 if words.endswith(" ") else 1))
    env = {"_TRACKER_COMPLETE": f"{shell}_complete", "COMP_WORDS": words,
           "COMP_CWORD": cword}
    done = run_tracker(folder, env=env)
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stdout.split("\n") if line]
    if shell == "bash":  # "type,value" lines
        return [line.partition(",")[2] for line in lines]
    if shell == "zsh":  # type, value, help: three lines each
        return [lines[i + 1] for i in range(0, len(lines), 3)]
    return [line.partition(",")[2].partition("\t")[0] for line in lines]  # type,value\thelp


@pytest.mark.parametrize("shell,marker", [
    ("bash", "complete -o nosort -F _tracker_completion tracker"),
    ("zsh", "#compdef tracker"),
    ("fish", "complete --no-files --command tracker"),
])
def test_the_script_of_each_shell(repo, shell, marker):
    done = run_tracker(repo, "completion", shell)
    assert done.returncode == 0, done.stderr
    assert marker in done.stdout and "_TRACKER_COMPLETE" in done.stdout
    assert f"{shell}_complete" in done.stdout


def test_an_unknown_shell_is_a_usage_error(repo):
    done = run_tracker(repo, "completion", "powershell")
    assert done.returncode == 2 and "powershell" in done.stderr


def test_bash_accepts_its_script(repo):
    if shutil.which("bash") is None:
        pytest.skip("no bash")
    script = run_tracker(repo, "completion", "bash").stdout
    done = subprocess.run(["bash", "-c", script + "\ncomplete -p tracker"], capture_output=True,
                          text=True)
    assert done.returncode == 0 and "_tracker_completion" in done.stdout, done.stderr


def test_commands(project):
    folder, _ = project
    offered = complete(folder, "tracker l")
    assert offered == ["list", "log"]
    assert "completion" in complete(folder, "tracker c")


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_ids(project, shell):
    folder, item_id = project
    assert complete(folder, "tracker show iss", shell) == [item_id]
    assert complete(folder, "tracker set ", shell) == [item_id]
    assert complete(folder, "tracker show zzz", shell) == []


def test_kinds(project):
    folder, _ = project
    assert complete(folder, "tracker new ") == ["issue"]
    assert complete(folder, "tracker list i") == ["issue"]


def test_fields_and_their_values(project):
    folder, item_id = project
    fields = complete(folder, f"tracker set {item_id} ")
    assert {"priority=", "status=", "assignee=", "title="} <= set(fields)
    assert complete(folder, f"tracker set {item_id} pr") == ["priority="]
    assert complete(folder, f"tracker set {item_id} priority=") == [
        "priority=low", "priority=normal", "priority=high", "priority=urgent"]
    assert complete(folder, f"tracker set {item_id} --unset as") == ["assignee"]
    assert complete(folder, "tracker new issue T --set pri") == ["priority="]


def test_statuses(project):
    folder, item_id = project
    assert complete(folder, f"tracker move {item_id} ") == ["open", "in-progress", "done",
                                                             "closed"]
    assert complete(folder, f"tracker move {item_id} d") == ["done"]
    assert complete(folder, f"tracker set {item_id} status=in") == ["status=in-progress"]


def test_outside_a_tracker_nothing_is_offered(tmp_path):
    assert complete(tmp_path, "tracker show ") == []
    assert "list" in complete(tmp_path, "tracker li")



def test_a_real_bash_completes_a_value_after_its_equals_sign(project):
    """bash splits `priority=` into `priority`, `=` (COMP_WORDBREAKS): the values come
    alone, for bash to put after the `=`."""
    if shutil.which("bash") is None:
        pytest.skip("no bash")
    folder, item_id = project
    script = run_tracker(folder, "completion", "bash").stdout
    bin_dir = str(Path(tracker_exe()[0]).parent)

    def bash(words: str, cword: int) -> list[str]:
        done = subprocess.run(
            ["bash", "-c", script + f"\nCOMP_WORDS=({words}); COMP_CWORD={cword}\n"
             "_tracker_completion tracker\nprintf '%s\\n' \"${COMPREPLY[@]}\""],
            capture_output=True, text=True, cwd=folder,
            env={**os.environ, "PATH": bin_dir + os.pathsep + os.environ["PATH"]})
        assert done.returncode == 0, done.stderr
        return [line for line in done.stdout.splitlines() if line]

    assert bash(f'tracker set {item_id} priority = ""', 5) == ["low", "normal", "high",
                                                               "urgent"]
    assert bash(f"tracker set {item_id} priority = h", 5) == ["high"]
    assert bash(f"tracker move {item_id} d", 3) == ["done"]
    assert bash('tracker show ""', 2) == [item_id]
