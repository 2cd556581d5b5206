"""Crash safety: writing tracker processes killed with SIGKILL at random moments.

After every kill: each item file is its old or its new version, never a mix or a
truncation; the write lock (an OS flock) is free again; the next write (or `tracker
check`) settles what was cut short through the journal (store/journal.py): the files
written are committed, temporary files removed, a lock a killed git left removed when
no git runs in the repository (named, with the fix, while one does). The kill loops
over new, set, import, shard and sync are in tests/killloop.py.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests import killloop
from tests.helpers import git, run_tracker, tracker_exe
from tracker.format import frontmatter

ITERATIONS = 40
LONG = "x" * 20_000  # a value large enough that a torn write would show


@pytest.fixture
def project(tmp_path: Path) -> Path:
    folder = tmp_path / "p"
    folder.mkdir()
    assert run_tracker(folder, "init").returncode == 0
    return folder


def ok(folder: Path, *args: str) -> str:
    done = run_tracker(folder, *args)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def start(folder: Path, *args: str) -> subprocess.Popen[bytes]:
    """A tracker in its own process group, so that a kill reaches the git it runs too."""
    return subprocess.Popen([*tracker_exe(), *args], cwd=folder, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)


def kill_group(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


def item_texts(folder: Path) -> dict[str, bytes]:
    return {p.stem: p.read_bytes() for p in sorted((folder / "issues").glob("*.md"))}


def test_a_lock_held_by_a_killed_process_is_taken_over(project):
    item_id = ok(project, "new", "issue", "Locked")
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import fcntl, sys, time\n"
         "f = open(sys.argv[1], 'a+b')\n"
         "fcntl.flock(f, fcntl.LOCK_EX)\n"
         "print('locked', flush=True)\n"
         "time.sleep(600)\n", str(project / ".git" / "tracker.lock")],
        stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    holder.kill()
    holder.wait()
    assert (project / ".git" / "tracker.lock").exists()  # the file stays; the flock is gone
    ok(project, "set", item_id, "assignee=next")
    assert "assignee: next" in (project / "issues" / f"{item_id}.md").read_text()


@pytest.fixture
def live_git(project: Path):
    """A git process at work in the repository (a `cat-file --batch` waiting for input)."""
    process = subprocess.Popen(["git", "cat-file", "--batch"], cwd=project,
                               stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
    yield process
    process.kill()
    process.wait()


def one_error(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, done.stderr
    return errors[0]


@pytest.mark.parametrize("lock", ["index.lock", "HEAD.lock", "refs/heads/main.lock"])
def test_a_git_lock_is_named_with_its_fix_while_a_git_runs_in_the_repository(
        project, live_git, lock):
    item_id = ok(project, "new", "issue", "Locked by git")
    git(project, "branch", "-M", "main")
    before = item_texts(project)
    path = project / ".git" / lock
    path.write_bytes(b"")  # what a killed git leaves; but a git runs here: maybe its own
    done = run_tracker(project, "set", item_id, "assignee=bob")
    error = one_error(done)
    assert f".git/{lock} exists" in error and "remove" in error.lower(), error
    assert item_texts(project) == before and path.exists()  # refused before writing
    path.unlink()
    ok(project, "set", item_id, "assignee=bob")
    assert git(project, "status", "--porcelain") == ""


@pytest.mark.parametrize("lock", ["index.lock", "HEAD.lock", "refs/heads/main.lock"])
def test_a_git_lock_left_when_no_git_runs_is_removed_and_said(project, lock):
    item_id = ok(project, "new", "issue", "Left lock")
    git(project, "branch", "-M", "main")
    path = project / ".git" / lock
    path.write_bytes(b"")  # what a killed `git update-index` leaves
    done = run_tracker(project, "set", item_id, "assignee=bob")
    assert done.returncode == 0, done.stderr
    said = [line for line in done.stderr.splitlines() if line.startswith("Recovered:")]
    assert len(said) == 1 and f".git/{lock}" in said[0], done.stderr
    assert not path.exists()
    assert git(project, "status", "--porcelain") == ""
    assert git(project, "log", "-1", "--format=%s") == f"set {item_id}: assignee=bob\n"


def test_check_removes_a_git_lock_left_when_no_git_runs(project):
    ok(project, "new", "issue", "Checked")
    (project / ".git" / "index.lock").write_bytes(b"")
    done = run_tracker(project, "check")
    assert done.returncode == 0, done.stderr
    assert "Recovered: removed .git/index.lock" in done.stderr
    assert not (project / ".git" / "index.lock").exists()


def test_temporary_files_left_by_a_kill_are_ignored(project):
    item_id = ok(project, "new", "issue", "Temp")
    (project / "issues" / f".{item_id}.md.abc123.tmp").write_text("---\ntitle: half")
    assert ok(project, "list", "--format", "ids").split() == [item_id]
    assert run_tracker(project, "check").returncode == 0


def test_the_early_index_reader_leaves_nothing_behind_when_the_command_fails(project):
    """`set` starts `git update-index` at once (it reads the index while Python loads);
    a refused command gives it no path: no lock left, the index not rewritten."""
    item_id = ok(project, "new", "issue", "Early")
    index = project / ".git" / "index"
    before = (index.read_bytes(), index.stat().st_mtime_ns)
    done = run_tracker(project, "set", item_id, "priority=bogus")
    assert done.returncode != 0 and "priority" in done.stderr
    assert not (project / ".git" / "index.lock").exists()
    assert (index.read_bytes(), index.stat().st_mtime_ns) == before
    done = run_tracker(project, "set", "no-such-item", "priority=low")
    assert done.returncode != 0 and not (project / ".git" / "index.lock").exists()
    ok(project, "set", item_id, "priority=low")
    assert git(project, "status", "--porcelain") == ""
    assert git(project, "log", "-1", "--format=%s") == f"set {item_id}: priority=low\n"


# ---------------------------------------------------------------- the journal


def test_a_new_killed_before_its_commit_is_committed_by_the_next_write(project):
    """What a SIGKILL between the file and the commit leaves (made exactly: the journal
    opened and the file written through it by a process that then dies)."""
    first = ok(project, "new", "issue", "First")
    script = (
        "import os, sys\n"
        "from tracker.api import Tracker\n"
        "from tracker.store.files import temporary_file\n"
        "t = Tracker(sys.argv[1])\n"
        "with t.ws.lock():\n"
        "    path = t.ws.root / 'issues' / 'issue-killed01.md'\n"
        "    j = t.ws.journal('new', 'new issue-killed01: Killed')\n"
        "    j.write(path, '---\\ntitle: Killed\\nstatus: open\\n---\\n', create=True)\n"
        "    temporary_file(path.parent, '.issue-killed01.md.')\n"  # a half-written one
        "    os._exit(9)\n")
    done = subprocess.run([sys.executable, "-c", script, str(project)], capture_output=True,
                          text=True)
    assert done.returncode == 9, done.stderr
    assert (project / ".git" / "tracker-journal").exists()
    assert "?? issues/issue-killed01.md" in git(project, "status", "--porcelain")
    done = run_tracker(project, "set", first, "assignee=ada")
    assert done.returncode == 0, done.stderr
    said = [line for line in done.stderr.splitlines() if line.startswith("Recovered:")]
    assert len(said) == 1 and "'new issue-killed01: Killed'" in said[0], done.stderr
    assert "1 temporary file(s)" in said[0]
    assert git(project, "status", "--porcelain", "--untracked-files=all") == ""
    assert not (project / ".git" / "tracker-journal").exists()
    assert git(project, "log", "--format=%s", "-2").splitlines() == [
        f"set {first}: assignee=ada", "new issue-killed01: Killed"]


def test_check_settles_a_journal_and_says_so_in_one_line(project):
    item = ok(project, "new", "issue", "Checked")
    path = project / "issues" / f"{item}.md"
    text = path.read_text().replace("priority: normal", "priority: high")
    script = (
        "import os, sys\n"
        "from pathlib import Path\n"
        "from tracker.api import Tracker\n"
        "t = Tracker(sys.argv[1])\n"
        "with t.ws.lock():\n"
        "    j = t.ws.journal('set', 'set ' + sys.argv[2] + ': priority=high')\n"
        "    j.write(Path(sys.argv[3]), sys.argv[4])\n"
        "    os._exit(9)\n")
    subprocess.run([sys.executable, "-c", script, str(project), item, str(path), text])
    done = run_tracker(project, "check")
    assert done.returncode == 0, done.stderr
    said = [line for line in done.stderr.splitlines() if line.startswith("Recovered:")]
    assert len(said) == 1 and f"'set {item}: priority=high'" in said[0], done.stderr
    assert git(project, "status", "--porcelain") == ""
    assert "priority: high" in git(project, "show", f"HEAD:issues/{item}.md")


def test_a_journal_whose_writer_holds_the_lock_is_left_to_it(project):
    """check never settles the write of a live writer: it holds the lock."""
    item = ok(project, "new", "issue", "Live")
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time\n"
         "from pathlib import Path\n"
         "from tracker.api import Tracker\n"
         "t = Tracker(sys.argv[1])\n"
         "with t.ws.lock():\n"
         "    j = t.ws.journal('set', 'set live')\n"
         "    p = Path(sys.argv[2])\n"
         "    j.write(p, p.read_text().replace('priority: normal', 'priority: low'))\n"
         "    print('written', flush=True)\n"
         "    time.sleep(600)\n", str(project), str(project / "issues" / f"{item}.md")],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "written"
        done = run_tracker(project, "check")
        assert done.returncode == 0, done.stderr
        assert "a write is in progress" in done.stderr
        assert (project / ".git" / "tracker-journal").exists()
        assert " M issues/" in git(project, "status", "--porcelain")  # not committed by check
    finally:
        holder.kill()
        holder.wait()
    ok(project, "check")
    assert git(project, "status", "--porcelain") == ""


def test_an_import_with_a_refused_row_strands_nothing(project, tmp_path):
    """A record refused after others were judged: with --all-or-nothing no file is
    written; without, the others are written and committed, and nothing is left over."""
    rows = "title,priority\n" + "".join(f"Row {n},high\n" for n in range(5)) + "Bad,bogus\n"
    (tmp_path / "in.csv").write_text(rows)
    before = item_texts(project)
    done = run_tracker(project, "import", "csv", str(tmp_path / "in.csv"), "--kind", "issue",
                       "--all-or-nothing")
    assert done.returncode != 0 and "Traceback" not in done.stderr, done.stderr
    assert item_texts(project) == before
    assert git(project, "status", "--porcelain", "--untracked-files=all") == ""
    assert not (project / ".git" / "tracker-journal").exists()
    done = run_tracker(project, "import", "csv", str(tmp_path / "in.csv"), "--kind", "issue")
    assert done.returncode == 1 and ":7: priority: " in done.stderr, done.stderr
    assert len(item_texts(project)) == len(before) + 5
    assert git(project, "status", "--porcelain", "--untracked-files=all") == ""
    assert not (project / ".git" / "tracker-journal").exists()


# ---------------------------------------------------------------- a full disk


def small_disk(tmp_path: Path, size_kb: int) -> Path:
    """A real tmpfs of `size_kb` KiB mounted under tmp_path (root only), or skip."""
    folder = tmp_path / "disk"
    folder.mkdir()
    if os.geteuid() != 0 or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(folder)],
            capture_output=True).returncode != 0:
        pytest.skip("mounting a small tmpfs needs root")
    return folder


def test_new_on_a_full_disk_leaves_nothing_staged_and_says_so(tmp_path):
    """`new` on a real full filesystem, the space left swept page by page so that the
    failure falls on each step in turn (journal, item, index, objects, commit): each
    failure is one line and a non-zero exit, nothing staged, no file left, HEAD as it was."""
    disk = small_disk(tmp_path, 2048)
    try:
        project = disk / "p"
        project.mkdir()
        ok(project, "init")
        for n in range(3):
            ok(project, "new", "issue", f"Before {n}")
        filler = disk / "filler"
        failures, successes, messages = 0, 0, set()
        for pages in range(0, 40):
            head = git(project, "rev-parse", "HEAD")
            filler.unlink(missing_ok=True)
            subprocess.run(["dd", "if=/dev/zero", f"of={filler}", "bs=4096"],
                           capture_output=True)  # fills the disk
            free = os.statvfs(disk).f_bavail
            with open(filler, "r+b") as handle:  # leave `pages` pages free
                handle.truncate(max(0, filler.stat().st_size - (pages - free) * 4096))
            done = run_tracker(project, "new", "issue", f"Full {pages}",
                               env={"TRACKER_NO_CACHE": "1"})
            filler.unlink()
            assert "Traceback" not in done.stderr, done.stderr
            status = git(project, "status", "--porcelain", "--untracked-files=all")
            if done.returncode == 0:
                successes += 1
                assert status == "", status
                continue
            failures += 1
            messages.add(one_error(done).split(":")[1].strip())
            assert status == "", f"{pages} pages free: {status}"
            assert git(project, "rev-parse", "HEAD") == head
            assert not (project / ".git" / "tracker-journal").exists()
            assert not list(project.rglob("*.tmp"))
        assert failures and successes, (failures, successes)
        ok(project, "check")
        git(project, "fsck", "--strict", "--no-progress")
    finally:
        subprocess.run(["umount", "-l", str(disk)], capture_output=True)


# ---------------------------------------------------------------- kill loops


@pytest.mark.parametrize("operation", ["new", "set", "import", "shard"])
def test_kill_loop(project, tmp_path, operation):
    rng = random.Random(hash(operation) % 1000)
    figures = killloop.Figures(operation)
    target = ok(project, "new", "issue", "Target", "--set", f"note={LONG}")
    acknowledged: set[str] = {target}

    def recover(n: int) -> list[str]:
        return ["check"] if n % 2 else ["set", target, f"after={n}"]

    if operation == "new":
        def command(n: int) -> list[str]:
            return ["new", "issue", f"Created {n}", "--set", f"note={LONG}{n}"]
        def after(n: int, code: int, out: str) -> None:
            if code == 0:
                acknowledged.add(out.strip())
            assert acknowledged <= killloop.head_ids(project)
    elif operation == "set":
        def command(n: int) -> list[str]:
            return ["set", target, f"note={LONG}{n}", f"count={n}"]
        def after(n: int, code: int, out: str) -> None:
            text = killloop.head_text(project, f"issues/{target}.md") or ""
            fields = frontmatter.parse(target, text)[0]
            if code == 0:
                assert fields.get("count") == str(n) or fields.get("count") == n
    elif operation == "import":
        def command(n: int) -> list[str]:
            rows = "title,priority\n" + "".join(f"Import {n} row {r},high\n" for r in range(40))
            (tmp_path / f"in{n}.csv").write_text(rows)
            return ["import", "csv", str(tmp_path / f"in{n}.csv"), "--kind", "issue"]
        def recover(n: int) -> list[str]:  # noqa: F811 - the same import again
            return command(n) if n % 2 else ["check"]
        def after(n: int, code: int, out: str) -> None:
            titles = git(project, "grep", "-h", f"^title: Import {n} row", "HEAD", "--",
                         "issues", check=False).splitlines()  # exit 1: none
            if code == 0 or n % 2:  # acknowledged, or imported again
                assert len(set(titles)) == 40, (n, len(titles))
    else:
        rows = "title\n" + "".join(f"Shard {n}\n" for n in range(300))  # a wide window
        (tmp_path / "shard.csv").write_text(rows)
        ok(project, "import", "csv", str(tmp_path / "shard.csv"), "--kind", "issue")
        acknowledged |= killloop.head_ids(project)
        def command(n: int) -> list[str]:
            return ["shard", "issue", "2" if n % 2 else "0"]
        def after(n: int, code: int, out: str) -> None:
            assert killloop.head_ids(project) >= acknowledged
            listed = set(ok(project, "list", "--format", "ids").split())
            assert listed >= acknowledged  # every item where the kind file says

    span = killloop.timed(project, *command(0)) * 1.2
    killloop.loop(project, figures, rng, killloop.KILLS, command, span, after, recover)
    killloop.finish(project)
    assert acknowledged <= killloop.head_ids(project)
    print(f"\n{figures.line()}", file=sys.stderr)


def test_kill_loop_sync(tmp_path):
    """sync against a local bare remote, killed at random; the remote's own git runs in a
    session of its own, as a server's would (a kill of the client does not reach it)."""
    from tests.sync_helpers import clone, seeded

    remote, first, ids = seeded(tmp_path, 2)
    other = clone(remote, tmp_path / "other")
    for folder in (first, other):
        git(folder, "config", "remote.origin.receivepack", "setsid git receive-pack")
        git(folder, "config", "remote.origin.uploadpack", "setsid git upload-pack")
        ok(folder, "sync")
    rng = random.Random(7)
    figures = killloop.Figures("sync")

    def command(n: int) -> list[str]:
        ok(other, "set", ids[0], f"assignee=other{n}")  # the remote moves: a merge
        ok(other, "sync")
        ok(first, "set", ids[1], f"count={n}")
        return ["sync"]

    def recover(n: int) -> list[str]:
        return ["check"] if n % 2 else ["set", ids[1], f"after={n}"]

    def after(n: int, code: int, out: str) -> None:
        text = killloop.head_text(first, f"issues/{ids[1]}.md") or ""
        assert frontmatter.parse("x", text)[0].get("count") in (n, str(n))

    span = killloop.timed(first, "sync") * 3
    killloop.loop(first, figures, rng, killloop.KILLS, command, span, after, recover)
    ok(first, "sync")
    killloop.finish(first)
    git(remote, "fsck", "--strict", "--no-progress")
    final = git(remote, "show", f"main:issues/{ids[0]}.md")
    assert f"assignee: other{killloop.KILLS}" in final
    print(f"\n{figures.line()}", file=sys.stderr)


def test_check_removes_the_temporary_files_of_dead_writers_no_journal_named(project: Path):
    """A `.ID.md.<pid>-<hex>.tmp` whose writer is gone, or one without a pid (an older
    version's), is removed by `tracker check`, which says so; a live writer's is kept."""
    import os

    done = run_tracker(project, "new", "issue", "Kept")
    item_id = done.stdout.strip()
    folder = project / "issues"
    dead, old = f".{item_id}.md.99999999-00aa11bb22cc.tmp", f".{item_id}.md.00aa11bb.tmp"
    live = f".{item_id}.md.{os.getpid()}-00aa11bb22cc.tmp"
    for name in (dead, old, live):
        (folder / name).write_text("half a write", encoding="utf-8")
    done = run_tracker(project, "check")
    assert done.returncode == 0, done.stderr
    assert "removed 2 temporary file(s) of writers that died" in done.stderr
    assert sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp")) == [live]
    assert git(project, "status", "--porcelain", "--ignored").count(".tmp") <= 1
