"""Kinds: their fields and types, workflow and id scheme, read from `.tracker/kinds/*.yaml`.

Pure: no disk, no git. `Kind.from_dict` builds a kind from parsed YAML; `parse_input`
turns command-line text into a typed value; `check_value` says what is wrong with a
value read from a file.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime

from tracker.model import clock, language
from tracker.model.errors import InvalidValue, TrackerError
from tracker.model.record import field, record

TYPE_CHECKING = False  # typing is not imported at run time (start-up)
if TYPE_CHECKING:
    from typing import Any, Callable

TYPES = ("string", "int", "float", "bool", "date", "datetime", "enum", "list", "ref", "refs",
         "any")
DEPENDS_ON = "depends_on"  # the convention every template follows: this item waits for those
_NAME = re.compile(r"[a-z][a-z0-9_-]*\Z")


class SchemaError(TrackerError):
    """A kind file that does not describe a valid kind."""


@record(frozen=True)
class Field:
    name: str
    type: str = "string"
    required: bool = False
    default: Any = None
    values: tuple[str, ...] = ()  # enum choices
    pattern: str | None = None
    of: str = "string"  # list item type
    ref_kind: str | None = None
    ref_kinds: tuple[str, ...] = ()  # the kinds a ref or refs may name (empty: any kind)
    quote: bool = False  # always write quoted (codes, times)
    auto: str | None = None  # "now" / "today": set on creation
    minimum: float | None = None
    maximum: float | None = None
    label: str | None = None
    help: str | None = None
    labels: dict[str, str] = field(default_factory=dict)  # enum value → its label

    def label_of(self, value: Any) -> Any:
        """An enum value's label (the value itself where none is declared)."""
        if self.labels and type(value) is str:
            return self.labels.get(value, value)
        return value

    @property
    def is_ref(self) -> bool:
        """Does this field name other items (a ref, refs, or a list of refs)?"""
        return self.type in ("ref", "refs") or (self.type == "list" and self.of == "ref")

    @property
    def is_list(self) -> bool:
        """Is a value of this field a list (a list, or refs)?"""
        return self.type in ("list", "refs")

    def describe(self) -> str:
        if self.type == "refs":
            return "a list of item ids, like [a, b] or a,b" + (
                " (items of kind " + ", ".join(self.ref_kinds) + ")" if self.ref_kinds else "")
        if self.type == "enum":
            return "one of: " + ", ".join(self.values)
        if self.type == "list":
            return f"a list of {self.of} values, like [a, b] or a,b"
        return {"int": "a whole number", "float": "a number", "bool": "true or false",
                "date": "a date like 2026-04-21", "datetime": "a date and time like "
                "2026-04-21T18:30:00+02:00", "ref": "the id of another item"}.get(
                    self.type, "text")


@record(frozen=True)
class Workflow:
    statuses: tuple[str, ...]
    initial: str
    transitions: dict[str, tuple[str, ...]]  # "*" holds moves allowed from any status
    final: tuple[str, ...] = ()  # the statuses where an item's work is over
    labels: dict[str, str] = field(default_factory=dict)  # status → its label

    def is_final(self, status: Any) -> bool:
        """Is an item in this status finished (done, closed, cancelled…)?"""
        return status in self.final

    def allowed(self, current: str | None) -> list[str]:
        """The statuses reachable in one move from `current`."""
        targets = list(self.transitions.get(current or "", ())) + list(
            self.transitions.get("*", ()))
        return [s for s in dict.fromkeys(targets) if s != current]


@record(frozen=True)
class IdScheme:
    scheme: str = "random"  # or "key"
    prefix: str = ""
    length: int = 8
    key: str | None = None  # "{commune_insee}_{code}"
    pattern: str | None = None


@record(frozen=True)
class Rollup:
    """A value gathered from items of another kind: a count or a sum.

    `via` names the field of those items that holds this item's id; `where` is an
    expression over each of them, where `parent` is this item. `sum` is a field name
    or an expression (`fields[parent.metric]`).
    """

    source: str
    via: str | None = None
    sum: str | None = None
    count: bool = False
    where: str | None = None


@record(frozen=True)
class Rule:
    """A check over one item: `rule` must be true, or `check` reports `message`, as an
    error (the default: `check` exits 1, writes that would break it are refused) or, with
    `severity: warning`, as a warning (listed by `check`, which still exits 0; never
    refuses a write)."""

    rule: str
    message: str
    field: str | None = None
    severity: str = "error"


@record(frozen=True)
class Kind:
    name: str
    folder: str
    fields: dict[str, Field]
    workflow: Workflow | None = None
    ids: IdScheme = IdScheme()
    strict: bool = False
    computed: dict[str, str] = field(default_factory=dict)
    columns: tuple[str, ...] = ("status", "title")
    card: tuple[str, ...] = ()  # the fields a board's cards show under the title
    label: str | None = None
    rollups: dict[str, Rollup] = field(default_factory=dict)
    checks: tuple[Rule, ...] = ()
    shard: int = 0  # files in subfolders named by this many characters of the id
    shard_named: bool = False  # the kind file says `shard:` (even 0: it was sharded once)
    source: str = ""  # the kind file, as shown (errors name it)
    formats: dict[str, str] = field(default_factory=dict)  # name → percent, one_in, number
    computed_labels: dict[str, str] = field(default_factory=dict)  # `labels:` of the kind

    def field_label(self, name: str) -> str:
        """A field's label (`label:`), a computed field's or rollup's (the kind's
        `labels:`), else its name."""
        spec = self.fields.get(name)
        if spec is not None and spec.label:
            return spec.label
        return self.computed_labels.get(name, name)

    def value_label(self, name: str, value: Any) -> Any:
        """An enum value or status as its label (the value where none is declared)."""
        spec = self.fields.get(name)
        return spec.label_of(value) if spec is not None else value

    def shard_of(self, item_id: str) -> str:
        """The subfolder of an id's file in a sharded kind: the first `shard` characters
        after the id's prefix (`issue-k3x9q2ab` → `k3`), lowercased, anything but a
        letter or digit made `_` (never a hidden or odd folder name)."""
        return shard_name(self.ids.prefix, item_id, self.shard)

    @property
    def quoted(self) -> set[str]:
        """Fields always written quoted (codes, times)."""
        return {name for name, spec in self.fields.items() if spec.quote}

    def kept(self, name: str) -> bool:
        """May this field not be removed (`--unset`)? A required field, and the status
        of a kind with a workflow (without it, `ready` and `release` lose the item)."""
        spec = self.fields.get(name)
        return spec is not None and (spec.required or (name == "status"
                                                       and self.workflow is not None))

    @property
    def order(self) -> list[str]:
        """Canonical key order: title, status, then the schema's fields."""
        names = [n for n in ("title", "status") if n in self.fields]
        return names + [n for n in self.fields if n not in names]

    @classmethod
    def from_dict(cls, name: str, data: Any, source: str) -> "Kind":
        if not isinstance(data, dict):
            raise SchemaError(f"{source}: a kind file holds fields (key: value)")
        if not _NAME.match(name):
            raise SchemaError(f"{source}: kind name '{name}' must be lowercase letters, "
                              "digits, '-' or '_'")
        workflow = _workflow(data.get("workflow"), source)
        fields = _fields(data.get("fields") or {}, source, workflow)
        return cls(
            name=name,
            folder=str(data.get("folder") or name),
            fields=fields,
            workflow=workflow,
            ids=_id_scheme(data.get("id") or {}, name, source),
            strict=bool(data.get("strict", False)),
            computed={str(k): str(v) for k, v in (data.get("computed") or {}).items()},
            columns=tuple(data.get("columns") or ("status", "title")),
            card=_card(data.get("card"), fields, data.get("computed"), data.get("rollups"),
                       source),
            label=data.get("label"),
            rollups=_rollups(data.get("rollups") or {}, source),
            checks=_rules(data.get("checks") or [], source),
            shard=_shard(data.get("shard", 0), source),
            shard_named="shard" in data,
            source=source,
            formats=_formats(data.get("formats"), fields, data.get("computed"),
                             data.get("rollups"), source),
            computed_labels=_name_labels(data.get("labels"), fields, data.get("computed"),
                                         data.get("rollups"), source),
        )


def _card(raw: Any, fields: dict[str, Field], computed: Any, rollups: Any,
          source: str) -> tuple[str, ...]:
    """`card:`: the names (fields, computed fields, rollups) a board's cards show."""
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(n, str) for n in raw):
        raise SchemaError(f"{source}: 'card' is a list of field names")
    known = {*fields, *(computed or {}), *(rollups or {}), "id"}
    for name in raw:
        if name not in known:
            raise SchemaError(f"{source}: card: unknown field '{name}'")
    return tuple(raw)


FORMATS = ("percent", "one_in", "number")


def _formats(raw: Any, fields: dict[str, Field], computed: Any, rollups: Any,
             source: str) -> dict[str, str]:
    """`formats:`: how a number is shown to people (a rate as a percentage, `1 in N`)."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise SchemaError(f"{source}: 'formats' maps field names to one of "
                          f"{', '.join(FORMATS)}")
    known = {*fields, *(computed or {}), *(rollups or {})}
    for name, how in raw.items():
        if name not in known:
            raise SchemaError(f"{source}: formats: unknown field '{name}'")
        if how not in FORMATS:
            raise SchemaError(f"{source}: formats: {name}: '{how}' is not one of "
                              f"{', '.join(FORMATS)}")
    return {str(k): str(v) for k, v in raw.items()}


def _name_labels(raw: Any, fields: dict[str, Field], computed: Any, rollups: Any,
                 source: str) -> dict[str, str]:
    """A kind's `labels:`: the label of each computed field and rollup (a declared field
    takes its own `label:`)."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise SchemaError(f"{source}: 'labels' maps computed fields and rollups to their "
                          "labels")
    known = {*(computed if isinstance(computed, dict) else {}),
             *(rollups if isinstance(rollups, dict) else {})}
    for name, text in raw.items():
        if name in fields:
            raise SchemaError(f"{source}: labels: '{name}' is a field: give it "
                              "'label:' in its declaration")
        if name not in known:
            raise SchemaError(f"{source}: labels: unknown computed field or rollup "
                              f"'{name}'")
        if not isinstance(text, str) or not text.strip():
            raise SchemaError(f"{source}: labels: '{name}' needs a label (text)")
    return {str(k): str(v) for k, v in raw.items()}


def _labels(raw: Any, values: tuple[str, ...], what: str, source: str) -> dict[str, str]:
    """`labels: {value: label}` of an enum field or a workflow: each key one of the
    values, each label text."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise SchemaError(f"{source}: {what}: 'labels' maps each value to its label")
    for value, label in raw.items():
        if str(value) not in values:
            raise SchemaError(f"{source}: {what}: labels: unknown value '{value}' "
                              f"(one of {', '.join(values)})")
        if not isinstance(label, str) or not label.strip():
            raise SchemaError(f"{source}: {what}: labels: '{value}' needs a label (text)")
    return {str(k): v for k, v in raw.items()}


def shard_name(prefix: str, item_id: str, chars: int) -> str:
    """The first `chars` characters of an id after `prefix-`, as a folder name."""
    start = len(prefix) + 1 if prefix and item_id.startswith(prefix + "-") else 0
    return "".join(c if c.isascii() and c.isalnum() else "_"
                   for c in item_id[start:start + chars].lower()) or "_"


def _shard(raw: Any, source: str) -> int:
    if raw in (None, False):
        return 0
    if isinstance(raw, bool) or not isinstance(raw, int) or not 0 <= raw <= 4:
        raise SchemaError(f"{source}: 'shard' is the number of id characters (1 to 4) "
                          "naming each item's subfolder, or 0 for none")
    return raw


def _rollups(raw: Any, source: str) -> dict[str, Rollup]:
    if not isinstance(raw, dict):
        raise SchemaError(f"{source}: 'rollups' must map names to their settings")
    rollups = {}
    for name, spec in raw.items():
        if not isinstance(spec, dict) or not spec.get("from") or not (
                spec.get("sum") or spec.get("count")):
            raise SchemaError(f"{source}: rollup '{name}' needs 'from' and 'sum' or 'count'")
        rollups[str(name)] = Rollup(source=str(spec["from"]), via=spec.get("via"),
                                    sum=spec.get("sum"), count=bool(spec.get("count")),
                                    where=spec.get("where"))
    return rollups


SEVERITIES = ("error", "warning")  # a check's `severity:`, error by default


def _rules(raw: Any, source: str) -> tuple[Rule, ...]:
    if not isinstance(raw, list):
        raise SchemaError(f"{source}: 'checks' must be a list of rules")
    rules = []
    for spec in raw:
        if not isinstance(spec, dict) or not spec.get("rule") or not spec.get("message"):
            raise SchemaError(f"{source}: each check needs a 'rule' and a 'message'")
        severity = spec.get("severity", "error")
        if severity not in SEVERITIES:
            raise SchemaError(f"{source}: a check's severity is 'error' or 'warning', "
                              f"not '{severity}'")
        rules.append(Rule(str(spec["rule"]), str(spec["message"]), spec.get("field"),
                          severity))
    return tuple(rules)


def _fields(raw: Any, source: str, workflow: Workflow | None) -> dict[str, Field]:
    if not isinstance(raw, dict):
        raise SchemaError(f"{source}: 'fields' must map field names to their settings")
    fields: dict[str, Field] = {}
    for name, spec in raw.items():
        spec = {"type": spec} if isinstance(spec, str) else (spec or {})
        if not isinstance(spec, dict):
            raise SchemaError(f"{source}: field '{name}' must be a type or a mapping")
        if name == "status" and workflow:
            spec = {**spec, "values": spec.get("values") or list(workflow.statuses)}
        fields[str(name)] = _field(str(name), spec, source)
    if workflow and "status" not in fields:
        fields["status"] = Field("status")
    if workflow:
        status = fields["status"]
        labels = {**workflow.labels, **status.labels}
        fields["status"] = Field(**{**status.__dict__, "type": "enum",
                                    "values": workflow.statuses, "labels": labels,
                                    "default": status.default or workflow.initial})
    return fields


def _field(name: str, spec: dict[str, Any], source: str) -> Field:
    kind = str(spec.get("type", "string"))
    if kind not in TYPES:
        raise SchemaError(f"{source}: field '{name}': unknown type '{kind}' "
                          f"(one of {', '.join(TYPES)})")
    values = tuple(str(v) for v in spec.get("values") or ())
    if kind == "enum" and not values:
        raise SchemaError(f"{source}: field '{name}': an enum needs its 'values'")
    pattern = spec.get("pattern")
    labels = spec.get("labels")
    if labels is not None and kind != "enum":
        raise SchemaError(f"{source}: field '{name}': 'labels' name an enum's values; "
                          f"this field is {kind}")
    ref_kinds = _ref_kinds(name, kind, spec.get("kind"), source)
    if pattern is not None:
        try:
            re.compile(pattern)
        except re.error as e:
            raise SchemaError(f"{source}: field '{name}': bad pattern: {e}") from None
    return Field(name=name, type=kind, required=bool(spec.get("required", False)),
                 default=spec.get("default"), values=values, pattern=pattern,
                 of=str(spec.get("of", "string")),
                 ref_kind=ref_kinds[0] if len(ref_kinds) == 1 else None,
                 ref_kinds=ref_kinds,
                 quote=bool(spec.get("quote", False)), auto=spec.get("auto"),
                 minimum=spec.get("min"), maximum=spec.get("max"),
                 label=spec.get("label"), help=spec.get("help"),
                 labels=_labels(labels, values, f"field '{name}'", source))


def _ref_kinds(name: str, kind: str, raw: Any, source: str) -> tuple[str, ...]:
    """The kinds a ref (one kind) or refs (one kind or a list of kinds) may name."""
    if raw is None:
        return ()
    if isinstance(raw, str):
        return (raw,)
    if kind == "refs" and isinstance(raw, list) and all(isinstance(k, str) for k in raw):
        return tuple(raw)
    raise SchemaError(f"{source}: field '{name}': 'kind' must name a kind"
                      + (" or a list of kinds" if kind == "refs" else ""))


def _workflow(raw: Any, source: str) -> Workflow | None:
    if not raw:
        return None
    if not isinstance(raw, dict) or not raw.get("statuses") or \
            not isinstance(raw["statuses"], list):
        raise SchemaError(f"{source}: 'workflow' needs a list of 'statuses'")
    statuses_list: list[str] = []
    marked: list[str] = []  # statuses declared as mappings with `final: true`
    status_labels: dict[str, Any] = {}  # statuses declared as mappings with `label:`
    for entry in raw["statuses"]:
        if isinstance(entry, dict):
            if not entry.get("name"):
                raise SchemaError(f"{source}: workflow: a status given as a mapping needs "
                                  "a 'name' (and may say 'final: true')")
            statuses_list.append(str(entry["name"]))
            if entry.get("label") is not None:
                status_labels[str(entry["name"])] = entry["label"]
            if entry.get("final") is True:
                marked.append(str(entry["name"]))
        else:
            statuses_list.append(str(entry))
    statuses = tuple(statuses_list)
    transitions = {str(k): tuple(str(s) for s in (v or ()))
                   for k, v in (raw.get("transitions") or {}).items()}
    for origin, targets in transitions.items():
        for status in (origin, *targets):
            if status != "*" and status not in statuses:
                raise SchemaError(f"{source}: workflow: unknown status '{status}'")
    initial = str(raw.get("initial", statuses[0]))
    final = _final(raw.get("final"), marked, statuses, transitions, source)
    labels = _labels({**status_labels, **(raw.get("labels") or {})}
                     if status_labels or raw.get("labels") is not None else None,
                     statuses, "workflow", source)
    return Workflow(statuses=statuses, initial=initial, transitions=transitions, final=final,
                    labels=labels)


def _final(raw: Any, marked: list[str], statuses: tuple[str, ...],
           transitions: dict[str, tuple[str, ...]], source: str) -> tuple[str, ...]:
    """The final statuses: `final: [..]` under the workflow and statuses marked
    `final: true`; when neither says, the statuses no transition leaves (a move allowed
    from any status aside) when transitions are declared, else the last one."""
    if raw is not None:
        if isinstance(raw, str):
            raw = [raw]
        if not isinstance(raw, list):
            raise SchemaError(f"{source}: workflow: 'final' must list statuses")
        for status in raw:
            if str(status) not in statuses:
                raise SchemaError(f"{source}: workflow: final: unknown status '{status}'")
    named = [str(s) for s in raw or ()] + marked
    if named:
        return tuple(s for s in statuses if s in named)
    if not any(origin != "*" for origin in transitions):
        return statuses[-1:]
    ends = tuple(s for s in statuses if not transitions.get(s))
    return ends or statuses[-1:]


def _id_scheme(raw: Any, kind: str, source: str) -> IdScheme:
    if not isinstance(raw, dict):
        raise SchemaError(f"{source}: 'id' must be a mapping (scheme, prefix, length, key)")
    scheme = str(raw.get("scheme", "key" if raw.get("key") else "random"))
    if scheme not in ("random", "key"):
        raise SchemaError(f"{source}: id scheme must be 'random' or 'key'")
    if scheme == "key" and not raw.get("key"):
        raise SchemaError(f"{source}: an id scheme 'key' needs a 'key' like '{{code}}'")
    length = int(raw.get("length", 8))
    if not 4 <= length <= 32:
        raise SchemaError(f"{source}: id length must be between 4 and 32")
    return IdScheme(scheme=scheme, prefix=str(raw.get("prefix", kind)), length=length,
                    key=raw.get("key"), pattern=raw.get("pattern"))


# ---------------------------------------------------------------- values


def parse_input(spec: Field, text: str,
                flow_items: Callable[[str], list[str] | None] | None = None) -> Any:
    """A value typed on the command line, converted to the field's type.

    A list is given as `a, b` or as a flow list `[a, b]`; `flow_items` splits the latter
    into its items as typed (format/yaml.py's, passed by the caller: model reads no YAML),
    each then typed as the list's items are. Without it, or where it gives None, the
    brackets are dropped and the text split at commas.
    """
    kind = spec.type
    try:
        if kind in ("list", "refs"):
            of = spec.of if kind == "list" else "ref"
            return [parse_scalar(spec, of, item) for item in _list_items(text, flow_items)]
        return parse_scalar(spec, kind, text)
    except ValueError as e:
        raise InvalidValue(spec.name, f"{e}; expected {spec.describe()}") from None


def _list_items(text: str, flow_items: Callable[[str], list[str] | None] | None) -> list[str]:
    text = text.strip()
    if text.startswith("[") and text.endswith("]"):
        items = flow_items(text) if flow_items is not None else None
        if items is not None:
            return items
        text = text[1:-1]
    return [part.strip() for part in text.split(",") if part.strip()]


def parse_scalar(spec: Field, kind: str, text: str) -> Any:
    text = text.strip() if kind != "string" else text
    if kind == "int":
        if not re.fullmatch(r"[-+]?\d+", text):
            raise ValueError(f"'{text}' is not a whole number")
        return int(text)
    if kind == "float":
        number = float(text)
        if not math.isfinite(number):
            raise ValueError(f"'{text}' is not a finite number")
        return number
    if kind == "bool":
        lowered = text.lower()
        if lowered in ("true", "yes", "y", "1", "on"):
            return True
        if lowered in ("false", "no", "n", "0", "off"):
            return False
        raise ValueError(f"'{text}' is not true or false")
    if kind == "date":  # ISO, or as the tracker's language writes dates (01/03/2026)
        return clock.today() if text == "today" else language.parse_date(text)
    if kind == "datetime":
        if text == "now":
            return clock.now()
        return clock.localize(language.parse_datetime(text))
    if kind == "enum" and text not in spec.values:
        by_label = [v for v, label in spec.labels.items() if label.casefold() == text.casefold()]
        if len(by_label) == 1:  # a value typed as its label (« Testé »): its slug
            return by_label[0]
        raise ValueError(f"'{text}' is not allowed")
    return text


def check_value(spec: Field, value: Any) -> str | None:
    """What is wrong with a value read from a file, or None."""
    if value is None or (spec.required and isinstance(value, str) and not value.strip()):
        return "is required" if spec.required else None
    if spec.is_list:
        if not isinstance(value, list):
            return f"expected a list, found {_what(value)}"
        for item in value:
            problem = _check_scalar(spec, spec.of if spec.type == "list" else "ref", item)
            if problem:
                return f"list item {item!r}: {problem}"
        return None
    return _check_scalar(spec, spec.type, value)


def _check_scalar(spec: Field, kind: str, value: Any) -> str | None:
    if kind == "any":
        return None
    if kind in ("string", "ref", "enum"):
        if not isinstance(value, str):
            hint = ": put it in quotes" if isinstance(value, (int, float, bool, date)) else ""
            return f"expected text, found {_what(value)}{hint}"
        if kind == "enum" and value not in spec.values:
            return f"'{value}' is not allowed; {spec.describe()}"
        if spec.pattern and not re.fullmatch(spec.pattern, value):
            return f"'{value}' does not match the pattern {spec.pattern}"
        return None
    if kind == "bool":
        return None if isinstance(value, bool) else f"expected true or false, found {_what(value)}"
    if kind in ("int", "float"):
        ok = isinstance(value, int) and not isinstance(value, bool) or (
            kind == "float" and isinstance(value, float))
        if not ok:
            return f"expected {spec.describe()}, found {_what(value)}"
        if isinstance(value, float) and not math.isfinite(value):
            return f"expected a finite number, found {value}"
        if spec.minimum is not None and value < spec.minimum:
            return f"{value} is below the minimum {spec.minimum}"
        if spec.maximum is not None and value > spec.maximum:
            return f"{value} is above the maximum {spec.maximum}"
        return None
    if kind == "date":
        if isinstance(value, date) and not isinstance(value, datetime):
            return None
        return f"expected {spec.describe()}, found {_what(value)}"
    if kind == "datetime":
        if isinstance(value, datetime):
            return None
        return f"expected {spec.describe()}, found {_what(value)}"
    return None


def _what(value: Any) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, datetime):
        return f"the date and time {value.isoformat()}"
    if isinstance(value, date):
        return f"the date {value.isoformat()}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"'{value}'"
