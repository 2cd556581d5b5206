"""Synthetic trackers for the benchmarks, written directly (not through the CLI).

Two shapes, both deterministic for a seed:

- flat: `tracker init`, then N issues of realistic size (ten fields, ~500 bytes of
  Markdown body) written as files and committed with plain git in one commit.
- history: the same for `items` issues, then `commits` commits made with
  `git fast-import`, each changing one field of one item, dated one hour apart from
  2026-01-01T01:00Z, so that `list --at DATE`, `log ID` and `diff A B` have meaning.
- lived: history as auto-commit makes it (`tracker new`, `tracker set`): one commit per
  item created, then one per edit (mostly status changes, a few items deleted), spread
  over a year: the shape `report site` walks for its burn-up and item histories.

Each generator also returns a `Meta` with what the benchmarks need to check the
output of the tracker: expected counts for the filters, a hot item of the history, the
revisions to diff and the items changed between them.

Usage: python benchmarks/generate.py flat|history|lived N OUT_FOLDER [EDITS]
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

TRACKER = Path(sys.executable).parent / "tracker"
ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # as tracker/ids.py
GREP_WORD = "quorum"  # in ~3% of bodies, and nowhere else
WHERE = "priority == 'high' and knocked > 100"
INIT_DATE = datetime(2025, 12, 31, tzinfo=timezone.utc)
ITEMS_DATE = datetime(2026, 1, 1, tzinfo=timezone.utc)
HOT_EVERY = 100  # in the history, every 100th commit changes the same "hot" item
PEOPLE = {"GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "bench@example.org",
          "GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "bench@example.org"}

VERBS = ["Print", "Book", "Train", "Update", "Prepare", "Check", "Order", "Map", "Organise",
         "Write", "Secure", "Call", "Translate", "Count", "Review", "Plan", "Send", "Fix"]
NOUNS = ["leaflets", "the hall", "volunteers", "the website", "the newsletter", "badges",
         "polling stations", "the market stall", "the weekly report", "door-knocking routes",
         "posters", "the phone bank", "the press kit", "canvassing sheets", "the budget"]
PLACES = ["in the north ward", "for Saturday", "before the debate", "downtown",
          "for the second round", "near the station", "in sector 12", "for the rally"]
WORDS = ("the team will cover every street of the sector and report back with the numbers "
         "door knocking volunteers need clear maps printed early with contact sheets and "
         "a short script for each visit so that nobody improvises on the doorstep results "
         "go into the shared sheet by evening and the coordinator checks them weekly").split()
STATUSES = (["open"] * 5 + ["in-progress"] * 3 + ["done"] * 3 + ["closed"])
PRIORITIES = ["low"] * 2 + ["normal"] * 5 + ["high"] * 2 + ["urgent"]
ASSIGNEES = [f"mob-{d:02d}-{n:03d}" for d in (75, 92, 93, 94) for n in range(1, 13)]
TAGS = ["terrain", "web", "print", "logistics", "data", "training", "press", "mailing"]
CHANGED = ["status", "priority", "assignee", "knocked", "opened", "positive", "due"]


@dataclass
class Meta:
    """What the benchmarks need to know about a generated tracker."""

    shape: str
    items: int
    commits: int
    ids: list[str]  # a sample of ids, the first one used by `show` and `set`
    expected: dict[str, int]  # expected counts: all, where, grep
    hot_id: str = ""
    hot_changes: int = 0
    diff_revs: list[str] = field(default_factory=list)
    diff_changed: int = 0
    at_date: str = ""
    head: str = ""  # the commit as generated: the benchmarks reset to it after writing

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=1) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> "Meta":
        return cls(**json.loads(path.read_text(encoding="utf-8")))


# ---------------------------------------------------------------- items


def new_id(rng: random.Random, taken: set[str]) -> str:
    """A fresh random id shaped like the tracker's own: issue-xxxxxxxx."""
    while True:
        item_id = "issue-" + "".join(rng.choice(ALPHABET) for _ in range(8))
        if item_id not in taken:
            taken.add(item_id)
            return item_id


def make_fields(rng: random.Random) -> dict[str, Any]:
    """Ten fields: the kind's seven, and three counters of an open (non-strict) kind."""
    knocked = rng.randint(0, 400)
    opened = rng.randint(0, knocked)
    fields: dict[str, Any] = {
        "title": f"{rng.choice(VERBS)} {rng.choice(NOUNS)} {rng.choice(PLACES)}",
        "status": rng.choice(STATUSES),
        "priority": rng.choice(PRIORITIES),
        "assignee": rng.choice(ASSIGNEES),
        "tags": sorted(rng.sample(TAGS, rng.randint(1, 3))),
        "due": date(2026, 1, 1) + timedelta(days=rng.randint(0, 364)),
        "created": datetime(2025, 1, 1, tzinfo=timezone.utc)
        + timedelta(seconds=rng.randint(0, 364 * 86400)),
        "knocked": knocked,
        "opened": opened,
        "positive": rng.randint(0, opened),
    }
    return fields


def make_body(rng: random.Random) -> str:
    """About 500 bytes of Markdown: a paragraph, a checklist, a note."""
    def sentence(n: int) -> str:
        words = [rng.choice(WORDS) for _ in range(n)]
        if rng.random() < 0.01:
            words[rng.randrange(n)] = GREP_WORD
        return " ".join(words).capitalize() + "."

    steps = "".join(f"- [{'x' if rng.random() < 0.4 else ' '}] {sentence(6)}\n"
                    for _ in range(3))
    return (f"## Context\n\n{sentence(18)} {sentence(14)}\n\n## Steps\n\n{steps}\n"
            f"Notes: {sentence(12)}\n")


def render(fields: dict[str, Any], body: str) -> str:
    """An item file as `tracker new` writes it."""
    lines = []
    for key, value in fields.items():
        if isinstance(value, list):
            value = "[" + ", ".join(value) + "]"
        elif isinstance(value, datetime):
            value = value.isoformat()
        lines.append(f"{key}: {value}\n")
    return "---\n" + "".join(lines) + "---\n" + body


def matches_where(fields: dict[str, Any]) -> bool:
    """The benchmark's --where filter, evaluated in Python."""
    return fields["priority"] == "high" and fields["knocked"] > 100


def matches_grep(fields: dict[str, Any], body: str) -> bool:
    return GREP_WORD in (fields["title"] + "\n" + body).lower()


def make_items(n: int, seed: int) -> list[tuple[str, dict[str, Any], str]]:
    """N (id, fields, body), the same for the same seed."""
    rng = random.Random(seed)
    taken: set[str] = set()
    return [(new_id(rng, taken), make_fields(rng), make_body(rng)) for _ in range(n)]


def expected_counts(items: list[tuple[str, dict[str, Any], str]]) -> dict[str, int]:
    return {"all": len(items),
            "where": sum(matches_where(f) for _, f, _ in items),
            "grep": sum(matches_grep(f, b) for _, f, b in items)}


# ---------------------------------------------------------------- git


def git_env(when: datetime | None = None) -> dict[str, str]:
    """The environment for git and tracker: fixed people, and a fixed date if given."""
    env = {**os.environ, **PEOPLE}
    if when is not None:
        env.update(GIT_AUTHOR_DATE=when.isoformat(), GIT_COMMITTER_DATE=when.isoformat(),
                   TRACKER_NOW=when.isoformat())
    return env


def git(folder: Path, *args: str, when: datetime | None = None, data: bytes | None = None
        ) -> str:
    done = subprocess.run(["git", *args], cwd=folder, env=git_env(when), input=data,
                          capture_output=True, check=True)
    return done.stdout.decode()


def init_tracker(folder: Path) -> None:
    """`tracker init` in a new folder, its commit dated before the items.

    The folder gets its own repository first: inside another work tree (the cache is
    in this project's), `tracker init` would otherwise set up the enclosing repository.
    """
    folder.mkdir(parents=True)
    git(folder, "init", "-q", "-b", "master")
    subprocess.run([str(TRACKER), "init", str(folder)], env=git_env(INIT_DATE),
                   capture_output=True, check=True)
    git(folder, "config", "user.name", PEOPLE["GIT_AUTHOR_NAME"])
    git(folder, "config", "user.email", PEOPLE["GIT_AUTHOR_EMAIL"])


def write_items(folder: Path, items: list[tuple[str, dict[str, Any], str]]) -> None:
    issues = folder / "issues"
    issues.mkdir(exist_ok=True)
    for item_id, fields, body in items:
        (issues / f"{item_id}.md").write_text(render(fields, body), encoding="utf-8")


def commit_all(folder: Path, message: str, when: datetime) -> None:
    git(folder, "add", "-A")
    git(folder, "commit", "-q", "-m", message, when=when)


# ---------------------------------------------------------------- shapes


def generate_flat(folder: Path, n: int, seed: int = 1) -> Meta:
    """A tracker of N items in one commit on top of the init commit."""
    init_tracker(folder)
    items = make_items(n, seed)
    write_items(folder, items)
    commit_all(folder, f"import {n} issues", ITEMS_DATE)
    return Meta("flat", n, 2, [i for i, _, _ in items[:10]], expected_counts(items),
                head=_nth_commit(folder, 0))


def generate_history(folder: Path, n: int, commits: int, seed: int = 2,
                     diff_span: int = 1000) -> Meta:
    """N items in one commit, then `commits` one-field commits via git fast-import."""
    init_tracker(folder)
    items = make_items(n, seed)
    write_items(folder, items)
    commit_all(folder, f"import {n} issues", ITEMS_DATE)
    diff_span = min(diff_span, commits // 4)
    rng = random.Random(seed + 1)
    state = {i: (f, b) for i, f, b in items}
    order = [i for i, _, _ in items]
    hot = order[0]
    stream = _change_stream(rng, state, order, hot, commits)
    first = commits // 2
    snapshots = _write_history(folder, stream, state, {first, first + diff_span})
    git(folder, "reset", "-q", "--hard", "HEAD")
    revs = [_nth_commit(folder, commits - first), _nth_commit(folder, commits - first
                                                              - diff_span)]
    a, b = snapshots[first], snapshots[first + diff_span]
    changed = sum(a[i] != b[i] for i in order)  # net: changed, then back, does not count
    at = (ITEMS_DATE + timedelta(hours=commits // 2)).date().isoformat()
    final = [(i, state[i][0], state[i][1]) for i in order]
    return Meta("history", n, commits + 2, order[:10], expected_counts(final), hot_id=hot,
                hot_changes=commits // HOT_EVERY, diff_revs=revs, diff_changed=changed,
                at_date=at, head=_nth_commit(folder, 0))


def _write_history(folder: Path, stream: Iterator[tuple[str, dict[str, Any], str, str]],
                   state: dict[str, tuple[dict[str, Any], str]], keep: set[int]
                   ) -> dict[int, dict[str, tuple[dict[str, Any], str]]]:
    """Feed the commits to git fast-import; return the state after each commit in `keep`."""
    snapshots = {0: dict(state)} if 0 in keep else {}
    with _fast_import(folder) as write:
        for index, (item_id, fields, body, message) in enumerate(stream):
            when = ITEMS_DATE + timedelta(hours=index + 1)
            write(_commit_record(index + 1, f"issues/{item_id}.md", render(fields, body),
                                 message, when))
            if index + 1 in keep:
                snapshots[index + 1] = dict(state)
    return snapshots


def _change_stream(rng: random.Random, state: dict[str, tuple[dict[str, Any], str]],
                   order: list[str], hot: str, commits: int
                   ) -> Iterator[tuple[str, dict[str, Any], str, str]]:
    """Yield (id, new fields, body, message) for each commit, updating `state`."""
    for index in range(commits):
        item_id = hot if index % HOT_EVERY == HOT_EVERY - 1 else rng.choice(order[1:])
        fields, body = state[item_id]
        name = rng.choice(CHANGED)
        fields = {**fields, name: _new_value(rng, name, fields)}
        state[item_id] = (fields, body)
        yield item_id, fields, body, f"set {item_id} {name}={fields[name]}"


def _new_value(rng: random.Random, name: str, fields: dict[str, Any]) -> Any:
    """A plausible new value for one field, different from the current one."""
    if name in ("knocked", "opened", "positive"):
        return fields[name] + rng.randint(1, 20)
    if name == "due":
        return fields["due"] + timedelta(days=rng.randint(1, 14))
    choices = {"status": STATUSES, "priority": PRIORITIES, "assignee": ASSIGNEES}[name]
    return rng.choice([c for c in choices if c != fields[name]])


def _commit_record(mark: int, path: str, text: str | None, message: str, when: datetime
                   ) -> bytes:
    """One fast-import commit on the current branch, changing one file (None: deleting it)."""
    msg = message.encode()
    stamp = f"{int(when.timestamp())} +0000"
    who = f"{PEOPLE['GIT_COMMITTER_NAME']} <{PEOPLE['GIT_COMMITTER_EMAIL']}>"
    head = (f"commit refs/heads/master\nmark :{mark}\nauthor {who} {stamp}\n"
            f"committer {who} {stamp}\ndata {len(msg)}\n").encode()
    parent = b"from refs/heads/master^0\n" if mark == 1 else b""
    if text is None:
        return head + msg + b"\n" + parent + f"D {path}\n".encode()
    data = text.encode()
    return (head + msg + b"\n" + parent + f"M 100644 inline {path}\ndata {len(data)}\n"
            .encode() + data + b"\n")


class _fast_import:
    """A `git fast-import` process fed by a write function, closed on exit."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def __enter__(self) -> Callable[[bytes], None]:
        self.proc = subprocess.Popen(["git", "fast-import", "--quiet"], cwd=self.folder,
                                     stdin=subprocess.PIPE, env=git_env())
        assert self.proc.stdin is not None
        return self.proc.stdin.write

    def __exit__(self, *exc: object) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        if self.proc.wait() != 0:
            raise RuntimeError("git fast-import failed")


def generate_lived(folder: Path, n: int, edits: int, seed: int = 3) -> Meta:
    """N items each created by its own commit, then `edits` commits each changing one
    field of one item (half of them its status) or, one in fifty, deleting it."""
    init_tracker(folder)
    items = make_items(n, seed)
    rng = random.Random(seed + 1)
    step = timedelta(days=365) / (n + edits)
    state = {i: (f, b) for i, f, b in items}
    with _fast_import(folder) as write:
        for index, (item_id, fields, body) in enumerate(items):
            write(_commit_record(index + 1, f"issues/{item_id}.md", render(fields, body),
                                 f"new {item_id}", ITEMS_DATE + step * (index + 1)))
        alive = [i for i, _, _ in items]
        for index in range(n, n + edits):
            when = ITEMS_DATE + step * (index + 1)
            item_id = rng.choice(alive)
            if rng.random() < 0.02:
                alive.remove(item_id)
                del state[item_id]
                write(_commit_record(index + 1, f"issues/{item_id}.md", None,
                                     f"delete {item_id}", when))
                continue
            fields, body = state[item_id]
            name = "status" if rng.random() < 0.5 else rng.choice(CHANGED)
            fields = {**fields, name: _new_value(rng, name, fields)}
            state[item_id] = (fields, body)
            write(_commit_record(index + 1, f"issues/{item_id}.md", render(fields, body),
                                 f"set {item_id} {name}={fields[name]}", when))
    git(folder, "reset", "-q", "--hard", "HEAD")
    final = [(i, *state[i]) for i in alive]
    return Meta("lived", len(final), n + edits + 1, alive[:10], expected_counts(final),
                head=_nth_commit(folder, 0))


def _nth_commit(folder: Path, back: int) -> str:
    """The sha of HEAD~back."""
    return git(folder, "rev-parse", f"HEAD~{back}").strip()


def main(argv: list[str]) -> None:
    shape, n, out = argv[0], int(argv[1]), Path(argv[2])
    if shape == "lived":
        meta = generate_lived(out, n, int(argv[3]) if len(argv) > 3 else n // 40)
    else:
        meta = generate_flat(out, n) if shape == "flat" else generate_history(out, n, n)
    print(json.dumps(asdict(meta), indent=1))


if __name__ == "__main__":
    main(sys.argv[1:])


# ---------------------------------------------------------------- campaign data

RESULTS_HEADER = ("Code département;Libellé département;Code commune;Libellé commune;Code BV;"
                  "Inscrits;Votants;% Votants;Abstentions;% Abstentions;Exprimés;"
                  "Numéro de panneau 1;Nuance candidat 1;Nom candidat 1;Prénom candidat 1;"
                  "Sexe candidat 1;Voix 1")


def results_file(path: Path, bureaux: int, seed: int = 5) -> None:
    """Results by polling station in the Ministry's 2024+ format, Latin-1: `bureaux` rows
    spread over the real communes of the shipped table."""
    from tracker.campaign.communes import load_communes

    rng = random.Random(seed)
    communes = sorted(load_communes().values(), key=lambda c: c.code)
    rows = [RESULTS_HEADER]
    per = max(1, bureaux // len(communes) + 1)
    for commune in communes:
        for number in range(1, per + 1):
            if len(rows) > bureaux:
                break
            inscrits = rng.randint(300, 1500)
            votants = rng.randint(inscrits // 3, inscrits)
            exprimes = max(0, votants - rng.randint(0, 20))
            rows.append(";".join([
                commune.departement, "Dép", commune.code, commune.name, f"{number:04d}",
                str(inscrits), str(votants), f"{100 * votants / inscrits:.2f}".replace(".", ","),
                str(inscrits - votants), "0,00", str(exprimes), "1", "DIV", "NOM", "Prénom",
                "F", str(exprimes // 3)]))
    path.write_bytes(("\n".join(rows) + "\n").encode("cp1252", errors="replace"))
