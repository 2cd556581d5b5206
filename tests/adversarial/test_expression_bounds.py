"""Expressions and templates that ask for too much: ranges, repetitions, generators,
huge powers and formats, and evaluations that never end. Each fails on one line naming
the file (the kind file, `--where`, the template) and the expression, with a non-zero
exit, quickly and in little memory, through the installed CLI (docs/security.md)."""

from __future__ import annotations

import json

import pytest
import yaml

from tests.helpers import commit_all, new_item, run_tracker, write_tree

KIND = ".tracker/kinds/issue.yaml"


def one_line(done, *parts: str) -> str:
    assert done.returncode != 0, done.stdout
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "Traceback" not in done.stderr
    for part in parts:
        assert part in lines[0], done.stderr
    return lines[0]


def add_to_kind(repo, text: str) -> None:
    path = repo / KIND
    kind = yaml.safe_load(path.read_text(encoding="utf-8"))
    kind.update(yaml.safe_load(text))
    path.write_text(yaml.safe_dump(kind, allow_unicode=True), encoding="utf-8")
    commit_all(repo, "kind changed")


def set_config(repo, text: str) -> None:
    path = repo / ".tracker" / "config.yaml"
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")
    commit_all(repo, "config changed")


TOO_BIG = [
    ("(['x'] * 10**9) | length > 0", "'*'"),
    ("('ab' * 10**6 * 10**3) | length > 0", "'*'"),
    ("(10 ** 100000) > 0", "'**'"),
    ("(2 ** 70000) > 0", "65,536 bits"),
    ("(range(10**6) | list | length) > 0", "range"),
    ("(lipsum(10**6) | length) > 0", "lipsum"),
    ("(['abc' * 999999] * 3 | join(',') | length) > 0", "'*'"),
    ("((['ab' * 500000] * 2) | join('-') | length) > 0", "join"),
    ("(('%1000000000d' % 1) | length) > 0", "'%'"),
    ("(('%*d' % (10**9, 1)) | length) > 0", "'%'"),
    ("(('{:>1000000000}'.format(1)) | length) > 0", "format"),
    ("(('a' * 900000) | replace('a', 'bb') | length) > 0", "replace"),
    ("(('a' * 10) | center(10**9) | length) > 0", "center"),
    ("('a'.ljust(10**9) | length) > 0", "ljust"),
    ("((('a' * 500000) ~ ('b' * 500001)) | length) > 0", "'~'"),
    ("(('a b ' * 150000) | wordwrap(1, wrapstring='-----') | length) > 0", "wordwrap"),
    (r"(('x\n' * 300000) | indent(10) | length) > 0", "indent"),
    ("([1, 2] | batch(10**9, 0) | list | length) > 0", "batch"),
]


@pytest.mark.parametrize("where, names", TOO_BIG)
def test_a_where_past_a_bound_fails_on_one_line(repo, invoke, where, names):
    new_item(invoke, "issue", "One")
    done = run_tracker(repo, "list", "--where", where)
    one_line(done, "--where", where, names)


def test_the_issue_rule_fails_check_quickly_naming_the_kind_file(repo, invoke):
    new_item(invoke, "issue", "One")
    add_to_kind(repo, "checks:\n  - rule: \"(lipsum(10**6)|length) > 0\"\n"
                      "    message: too long\n")
    done = run_tracker(repo, "check")
    one_line(done, KIND, "check", "(lipsum(10**6)|length) > 0", "lipsum")


def test_a_computed_field_past_a_bound_names_the_kind_file(repo, invoke):
    item_id = new_item(invoke, "issue", "One")
    add_to_kind(repo, "computed:\n  huge: \"title * 10**7\"\n")
    for args in (["show", item_id], ["list", "--format", "json"]):
        done = run_tracker(repo, *args)
        one_line(done, KIND, "computed 'huge'", "title * 10**7", "'*'")


def test_a_rollup_where_past_a_bound_names_the_kind_file(repo, invoke):
    new_item(invoke, "issue", "One")
    add_to_kind(repo, "rollups:\n  many:\n    from: issue\n    count: true\n"
                      "    where: \"(range(10**7) | list | length) > 0\"\n")
    done = run_tracker(repo, "list", "--format", "json")
    one_line(done, KIND, "rollup 'many' where", "range")


SLOW = "(range(100000) | select('in', range(100000) | list) | list | length) > 0"


def test_an_evaluation_past_its_time_limit_fails(repo, invoke):
    new_item(invoke, "issue", "One")
    set_config(repo, "expressions:\n  seconds: 0.3\n")
    done = run_tracker(repo, "list", "--where", SLOW)
    one_line(done, "--where", SLOW, "took longer than 0.3 s")
    add_to_kind(repo, f"checks:\n  - rule: \"{SLOW}\"\n    message: slow\n")
    done = run_tracker(repo, "check")
    one_line(done, KIND, "check", "took longer than 0.3 s")


@pytest.mark.parametrize("where, count", [
    ("(2 ** 200) > 0", 1), ("(2 ** 65535) > 0", 1), ("('ab' * 3) == 'ababab'", 1),
    ("(range(100000) | list | length) == 100000", 1), ("(['a'] * 500000) | length > 0", 1),
    ("('%5d' % 3) == '    3'", 1), ("(lipsum(5) | length) > 0", 1),
    ("(title * 2) == 'OneOne'", 1), ("(title * 2) | length == 5", 0),
])
def test_what_stays_within_the_bounds_still_works(repo, invoke, where, count):
    new_item(invoke, "issue", "One")
    done = run_tracker(repo, "list", "--where", where, "--format", "json")
    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)) == count


# ---------------------------------------------------------------- templates


def report(repo, name: str, text: str) -> None:
    write_tree(repo, {f".tracker/templates/{name}": text})
    commit_all(repo, f"report {name}")


@pytest.mark.parametrize("body, names", [
    ("{{ lipsum(10**6) }}", "lipsum"),
    ("{% for i in range(10**6) %}.{% endfor %}", "range"),
    ("{{ 'x' * 10**9 }}", "'*'"),
    ("{% set ns = namespace(s='x') %}{% for i in range(40) %}"
     "{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s | length }}", "'~'"),
    ("{% set ns = namespace(s=['x']) %}{% for i in range(40) %}"
     "{% set ns.s = ns.s + ns.s %}{% endfor %}{{ ns.s | length }}", "'+'"),
    ("{% for i in range(100000) %}{% for j in range(100000) %}"
     "{{ 'y' * 1000 }}{% endfor %}{% endfor %}", "output"),
    ("{{ 'a'.center(10**9) }}", "center"),
])
def test_a_report_past_a_bound_fails_naming_the_template(repo, invoke, body, names):
    new_item(invoke, "issue", "One")
    report(repo, "big.md", "# Big\n\n" + body + "\n")
    done = run_tracker(repo, "report", "big")
    line = one_line(done, names).removeprefix("Error: ")
    assert line.startswith("big.md: " if names == "output" else "big.md:3: "), line


def test_a_report_past_its_time_limit_fails(repo, invoke, tmp_path):
    new_item(invoke, "issue", "One")
    set_config(repo, "templates:\n  seconds: 0.5\n")
    report(repo, "slow.md", "# Slow\n\n{{ " + SLOW + " }}\n")
    done = run_tracker(repo, "report", "slow")
    line = one_line(done, "took longer than 0.5 s")
    assert line.removeprefix("Error: ").startswith("slow.md:"), line
    done = run_tracker(repo, "report", "site", "--out", str(tmp_path / "site"))
    one_line(done, "slow.md", "took longer than 0.5 s")


def _spin(seconds: float) -> str:
    from tracker.expr import functions

    try:
        with functions.deadline(seconds):
            while True:
                pass
    except functions.LimitExceeded as e:
        return str(e)


def test_the_deadline_holds_in_threads_and_forked_page_workers():
    """The site renders big sites in forked processes: each has its own watchdog."""
    import os
    import threading

    assert _spin(0.1) == "took longer than 0.1 s"
    found: list[str] = []
    thread = threading.Thread(target=lambda: found.append(_spin(0.1)))
    thread.start()
    thread.join(10)
    assert found == ["took longer than 0.1 s"]
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.write(write, _spin(0.1).encode())
        os._exit(0)
    os.close(write)
    _, status = os.waitpid(pid, 0)
    assert os.read(read, 100).decode() == "took longer than 0.1 s" and status == 0


PROFILED = """
import sys, time
from tracker.expr import functions
sys.setprofile(lambda *args: None)  # as cProfile, coverage or a debugger would
with functions.deadline(0.1):
    end = time.monotonic() + 0.6
    while time.monotonic() < end:
        pass
print("finished")
"""


def test_under_a_profiler_an_evaluation_past_its_time_is_not_stranded():
    """Under a tracer or profiler CPython's asynchronous exception spins in its own
    __init__ for ever (a `report site` under cProfile never ended): there the clock is
    not armed, and the work finishes."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", PROFILED], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == "finished", done.stderr
