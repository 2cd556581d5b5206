"""Concurrent tracker processes are serialized by the lock and lose nothing."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.helpers import git, log_subjects, run_tracker, status_porcelain, tracker_exe

N = 8


def start(folder: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([*tracker_exe(), *args], cwd=folder, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=dict(os.environ))


def finish(processes: list[subprocess.Popen[str]]) -> list[str]:
    outputs = []
    for process in processes:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
        assert "Traceback" not in err
        outputs.append(out)
    return outputs


@pytest.fixture
def project(tmp_path: Path) -> Path:
    folder = tmp_path / "p"
    folder.mkdir()
    assert run_tracker(folder, "init").returncode == 0
    return folder


@pytest.mark.slow
def test_eight_concurrent_new_give_eight_committed_items(project):
    processes = [start(project, "new", "issue", f"Item {n}", "--set", f"assignee=p{n}")
                 for n in range(N)]
    ids = [out.strip() for out in finish(processes)]
    assert len(set(ids)) == N
    files = sorted(p.stem for p in (project / "issues").glob("*.md"))
    assert files == sorted(ids)
    assert status_porcelain(project) == ""
    tracked = git(project, "ls-tree", "-r", "--name-only", "HEAD", "issues").split()
    assert sorted(tracked) == sorted(f"issues/{i}.md" for i in ids)
    subjects = [s for s in log_subjects(project) if s.startswith("new ")]
    assert sorted(subjects) == sorted(f"new {i}: Item {n}" for n, i in enumerate(ids))
    for item_id in ids:
        assert git(project, "show", "--name-only", "--format=", f":/new {item_id}").split() == [
            f"issues/{item_id}.md"]
    listed = json.loads(run_tracker(project, "list", "--format", "json").stdout)
    assert sorted(r["assignee"] for r in listed) == sorted(f"p{n}" for n in range(N))
    assert not list((project / "issues").glob(".*"))  # no temporary files left


@pytest.mark.slow
def test_concurrent_set_on_one_item_loses_no_field(project):
    item_id = run_tracker(project, "new", "issue", "Shared").stdout.strip()
    processes = [start(project, "set", item_id, f"field{n}=value{n}") for n in range(N)]
    finish(processes)
    shown = json.loads(run_tracker(project, "show", item_id, "--format", "json").stdout)
    assert {f"field{n}": shown.get(f"field{n}") for n in range(N)} == {
        f"field{n}": f"value{n}" for n in range(N)}
    assert status_porcelain(project) == ""
    assert len([s for s in log_subjects(project) if s.startswith(f"set {item_id}")]) == N
