"""The code stays clean: ruff and mypy pass, and each outside library has one owner."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "tracker"


def _tool(name: str) -> list[str]:
    path = Path(sys.executable).parent / name
    if path.exists():
        return [str(path)]
    found = shutil.which(name)
    if not found:
        pytest.skip(f"{name} is not installed (pip install '.[test]')")
    return [found]


def test_ruff():
    done = subprocess.run([*_tool("ruff"), "check", "tracker", "--select", "E,F,W,I",
                           "--line-length", "100"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy():
    done = subprocess.run([*_tool("mypy"), "tracker", "--ignore-missing-imports"], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def _importers(library: str) -> set[str]:
    found = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 \
                else []
            if any(n == library or n.startswith(library + ".") for n in names):
                found.add(path.relative_to(PACKAGE).as_posix())
    return found


def test_each_library_has_one_owner():
    assert _importers("git") == set()  # GitPython: history runs plain git (git/repo.py)
    assert _importers("jinja2") == {"expr/jinja.py"}
    assert {p.split("/")[0] for p in _importers("click")} == {"cli"}
    for library in ("starlette", "uvicorn", "httptools", "multipart"):  # tracker serve's
        assert {p.split("/")[0] for p in _importers(library)} <= {"serve"}, library
    for library in ("mcp", "mcp_types", "anyio"):  # tracker mcp's SDK
        assert {p.split("/")[0] for p in _importers(library)} <= {"mcp"}, library
    assert _importers("mcp") == {"mcp/server.py"}  # tools.py works without the SDK
