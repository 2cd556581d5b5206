"""Reports: Jinja templates rendered in a sandbox over the items, and the static site.

A template file `NAME.md` or `NAME.html` (`.j2` may follow) is the report NAME. The
project's `.tracker/templates/` is searched first, then the built-ins. The first line
of a template may be `{# description: … #}`, shown by `tracker report --list`.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Callable, Iterable

from tracker.api import CONFIG_DIR, Item, Tracker, templates_dir, write_atomic
from tracker.expr import jinja as sandbox
from tracker.model import language, values
from tracker.model.clock import now
from tracker.model.errors import TrackerError, UsageError
from tracker.reports import charts
from tracker.reports.diffmd import md_escape

# Sorts a table.sortable when its header is clicked. The page's Content-Security-Policy
# allows this script alone (by hash): nothing injected into a page can run.
SORT_SCRIPT = (
    "document.querySelectorAll('table.sortable th').forEach(function(th,i){"
    "th.addEventListener('click',function(){var b=th.closest('table').tBodies[0];"
    "var asc=th.dataset.asc!=='1';th.dataset.asc=asc?'1':'0';"
    "Array.from(b.rows).sort(function(x,y){var p=x.cells[i].textContent,"
    "q=y.cells[i].textContent,m=parseFloat(p),n=parseFloat(q);"
    "var c=(!isNaN(m)&&!isNaN(n))?m-n:p.localeCompare(q);return asc?c:-c;})"
    ".forEach(function(r){b.appendChild(r);});});});")


def script_context() -> dict[str, Any]:
    digest = base64.b64encode(hashlib.sha256(SORT_SCRIPT.encode("utf-8")).digest()).decode()
    from tracker.reports import search  # noqa: PLC0415

    return {"sort_script": sandbox.mark_safe(SORT_SCRIPT), "sort_script_hash": digest,
            **search.script_context()}


_DESCRIPTION = re.compile(r"\{#-?\s*description:\s*(.*?)\s*-?#\}")
_REQUIRES = re.compile(r"\{#-?\s*requires:\s*(.*?)\s*-?#\}")
_SUFFIXES = {"md": (".md", ".md.j2"), "html": (".html", ".html.j2")}
SITE_DESCRIPTION = "Static HTML site: boards, tables, item pages and charts (needs --out)"

# Names a caller adds to what templates see, made from the tracker and the item records
# (the campaign's `campaign` helper): reports know no template family of their own.
Helper = Callable[[Tracker, list[dict[str, Any]]], dict[str, Any]]


@dataclass(frozen=True)
class Report:
    name: str
    formats: dict[str, str]  # format -> template file name
    description: str
    source: str  # "built-in" or "project"


def builtin_reports_dir() -> Path:
    return templates_dir() / "reports"


def project_reports_dir(t: Tracker) -> Path:
    return t.root / CONFIG_DIR / "templates"


def list_reports(t: Tracker) -> list[Report]:
    """Every report here: the project's own (first), then the built-ins, and `site`."""
    found: dict[str, Report] = {}
    for source, folder in (("project", project_reports_dir(t)),
                           ("built-in", builtin_reports_dir())):
        for path in sorted(folder.glob("*")) if folder.is_dir() else []:
            for fmt, suffixes in _SUFFIXES.items():
                suffix = next((s for s in suffixes if path.name.endswith(s)), None)
                if not suffix or not path.is_file():
                    continue
                name = path.name[: -len(suffix)]
                if name.startswith("_") or not _fits(path, t):
                    continue  # a partial, or a report for kinds this tracker lacks
                report = found.get(name) or Report(name, {}, _describe(path), source)
                report.formats.setdefault(fmt, path.name)
                found[name] = report
    found.setdefault("site", Report("site", {"html": "site"}, SITE_DESCRIPTION, "built-in"))
    return sorted(found.values(), key=lambda r: r.name)


def _fits(path: Path, t: Tracker) -> bool:
    """A template may start with `{# requires: bureau, session #}`: kinds it needs."""
    match = _REQUIRES.search(_head(path))
    needed = [k.strip() for k in match.group(1).split(",")] if match else []
    return all(k in t.kinds for k in needed if k)


def _head(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")[:500]
    except OSError:
        return ""


def _describe(path: Path) -> str:
    try:
        head = path.read_text(encoding="utf-8", errors="replace")[:500]
    except OSError:
        return ""
    match = _DESCRIPTION.search(head)
    return match.group(1) if match else ""


def find_report(t: Tracker, name: str) -> Report:
    for report in list_reports(t):
        if report.name == name:
            return report
    names = ", ".join(r.name for r in list_reports(t))
    raise TrackerError(f"unknown report '{name}'; reports here: {names}")


# ---------------------------------------------------------------- context


_KEPT = object()  # a change that leaves the status as it was


class HistoryHelper:
    """History for templates, read once from git on first use."""

    def __init__(self, t: Tracker) -> None:
        self._t = t
        self._entries: list[dict[str, Any]] | None = None

    def entries(self) -> list[dict[str, Any]]:
        """Whole-tracker log, oldest first (empty without git history)."""
        if self._entries is None:
            self._entries = []
            if self._t.ws.top is not None:
                with self._t.history() as history:
                    if history.reader.has_head():
                        self._entries = list(reversed(history.log()))
        return self._entries

    def for_item(self, item_id: str) -> list[dict[str, Any]]:
        """One item's changes, newest first."""
        return self._by_item().get(item_id, [])

    def _by_item(self) -> dict[str, list[dict[str, Any]]]:
        if not hasattr(self, "_items_map"):
            table: dict[str, list[dict[str, Any]]] = {}
            for entry in reversed(self.entries()):
                for change in entry["items"]:
                    table.setdefault(change["id"], []).append({
                        **{k: entry[k] for k in ("commit", "author", "date", "message")},
                        **change})
            self._items_map = table
        return self._items_map

    def counts_per_day(self, kind: str | None = None) -> list[dict[str, Any]]:
        """Per day with activity: items created, finished, and running totals (burn-up).

        Running counts: each change moves its item in or out of the totals, so the walk
        costs the commits plus the items they touch, never the items seen so far."""
        done = self._done_statuses()
        finished: dict[str, bool] = {}  # kind/id of each item there now: is it done?
        total = done_now = 0
        days: dict[date, dict[str, Any]] = {}
        for entry in self.entries():
            day = datetime.fromisoformat(entry["date"]).date()
            row = days.setdefault(day, {"date": day, "created": 0, "finished": 0})
            for change in entry["items"]:
                if kind and change["kind"] != kind:
                    continue
                key = f"{change['kind']}/{change['id']}"
                was = finished.pop(key, None)  # None: not there before this change
                if was is not None:
                    total -= 1
                    done_now -= was
                if change["deleted"]:
                    continue
                if change["created"]:
                    row["created"] += 1
                status = change["changes"].get("status", {}).get("new", _KEPT)
                is_done = was if status is _KEPT and was is not None else \
                    status is not _KEPT and status in done.get(change["kind"], ())
                finished[key] = is_done
                total += 1
                done_now += is_done
                if is_done and not was:
                    row["finished"] += 1
            row["total"] = total
            row["done"] = done_now
        return [days[d] for d in sorted(days)]

    def sum_per_day(self, kind: str, field: str) -> list[dict[str, Any]]:
        """A field summed over a kind's items, day by day as commits changed it (burn-up).

        A running sum, kept exact (ints as ints, floats as fractions): each change costs
        its own item, not the items seen so far. An infinite or NaN value (rare) sums the
        values afresh while it is there."""
        from fractions import Fraction  # noqa: PLC0415

        values: dict[str, int | float] = {}
        total: Fraction | int = 0
        floats = odd = 0  # values that are floats (the total is then one); inf or NaN

        def add(value: int | float, sign: int) -> None:
            nonlocal total, floats, odd
            if isinstance(value, float):
                floats += sign
                if value != value or value in (float("inf"), float("-inf")):
                    odd += sign
                    return
                total += sign * Fraction(value)
            else:
                total += sign * value

        days: dict[date, dict[str, Any]] = {}
        for entry in self.entries():
            day = datetime.fromisoformat(entry["date"]).date()
            for change in entry["items"]:
                if change["kind"] != kind:
                    continue
                if change["deleted"]:
                    gone = values.pop(change["id"], None)
                elif field in change["changes"]:
                    new = change["changes"][field]["new"]
                    gone = values.get(change["id"])
                    values[change["id"]] = new = new if isinstance(new, (int, float)) else 0
                    add(new, 1)
                else:
                    continue
                if gone is not None:
                    add(gone, -1)
            summed: Any = sum(values.values()) if odd else \
                float(total) if floats else int(total)
            days[day] = {"date": day, "total": summed}
        return [days[d] for d in sorted(days)]

    def _done_statuses(self) -> dict[str, tuple[str, ...]]:
        return {name: done_statuses(kind) for name, kind in self._t.kinds.items()}


def done_statuses(kind: Any) -> tuple[str, ...]:
    """Statuses that count as finished: the workflow's final ones (`final:`)."""
    if kind.workflow is None:
        return ()
    return kind.workflow.final


def build_context(t: Tracker, where: str | None = None,
                  helpers: Iterable[Helper] = (), federation: bool = False) -> dict[str, Any]:
    """What templates see: items, kinds, config, history helpers, problems, `now`, and
    the names each of `helpers` adds. With `federation`, the items of every member too
    (ids qualified, `member` set: docs/federation.md)."""
    listed = t.list(where=where, federation=federation)  # as `tracker list --where` shows
    records = [_full_record(t, i) for i in listed.items()]
    from tracker.reports.exporting import unread  # noqa: PLC0415

    unread(t, listed.problems)  # the items left out are said on stderr
    return {**helper_context(t, records, helpers),
        "items": records,
        "kinds": {name: _kind_info(kind) for name, kind in t.kinds.items()},
        "config": dict(t.ws.config),
        "history": HistoryHelper(t),
        "problems": [p.as_dict() for p in listed.problems],
        "now": now(),
        "today": now().date(),
        "word": word,
        "language": language.current(),
    }


def helper_context(t: Tracker, records: list[dict[str, Any]],
                   helpers: Iterable[Helper]) -> dict[str, Any]:
    """The names `helpers` add for these records (a later helper's name wins)."""
    extra: dict[str, Any] = {}
    for helper in helpers:
        extra.update(helper(t, records))
    return extra


def _full_record(t: Tracker, item: Item) -> dict[str, Any]:
    """The item's record with every schema field present (None when the file lacks it)."""
    record = t.record(item)
    for name in item.kind.fields:
        record.setdefault(name, None)
    return record


def _kind_info(kind: Any) -> dict[str, Any]:
    return {"name": kind.name, "label": kind.label or kind.name, "folder": kind.folder,
            "fields": list(kind.fields), "computed": list(kind.computed),
            "columns": list(kind.columns),
            "refs": [n for n, f in kind.fields.items() if f.is_ref],
            "date_field": next((n for n in [*kind.columns, *kind.fields] if n in kind.fields
                                and kind.fields[n].type in ("date", "datetime")), None),
            "statuses": list(kind.workflow.statuses) if kind.workflow else [],
            "done": list(done_statuses(kind)),
            "field_labels": {n: kind.field_label(n) for n in [*kind.fields, *kind.computed,
                                                              *kind.rollups]
                             if kind.field_label(n) != n},
            "labels": {n: dict(f.labels) for n, f in kind.fields.items() if f.labels},
            "formats": dict(kind.formats)}


# ---------------------------------------------------------------- filters


def filters() -> dict[str, Callable[..., Any]]:
    return {"markdown": render_markdown, "md": md_escape, "count_by": count_by,
            "num": format_number,
            "percent": percent, "bar_chart": _bar_chart, "burnup_chart": _burnup_chart,
            "fmt": format_value, "days_ago": days_ago, "shown": shown, "label": label}


def render_markdown(text: str) -> Any:
    """Markdown to HTML with raw HTML disabled: a `<script>` in a body shows as text."""
    from markdown_it import MarkdownIt  # noqa: PLC0415

    global _MARKDOWN
    if _MARKDOWN is None:
        _MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
    return sandbox.mark_safe(_MARKDOWN.render(str(text or "")))


_MARKDOWN: Any = None


def count_by(items: Iterable[dict[str, Any]], field: str,
             order: Iterable[str] | None = None,
             kind: dict[str, Any] | None = None) -> list[tuple[str, int]]:
    """(value, count) pairs, most common first; with `order` (a workflow's statuses),
    in that order, zeros included, other values after; with `kind`, each value as its
    label (`count_by("status", kind.statuses, kind)`)."""
    counts = Counter(format_value(i.get(field)) or "(none)" for i in items)
    if order is not None:
        ordered = [(str(v), counts.pop(str(v), 0)) for v in order]
        pairs = ordered + sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    else:
        pairs = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    labels = ((kind.get("labels") or {}).get(field) or {}) if isinstance(kind, dict) else {}
    return [(labels.get(value, value), n) for value, n in pairs] if labels else pairs


def percent(value: Any, digits: int = 1) -> str:
    """The `percent` filter: a rate as a percentage in the tracker's language
    (model/language.py), `–` for none."""
    if value is None:
        return "–"
    return language.percent(float(value), places=digits)


def format_number(value: Any, digits: int = 0) -> str:
    """The `num` filter: a number with `digits` decimal places, thousands separated, in
    the tracker's language (`1 234,5` in French)."""
    if value is None or isinstance(value, bool) or not isinstance(value, (int, float)):
        return "–" if value is None else str(value)
    return language.grouped(value, digits)


def shown(value: Any, kind: dict[str, Any] | None = None, name: str = "") -> str:
    """The `shown` filter: a field's value as people read it (`item.arm | shown(kind,
    'arm')`): its enum label, a rate as its kind's `formats:` says, numbers and dates in
    the tracker's language (`fmt` gives it raw)."""
    if not isinstance(kind, dict):
        return language.display(value)
    return language.display(value, (kind.get("labels") or {}).get(name),
                            (kind.get("formats") or {}).get(name))


def label(name: str, kind: dict[str, Any] | None = None) -> str:
    """The `label` filter: a field's label in a kind (`'arm' | label(kind)`), the
    catalog's word for id, kind, title, status and path, else the name."""
    found = ((kind or {}).get("field_labels") or {}).get(name) if isinstance(kind, dict) \
        else None
    if found:
        return str(found)
    return language.word(name) if name in ("id", "kind", "title", "status", "path") else name


def word(key: str, **values: Any) -> str:
    """`word('history')`, `word('more', n=26)`: the catalog's words in the language."""
    return language.word(key, **values)


def format_value(value: Any) -> str:
    """The `fmt` filter: a value as text (see values.text)."""
    return values.text(value)


def days_ago(days: int) -> date:
    return now().date() - timedelta(days=int(days))


def _bar_chart(rows: Iterable[Any], title: str = "", label: str | None = None,
               value: str | None = None) -> Any:
    """Bars from (label, value) pairs, or from mappings with `label` and `value` keys."""
    if label and value:
        rows = [(r.get(label), r.get(value) or 0) for r in rows]
    data = [(str(name), float(amount)) for name, amount in rows]
    return sandbox.mark_safe(charts.bar_chart(data, title))


def _burnup_chart(rows: list[dict[str, Any]], title: str = "Burn-up",
                  labels: tuple[str, str] = ("scope", "done"), target: Any = None) -> Any:
    """Scope and done per day; rows without `done` draw one line (and the target, if any)."""
    days = [r["date"] for r in rows]
    series = {labels[0]: [r["total"] for r in rows]}
    if rows and "done" in rows[0]:
        series[labels[1]] = [r["done"] for r in rows]
    if target:
        series[labels[1] if len(series) == 1 else "objectif"] = [float(target)] * len(rows)
    return sandbox.mark_safe(charts.line_chart(days, series, title))


# ---------------------------------------------------------------- rendering


def environment(t: Tracker) -> Any:
    from tracker.expr import functions  # noqa: PLC0415

    functions.configure(t.ws.config)  # templates.seconds
    env = sandbox.report_environment(project_reports_dir(t), builtin_reports_dir(), filters())
    env.globals.update(days_ago=days_ago)
    return env


def render_report(t: Tracker, name: str, fmt: str | None = None, where: str | None = None,
                  extra: dict[str, Any] | None = None, helpers: Iterable[Helper] = (),
                  federation: bool = False) -> str:
    """One report as text, in `fmt` (md or html; default: the one it has, md first)."""
    report = find_report(t, name)
    if name == "site":
        raise UsageError("the site is a folder of pages: use 'tracker report site --out DIR'")
    if fmt is None:
        fmt = "md" if "md" in report.formats else "html"
    if fmt not in report.formats:
        raise UsageError(f"report '{name}' has no {fmt} version; it has: "
                         + ", ".join(report.formats))
    context = build_context(t, where, helpers=helpers, federation=federation)
    if fmt == "html":
        context.update(script_context(), root="")
    context.update(extra or {})
    return sandbox.render(environment(t), report.formats[fmt], context)


def write_output(path: Path, text: str) -> None:
    write_atomic(path, text)
