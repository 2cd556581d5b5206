"""Moving in from other trackers: GitHub issues (the JSON of `gh issue list`), a
Backlog.md project, and tracker's own JSON export.

Each keeps the source's id in a field (`github_number`, `backlog_id`, or the item's own
id for JSON), so importing the same source again updates the items it made instead of
adding new ones.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from tracker.importers import MalformedInput, Row

GITHUB_KEY = "github_number"
BACKLOG_KEY = "backlog_id"


def _load_json(text: str, source: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise MalformedInput(source, e.lineno, f"invalid JSON: {e.msg}") from None


def _when(text: Any) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.replace(microsecond=0)


def status_for(statuses: tuple[str, ...], closed: bool) -> str | None:
    """A closed issue takes `closed` (or the workflow's last status); an open one its first."""
    if not statuses:
        return None
    if closed:
        return "closed" if "closed" in statuses else statuses[-1]
    return statuses[0]


# ---------------------------------------------------------------- GitHub


def parse_github(text: str, source: str, statuses: tuple[str, ...]) -> list[Row]:
    """`gh issue list --json number,title,body,state,labels,assignees,author,createdAt,
    closedAt,comments,milestone` as rows: comments go under a heading in the body."""
    data = _load_json(text, source)
    if not isinstance(data, list):
        raise MalformedInput(source, 1, "expected a JSON array of issues (gh issue list --json)")
    rows = []
    for index, issue in enumerate(data):
        if not isinstance(issue, dict) or "number" not in issue or "title" not in issue:
            raise MalformedInput(source, None, f"issue #{index + 1}: needs 'number' and 'title'")
        rows.append(Row(index + 1, _github_record(issue, statuses)))
    return rows


def _github_record(issue: dict[str, Any], statuses: tuple[str, ...]) -> dict[str, Any]:
    closed = str(issue.get("state", "")).upper() == "CLOSED"
    assignees = [a.get("login") for a in issue.get("assignees") or [] if isinstance(a, dict)]
    milestone = issue.get("milestone")
    record: dict[str, Any] = {
        "title": str(issue["title"]), "status": status_for(statuses, closed),
        GITHUB_KEY: int(issue["number"]),
        "tags": [str(label.get("name")) for label in issue.get("labels") or []
                 if isinstance(label, dict) and label.get("name")],
        "assignee": assignees[0] if assignees else None,
        "author": (issue.get("author") or {}).get("login"),
        "created": _when(issue.get("createdAt")), "closed_at": _when(issue.get("closedAt")),
        "milestone": milestone.get("title") if isinstance(milestone, dict) else None,
        "body": _github_body(issue),
    }
    return {k: v for k, v in record.items() if v not in (None, [])}


def _github_body(issue: dict[str, Any]) -> str:
    body = str(issue.get("body") or "").replace("\r\n", "\n").strip()
    comments = [c for c in issue.get("comments") or [] if isinstance(c, dict)]
    if comments:
        parts = [body, "", "## Comments"] if body else ["## Comments"]
        for comment in comments:
            who = (comment.get("author") or {}).get("login") or "?"
            when = str(comment.get("createdAt") or "")[:10]
            text = str(comment.get("body") or "").replace("\r\n", "\n").strip()
            parts += ["", f"**{who}** ({when}):", "", text]
        body = "\n".join(parts)
    return body + "\n" if body else ""


# ---------------------------------------------------------------- Backlog.md


def parse_backlog(folder: Path, statuses: tuple[str, ...]) -> list[Row]:
    """The tasks of a Backlog.md project: `backlog/tasks/*.md` and `backlog/completed/*.md`."""
    root = folder / "backlog" if (folder / "backlog").is_dir() else folder
    if not (root / "tasks").is_dir():
        raise MalformedInput(str(folder), None, "no backlog/tasks folder: not a Backlog.md project")
    names = _backlog_statuses(root)
    rows: list[Row] = []
    for sub, done in (("tasks", False), ("completed", True)):
        for path in sorted((root / sub).glob("*.md")) if (root / sub).is_dir() else []:
            rows.append(Row(len(rows) + 1, _backlog_record(path, names, statuses, done)))
    return rows


def _backlog_statuses(root: Path) -> list[str]:
    config = root / "config.yml"
    try:
        data = yaml.safe_load(config.read_text(encoding="utf-8")) if config.is_file() else None
    except yaml.YAMLError:
        data = None
    found = data.get("statuses") if isinstance(data, dict) else None
    return [str(s) for s in found] if isinstance(found, list) and found else [
        "To Do", "In Progress", "Done"]


def _backlog_record(path: Path, names: list[str], statuses: tuple[str, ...],
                    completed: bool) -> dict[str, Any]:
    from tracker.format import frontmatter  # noqa: PLC0415

    text = path.read_text(encoding="utf-8", errors="replace")
    try:
        fields, doc = frontmatter.parse(path.name, text)
    except Exception as e:  # noqa: BLE001 - any unreadable task is reported with its file
        raise MalformedInput(str(path), None, f"cannot read this task: {e}") from None
    task_id = str(fields.get("id") or path.name.split(" ")[0])
    labels = fields.get("labels") or []
    assignees = fields.get("assignee") or []
    assignees = assignees if isinstance(assignees, list) else [assignees]
    record: dict[str, Any] = {
        "title": str(fields.get("title") or path.stem), BACKLOG_KEY: task_id,
        "status": _backlog_status(str(fields.get("status") or ""), names, statuses, completed),
        "tags": [str(label) for label in labels] if isinstance(labels, list) else None,
        "assignee": str(assignees[0]).lstrip("@") if assignees else None,
        "priority": {"high": "high", "medium": "normal", "low": "low"}.get(
            str(fields.get("priority") or "").lower()),
        "created": _backlog_date(fields.get("created_date")),
        "body": doc.body.lstrip("\n"),
    }
    return {k: v for k, v in record.items() if v not in (None, [])}


def _backlog_status(name: str, names: list[str], statuses: tuple[str, ...],
                    completed: bool) -> str | None:
    """Backlog's status mapped by position: first → our first, last → done, others between."""
    if not statuses:
        return None
    if completed or (names and name == names[-1]):
        return "done" if "done" in statuses else statuses[-1]
    if names and name == names[0] or name not in names:
        return statuses[0]
    return "in-progress" if "in-progress" in statuses else statuses[min(1, len(statuses) - 1)]


def _backlog_date(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day).astimezone()
    match = re.match(r"(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2}))?", str(value or ""))
    if not match:
        return None
    return datetime.fromisoformat(f"{match.group(1)}T{match.group(2) or '00:00'}").astimezone()


# ---------------------------------------------------------------- git-issue

GIT_ISSUE_KEY = "git_issue_id"


def parse_git_issue(folder: Path, statuses: tuple[str, ...]) -> list[Row]:
    """git-issue's `.issues/issues/xx/<sha>/`: `description` (summary line, then text),
    `tags` (one a line; `open`/`closed` give the status), `assignee`, `comments/`."""
    root = folder / ".issues" if (folder / ".issues").is_dir() else folder
    issues = root / "issues"
    if not issues.is_dir():
        raise MalformedInput(str(folder), None, "no .issues/issues folder: not a git-issue "
                             "repository")
    rows: list[Row] = []
    for path in sorted(p for p in issues.glob("*/*") if (p / "description").is_file()):
        rows.append(Row(len(rows) + 1, _git_issue_record(path, statuses)))
    return rows


def _git_issue_record(path: Path, statuses: tuple[str, ...]) -> dict[str, Any]:
    text = _read(path / "description")
    title, _, rest = text.partition("\n")
    tags = [t.strip() for t in _read(path / "tags").splitlines() if t.strip()]
    comments = [_read(c).strip() for c in sorted((path / "comments").glob("*"))
                if c.is_file()] if (path / "comments").is_dir() else []
    body = rest.strip()
    if comments:
        body = "\n\n".join(([body] if body else []) + ["## Comments"] + comments)
    record: dict[str, Any] = {
        "title": title.strip() or path.name[:7], GIT_ISSUE_KEY: path.parent.name + path.name,
        "status": status_for(statuses, "closed" in tags and "open" not in tags),
        "tags": [t for t in tags if t not in ("open", "closed")],
        "assignee": _read(path / "assignee").strip() or None,
        "body": body + "\n" if body else "",
    }
    return {k: v for k, v in record.items() if v not in (None, [])}


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace").replace("\r\n", "\n")
    except OSError:
        return ""


def run_git_issue(t: Any, folder: Path, kind: str = "issue", progress: Any = None,
                  mode: Any = None) -> Any:
    """Import a git-issue repository's issues into items of `kind`, in one commit."""
    rows = parse_git_issue(folder, _statuses(t, kind))
    return apply_with_body(t, kind, rows, str(folder), key=GIT_ISSUE_KEY,
                           message=f"import git-issue: {len(rows)} issues", progress=progress,
                           mode=mode)


# ---------------------------------------------------------------- tracker's own JSON


def parse_export(text: str, source: str) -> dict[str, list[Row]]:
    """`tracker export json` output, grouped by kind: each row keeps its id and body."""
    data = _load_json(text, source)
    if not isinstance(data, list):
        raise MalformedInput(source, 1, "expected the JSON array that tracker export json writes")
    by_kind: dict[str, list[Row]] = {}
    for index, entry in enumerate(data):
        if not isinstance(entry, dict) or not entry.get("id") or not entry.get("kind"):
            raise MalformedInput(source, None, f"entry {index + 1}: needs 'id' and 'kind'")
        record = {k: v for k, v in entry.items() if k not in ("kind", "path") and v is not None}
        by_kind.setdefault(str(entry["kind"]), []).append(Row(index + 1, record))
    return by_kind


# ---------------------------------------------------------------- running


def typed(kind: Any, record: dict[str, Any]) -> dict[str, Any]:
    """JSON text back into the field's type (dates and times travel as ISO text)."""
    from tracker.api import parse_input  # noqa: PLC0415

    out = dict(record)
    for name, value in record.items():
        spec = kind.fields.get(name)
        if spec is not None and spec.type in ("date", "datetime") and isinstance(value, str):
            try:
                out[name] = parse_input(spec, value)
            except Exception:  # noqa: BLE001 - left as is: the write gate refuses it
                pass
    return out


def _statuses(t: Any, kind_name: str) -> tuple[str, ...]:
    kind = t.ws.kind(kind_name)
    return kind.workflow.statuses if kind.workflow else ()


def run_github(t: Any, path: Path, source: str, kind: str = "issue",
               progress: Any = None, mode: Any = None) -> Any:
    """Import `gh issue list --json …` output into items of `kind`, in one commit."""
    from tracker.importers import decode, read_bytes, record_lines  # noqa: PLC0415

    text = decode(read_bytes(path))
    rows = record_lines(text, parse_github(text, source, _statuses(t, kind)))
    return apply_with_body(t, kind, rows, source, key=GITHUB_KEY,
                           message=f"import github: {len(rows)} issues from {source}",
                           progress=progress, mode=mode)


def run_backlog(t: Any, folder: Path, kind: str = "issue", progress: Any = None,
                mode: Any = None) -> Any:
    """Import a Backlog.md project's tasks into items of `kind`, in one commit."""
    rows = parse_backlog(folder, _statuses(t, kind))
    return apply_with_body(t, kind, rows, str(folder), key=BACKLOG_KEY,
                           message=f"import backlog: {len(rows)} tasks from {folder.name}",
                           progress=progress, mode=mode)


def run_json(t: Any, path: Path, source: str, progress: Any = None,
             mode: Any = None) -> list[Any]:
    """Import `tracker export json` output: items keep their ids; one commit per kind.

    The kinds go in the order of their references (a kind before the kinds that refer
    to it), through one write gate: a record may refer to an item an earlier one makes.
    With `all_or_nothing`, every kind is judged before any is written.
    """
    from tracker.importers import Mode, decode, read_bytes  # noqa: PLC0415

    mode = mode or Mode()
    text = decode(read_bytes(path))
    by_kind = parse_export(text, source)
    if mode.all_or_nothing and not mode.dry_run:
        trial = _run_kinds(t, by_kind, text, source, None, Mode(dry_run=True))
        if any(o.refused for o in trial):
            for outcome in trial:
                outcome.created = outcome.updated = outcome.unchanged = 0
                outcome.dry_run = False
            return trial
    return _run_kinds(t, by_kind, text, source, progress, mode)


def _run_kinds(t: Any, by_kind: dict[str, list[Row]], text: str, source: str,
               progress: Any, mode: Any) -> list[Any]:
    from tracker.importers import record_lines  # noqa: PLC0415

    gate = t.batch_gate()
    outcomes = []
    for kind_name in _by_references(t, list(by_kind)):
        kind = t.ws.kind(kind_name)
        rows = record_lines(text, [Row(r.line, typed(kind, r.record)) for r in
                                   by_kind[kind_name]])
        outcomes.append(t.upsert(kind_name, [r.record for r in rows], message=f"import json: "
                                 f"{len(rows)} {kind_name} from {source}", body_field="body",
                                 id_field="id", progress=progress, source=source,
                                 lines=[r.line for r in rows], dry_run=mode.dry_run,
                                 all_or_nothing=mode.all_or_nothing, gate=gate))
    return outcomes


def _by_references(t: Any, names: list[str]) -> list[str]:
    """The kinds, each after the kinds (among them) its reference fields point to."""
    def targets(name: str) -> set[str]:
        kind = t.ws.kind(name)
        return {spec.ref_kind for spec in kind.fields.values() if spec.ref_kind} - {name}
    ordered: list[str] = []
    left = list(names)
    while left:
        ready = [n for n in left if not (targets(n) & set(left))] or left[:1]  # a cycle
        ordered += ready
        left = [n for n in left if n not in ready]
    return ordered


def apply_with_body(t: Any, kind_name: str, rows: list[Row], source: str, *, message: str,
                    key: str | None = None, id_field: str | None = None,
                    progress: Any = None, mode: Any = None) -> Any:
    """Upsert the rows with their bodies, each judged by the write gate."""
    from tracker.importers import Mode  # noqa: PLC0415

    mode = mode or Mode()
    return t.upsert(kind_name, [r.record for r in rows], key=key, message=message,
                    body_field="body", id_field=id_field, progress=progress, source=source,
                    lines=[r.line for r in rows], dry_run=mode.dry_run,
                    all_or_nothing=mode.all_or_nothing)
