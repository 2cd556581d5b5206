"""Creating a tracker: `tracker init`, from a built-in project template."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from . import gitrepo
from .errors import TrackerError
from .resources import project_templates, templates_dir
from .workspace import CONFIG_DIR, CONFIG_FILE, write_atomic


@dataclass
class InitResult:
    root: Path
    created: list[Path] = field(default_factory=list)
    git_initialised: bool = False
    committed: bool = False


def init(folder: Path, template: str = "default", commit: bool = True) -> InitResult:
    """Set up a tracker in `folder`; running it again changes no data."""
    source = templates_dir() / "projects" / template
    if not source.is_dir():
        raise TrackerError(f"unknown template '{template}'; templates: "
                           + ", ".join(project_templates()))
    folder.mkdir(parents=True, exist_ok=True)
    folder = folder.resolve()
    result = InitResult(folder)
    top = gitrepo.find_top(folder)
    if top is None:
        gitrepo.init(folder)
        top, result.git_initialised = folder, True
    config = folder / CONFIG_DIR / CONFIG_FILE
    if not config.exists():
        text = (source / "config.yaml").read_text(encoding="utf-8")
        write_atomic(config, f"name: {_yaml_name(folder.name)}\ntemplate: {template}\n" + text)
        result.created.append(config)
    for kind_file in sorted((source / "kinds").glob("*.yaml")):
        target = folder / CONFIG_DIR / "kinds" / kind_file.name
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(kind_file, target)
            result.created.append(target)
    install_git_settings(top)
    if commit and result.created:
        rel = [str(p.relative_to(top)) for p in result.created]
        result.committed = gitrepo.commit(top, rel, f"tracker init ({template} template)")
    return result


def install_git_settings(top: Path) -> None:
    """Local git settings a clone does not carry (the merge driver, once it exists)."""
    return None


def _yaml_name(name: str) -> str:
    import json  # noqa: PLC0415

    return json.dumps(name, ensure_ascii=False)
