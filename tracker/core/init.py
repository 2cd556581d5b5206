"""Creating a tracker: `tracker init`, from a built-in project template."""

from __future__ import annotations

import shlex
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

from tracker.core import attributes
from tracker.core.attributes import ATTRIBUTES
from tracker.git import process as gitprocess
from tracker.git import repo as gitrepo
from tracker.model.errors import TrackerError
from tracker.store.files import write_atomic
from tracker.store.resources import project_templates, templates_dir
from tracker.store.workspace import CONFIG_DIR, CONFIG_FILE, Workspace

DRIVER_NAME = "tracker: field-aware merge of item files"


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
    attributes.read(folder / ATTRIBUTES)  # one it cannot amend is refused before any write
    if gitrepo.inside_git_dir(folder):
        raise TrackerError(f"{folder} is a bare git repository (or inside .git): it has no "
                           "work tree; clone it and run 'tracker init' in the clone")
    found = gitprocess.find_top(str(folder))
    top = Path(found) if found is not None else None
    if top is None or (top != folder and gitrepo.ignored(top, folder)):
        # no repository here, or one whose .gitignore excludes this folder: its own
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
            write_atomic(target, kind_file.read_bytes().decode("utf-8"))
            result.created.append(target)
    install_git_settings(top)
    routes = install_attributes(folder)
    if routes is not None:
        result.created.append(routes)
    if commit and result.created:
        rel = [str(p.relative_to(top)) for p in result.created]
        result.committed = gitrepo.commit(top, rel, f"tracker init ({template} template)")
    return result


def install_git_settings(top: Path) -> bool:
    """Set the local git settings a clone does not carry: the merge driver.

    Returns True when something had to be (re)written.
    """
    wanted = {"merge.tracker.name": DRIVER_NAME, "merge.tracker.driver": driver_command()}
    changed = False
    for key, value in wanted.items():
        if gitrepo.get_config(top, key) != value:
            gitrepo.set_config(top, key, value)
            changed = True
    return changed


def git_settings_ok(top: Path) -> bool:
    """True when the merge driver is configured and its program is still there."""
    command = gitrepo.get_config(top, "merge.tracker.driver")
    if not command or not gitrepo.get_config(top, "merge.tracker.name"):
        return False
    try:
        program = shlex.split(command)[0]
    except (ValueError, IndexError):
        return False
    return Path(program).is_file() if Path(program).is_absolute() else bool(
        shutil.which(program))


def driver_command() -> str:
    """The merge driver command line, naming this installation's tracker by absolute path.

    An absolute path rather than PATH: git runs the driver from wherever the merge happens
    (a GUI, an IDE, a cron job, a test) and that environment often lacks the virtualenv
    or pipx folder on PATH; a driver git cannot start makes every item a conflict. The
    setting is local to one clone on one machine, so the path never travels; `tracker
    init` and `tracker sync` rewrite it when it is missing or its program has gone.
    """
    script = Path(sys.executable).parent / "tracker"
    found = shutil.which("tracker")
    if script.is_file():
        program = [str(script.absolute())]
    elif found:
        program = [str(Path(found).absolute())]
    else:
        program = [sys.executable, "-m", "tracker"]
    return shlex.join(program) + " merge-driver %O %A %B %P"


def install_attributes(root: Path) -> Path | None:
    """Route every kind's item files, flat or sharded, to the merge driver in
    `.gitattributes`: tracker's old lines rewritten, the missing ones added after the
    user's own (`core/attributes.py`); returns the file if it changed."""
    try:
        folders = sorted({kind.folder for kind in Workspace(root).kinds.values()})
    except TrackerError:
        return None  # broken kinds: `tracker check` reports them; init stays usable
    return attributes.install(root, folders)


def _yaml_name(name: str) -> str:
    import json  # noqa: PLC0415

    return json.dumps(name, ensure_ascii=False)
