"""The terminal (issue #17, the CLI): colour on a terminal only, the pager, progress bars,
set/move saying what changed, edit keeping a refused text, plain expression errors, CSV
lists, --help examples, the site inside the repository.

Colour and the pager are judged under a real pseudo-terminal (`pty`) around a real
`tracker` subprocess; the pager is a real script that records what it was given.
"""

from __future__ import annotations

import csv
import io
import os
import pty
import select
import subprocess
from pathlib import Path

import pytest

from tests.helpers import git, make_invoke, run_tracker, tracker_exe
from tracker.cli.app import COMMAND_MODULES, cli
from tracker.cli.examples import EXAMPLES

ESC = "\x1b["


def run_in_pty(folder: Path, *args: str, env: dict[str, str] | None = None,
               stdin_tty: bool = True, input: str | None = None) -> tuple[int, str]:
    """Run `tracker ARGS` with stdout and stderr on a pseudo-terminal: (exit code, all
    it wrote there)."""
    main, secondary = pty.openpty()
    full_env = {**os.environ, "TERM": "xterm", **(env or {})}
    full_env.pop("NO_COLOR", None) if "NO_COLOR" not in (env or {}) else None
    process = subprocess.Popen([*tracker_exe(), *args], cwd=folder, env=full_env,
                               stdin=secondary if stdin_tty else subprocess.DEVNULL,
                               stdout=secondary, stderr=secondary, close_fds=True)
    os.close(secondary)
    if input is not None:
        os.write(main, input.encode())
    chunks = []
    while True:
        ready, _, _ = select.select([main], [], [], 30)
        if not ready:
            process.kill()
            break
        try:
            data = os.read(main, 65536)
        except OSError:  # EIO: the other side closed
            break
        if not data:
            break
        chunks.append(data)
    code = process.wait(timeout=30)
    os.close(main)
    return code, b"".join(chunks).decode("utf-8", "replace")


@pytest.fixture
def project(repo: Path) -> Path:
    ids = []
    for n in range(3):
        done = run_tracker(repo, "new", "issue", f"Item {n}", "--set", "priority=low")
        assert done.returncode == 0, done.stderr
        ids.append(done.stdout.strip())
    (repo / "ids.txt").write_text("\n".join(ids))
    return repo


def first_id(project: Path) -> str:
    return (project / "ids.txt").read_text().split()[0]


# ------------------------------------------------------------ colour


def test_no_colour_when_piped(project):
    done = run_tracker(project, "list")
    assert done.returncode == 0 and "Item 0" in done.stdout
    assert ESC not in done.stdout and ESC not in done.stderr
    error = run_tracker(project, "show", "nothing-like-this")
    assert error.returncode == 1 and error.stderr.startswith("Error:")
    assert ESC not in error.stderr


def test_colour_on_a_terminal(project):
    code, text = run_in_pty(project, "--no-pager", "list")
    assert code == 0, text
    assert f"{ESC}1mID" in text  # the header in bold
    assert text.count(f"{ESC}36mopen{ESC}0m") == 3  # each status coloured, after aligning
    assert "Item 0" in text
    code, text = run_in_pty(project, "--no-pager", "show", first_id(project))
    assert code == 0 and f"{ESC}36mopen{ESC}0m" in text  # the status coloured
    code, text = run_in_pty(project, "show", "nothing-like-this")
    assert code == 1 and f"{ESC}1;31mError:{ESC}0m" in text


def test_no_color_env_and_flag(project):
    code, text = run_in_pty(project, "--no-pager", "list", env={"NO_COLOR": "1"})
    assert code == 0 and "Item 0" in text and ESC not in text
    code, text = run_in_pty(project, "--no-pager", "--no-color", "list")
    assert code == 0 and "Item 0" in text and ESC not in text
    code, text = run_in_pty(project, "--no-color", "show", "nothing-like-this")
    assert code == 1 and "Error:" in text and ESC not in text


# ------------------------------------------------------------ the pager


@pytest.fixture
def fake_pager(tmp_path: Path) -> tuple[str, Path]:
    record = tmp_path / "paged.txt"
    script = tmp_path / "pager.sh"
    script.write_text(f"#!/bin/sh\ncat > '{record}'\necho PAGER-RAN\n")
    script.chmod(0o755)
    return str(script), record


def test_pager_on_a_terminal(project, fake_pager):
    script, record = fake_pager
    code, text = run_in_pty(project, "log", env={"PAGER": script})
    assert code == 0 and "PAGER-RAN" in text
    paged = record.read_text()
    assert paged.count("commit ") == 3 and "created" in paged
    assert "created" not in text  # all of it went through the pager


def test_tracker_pager_wins_over_pager(project, fake_pager, tmp_path):
    script, record = fake_pager
    code, text = run_in_pty(project, "list", env={"PAGER": "/bin/false-pager-none",
                                                  "TRACKER_PAGER": script})
    assert code == 0 and "PAGER-RAN" in text and "Item 2" in record.read_text()


def test_no_pager_flag_and_pipes(project, fake_pager):
    script, record = fake_pager
    code, text = run_in_pty(project, "--no-pager", "log", env={"PAGER": script})
    assert code == 0 and "PAGER-RAN" not in text and "created" in text
    assert not record.exists()
    done = run_tracker(project, "log", env={"PAGER": script})  # stdout piped
    assert done.returncode == 0 and "created" in done.stdout and not record.exists()


# ------------------------------------------------------------ progress


def test_progress_on_a_terminal_only(project):
    rows = "title,priority\n" + "".join(f"Row {n},high\n" for n in range(120))
    (project / "rows.csv").write_text(rows)
    code, text = run_in_pty(project, "import", "csv", "rows.csv", "--kind", "issue")
    assert code == 0, text
    assert "Importing issue" in text and "100%" in text
    (project / "more.csv").write_text(rows.replace("Row", "More"))
    done = run_tracker(project, "import", "csv", "more.csv", "--kind", "issue")
    assert done.returncode == 0, done.stderr
    assert "Importing" not in done.stderr and "%" not in done.stderr
    code, text = run_in_pty(project, "shard", "issue", "1")
    assert code == 0 and "Moving issue" in text and "100%" in text, text
    done = run_tracker(project, "shard", "issue", "0")
    assert done.returncode == 0 and "243 files moved" in done.stdout
    assert "Moving" not in done.stderr and "%" not in done.stderr


# ------------------------------------------------------------ what changed


@pytest.mark.parametrize("path", ["fast", "click"])
def test_set_says_what_changed(project, path):
    item_id = first_id(project)
    args = ["set", item_id, "priority=high"] if path == "fast" else \
        ["set", item_id, "priority=high", "--format", "text"]
    done = run_tracker(project, *args)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"{item_id}\n"
    assert done.stderr == "priority: low → high\n"


def test_set_and_move_say_what_changed_in_process(project):
    invoke = make_invoke(project)
    item_id = first_id(project)
    r = invoke("set", item_id, "priority=urgent", "assignee=ana", "--unset", "tags")
    assert r.exit_code == 0 and r.stdout == f"{item_id}\n"
    assert r.stderr == "priority: low → urgent\nassignee: (none) → ana\n"
    r = invoke("move", item_id, "in-progress")
    assert r.exit_code == 0 and r.stderr == "status: open → In progress\n"  # its label
    r = invoke("set", item_id, "priority=urgent")  # nothing changes: nothing said
    assert r.exit_code == 0 and r.stderr == ""


def test_edit_names_fields_and_keeps_a_refused_text(project, tmp_path):
    item_id = first_id(project)
    editor = tmp_path / "ed.sh"
    editor.write_text("#!/bin/sh\nsed -i 's/priority: low/priority: sideways/' \"$1\"\n")
    editor.chmod(0o755)
    env = {"VISUAL": str(editor), "EDITOR": str(editor)}
    done = run_tracker(project, "edit", item_id, input="n\n", env=env)
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert "your text is kept in " in last
    kept = Path(last.rpartition("kept in ")[2])
    assert "priority: sideways" in kept.read_text()
    kept.unlink()
    editor.write_text("#!/bin/sh\nsed -i 's/priority: low/priority: high/' \"$1\"\n"
                      "printf 'More words.\\n' >> \"$1\"\n")
    done = run_tracker(project, "edit", item_id, env=env)
    assert done.returncode == 0, done.stderr
    subject = git(project, "log", "-1", "--format=%s").strip()
    assert subject == f"edit {item_id}: priority, body"


# ------------------------------------------------------------ errors in plain words


def test_a_lone_equals_suggests_double_equals_and_quotes(project):
    done = run_tracker(project, "list", "--where", "priority = high")
    assert done.returncode == 2
    assert "write priority == 'high'" in done.stderr
    assert "print statement" not in done.stderr and "Traceback" not in done.stderr
    done = run_tracker(project, "list", "--where", "title ==")
    assert done.returncode == 2 and "the expression ends too soon" in done.stderr
    assert "print statement" not in done.stderr
    done = run_tracker(project, "list", "--where", "priority == high")
    assert done.returncode == 2 and "quoted: 'high'" in done.stderr


def test_a_rule_failing_is_told_without_python_wording(project):
    from tests.helpers import write_tree

    kind = project / ".tracker" / "kinds" / "issue.yaml"
    kind.write_text(kind.read_text() + "checks:\n  - field: due\n"
                    "    rule: \"due is none or due > date(assignee)\"\n"
                    "    message: due too early\n")
    write_tree(project, {"issues/issue-datebad1.md":
                         "---\ntitle: T\nstatus: open\nassignee: soon\ndue: 2026-03-01\n---\n"})
    done = run_tracker(project, "check")
    assert done.returncode == 1
    assert "'soon' is not a date like 2026-04-21" in done.stdout
    assert "isoformat" not in done.stdout and "ValueError" not in done.stdout


def test_a_template_syntax_error_in_plain_words(project):
    from tests.helpers import write_tree

    write_tree(project, {".tracker/templates/broken.md.j2": "Total: {{ items | length = 3 }}\n"})
    done = run_tracker(project, "report", "broken")
    assert done.returncode != 0
    assert "print statement" not in done.stderr and "broken.md.j2:1:" in done.stderr


# ------------------------------------------------------------ CSV lists


def test_csv_lists_as_cells_and_as_json(project):
    item_id = first_id(project)
    assert run_tracker(project, "set", item_id, "tags=[ui, login]").returncode == 0
    done = run_tracker(project, "export", "csv")
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(done.stdout))}
    assert rows[item_id]["tags"] == "ui; login"
    done = run_tracker(project, "export", "csv", "--lists", "json")
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(done.stdout))}
    assert rows[item_id]["tags"] == '["ui", "login"]'


# ------------------------------------------------------------ --help examples


def test_every_command_help_ends_with_examples(project):
    invoke = make_invoke(project)
    for name in COMMAND_MODULES:
        if name not in EXAMPLES:
            continue
        r = invoke(name, "--help")
        assert r.exit_code == 0
        assert "Examples:" in r.stdout and EXAMPLES[name][0][0] in r.stdout, name
    missing = set(COMMAND_MODULES) - set(EXAMPLES) - {"merge-driver"}
    assert not missing, f"commands without examples: {sorted(missing)}"
    r = invoke("export", "csv", "--help")
    assert "--lists json" in r.stdout


def test_examples_name_real_commands_and_options():
    """Each example runs a command that exists, with options it has and choices it takes."""
    import shlex

    import click

    for name, rows in EXAMPLES.items():
        for example, _ in rows:
            words = shlex.split(example.replace("$(", "").replace(")", ""))
            inner = [w for w in words if w.startswith("tracker ")]  # eval "…", git config '…'
            words = shlex.split(inner[0]) if inner else words
            words = words[words.index("tracker") + 1:]
            command: click.Command = cli
            options = {o for p in cli.params for o in getattr(p, "opts", [])}
            words = [w for w in words if w not in options]
            while isinstance(command, click.Group) and words:
                found = command.get_command(None, words[0])  # type: ignore[arg-type]
                assert found is not None, example
                command, words = found, words[1:]
            params = {o: p for p in command.params for o in getattr(p, "opts", [])}
            for index, word in enumerate(words):
                if not word.startswith("--"):
                    continue
                option = word.partition("=")[0]
                assert option in params, f"{example}: {option}"
                choices = getattr(params[option].type, "choices", None)
                if choices:
                    assert words[index + 1] in choices, f"{example}: {words[index + 1]}"


# ------------------------------------------------------------ the site in the repository


def test_site_inside_the_repository_is_said_and_ignored_on_request(project):
    done = run_tracker(project, "report", "site", "--out", "site")
    assert done.returncode == 0, done.stderr
    assert "site/ is inside the repository" in done.stderr
    assert "add /site/ to .gitignore" in done.stderr
    assert "?? site/" in git(project, "status", "--porcelain")
    code, text = run_in_pty(project, "report", "site", "--out", "site", input="y\n")
    assert code == 0 and "Add /site/ to .gitignore?" in text, text
    assert "/site/" in (project / ".gitignore").read_text().splitlines()
    assert "site/" not in git(project, "status", "--porcelain")
    done = run_tracker(project, "report", "site", "--out", "site")
    assert done.returncode == 0 and "inside the repository" not in done.stderr


def test_sync_shows_its_stages_on_a_terminal_only(tmp_path):
    from tests.sync_helpers import clone, seeded, tracker_ok

    remote, _, ids = seeded(tmp_path)
    a = clone(remote, tmp_path / "a")
    tracker_ok(a, "set", ids[0], "priority=urgent")
    code, text = run_in_pty(a, "sync")
    assert code == 0, text
    assert "Fetching origin/main…" in text and "Pushing to origin/main…" in text
    assert "Synced with origin/main" in text
    done = run_tracker(a, "sync")
    assert done.returncode == 0 and "Fetching" not in done.stderr
    assert "Synced with origin/main" in done.stderr
