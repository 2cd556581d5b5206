"""`tracker report site --out DIR`: a static HTML site that opens from the file system.

index.html (a board per kind, charts), kinds/KIND.html (a sortable table), and
items/KIND/ID.html (fields, rendered body, history). No network, no CDN; a few lines
of optional JavaScript sort the tables. Pages are rendered from the `site/` templates,
which a project can override in `.tracker/templates/site/`.
"""

from __future__ import annotations

import base64
import hashlib
import re
import shutil
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, TypeVar
from urllib.parse import quote

from . import ids, sandbox
from .api import Tracker
from .render import HistoryHelper, build_context, builtin_reports_dir, environment

T = TypeVar("T")
Progress = Callable[[list[T], str], Iterable[T]]
BOARD_LIMIT = 60
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
    return {"sort_script": sandbox.mark_safe(SORT_SCRIPT), "sort_script_hash": digest}


def page_name(item_id: str) -> str:
    """A safe file name for an item's page (hand-made ids may hold any character)."""
    if ids.problem(item_id) is None:
        return f"{item_id}.html"
    digest = hashlib.sha1(item_id.encode("utf-8")).hexdigest()[:10]
    return re.sub(r"[^A-Za-z0-9._-]+", "_", item_id)[:60].lstrip(".") + f"-{digest}.html"


def item_href(kind: str, item_id: str) -> str:
    return f"items/{quote(kind)}/{quote(page_name(item_id))}"


def build_site(t: Tracker, out: Path, where: str | None = None,
               progress: Progress[Any] | None = None) -> Path:
    """Write the site into `out`; returns the path of index.html."""
    progress = progress or _no_progress
    context = {**build_context(t, where), **script_context()}
    env = environment(t)
    out.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(builtin_reports_dir() / "site" / "style.css", out / "style.css")
    items = context["items"]
    for record in items:
        record["href"] = item_href(record["kind"], record["id"])
    history: HistoryHelper = context["history"]
    by_kind = {name: [r for r in items if r["kind"] == name] for name in context["kinds"]}
    _write(out / "index.html", sandbox.render(env, "site/index.html.j2", {
        **context, "root": "", "by_kind": by_kind, "board_limit": BOARD_LIMIT}))
    for name, records in by_kind.items():
        _write(out / "kinds" / f"{name}.html", sandbox.render(env, "site/kind.html.j2", {
            **context, "root": "../", "kind": context["kinds"][name], "rows": records}))
    for record in progress(items, "Writing item pages"):
        page = {**context, "root": "../../", "item": record,
                "kind": context["kinds"][record["kind"]],
                "changes": history.for_item(record["id"])}
        _write(out / record["href"], sandbox.render(env, "site/item.html.j2", page))
    return out / "index.html"


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _no_progress(items: list[T], label: str) -> Iterator[T]:
    return iter(items)
