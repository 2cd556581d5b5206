"""The repository itself as the odd input: the whole corpus committed in a SHA-256
repository (`git init --object-format=sha256`, 64-hex object ids, a null id of 64 zeros)
and read through the console script's history commands, which read git objects
themselves. Each reads there what it reads from the work tree, and never a traceback."""

from __future__ import annotations

import json

from tests.adversarial.test_corpus import CASES, PWNED
from tests.helpers import commit_all, git, run_tracker, write_tree


def test_the_corpus_in_a_sha256_repository(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "--object-format=sha256")
    assert run_tracker(repo, "init").returncode == 0
    witness = run_tracker(repo, "new", "issue", "Witness").stdout.strip()
    files = {f"issues/{p.stem}.md": p.read_bytes().replace(PWNED.encode(), b"/nonexistent/x")
             for p in CASES.glob("*.md")}
    write_tree(repo, files)
    commit_all(repo, "the whole corpus")
    now = run_tracker(repo, "list", "--format", "ids")
    then = run_tracker(repo, "list", "--at", "HEAD", "--format", "ids")
    for done in (now, then):
        assert "Traceback" not in done.stderr and done.returncode == 1, done.stderr
    assert then.stdout == now.stdout and witness in now.stdout.split()
    def warned(done):
        return sorted(line.split(":")[1].strip() for line in done.stderr.splitlines()
                      if line.startswith("warning:"))
    assert warned(then) == warned(now) and warned(now)  # the same files, each located
    for args in (["log"], ["log", "--format", "json"], ["log", witness], ["blame", witness],
                 ["diff", "HEAD~1"], ["diff", "HEAD~1", "HEAD", "--format", "json"],
                 ["show", witness, "--at", "HEAD~1"], ["check", "--since", "HEAD~1"]):
        done = run_tracker(repo, *args)
        assert "Traceback" not in done.stderr, (args, done.stderr)
        assert done.returncode in (0, 1), (args, done.returncode, done.stderr)
    added = json.loads(run_tracker(repo, "diff", "HEAD~1", "HEAD", "--format", "json").stdout)
    assert {entry["id"] for entry in added["added"]} >= set(now.stdout.split()) - {witness}
