"""What `tracker mcp` offers, without the SDK: the tools (each one's input schema and its
call into the Tracker façade), the resources (the kinds, the config), and errors as a
one-line message with the problems.

Every tool answers what the CLI's `--format json` prints for the same command: `list_items`
the rows of `tracker list`, `show_item`/`update_item`/`move_item` the record of `tracker
show`, `create_item` `{"id", "path"}`, `log`/`blame`/`diff` and `check` theirs. Writes go
through the façade (`new`, `set`, `move`, `edit_fields`), so through the one write gate,
and each is one commit by the server's author (`tracker mcp --as NAME`). Each call gets a
fresh `Tracker`: what another process wrote since is seen at once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from tracker.model.errors import (
    EditConflict,
    InvalidItem,
    InvalidValue,
    TrackerError,
    UsageError,
    one_line,
)
from tracker.model.values import to_jsonable

if TYPE_CHECKING:
    from tracker.api import Tracker
    from tracker.model.schema import Kind

JSON = "application/json"


@dataclass(frozen=True)
class Tool:
    """One tool: its name, what it does, its arguments (JSON Schema properties), the
    required ones, whether it writes, and the call (tracker, arguments) -> answer."""

    name: str
    description: str
    properties: dict[str, dict[str, Any]]
    run: Callable[[Tracker, dict[str, Any]], Any]
    required: tuple[str, ...] = ()
    writes: bool = False

    @property
    def input_schema(self) -> dict[str, Any]:
        return {"type": "object", "properties": self.properties,
                "required": list(self.required), "additionalProperties": False}


class ToolError(Exception):
    """A call refused: the one-line message and the problems, as the tool's error."""

    def __init__(self, message: str, problems: list[dict[str, Any]] | None = None,
                 **extra: Any) -> None:
        super().__init__(message)
        self.message = one_line(message)
        self.problems = problems or []
        self.extra = extra

    def as_dict(self) -> dict[str, Any]:
        return {"error": self.message, "problems": self.problems, **self.extra}


def author_of(name: str | None) -> str | None:
    """The commits' author for `--as NAME`: "NAME <NAME@tracker.invalid>", or NAME as it
    is when it already reads "Name <email>"; None (git's own identity) when not given."""
    if name is None:
        return None
    name = " ".join(name.split())
    if not name:
        raise UsageError("--as: give the agent's name")
    if name.endswith(">") and " <" in name:
        person, _, email = name[:-1].rpartition(" <")
        if person.strip() and email.strip() and "<" not in person + email and \
                ">" not in person + email:
            return f"{person.strip()} <{''.join(email.split())}>"
    if "<" in name or ">" in name:
        raise UsageError("--as: a name, or \"Name <email>\"")
    login = "".join(c if c.isalnum() or c in "._-" else "-" for c in name.lower())
    return f"{name} <{login or 'agent'}@tracker.invalid>"


# ------------------------------------------------------------ arguments

def _string(description: str) -> dict[str, Any]:
    return {"type": "string", "description": description}


ID = _string("The item's id, or any unique prefix of it.")
KIND = _string("The kind of item (the kinds are in the resource tracker://kinds).")
WHERE = _string("Keep the items for which this expression is true, e.g. "
                "\"status != 'done'\" (the same language as `tracker list --where`).")
AT = _string("Read the state at a revision, or at the last commit on or before a date "
             "(YYYY-MM-DD).")
FIELDS = {"type": "object", "description":
          "Fields to set: name -> value (text, a number, true/false, a list of these; "
          "null removes the field). Values are typed by the kind, as `tracker set "
          "FIELD=VALUE` types them.",
          "additionalProperties": {"type": ["string", "number", "boolean", "array", "null"],
                                   "items": {"type": ["string", "number"]}}}
UNSET = {"type": "array", "items": {"type": "string"},
         "description": "Fields to remove (as `tracker set --unset FIELD`)."}
BODY = _string("The Markdown body (replaces the whole body).")


def _check_arguments(tool: Tool, arguments: dict[str, Any]) -> None:
    """Refuse an unknown argument, a missing one or one of the wrong type, in one line."""
    for name in arguments:
        if name not in tool.properties:
            raise ToolError(f"{tool.name}: unknown argument '{name}'; arguments: "
                            + (", ".join(tool.properties) or "none"),
                            [{"field": name, "message": "unknown argument"}])
    for name in tool.required:
        if arguments.get(name) is None:
            raise ToolError(f"{tool.name}: {name} is required",
                            [{"field": name, "message": "required"}])
    for name, value in arguments.items():
        expected = tool.properties[name].get("type")
        if value is None or not isinstance(expected, str):
            continue
        good = {"string": isinstance(value, str), "object": isinstance(value, dict),
                "boolean": isinstance(value, bool),
                "integer": isinstance(value, int) and not isinstance(value, bool),
                "array": isinstance(value, list) and all(isinstance(v, str) for v in value),
                }.get(expected, True)
        if not good:
            shown = {"array": "a list of text", "object": "an object", "integer":
                     "a whole number"}.get(expected, expected)
            raise ToolError(f"{tool.name}: {name} must be {shown}",
                            [{"field": name, "message": f"must be {shown}"}])
    limit = arguments.get("limit")
    if isinstance(limit, int) and limit < 0:
        raise ToolError(f"{tool.name}: limit must be 0 or more",
                        [{"field": "limit", "message": "must be 0 or more"}])


def as_input(name: str, value: Any) -> str:
    """A JSON value as the text a person would type for the field (`set`'s input)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        return str(value)
    if isinstance(value, list) and all(isinstance(v, (str, int, float)) and
                                       not isinstance(v, bool) for v in value):
        return "[" + ", ".join(json.dumps(str(v), ensure_ascii=False) for v in value) + "]"
    raise ToolError(f"{name}: give text, a number, true/false, null or a list of these",
                    [{"field": name, "message": "unsupported value"}])


def _values(arguments: dict[str, Any]) -> tuple[dict[str, str], list[str]]:
    """`fields` as `set`'s input, and the fields to remove (`unset`, and null values)."""
    fields = arguments.get("fields") or {}
    values = {name: as_input(name, v) for name, v in fields.items() if v is not None}
    unset = [*(arguments.get("unset") or []), *(n for n, v in fields.items() if v is None)]
    return values, unset


# ------------------------------------------------------------ the tools

def list_items(t: Tracker, a: dict[str, Any]) -> Any:
    listed = t.list(a.get("kind"), a.get("where"), a.get("grep"), a.get("sort"),
                    a.get("fields"), a.get("limit"), a.get("at"))
    rows = listed.use(lambda found: found.rows)
    if listed.problems:  # what `tracker list` warns of (and exits 1 for) on stderr
        raise ToolError(f"{len(listed.problems)} file(s) could not be read",
                        [p.as_dict() for p in listed.problems], rows=to_jsonable(rows))
    return rows


def show_item(t: Tracker, a: dict[str, Any]) -> Any:
    return t.record(t.get(a["id"], at=a.get("at")))


def create_item(t: Tracker, a: dict[str, Any]) -> Any:
    values, unset = _values(a)
    if unset:
        raise ToolError("create_item: a new item has no field to remove",
                        [{"field": name, "message": "null or unset in a new item"}
                         for name in unset])
    item = t.new(a["kind"], a["title"], values, a.get("body") or "")
    return {"id": item.id, "path": item.rel}


def update_item(t: Tracker, a: dict[str, Any]) -> Any:
    values, unset = _values(a)
    body = a.get("body")
    if not values and not unset and body is None:
        raise ToolError("update_item: nothing to change: give fields, unset or body")
    if body is None:
        item = t.set(a["id"], values, unset)
    else:
        item = t.edit_fields(t.resolve(a["id"]).id, values, unset, body)
    return t.record(item)


def move_item(t: Tracker, a: dict[str, Any]) -> Any:
    return t.record(t.move(a["id"], a["status"]))


def ready(t: Tracker, a: dict[str, Any]) -> Any:
    return t.ready(a.get("kind"), a.get("where"))  # type: ignore[attr-defined]


def claim_item(t: Tracker, a: dict[str, Any], default_name: str | None = None) -> Any:
    name = a.get("as")
    if name is not None and (not name.strip() or "\n" in name):  # as `claim --as ''`
        raise ToolError("claim_item: as must be a name (or leave it out: the server's "
                        "--as name)", [{"field": "as", "message": "must be a name"}])
    name = name or default_name  # None: git's user.name, as `tracker claim`
    done = t.claim(a["id"], name)  # type: ignore[attr-defined]
    return t.record(done) if hasattr(done, "kind") and hasattr(done, "rel") else done


def log(t: Tracker, a: dict[str, Any]) -> Any:
    with t.history() as history:
        return history.log(a.get("id"), since=a.get("since"), until=a.get("until"))


def blame(t: Tracker, a: dict[str, Any]) -> Any:
    with t.history() as history:
        return history.blame(a["id"])


def diff(t: Tracker, a: dict[str, Any]) -> Any:
    with t.history() as history:
        return history.diff(a.get("rev"))


def check(t: Tracker, a: dict[str, Any]) -> Any:
    paths = [str(t.root / p) for p in a.get("paths") or []]
    return [p.as_dict() for p in t.check(paths)]


def report(t: Tracker, a: dict[str, Any]) -> Any:
    from tracker.campaign.reports import template_helpers  # noqa: PLC0415
    from tracker.reports import render  # noqa: PLC0415 - Jinja only for reports

    name = a.get("name")
    if not name:
        return [{"name": r.name, "formats": sorted(r.formats), "description": r.description,
                 "source": r.source} for r in render.list_reports(t)]
    fmt = a.get("format")
    if fmt not in (None, "md", "html"):
        raise ToolError("report: format is md or html", [{"field": "format",
                                                          "message": "md or html"}])
    return Text(render.render_report(t, name, fmt, where=a.get("where"),
                                     helpers=[template_helpers]))


@dataclass(frozen=True)
class Text:
    """An answer that is text as it is (a rendered report), not JSON."""

    text: str


READING = [
    Tool("list_items", "List items (of one kind, or of every kind), filtered, searched, "
         "sorted: the rows `tracker list --format json` prints.",
         {"kind": KIND, "where": WHERE,
          "grep": _string("Keep the items whose title or body holds this text "
                          "(any case, any accent)."),
          "sort": _string("Sort by a field; '-field' for descending."),
          "fields": {"type": "array", "items": {"type": "string"},
                     "description": "The keys of each row (default: the kind's columns)."},
          "limit": {"type": "integer", "minimum": 0, "description": "At most this many."},
          "at": AT}, list_items),
    Tool("show_item", "One item, every field, its computed values and body: what "
         "`tracker show ID --format json` prints.", {"id": ID, "at": AT}, show_item, ("id",)),
    Tool("ready", "The items ready to be worked on (open, nothing they depend on "
         "unfinished, not claimed): what `tracker ready --format json` prints.",
         {"kind": KIND, "where": WHERE}, ready),
    Tool("log", "Field-level history, newest first, of one item (or of the whole "
         "tracker): what `tracker log --format json` prints.",
         {"id": _string("The item (default: every item)."),
          "since": _string("Only changes on or after this date."),
          "until": _string("Only changes on or before this date.")}, log),
    Tool("blame", "For each field of an item: the commit, author and date that set its "
         "value (`tracker blame ID --format json`).", {"id": ID}, blame, ("id",)),
    Tool("diff", "The semantic diff of the items (`tracker diff --format json`): "
         "added, removed, changed, field by field.",
         {"rev": _string("Compare this revision with the work tree (default HEAD), or "
                         "'A..B' / 'A...B' for two revisions.")}, diff),
    Tool("check", "Every problem in the items, located (`tracker check --format json`); "
         "an empty list: all is well.",
         {"paths": {"type": "array", "items": {"type": "string"},
                    "description": "Only the items under these paths (relative to the "
                    "tracker's root)."}}, check),
    Tool("report", "Render a report (Markdown or HTML text); without a name, the reports "
         "available (`tracker report --list --format json`).",
         {"name": _string("The report's name (none: list the reports)."),
          "where": _string("Only the items for which this expression is true."),
          "format": {"type": "string", "enum": ["md", "html"],
                     "description": "md or html (default: the report's own)."}}, report),
]

WRITING = [
    Tool("create_item", "Create an item of a kind; it is checked by the write gate and "
         "committed. Answers {\"id\", \"path\"} as `tracker new --format json`.",
         {"kind": KIND, "title": _string("The item's title."), "fields": FIELDS,
          "body": BODY}, create_item, ("kind", "title"), writes=True),
    Tool("update_item", "Change fields of an item (only their lines change) and/or its "
         "body, in one commit; answers the item as `tracker set --format json`.",
         {"id": ID, "fields": FIELDS, "unset": UNSET, "body": BODY}, update_item, ("id",),
         writes=True),
    Tool("move_item", "Move an item to a status along its kind's workflow (the kinds' "
         "workflows are in tracker://kinds); answers the item as `tracker move`.",
         {"id": ID, "status": _string("The status to move to.")}, move_item,
         ("id", "status"), writes=True),
    Tool("claim_item", "Claim an item for an agent or a person, so no one else takes it "
         "(`tracker claim ID --as NAME --format json`).",
         {"id": ID, "as": _string("Who claims it (default: the server's --as name).")},
         claim_item, ("id",), writes=True),
]

OPTIONAL = {"ready": "ready", "claim_item": "claim"}  # tool: the Tracker method it needs


class Tools:
    """The tools one server offers: all, or the reading ones (`--read-only`); those whose
    library function this installation lacks are left out."""

    def __init__(self, root: Path, author: str | None = None, as_name: str | None = None,
                 read_only: bool = False) -> None:
        from tracker.api import Tracker  # noqa: PLC0415

        self.root, self.author, self.as_name, self.read_only = root, author, as_name, read_only
        offered = READING + ([] if read_only else WRITING)
        self.tools = {tool.name: tool for tool in offered
                      if tool.name not in OPTIONAL or hasattr(Tracker, OPTIONAL[tool.name])}
        self.writing_names = {tool.name for tool in WRITING}

    def tracker(self) -> Tracker:
        from tracker.api import Tracker  # noqa: PLC0415

        t = Tracker(self.root)
        t.author = self.author
        return t

    def call(self, name: str, arguments: dict[str, Any] | None) -> Any:
        """The answer of a tool, JSON-ready (or `Text`); raises ToolError when refused."""
        tool = self.tools.get(name)
        if tool is None:
            if name in self.writing_names and self.read_only:
                raise ToolError(f"{name} writes, and this server is read-only "
                                "(tracker mcp --read-only): nothing was written")
            raise ToolError(f"unknown tool '{name}'; tools: " + ", ".join(self.tools))
        arguments = dict(arguments or {})
        _check_arguments(tool, arguments)
        try:
            t = self.tracker()
            if tool.name == "claim_item":
                answer = claim_item(t, arguments, self.as_name)
            else:
                answer = tool.run(t, arguments)
        except TrackerError as e:
            raise refusal(e) from None
        except OSError as e:
            if e.errno is None:
                raise
            where = f": {e.filename}" if e.filename else ""
            raise ToolError(f"{e.strerror}{where}") from None
        return answer if isinstance(answer, Text) else to_jsonable(answer)


def refusal(e: TrackerError) -> ToolError:
    """A tracker error as the tool's error: its one line, and the problems it names."""
    if isinstance(e, InvalidItem):
        problems = [{"path": e.path, "line": e.line, "field": e.field, "message": e.reason}]
    elif isinstance(e, InvalidValue):
        problems = [{"path": None, "line": None, "field": e.field, "message": e.reason}]
    elif isinstance(e, EditConflict):
        return ToolError(e.message, [{"path": None, "line": None, "field": k,
                                      "message": "changed since it was read"}
                                     for k in e.fields], conflicts=to_jsonable(e.fields))
    else:
        problems = []
    return ToolError(str(e).removesuffix(" (or use --force)"), problems)  # no force here


# ------------------------------------------------------------ resources

def kind_schema(kind: Kind) -> dict[str, Any]:
    """What an agent needs of a kind before it writes: fields, types, workflow."""
    fields = {}
    for name, spec in kind.fields.items():
        entry: dict[str, Any] = {"type": spec.type, "required": spec.required,
                                 "accepts": spec.describe()}
        for key, value in (("default", spec.default), ("values", list(spec.values)),
                           ("of", spec.of if spec.type == "list" else None),
                           ("kind", spec.ref_kind), ("kinds", list(spec.ref_kinds)),
                           ("pattern", spec.pattern),
                           ("minimum", spec.minimum), ("maximum", spec.maximum),
                           ("auto", spec.auto), ("label", spec.label), ("help", spec.help)):
            if value not in (None, [], ""):
                entry[key] = value
        fields[name] = entry
    workflow = None
    if kind.workflow is not None:
        workflow = {"statuses": list(kind.workflow.statuses), "initial": kind.workflow.initial,
                    "final": list(kind.workflow.final),
                    "transitions": {k: list(v) for k, v in kind.workflow.transitions.items()}}
    return to_jsonable({
        "name": kind.name, "label": kind.label, "folder": kind.folder,
        "strict": kind.strict, "fields": fields, "workflow": workflow,
        "computed": sorted(kind.computed), "rollups": sorted(kind.rollups),
        "rules": [{"rule": r.rule, "message": r.message, "field": r.field,
                   **({"severity": r.severity} if r.severity != "error" else {})}
                  for r in kind.checks],
        "columns": list(kind.columns)})


@dataclass(frozen=True)
class Resource:
    uri: str
    name: str
    description: str
    read: Callable[[Tracker], Any]


def resources(t: Tracker) -> list[Resource]:
    """The kinds (all, and each), and the tracker's config, as JSON."""
    found = [
        Resource("tracker://kinds", "kinds", "Every kind: its fields (types, required, "
                 "allowed values), its workflow (statuses, moves), computed fields. Read it "
                 "before writing.", lambda t: [kind_schema(k) for k in t.kinds.values()]),
        Resource("tracker://config", "config", "The tracker's settings "
                 "(.tracker/config.yaml) as JSON.", lambda t: to_jsonable(t.ws.config)),
    ]
    for name in t.kinds:
        found.append(Resource(f"tracker://kinds/{name}", f"kind {name}",
                              f"The kind '{name}': fields, types, workflow.", _one_kind(name)))
    return found


def _one_kind(name: str) -> Callable[[Tracker], Any]:
    return lambda t: kind_schema(t.kinds[name])


def read_resource(t: Tracker, uri: str) -> str:
    """A resource's text (JSON); a ToolError for an unknown one."""
    for resource in resources(t):
        if resource.uri == uri:
            return dumps(resource.read(t))
    raise ToolError(f"unknown resource '{uri}'; resources: "
                    + ", ".join(r.uri for r in resources(t)))


def dumps(value: Any) -> str:
    """JSON as the CLI prints it."""
    return json.dumps(to_jsonable(value), ensure_ascii=False, indent=2)
