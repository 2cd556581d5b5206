"""Benchmark the installed `tracker` on synthetic trackers, beside the floor of each operation.

    python benchmarks/run.py [--sizes 1000,10000,100000] [--repeat N] [--quick]
                             [--history N] [--federation MEMBERS,ITEMS] [--output FILE]

Generated trackers are cached in benchmarks/.cache (keyed by shape, size and a hash of
generate.py) and reset to their generated commit after the operations that write.
Prints a Markdown document (machine, command, table, problems) on stdout; progress goes
to stderr when it is a terminal. Targets are printed beside the figures, never asserted.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import backlogmd
import generate
from generate import GREP_WORD, WHERE, Meta
from measure import Cmd, Row, Target, at_most_ms, at_most_ratio, compare, run_once, table

HERE = Path(__file__).resolve().parent
PYTHON = sys.executable
TRACKER = str(Path(PYTHON).parent / "tracker")
FLOORS = str(HERE / "floors.py")
GEN_VERSION = hashlib.sha1((HERE / "generate.py").read_bytes()).hexdigest()[:8]
SIZE_LABELS = {1000: "1k", 10000: "10k", 100000: "100k"}
SHOW = {"progress": sys.stderr.isatty()}


def progress(message: str) -> None:
    if SHOW["progress"]:
        print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def label(n: int) -> str:
    return SIZE_LABELS.get(n, f"{n:,}")


# ---------------------------------------------------------------- the trackers


@dataclass
class Bench:
    """A generated tracker ready to measure: where it is and what it holds."""

    folder: Path
    meta: Meta
    size: str

    def env(self, cold: bool = False) -> dict[str, str]:
        env = generate.git_env()
        env.pop("TRACKER_NO_CACHE", None)
        if cold:
            env["TRACKER_NO_CACHE"] = "1"
        return env

    def cmd(self, argv: list[str] | Callable[[int], list[str]], cold: bool = False,
            prepare: Callable[[], None] | None = None) -> Cmd:
        return Cmd(argv, self.folder, self.env(cold), prepare)

    def drop_cache(self) -> None:
        shutil.rmtree(self.folder / ".git" / "tracker-cache", ignore_errors=True)

    def restore(self) -> None:
        """Back to the generated commit: drop the commits and files that runs added."""
        generate.git(self.folder, "reset", "-q", "--hard", self.meta.head)
        generate.git(self.folder, "clean", "-qfd", "--", "issues")


def cached(cache: Path, key: str, make: Callable[[Path], Meta]) -> tuple[Path, Meta]:
    """The tracker for a key, generated on first use; a half-made one is made again."""
    folder, meta_file = cache / key, cache / f"{key}.json"
    if meta_file.is_file() and folder.is_dir():
        return folder, Meta.load(meta_file)
    shutil.rmtree(folder, ignore_errors=True)
    progress(f"generating {key} …")
    start = time.perf_counter()
    meta = make(folder)
    meta.save(meta_file)
    progress(f"generated {key} in {time.perf_counter() - start:.1f} s")
    return folder, meta


def flat_bench(cache: Path, n: int) -> Bench:
    folder, meta = cached(cache, f"flat-{n}-{GEN_VERSION}",
                          lambda f: generate.generate_flat(f, n))
    bench = Bench(folder, meta, label(n))
    bench.restore()
    return bench


def history_bench(cache: Path, n: int) -> Bench:
    folder, meta = cached(cache, f"history-{n}-{GEN_VERSION}",
                          lambda f: generate.generate_history(f, n, n))
    bench = Bench(folder, meta, f"{label(n)} × {label(n)} commits")
    bench.restore()
    return bench


# ---------------------------------------------------------------- checks of the output


def count_rows(expected: int) -> Callable[[subprocess.CompletedProcess[str]], str | None]:
    """A check that `list` printed a header and `expected` item lines."""
    def check(done: subprocess.CompletedProcess[str]) -> str | None:
        if done.returncode != 0:
            return f"exit {done.returncode}: {done.stderr.strip()[-300:]}"
        rows = sum(1 for line in done.stdout.splitlines() if line.startswith("issue-"))
        return None if rows == expected else f"{rows} items listed, expected {expected}"
    return check


def exits_zero(done: subprocess.CompletedProcess[str]) -> str | None:
    if done.returncode == 0:
        return None
    return f"exit {done.returncode}: {(done.stderr or done.stdout).strip()[-300:]}"


def distinct_ids(expected: int) -> Callable[[subprocess.CompletedProcess[str]], str | None]:
    """A check that the output names `expected` different items."""
    import re

    def check(done: subprocess.CompletedProcess[str]) -> str | None:
        found = len(set(re.findall(r"issue-[0-9a-z]{8}", done.stdout)))
        return exits_zero(done) or (None if found == expected
                                    else f"{found} items named, expected {expected}")
    return check


def log_entries(expected: int) -> Callable[[subprocess.CompletedProcess[str]], str | None]:
    def check(done: subprocess.CompletedProcess[str]) -> str | None:
        found = sum(1 for line in done.stdout.splitlines() if line.startswith("commit "))
        return exits_zero(done) or (None if found == expected
                                    else f"{found} log entries, expected {expected}")
    return check


# ---------------------------------------------------------------- measuring


@dataclass
class Runner:
    """Measures operations into rows, with `repeat` runs each."""

    repeat: int
    rows: list[Row]
    profiles: list[str] = field(default_factory=list)

    def measure(self, operation: str, bench: Bench, ours: Cmd, floor: Cmd | None,
                target: Target | None = None,
                check: Callable[[subprocess.CompletedProcess[str]], str | None] = exits_zero,
                warm: bool = True) -> Row:
        progress(f"{bench.size}: {operation}")
        ours_t, floor_t = compare(ours, floor, self.repeat, warm=warm)
        row = Row(operation, bench.size, ours_t.ms, floor_t.ms if floor_t else None, target)
        problem = check(ours_t.result)
        if problem:
            row.problems.append(f"`{shlex.join(ours.args(1))}`: {problem}")
        self.rows.append(row)
        if target is not None and not target.met(row.ours or 0, row.floor) and \
                ours.args(1)[0] == TRACKER:
            self.profiles.append(profile(f"{operation} at {bench.size}", ours))
        return row

    def measure_once(self, operation: str, bench: Bench, ours: Cmd) -> Row:
        """A command that changes the tracker for good (run once, no floor)."""
        progress(f"{bench.size}: {operation}")
        ms, done = run_once(ours, 0)
        row = Row(operation, bench.size, ms, None, None)
        problem = exits_zero(done)
        if problem:
            row.problems.append(f"`{shlex.join(ours.args(0))}`: {problem}")
        self.rows.append(row)
        return row


def profile(title: str, cmd: Cmd) -> str:
    """Where one more run of a command spends its time: interpreter start-up, imports
    (`python -X importtime`), each git process (TRACKER_TRACE=1), and the rest."""
    argv = [PYTHON, "-X", "importtime", "-m", "tracker", *cmd.args(999)[1:]]
    env = {**cmd.env, "TRACKER_TRACE": "1"}
    if cmd.prepare is not None:
        cmd.prepare()
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=cmd.cwd, env=env, capture_output=True, text=True)
    wall = (time.perf_counter() - started) * 1000
    base = time.perf_counter()
    subprocess.run([PYTHON, "-c", "pass"], capture_output=True)
    start_up = (time.perf_counter() - base) * 1000
    imports: dict[str, float] = {}
    steps: list[tuple[str, float]] = []
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            _, cumulative, name = line.split("|", 2)
            if name.startswith(" ") and not name.startswith("  ") and cumulative.strip().isdigit():
                imports[name.strip()] = int(cumulative) / 1000
        elif line.startswith("trace: "):
            what, _, ms = line[len("trace: "):].rpartition(" ")[0].rpartition(" ")
            steps.append((what, float(ms)))
    in_imports = sum(imports.values())
    in_git = sum(ms for _, ms in steps)
    top = sorted(imports.items(), key=lambda kv: -kv[1])[:4]
    rest = wall - start_up - in_imports - in_git
    return (f"- **{title}**: {wall:,.0f} ms in this run (with `-X importtime`): interpreter "
            f"start-up {start_up:.0f} ms; imports {in_imports:.0f} ms ("
            + ", ".join(f"{name} {ms:.0f}" for name, ms in top) + "); git "
            f"{in_git:.0f} ms (" + ", ".join(f"{w} {ms:.0f}" for w, ms in steps) + "); "
            f"the rest {rest:.0f} ms.")


def parse_floor(bench: Bench) -> Cmd:
    return bench.cmd([PYTHON, FLOORS, "parse", "issues"])


def version_row(runner: Runner, bench: Bench) -> None:
    bench = Bench(bench.folder, bench.meta, "–")
    runner.measure("tracker --version", bench, bench.cmd([TRACKER, "--version"]),
                   bench.cmd([PYTHON, "-c", "pass"]), at_most_ms(80))


def read_rows(runner: Runner, bench: Bench, n: int) -> None:
    """list cold and warm, --where, --grep, show and check on a flat tracker."""
    expected = bench.meta.expected
    big = n >= 100000
    runner.measure("list (cold)", bench,
                   bench.cmd([TRACKER, "list"], cold=True, prepare=bench.drop_cache),
                   parse_floor(bench), at_most_ratio(1.2, "floor") if big else None,
                   count_rows(expected["all"]))
    runner.measure("list (warm)", bench, bench.cmd([TRACKER, "list"]), parse_floor(bench),
                   check=count_rows(expected["all"]))
    runner.measure("list --where", bench, bench.cmd([TRACKER, "list", "--where", WHERE]),
                   parse_floor(bench), at_most_ms(500) if big else None,
                   count_rows(expected["where"]))
    runner.measure("list --grep (floor: git grep -il)", bench,
                   bench.cmd([TRACKER, "list", "--grep", GREP_WORD]),
                   bench.cmd(["git", "grep", "-il", GREP_WORD, "--", "issues"]),
                   at_most_ratio(1.5, "git grep"), count_rows(expected["grep"]))
    item = bench.meta.ids[0]
    runner.measure("show ID", bench, bench.cmd([TRACKER, "show", item]),
                   bench.cmd([PYTHON, FLOORS, "show", f"issues/{item}.md"]))
    runner.measure("check", bench, bench.cmd([TRACKER, "check"]), parse_floor(bench))
    runner.measure("ready", bench, bench.cmd([TRACKER, "ready", "--format", "json"]),
                   parse_floor(bench))
    runner.measure("blocked", bench, bench.cmd([TRACKER, "blocked", "--format", "json"]),
                   parse_floor(bench))
    runner.measure("graph", bench, bench.cmd([TRACKER, "graph", "--format", "json"]),
                   parse_floor(bench))


def write_target(n: int) -> Target | None:
    return {1000: at_most_ms(150), 100000: at_most_ms(200)}.get(n)


def write_rows(runner: Runner, bench: Bench, n: int) -> None:
    """set and new, committing; from 10k items also in the layout advised for big kinds
    (`tracker shard issue 2`, measured once). The tracker is reset to its generated
    commit afterwards."""
    item = bench.meta.ids[1]
    sharded = n >= 10000
    try:
        _set_and_new(runner, bench, item, "", None if sharded else write_target(n))
        if sharded:
            runner.measure_once("shard issue 2 (every item moved, one commit)", bench,
                                bench.cmd([TRACKER, "shard", "issue", "2"]))
            _set_and_new(runner, bench, item, f"{item[6:8]}/", write_target(n),
                         " (sharded kind)")
    finally:
        bench.restore()


def _set_and_new(runner: Runner, bench: Bench, item: str, shard: str,
                 target: Target | None, label: str = "") -> None:
    runner.measure(f"set ID field=value{label}", bench,
                   bench.cmd(lambda i: [TRACKER, "set", item, f"assignee=bench-{i}"]),
                   bench.cmd([PYTHON, FLOORS, "commit", f"issues/{shard}{item}.md"]),
                   target)
    runner.measure(f"new issue TITLE{label}", bench,
                   bench.cmd(lambda i: [TRACKER, "new", "issue", f"Bench item {i}"]),
                   bench.cmd(lambda i: [PYTHON, FLOORS, "commit",
                                        f"issues/{shard}floor-new-{i}.md"]),
                   target)


def history_target() -> Target:
    """#20 §3: each history command within 1.5 × its git floor + 20 ms."""
    return Target("≤ 1.5 × git + 20 ms",
                  lambda ours, floor: floor is not None and ours <= 1.5 * floor + 20)


def history_rows(runner: Runner, bench: Bench) -> None:
    """log ID, blame ID, the whole log, list --at DATE (first run without the cache,
    then again) and diff A B on the history tracker, each beside the git it needs."""
    meta = bench.meta
    hot = f"issues/{meta.hot_id}.md"
    runner.measure("log ID", bench, bench.cmd([TRACKER, "log", meta.hot_id]),
                   bench.cmd(["git", "log", "--raw", "--", hot]), history_target(),
                   log_entries(meta.hot_changes + 1))
    runner.measure("blame ID", bench, bench.cmd([TRACKER, "blame", meta.hot_id]),
                   bench.cmd(["git", "log", "--raw", "--", hot]), history_target())
    whole = ["git", "log", "--raw", "--no-abbrev", "-z", "HEAD", "--", "issues"]
    runner.measure("log (whole tracker, first run)", bench,
                   bench.cmd([TRACKER, "log", "--format", "json"], prepare=bench.drop_cache),
                   bench.cmd(whole), history_target(), warm=False)
    runner.measure("log (whole tracker, again)", bench,
                   bench.cmd([TRACKER, "log", "--format", "json"]), bench.cmd(whole),
                   history_target())
    at_rev = generate.git(bench.folder, "rev-list", "-1", "--first-parent",
                          f"--before={meta.at_date} 23:59:59", "HEAD").strip()
    blobs = bench.cmd(["sh", "-c", _blobs_floor(f"git ls-tree -r {at_rev} issues")])
    runner.measure("list --at DATE (first run)", bench,
                   bench.cmd([TRACKER, "list", "--at", meta.at_date], prepare=bench.drop_cache),
                   blobs, history_target(), count_rows(meta.items), warm=False)
    runner.measure("list --at DATE (again)", bench,
                   bench.cmd([TRACKER, "list", "--at", meta.at_date]),
                   bench.cmd(["git", "ls-tree", "-r", at_rev, "issues"]), history_target(),
                   count_rows(meta.items))
    a, b = meta.diff_revs
    span = generate.git(bench.folder, "rev-list", "--count", f"{a}..{b}").strip()
    changed = f"{{ git ls-tree -r {a} issues; git ls-tree -r {b} issues; }} | sort | uniq -u"
    runner.measure(f"diff A B ({int(span):,} commits apart)", bench,
                   bench.cmd([TRACKER, "diff", a, b]),
                   bench.cmd(["sh", "-c", _blobs_floor(changed)]), history_target(),
                   check=distinct_ids(meta.diff_changed))


def lived_bench(cache: Path, n: int) -> Bench:
    folder, meta = cached(cache, f"lived-{n}-{GEN_VERSION}",
                          lambda f: generate.generate_lived(f, n, n // 40))
    bench = Bench(folder, meta, f"{label(n)} × {meta.commits:,} commits")
    bench.restore()
    return bench


def site_rows(runner: Runner, bench: Bench) -> None:
    """`report site` on a lived history (one commit per item created and per edit),
    first without the cache, then again, beside the parse floor, with peak RSS.
    Target (#20 §1): ≤ 3 × the parse floor (and ≤ 1 GB at 100k)."""
    out = Path(tempfile.mkdtemp(prefix="tracker-site-"))
    target = Target("≤ 3 × floor, ≤ 1 GB",
                    lambda ours, floor: floor is not None and ours <= 3 * floor)
    saved, runner.repeat = runner.repeat, 1
    try:
        for title, prepare in (("first run", bench.drop_cache), ("again", None)):
            def fresh(drop: Callable[[], None] | None = prepare) -> None:
                shutil.rmtree(out, ignore_errors=True)
                if drop is not None:
                    drop()
            cmd = bench.cmd([TRACKER, "report", "site", "--out", str(out)], prepare=fresh)
            rss = peak_rss_mb(cmd)
            runner.measure(f"report site, lived history ({title}; peak {rss:,.0f} MB)", bench,
                           cmd, parse_floor(bench), target, warm=False)
    finally:
        runner.repeat = saved
        shutil.rmtree(out, ignore_errors=True)
        bench.restore()


def peak_rss_mb(cmd: Cmd) -> float:
    """The peak resident memory of one more run of the command, in MB."""
    if cmd.prepare is not None:
        cmd.prepare()
    child = subprocess.Popen(cmd.args(0), cwd=cmd.cwd, env=cmd.env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(child.pid, 0)
    child.returncode = 0
    return usage.ru_maxrss / 1024


def _blobs_floor(listing: str) -> str:
    """A shell pipeline reading the blobs a tree listing names with `cat-file --batch`."""
    return f"{listing} | awk '{{print $3}}' | git cat-file --batch > /dev/null"


# ---------------------------------------------------------------- commands not there yet


def commands() -> set[str]:
    """The commands `tracker --help` lists."""
    out = subprocess.run([TRACKER, "--help"], capture_output=True, text=True).stdout
    section = out.split("Commands:", 1)[-1]
    return {line.split()[0] for line in section.splitlines() if line.startswith("  ")}


def future_rows(runner: Runner, bench: Bench | None, available: set[str]) -> None:
    """`report site` (target ≤ 30 s at 10k) and `import fr-results`: n/a while missing."""
    size = bench.size if bench else "10k"
    target = Target("≤ 30 s at 10k", lambda ours, floor: ours <= 30000)
    if "report" in available and bench is not None:
        runner.repeat, saved = 1, runner.repeat
        out = tempfile.mkdtemp(prefix="tracker-site-")
        try:
            runner.measure("report site", bench,
                           bench.cmd([TRACKER, "report", "site", "--out", out]), None,
                           target, warm=False)
        finally:
            runner.repeat = saved
            shutil.rmtree(out, ignore_errors=True)
            bench.restore()
    else:
        runner.rows.append(Row("report site", size, None, None, target,
                               note="n/a" if "report" not in available else "not run"))


def campaign_rows(runner: Runner, cache: Path, bureaux: int) -> None:
    """The campaign at scale: importing 70,000 bureaux (one commit), and the site with a
    bilan page for every commune of France."""
    cache.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="tracker-campaign-", dir=cache))
    saved = runner.repeat
    try:
        results = work / "resultats.csv"
        generate.results_file(results, bureaux)
        repo = work / "import"

        def fresh() -> None:
            shutil.rmtree(repo, ignore_errors=True)
            subprocess.run([TRACKER, "init", str(repo), "--template", "campaign"], check=True,
                           capture_output=True, env=generate.git_env())
        runner.repeat = 1
        bench = Bench(work, Meta("campaign", bureaux, 1, [], {}), label(bureaux))
        importing = Cmd([TRACKER, "import", "fr-results", str(results)], repo, generate.git_env(),
                        prepare=fresh)
        runner.measure("import fr-results (one commit)", bench, importing, None,
                       Target("≤ 60 s, one commit", lambda ours, floor: ours <= 60000),
                       warm=False)
        _bilans(runner, work)
        effect = Cmd([PYTHON, str(HERE / "effect.py")], work, generate.git_env())
        runner.measure("campaign effect: 10,000 re-draws × 5,000 bureaux (process)",
                       Bench(work, Meta("effect", 5000, 1, [], {}), "5k"), effect, None,
                       Target("≤ 5 s", lambda ours, floor: ours <= 5000), warm=False)
    finally:
        runner.repeat = saved
        shutil.rmtree(work, ignore_errors=True)


def _bilans(runner: Runner, work: Path) -> None:
    table = Path(generate.__file__).resolve().parents[1] / "tracker" / "data" / "communes.csv"
    repo, site = work / "bilans", work / "site"
    subprocess.run([TRACKER, "init", str(repo), "--template", "campaign"], check=True,
                   capture_output=True, env=generate.git_env())
    bench = Bench(work, Meta("bilans", 0, 1, [], {}), "34,875 communes")
    runner.measure("import communes", bench,
                   Cmd([TRACKER, "import", "communes", str(table)], repo, generate.git_env()),
                   None, warm=False)
    runner.measure("report site (bilan and item pages)", bench,
                   Cmd([TRACKER, "report", "site", "--out", str(site)], repo,
                       generate.git_env(),
                       prepare=lambda: shutil.rmtree(site, ignore_errors=True)),
                   None, Target("≤ 60 s for the bilan pages", lambda ours, floor: ours <= 60000),
                   warm=False)


# ---------------------------------------------------------------- federation (#20 §4, §5)


def federation_bench(cache: Path, members: int, items: int) -> Bench:
    """A national repository and `members` département repositories of `items` sessions
    each (one commit; benchmarks/federation.py makes them), added as members; cached."""
    import federation as fedbench  # benchmarks/federation.py

    work = cache / f"federation-{members}x{items}-{GEN_VERSION}"
    national = work / "national"
    names = [f"{n + 1:02d}" for n in range(members)]
    if not (work / "made").is_file():
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        progress(f"generating {members} members × {items:,} sessions …")
        env = generate.git_env()
        for name in names:
            fedbench.member(work / f"d{name}", name, items, env)
        national.mkdir()
        generate.git(national, "init", "-q")
        subprocess.run([TRACKER, "init", "--template", "campaign"], cwd=national, env=env,
                       check=True, capture_output=True)
        for name in names:
            subprocess.run([TRACKER, "federation", "add", name, f"../d{name}"], cwd=national,
                           env=env, check=True, capture_output=True)
        (work / "made").write_text("", encoding="utf-8")
    meta = Meta("federation", members * items, 1, [f"{names[0]}:ses-{names[0]}000000"],
                {"all": members * items, "member": items})
    return Bench(national, meta, f"{members} × {label(items)}")


def count_ids(expected: int) -> Callable[[subprocess.CompletedProcess[str]], str | None]:
    """A check that `--format ids` printed `expected` qualified ids."""
    def check(done: subprocess.CompletedProcess[str]) -> str | None:
        found = sum(1 for line in done.stdout.splitlines() if ":ses-" in line)
        return exits_zero(done) or (None if found == expected
                                    else f"{found} ids listed, expected {expected}")
    return check


def judged(done: subprocess.CompletedProcess[str]) -> str | None:
    """`check`'s outcome: problems found (exit 1: the generated sessions name bureaux no
    member holds) are an answer, a crash is not."""
    if done.returncode in (0, 1) and "Traceback" not in done.stderr:
        return None
    return f"exit {done.returncode}: {done.stderr.strip()[-300:]}"


def federation_rows(runner: Runner, bench: Bench) -> None:
    """The national repository's reads of every member, each beside what git must do
    for it in the same run: `git fetch` of every member (sync), `ls-tree` of every
    member's fetched tree (a warm read: its blobs are remembered by id), and that plus
    reading every blob (a cold read, and check). Targets (#20 §5), at national scale
    only: warm `list --where` ≤ 1 s at ~160k items, warm `list` ≤ 3 s at 1,000,000."""
    folder, total = bench.folder, bench.meta.items
    names = sorted(p.name[1:] for p in folder.parent.iterdir()
                   if p.is_dir() and p.name.startswith("d"))
    refs = " ".join(f"refs/tracker/federation/{n}/HEAD" for n in names)
    trees = f"for r in {refs}; do git ls-tree -r $r sessions; done"
    fetch = " && ".join(f"git fetch -q --no-tags --no-write-fetch-head -- ../d{n} "
                        f"+HEAD:refs/bench/{n}" for n in names)

    def unfetched() -> None:
        for ref in generate.git(folder, "for-each-ref", "--format=%(refname)",
                                "refs/tracker", "refs/bench").split():
            generate.git(folder, "update-ref", "-d", ref)
        bench.drop_cache()
    t = TRACKER
    unfetched()
    runner.measure("federation sync (first fetch of every member)", bench,
                   bench.cmd([t, "federation", "sync"], prepare=unfetched),
                   bench.cmd(["sh", "-c", fetch], prepare=unfetched), warm=False)
    subprocess.run([t, "federation", "sync"], cwd=folder, env=bench.env(), check=True,
                   capture_output=True)
    runner.measure("federation sync (nothing new)", bench, bench.cmd([t, "federation", "sync"]),
                   bench.cmd(["sh", "-c", fetch]))
    ids = [t, "list", "--federation", "session", "--format", "ids"]
    runner.measure("list --federation (cold)", bench,
                   bench.cmd(ids, prepare=bench.drop_cache),
                   bench.cmd(["sh", "-c", _blobs_floor(f"{{ {trees}; }}")]),
                   check=count_ids(total), warm=False)
    runner.measure("list --federation (warm)", bench, bench.cmd(ids),
                   bench.cmd(["sh", "-c", trees]),
                   Target("≤ 3 s at 1M", lambda ours, floor: ours <= 3000)
                   if total >= 1_000_000 else None, count_ids(total))
    runner.measure("list --federation --where member (warm)", bench,
                   bench.cmd([*ids, "--where", f"member == '{names[0]}'"]),
                   bench.cmd(["sh", "-c", trees]),
                   at_most_ms(1000) if total >= 150_000 else None,
                   count_ids(bench.meta.expected["member"]))
    runner.measure("check --federation", bench, bench.cmd([t, "check", "--federation"]),
                   bench.cmd(["sh", "-c", _blobs_floor(f"{{ {trees}; }}")]),
                   check=judged)
    item = bench.meta.ids[0]
    runner.measure("log --federation MEMBER:ID", bench,
                   bench.cmd([t, "log", "--federation", item]),
                   bench.cmd(["git", "log", "--raw", refs.split()[0], "--",
                              f"sessions/{item.split(':')[1]}.md"]))


# ---------------------------------------------------------------- backlog.md


def backlog_rows(rows: list[Row], cache: Path, sizes: list[int], repeat: int) -> None:
    """backlog.md's time for the same operations on the same items, beside ours."""
    program = backlogmd.installed()
    if program is None:
        return
    for n in sizes:
        folder, _ = cached(cache, f"backlog-{n}-{GEN_VERSION}", lambda f: _backlog(f, n))
        env = generate.git_env()
        head = generate.git(folder, "rev-parse", "HEAD").strip()
        for operation, argv in backlogmd.commands(program).items():
            row = next((r for r in rows if r.operation == operation and r.size == label(n)),
                       None)
            if row is None:
                continue
            progress(f"{label(n)}: backlog.md {operation}")
            timing, _ = compare(Cmd(argv, folder, env), None, repeat)
            row.other = timing.ms
        generate.git(folder, "reset", "-q", "--hard", head)
        generate.git(folder, "clean", "-qfd", "--", "backlog")


def _backlog(folder: Path, n: int) -> Meta:
    backlogmd.generate(folder, n)
    return Meta("backlog", n, 1, [], {"all": n})


# ---------------------------------------------------------------- the document


def machine() -> list[str]:
    """The machine and software, one Markdown list line each."""
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    git_version = subprocess.run(["git", "--version"], capture_output=True,
                                 text=True).stdout.strip()
    version = subprocess.run([TRACKER, "--version"], capture_output=True,
                             text=True).stdout.strip()
    source = HERE.parent
    rev = subprocess.run(["git", "-C", str(source), "describe", "--always", "--dirty"],
                         capture_output=True, text=True).stdout.strip()
    return [f"- CPU: {cpu}, {os.cpu_count()} cores; RAM: {mem_kb / 1024 / 1024:.1f} GiB",
            f"- Python {platform.python_version()}, {git_version}, {version} "
            f"(source at {rev})",
            f"- Date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC; load average at "
            f"start: {Path('/proc/loadavg').read_text().split()[0]}"]


def document(rows: list[Row], argv: list[str], header: list[str], seconds: float,
             profiles: list[str] | None = None) -> str:
    with_other = any(r.other is not None for r in rows)
    lines = ["# Benchmark results", "", *header,
             f"- Load average at end: {Path('/proc/loadavg').read_text().split()[0]}; "
             f"run took {seconds / 60:.1f} min", "",
             f"Command: `{shlex.join(['python', 'benchmarks/run.py', *argv])}`", "",
             table(rows, with_other)]
    if not with_other:
        lines.append("backlog.md: not installed here (no `backlog` on PATH), so no "
                     "comparison.\n")
    problems = [p for r in rows for p in r.problems]
    lines += ["Wrong output or crashes:", ""] + [f"- {p}" for p in problems] + [""] \
        if problems else ["No wrong output or crash seen.", ""]
    if profiles:
        lines += ["## Profiles of the targets not met", "", *profiles, ""]
    return "\n".join(lines)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000",
                        help="Item counts of the flat trackers, comma-separated.")
    parser.add_argument("--repeat", type=int, default=7, help="Runs per figure (median).")
    parser.add_argument("--quick", action="store_true",
                        help="Smoke run: 1k and 10k only, 3 runs each.")
    parser.add_argument("--history", default="1000,10000",
                        help="Items, and commits, of the history trackers, comma-separated "
                             "(0: skip; 100000 takes hours to generate in one flat folder).")
    parser.add_argument("--lived", default="10000",
                        help="Items of the lived histories `report site` is measured on, "
                             "comma-separated (0: skip; 100000: about an hour to generate).")
    parser.add_argument("--federation", default="10,1000",
                        help="MEMBERS,ITEMS: the federated reads over MEMBERS repositories "
                             "of ITEMS sessions each (0: skip; the national scale: 101,1600).")
    parser.add_argument("--cache", type=Path, default=HERE / ".cache")
    parser.add_argument("--output", type=Path, help="Also write the document to FILE.")
    parser.add_argument("--progress", action="store_true", help="Progress even if not a tty.")
    parser.add_argument("--no-campaign", dest="campaign", action="store_false",
                        help="Skip the campaign rows (70,000 bureaux, 34,875 bilans).")
    args = parser.parse_args(argv)
    args.campaign = args.campaign and not args.quick
    args.sizes = [1000, 10000] if args.quick else [int(s) for s in args.sizes.split(",")]
    args.repeat = min(args.repeat, 3) if args.quick else args.repeat
    args.history = [int(s) for s in args.history.split(",") if int(s)]
    args.lived = [int(s) for s in args.lived.split(",") if int(s)]
    members, _, items = args.federation.partition(",")
    args.federation = (int(members), int(items or 1000)) if int(members or 0) else None
    return args


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    SHOW["progress"] = SHOW["progress"] or args.progress
    # Byte-compile the package: an editable install under PYTHONDONTWRITEBYTECODE would
    # otherwise compile every module on every run and time the compiler.
    subprocess.run([PYTHON, "-m", "compileall", "-q", str(HERE.parent / "tracker")], check=False)
    start, header = time.perf_counter(), machine()
    runner = Runner(args.repeat, [])
    benches = {n: flat_bench(args.cache, n) for n in args.sizes}
    version_row(runner, benches[args.sizes[0]])
    for n, bench in benches.items():
        read_rows(runner, bench, n)
        write_rows(runner, bench, n)
    for n in args.history:
        history_rows(runner, history_bench(args.cache, n))
    for n in args.lived:
        site_rows(runner, lived_bench(args.cache, n))
    if not args.lived:  # the site on one commit of all items: only without a lived history
        future_rows(runner, benches.get(10000), commands())
    if args.federation:
        federation_rows(runner, federation_bench(args.cache, *args.federation))
    if args.campaign:
        campaign_rows(runner, args.cache, 70000)
    backlog_rows(runner.rows, args.cache, args.sizes, args.repeat)
    text = document(runner.rows, argv, header, time.perf_counter() - start, runner.profiles)
    print(text)
    if args.output:
        args.output.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
