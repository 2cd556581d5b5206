"""A tracker in a SHA-256 repository (`git init --object-format=sha256`) works as in a
SHA-1 one: the same history is built in both through the installed console script, and
every command prints the same thing in both once commit ids and item ids are named
alike. Object ids there are 64 hex digits, and git's null id is 64 zeros: nothing may
count them, nor hash a blob with SHA-1 (the snapshot and the commit splicer step aside,
git's own commands do the work)."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.helpers import commit_all, git, run_tracker, write_tree

D1 = "2026-03-02T10:00:00+01:00"
D2 = "2026-03-05T11:00:00+01:00"
D3 = "2026-03-09T12:00:00+01:00"
D4 = "2026-03-12T13:00:00+01:00"
D5 = "2026-03-15T14:00:00+01:00"


def at(when: str) -> dict[str, str]:
    return {"GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when, "TRACKER_NOW": when}


def tracker(folder: Path, *args: str, when: str = D1, code: int | None = 0
            ) -> subprocess.CompletedProcess[str]:
    done = run_tracker(folder, *args, env=at(when))
    assert "Traceback" not in done.stderr, (args, done.stderr)
    if code is not None:
        assert done.returncode == code, (args, done.returncode, done.stderr)
    return done


def build(folder: Path, object_format: str) -> dict[str, str]:
    """One history: init, new, set, move, a hand edit, a removal, a shard, more sets."""
    folder.mkdir()
    git(folder, "init", "-q", f"--object-format={object_format}")
    assert git(folder, "rev-parse", "--show-object-format").strip() == object_format
    tracker(folder, "init")
    kind = folder / ".tracker" / "kinds" / "issue.yaml"  # ids from a key: alike in both
    text = re.sub(r"\nid:\n(  .*\n)+", '\nid:\n  key: "issue-{code}"\n', kind.read_text())
    kind.write_text(text.replace("\nfields:\n", "\nfields:\n  code:\n    type: string\n"))
    commit_all(folder, "ids from a key")
    a = tracker(folder, "new", "issue", "Imprimer les tracts", "--set", "priority=high",
                "--set", "tags=tracts,print", "--set", "code=a1").stdout.strip()
    b = tracker(folder, "new", "issue", "Réserver la salle", "--set", "code=b2",
                when=D2).stdout.strip()
    tracker(folder, "set", a, "assignee=mob-93-017", "due=2026-04-01", when=D2)
    tracker(folder, "move", a, "in-progress", when=D3)
    path = folder / "issues" / f"{b}.md"
    path.write_text(path.read_text().replace("Réserver la salle", "Réserver la grande salle"))
    env = {**os.environ, **at(D3)}
    subprocess.run(["git", "commit", "-qam", "Bob renames B by hand"], cwd=folder, check=True,
                   env=env)
    c = tracker(folder, "new", "issue", "Appeler la mairie", "--set", "code=c3",
                when=D4).stdout.strip()
    git(folder, "rm", "-q", f"issues/{c}.md")
    subprocess.run(["git", "commit", "-qm", "remove C"], cwd=folder, check=True,
                   env={**os.environ, **at(D4)})
    tracker(folder, "shard", "issue", "1", when=D5)
    tracker(folder, "set", a, "status=done", when=D5)
    tracker(folder, "set", b, "priority=low", "--no-commit", when=D5)  # the work tree differs
    return {"A": a, "B": b, "C": c}


READS = [
    ("list",),
    ("list", "--format", "json"),
    ("list", "--where", "priority == 'low'", "--format", "ids"),
    ("check",),
    ("check", "--format", "json"),
    ("check", "--since", "HEAD~3"),
    ("show", "{A}"),
    ("show", "{A}", "--format", "json"),
    ("log", "{A}"),
    ("log", "{A}", "--format", "json"),
    ("log", "{B}"),
    ("log", "{C}"),
    ("log",),
    ("log", "--since", "2026-03-05", "--until", "2026-03-12"),
    ("blame", "{A}"),
    ("blame", "{B}", "--format", "json"),
    ("show", "{A}", "--at", "HEAD~2"),
    ("show", "{A}", "--at", "2026-03-05"),
    ("show", "{C}", "--at", "HEAD~3", "--format", "json"),
    ("list", "--at", "HEAD~3"),
    ("list", "--at", "2026-03-09", "--format", "json"),
    ("list", "--at", "2026-03-12T23:00:00+01:00", "--format", "ids"),
    ("diff",),
    ("diff", "HEAD~4"),
    ("diff", "HEAD~4", "HEAD"),
    ("diff", "HEAD~6..HEAD", "--format", "json"),
    ("diff", "HEAD~2...HEAD", "--format", "md"),
    ("export", "json"),
    ("report", "summary"),
]


def normalised(text: str, folder: Path, ids: dict[str, str]) -> str:
    """The output with each commit id (full or abbreviated) named by its place in the
    history, and each item id by its role."""
    commits = git(folder, "rev-list", "--all").split()
    places = {sha: f"<commit {n}>" for n, sha in enumerate(commits)}

    def commit(match: re.Match[str]) -> str:
        found = [places[sha] for sha in places if sha.startswith(match.group(0))]
        return found[0] if len(found) == 1 else match.group(0)

    for role, item_id in ids.items():
        text = text.replace(item_id, f"<{role}>")
    text = text.replace(str(folder), "<repo>")
    return re.sub(r"\b[0-9a-f]{7,64}\b", commit, text)


@pytest.fixture(scope="module")
def twins(tmp_path_factory):
    made = {}
    for object_format in ("sha1", "sha256"):
        folder = tmp_path_factory.mktemp(object_format) / "repo"
        made[object_format] = folder, build(folder, object_format)
    return made


@pytest.mark.parametrize("args", READS, ids=" ".join)
def test_every_read_prints_in_sha256_what_it_prints_in_sha1(twins, args):
    outputs = {}
    for object_format, (folder, ids) in twins.items():
        typed = [a.format(**ids) for a in args]
        done = tracker(folder, *typed, code=None)
        assert done.returncode in (0, 1), (typed, done.returncode, done.stderr)
        outputs[object_format] = (done.returncode, normalised(done.stdout, folder, ids),
                                  normalised(done.stderr, folder, ids))
    assert outputs["sha256"] == outputs["sha1"]


def test_the_history_in_sha256_is_the_one_built(twins):
    folder, ids = twins["sha256"]
    log = tracker(folder, "log", ids["A"]).stdout
    for change in ("status: in-progress -> done", "assignee: (none) -> mob-93-017",
                   "status: open -> in-progress", "created"):
        assert change in log, log
    blame = tracker(folder, "blame", ids["A"], "--format", "json").stdout
    assert len(re.findall(r'"[0-9a-f]{64}"', blame)) >= 3  # full SHA-256 commit ids
    gone = tracker(folder, "show", ids["C"], "--at", "HEAD~3", "--format", "json").stdout
    assert "Appeler la mairie" in gone
    diff = tracker(folder, "diff", "HEAD~6..HEAD", "--format", "json").stdout
    assert ids["A"] in diff and ids["B"] in diff


def test_the_site_renders_in_sha256(twins, tmp_path):
    pages = {}
    for object_format, (folder, _ids) in twins.items():
        out = tmp_path / object_format
        tracker(folder, "report", "site", "--out", str(out))
        pages[object_format] = sorted(p.relative_to(out).as_posix() for p in out.rglob("*")
                                      if p.is_file())
        index = (out / "index.html").read_text(encoding="utf-8")
        assert "Imprimer les tracts" in index
    assert len(pages["sha256"]) == len(pages["sha1"])


def test_writes_in_sha256_make_commits_git_accepts(twins):
    folder, ids = twins["sha256"]
    tracker(folder, "set", ids["B"], "priority=urgent", when=D5)
    new = tracker(folder, "new", "issue", "Après le shard", "--set", "code=d4",
                  when=D5).stdout.strip()
    tracker(folder, "move", new, "in-progress", when=D5)
    table = folder.parent / "rows.csv"
    table.write_text("title,code,priority\nImporté,e5,high\n")
    tracker(folder, "import", "csv", "--kind", "issue", str(table), when=D5)
    exported = folder.parent / "items.json"
    exported.write_text(tracker(folder, "export", "json").stdout.replace("Importé", "Réimporté"))
    tracker(folder, "import", "json", str(exported), when=D5)
    assert "title: Importé -> Réimporté" in tracker(folder, "log", "issue-e5").stdout
    git(folder, "rm", "-q", "issues/e/issue-e5.md")
    git(folder, "commit", "-qm", "remove the imported one")
    assert git(folder, "status", "--porcelain") == ""
    subjects = git(folder, "log", "--format=%s", "-6").splitlines()
    assert subjects[3].startswith(f"move {new}") and subjects[5].startswith(f"set {ids['B']}")
    assert subjects[1].startswith("import json") and subjects[2].startswith("import csv")
    subprocess.run(["git", "fsck", "--strict", "--no-progress"], cwd=folder, check=True,
                   capture_output=True)
    listed = tracker(folder, "list", "--format", "ids").stdout.split()
    assert sorted(listed) == sorted([ids["A"], ids["B"], new])
    assert tracker(folder, "list", "--at", "HEAD~3", "--format", "ids").stdout.split() \
        == sorted([ids["A"], ids["B"], new])


def test_sync_and_the_merge_driver_in_sha256(tmp_path):
    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", "--object-format=sha256", str(origin))
    one = tmp_path / "one"
    one.mkdir()
    git(one, "init", "-q", "--object-format=sha256")
    tracker(one, "init")
    item = tracker(one, "new", "issue", "Shared").stdout.strip()  # a random id
    git(one, "remote", "add", "origin", str(origin))
    git(one, "push", "-q", "-u", "origin", "main")
    two = tmp_path / "two"
    git(tmp_path, "clone", "-q", str(origin), str(two))
    tracker(two, "init")  # a fresh clone: the merge driver installed
    tracker(one, "set", item, "priority=high", when=D2)
    tracker(two, "set", item, "assignee=bob", when=D2)
    tracker(one, "sync", when=D3)
    tracker(two, "sync", when=D3)
    shown = tracker(two, "show", item, "--format", "json").stdout
    assert '"priority": "high"' in shown and '"assignee": "bob"' in shown
    tracker(one, "sync", when=D4)
    assert tracker(one, "show", item, "--format", "json").stdout == shown
    assert tracker(two, "check").returncode == 0


def test_a_hand_edited_item_in_sha256_is_seen_at_once(tmp_path):
    """The snapshot cannot ask git's SHA-256 index whether a file is the blob it read
    (its ids are SHA-1): it trusts only the stat rule there, and an edit shows."""
    folder = tmp_path / "repo"
    folder.mkdir()
    git(folder, "init", "-q", "--object-format=sha256")
    tracker(folder, "init")
    item = tracker(folder, "new", "issue", "Before").stdout.strip()
    assert "Before" in tracker(folder, "list").stdout
    # one item: its one blob read on its own (no batch), its log and its blame
    assert "Before" in tracker(folder, "show", item, "--at", "HEAD").stdout
    assert tracker(folder, "list", "--at", "HEAD", "--format", "ids").stdout.split() == [item]
    assert "created" in tracker(folder, "log", item).stdout
    assert "Not committed yet" not in tracker(folder, "blame", item).stdout
    path = folder / "issues" / f"{item}.md"
    for n in range(3):
        path.write_text(path.read_text().replace("title: Before" if n == 0 else f"x{n - 1}",
                                                 f"title: x{n}" if n == 0 else f"x{n}"))
        assert f"x{n}" in tracker(folder, "list").stdout
    write_tree(folder, {"issues/hand.md": "---\ntitle: By hand\nstatus: open\n---\n"})
    commit_all(folder)
    assert "By hand" in tracker(folder, "list").stdout
