"""The same items in Backlog.md's format, and its commands for our operations.

Used only where the npm package `backlog.md` (command `backlog`) is installed; the
benchmarks never install it. Its tasks live in `backlog/tasks/task-N - Title.md` with
YAML front matter (id, title, status, assignee, created_date, labels, dependencies,
priority) and the body under `## Description`.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any, Callable

from generate import GREP_WORD, ITEMS_DATE, commit_all, git, make_items

STATUS = {"open": "To Do", "in-progress": "In Progress", "done": "Done", "closed": "Done"}
PRIORITY = {"low": "low", "normal": "medium", "high": "high", "urgent": "high"}
CONFIG = """project_name: "bench"
default_status: "To Do"
statuses: ["To Do", "In Progress", "Done"]
labels: []
milestones: []
date_format: yyyy-mm-dd
auto_commit: true
remote_operations: false
check_active_branches: false
"""


def installed() -> str | None:
    """The path of the `backlog` command, or None."""
    return shutil.which("backlog")


def render(number: int, fields: dict[str, Any], body: str) -> str:
    """One task file as Backlog.md writes it."""
    labels = "".join(f"  - {tag}\n" for tag in fields["tags"])
    return (f"---\nid: task-{number}\ntitle: {fields['title']}\n"
            f"status: {STATUS[fields['status']]}\nassignee:\n  - '@{fields['assignee']}'\n"
            f"created_date: '{fields['created']:%Y-%m-%d %H:%M}'\nlabels:\n{labels}"
            f"dependencies: []\npriority: {PRIORITY[fields['priority']]}\n---\n\n"
            f"## Description\n\n{body}")


def generate(folder: Path, n: int, seed: int = 1) -> None:
    """A Backlog.md project holding the flat tracker's N items, in one commit."""
    tasks = folder / "backlog" / "tasks"
    tasks.mkdir(parents=True)
    git(folder, "init", "-q")
    (folder / "backlog" / "config.yml").write_text(CONFIG, encoding="utf-8")
    for number, (_, fields, body) in enumerate(make_items(n, seed), start=1):
        name = re.sub(r"[^A-Za-z0-9-]+", "-", fields["title"]).strip("-")
        (tasks / f"task-{number} - {name}.md").write_text(render(number, fields, body),
                                                          encoding="utf-8")
    commit_all(folder, f"import {n} tasks", ITEMS_DATE)


def commands(program: str) -> dict[str, Callable[[int], list[str]]]:
    """Backlog.md's command for each of our operations that it has."""
    return {
        "list (warm)": lambda i: [program, "task", "list", "--plain"],
        "list --grep": lambda i: [program, "search", GREP_WORD, "--plain"],
        "show ID": lambda i: [program, "task", "view", "task-1", "--plain"],
        "set ID field=value": lambda i: [program, "task", "edit", "1", "-a",
                                         f"@bench-{i}"],
        "new issue TITLE": lambda i: [program, "task", "create", f"Bench task {i}"],
    }
