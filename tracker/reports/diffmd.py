"""The semantic diff as text for a terminal, and as Markdown for a pull-request comment.

Titles and values come from untrusted files: in Markdown they are escaped so that
they show as text (no HTML, no links, no table breaks).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any, Iterable

from tracker.api import Problem

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def md_escape(value: Any) -> str:
    """Text safe inside a Markdown table cell or list item."""
    text = " ".join(_plain(value).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text)


def _plain(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_plain(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def render_text(diff: dict[str, Any]) -> str:
    lines = []
    for entry in diff["added"]:
        lines.append(f"+ {entry['id']}  {_plain(entry['title'])}")
    for entry in diff["removed"]:
        lines.append(f"- {entry['id']}  {_plain(entry['title'])}")
    for entry in diff["changed"]:
        lines.append(f"~ {entry['id']}  {_plain(entry['title'])}")
        for name, change in entry["fields"].items():
            lines.append(f"    {name}: {_plain(change['old'])} -> {_plain(change['new'])}")
        if entry["body_changed"]:
            lines.append("    body changed")
    if not lines:
        return "No item changes.\n"
    return "\n".join(lines) + "\n"


def render_md(diff: dict[str, Any], problems: Iterable[Problem] = ()) -> str:
    """A review summary: counts, status moves, field changes, new and removed items, problems."""
    added, removed, changed = diff["added"], diff["removed"], diff["changed"]
    out = [f"### Tracker changes: {len(added)} added, {len(changed)} changed, "
           f"{len(removed)} removed", ""]
    moves = [e for e in changed if "status" in e["fields"]]
    if moves:
        out += ["| Item | Title | Status |", "| --- | --- | --- |"]
        out += [f"| `{e['id']}` | {md_escape(e['title'])} | "
                f"{md_escape(e['fields']['status']['old'])} → "
                f"{md_escape(e['fields']['status']['new'])} |" for e in moves]
        out.append("")
    edits = [e for e in changed if set(e["fields"]) - {"status"} or e["body_changed"]]
    if edits:
        out += ["**Field changes**", ""]
        for e in edits:
            parts = [f"{md_escape(k)}: {md_escape(c['old'])} → {md_escape(c['new'])}"
                     for k, c in e["fields"].items() if k != "status"]
            if e["body_changed"]:
                parts.append("body changed")
            out.append(f"- `{e['id']}` {md_escape(e['title'])}: " + "; ".join(parts))
        out.append("")
    for heading, entries in (("New items", added), ("Removed items", removed)):
        if entries:
            out += [f"**{heading}**", ""]
            out += [f"- `{e['id']}` ({e['kind']}) {md_escape(e['title'])}" for e in entries]
            out.append("")
    problems = list(problems)
    if problems:
        out += ["**Problems this change introduces** (`tracker check`)", ""]
        out += [f"- `{p.path}:{p.line or 1}` " + ("warning: " if p.warning else "")
                + (f"{md_escape(p.field)}: " if p.field else "")
                + md_escape(p.message) for p in problems]
        out.append("")
    elif added or changed:
        out += ["`tracker check`: no new problems.", ""]
    return "\n".join(out)
