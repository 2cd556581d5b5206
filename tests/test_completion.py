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


def test_the_dependency_commands_and_shard(project):
    folder, item_id = project
    for words in ("tracker claim ", "tracker release ", "tracker claim --as ana "):
        assert complete(folder, words) == [item_id], words
    assert complete(folder, "tracker graph ") == ["issue", item_id]
    assert complete(folder, "tracker graph iss") == ["issue", item_id]
    for words in ("tracker ready ", "tracker blocked ", "tracker shard ",
                  "tracker export json --kind "):
        assert complete(folder, words) == ["issue"], words


ID_OR_KIND = ("ID", "KIND", "[ID]", "[KIND]", "[ID|KIND]")
NOT_ITEMS = {"effect round_id", "effect reference", "fr-results election"}  # election ids


def test_every_id_and_kind_argument_completes():
    """Every command's ID or KIND argument (and --kind option) names a completer: a new
    command cannot forget it."""
    import click

    from tracker.cli.app import COMMAND_MODULES
    from tracker.cli.app import cli as main

    def commands(group: click.Group, ctx: click.Context):
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            if isinstance(command, click.Group):
                yield from commands(command, click.Context(command, parent=ctx))
            elif command is not None:
                yield command

    ctx = click.Context(main)
    missing, seen = [], 0
    for command in commands(main, ctx):
        for param in command.params:
            metavar = (getattr(param, "metavar", None) or "").upper()
            names = {param.name, *getattr(param, "opts", ())}
            if metavar in ID_OR_KIND or names & {"item_id", "kind", "kinds", "target",
                                                 "--kind"}:
                seen += 1
                if param._custom_shell_complete is None and \
                        f"{command.name} {param.name}" not in NOT_ITEMS:
                    missing.append(f"{command.name} {param.name}")
    assert seen >= 15 and len(COMMAND_MODULES) > 20
    assert missing == [], missing


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
