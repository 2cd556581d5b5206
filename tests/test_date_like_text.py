"""Text that looks like an impossible date (`2024-02-30`, `2024-13-01`, hour 25, an
offset of 25 hours…), through the installed console script. YAML 1.1 reads such text,
unquoted, as a date and cannot build it. Typed on the command line into a title, a
string field or a list of strings, it stays the text typed and is written quoted, so
that it reads back as text; into a date or date-time field it is refused in one line
naming the field, nothing written. Typed unquoted by hand into an item file (or a kind
file), every command reports where: the file, its line and the field."""

from __future__ import annotations

import json

import pytest

from tests.helpers import commit_all, head, run_tracker, snapshot, write_tree

LOOKALIKES = ["2024-02-30", "2024-13-01", "0000-01-01", "2024-02-30T10:00:00",
              "2024-02-30 10:00:00", "2024-2-30 1:00:00", "2024-12-01T25:00:00Z",
              "2024-12-01T10:00:00+25:00", "2024-12-01 10:00:00.5 -25:00"]


def cli(repo, *args):
    done = run_tracker(repo, *args)
    assert "Traceback" not in done.stderr, (args, done.stderr)
    return done


def one_error(done, *fragments):
    """One line on stderr: `Error: ...`, or under `--format json` the JSON
    `{"error", "problems"}` whose error holds every fragment."""
    assert done.returncode in (1, 2), (done.returncode, done.stderr)
    assert done.stdout == "" and len(done.stderr.splitlines()) == 1, done.stderr
    args = list(done.args)
    if "--format" in args and args[args.index("--format") + 1] == "json":
        answer = json.loads(done.stderr)
        assert set(answer) == {"error", "problems"}, answer
        message = answer["error"]
    else:
        assert done.stderr.startswith("Error: ")
        message = done.stderr
    for fragment in fragments:
        assert fragment in message, message


@pytest.mark.parametrize("text", LOOKALIKES)
def test_a_title_string_field_and_list_items_keep_the_text(repo, text):
    fast = cli(repo, "new", "issue", text)  # the plain form: cli/fast.py
    assert fast.returncode == 0, fast.stderr
    item = fast.stdout.strip()
    slow = cli(repo, "new", "issue", text, "--set", f"assignee={text}", "--format", "json")
    assert slow.returncode == 0, slow.stderr  # through click
    other = json.loads(slow.stdout)["id"]
    assert cli(repo, "set", item, f"assignee={text}", f"tags={text},plain").returncode == 0
    assert cli(repo, "set", other, f"tags=[{text}, {text}]", f"extra={text}").returncode == 0
    for item_id in (item, other):
        shown = cli(repo, "show", item_id, "--format", "json")
        assert shown.returncode == 0, shown.stderr
        record = json.loads(shown.stdout)
        assert record["title"] == text and record["assignee"] == text
        assert record["tags"][0] == text and isinstance(record["tags"][0], str)
    assert json.loads(cli(repo, "show", other, "--format", "json").stdout)["extra"] == text
    raw = (repo / "issues" / f"{item}.md").read_text()
    assert f'title: "{text}"' in raw and f'assignee: "{text}"' in raw  # quoted: text
    checked = cli(repo, "check")
    assert checked.returncode == 0, checked.stdout
    listed = cli(repo, "list", "--where", f"assignee == '{text}'", "--format", "ids")
    assert sorted(listed.stdout.split()) == sorted([item, other])
    assert cli(repo, "list", "--at", "HEAD", "--format", "ids").returncode == 0
    log = cli(repo, "log", item)
    assert log.returncode == 0 and text in log.stdout


@pytest.mark.parametrize("field", ["due", "created"])
def test_a_date_field_refuses_it_in_one_line_naming_the_field(repo, field):
    item = cli(repo, "new", "issue", "Dated").stdout.strip()
    before, commit = snapshot(repo), head(repo)
    for text in LOOKALIKES + ["2024-02-30T10:00", "2024-02-30Tx", "[2024-02-30]"]:
        one_error(cli(repo, "set", item, f"{field}={text}"), f"{field}: ")
        one_error(cli(repo, "new", "issue", "Other", "--set", f"{field}={text}"), f"{field}: ")
    one_error(cli(repo, "set", item, f"{field}=2024-02-30", "--format", "json"),
              f"{field}: day is out of range for month; expected a date")
    one_error(cli(repo, "set", item, f"{field}=2024-02-30Tx"),
              f"{field}: '2024-02-30Tx' is not a date")  # our words, not Python's
    assert snapshot(repo) == before and head(repo) == commit


HAND_TYPED = {
    "due": ("---\ntitle: Due\nstatus: open\ndue: 2024-02-30\n---\n", 4, "due"),
    "title": ("---\ntitle: 2024-13-01\nstatus: open\n---\n", 2, "title"),
    "assignee": ("---\ntitle: A\nstatus: open\nassignee: 2024-02-30 25:00:00\n---\n", 4,
                 "assignee"),
    "flow": ("---\ntitle: F\nstatus: open\ntags: [a, 2024-02-30]\n---\n", 4, "tags"),
    "block": ("---\ntitle: B\nstatus: open # a comment: PyYAML reads it\ntags:\n  - a\n"
              "  - b\n  - 2024-02-30T10:00:00+25:00\n---\n", 7, "tags"),
    "nested": ("---\ntitle: N\nstatus: open\nmeta:\n  a: 1\n  when:\n    - ok\n"
               "    - [1, 0000-01-01]\n---\n", 8, "meta"),
}


@pytest.mark.parametrize("name", sorted(HAND_TYPED))
def test_front_matter_typed_by_hand_is_a_located_problem(repo, name):
    text, line, field = HAND_TYPED[name]
    good = cli(repo, "new", "issue", "Witness").stdout.strip()
    write_tree(repo, {f"issues/{name}.md": text})
    commit_all(repo, "typed by hand")
    where = f"issues/{name}.md:{line}: {field}: invalid date"
    checked = cli(repo, "check")
    assert checked.returncode == 1 and checked.stdout.splitlines() == [
        f"{where}: " + checked.stdout.split(f"{where}: ", 1)[1].strip()], checked.stdout
    problems = json.loads(cli(repo, "check", "--format", "json").stdout)
    assert [(p["path"], p["line"], p["field"]) for p in problems] == \
        [(f"issues/{name}.md", line, field)]
    github = cli(repo, "check", "--format", "github").stdout
    assert github.startswith(f"::error file=issues/{name}.md,line={line}::{field}: invalid date")
    for args in (["list"], ["list", "--format", "json"], ["list", "--at", "HEAD"]):
        listed = cli(repo, *args)
        assert listed.returncode == 1 and good in listed.stdout, (args, listed.stderr)
        assert listed.stderr.startswith(f"warning: issues/{name}.md:{line}: invalid date")
    for args in (["show", name], ["show", name, "--format", "json"],
                 ["show", name, "--at", "HEAD"], ["set", name, "assignee=bob"]):
        one_error(cli(repo, *args), where)
    for args in (["log"], ["log", name], ["diff", "HEAD~1"], ["export", "json"]):
        assert cli(repo, *args).returncode in (0, 1), args


def test_a_kind_file_names_the_line_of_its_impossible_date(repo):
    kind = repo / ".tracker" / "kinds" / "issue.yaml"
    text = kind.read_text()
    assert "  due:\n    type: date\n" in text
    kind.write_text(text.replace("  due:\n    type: date\n",
                                 "  due:\n    type: date\n    default: 2024-02-30\n"))
    line = kind.read_text().splitlines().index("    default: 2024-02-30") + 1
    for args in (["list"], ["check"], ["new", "issue", "X"], ["show", "x"]):
        one_error(cli(repo, *args), f"issue.yaml:{line}: fields: invalid date")
