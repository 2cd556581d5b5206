"""Every ```sh example in docs/ runs.

For each document, its ```sh blocks run in order, as one bash script under `set -e`, in
a fresh temporary folder, with the installed `tracker` first on PATH and the identities,
dates and global git config pinned by tests/conftest.py. Shell variables carry from one
block to the next, as they would for a reader typing along. A block that must not run
(GitHub Actions YAML, commands needing a real remote or an editor) uses another info
string (```text, ```yaml) or follows a `<!-- no-test -->` line.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
FENCE = re.compile(r"^```(\S*)[ \t]*$")
NO_TEST = "<!-- no-test -->"


def sh_blocks(text: str) -> list[tuple[int, str]]:
    """(first line number, code) of each ```sh block not preceded by a no-test marker."""
    blocks: list[tuple[int, str]] = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        match = FENCE.match(lines[index])
        if not match:
            index += 1
            continue
        info, start = match.group(1), index + 1
        end = start
        while end < len(lines) and lines[end].rstrip() != "```":
            end += 1
        previous = next((lines[i].strip() for i in range(index - 1, -1, -1)
                         if lines[i].strip()), "")
        if info in ("sh", "bash", "shell") and previous != NO_TEST:
            blocks.append((start + 1, "\n".join(lines[start:end])))
        index = end + 1
    return blocks


def documents() -> list[Path]:
    return [p for p in sorted(DOCS.glob("*.md")) if sh_blocks(p.read_text(encoding="utf-8"))]


def script_of(doc: Path) -> str:
    parts = ["set -e"]
    for line, code in sh_blocks(doc.read_text(encoding="utf-8")):
        parts.append(f"echo '>>> {doc.name}:{line}' >&2")
        parts.append(code)
    return "\n".join(parts) + "\n"


def test_marker_and_info_strings_are_found() -> None:
    text = "```sh\necho a\n```\n\n<!-- no-test -->\n```sh\nexit 1\n```\n```text\nexit 1\n```\n"
    assert sh_blocks(text) == [(2, "echo a")]


def test_every_guide_has_examples() -> None:
    names = {p.name for p in documents()}
    for name in ("getting-started.md", "file-format.md", "kinds.md", "merging.md",
                 "templates.md", "campaign.md"):
        assert name in names


@pytest.mark.parametrize("doc", documents(), ids=lambda p: p.name)
def test_examples_run(doc: Path, tmp_path: Path) -> None:
    bin_dir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", "")}
    work = tmp_path / "work"
    work.mkdir()
    done = subprocess.run(["bash", "-c", script_of(doc)], cwd=work, env=env, text=True,
                          capture_output=True, timeout=600)
    assert done.returncode == 0, (
        f"an example in docs/{doc.name} failed (exit {done.returncode}); the last '>>>' "
        f"line names its block.\n--- stdout ---\n{done.stdout[-4000:]}\n"
        f"--- stderr ---\n{done.stderr[-4000:]}")
