"""A real, non-editable wheel installed in a fresh venv finds its built-in templates."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import git

SOURCE = Path(__file__).resolve().parent.parent


def run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True,
                          env=env or dict(os.environ))
    assert done.returncode == 0, f"{args}: {done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bin folder of a fresh venv holding tracker installed from a built wheel."""
    base = tmp_path_factory.mktemp("wheel")
    source = base / "src"
    source.mkdir()
    for name in ("tracker", "templates"):
        shutil.copytree(SOURCE / name, source / name,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copyfile(SOURCE / name, source / name)
    dist = base / "dist"
    run(sys.executable, "-m", "build", "--wheel", "--outdir", dist, source, cwd=base)
    wheels = list(dist.glob("tracker-*.whl"))
    assert len(wheels) == 1
    venv = base / "venv"
    run(sys.executable, "-m", "venv", venv, cwd=base)
    bin_dir = venv / ("Scripts" if os.name == "nt" else "bin")
    run(bin_dir / "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
        wheels[0], cwd=base)
    shutil.rmtree(source)  # the installed package must not need the source tree
    return bin_dir


def clean_env(bin_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    return env


@pytest.mark.slow
def test_the_wheel_is_not_the_source_tree(installed, tmp_path):
    where = run(installed / "python", "-c", "import tracker; print(tracker.__file__)",
                cwd=tmp_path, env=clean_env(installed)).strip()
    assert Path(where).is_relative_to(installed.parent)
    assert not Path(where).is_relative_to(SOURCE)


@pytest.mark.slow
def test_init_from_the_wheel_finds_the_templates(installed, tmp_path):
    folder = tmp_path / "t"
    folder.mkdir()
    env = clean_env(installed)
    run(installed / "tracker", "init", cwd=folder, env=env)
    kind = folder / ".tracker" / "kinds" / "issue.yaml"
    assert kind.is_file()
    assert kind.read_bytes() == (SOURCE / "templates" / "projects" / "default" / "kinds"
                                 / "issue.yaml").read_bytes()
    assert (folder / ".tracker" / "config.yaml").is_file()
    item_id = run(installed / "tracker", "new", "issue", "Depuis la roue", cwd=folder,
                  env=env).strip()
    assert run(installed / "tracker", "list", "--format", "ids", cwd=folder,
               env=env).split() == [item_id]
    assert git(folder, "status", "--porcelain") == ""


@pytest.mark.slow
def test_git_tracker_script_from_the_wheel(installed, tmp_path):
    env = clean_env(installed)
    run(installed / "git-tracker", "init", cwd=tmp_path, env=env)
    assert run("git", "tracker", "list", "--format", "ids", cwd=tmp_path, env=env) == ""
    assert run(installed / "tracker", "--version", cwd=tmp_path, env=env).startswith(
        "tracker, version ")
