"""`tracker check --format github`: GitHub workflow commands that no file name or value
can end or add to. Through the installed console script, in a real repository whose
item files have names holding newlines, `::`, `,`, `:`, `%` and carriage returns."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from tests.helpers import commit_all, run_tracker, tracker_exe, write_tree

HOSTILE_NAMES = [
    "evil\n::error file=forged.md,line=1::forged by a file name",
    "a,line=99::b",
    "per%0Acent%25",
    "cr\r::warning::forged",
    "colon:comma,",
]


def _unescape(text: str) -> str:
    for code, char in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","),
                       ("%25", "%")):
        text = text.replace(code, char)
    return text


def _parse(line: str) -> tuple[dict[str, str], str]:
    """A workflow command as the runner reads it: `::name k=v,k=v::message`."""
    assert line.startswith("::error "), line
    properties, separator, message = line[len("::error "):].partition("::")
    assert separator, line
    fields = dict(part.split("=", 1) for part in properties.split(","))
    return {k: _unescape(v) for k, v in fields.items()}, _unescape(message)


@pytest.fixture
def hostile(repo):
    files = {f"issues/{name}.md": "---\ntitle: 5\nstatus: open\n---\n" for name in HOSTILE_NAMES}
    files["issues/forged-value.md"] = ('---\ntitle: Value\n'
                                       'status: "open\\n::warning::forged by a value, 100%"\n---\n')
    write_tree(repo, files)
    commit_all(repo, "hostile names")
    listed = subprocess.run(["git", "ls-files", "-z", "issues"], cwd=repo, check=True,
                            capture_output=True).stdout
    tracked = [os.fsdecode(name) for name in listed.split(b"\0")]
    assert all(f"issues/{name}.md" in tracked for name in HOSTILE_NAMES)  # git holds them
    return repo


def test_no_file_name_or_value_starts_a_workflow_command_of_its_own(hostile):
    expected = json.loads(run_tracker(hostile, "check", "--format", "json").stdout)
    assert {p["path"] for p in expected} >= {f"issues/{n}.md" for n in HOSTILE_NAMES}
    done = subprocess.run([*tracker_exe(), "check", "--format", "github"], cwd=hostile,
                          capture_output=True)  # bytes: a CR stays a CR
    stdout, stderr = done.stdout.decode(), done.stderr.decode()
    assert done.returncode == 1 and "Traceback" not in stderr, stderr
    lines = stdout.split("\n")
    assert lines[-1] == ""  # ends with a newline, and CR is no line end either
    lines = lines[:-1]
    assert all("\r" not in line for line in lines)
    assert len(lines) == len(expected)  # one command for each problem, none more
    for line, problem in zip(lines, expected):
        properties, message = _parse(line)
        assert properties == {"file": problem["path"], "line": str(problem["line"] or 1)}
        field = f"{problem['field']}: " if problem["field"] else ""
        assert message == field + problem["message"]
    assert "\r" not in stderr
    for line in stderr.splitlines():
        assert not line.lstrip().startswith("::"), line


def test_text_output_and_warnings_stay_one_line_a_problem(hostile):
    expected = json.loads(run_tracker(hostile, "check", "--format", "json").stdout)
    done = run_tracker(hostile, "check")
    assert len(done.stdout.splitlines()) == len(expected), done.stdout
    assert not any(line.startswith("::") for line in done.stdout.splitlines())
    listed = run_tracker(hostile, "list")
    assert "Traceback" not in listed.stderr
    assert not any(line.startswith("::") for line in listed.stderr.splitlines())
