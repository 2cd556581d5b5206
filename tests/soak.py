"""The sync soak: many clones editing one tracker at once, syncing through one bare remote.

Each clone runs in its own thread and, every round, makes random edits through the real
`tracker` CLI (scalar fields, tag additions, new items) or by hand with git (its own line
of an item's body), then runs `tracker sync`; the rounds start together so that pushes
race. A conflict is resolved as a person would: pick a side in the file, `git commit`,
sync again; the soak checks that it was a true same-field conflict. At the end every
clone must equal the remote, and every edit must be in the remote's history and state.

Used by tests/test_sync.py (short) and benchmarks/soak_sync.py (full).
"""

from __future__ import annotations

import json
import random
import subprocess
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tests.helpers import tracker_exe
from tracker.format import frontmatter, merge

SCALARS = {"status": ["open", "in-progress", "done", "closed"],
           "priority": ["low", "normal", "high", "urgent"],
           "assignee": ["ada", "bob", "chloe", "dan"],
           "due": ["2026-04-01", "2026-05-01", "2026-06-01"]}


@dataclass
class Figures:
    """What the soak did and found; `lost` and `false_conflicts` must be 0."""

    clones: int
    rounds: int
    edits: int = 0
    new_items: int = 0
    syncs: int = 0
    retries: int = 0
    conflicts: int = 0  # conflicted fields a person had to resolve
    false_conflicts: int = 0  # conflicts that were not two values for one scalar field
    gave_up: int = 0  # syncs that hit the retry bound (synced again later)
    lost: int = 0
    converged: bool = False
    check_ok: bool = False
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)

    def line(self) -> str:
        shown = {k: v for k, v in asdict(self).items() if k != "errors"}
        return " ".join(f"{k}={v}" for k, v in shown.items())


def run(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, encoding="utf-8",
                          check=False)


def git(cwd: Path, *args: str) -> str:
    done = run(["git", *args], cwd)
    if done.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)}: {done.stderr}")
    return done.stdout


def tracker(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run([*tracker_exe(), *args], cwd)


def body_for(clones: int) -> str:
    """One line per clone, blank lines between: each clone edits only its own line."""
    return "\n\n".join(f"c{k}: -" for k in range(clones)) + "\n"


class Clone:
    """One clone and what it did: every edit's commit and the effects to look for."""

    def __init__(self, index: int, root: Path, seed: int, figures: Figures,
                 lock: threading.Lock) -> None:
        self.index, self.root, self.figures, self.lock = index, root, figures, lock
        self.rng = random.Random(seed * 1000 + index)
        self.commits: list[str] = []
        self.tags: list[tuple[str, str]] = []
        self.created: list[str] = []
        self.lines: dict[str, str] = {}  # item id -> this clone's last body line

    def count(self, name: str, n: int = 1) -> None:
        with self.lock:
            setattr(self.figures, name, getattr(self.figures, name) + n)

    def items(self) -> list[str]:
        return sorted(p.stem for p in (self.root / "issues").glob("*.md"))

    def fields(self, item: str) -> dict:
        path = self.root / "issues" / f"{item}.md"
        return frontmatter.parse(item, path.read_text(encoding="utf-8"))[0]

    def edit(self, round_: int, n: int) -> None:
        """One random edit, committed; its commit is recorded."""
        action = self.rng.choice(["set", "set", "tag", "body", "new"])
        item = self.rng.choice(self.items())
        label = f"c{self.index}r{round_}n{n}"
        if action == "new":
            self.created.append(self._ok("new", "issue", f"From {label}", "--body",
                                         body_for(self.figures.clones)).strip())
            self.count("new_items")
        elif action == "set":
            name = self.rng.choice(sorted(SCALARS))
            current = str(self.fields(item).get(name))
            value = self.rng.choice([v for v in SCALARS[name] if v != current])
            self._ok("set", item, f"{name}={value}")
        elif action == "tag":
            tags = [str(t) for t in self.fields(item).get("tags") or []] + [label]
            self._ok("set", item, "tags=" + ",".join(tags))
            self.tags.append((item, label))
        else:
            self._edit_body(item, f"c{self.index}: {label}")
        self.commits.append(git(self.root, "rev-parse", "HEAD").strip())
        self.count("edits")

    def _ok(self, *args: str) -> str:
        done = tracker(self.root, *args)
        if done.returncode != 0:
            raise RuntimeError(f"clone {self.index}: tracker {args}: {done.stderr}")
        return done.stdout

    def _edit_body(self, item: str, line: str) -> None:
        """A hand edit of this clone's own body line, committed with plain git."""
        path = self.root / "issues" / f"{item}.md"
        prefix = f"c{self.index}: "
        text = path.read_text(encoding="utf-8")
        lines = [line if old.startswith(prefix) else old for old in text.split("\n")]
        path.write_text("\n".join(lines), encoding="utf-8")
        git(self.root, "commit", "-q", "-m", f"body {item}: {line}", "--", f"issues/{item}.md")
        self.lines[item] = line

    def sync(self, attempts: int = 6) -> bool:
        """Sync, resolving true conflicts by hand, until clean; False if it never was."""
        for _ in range(attempts):
            done = tracker(self.root, "sync", "--format", "json")
            self.count("syncs")
            if done.returncode == 0:
                self.count("retries", json.loads(done.stdout)["retries"])
                return True
            if "kept moving" in done.stderr:
                self.count("gave_up")
                continue
            if done.returncode != 1 or not done.stdout.strip():
                raise RuntimeError(f"clone {self.index}: sync: {done.stderr}")
            report = json.loads(done.stdout)
            self.count("retries", report["retries"])
            self.resolve(report["conflicts"])
        return False

    def resolve(self, conflicts: dict[str, list[str]]) -> None:
        """Pick a side for each conflicted field, as a person would, and commit the merge."""
        for rel, names in conflicts.items():
            path = self.root / rel
            text = path.read_text(encoding="utf-8")
            self.count("conflicts", len(names))
            self.count("false_conflicts", self._false(text, names))
            path.write_text(merge.resolve(text, self.rng.choice([merge.OURS, merge.THEIRS])),
                            encoding="utf-8")
            git(self.root, "add", "--", rel)
        if tracker(self.root, "check").returncode != 0:
            raise RuntimeError(f"clone {self.index}: check fails after resolving")
        git(self.root, "commit", "-q", "--no-edit")

    @staticmethod
    def _false(text: str, names: list[str]) -> int:
        """Conflicts that are not two different values of one scalar field."""
        false = sum(1 for name in names if name not in SCALARS)
        if false:
            return false
        ours = frontmatter.parse("x", merge.resolve(text, merge.OURS))[0]
        theirs = frontmatter.parse("x", merge.resolve(text, merge.THEIRS))[0]
        return sum(1 for name in names if merge.same(ours.get(name), theirs.get(name)))


def setup(folder: Path, clones: int, seed: int, figures: Figures,
          items: int = 4) -> tuple[Path, list[Clone]]:
    """A bare remote holding a tracker with a few items, and `clones` fresh clones of it."""
    remote = folder / "remote.git"
    remote.mkdir(parents=True)
    git(remote, "init", "-q", "--bare", "-b", "main")
    first = folder / "seed"
    git(folder, "clone", "-q", str(remote), str(first))
    tracker(first, "init")
    for n in range(items):
        tracker(first, "new", "issue", f"Seed {n}", "--set", "tags=seed", "--body",
                body_for(clones))
    if tracker(first, "sync").returncode != 0:
        raise RuntimeError("seeding failed")
    lock = threading.Lock()
    made = []
    for index in range(clones):
        root = folder / f"clone{index}"
        git(folder, "clone", "-q", str(remote), str(root))  # no driver until sync installs it
        made.append(Clone(index, root, seed, figures, lock))
    return remote, made


def work(clone: Clone, rounds: int, barrier: threading.Barrier, errors: list[str]) -> None:
    """One clone's rounds: edits, then sync, in step with the others."""
    try:
        for round_ in range(rounds):
            barrier.wait(timeout=600)
            for n in range(clone.rng.randint(1, 3)):
                clone.edit(round_, n)
            clone.sync()
    except Exception as e:  # noqa: BLE001 - reported in the figures; other clones stop
        errors.append(f"clone {clone.index}: {e!r}")
        barrier.abort()


def soak(folder: Path, clones: int = 8, rounds: int = 25, seed: int = 1) -> Figures:
    """Run the soak in `folder` and return its figures."""
    started = time.monotonic()
    figures = Figures(clones, rounds)
    remote, made = setup(folder, clones, seed, figures)
    barrier = threading.Barrier(clones)
    threads = [threading.Thread(target=work, args=(c, rounds, barrier, figures.errors))
               for c in made]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for _ in range(2):  # everyone pulls everything
        for clone in made:
            clone.sync()
    verify(remote, made, figures)
    figures.seconds = round(time.monotonic() - started, 1)
    return figures


def verify(remote: Path, made: list[Clone], figures: Figures) -> None:
    """Converged, every edit in the history and in the final state, `check` clean."""
    top = git(remote, "rev-parse", "main").strip()
    figures.converged = all(git(c.root, "rev-parse", "HEAD").strip() == top
                            and not git(c.root, "status", "--porcelain") for c in made)
    history = set(git(remote, "rev-list", "main").split())
    final = made[0]
    lost = [f"commit {sha}" for c in made for sha in c.commits if sha not in history]
    for clone in made:
        lost += [f"item {i}" for i in clone.created if i not in final.items()]
        lost += [f"tag {t} on {i}" for i, t in clone.tags
                 if t not in (final.fields(i).get("tags") or [])]
        for item, line in clone.lines.items():
            text = (final.root / "issues" / f"{item}.md").read_text(encoding="utf-8")
            if line not in text.split("\n"):
                lost.append(f"body line {line!r} of {item}")
    figures.lost = len(lost)
    figures.errors.extend(lost[:20])
    figures.check_ok = tracker(final.root, "check").returncode == 0
