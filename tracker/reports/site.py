"""`tracker report site --out DIR`: a static HTML site that opens from the file system.

index.html (a board per kind, charts), kinds/KIND.html (a sortable table), and
items/KIND/ID.html (fields, rendered body, history). No network, no CDN; a few lines
of optional JavaScript sort the tables. Pages are rendered from the `site/` templates,
which a project can override in `.tracker/templates/site/`.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, TypeVar
from urllib.parse import quote

from tracker.api import Tracker
from tracker.expr import jinja as sandbox
from tracker.model import ids
from tracker.reports.render import (
    Helper,
    HistoryHelper,
    build_context,
    builtin_reports_dir,
    environment,
    helper_context,
    script_context,
)

T = TypeVar("T")
Progress = Callable[[list[T], str], Iterable[T]]
BOARD_LIMIT = 60


def page_name(item_id: str) -> str:
    """A safe file name for an item's page (hand-made ids may hold any character)."""
    if ids.problem(item_id) is None:
        return f"{item_id}.html"
    digest = hashlib.sha1(item_id.encode("utf-8")).hexdigest()[:10]
    return re.sub(r"[^A-Za-z0-9._-]+", "_", item_id)[:60].lstrip(".") + f"-{digest}.html"


def item_href(kind: str, item_id: str) -> str:
    return f"items/{quote(kind)}/{quote(page_name(item_id))}"


def build_site(t: Tracker, out: Path, where: str | None = None,
               progress: Progress[Any] | None = None, helpers: Iterable[Helper] = (),
               federation: bool = False) -> Path:
    """Write the site into `out`; returns the path of index.html. The names `helpers`
    add (see render.build_context) are for the pages over all items, as `items` is."""
    progress = progress or _no_progress
    context = {**build_context(t, where, federation=federation), **script_context()}
    extra = helper_context(t, context["items"], helpers)
    context = {**extra, **context}  # as build_context(helpers=…) orders them
    env = environment(t)
    out.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(builtin_reports_dir() / "site" / "style.css", out / "style.css")
    items = context["items"]
    for record in items:
        record["href"] = item_href(record["kind"], record["id"])
    history: HistoryHelper = context["history"]
    kinds = context["kinds"]
    by_kind = {name: chronological(kinds[name], [r for r in items if r["kind"] == name])
               for name in kinds}
    context["ref_link"] = RefLinks(items)
    from tracker.reports import dashboard  # noqa: PLC0415

    panels = dashboard.panels(t, items, history)  # a broken panel stops before any page
    base = {k: v for k, v in context.items() if k not in ("items", "history", *extra)}
    graphs = _dependency_graphs(t, items)
    pointing = _pointing(t, items, kinds)
    pages = [("site/item.html.j2", record["href"], {
        "root": "../../", "item": record, "kind": kinds[record["kind"]],
        "changes": history.for_item(record["id"]), "pointing": pointing(record),
        "dependency_graph": graphs.get(record["id"])}) for record in items]
    bilans = sorted(by_kind.get("bilan", []), key=lambda b: str(b.get("commune_insee")))
    if bilans:
        pages += _bilan_pages(env, base, bilans, by_kind.get("bureau", []), out)

    def pages_over_all() -> None:  # while the workers write the item pages
        reports = _write_reports(t, env, context, out)
        _write(out / "index.html", sandbox.render(env, "site/index.html.j2", {
            **context, "root": "", "by_kind": by_kind, "board_limit": BOARD_LIMIT,
            "reports": reports, "bilans": bool(by_kind.get("bilan")), "panels": panels}))
        for name, records in by_kind.items():
            _write(out / "kinds" / f"{name}.html", sandbox.render(env, "site/kind.html.j2", {
                **context, "root": "../", "kind": context["kinds"][name], "rows": records}))
        _write_search(env, base, items, out)

    render_pages(env, base, pages, out, progress, meanwhile=pages_over_all)
    return out / "index.html"


class RefLinks:
    """`ref_link(value, root)` in the site's templates: a ref (or a list of them) as links
    to the items' pages, titled; an id the site has no page for stays text."""

    def __init__(self, items: list[dict[str, Any]]) -> None:
        self._items = {r["id"]: (r["href"], r.get("title")) for r in items}

    def __call__(self, value: Any, root: str = "") -> Any:
        values = value if isinstance(value, list) else [] if value is None else [value]
        parts = []
        for ref in values:
            text = sandbox.escape(str(ref))
            found = self._items.get(ref) if isinstance(ref, str) else None
            if found is None:
                parts.append(str(text))
                continue
            title = sandbox.escape(str(found[1] or ref))
            parts.append(f'<a class="ref" href="{sandbox.escape(root + found[0])}" '
                         f'title="{title}">{text}</a>')
        return sandbox.mark_safe(", ".join(parts))


def chronological(kind: dict[str, Any], records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A kind's records by its date (`kind.date_field`: sessions by the day they were
    held), undated last, then by id; by id when the kind has no date."""
    field = kind.get("date_field")
    if not field:
        return records
    return sorted(records, key=lambda r: (r.get(field) is None, str(r.get(field) or ""),
                                          str(r["id"])))


def _pointing(t: Tracker, items: list[dict[str, Any]], kinds: dict[str, Any]
              ) -> Callable[[dict[str, Any]], list[dict[str, Any]]]:
    """Each item's back-links, by kind and field: `{"kind", "field", "label", "rows"}`,
    the rows whole records in their kind's order (by date when it has one)."""
    index = t.backlinks(items)
    by_id = {(r["kind"], r["id"]): r for r in items}

    def groups(record: dict[str, Any]) -> list[dict[str, Any]]:
        found: dict[tuple[str, str], dict[str, Any]] = {}
        for link in index.to(record["id"], record["kind"]):
            row = by_id.get((link["kind"], link["id"]))
            if row is None:
                continue
            group = found.setdefault((link["kind"], link["field"]), {
                "kind": kinds[link["kind"]], "field": link["field"], "label": link["label"],
                "rows": []})
            group["rows"].append(row)
        for group in found.values():
            group["rows"] = chronological(group["kind"], group["rows"])
        return list(found.values())
    return groups


def _dependency_graphs(t: Tracker, items: list[dict[str, Any]]) -> dict[str, Any]:
    """Each item in a dependency: the SVG of what it waits for and what waits for it."""
    from tracker.reports import graph as drawing  # noqa: PLC0415

    full = drawing.labelled(t.graph(), t.kinds)
    around = drawing.Around(full)
    listed = {record["id"] for record in items}
    drawn = {}
    for node in full["nodes"]:
        if node["id"] not in listed:
            continue
        part, cut = around.subgraph(node["id"], drawing.PAGE_LIMIT)
        svg = drawing.as_svg(part, lambda n: "../../" + item_href(n["kind"], n["id"]),
                             focus=node["id"])
        if cut:
            svg += drawing.cut_caption(node["id"])
        drawn[node["id"]] = sandbox.mark_safe(svg)
    return drawn


def _write_reports(t: Tracker, env: Any, context: dict[str, Any], out: Path) -> list[Any]:
    """Every report that fits this tracker, as a page of the site (reports/NAME.html)."""
    from tracker.reports.render import list_reports, render_markdown  # noqa: PLC0415

    written = []
    for report in list_reports(t):
        if report.name == "site":
            continue
        page = {**context, "root": "../", "report": report}
        if "html" in report.formats:
            html = sandbox.render(env, report.formats["html"], page)
        else:
            text = sandbox.render(env, report.formats["md"], page)
            if not text.strip():
                continue  # a report with nothing to say yet (the effect before any round)
            html = sandbox.render(env, "site/report.html.j2",
                                  {**page, "content": render_markdown(text)})
        _write(out / "reports" / f"{report.name}.html", html)
        written.append(report)
    return written


def _write_search(env: Any, base: dict[str, Any], items: list[dict[str, Any]],
                  out: Path) -> None:
    """search.html: the search box, the script and the index of every item (search.py)."""
    from tracker.reports import search  # noqa: PLC0415

    fr = base.get("config", {}).get("lang") == "fr"
    labels = {name: kind["label"] for name, kind in base["kinds"].items()}
    index = search.index_json(items, labels, *(("résultat", "résultats") if fr
                                               else ("result", "results")))
    _write(out / "search.html", sandbox.render(env, "site/search.html.j2", {
        **base, "root": "", "search_index": sandbox.mark_safe(index),
        "search_full": len(items) <= search.FULL_TEXT_UP_TO,
        "search_full_up_to": search.FULL_TEXT_UP_TO}))


def _bilan_pages(env: Any, base: dict[str, Any], bilans: list[dict[str, Any]],
                 bureaux: list[dict[str, Any]], out: Path) -> list[tuple[str, str, dict[str, Any]]]:
    """The index of communes by département, and one page job per commune, with the
    commune's bureaux (those of its INSEE code)."""
    of_commune: dict[str, list[dict[str, Any]]] = {}
    for bureau in bureaux:
        of_commune.setdefault(str(bureau.get("commune_insee")), []).append(bureau)
    by_departement: dict[str, list[dict[str, Any]]] = {}
    for bilan in bilans:
        bilan["page"] = f"{quote(page_name(str(bilan.get('commune_insee') or bilan['id'])))}"
        by_departement.setdefault(str(bilan.get("departement")), []).append(bilan)
    _write(out / "bilans" / "index.html", sandbox.render(env, "site/bilans.html.j2", {
        **base, "root": "../", "departements": sorted(by_departement.items())}))
    return [("site/bilan.html.j2", f"bilans/{b['page']}", {
        "root": "../", "bilan": b, "bureaux": of_commune.get(str(b.get("commune_insee")), [])})
        for b in bilans]


# ---------------------------------------------------------------- page rendering

_JOB: dict[str, Any] = {}
PARALLEL_FROM = 2000  # pages; below this, starting processes costs more than it saves


def render_pages(env: Any, base: dict[str, Any], pages: list[tuple[str, str, dict[str, Any]]],
                 out: Path, progress: Progress[Any],
                 meanwhile: Callable[[], None] | None = None) -> None:
    """Render and write pages; many pages are spread over the machine's cores, and
    `meanwhile` (the pages over all items) runs here while the workers write them
    (first, without workers; its error stops the pages not yet begun).

    The templates are loaded once, here (the files do not change while the site is
    built: no stat of them per page), and each page's folder is made once; forked
    workers find the pages in `_JOB` and are sent only where their chunk starts and
    ends, not the pages themselves pickled."""
    env.auto_reload = False
    templates = {name: sandbox.load(env, name) for name in {page[0] for page in pages}}
    for folder in sorted({os.path.dirname(rel) for _, rel, _ in pages}):
        (out / folder).mkdir(parents=True, exist_ok=True)
    loaded = [(templates[name], rel, extra) for name, rel, extra in pages]
    workers = min(os.cpu_count() or 1, 8)
    if len(pages) < PARALLEL_FROM or workers < 2:
        if meanwhile is not None:
            meanwhile()
        for template, rel, extra in progress(loaded, "Writing pages"):
            _write_page(env, template, base, extra, os.path.join(out, rel))
        return
    import multiprocessing  # noqa: PLC0415
    from concurrent.futures import ProcessPoolExecutor  # noqa: PLC0415

    _JOB.update(env=env, base=base, out=out, pages=loaded)
    size = max(50, len(pages) // (workers * 8))
    chunks = [(i, min(i + size, len(pages))) for i in range(0, len(pages), size)]
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            results = pool.map(_render_chunk, chunks)  # the workers are forked here
            try:
                if meanwhile is not None:
                    meanwhile()
            except BaseException:
                pool.shutdown(cancel_futures=True)
                raise
            for _chunk in progress(chunks, "Writing pages"):
                next(results)
    finally:
        _JOB.clear()


def _render_chunk(chunk: tuple[int, int]) -> int:
    env, base, out, pages = _JOB["env"], _JOB["base"], _JOB["out"], _JOB["pages"]
    for template, rel, extra in pages[chunk[0]:chunk[1]]:
        _write_page(env, template, base, extra, os.path.join(out, rel))
    return chunk[1] - chunk[0]


def _write_page(env: Any, template: Any, base: dict[str, Any], extra: dict[str, Any],
                path: str) -> None:
    """One page into its folder, made already (render_pages)."""
    data = sandbox.render(env, template, {**base, **extra}).encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _no_progress(items: list[T], label: str) -> Iterator[T]:
    return iter(items)
