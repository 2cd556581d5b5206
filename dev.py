#!/usr/bin/env python3
"""One entry point for a fresh machine: `python3 dev.py demo` or `python3 dev.py test`.

Creates (or reuses) a virtual environment in .venv, installs tracker into it with
what the tests need, then runs the demo or the test suite. Needs only Python 3.11+
and git.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

HERE = Path(__file__).resolve().parent
VENV = HERE / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".installed"


def ensure_venv() -> None:
    """Create .venv and install tracker[test] into it, again only when pyproject changes."""
    if sys.version_info < (3, 11):
        sys.exit(f"tracker needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    if not (BIN / "python").exists():
        print("Creating .venv …", file=sys.stderr)
        venv.EnvBuilder(with_pip=True).create(VENV)
    digest = hashlib.sha256((HERE / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == digest:
        return
    print("Installing tracker and its test tools into .venv …", file=sys.stderr)
    pip = [str(BIN / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run(pip + ["--upgrade", "pip"], check=True)
    subprocess.run(pip + ["-e", f"{HERE}[test]"], check=True)
    STAMP.write_text(digest)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("demo", "test"):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    ensure_venv()
    if argv[0] == "demo":
        out = argv[1] if len(argv) > 1 else str(HERE / "demo-out")
        if Path(out).exists():
            import shutil

            shutil.rmtree(out)
        return subprocess.run([str(BIN / "tracker"), "demo", "--out", out]).returncode
    args = argv[1:]
    if not any(a == "-n" or a.startswith(("-n", "--numprocesses")) for a in args):
        # Tests are independent (each in its own temp repository): one worker per core.
        args = ["-n", "auto", "--dist", "loadfile", *args]
    return subprocess.run([str(BIN / "python"), "-m", "pytest", *args], cwd=HERE).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
