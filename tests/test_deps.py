"""Dependencies: the `refs` type, `depends_on`, final statuses, cycles in `check` and
the write gate, `ready`, `blocked`, `graph`, `claim` and `release` (with the
compare-and-swap on a remote: 8 clones race for one item), and errors as JSON.

Everything through the installed `tracker` in subprocesses, in real git repositories.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.helpers import git, run_tracker, tracker_exe, write_tree
from tests.sync_helpers import bare_remote, clone, head
from tracker.model.schema import Kind, SchemaError

# ---------------------------------------------------------------- helpers


def ok(root: Path, *args: str) -> str:
    done = run_tracker(root, *args)
    assert done.returncode == 0, (args, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    return done.stdout


def fails(root: Path, code: int, *args: str) -> str:
    """The command exits `code` with one `Error:` line (returned), no traceback."""
    done = run_tracker(root, *args)
    assert done.returncode == code, (args, done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, done.stderr
    return errors[0]


def new(root: Path, title: str, *sets: str, kind: str = "issue") -> str:
    options = [part for s in sets for part in ("--set", s)]
    return ok(root, "new", kind, title, *options).strip()


def rows(root: Path, *args: str) -> list[dict]:
    return json.loads(ok(root, *args, "--format", "json"))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "p"
    root.mkdir()
    git(root, "init", "-q")
    ok(root, "init")
    return root


def subjects(root: Path, rev: str = "HEAD") -> list[str]:
    return git(root, "log", "--format=%s", rev).splitlines()


# ---------------------------------------------------------------- the schema


def test_refs_type_and_its_kinds():
    kind = Kind.from_dict("task", {"fields": {
        "depends_on": {"type": "refs", "kind": ["task", "milestone"]},
        "blocks": {"type": "refs"}, "parent": {"type": "ref", "kind": "task"}}}, "task.yaml")
    assert kind.fields["depends_on"].ref_kinds == ("task", "milestone")
    assert kind.fields["depends_on"].is_ref and kind.fields["depends_on"].is_list
    assert kind.fields["blocks"].ref_kinds == ()
    assert kind.fields["parent"].ref_kinds == ("task",) and kind.fields["parent"].is_ref
    with pytest.raises(SchemaError, match="'kind' must name a kind$"):
        Kind.from_dict("t", {"fields": {"p": {"type": "ref", "kind": ["a", "b"]}}}, "t.yaml")
    with pytest.raises(SchemaError, match="or a list of kinds"):
        Kind.from_dict("t", {"fields": {"p": {"type": "refs", "kind": 3}}}, "t.yaml")


def test_final_statuses_declared_both_ways_and_by_default():
    listed = Kind.from_dict("a", {"workflow": {"statuses": ["todo", "doing", "done", "dropped"],
                                               "final": ["done", "dropped"]}}, "a.yaml")
    assert listed.workflow.final == ("done", "dropped")
    marked = Kind.from_dict("b", {"workflow": {"statuses": [
        "todo", {"name": "done", "final": True}, {"name": "later"}]}}, "b.yaml")
    assert marked.workflow.statuses == ("todo", "done", "later")
    assert marked.workflow.final == ("done",)
    ends = Kind.from_dict("c", {"workflow": {"statuses": ["new", "open", "won", "lost"],
                                             "transitions": {"new": ["open"],
                                                             "open": ["won", "lost"]}}}, "c")
    assert ends.workflow.final == ("won", "lost")  # no transition leaves them
    last = Kind.from_dict("d", {"workflow": {"statuses": ["x", "y"]}}, "d.yaml")
    assert last.workflow.final == ("y",)
    with pytest.raises(SchemaError, match="final: unknown status 'gone'"):
        Kind.from_dict("e", {"workflow": {"statuses": ["x"], "final": ["gone"]}}, "e.yaml")


def test_templates_mark_their_final_statuses(project, tmp_path):
    issue = json.loads(ok(project, "show", new(project, "x"), "--format", "json"))
    assert "depends_on" not in issue  # empty until given
    text = (project / ".tracker/kinds/issue.yaml").read_text(encoding="utf-8")
    assert "final: [done, closed]" in text and "type: refs" in text
    camp = tmp_path / "camp"
    camp.mkdir()
    git(camp, "init", "-q")
    ok(camp, "init", "--template", "campaign")
    session = (camp / ".tracker/kinds/session.yaml").read_text(encoding="utf-8")
    assert "final: [done, reported, validated, cancelled]" in session
    assert "depends_on: {type: refs, kind: [training, session]" in session
    operation = (camp / ".tracker/kinds/operation.yaml").read_text(encoding="utf-8")
    assert "depends_on: {type: refs, kind: [operation]" in operation
    for made in (project, camp):  # every kind with a workflow marks its final statuses
        for path in sorted((made / ".tracker/kinds").glob("*.yaml")):
            text = path.read_text(encoding="utf-8")
            assert "workflow:" not in text or "\n  final: [" in text, path.name


def test_campaign_session_waits_for_a_training(tmp_path):
    camp = tmp_path / "camp"
    camp.mkdir()
    git(camp, "init", "-q")
    ok(camp, "init", "--template", "campaign")
    training = new(camp, "Formation porte-à-porte", "date=2027-03-01", kind="training")
    team = new(camp, "Équipe Nord", kind="team")
    session = new(camp, "Samedi", "date=2027-03-06", f"depends_on={training}", kind="session")
    assert [r["id"] for r in rows(camp, "blocked", "session")] == [session]
    ok(camp, "move", training, "held")
    assert [r["id"] for r in rows(camp, "ready", "session")] == [session]
    error = fails(camp, 1, "set", session, f"depends_on={team}")  # a team is no training
    assert f"dependency on '{team}', which is not a training or session" in error
    assert "nothing was written" in error
    path = camp / "sessions" / f"{session}.md"  # by hand: `check` says the same
    path.write_text(path.read_text(encoding="utf-8").replace(training, team), encoding="utf-8")
    problems = json.loads(run_tracker(camp, "check", "--format", "json").stdout)
    assert [p["message"] for p in problems if p["field"] == "depends_on"] == [
        f"dependency on '{team}', which is not a training or session"]
    git(camp, "checkout", "-q", "--", ".")
    phase = new(camp, "Phase 1", "start=2027-03-01", "end=2027-03-15", "target=100",
                kind="operation")
    second = new(camp, "Phase 2", "start=2027-03-16", "end=2027-04-01", "target=100",
                 f"depends_on={phase}", kind="operation")
    assert [w["id"] for w in rows(camp, "blocked", "operation")[0]["waiting_for"]] == [phase]
    assert rows(camp, "blocked", "operation")[0]["id"] == second


# ---------------------------------------------------------------- check and the gate


def test_find_cycles_names_every_dependency_on_a_cycle():
    from tracker.core.cycles import find_cycles, path_back

    edges = {"a": ["b", "c"], "b": ["a"], "c": ["a", "d"], "d": [], "e": ["e"],
             "f": ["g"], "g": ["h"], "h": ["f", "zz-missing"]}
    assert find_cycles(edges) == [["a", "b", "a"], ["a", "c", "a"], ["e", "e"],
                                  ["f", "g", "h", "f"]]
    assert find_cycles({"a": ["b"], "b": ["c"], "c": []}) == []
    chain = {f"n{k:05d}": [f"n{k + 1:05d}"] for k in range(20000)}
    chain["n20000"] = ["n00000"]  # one long loop: no recursion limit met
    (cycle,) = find_cycles(chain)
    assert len(cycle) == 20002 and cycle[0] == cycle[-1] == "n00000"
    assert path_back({"b": ["c"], "c": ["a"]}, "a", ["b"]) == ["a", "b", "c", "a"]
    assert path_back({"b": ["c"]}, "a", ["b"]) == []



def test_check_names_every_cycle_and_missing_dependency(project):
    a, b, c, d = (new(project, t) for t in "ABCD")
    ok(project, "set", b, f"depends_on={a}")
    ok(project, "set", c, f"depends_on={b}")
    path = project / "issues" / f"{a}.md"  # written by hand: the gate would refuse it
    path.write_text(path.read_text(encoding="utf-8").replace(
        "status: open", f"status: open\ndepends_on: [{c}, issue-gone0000]"), encoding="utf-8")
    selfish = project / "issues" / f"{d}.md"
    selfish.write_text(selfish.read_text(encoding="utf-8").replace(
        "status: open", f"status: open\ndepends_on: [{d}]"), encoding="utf-8")
    done = run_tracker(project, "check", "--format", "json")
    assert done.returncode == 1, done.stderr
    found = {(p["path"], p["field"], p["message"]) for p in json.loads(done.stdout)}
    first = min(a, b, c)
    loop = {a: c, c: b, b: a}  # a waits for c, c for b, b for a
    cycle = [first]
    while len(cycle) < 4:
        cycle.append(loop[cycle[-1]])
    assert (f"issues/{first}.md", "depends_on", "dependency cycle: " + " → ".join(cycle)) in found
    assert (f"issues/{a}.md", "depends_on",
            "dependency on a missing item 'issue-gone0000'") in found
    assert (f"issues/{d}.md", "depends_on", f"dependency cycle: {d} → {d}") in found
    text = run_tracker(project, "check")
    assert f"issues/{a}.md:4: depends_on: dependency on a missing item" in text.stdout


def test_the_gate_refuses_a_write_that_makes_a_cycle(project):
    a, b, c = (new(project, t) for t in "ABC")
    ok(project, "set", b, f"depends_on={a}")
    ok(project, "set", c, f"depends_on={b}")
    before, text = head(project), (project / "issues" / f"{a}.md").read_bytes()
    error = fails(project, 1, "set", a, f"depends_on={c}")
    assert f"dependency cycle: {a} → {c} → {b} → {a} (nothing was written)" in error
    assert error.startswith(f"Error: issues/{a}.md:")
    error = fails(project, 1, "set", a, f"depends_on={a}")
    assert f"dependency cycle: {a} → {a}" in error
    assert head(project) == before and (project / "issues" / f"{a}.md").read_bytes() == text
    ok(project, "set", a, f"depends_on={new(project, 'D')}")  # no cycle: written
    # an edit keeping a cycle already there (written by hand) is not refused for it
    path = project / "issues" / f"{a}.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("depends_on: [", f"depends_on: [{c}, "), encoding="utf-8")
    git(project, "commit", "-qam", "by hand")
    ok(project, "set", a, "priority=high")


def test_an_import_closing_a_cycle_through_records_admitted_before_is_refused(project):
    """X (on disk) waits for Z, which does not exist yet; an import writes Y waiting for
    X, then Z waiting for Y: Z closes the cycle, the import is refused, nothing written."""
    from tracker.api import Tracker
    from tracker.model.errors import TrackerError

    x = new(project, "X")
    path = project / "issues" / f"{x}.md"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "status: open", "status: open\ndepends_on: [issue-zzzz0001]"), encoding="utf-8")
    git(project, "commit", "-qam", "by hand")
    before = head(project)
    t = Tracker(project)
    records = [{"id": "issue-yyyy0001", "title": "Y", "depends_on": [x]},
               {"id": "issue-zzzz0001", "title": "Z", "depends_on": ["issue-yyyy0001"]}]
    with pytest.raises(TrackerError) as refused:
        t.upsert("issue", records, id_field="id", message=lambda n: f"import {n}",
                 gate=t.batch_gate())
    assert str(refused.value) == ("record 2: depends_on: dependency cycle: issue-zzzz0001 → "
                                  f"issue-yyyy0001 → {x} → issue-zzzz0001 (nothing was written)")
    assert head(project) == before and not (project / "issues/issue-yyyy0001.md").exists()


# ---------------------------------------------------------------- ready and blocked


def test_ready_order_and_what_blocked_waits_for(project):
    low = new(project, "Low", "priority=low")
    high_late = new(project, "High, due late", "priority=high", "due=2026-06-01")
    high_soon = new(project, "High, due soon", "priority=high", "due=2026-04-01")
    high_none = new(project, "High, no due date", "priority=high")
    urgent = new(project, "Urgent but waits", "priority=urgent", f"depends_on={low}")
    claimed = new(project, "Claimed", "priority=urgent", "assignee=bob")
    done = new(project, "Done", "priority=urgent")
    ok(project, "move", done, "in-progress")
    ok(project, "move", done, "done")
    missing = new(project, "Waits for a final one", f"depends_on={done}")
    ready = rows(project, "ready")
    assert [r["id"] for r in ready] == [high_soon, high_late, high_none, missing, low]
    listed = {r["id"]: r for r in rows(project, "list")}
    assert ready == [listed[r["id"]] for r in ready]  # rows as `list --format json` prints
    assert claimed not in [r["id"] for r in ready] and done not in [r["id"] for r in ready]
    blocked = rows(project, "blocked")
    assert [(r["id"], r["waiting_for"]) for r in blocked] == [
        (urgent, [{"id": low, "status": "open"}])]
    assert [r["id"] for r in rows(project, "ready", "issue", "--where", "priority == 'low'")] \
        == [low]
    table = ok(project, "blocked")
    assert f"{low} (open)" in table and "WAITING_FOR" in table
    assert ok(project, "ready", "--format", "ids").split() == [r["id"] for r in ready]
    ok(project, "move", low, "closed")
    assert urgent == rows(project, "ready")[0]["id"]  # urgent: the highest priority
    assert rows(project, "blocked") == []


def test_ready_is_oldest_first_among_equals(project):
    first = new(project, "First")
    later = subprocess.run([*tracker_exe(), "new", "issue", "Later"], cwd=project, text=True,
                           capture_output=True,
                           env={**os.environ, "TRACKER_NOW": "2026-03-02T10:00:00+01:00"})
    assert later.returncode == 0, later.stderr
    earlier = subprocess.run([*tracker_exe(), "new", "issue", "Earlier"], cwd=project,
                             text=True, capture_output=True,
                             env={**os.environ, "TRACKER_NOW": "2026-02-01T10:00:00+01:00"})
    assert [r["id"] for r in rows(project, "ready")] == [
        earlier.stdout.strip(), first, later.stdout.strip()]


def test_a_dependency_on_a_missing_item_blocks(project):
    a = new(project, "A")
    path = project / "issues" / f"{a}.md"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "status: open", "status: open\ndepends_on: [issue-gone0000]"), encoding="utf-8")
    assert rows(project, "blocked")[0]["waiting_for"] == [
        {"id": "issue-gone0000", "status": "missing"}]
    assert rows(project, "ready") == []


def test_a_file_that_cannot_be_read_is_named_not_dropped_in_silence(project):
    a = new(project, "A")
    b = new(project, "B", f"depends_on={a}")
    write_tree(project, {"issues/issue-brok0000.md": "---\ntitle: [broken\n---\n"})
    for args in (("ready",), ("blocked",), ("ready", "issue"), ("graph",), ("graph", b)):
        done = run_tracker(project, *args, "--format", "json")
        assert done.returncode == 0 and "Traceback" not in done.stderr, (args, done.stderr)
        json.loads(done.stdout)
        assert done.stderr.startswith("warning: issues/issue-brok0000.md:3: invalid YAML"), \
            (args, done.stderr)
        assert done.stderr.rstrip().endswith("(left out)")
    assert [r["id"] for r in rows(project, "ready")] == [a]
    ok(project, "claim", a, "--as", "alice")
    nothing = json_error(project, 1, "ready", "--claim", "--as", "bob", "--format", "json")
    assert nothing == {"error": "nothing is ready to claim", "problems": []}
    text = run_tracker(project, "ready", "--claim", "--as", "bob")
    assert text.returncode == 1 and "issue-brok0000.md" in text.stderr


# ---------------------------------------------------------------- graph


def test_graph_of_an_item_up_and_down_in_every_format(project):
    a = new(project, 'Say "hi" <script>alert(1)</script>')
    b = new(project, "B", f"depends_on={a}")
    c = new(project, "C", f"depends_on={b}")
    other = new(project, "Unrelated")
    graph = json.loads(ok(project, "graph", b, "--format", "json"))
    assert [n["id"] for n in graph["nodes"]] == sorted([a, b, c])
    assert sorted((e["from"], e["to"]) for e in graph["edges"]) == sorted([(b, a), (c, b)])
    assert {n["id"]: n["status"] for n in graph["nodes"]}[a] == "open"
    text = ok(project, "graph", c)
    assert f"{c} (open) C\n  waits for {b} (open) B\n" in text and other not in text
    dot = ok(project, "graph", b, "--format", "dot")
    assert dot.startswith("digraph dependencies {") and f'"{b}" -> "{a}";' in dot
    assert '\\"hi\\"' in dot  # quotes escaped inside the label
    mermaid = ok(project, "graph", b, "--format", "mermaid")
    assert mermaid.startswith("flowchart BT") and "<script>" not in mermaid
    assert "#34;hi#34;" in mermaid and " --> " in mermaid
    assert other not in ok(project, "graph")  # the whole graph: items in a dependency
    assert [n["id"] for n in json.loads(ok(project, "graph", "issue", "--format",
                                           "json"))["nodes"]] == sorted([a, b, c, other])
    assert "issue-nope0000" in fails(project, 1, "graph", "issue-nope0000")


def test_graph_shows_status_labels_for_people_and_slugs_for_programs(project, tmp_path):
    a = new(project, "A", "status=in-progress")
    b = new(project, "B", f"depends_on={a}")
    text = ok(project, "graph", b)
    assert f"waits for {a} (In progress) A" in text, text
    assert f"{a} (in-progress) A" in ok(project, "graph", b, "--raw")
    assert f"{a} (in-progress) A" in ok(project, "--raw", "graph", b)
    assert "In progress" in ok(project, "graph", b, "--format", "mermaid")
    assert "(In progress)" in ok(project, "graph", b, "--format", "dot")
    graph = json.loads(ok(project, "graph", b, "--format", "json"))
    assert {n["id"]: n["status"] for n in graph["nodes"]}[a] == "in-progress"
    assert all("shown" not in n for n in graph["nodes"])
    ok(project, "report", "site", "--out", str(tmp_path / "site"))
    page = (tmp_path / "site" / "items/issue" / f"{b}.html").read_text(encoding="utf-8")
    assert f"{a} · In progress" in page and f"{a} · in-progress" not in page


def test_site_item_page_shows_the_graph_as_escaped_svg(project, tmp_path):
    a = new(project, "<img src=x onerror=alert(1)> & co")
    b = new(project, "B", f"depends_on={a}")
    alone = new(project, "Alone")
    out = tmp_path / "site"
    ok(project, "report", "site", "--out", str(out))
    page = (out / "items/issue" / f"{b}.html").read_text(encoding="utf-8")
    assert "<svg" in page and "dependency-graph" in page
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt; &amp; co" in page
    assert f'href="../../items/issue/{a}.html"' in page
    assert "<svg" not in (out / "items/issue" / f"{alone}.html").read_text(encoding="utf-8")
    assert "<figcaption>" not in page  # nothing left out of a small graph


def test_site_item_page_draws_the_nearest_items_of_a_long_chain(project, tmp_path):
    """A chain of 80 items and a hub 60 wait for: each page draws at most PAGE_LIMIT
    boxes, the nearest first, and says where the whole graph is; not 80 boxes a page."""
    from tracker.reports.graph import PAGE_LIMIT

    ids = [f"issue-c{k:07d}" for k in range(80)]
    files = {}
    for k, item in enumerate(ids):
        dep = f"depends_on: [{ids[k + 1]}]\n" if k + 1 < len(ids) else ""
        files[f"issues/{item}.md"] = f"---\ntitle: Step {k}\nstatus: open\n{dep}---\n"
    files["issues/issue-hub00000.md"] = "---\ntitle: Hub\nstatus: open\n---\n"
    for k in range(60):
        files[f"issues/issue-w{k:07d}.md"] = ("---\ntitle: Waits\nstatus: open\n"
                                               "depends_on: [issue-hub00000]\n---\n")
    write_tree(project, files)
    git(project, "add", "-A")
    git(project, "commit", "-qm", "a long chain and a hub")
    out = tmp_path / "site"
    ok(project, "report", "site", "--out", str(out))
    page = (out / "items/issue/issue-c0000040.html").read_text(encoding="utf-8")
    assert page.count('<g class="node">') == PAGE_LIMIT
    for near in ("issue-c0000039", "issue-c0000040", "issue-c0000041"):
        assert f"<title>{near} " in page
    assert "<title>issue-c0000000 " not in page and "<title>issue-c0000079 " not in page
    assert "tracker graph issue-c0000040</code>" in page
    hub = (out / "items/issue/issue-hub00000.html").read_text(encoding="utf-8")
    assert hub.count('<g class="node">') == PAGE_LIMIT and "<figcaption>" in hub
    leaf = (out / "items/issue/issue-w0000007.html").read_text(encoding="utf-8")
    assert leaf.count('<g class="node">') == 2 and "<figcaption>" not in leaf
    whole = json.loads(ok(project, "graph", "issue-c0000040", "--format", "json"))
    assert len(whole["nodes"]) == 80  # `tracker graph` itself draws it all


# ---------------------------------------------------------------- claim and release


def test_claim_and_release_in_one_commit_each(project):
    item = new(project, "Work")
    before = len(subjects(project))
    out = ok(project, "claim", item, "--as", "alice")
    assert out == f"{item} claimed by alice (in-progress)\n"
    assert subjects(project)[0] == f"claim {item}: status open → in-progress by alice"
    assert len(subjects(project)) == before + 1
    shown = json.loads(ok(project, "show", item, "--format", "json"))
    assert (shown["assignee"], shown["status"]) == ("alice", "in-progress")
    assert fails(project, 1, "claim", item, "--as", "bob") == f"Error: {item} is claimed by alice"
    ok(project, "claim", item, "--as", "alice")  # again: nothing changes
    assert len(subjects(project)) == before + 1
    released = json.loads(ok(project, "release", item, "--format", "json"))
    assert released["status"] == "open" and "assignee" not in released
    assert subjects(project)[0] == f"release {item}: status in-progress → open (was alice)"
    assert "not claimed" in fails(project, 1, "release", item)
    # claimed from a status past the initial one: stays there, and release keeps it
    ok(project, "move", item, "in-progress")
    ok(project, "claim", item, "--as", "carol")
    ok(project, "release", item)
    assert json.loads(ok(project, "show", item, "--format", "json"))["status"] == "in-progress"
    ok(project, "move", item, "done")
    assert "its work is over" in fails(project, 1, "claim", item, "--as", "dan")


def test_release_keeps_a_status_moved_since_the_claim(project):
    item = new(project, "Work")
    ok(project, "claim", item, "--as", "alice")
    ok(project, "move", item, "done")
    ok(project, "release", item)
    assert json.loads(ok(project, "show", item, "--format", "json"))["status"] == "done"


def test_claim_names_the_commits_author_by_default(project):
    item = new(project, "Work")
    assert "claimed by Ada Test" in ok(project, "claim", item)  # GIT_AUTHOR_NAME (conftest)
    ok(project, "release", item)
    git(project, "config", "user.name", "Grace Hopper")
    env = {k: v for k, v in os.environ.items() if k not in ("GIT_AUTHOR_NAME",
                                                            "GIT_COMMITTER_NAME")}
    done = subprocess.run([*tracker_exe(), "claim", item], cwd=project, text=True,
                          capture_output=True, env=env)
    assert done.returncode == 0 and "claimed by Grace Hopper" in done.stdout, done.stderr


def test_claim_of_an_item_without_workflow(project):
    write_tree(project, {".tracker/kinds/note.yaml": "fields:\n  assignee: string\n"})
    git(project, "add", "-A")
    git(project, "commit", "-qm", "note kind")
    note = new(project, "A note", kind="note")
    ok(project, "claim", note, "--as", "alice")
    assert subjects(project)[0] == f"claim {note}: by alice"
    ok(project, "release", note)
    assert subjects(project)[0] == f"release {note}: (was alice)"


def test_ready_claim_takes_the_first_ready_item(project):
    low = new(project, "Low", "priority=low")
    high = new(project, "High", "priority=high")
    claimed = json.loads(ok(project, "ready", "--claim", "--as", "alice", "--format", "json"))
    assert (claimed["id"], claimed["assignee"]) == (high, "alice")
    assert ok(project, "ready", "--claim", "--as", "bob").startswith(f"{low} claimed by bob")
    assert fails(project, 1, "ready", "--claim", "--as", "carol") == \
        "Error: nothing is ready to claim"
    nothing = json_error(project, 1, "ready", "issue", "--claim", "--format", "json")
    assert nothing == {"error": "nothing is ready to claim in issue", "problems": []}


def test_a_strict_kind_without_assignee_cannot_be_claimed(tmp_path):
    camp = tmp_path / "camp"
    camp.mkdir()
    git(camp, "init", "-q")
    ok(camp, "init", "--template", "campaign")
    session = new(camp, "Samedi", "date=2027-03-06", kind="session")
    assert "has no 'assignee' field" in fails(camp, 1, "claim", session, "--as", "a")


# ---------------------------------------------------------------- the race on a remote


@pytest.fixture
def shared(tmp_path: Path) -> tuple[Path, Path, str]:
    remote = bare_remote(tmp_path)
    first = clone(remote, tmp_path / "first")
    ok(first, "init")
    item = new(first, "The one task")
    git(first, "push", "-q", "origin", "main")
    return remote, first, item


def test_eight_clones_race_to_claim_one_item(shared, tmp_path):
    remote, _, item = shared
    clones = [clone(remote, tmp_path / f"c{n}") for n in range(8)]
    racers = [subprocess.Popen([*tracker_exe(), "claim", item, "--sync", "--as", f"clone{n}"],
                               cwd=root, text=True, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE) for n, root in enumerate(clones)]
    results = [(p.wait(timeout=120), *p.communicate()) for p in racers]
    winners = [n for n, (code, _, _) in enumerate(results) if code == 0]
    assert len(winners) == 1, results
    winner = f"clone{winners[0]}"
    for n, (code, out, err) in enumerate(results):
        if n != winners[0]:
            assert code == 1, (n, code, out, err)
            assert err.strip() == f"Error: {item} is claimed by {winner}", err
            assert "Traceback" not in err
    claims = [s for s in subjects(remote, "main") if s.startswith("claim ")]
    assert claims == [f"claim {item}: status open → in-progress by {winner}"]
    for root in clones:  # no loser kept a claim of its own
        assert not [s for s in subjects(root) if s.startswith("claim ") and winner not in s]


def test_a_claim_whose_push_loses_is_dropped_and_names_the_winner(shared, tmp_path):
    """Clone b commits its claim; before its push, a hook has clone a claim and push
    first: b's push loses, b drops its claim commit, fetches, and names a."""
    remote, _, item = shared
    a, b = clone(remote, tmp_path / "a"), clone(remote, tmp_path / "b")
    hook = b / ".git" / "hooks" / "pre-push"
    hook.write_text("#!/bin/sh\n"
                    "[ -e \"$0.done\" ] && exit 0\ntouch \"$0.done\"\n"
                    "unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE\n"
                    f"cd '{a}' && exec {' '.join(tracker_exe())} claim {item} --sync "
                    "--as alice >/dev/null\n", encoding="utf-8")
    hook.chmod(0o755)
    assert fails(b, 1, "claim", item, "--sync", "--as", "bob") == \
        f"Error: {item} is claimed by alice"
    assert head(b) == head(remote, "main")
    assert [s for s in subjects(remote, "main") if s.startswith("claim ")] == [
        f"claim {item}: status open → in-progress by alice"]
    assert json.loads(ok(b, "show", item, "--format", "json"))["assignee"] == "alice"
    assert git(b, "status", "--porcelain") == ""


def test_clones_racing_for_ready_work_each_get_another_item(shared, tmp_path):
    remote, first, item = shared
    second = new(first, "The other task")
    git(first, "push", "-q", "origin", "main")
    clones = [clone(remote, tmp_path / f"r{n}") for n in range(4)]
    racers = [subprocess.Popen([*tracker_exe(), "ready", "--claim", "--sync", "--as", f"r{n}",
                                "--format", "json"], cwd=root, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
              for n, root in enumerate(clones)]
    results = [(p.wait(timeout=120), *p.communicate()) for p in racers]
    won = [json.loads(out) for code, out, _ in results if code == 0]
    assert sorted(w["id"] for w in won) == sorted([item, second]), results
    for code, out, err in results:
        if code != 0:
            assert code == 1 and out == "" and json.loads(err) == {
                "error": "nothing is ready to claim", "problems": []}, (code, out, err)
    claims = [s for s in subjects(remote, "main") if s.startswith("claim ")]
    assert len(claims) == 2


def test_sync_config_makes_every_claim_a_compare_and_swap(shared):
    remote, first, item = shared
    config = first / ".tracker" / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "sync:\n  claim: true\n",
                      encoding="utf-8")
    git(first, "commit", "-qam", "claims go through the remote")
    ok(first, "claim", item, "--as", "alice")
    assert head(remote, "main") == head(first)
    assert subjects(remote, "main")[0].startswith(f"claim {item}:")
    second = new(first, "Second")
    ok(first, "claim", second, "--as", "alice", "--no-sync")
    assert head(remote, "main") != head(first)  # --no-sync: a local claim only


# ---------------------------------------------------------------- errors as JSON


def json_error(root: Path, code: int, *args: str) -> dict:
    done = run_tracker(root, *args)
    assert done.returncode == code, (args, done.returncode, done.stderr)
    assert done.stdout == ""
    error = json.loads(done.stderr)
    assert set(error) == {"error", "problems"}
    return error


def test_errors_are_json_on_stderr_with_format_json(project):
    item = new(project, "A")
    missing = json_error(project, 1, "show", "issue-nope0000", "--format", "json")
    assert "issue-nope0000" in missing["error"] and missing["problems"] == []
    typed = json_error(project, 2, "set", item, "priority=extreme", "--format", "json")
    assert typed["problems"] == [{"path": None, "line": None, "field": "priority",
                                  "message": typed["problems"][0]["message"]}]
    assert "'extreme' is not allowed" in typed["problems"][0]["message"]
    other = new(project, "B", f"depends_on={item}")
    cycle = json_error(project, 1, "set", item, f"depends_on={other}", "--format=json")
    assert cycle["problems"] == [{"path": f"issues/{item}.md", "line": 5, "field": "depends_on",
                                  "message": f"dependency cycle: {item} → {other} → {item} "
                                             "(nothing was written)"}]
    usage = json_error(project, 2, "ready", "--format", "json", "--bogus")
    assert "--bogus" in usage["error"]
    where = json_error(project, 2, "list", "--format", "json", "--where", "((")
    assert where["error"]
    ok(project, "claim", other, "--as", "alice")
    claimed = json_error(project, 1, "claim", other, "--as", "bob", "--format", "json")
    assert claimed == {"error": f"{other} is claimed by alice", "problems": []}
    plain = run_tracker(project, "show", "issue-nope0000")  # without it: one line, as ever
    assert plain.stderr.startswith("Error: ") and plain.returncode == 1


def test_the_graph_renders_in_chromium_and_links_to_the_dependency(project, tmp_path):
    from tests.browser import chromium
    a = new(project, "<script>window.pwned = 1</script>")
    b = new(project, "B", f"depends_on={a}")
    out = tmp_path / "site"
    ok(project, "report", "site", "--out", str(out))
    errors: list[str] = []
    with chromium() as browser:
        page = browser.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto((out / "items/issue" / f"{b}.html").as_uri())
        graph = page.locator("svg.dependency-graph")
        assert graph.count() == 1 and graph.bounding_box()["height"] > 0
        assert page.locator("svg.dependency-graph g.node").count() == 2
        assert page.evaluate("window.pwned") is None
        page.locator("svg.dependency-graph a").first.click()
        page.wait_for_url(f"**/{a}.html")
        assert page.locator("h1").inner_text() == "<script>window.pwned = 1</script>"
        assert page.evaluate("window.pwned") is None
    assert errors == []


def test_serve_forms_edit_refs_as_a_list_of_items():
    """`tracker serve`'s form for an issue offers depends_on as chips with an item picker,
    and posts the chosen ids back as a list."""
    from starlette.datastructures import FormData

    from tracker.serve import forms

    kind = Kind.from_dict("issue", {"fields": {"depends_on": {"type": "refs",
                                                              "kind": ["issue"]}}}, "i.yaml")
    spec = kind.fields["depends_on"]
    words = forms.words(None)  # the catalog, model/language.py
    html = forms.widget(spec, ["issue-a1", "issue-<b>"], {}, words)
    assert 'name="depends_on" value="issue-a1" checked' in html
    assert "issue-&lt;b&gt;" in html and "issue-<b>" not in html
    assert 'list="refs-issue"' in html
    posted = FormData([("depends_on__list", "1"), ("depends_on", "issue-a1"),
                       ("depends_on", " issue-c3 ")])
    assert forms.form_values(kind, posted) == {"depends_on": "[issue-a1, issue-c3]"}
