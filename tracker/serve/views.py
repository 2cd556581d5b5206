"""The pages that show the tracker: the list, the board of a kind, an item, the reports
and the static site, under one layout (the same navigation on every page).

- `/` the list: the `--where` filter, a plain search (`tracker list --grep`), columns
  sorted by a click on their heading, pages of `PAGE_ROWS`; the rows `tracker list`
  prints, in its order;
- `/board/KIND`: one column per status of the kind's workflow, in its order; a card per
  item (its title and the fields the kind's `card:` names); coordinators drag a card to
  another column (`board.js`, SortableJS, over `POST /api/items/ID/move`) or, without
  JavaScript, use the Move form each card carries;
- `/items/ID`: the fields with their labels, the body rendered (raw HTML shown as text),
  the field-level history (`tracker log ID`), refs as links, the items that point here;
- the Move form on item pages and cards is `forms.move_form`, posted to `POST /items/ID/move`
  (`forms.Forms.move`, the one handler of it);
- `/reports`, `/reports/NAME`: the reports (`tracker report NAME`), rendered at each
  request; `/site/…`: the static site (`tracker report site`), built in its own thread
  when first asked for and again once the repository has a new commit.

Every page speaks the tracker's language (`language:`): its words are
`model/language.py`'s catalog, values shown as `language.display` writes them; slugs stay
in form values, URLs and data-* attributes.

Reports and the site are made by `tracker.reports`, which this layer does not import:
the CLI hands the server a `Reporting` (see `tracker/cli/serve.py`).
"""

from __future__ import annotations

import asyncio
import html
import re
import shutil
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote, urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from tracker.model import errors, language
from tracker.model.language import word
from tracker.model.values import text
from tracker.serve.forms import move_form
from tracker.serve.gate import CSP
from tracker.serve.work import Busy, Worker

PAGE_ROWS = 100
CARDS_PER_COLUMN = 200
SORTABLE = "sortable-1.15.6.min.js"
SITE_TYPES = {".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
              ".js": "text/javascript; charset=utf-8", ".svg": "image/svg+xml",
              ".png": "image/png", ".json": "application/json", ".csv": "text/csv; charset=utf-8",
              ".txt": "text/plain; charset=utf-8", ".xml": "application/xml",
              ".ics": "text/calendar; charset=utf-8", ".md": "text/plain; charset=utf-8"}


class Reporting(Protocol):
    """What the CLI gives the server to show the reports and the site."""

    def names(self, t: Any) -> list[tuple[str, str]]:
        """(name, description) of each report but the site."""

    def html(self, t: Any, name: str) -> str:
        """The report as HTML (a Markdown report rendered)."""

    def site(self, t: Any, folder: Path) -> None:
        """Build the static site into `folder`."""

    def site_scripts(self) -> str:
        """The CSP sources of the site's own inline scripts (their hashes)."""


def esc(value: Any) -> str:
    if value is None:
        return ""
    return html.escape(value if isinstance(value, str) else text(value, one_line=True),
                       quote=True)


def _markdown(source: str) -> str:
    """Markdown to HTML, raw HTML disabled (a `<script>` in a body shows as text)."""
    from markdown_it import MarkdownIt  # noqa: PLC0415

    global _MD
    if _MD is None:
        _MD = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
    return str(_MD.render(source or ""))


_MD: Any = None


def _label(kind: Any, name: str) -> str:
    return kind.field_label(name) if kind is not None else name


def _shown(kind: Any, name: str, value: Any) -> str:
    """A value as people read it: its enum label, a rate as the kind's `formats:` says,
    numbers and dates in the tracker's language (model/language.py)."""
    spec = kind.fields.get(name) if kind is not None else None
    return language.display(value, spec.labels if spec is not None else None,
                            kind.formats.get(name) if kind is not None else None)


def _when(value: Any) -> str:
    """A commit's date (ISO text) as the tracker's language writes it."""
    from datetime import datetime  # noqa: PLC0415

    try:
        return language.date_text(datetime.fromisoformat(str(value)))
    except ValueError:
        return str(value or "")


def _kind_label(kind: Any) -> str:
    return str(kind.label or kind.name)


def _nav_kinds(t: Any) -> list[tuple[str, str, bool]]:
    return [(k.name, _kind_label(k), k.workflow is not None)
            for k in sorted(t.kinds.values(), key=lambda k: k.name)]


def item_href(item_id: str) -> str:
    return "/items/" + quote(item_id, safe="")


class Views:
    def __init__(self, worker: Worker, reporting: Reporting | None = None) -> None:
        self.worker = worker
        self.reporting = reporting
        self._site_pool = ThreadPoolExecutor(1, thread_name_prefix="tracker-site")
        self._site_lock = threading.Lock()
        self._site_built: str | None = None  # the commit the built site shows
        self._nav: list[tuple[str, str, bool]] | None = None  # the kinds, as last read

    def routes(self) -> list[Route]:
        return [Route("/", self.list_page, methods=["GET"]),
                Route("/board/{kind}", self.board, methods=["GET"]),
                Route("/items/{id}", self.item, methods=["GET"]),
                Route("/reports", self.reports, methods=["GET"]),
                Route("/reports/{name}", self.report, methods=["GET"]),
                Route("/site", self.site, methods=["GET"]),
                Route("/site/{path:path}", self.site, methods=["GET"]),
                Route("/favicon.ico", favicon, methods=["GET"])]

    # ------------------------------------------------------------ the layout

    def page(self, request: Request, title: str, body: str, status: int = 200
             ) -> HTMLResponse:
        """A page of another module (the accounts) with the same navigation: the kinds
        as the last page read them."""
        if self._nav is None:
            self._nav = _nav_kinds(self.worker.tracker())
        return self.layout(request, title, body, self._nav, status)

    def layout(self, request: Request, title: str, body: str, kinds: list[Any] | None = None,
               status: int = 200, scripts: tuple[str, ...] = ()) -> HTMLResponse:
        account = request.state.account
        session = request.state.session
        if kinds is not None:
            self._nav = kinds
        links = [f"<a href=\"/\">{esc(word('items_header'))}</a>"]
        links += [f"<a href=\"/board/{esc(quote(name))}\">{esc(label)}</a>"
                  for name, label, board in kinds or [] if board]
        if self.reporting is not None:
            links += [f"<a href=\"/reports\">{esc(word('reports'))}</a>",
                      f"<a href=\"/site/\">{esc(word('site'))}</a>"]
        if account is not None and account.at_least("admin"):
            links.append(f"<a href=\"/users\">{esc(word('accounts'))}</a>")
        who = ""
        if account is not None:
            who = f"<span class=\"who\">{esc(account.login)} ({esc(account.role)})</span>"
            if session is not None:
                who += ("<form class=\"inline\" method=\"post\" action=\"/logout\">"
                        f"<input type=\"hidden\" name=\"csrf\" value=\"{esc(session.csrf)}\">"
                        f"<button type=\"submit\">{esc(word('log_out'))}</button></form>")
        csrf = f"<meta name=\"csrf\" content=\"{esc(session.csrf)}\">" if session else ""
        tags = "".join(f"<script src=\"/static/{esc(s)}\" defer></script>" for s in scripts)
        return HTMLResponse(
            f"<!doctype html>\n<html lang=\"{esc(language.current())}\"><head>"
            "<meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{esc(title)}</title>{csrf}"
            "<link rel=\"stylesheet\" href=\"/static/tracker.css\">"
            f"<link rel=\"stylesheet\" href=\"/static/views.css\">{tags}</head><body>"
            f"<nav class=\"top\" aria-label=\"main\">{' '.join(links)}<span class=\"account\">"
            f"{who}</span></nav><main>{body}</main></body></html>\n", status_code=status)

    async def _read(self, request: Request, job: Any, *args: Any) -> Any:
        try:
            return await self.worker.read(job, *args)
        except (errors.ItemNotFound, errors.AmbiguousId) as e:
            return self._error(request, 404, str(e))
        except Busy as e:
            return self._error(request, 429, str(e))
        except errors.TrackerError as e:
            return self._error(request, 422, str(e))

    def _error(self, request: Request, status: int, message: str) -> HTMLResponse:
        return self.layout(request, word("refused") if status == 403 else word("error"),
                           f"<p class=\"error\" role=\"alert\">{esc(errors.one_line(message))}"
                           "</p>", status=status)

    # ------------------------------------------------------------ the list

    async def list_page(self, request: Request) -> Response:
        q = request.query_params
        kind, where, grep = q.get("kind") or None, q.get("where") or None, q.get("grep") or None
        sort = q.get("sort") or None
        try:
            number = max(1, int(q.get("page") or 1))
        except ValueError:
            number = 1

        def job() -> dict[str, Any]:
            t = self.worker.tracker()
            nav = _nav_kinds(t)
            try:
                listed = t.list(kind, where, grep, sort, None, None)
                columns = listed.columns
                if "title" not in columns:
                    columns = [columns[0], "title", *columns[1:]]
                values = listed.values(columns)
            except errors.TrackerError as e:
                return {"nav": nav, "error": str(e), "columns": [], "rows": [],
                        "kind": None}
            rows = [dict(zip(columns, row)) for row in zip(*values)] if values else []
            return {"nav": nav, "error": "", "columns": columns, "rows": rows,
                    "kind": t.kinds.get(kind) if kind else None}

        found = await self._read(request, job)
        if isinstance(found, Response):
            return found
        columns, rows, one = found["columns"], found["rows"], found["kind"]
        pages = max(1, (len(rows) + PAGE_ROWS - 1) // PAGE_ROWS)
        number = min(number, pages)
        shown = rows[(number - 1) * PAGE_ROWS: number * PAGE_ROWS]
        base = {k: v for k, v in (("kind", kind), ("where", where), ("grep", grep),
                                  ("sort", sort)) if v}

        def link(**change: Any) -> str:
            params = {**base, **{k: v for k, v in change.items() if v}}
            for k, v in change.items():
                if not v:
                    params.pop(k, None)
            return "/?" + urlencode(params) if params else "/"

        heads = []
        for c in columns:
            current = sort.lstrip("-") == c if sort else False
            descending = bool(sort and sort.startswith("-"))
            order = f"-{c}" if current and not descending else c
            mark = (" ▼" if descending else " ▲") if current else ""
            aria = (" aria-sort=\"descending\"" if descending else " aria-sort=\"ascending\"") \
                if current else ""
            heads.append(f"<th scope=\"col\"{aria}><a href=\"{esc(link(sort=order, page=None))}"
                         f"\">{esc(_label(one, c))}{mark}</a></th>")
        refs = {n for n, f in (one.fields.items() if one else ())
                if f.is_ref}
        body = "".join(
            "<tr>" + "".join(f"<td>{self._cell(c, row.get(c), row, refs, one)}</td>"
                             for c in columns)
            + "</tr>" for row in shown)
        options = "".join(f"<option value=\"{esc(n)}\"{' selected' if n == kind else ''}>"
                          f"{esc(label)}</option>" for n, label, _ in found["nav"])
        error = (f"<p class=\"error\" role=\"alert\">{esc(errors.one_line(found['error']))}</p>"
                 if found["error"] else "")
        pager = ""
        if pages > 1:
            prev = (f"<a rel=\"prev\" href=\"{esc(link(page=number - 1))}\">"
                    f"{esc(word('previous'))}</a>"
                    if number > 1 else "")
            nxt = (f"<a rel=\"next\" href=\"{esc(link(page=number + 1))}\">"
                   f"{esc(word('next'))}</a>"
                   if number < pages else "")
            where_at = word("page_of", n=language.number(number), pages=language.number(pages))
            pager = f"<nav class=\"pager\" aria-label=\"pages\">{prev} {esc(where_at)} " \
                    f"{nxt}</nav>"
        title = _kind_label(one) if one else word("items_header")
        return self.layout(request, title, f"""<h1>{esc(title)}</h1>
<form method="get" action="/" class="filter"><label>{esc(word('kind_header'))} <select name="kind">
<option value="">{esc(word('all'))}</option>{options}</select></label>
<label>{esc(word('filter'))} (<code>--where</code>) <input type="text" name="where"
value="{esc(where or '')}" placeholder="status == 'open'"></label>
<label>{esc(word('search'))} <input type="search" name="grep" value="{esc(grep or '')}"></label>
{f'<input type="hidden" name="sort" value="{esc(sort)}">' if sort else ''}
<button type="submit">{esc(word('show'))}</button></form>{error}
<p class="count">{esc(word('one_item') if len(rows) == 1 else
                       word('n_items', n=language.number(len(rows))))}</p>
<div class="scroll"><table class="items"><thead><tr>
{''.join(heads)}</tr></thead><tbody>{body}</tbody></table></div>{pager}""", found["nav"])

    def _cell(self, column: str, value: Any, row: dict[str, Any], refs: set[str],
              kind: Any = None) -> str:
        if value is None:
            return ""
        if column in ("id", "title") and row.get("id"):
            return f"<a href=\"{esc(item_href(str(row['id'])))}\">{esc(value)}</a>"
        if column in refs:
            values = value if isinstance(value, list) else [value]
            return ", ".join(f"<a href=\"{esc(item_href(str(v)))}\">{esc(v)}</a>"
                             for v in values)
        return esc(_shown(kind, column, value))

    # ------------------------------------------------------------ the board

    async def board(self, request: Request) -> Response:
        name = request.path_params["kind"]
        where = request.query_params.get("where") or None

        def job() -> dict[str, Any]:
            t = self.worker.tracker()
            kind = t.kinds.get(name)
            if kind is None or kind.workflow is None:
                raise errors.ItemNotFound(word("no_board", name=name))
            fields = ["title", "status", *[f for f in kind.card if f not in ("title", "id")]]
            try:
                rows = t.list(name, where, None, None, fields, None).rows
            except errors.TrackerError as e:
                if not where:
                    raise
                return {"nav": _nav_kinds(t), "kind": kind, "rows": [], "error": str(e)}
            return {"nav": _nav_kinds(t), "kind": kind, "rows": rows, "error": ""}

        found = await self._read(request, job)
        if isinstance(found, Response):
            return found
        kind, rows = found["kind"], found["rows"]
        workflow = kind.workflow
        account = request.state.account
        session = request.state.session
        movable = account.at_least("coordinator") and session is not None
        by_status: dict[str, list[dict[str, Any]]] = {s: [] for s in workflow.statuses}
        others: list[dict[str, Any]] = []
        for row in rows:
            by_status.get(str(row.get("status")), others).append(row)
        back = str(request.url.path) + (f"?{request.url.query}" if request.url.query else "")
        columns = []
        for status in workflow.statuses:
            cards = by_status[status]
            shown = "".join(self._card(kind, row, movable, session, back)
                            for row in cards[:CARDS_PER_COLUMN])
            more = ""
            if len(cards) > CARDS_PER_COLUMN:
                left = language.number(len(cards) - CARDS_PER_COLUMN)
                more = (f"<p class=\"more\"><a href=\"/?"
                        f"{esc(urlencode({'kind': kind.name, 'where': f'status == {status!r}'}))}"
                        f"\">{esc(word('more_in_list', n=left))}"
                        "</a></p>")
            columns.append(
                f"<section class=\"column\" aria-label=\"{esc(_shown(kind, 'status', status))}\">"
                f"<h2>{esc(_shown(kind, 'status', status))} <span class=\"n\">"
                f"{esc(language.number(len(cards)))}</span>"
                "</h2>"
                f"<ul class=\"cards\" data-status=\"{esc(status)}\" "
                f"data-next=\"{esc(' '.join(workflow.allowed(status)))}\" "
                f"data-label=\"{esc(_shown(kind, 'status', status))}\">{shown}</ul>"
                f"{more}</section>")
        stray = ""
        if others:
            stray = (f"<p class=\"error\">{esc(word('not_on_board'))} " + ", ".join(
                         f"<a href=\"{esc(item_href(str(r['id'])))}\">{esc(r['id'])}</a>"
                         for r in others) + "</p>")
        if found["error"]:
            stray += (f"<p class=\"error\" role=\"alert\">"
                      f"{esc(errors.one_line(found['error']))}</p>")
        label = _kind_label(kind)
        hint = (f"<p class=\"hint\">{esc(word('drag_hint'))}</p>" if movable else "")
        return self.layout(request, word("board_title", kind=label), f"""<h1>{esc(label)}</h1>
<form method="get" action="/board/{esc(quote(kind.name))}" class="filter">
<label>{esc(word('filter'))} (<code>--where</code>) <input type="text" name="where"
value="{esc(where or '')}"></label><button type="submit">{esc(word('show'))}</button></form>{hint}
<p class="status-message" role="status" aria-live="polite" id="board-message"></p>{stray}
<div class="board" data-movable="{'true' if movable else 'false'}"
data-no-answer="{esc(word('no_answer'))}">{''.join(columns)}</div>""",
                           found["nav"], scripts=(SORTABLE, "board.js") if movable else ())

    def _card(self, kind: Any, row: dict[str, Any], movable: bool, session: Any,
              back: str) -> str:
        item_id = str(row["id"])
        status = str(row.get("status"))
        details = "".join(
            f"<dt>{esc(_label(kind, f))}</dt><dd>{self._value(kind, f, row.get(f))}</dd>"
            for f in kind.card if f not in ("title",) and row.get(f) is not None
            and f != "id") + ("<dt>id</dt><dd>" + esc(item_id) + "</dd>"
                              if "id" in kind.card else "")
        form = ""
        if movable:
            form = move_form(item_id, status, kind.workflow.allowed(status), session.csrf,
                             back, language.catalog(), kind)
        return (f"<li class=\"card\" data-id=\"{esc(item_id)}\" data-status=\"{esc(status)}\">"
                f"<a class=\"title\" href=\"{esc(item_href(item_id))}\">"
                f"{esc(row.get('title') or item_id)}</a>"
                f"{f'<dl>{details}</dl>' if details else ''}{form}</li>")

    def _value(self, kind: Any, name: str, value: Any) -> str:
        spec = kind.fields.get(name)
        if value is None:
            return ""
        if spec is not None and spec.is_ref:
            values = value if isinstance(value, list) else [value]
            return ", ".join(f"<a href=\"{esc(item_href(str(v)))}\">{esc(v)}</a>"
                             for v in values)
        return esc(_shown(kind, name, value))

    # ------------------------------------------------------------ an item

    async def item(self, request: Request, message: str = "", status: int = 200
                   ) -> Response:
        ref = request.path_params["id"]

        def job() -> dict[str, Any]:
            t = self.worker.tracker()
            item = t.get(ref)
            computed = t.computed(item)
            with t.history() as history:
                try:
                    log = history.log(item.id)
                except errors.ItemNotFound:
                    log = []  # not committed yet
            return {"nav": _nav_kinds(t), "item": item, "computed": computed, "log": log,
                    "pointing": t.pointing(item.id, item.kind.name),
                    "kinds": {k.name: _kind_label(k) for k in t.kinds.values()}}

        found = await self._read(request, job)
        if isinstance(found, Response):
            return found
        item = found["item"]
        kind = item.kind
        account = request.state.account
        session = request.state.session
        names = [n for n in kind.order if n in item.fields]
        names += [n for n in item.fields if n not in names]
        rows = "".join(f"<tr><th scope=\"row\">{esc(_label(kind, n))}</th>"
                       f"<td>{self._value(kind, n, item.fields[n])}</td></tr>"
                       for n in names if n != "title")
        rows += "".join(f"<tr class=\"computed\"><th scope=\"row\">{esc(_label(kind, n))}</th>"
                        f"<td>{esc(_shown(kind, n, v))} <small>({esc(word('computed'))})"
                        "</small></td></tr>"
                        for n, v in found["computed"].items() if v is not None)
        move = ""
        if kind.workflow is not None and account.at_least("coordinator") and session:
            allowed = kind.workflow.allowed(str(item.fields.get("status")))
            move = move_form(item.id, item.fields.get("status"), allowed, session.csrf,
                             item_href(item.id), language.catalog(), item.kind)
            move = (f"<section class=\"moving\"><h2>{esc(word('move_heading'))}</h2>"
                    f"{move or '<p>' + esc(word('no_move')) + '</p>'}</section>")
        error = f"<p class=\"error\" role=\"alert\">{esc(message)}</p>" if message else ""
        history = "".join(self._entry(kind, e) for e in found["log"]) or \
            f"<li>{esc(word('not_committed'))}</li>"
        pointing = "".join(
            f"<li><a href=\"{esc(item_href(p['id']))}\">{esc(p['title'] or p['id'])}</a> "
            f"<small>{esc(found['kinds'].get(p['kind'], p['kind']))}, {esc(p['label'])}"
            "</small></li>"
            for p in found["pointing"]) or f"<li>{esc(word('none_here'))}</li>"
        body = _markdown(item.body) if item.body.strip() else \
            f"<p><em>{esc(word('no_text'))}</em></p>"
        title = str(item.fields.get("title") or item.id)
        board = (f" · <a href=\"/board/{esc(quote(kind.name))}\">{esc(word('board'))}</a>"
                 if kind.workflow else "")
        return self.layout(request, title, f"""<h1>{esc(title)}</h1>
<p class="meta"><code>{esc(item.id)}</code> · <a href="/?{esc(urlencode({'kind': kind.name}))}">
{esc(_kind_label(kind))}</a>{board} · <code>{esc(item.rel)}</code></p>{error}{move}
<table class="fields"><tbody>{rows}</tbody></table>
<section class="body">{body}</section>
<section><h2>{esc(word('pointing_here'))}</h2><ul class="pointing">{pointing}</ul></section>
<section><h2>{esc(word('history'))}</h2><ol class="history">{history}</ol></section>""",
                           found["nav"],
                           status=status)

    def _entry(self, kind: Any, entry: dict[str, Any]) -> str:
        lines = []
        none = f"<em>{esc(word('none'))}</em>"
        if entry.get("created"):
            lines.append(esc(word("created")))
        if entry.get("deleted"):
            lines.append(esc(word("deleted")))
        if not entry.get("created"):
            for name, change in (entry.get("changes") or {}).items():
                lines.append(word("changed", field=esc(_label(kind, name)),
                                  old=esc(_shown(kind, name, change.get("old"))) or none,
                                  new=esc(_shown(kind, name, change.get("new"))) or none))
            if entry.get("body_changed"):
                lines.append(esc(word("text_changed")))
        return (f"<li><p><code>{esc(str(entry.get('commit', ''))[:10])}</code> "
                f"{esc(_when(entry.get('date')))} {esc(entry.get('author'))}: "
                f"{esc(entry.get('message'))}</p><ul>"
                + "".join(f"<li>{line}</li>" for line in lines) + "</ul></li>")

    # ------------------------------------------------------------ the Move form

    # ------------------------------------------------------------ reports and the site

    async def reports(self, request: Request) -> Response:
        reporting = self.reporting
        if reporting is None:
            return self._error(request, 404, word("no_reports"))

        def job() -> dict[str, Any]:
            t = self.worker.tracker()
            return {"nav": _nav_kinds(t), "names": reporting.names(t)}

        found = await self._read(request, job)
        if isinstance(found, Response):
            return found
        rows = "".join(f"<li><a href=\"/reports/{esc(quote(n, safe=''))}\">{esc(n)}</a> "
                       f"{esc(d)}</li>" for n, d in found["names"])
        reports = word("reports")
        return self.layout(request, reports, f"<h1>{esc(reports)}</h1><ul class=\"reports\">"
                           f"{rows}<li><a href=\"/site/\">site</a> {esc(word('the_site'))}"
                           "</li></ul>",
                           found["nav"])

    async def report(self, request: Request) -> Response:
        reporting = self.reporting
        name = request.path_params["name"]
        if reporting is None:
            return self._error(request, 404, word("no_reports"))
        if name == "site":
            return RedirectResponse("/site/", status_code=303)

        def job() -> dict[str, Any]:
            t = self.worker.tracker()
            known = [n for n, _ in reporting.names(t)]
            if name not in known:
                raise errors.ItemNotFound(word("no_report", name=name, known=", ".join(known)))
            return {"nav": _nav_kinds(t), "html": reporting.html(t, name)}

        found = await self._read(request, job)
        if isinstance(found, Response):
            return found
        return self.layout(request, name, f"<article class=\"report\">{_inner(found['html'])}"
                           "</article>", found["nav"])

    async def site(self, request: Request) -> Response:
        reporting = self.reporting
        if reporting is None:
            return self._error(request, 404, word("no_site"))
        path = request.path_params.get("path")
        if path is None:
            return RedirectResponse("/site/", status_code=303)
        try:
            folder = await asyncio.get_running_loop().run_in_executor(
                self._site_pool, self._built_site, reporting)
        except errors.TrackerError as e:
            return self._error(request, 422, word("site_failed", error=e))
        parts = [p for p in path.split("/") if p]
        if any(p.startswith(".") or "\\" in p for p in parts):
            return self._error(request, 404, word("no_site_page"))
        file = folder.joinpath(*parts) if parts else folder
        if file.is_dir():
            file = file / "index.html"
        try:
            inside = file.resolve().is_relative_to(folder.resolve())
        except OSError:
            inside = False
        if not inside or not file.is_file() or file.suffix not in SITE_TYPES:
            return self._error(request, 404, word("no_site_page"))
        headers = {}
        if file.suffix == ".html":  # the server's policy, plus the site's scripts by hash
            headers["content-security-policy"] = CSP.replace(
                "script-src 'self'", f"script-src 'self' {reporting.site_scripts()}")
        return Response(file.read_bytes(), media_type=SITE_TYPES[file.suffix],
                        headers=headers)

    def _built_site(self, reporting: Reporting) -> Path:
        """In the site's thread: the site's folder for the current commit, built if it
        is not there yet. Each build has a folder of its own (`site/COMMIT`), so that
        a page being sent from the one before is never removed under it; older ones
        than that are removed."""
        t = self.worker.tracker()
        head = (t.head() or "none")[:16]
        top = t.private_dir() / "tracker-serve" / "site"
        folder = top / head
        with self._site_lock:
            if self._site_built == head and folder.is_dir():
                return folder
            fresh = top / f".{head}.new"
            shutil.rmtree(fresh, ignore_errors=True)
            reporting.site(t, fresh)
            shutil.rmtree(folder, ignore_errors=True)
            fresh.rename(folder)
            for old in top.iterdir():
                if old.name not in (head, self._site_built):
                    shutil.rmtree(old, ignore_errors=True)
            self._site_built = head
            return folder

    def close(self) -> None:
        self._site_pool.shutdown(wait=False)


async def favicon(request: Request) -> Response:
    """What browsers ask for on every page (public, as the gate lets it through)."""
    icon = Path(__file__).resolve().parent / "static" / "favicon.svg"
    return Response(icon.read_bytes(), media_type="image/svg+xml",
                    headers={"cache-control": "max-age=86400"})


_ALIGN = re.compile(r' style="text-align:\s*(left|right|center)"')


def _inner(document: str) -> str:
    """The body of an HTML document (a report may be a whole page), else the text; a
    table cell's alignment (Markdown's `style="text-align:…"`, which the CSP would
    refuse) made a class of views.css."""
    lower = document.lower()
    start = lower.find("<body")
    if start >= 0:
        start = lower.find(">", start) + 1
        end = lower.rfind("</body>")
        document = document[start:end if end >= 0 else None]
    return _ALIGN.sub(r' class="align-\1"', document)
