"""A national campaign: 101 département repositories read together (issue 20, §5).

    python benchmarks/national.py [--members 101] [--scale 1] [--runs 3] [--keep DIR]
    python benchmarks/national.py --million [--members 100]

Each member is a campaign tracker (`tracker init --template campaign`) whose items are
written with `git fast-import` as auto-commit makes them: one commit per item created
(bureaux, communes' bilans, teams, sessions), then one per edit (sessions planned →
done → reported, bureaux proposed → approved → assigned → active), dated over the
campaign. At `--scale 1` a member holds 690 bureaux, 345 bilans, 30 teams and 500
sessions (1,565 items, ~3,200 commits): 101 members make ~158,000 items, about what a
national campaign holds (70,000 bureaux, 35,000 communes, tens of thousands of sessions,
thousands of teams). The national repository adds them (`tracker federation add`),
fetches them (`tracker federation sync`), then the benchmark times, each beside its floor
measured in the same run:

- `list --federation` cold (no blob parsed yet), against reading and parsing every
  member's item blobs (`git ls-tree` + `git cat-file --batch` + the C YAML loader);
- `list --federation session --where …` warm (target ≤ 1 s), against listing every
  member's tree (`git ls-tree -r` of each fetched head: what a warm read must still do);
- `report site --federation` (target ≤ 120 s and ≤ 2 GB peak), against the cold floor.

`--million`: `--members` (100) members of 10,000 sessions each, one commit each (the
size, not the history, is what this one is about): warm `list --federation` (target
≤ 3 s) against the ls-tree floor.

Generating takes minutes and disk (~1 GB at --scale 1); `--keep DIR` keeps (and reuses)
the repositories.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import PEOPLE, TRACKER, _commit_record, _fast_import, git, git_env  # noqa: E402

START = datetime(2026, 1, 5, 8, tzinfo=timezone.utc)
ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
THEMES = ["logement", "transports", "école", "santé", "sécurité", "emploi", "fêtes"]
CHANNELS = ["porte-a-porte", "phoning", "tractage", "marche"]
WHERE = "knocked > 40 and status == 'reported'"


def departements(n: int) -> list[str]:
    """The first `n` of France's 101 département codes (01…19, 2A, 2B, 21…95, 971…976)."""
    codes = [f"{d:02d}" for d in range(1, 20)] + ["2A", "2B"] + \
        [f"{d:02d}" for d in range(21, 96)] + ["971", "972", "973", "974", "976"]
    return codes[:n] if n <= len(codes) else codes + [f"x{i}" for i in range(n - len(codes))]


def _id(rng: random.Random, length: int) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(length))


def member_items(dep: str, scale: float, seed: int
                 ) -> tuple[list[tuple[str, str]], list[tuple[str, str, str]]]:
    """A member's items as (path, text) in creation order, and its edits as
    (path, new text, message) in time order."""
    rng = random.Random(f"{seed}-{dep}")
    count = max(1, int(345 * scale))
    communes = ([f"{dep}{c:02d}" for c in range(1, min(count, 99) + 1)] if len(dep) == 3
                else [f"{dep}{c:03d}" for c in range(1, count + 1)])  # 97101…, 93001…
    created: list[tuple[str, str]] = []
    edits: list[tuple[int, str, str, str]] = []  # (stage, path, text, message)
    for insee in communes:
        created.append((f"bilans/{insee[:2]}/{insee}.md",
                        f"---\ntitle: Bilan de la commune {insee}\nstatus: draft\n"
                        f"commune_insee: '{insee}'\ncommune_name: Commune {insee}\n"
                        f"departement: '{dep}'\n---\n"))
    bureaux = []
    for n in range(int(690 * scale)):
        insee = communes[n % len(communes)]
        bureau = f"{insee}_{n // len(communes) + 1:04d}"
        bureaux.append(bureau)
        inscrits = rng.randint(600, 1600)
        votants = rng.randint(inscrits // 3, inscrits - 50)
        head = (f"---\ntitle: Bureau {bureau}\nstatus: {{status}}\nbureau_id: '{bureau}'\n"
                f"commune_insee: '{insee}'\ncommune_name: Commune {insee}\n"
                f"departement: '{dep}'\ninscrits: {inscrits}\nvotants: {votants}\n"
                f"abstentions: {inscrits - votants}\npriority: {rng.choice('ABC')}\n"
                f"target_doors: {rng.randint(200, 500)}\n---\n")
        path = f"bureaux/{insee[:2]}/{bureau}.md"
        created.append((path, head.format(status="proposed")))
        for stage, status in enumerate(("approved", "assigned", "active")[:rng.randint(0, 3)]):
            edits.append((stage, path, head.format(status=status), f"move {bureau} {status}"))
    teams = []
    for n in range(int(30 * scale) or 1):
        team = f"team-{_id(rng, 6)}"
        teams.append(team)
        created.append((f"equipes/{team}.md",
                        f"---\ntitle: Équipe {dep}-{n + 1}\nstatus: active\n"
                        f"leader: mob-{dep.lower()}-{n + 1:03d}\n---\n"))
    for n in range(int(500 * scale)):
        ses = f"ses-{_id(rng, 8)}"
        when = (START + timedelta(days=rng.randint(0, 120))).date().isoformat()
        knocked = rng.randint(10, 90)
        not_home = rng.randint(0, knocked // 2)
        positive = rng.randint(0, knocked - not_home)
        head = (f"---\ntitle: Session {n + 1} du {when}\nstatus: {{status}}\ndate: {when}\n"
                f"channel: {rng.choice(CHANNELS)}\nbureau: {rng.choice(bureaux)}\n"
                f"team: {rng.choice(teams)}\nvolunteers: {rng.randint(2, 8)}\n{{counts}}---\n"
                f"{rng.choice(THEMES)} revient souvent ; {rng.choice(THEMES)} aussi.\n")
        counts = f"knocked: {knocked}\nnot_home: {not_home}\npositive: {positive}\n"
        path = f"sessions/{ses}.md"
        created.append((path, head.format(status="planned", counts="")))
        edits.append((1, path, head.format(status="done", counts=counts), f"move {ses} done"))
        if rng.random() < 0.8:
            edits.append((2, path, head.format(status="reported", counts=counts),
                          f"move {ses} reported"))
    rng.shuffle(edits)
    edits.sort(key=lambda e: e[0])  # each item's moves in order, the items interleaved
    return created, [(path, text, message) for _, path, text, message in edits]


def write_member(folder: Path, dep: str, scale: float, seed: int) -> int:
    """Append the member's items and edits to its repository; return the commit count."""
    created, edits = member_items(dep, scale, seed)
    mark = 0
    with _fast_import(folder) as write:
        for path, text in created:
            mark += 1
            write(_commit_record(mark, path, text, f"new {Path(path).stem}",
                                 START + timedelta(minutes=mark)))
        for path, text, message in edits:
            mark += 1
            write(_commit_record(mark, path, text, message, START + timedelta(minutes=mark)))
    git(folder, "reset", "-q", "--hard", "HEAD")
    return mark


def million_member(folder: Path, dep: str, items: int) -> int:
    """`items` sessions in one commit."""
    rng = random.Random(dep)
    with _fast_import(folder) as write:
        stamp = f"{int(START.timestamp())} +0000"
        who = f"{PEOPLE['GIT_COMMITTER_NAME']} <{PEOPLE['GIT_COMMITTER_EMAIL']}>"
        msg = b"import sessions"
        write(f"commit refs/heads/master\nmark :1\nauthor {who} {stamp}\ncommitter {who} "
              f"{stamp}\ndata {len(msg)}\n".encode() + msg + b"\nfrom refs/heads/master^0\n")
        for n in range(items):
            text = (f"---\ntitle: Session {n}\nstatus: reported\ndate: 2026-03-01\n"
                    f"knocked: {rng.randint(10, 90)}\npositive: {rng.randint(0, 9)}\n---\n"
                    ).encode()
            write(f"M 100644 inline sessions/ses-{dep}{n:07d}.md\ndata {len(text)}\n".encode()
                  + text + b"\n")
    git(folder, "reset", "-q", "--hard", "HEAD")
    return items


def template_repo(folder: Path) -> None:
    """One campaign tracker, initialised once and copied for every member."""
    folder.mkdir(parents=True)
    git(folder, "init", "-q", "-b", "master")
    subprocess.run([str(TRACKER), "init", "--template", "campaign"], cwd=folder,
                   env=git_env(START - timedelta(days=1)), capture_output=True, check=True)


def build(root: Path, members: int, scale: float, seed: int, million: bool) -> Path:
    """The members and the national repository under `root` (reused when there)."""
    national = root / "national"
    if (national / ".tracker").is_dir():
        there = sorted(p.name.removeprefix("campagne-") for p in root.glob("campagne-*"))
        if there != sorted(departements(members)):
            raise SystemExit(f"{root} holds {len(there)} members, not the {members} asked "
                             "for: give the same --members (and --scale), or another --keep")
        print(f"reusing {root}", flush=True)
        return national
    started = time.perf_counter()
    template_repo(root / "template")
    names = departements(members)
    total = 0
    for index, dep in enumerate(names):
        folder = root / f"campagne-{dep}"
        shutil.copytree(root / "template", folder, symlinks=True)
        total += million_member(folder, dep, 10_000) if million else \
            write_member(folder, dep, scale, seed)
        if sys.stderr.isatty():
            print(f"\r  members {index + 1}/{members}", end="", file=sys.stderr, flush=True)
    shutil.copytree(root / "template", national, symlinks=True)
    env = git_env()
    for dep in names:
        subprocess.run([str(TRACKER), "federation", "add", dep, f"../campagne-{dep}"],
                       cwd=national, env=env, capture_output=True, check=True)
    took = time.perf_counter() - started
    print(f"generated {members} members ({total:,} {'items' if million else 'commits'}) "
          f"in {took:.0f} s", flush=True)
    return national


def timed(folder: Path, argv: list[str], peak: bool = False) -> tuple[float, float, str]:
    """Wall seconds, the process's peak RSS in MB (`wait4`, as run.py's peak_rss_mb), and
    its stdout."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        child = subprocess.Popen(argv, cwd=folder, env=git_env(), stdout=out, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        took = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        text, errors = out.read().decode(), err.read().decode(errors="replace")
    if child.returncode not in (0, 1) or "Traceback" in errors:
        raise SystemExit(f"{' '.join(argv)} failed ({child.returncode}): {errors[-2000:]}")
    return took, usage.ru_maxrss / 1024 if peak else 0.0, text


def floor_cold(national: Path, refs: list[str]) -> float:
    """Read and parse every member's item blobs: ls-tree, cat-file --batch, C YAML."""
    script = (
        "import subprocess, sys, yaml\n"
        "n = 0\n"
        "for ref in sys.argv[1:]:\n"
        "    tree = subprocess.run(['git', 'ls-tree', '-r', '--', ref], capture_output=True,"
        " check=True).stdout.decode().splitlines()\n"
        "    shas = [l.split()[2] for l in tree if l.endswith('.md') and '\\t.' not in l]\n"
        "    out = subprocess.run(['git', 'cat-file', '--batch'], input=('\\n'.join(shas) +"
        " '\\n').encode(), capture_output=True, check=True).stdout\n"
        "    at = 0\n"
        "    while at < len(out):\n"
        "        eol = out.index(b'\\n', at); size = int(out[at:eol].split()[2])\n"
        "        text = out[eol + 1:eol + 1 + size].decode(); at = eol + 2 + size\n"
        "        head = text.partition('---\\n')[2].partition('\\n---\\n')[0]\n"
        "        yaml.load(head, Loader=yaml.CSafeLoader); n += 1\n"
        "print(n)\n")
    return timed(national, [sys.executable, "-c", script, *refs])[0]


def floor_warm(national: Path, refs: list[str]) -> float:
    """List every member's tree: the least a read from remembered blobs must still do."""
    script = ("import subprocess, sys\n"
              "for ref in sys.argv[1:]:\n"
              "    subprocess.run(['git', 'ls-tree', '-r', '--', ref], capture_output=True,"
              " check=True)\n")
    return timed(national, [sys.executable, "-c", script, *refs])[0]


def row(title: str, ours: list[float], floor: list[float], target: str, ok: bool,
        extra: str = "") -> str:
    o, f = statistics.median(ours), statistics.median(floor)
    return (f"| {title} | {o * 1000:,.0f} | {f * 1000:,.0f} | {o / f:.1f}× | {target} | "
            f"{'pass' if ok else 'FAIL'}{extra} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=None)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20)
    parser.add_argument("--million", action="store_true")
    parser.add_argument("--keep", type=Path, default=None)
    parser.add_argument("--no-site", action="store_true", help="skip report site")
    args = parser.parse_args(argv)
    members = args.members or (100 if args.million else 101)
    tmp = None
    if args.keep is None:
        tmp = tempfile.TemporaryDirectory(prefix="national-")
        root = Path(tmp.name)
    else:
        root = args.keep.resolve()
    try:
        national = build(root, members, args.scale, args.seed, args.million)
        t = str(TRACKER)
        took, _, _ = timed(national, [t, "federation", "sync"])
        print(f"federation sync (first): {took:.1f} s", flush=True)
        refs = [f"refs/tracker/federation/{dep}/HEAD" for dep in departements(members)]
        lines = ["| operation | ours (ms) | floor (ms) | ratio | target | pass/fail |",
                 "| --- | --- | --- | --- | --- | --- |"]
        cold, _, out = timed(national, [t, "list", "--federation", "--format", "ids"])
        count = len(out.split())
        cold_floor = floor_cold(national, refs)
        lines.append(row(f"list --federation, cold ({count:,} items)", [cold], [cold_floor],
                         "(cold: reads every blob)", True))
        if args.million:
            argv_ = [t, "list", "--federation", "--format", "ids"]
            target, limit = "≤ 3 s", 3.0
            title = f"list --federation, warm ({count:,} items)"
        else:
            argv_ = [t, "list", "--federation", "session", "--where", WHERE, "--format", "ids"]
            target, limit = "≤ 1 s", 1.0
            title = f"list --federation session --where, warm ({count:,} items)"
        ours, floor = [], []
        for _ in range(args.runs):
            ours.append(timed(national, argv_)[0])
            floor.append(floor_warm(national, refs))
        lines.append(row(title, ours, floor, target, statistics.median(ours) <= limit))
        if not args.million and not args.no_site:
            site = root / "site"
            shutil.rmtree(site, ignore_errors=True)
            took, peak, _ = timed(national, [t, "report", "site", "--federation", "--out",
                                             str(site)], peak=True)
            pages = sum(1 for _ in site.rglob("*.html"))
            lines.append(row(f"report site --federation ({pages:,} pages)", [took],
                             [cold_floor], "≤ 120 s, ≤ 2 GB",
                             took <= 120 and peak <= 2048, f" (peak {peak:,.0f} MB)"))
        print("\n".join(lines))
        return 0 if all("FAIL" not in line for line in lines) else 1
    finally:
        if tmp is not None:
            tmp.cleanup()


if __name__ == "__main__":
    sys.exit(main())
