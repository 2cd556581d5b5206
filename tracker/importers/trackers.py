"""Moving in from other trackers: GitHub issues (`gh issue list --json` or the REST API's
`GET /repos/{owner}/{repo}/issues`), a Backlog.md project, a git-issue repository, and
tracker's own JSON export.

Each keeps the source's id in a field (`github_issue` as `owner/repo#number`,
`backlog_id`, `git_issue_id`, or the item's own id for JSON), so importing the same
source again updates the items it made instead of adding new ones. What cannot be read
is said in one line naming the file and the record's line; a file of a Backlog.md
project that is not a task is skipped with a warning, as Backlog.md itself skips it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from tracker.importers import MalformedInput, Row
from tracker.model import clock

GITHUB_KEY = "github_issue"
BACKLOG_KEY = "backlog_id"


@dataclass
class Found:
    """What a parser read: the rows to import, and one line per thing it left out."""

    rows: list[Row]
    skipped: list[str] = field(default_factory=list)
    pulls: int = 0  # GitHub: pull requests left out
    origins: list[str] = field(default_factory=list)  # a folder's importers: each row's file


def _load_json(text: str, source: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise MalformedInput(source, e.lineno, f"invalid JSON: {e.msg}") from None
    except RecursionError:
        raise MalformedInput(source, None, "invalid JSON: nested too deeply") from None


def _json_list(text: str, source: str, what: str) -> list[tuple[int, Any]]:
    """The entries of a JSON array with the line each starts on, or one located error."""
    data = _load_json(text, source)
    if not isinstance(data, list):
        raise MalformedInput(source, 1, f"expected a JSON array of {what}, found "
                             f"{_shape(data)}")
    decoder, space = json.JSONDecoder(), " \t\n\r"
    entries, position, line = [], text.index("[") + 1, 1 + text.count("\n", 0, text.index("["))
    for _ in data:  # the text is valid JSON: walk it again for each entry's line
        start = position
        while text[position] in space or text[position] == ",":
            position += 1
        line += text.count("\n", start, position)
        value, end = decoder.raw_decode(text, position)
        entries.append((line, value))
        line += text.count("\n", position, end)
        position = end
    return entries


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

# GitHub's names: an owner of letters, digits and '-'; a repository also '.' and '_',
# never '.' or '..' alone
_NAME = r"[A-Za-z0-9-]+/(?!\.\.?(?:/|$|#))[A-Za-z0-9._-]+"
_REPO_URL = re.compile(rf"https?://(?:api\.)?github\.com/(?:repos/)?({_NAME})(?:/|$)")
_REPO_NAME = re.compile(_NAME)


class _Bad(Exception):
    """A record's field of the wrong shape: the parser adds the file and the line."""


def parse_github(text: str, source: str, statuses: tuple[str, ...],
                 repo: str | None = None) -> Found:
    """Issues as rows, from either shape of JSON GitHub gives:

    - `gh issue list --json …`: `author.login`, `labels[].name`, `createdAt`, `url`,
      `comments` a list of `{author, body, createdAt}` (they go under a heading in the body);
    - the REST API's `GET /repos/{owner}/{repo}/issues`: `user.login`, `labels[]` objects
      or names, `created_at`, `html_url`, `repository_url`, `comments` a count (no text).

    Each is keyed `owner/repo#number` (from `repository_url`, `html_url` or `url`, else
    `repo`), so two repositories' #1 are two items. Pull requests (a `pull_request` key,
    or a `/pull/` address) are left out and counted.
    """
    found = Found([])
    if repo is not None and not _REPO_NAME.fullmatch(repo):
        raise MalformedInput(source, None, f"--repo: expected OWNER/REPO, got '{repo}'")
    for index, (line, issue) in enumerate(_json_list(text, source, "issues"), 1):
        where = f"issue {index}"
        if not isinstance(issue, dict):
            raise MalformedInput(source, line, f"{where}: expected an object, found "
                                 f"{_shape(issue)}")
        if _is_pull(issue):
            found.pulls += 1
            continue
        try:
            record = _github_record(issue, statuses, repo)
        except _Bad as e:
            number = issue.get("number")
            label = f"{where} (#{number})" if isinstance(number, int) else where
            raise MalformedInput(source, line, f"{label}: {e}") from None
        found.rows.append(Row(line, record))
    return found


def _shape(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "text", bool: "true/false",
             int: "a number", float: "a number", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def _is_pull(issue: dict[str, Any]) -> bool:
    if issue.get("pull_request") is not None:
        return True
    return any("/pull/" in str(issue.get(name) or "") for name in ("html_url", "url"))


def _github_record(issue: dict[str, Any], statuses: tuple[str, ...],
                   repo: str | None) -> dict[str, Any]:
    number = issue.get("number")
    if isinstance(number, str) and number.isdigit():
        number = int(number)
    if "number" not in issue:
        raise _Bad("needs 'number'")
    if not isinstance(number, int) or isinstance(number, bool) or number < 1:
        raise _Bad(f"'number' must be a whole number, found {_shape(number)}")
    title = issue.get("title")
    if not isinstance(title, str) or not title.strip():
        raise _Bad("needs 'title' (text)")
    state = _text(issue, "state")
    owner_repo = _github_repo(issue) or repo
    if owner_repo is None:
        raise _Bad("cannot tell which repository it is from: no 'repository_url', "
                   "'html_url' or 'url' (add url to gh's --json, or give --repo OWNER/REPO)")
    milestone = issue.get("milestone")
    if milestone is not None and not isinstance(milestone, (dict, str)):
        raise _Bad(f"'milestone' must be an object or text, found {_shape(milestone)}")
    assignees = _logins(issue, "assignees") or [
        login for login in [_login(issue, "assignee")] if login]
    author_key = "author" if issue.get("author") is not None else "user"
    record: dict[str, Any] = {
        "title": title.strip(), "status": status_for(statuses, (state or "").upper() ==
                                                     "CLOSED"),
        GITHUB_KEY: f"{owner_repo}#{number}", "github_repo": owner_repo,
        "github_number": number,
        "tags": _names(issue),
        "assignee": assignees[0] if assignees else None,
        "author": _login(issue, author_key) if issue.get(author_key) is not None else None,
        "created": _date_field(issue, "createdAt", "created_at"),
        "closed_at": _date_field(issue, "closedAt", "closed_at"),
        "milestone": str((milestone.get("title") if isinstance(milestone, dict)
                          else milestone) or "") or None,
        "github_url": _text(issue, "html_url") or _web_url(_text(issue, "url")),
        "body": _github_body(issue),
    }
    return {k: v for k, v in record.items() if v not in (None, [])}


def _text(issue: dict[str, Any], name: str) -> str | None:
    value = issue.get(name)
    if value is not None and not isinstance(value, str):
        raise _Bad(f"'{name}' must be text, found {_shape(value)}")
    return value


def _web_url(url: str | None) -> str | None:
    """gh's `url` is the issue's page; the REST `url` is the API's, not kept."""
    return url if url and not url.startswith("https://api.github.com/") else None


def _github_repo(issue: dict[str, Any]) -> str | None:
    """`owner/repo` from the record's addresses (or gh's `repository.nameWithOwner`)."""
    for name in ("repository_url", "html_url", "url"):
        match = _REPO_URL.match(_text(issue, name) or "")
        if match:
            return match.group(1)
    repository = issue.get("repository")
    if isinstance(repository, dict):
        full = repository.get("nameWithOwner") or repository.get("full_name")
        if isinstance(full, str) and _REPO_NAME.fullmatch(full):
            return full
    return None


def _login(holder: dict[str, Any], name: str) -> str | None:
    value = holder.get(name)
    if value is None:
        return None
    if isinstance(value, str):
        return value or None
    if not isinstance(value, dict):
        raise _Bad(f"'{name}' must be an object with a login, found {_shape(value)}")
    login = value.get("login")
    if login is not None and not isinstance(login, str):
        raise _Bad(f"'{name}.login' must be text, found {_shape(login)}")
    return login or None


def _logins(issue: dict[str, Any], name: str) -> list[str]:
    people = issue.get(name)
    if people is None:
        return []
    if not isinstance(people, list):
        raise _Bad(f"'{name}' must be a list, found {_shape(people)}")
    logins = [_login({name: p}, name) for p in people]
    return [login for login in logins if login]


def _names(issue: dict[str, Any]) -> list[str]:
    """`labels`: a list of `{name: …}` objects (both shapes) or of names (REST)."""
    labels = issue.get("labels")
    if labels is None:
        return []
    if not isinstance(labels, list):
        raise _Bad(f"'labels' must be a list, found {_shape(labels)}")
    names = []
    for label in labels:
        name = label.get("name") if isinstance(label, dict) else label
        if not isinstance(name, str):
            raise _Bad(f"'labels' holds {_shape(label)}: expected names or {{name: …}} "
                       "objects")
        if name:
            names.append(name)
    return names


def _date_field(issue: dict[str, Any], *names: str) -> datetime | None:
    for name in names:
        value = _text(issue, name)
        if value:
            moment = _when(value)
            if moment is None:
                raise _Bad(f"'{name}' is not a date and time: '{value[:40]}'")
            return moment
    return None


def _github_body(issue: dict[str, Any]) -> str:
    body = (_text(issue, "body") or "").replace("\r\n", "\n").strip()
    comments = issue.get("comments")
    if comments is None or isinstance(comments, int) and not isinstance(comments, bool):
        comments = []  # the REST shape gives a count: the text is not in the dump
    if not isinstance(comments, list):
        raise _Bad(f"'comments' must be a list (gh) or a count (REST), found "
                   f"{_shape(comments)}")
    if comments:
        parts = [body, "", "## Comments"] if body else ["## Comments"]
        for number, comment in enumerate(comments, 1):
            if not isinstance(comment, dict):
                raise _Bad(f"comment {number} must be an object, found {_shape(comment)}")
            try:
                who = _login(comment, "author") or _login(comment, "user") or "?"
                when = (_text(comment, "createdAt") or _text(comment, "created_at") or "")
                text = (_text(comment, "body") or "").replace("\r\n", "\n").strip()
            except _Bad as e:
                raise _Bad(f"comment {number}: {e}") from None
            parts += ["", f"**{who}** ({when[:10]}):", "", text]
        body = "\n".join(parts)
    return body + "\n" if body else ""


# ---------------------------------------------------------------- Backlog.md


def parse_backlog(folder: Path, statuses: tuple[str, ...]) -> Found:
    """The tasks of a Backlog.md project, read as Backlog.md reads them: the files
    `PREFIX-*.md` (PREFIX its config's `task_prefix`, `task` by default) of
    `backlog/tasks/` and `backlog/completed/`, their front matter with `assignee:` and
    `reporter:` values such as `@name` or `[@a, @b]` taken as text. A file of those
    folders that is not a task (another name, no front matter, unreadable YAML) is left
    out with a line saying why; drafts, archived tasks, docs and decisions are not read."""
    root = folder / "backlog" if (folder / "backlog").is_dir() else folder
    if not (root / "tasks").is_dir():
        raise MalformedInput(str(folder), None, "no backlog/tasks folder: not a Backlog.md project")
    names, prefix = _backlog_config(root)
    found = Found([])
    for sub, done in (("tasks", False), ("completed", True)):
        for path in sorted((root / sub).iterdir()) if (root / sub).is_dir() else []:
            if not path.is_file():
                continue
            if not (path.name.startswith(f"{prefix}-") and path.name.endswith(".md")):
                found.skipped.append(f"{path}: skipped: not a task file (Backlog.md reads "
                                     f"{prefix}-*.md here)")
                continue
            try:
                record = _backlog_record(path, names, statuses, done)
            except MalformedInput as e:
                where = e.source if e.line is None else f"{e.source}:{e.line}"
                found.skipped.append(f"{where}: skipped: {e.reason}")
                continue
            found.rows.append(Row(1, record))  # a refused value: the file's front matter
            found.origins.append(str(path))
    return found


def _backlog_config(root: Path) -> tuple[list[str], str]:
    """Backlog.md's statuses and task file prefix, from backlog/config.yml."""
    from tracker.format import yaml as dialect  # noqa: PLC0415
    from tracker.model.errors import TrackerError  # noqa: PLC0415

    config = root / "config.yml"
    try:
        data = dialect.read(str(config), config.read_text(encoding="utf-8"), first_line=1) \
            if config.is_file() else None
    except (TrackerError, OSError, UnicodeDecodeError):
        data = None
    data = data if isinstance(data, dict) else {}
    found = data.get("statuses")
    statuses = [str(s) for s in found] if isinstance(found, list) and found else [
        "To Do", "In Progress", "Done"]
    prefix = data.get("task_prefix")
    prefix = str(prefix).strip().lower() if isinstance(prefix, str) and prefix.strip() \
        else "task"
    return statuses, prefix


_BACKLOG_FRONT = re.compile(r"(\ufeff?---\r?\n)(.*?)(\r?\n---)", re.DOTALL)
_BACKLOG_PEOPLE = re.compile(r"(\s*(?:assignee|reporter):\s*)(.*)")
_BACKLOG_DUE = re.compile(r"(\s*due_date:\s*)(.*)")


def backlog_text(text: str) -> str:
    """A task file's text with its front matter as Backlog.md reads it (its parser's
    `preprocessFrontmatter`): `assignee:`/`reporter:` plain values, and the `@name`
    items of their flow lists, quoted, and a plain `due_date` too. Line for line, so
    errors keep their line numbers. Only the Backlog.md importer reads files so."""
    match = _BACKLOG_FRONT.match(text)
    if not match:
        return text
    lines = [_backlog_line(line) for line in match.group(2).split("\n")]
    return text[:match.start(2)] + "\n".join(lines) + text[match.end(2):]


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _backlog_line(line: str) -> str:
    end = "\r" if line.endswith("\r") else ""
    bare = line[:-1] if end else line
    due = _BACKLOG_DUE.fullmatch(bare)
    if due:
        value, _, comment = due.group(2).partition(" #")
        value = value.strip()
        if value and not re.fullmatch(r"null|~", value, re.IGNORECASE) \
                and value[0] not in "'\"":
            return due.group(1) + _quote(value) + (f" #{comment}" if comment else "") + end
        return line
    people = _BACKLOG_PEOPLE.fullmatch(bare)
    if not people:
        return line
    value = people.group(2).strip()
    flow = re.fullmatch(r"\[(.*)\]\s*(#.*)?", value)
    if flow:
        entries = [e.strip() for e in flow.group(1).split(",") if e.strip()]
        entries = [_quote(e) if e.startswith("@") else e for e in entries]
        comment = f" {flow.group(2)}" if flow.group(2) else ""
        return f"{people.group(1)}[{', '.join(entries)}]{comment}{end}"
    if value and value[0] not in "['\"-":
        return people.group(1) + _quote(value) + end
    return line


def _backlog_record(path: Path, names: list[str], statuses: tuple[str, ...],
                    completed: bool) -> dict[str, Any]:
    from tracker.format import frontmatter  # noqa: PLC0415
    from tracker.model.errors import InvalidItem, TrackerError  # noqa: PLC0415

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        reason = "not valid UTF-8 text" if isinstance(e, UnicodeDecodeError) else \
            f"cannot be read ({e.strerror})"
        raise MalformedInput(str(path), None, reason) from None
    try:
        fields, doc = frontmatter.parse(str(path), backlog_text(text))
    except InvalidItem as e:
        head = e.reason.partition(":")[0]
        if head in ("no front matter", "empty file"):  # not a task: said in a few words
            raise MalformedInput(str(path), None, head) from None
        raise MalformedInput(str(path), e.line, f"{e.field}: {e.reason}" if e.field
                             else e.reason) from None
    except TrackerError as e:
        raise MalformedInput(str(path), None, str(e)) from None
    task_id = str(fields.get("id") or path.name.split(" ")[0].removesuffix(".md"))
    labels = fields.get("labels") or []
    assignees = fields.get("assignee") or []
    assignees = assignees if isinstance(assignees, list) else [assignees]
    reporter = fields.get("reporter")
    record: dict[str, Any] = {
        "title": str(fields.get("title") or path.stem), BACKLOG_KEY: task_id,
        "status": _backlog_status(str(fields.get("status") or ""), names, statuses, completed),
        "tags": [str(label) for label in labels] if isinstance(labels, list) else None,
        "assignee": str(assignees[0]).lstrip("@") or None if assignees else None,
        "author": str(reporter).lstrip("@") or None if reporter else None,
        "priority": {"high": "high", "medium": "normal", "low": "low"}.get(
            str(fields.get("priority") or "").lower()),
        "created": _backlog_date(fields.get("created_date")),
        "milestone": str(fields["milestone"]) if fields.get("milestone") else None,
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
    """Backlog.md's dates have no offset: they are times in the tracker's zone."""
    if isinstance(value, datetime):
        return clock.localize(value)
    if isinstance(value, date):
        return clock.localize(datetime(value.year, value.month, value.day))
    match = re.match(r"(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2}))?", str(value or ""))
    if not match:
        return None
    try:
        return clock.localize(datetime.fromisoformat(
            f"{match.group(1)}T{match.group(2) or '00:00'}"))
    except ValueError:  # 2026-02-30: no date at all rather than a wrong one
        return None


# ---------------------------------------------------------------- git-issue

GIT_ISSUE_KEY = "git_issue_id"

Dated = dict[str, tuple[datetime, str]]  # a comment's commit sha → (its date, its author)


def git_issue_root(folder: Path) -> Path:
    return folder / ".issues" if (folder / ".issues").is_dir() else folder


def comment_shas(folder: Path) -> list[str]:
    """The names of every comment file: git-issue names each by the sha of its commit."""
    issues = git_issue_root(folder) / "issues"
    return sorted({c.name for c in issues.glob("*/*/comments/*") if c.is_file()})


def parse_git_issue(folder: Path, statuses: tuple[str, ...],
                    dated: Dated | None = None) -> Found:
    """git-issue's `.issues/issues/xx/<sha>/`: `description` (summary line, then text),
    `tags` (one a line; `open`/`closed` give the status), `assignee`, `comments/<sha>`.

    git-issue records a comment's date as that of its commit (`gi comment mark`, whose
    sha names the file; an import from GitHub sets it to the comment's date): `dated`
    gives it, and the comments follow in that order. Comments whose commit is not found
    come after, in file-name order, and are counted in `skipped`."""
    issues = git_issue_root(folder) / "issues"
    if not issues.is_dir():
        raise MalformedInput(str(folder), None, "no .issues/issues folder: not a git-issue "
                             "repository")
    found, undated = Found([]), 0
    for path in sorted(p for p in issues.glob("*/*") if (p / "description").is_file()):
        record, missing = _git_issue_record(path, statuses, dated or {})
        undated += missing
        found.rows.append(Row(1, record))
        found.origins.append(str(path / "description"))
    if undated:
        found.skipped.append(f"{issues}: {undated} comment(s) have no commit in the "
                             "git-issue repository to date them: kept last, in file-name "
                             "order")
    return found


def _git_issue_record(path: Path, statuses: tuple[str, ...],
                      dated: Dated) -> tuple[dict[str, Any], int]:
    text = _read(path / "description")
    title, _, rest = text.partition("\n")
    tags = [t.strip() for t in _read(path / "tags").splitlines() if t.strip()]
    files = sorted(c for c in (path / "comments").glob("*") if c.is_file()) \
        if (path / "comments").is_dir() else []
    files.sort(key=lambda c: (0, dated[c.name][0].timestamp(), c.name) if c.name in dated
               else (1, 0.0, c.name))  # the undated last, by name
    comments = []
    for comment in files:
        when, who = dated.get(comment.name, (None, None))
        heading = f"**{who}** ({when.date().isoformat()}):\n\n" if when else ""
        comments.append(heading + _read(comment).strip())
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
    return ({k: v for k, v in record.items() if v not in (None, [])},
            sum(1 for c in files if c.name not in dated))


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace").replace("\r\n", "\n")
    except OSError:
        return ""


def run_git_issue(t: Any, folder: Path, kind: str = "issue", progress: Any = None,
                  mode: Any = None) -> tuple[Found, Any]:
    """Import a git-issue repository's issues into items of `kind`, in one commit."""
    from tracker import api  # noqa: PLC0415

    root = git_issue_root(folder)
    dated = api.commit_dates(root / ".git", comment_shas(folder)) \
        if (root / ".git").exists() else {}
    found = parse_git_issue(folder, _statuses(t, kind), dated)
    return found, apply_with_body(t, kind, found.rows, str(folder), key=GIT_ISSUE_KEY,
                                  message=f"import git-issue: {len(found.rows)} issues",
                                  progress=progress, origins=found.origins, mode=mode)


# ---------------------------------------------------------------- tracker's own JSON


def parse_export(text: str, source: str) -> dict[str, list[Row]]:
    """`tracker export json` output, grouped by kind: each row keeps its id and body."""
    by_kind: dict[str, list[Row]] = {}
    for index, (line, entry) in enumerate(_json_list(text, source, "items (tracker export "
                                                                  "json)"), 1):
        if not isinstance(entry, dict) or not entry.get("id") or not entry.get("kind"):
            raise MalformedInput(source, line, f"entry {index}: needs 'id' and 'kind'")
        if not isinstance(entry["id"], str) or not isinstance(entry["kind"], str):
            raise MalformedInput(source, line, f"entry {index}: 'id' and 'kind' must be text")
        record = {k: v for k, v in entry.items() if k not in ("kind", "path") and v is not None}
        by_kind.setdefault(entry["kind"], []).append(Row(line, record))
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


def run_github(t: Any, path: Path, source: str, kind: str = "issue", progress: Any = None,
               repo: str | None = None, mode: Any = None) -> tuple[Found, Any]:
    """Import GitHub issues (gh's `--json` or the REST API's JSON) into items of `kind`,
    in one commit; pull requests are left out and counted."""
    from tracker.importers import decode, read_bytes  # noqa: PLC0415

    found = parse_github(decode(read_bytes(path)), source, _statuses(t, kind), repo)
    return found, apply_with_body(t, kind, found.rows, source, key=GITHUB_KEY,
                                  message=f"import github: {len(found.rows)} issues from "
                                          f"{source}", progress=progress, mode=mode)


def run_backlog(t: Any, folder: Path, kind: str = "issue", progress: Any = None,
                mode: Any = None) -> tuple[Found, Any]:
    """Import a Backlog.md project's tasks into items of `kind`, in one commit."""
    found = parse_backlog(folder, _statuses(t, kind))
    return found, apply_with_body(t, kind, found.rows, str(folder), key=BACKLOG_KEY,
                                  message=f"import backlog: {len(found.rows)} tasks from "
                                          f"{folder.name}", progress=progress,
                                  origins=found.origins, mode=mode)


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
    gate = t.batch_gate()
    outcomes = []
    for kind_name in _by_references(t, list(by_kind)):
        kind = t.ws.kind(kind_name)
        rows = [Row(r.line, typed(kind, r.record)) for r in by_kind[kind_name]]
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
                    progress: Any = None, mode: Any = None,
                    origins: list[str] | None = None) -> Any:
    """Upsert the rows with their bodies, each judged by the write gate; a refused row
    is named by its line in `source`, or by its file in `origins`."""
    from tracker.importers import Mode  # noqa: PLC0415

    mode = mode or Mode()
    return t.upsert(kind_name, [r.record for r in rows], key=key, message=message,
                    body_field="body", id_field=id_field, progress=progress, source=source,
                    lines=[r.line for r in rows], dry_run=mode.dry_run,
                    all_or_nothing=mode.all_or_nothing, origins=origins or None)
