"""The edit and create forms, generated from the kind, and the live check behind them.

- `GET /new/KIND`, `POST /new/KIND`: a new item; `GET /items/ID/edit`, `POST
  /items/ID/edit`: an edit, the form carrying the version it was read at (what changed
  since merges field by field; the same field changed there is refused, 409, both values
  shown beside it);
- `POST /api/check` `{"kind", "id", "fields", "unset"}`: 200 `{"problems": [{"field",
  "message"}]}`, what the write gate would refuse of these values, without writing (the
  forms' script asks it while a person types);
- `/report`: the phone form for a field report (`phone.py`, which gives the routes
  of both).

Enums are selects, refs searchable pickers (a text input over a list of ids and titles),
dates date inputs, lists chips (a checkbox per value kept, a box to add one), numbers
number inputs; required fields are marked. A refused form comes back with the values
typed and each problem beside its field. Every post carries its session's CSRF token
and a form key: the same key posted again answers with the first commit (the answers
are those of the JSON API, `idempotency.py`). Every write is the JSON API's: the same
rights, the same gate, one commit with the account as author.
"""

from __future__ import annotations

import html
import json
import secrets
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from tracker.model import errors
from tracker.model.values import text
from tracker.serve.accounts import Account
from tracker.serve.idempotency import digest, valid_key
from tracker.serve.jsonapi import ItemsAPI, Refused, as_input, json_body, may_write, refused
from tracker.serve.work import Busy, Worker

KEY_FIELD = "form_key"
HIDDEN = {"csrf", KEY_FIELD, "version"}
PICKER_ROWS = 300  # ids offered in the page; past that the script asks as one types
NOT_EDITED = {"status", "id", "created", "updated"}  # moves are the workflow's


def esc(value: Any) -> str:
    return html.escape(value if isinstance(value, str) else text(value, one_line=True),
                       quote=True)


def words(t: Any) -> dict[str, str]:
    """The catalog in the tracker's language (model/language.py, the one catalog)."""
    from tracker.model import language  # noqa: PLC0415

    return language.catalog(lang_of(t))


def lang_of(t: Any) -> str:
    """The tracker's language (the config's `language:`, model/language.py)."""
    from tracker.model import language  # noqa: PLC0415

    return language.current()


def html_page(title: str, body: str, lang: str = "en", status: int = 200,
              extra_class: str = "") -> HTMLResponse:
    """A page with the forms' stylesheet and script (no inline script or style)."""
    cls = f" class=\"{esc(extra_class)}\"" if extra_class else ""
    return HTMLResponse(
        f"<!doctype html>\n<html lang=\"{esc(lang)}\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{esc(title)}</title><link rel=\"stylesheet\" href=\"/static/tracker.css\">"
        "<link rel=\"stylesheet\" href=\"/static/forms.css\">"
        "<script src=\"/static/forms.js\" defer></script>"
        f"</head><body{cls}>{body}</body></html>\n", status_code=status)


def csrf_ok(request: Request, form: FormData) -> bool:
    """A form post carries its session's token (a bearer secret needs none)."""
    if request.state.via == "bearer":
        return True
    session = request.state.session
    return session is not None and secrets.compare_digest(
        str(form.get("csrf") or "").encode(), session.csrf.encode())


def local_path(target: str, default: str) -> str:
    """A redirect target of this server only: a path, never `//host` or a URL."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target \
            and "\n" not in target and "\r" not in target:
        return target
    return default


def move_form(item_id: str, current: Any, allowed: list[str], csrf: str, back: str,
              w: dict[str, str], kind: Any = None) -> str:
    """The one no-JS Move form (item page, board card, edit page): the statuses the
    workflow allows from `current`, posted to `POST /items/ID/move` with the session's
    CSRF token, a fresh `form_key` (posted twice, it moves once) and where to go back.
    Each status shows its label (the kind's workflow `labels:`) and posts its slug."""
    if not allowed:
        return ""
    spec = kind.fields.get("status") if kind is not None else None
    labels = spec.labels if spec is not None else {}
    options = "".join(f"<option value=\"{esc(s)}\">{esc(labels.get(s, s))}</option>"
                      for s in allowed)
    if isinstance(current, str):
        current = labels.get(current, current)
    return (f"<form class=\"move\" method=\"post\" action=\"/items/"
            f"{esc(quote(item_id, safe=''))}/move\">"
            f"<input type=\"hidden\" name=\"csrf\" value=\"{esc(csrf)}\">"
            f"<input type=\"hidden\" name=\"{KEY_FIELD}\" value=\""
            f"{esc(secrets.token_urlsafe(18))}\">"
            f"<input type=\"hidden\" name=\"back\" value=\"{esc(back)}\">"
            f"<label>{esc(w['status_header'])} : <b>{esc(current)}</b> → <select name=\"status\">"
            f"{options}</select></label> <button type=\"submit\">{esc(w['move'])}</button>"
            "</form>")


def form_values(kind: Any, form: FormData) -> dict[str, str]:
    """The fields a form posted, as `tracker set` input ("" for a field left empty)."""
    values: dict[str, str] = {}
    for name, spec in kind.fields.items():
        if name in NOT_EDITED:
            continue
        if spec.is_list:  # a list, or refs
            chosen = [str(v).strip() for v in form.getlist(name) if str(v).strip()]
            if name not in form and f"{name}__list" not in form:
                continue
            if spec.type == "list" and spec.of == "string":
                values[name] = "[" + ", ".join(json.dumps(v, ensure_ascii=False)
                                               for v in chosen) + "]" if chosen else ""
            else:
                values[name] = "[" + ", ".join(chosen) + "]" if chosen else ""
            continue
        if name in form:
            values[name] = str(form.get(name) or "").strip()
    return values


def problems_of(e: Exception) -> tuple[int, str, list[dict[str, Any]], dict[str, Any]]:
    """Status, one line, problems and conflicts of a refusal, as the JSON API answers."""
    answered = refused(e)
    body = json.loads(bytes(answered.body).decode("utf-8"))
    return (answered.status_code, str(body.get("error") or ""), list(body.get("problems")
            or []), dict(body.get("conflicts") or {}))


def given_and_empty(values: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    return {k: v for k, v in values.items() if v != ""}, [k for k, v in values.items()
                                                         if v == ""]


# ------------------------------------------------------------ the widgets


def widget(spec: Any, value: Any, choices: dict[str, list[tuple[str, str]]], w: dict[str, str],
           extra: str = "") -> str:
    """The input for one field, `value` what to show (typed, or the text typed)."""
    name = esc(spec.name)
    shown = exact(value)
    required = " required" if spec.required else ""
    if spec.type == "enum":
        options = "" if spec.required else "<option value=\"\"></option>"
        options += "".join(f"<option value=\"{esc(v)}\"{' selected' if v == shown else ''}>"
                           f"{esc(spec.label_of(v))}</option>" for v in spec.values)
        return f"<select name=\"{name}\" id=\"f-{name}\"{required}{extra}>{options}</select>"
    if spec.type == "bool":
        options = "".join(f"<option value=\"{v}\"{' selected' if v == shown else ''}>"
                          f"{esc(label)}</option>" for v, label in
                          (("", ""), ("true", w["yes"]), ("false", w["no"])))
        return f"<select name=\"{name}\" id=\"f-{name}\"{extra}>{options}</select>"
    if spec.type == "ref":
        listed = f"refs-{esc(spec.ref_kind or 'any')}"
        return (f"<input type=\"text\" name=\"{name}\" id=\"f-{name}\" list=\"{listed}\" "
                f"data-ref-kind=\"{esc(spec.ref_kind or '')}\" "
                f"value=\"{esc(shown)}\" autocomplete=\"off\" class=\"picker\"{required}"
                f"{extra}>")
    if spec.is_list:  # a list, or refs
        items = value if isinstance(value, list) else _listed(value)
        chips = "".join(
            f"<label class=\"chip\"><input type=\"checkbox\" name=\"{name}\" "
            f"value=\"{esc(v)}\" checked> {esc(v)}</label>" for v in items)
        picker = f" list=\"refs-{esc(spec.ref_kind or 'any')}\"" if spec.is_ref else ""
        return (f"<span class=\"chips\" data-chips=\"{name}\">{chips}</span>"
                f"<input type=\"hidden\" name=\"{name}__list\" value=\"1\">"
                f"<input type=\"text\" name=\"{name}\" id=\"f-{name}\" class=\"chip-add\" "
                f"data-chip-for=\"{name}\" placeholder=\"{esc(w['add'])}\"{picker}"
                f" autocomplete=\"off\"{extra}>")
    if "\n" in shown:  # a text of several lines
        return (f"<textarea name=\"{name}\" id=\"f-{name}\" rows=\"4\"{required}{extra}>"
                f"{esc(shown)}</textarea>")
    kinds = {"int": "number", "float": "number", "date": "date"}  # datetime: its offset too
    kind = kinds.get(spec.type, "text")
    attrs = ""
    if spec.type in ("int", "float"):
        attrs += " inputmode=\"numeric\"" if spec.type == "int" else " inputmode=\"decimal\""
        attrs += " step=\"1\"" if spec.type == "int" else " step=\"any\""
        if spec.minimum is not None:
            attrs += f" min=\"{esc(_number(spec.minimum))}\""
        if spec.maximum is not None:
            attrs += f" max=\"{esc(_number(spec.maximum))}\""
    return (f"<input type=\"{kind}\" name=\"{name}\" id=\"f-{name}\" value=\"{esc(shown)}\""
            f"{attrs}{required}{extra}>")


def exact(value: Any) -> str:
    """A value as the text that types back to it (a form posts it back unchanged)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, str):
        return value
    return text(value)


def _listed(value: Any) -> list[str]:
    """The items of a list as `form_values` wrote it (`[a, b]`, `["a", "b"]`)."""
    if not isinstance(value, str) or not value.strip():
        return []
    inner = value.strip()
    if inner.startswith("[") and inner.endswith("]"):
        inner = inner[1:-1]
    try:
        found = json.loads(f"[{inner}]")
        if all(isinstance(v, str) for v in found):
            return found
    except ValueError:
        pass
    return [v.strip() for v in inner.split(",") if v.strip()]


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def datalists(choices: dict[str, list[tuple[str, str]]]) -> str:
    return "".join(
        f"<datalist id=\"refs-{esc(kind)}\">" + "".join(
            f"<option value=\"{esc(i)}\">{esc(title)}</option>" for i, title in rows)
        + "</datalist>" for kind, rows in choices.items())


def ref_choices(t: Any, kind: Any) -> dict[str, list[tuple[str, str]]]:
    """Ids and titles of the items each ref field of the kind may name."""
    wanted = {spec.ref_kind or "" for spec in kind.fields.values()
              if spec.is_ref}
    found: dict[str, list[tuple[str, str]]] = {}
    for name in sorted(wanted):
        kinds = [name] if name else None
        if name and name not in t.kinds:
            continue
        listing = t.items(kinds)
        found[name or "any"] = sorted((i.id, str(i.fields.get("title") or ""))
                                      for i in listing.items)[:PICKER_ROWS]
    return found


def field_row(spec: Any, value: Any, problems: list[str], choices: Any, w: dict[str, str],
              conflict: dict[str, Any] | None = None, extra: str = "") -> str:
    label = esc(spec.label or spec.name)
    mark = f" <abbr class=\"req\" title=\"{esc(w['required'])}\">*</abbr>" \
        if spec.required else ""
    said = "".join(f"<span class=\"problem\" role=\"alert\">{esc(m)}</span>" for m in problems)
    if conflict is not None:
        said += (f"<span class=\"problem conflict\" role=\"alert\">{esc(w['conflict'])} "
                 f"<b class=\"theirs\">{esc(conflict.get('theirs'))}</b>, {esc(w['yours'])} "
                 f"<b class=\"yours\">{esc(conflict.get('yours'))}</b>. {esc(w['send_again'])}"
                 "</span>")
    help_text = f"<small>{esc(spec.help)}</small>" if spec.help else ""
    return (f"<div class=\"field\" data-field=\"{esc(spec.name)}\"><label for=\"f-"
            f"{esc(spec.name)}\">{label}{mark}</label>{widget(spec, value, choices, w, extra)}"
            f"{help_text}<output class=\"problems\" data-for=\"{esc(spec.name)}\">{said}"
            "</output></div>")


def by_field(problems: list[dict[str, Any]]) -> tuple[dict[str, list[str]], list[str]]:
    placed: dict[str, list[str]] = {}
    loose: list[str] = []
    for p in problems:
        if p.get("field"):
            placed.setdefault(str(p["field"]), []).append(str(p.get("message") or ""))
        else:
            loose.append(str(p.get("message") or ""))
    return placed, loose


# ------------------------------------------------------------ the routes


class Forms:
    def __init__(self, worker: Worker, api: ItemsAPI) -> None:
        self.worker = worker
        self.api = api

    def routes(self) -> list[Route]:
        return [Route("/new/{kind}", self.new_form, methods=["GET"]),
                Route("/new/{kind}", self.create, methods=["POST"]),
                Route("/items/{id}/edit", self.edit_form, methods=["GET"]),
                Route("/items/{id}/edit", self.save, methods=["POST"]),
                Route("/items/{id}/move", self.move, methods=["POST"]),
                Route("/api/check", self.check, methods=["POST"])]

    # ---- rendering

    def render(self, request: Request, t: Any, kind: Any, values: dict[str, Any], *,
               item: Any = None, version: str | None = None, message: str = "",
               problems: list[dict[str, Any]] | None = None,
               conflicts: dict[str, Any] | None = None, status: int = 200,
               key: str | None = None, saved: str = "", body_text: str | None = "",
               ) -> HTMLResponse:
        w = words(t)
        session = request.state.session
        csrf = session.csrf if session is not None else ""
        placed, loose = by_field(problems or [])
        choices = ref_choices(t, kind)
        rows = "".join(field_row(spec, values.get(name), placed.pop(name, []), choices, w,
                                 (conflicts or {}).get(name))
                       for name, spec in kind.fields.items() if name not in NOT_EDITED)
        if body_text is not None:
            rows += (f"<div class=\"field\" data-field=\"body\"><label for=\"f-body\">"
                     f"{esc(w['body'])}</label><textarea name=\"body\" id=\"f-body\" rows=\"6\">"
                     f"{esc(body_text)}</textarea><output class=\"problems\" data-for=\"body\">"
                     f"{''.join(esc(m) for m in placed.pop('body', []))}</output></div>")
        loose += [f"{k}: {'; '.join(v)}" for k, v in placed.items()]
        kind_label = kind.label or kind.name
        if item is None:
            title = f"{w['new']} : {kind_label}" if lang_of(t) == "fr" else \
                f"{w['new']} {kind.name}"
            action = f"/new/{kind.name}"
            button = w["create"]
        else:
            title = f"{w['edit']} {item.id}"
            action = f"/items/{item.id}/edit"
            button = w["save"]
        notes = ""
        if message:
            notes += f"<p class=\"error\" role=\"alert\">{esc(message)}</p>"
        notes += "".join(f"<p class=\"error\">{esc(m)}</p>" for m in loose)
        if saved:
            notes += f"<p class=\"saved\" role=\"status\">{esc(saved)}</p>"
        hidden = (f"<input type=\"hidden\" name=\"csrf\" value=\"{esc(csrf)}\">"
                  f"<input type=\"hidden\" name=\"{KEY_FIELD}\" value=\""
                  f"{esc(key or secrets.token_urlsafe(18))}\">")
        if version:
            hidden += f"<input type=\"hidden\" name=\"version\" value=\"{esc(version)}\">"
        data = (f" data-check=\"/api/check\" data-kind=\"{esc(kind.name)}\""
                + (f" data-id=\"{esc(item.id)}\"" if item is not None else ""))
        body = (f"<header><h1>{esc(title)}</h1><p><a href=\"/\">{esc(w['items_header'])}</a></p>"
                f"</header>{notes}{self._move_form(request, item, csrf, w)}"
                f"<form method=\"post\" action=\"{esc(action)}\" "
                f"class=\"item-form\"{data}>{hidden}{rows}{datalists(choices)}"
                f"<button type=\"submit\">{esc(button)}</button></form>")
        return html_page(title, body, lang_of(t), status)

    def _move_form(self, request: Request, item: Any, csrf: str, w: dict[str, str]) -> str:
        """For a coordinator: the statuses the workflow allows from the item's."""
        account: Account = request.state.account
        workflow = item.kind.workflow if item is not None else None
        if workflow is None or not account.at_least("coordinator"):
            return ""
        current = item.fields.get("status")
        return move_form(item.id, current, workflow.allowed(current), csrf,
                         f"/items/{quote(item.id, safe='')}/edit", w, item.kind)

    async def move(self, request: Request) -> Response:
        """`POST /items/ID/move`: a coordinator's move along the workflow, from the Move
        form of an item page, a board's card or the edit page. One commit; the same form
        posted twice (its `form_key`) is one move; then back to `back` (a path of this
        server only) or the item's page."""
        ref = request.path_params["id"]
        form = await request.form()
        if not csrf_ok(request, form):
            return await self._no_csrf(request)
        account: Account = request.state.account
        data = {"status": str(form.get("status") or "").strip()}
        key = str(form.get(KEY_FIELD) or "") or None
        if key is not None and not valid_key(key):
            key = None
        back = local_path(str(form.get("back") or ""), f"/items/{quote(ref, safe='')}")
        try:
            job = self.api._move(account, ref, data)
            fingerprint = digest("POST", request.url.path, data)
            await self.worker.write(self.api._once, account, key, fingerprint, job)
        except (Refused, errors.TrackerError, Busy) as e:
            code, message, _, _ = problems_of(e)
            if code != 422:
                return await self._failed(request, e)
            return await self._move_refused(request, ref, message)
        return RedirectResponse(back, status_code=303)

    async def _move_refused(self, request: Request, ref: str, message: str) -> Response:
        """A move the workflow refuses: the reason, and the form again with the moves
        it allows."""
        session = request.state.session

        def job() -> tuple[Any, Any]:
            t = self.worker.tracker()
            return t, t.get(ref)

        try:
            t, item = await self.worker.read(job)
        except (errors.TrackerError, Busy) as e:
            return await self._failed(request, e)
        w = words(t)
        workflow = item.kind.workflow
        current = item.fields.get("status")
        again = move_form(item.id, current, workflow.allowed(current),
                          session.csrf if session else "", f"/items/{quote(item.id, safe='')}",
                          w, item.kind) if workflow is not None else ""
        return html_page(w["refused"], f"<p class=\"error\" role=\"alert\">{esc(message)}"
                         f"</p>{again}<p><a href=\"/items/{esc(quote(item.id, safe=''))}\">"
                         f"{esc(item.fields.get('title') or item.id)}</a></p>",
                         lang_of(t), status=422)

    # ---- new

    async def new_form(self, request: Request) -> Response:
        name = request.path_params["kind"]

        account: Account = request.state.account

        def job() -> Response:
            t = self.worker.tracker()
            if name not in t.kinds:
                raise errors.ItemNotFound(f"no kind '{name}'; kinds here: "
                                          + ", ".join(sorted(t.kinds)))
            kind = t.ws.kind(name)
            _, team_field = _settings(t)
            may_write(t, account, kind.name, account.team, "creates")
            values = {n: v for n, s in kind.fields.items()
                      if (v := t.default_value(s)) is not None}
            if account.team and team_field in kind.fields:
                values.setdefault(team_field, account.team)
            return self.render(request, t, kind, values)

        return await self._read(request, job)

    async def create(self, request: Request) -> Response:
        name = request.path_params["kind"]
        form = await request.form()
        if not csrf_ok(request, form):
            return await self._no_csrf(request)
        account: Account = request.state.account

        def parse(t: Any) -> tuple[Any, dict[str, str]]:
            kind = t.ws.kind(name)
            return kind, form_values(kind, form)

        kind, values = await self.worker.read(lambda: parse(self.worker.tracker()))
        given, _ = given_and_empty(values)
        title = given.pop("title", "")
        data = {"kind": name, "title": title, "fields": given,
                "body": _body(form.get("body")) or ""}
        return await self.write(request, form, data,
                                lambda: self.api._create(account, None, data),
                                kind, values, None, None)

    # ---- edit

    async def edit_form(self, request: Request) -> Response:
        ref = request.path_params["id"]
        saved = request.query_params.get("saved")

        account: Account = request.state.account

        def job() -> Response:
            t = self.worker.tracker()
            item = t.get(ref)
            _, team_field = _settings(t)
            may_write(t, account, item.kind.name, item.fields.get(team_field), "edits")
            w = words(t)
            note = ""
            if saved is not None:
                note = f"{w['saved']} ({w['commit']} {saved[:12]})" if saved else \
                    w["nothing_changed"]
            return self.render(request, t, item.kind, dict(item.fields), item=item,
                               version=t.version(item), saved=note, body_text=item.body)

        return await self._read(request, job)

    async def save(self, request: Request) -> Response:
        ref = request.path_params["id"]
        form = await request.form()
        if not csrf_ok(request, form):
            return await self._no_csrf(request)
        account: Account = request.state.account

        def parse(t: Any) -> tuple[Any, dict[str, str], Any]:
            item = t.get(ref)
            return item.kind, form_values(item.kind, form), item

        try:
            kind, values, item = await self.worker.read(
                lambda: parse(self.worker.tracker()))
        except (errors.TrackerError, Busy) as e:
            return await self._failed(request, e)
        given, empty = given_and_empty(values)
        unset = [n for n in empty if n in item.fields]
        data: dict[str, Any] = {"fields": given, "unset": unset}
        version = str(form.get("version") or "") or None
        if version:
            data["version"] = version
        body = _body(form.get("body"))
        if body is not None and body.rstrip("\n") != item.body.rstrip("\n"):
            data["body"] = body
        if not given and not unset and "body" not in data:
            return RedirectResponse(f"/items/{item.id}/edit?saved=", status_code=303)
        return await self.write(request, form, data,
                                lambda: self.api._patch(account, item.id, data),
                                kind, values, item.id, version)

    # ---- the write, shared with the phone form

    async def write(self, request: Request, form: FormData, data: dict[str, Any], make: Any,
                    kind: Any, values: dict[str, str], ref: str | None, version: str | None,
                    done: Any = None, again: Any = None) -> Response:
        """Check, write once (by form key), commit; a refusal shows the form again."""
        account: Account = request.state.account
        key = str(form.get(KEY_FIELD) or "") or None
        if key is not None and not valid_key(key):
            key = None
        posted = {k: form.getlist(k) for k in form if k not in ("csrf",)}
        fingerprint = digest("POST", request.url.path, posted)
        given, empty = given_and_empty(values)
        if ref is None:
            given = {**given, "title": str(data.get("title") or "")} if data.get("title") \
                else given

        def checked(t: Any) -> tuple[int, dict[str, Any]]:
            if ref is None:
                _, team_field = _settings(t)
                may_write(t, account, kind.name, given.get(team_field), "creates")
                found = t.candidate_problems(kind.name, given, [], None)
            else:
                item = t.get(ref)
                _, team_field = _settings(t)
                may_write(t, account, item.kind.name, item.fields.get(team_field), "edits")
                same = version is None or version == t.version(item)
                found = t.candidate_problems(None, given, [n for n in empty
                                                          if n in item.fields], ref) \
                    if same else []
            if found:
                raise Refused(422, f"{found[0].field or kind.name}: {found[0].message}",
                              [{"field": p.field, "message": p.message} for p in found])
            return job(t)

        try:
            job = make()
            status, body = await self.worker.write(self.api._once, account, key, fingerprint,
                                                   checked)
        except (Refused, errors.TrackerError, Busy) as e:
            code, message, problems, conflicts = problems_of(e)
            if code == 403:
                return await self._forbidden(request, message)
            if again is not None:
                return await again(code, message, problems, values)
            return await self._again(request, kind, values, ref, code, message, problems,
                                     conflicts, _body(form.get("body")) or "")
        if done is not None:
            return done(body)
        return RedirectResponse(f"/items/{body['id']}/edit?saved={body.get('commit') or ''}",
                                status_code=303)

    async def _again(self, request: Request, kind: Any, values: dict[str, str],
                     ref: str | None, code: int, message: str, problems: list[Any],
                     conflicts: dict[str, Any], typed_body: str | None = "") -> Response:
        def job() -> Response:
            t = self.worker.tracker()
            item = t.get(ref) if ref else None
            shown: dict[str, Any] = dict(values)
            # the version now: sending again after a conflict keeps what is typed
            version = t.version(item) if item is not None else None
            return self.render(request, t, kind, shown, item=item, version=version,
                               message=message, problems=problems, conflicts=conflicts,
                               status=code, body_text=typed_body)

        return await self.worker.read(job)

    async def _read(self, request: Request, job: Any) -> Response:
        try:
            return await self.worker.read(job)
        except (Refused, errors.TrackerError, Busy) as e:
            return await self._failed(request, e)

    async def _failed(self, request: Request, e: Exception) -> Response:
        code, message, _, _ = problems_of(e)
        if code == 403:
            return await self._forbidden(request, message)
        w = words(None)
        return html_page(w["error"], f"<p class=\"error\" role=\"alert\">{esc(message)}</p>"
                         f"<p><a href=\"/\">{esc(w['items_header'])}</a></p>", lang_of(None),
                         status=code)

    async def _forbidden(self, request: Request, message: str) -> Response:
        w = words(None)
        return html_page(w["refused"], f"<h1>403</h1><p class=\"error\" role=\"alert\">"
                         f"{esc(message)}</p><p><a href=\"/\">{esc(w['items_header'])}</a></p>",
                         lang_of(None), status=403)

    async def _no_csrf(self, request: Request) -> Response:
        w = words(None)
        return html_page(w["refused"], f"<p class=\"error\" role=\"alert\">{esc(w['no_csrf'])}"
                         "</p>", lang_of(None), status=403)

    # ---- the live check

    async def check(self, request: Request) -> Response:
        """What the gate would refuse of these values: {"problems": [{"field", "message"}]}."""
        try:
            data = await json_body(request)
            fields = data.get("fields") or {}
            if not isinstance(fields, dict):
                raise Refused(400, "fields: must be an object of field: value")
            unset = data.get("unset") or []
            if not isinstance(unset, list) or not all(isinstance(u, str) for u in unset):
                raise Refused(400, "unset: a list of field names")
            kind = data.get("kind")
            ref = data.get("id")
            if not isinstance(kind, (str, type(None))) or not isinstance(ref, (str, type(None))):
                raise Refused(400, "kind and id: text")
            if not kind and not ref:
                raise Refused(400, "give the kind (a new item) or the id (an edit)")
            values = {}
            for name, value in fields.items():
                if value is None or value == "" or value == []:
                    unset.append(name)
                else:
                    values[name] = as_input(name, value)

            def job() -> list[dict[str, Any]]:
                t = self.worker.tracker()
                if ref:
                    item = t.get(ref)
                    gone = [n for n in unset if n in item.fields]
                    found = t.candidate_problems(None, values, gone, ref)
                else:
                    found = t.candidate_problems(kind, values, [], None)
                return [{"field": p.field, "message": p.message} for p in found]

            problems = await self.worker.read(job)
        except (Refused, errors.TrackerError, Busy) as e:
            return refused(e)
        return JSONResponse({"problems": problems})


def _body(value: Any) -> str | None:
    """A textarea's text with the file's line endings (a browser posts CRLF)."""
    return None if value is None else str(value).replace("\r\n", "\n")


def _settings(t: Any) -> tuple[str | None, str]:
    from tracker.serve.jsonapi import settings  # noqa: PLC0415

    return settings(t)
