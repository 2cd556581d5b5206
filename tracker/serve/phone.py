"""`/report`: the phone form for a field report, a new item of the report kind (config
`serve.report_kind`; `session` in the campaign template).

One column, usable one-handed at 390×844, labels from the kind (French in the
campaign), the team and its bureau preselected for a team leader (a reporter's
`--team`; the bureaux whose team it is), numbers with steppers, and a live count of the
doors left to account for: the kind's sum rule (a check `F is none or ((a or 0) + (b or
0) + …) == F`) names the total and its parts. Without JavaScript it is a plain form post
(the server checks the sum and shows what is wrong beside the field). With it, a report
typed without network is kept on the phone (localStorage) and sent when the network is
back, with its form key: posted twice, it is saved once (the second answer is the
first commit).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from tracker.model import errors
from tracker.model.clock import now
from tracker.serve.forms import (
    KEY_FIELD,
    NOT_EDITED,
    Forms,
    by_field,
    csrf_ok,
    datalists,
    esc,
    field_row,
    form_values,
    given_and_empty,
    html_page,
    lang_of,
    ref_choices,
    words,
)
from tracker.serve.jsonapi import Refused, may_write, settings
from tracker.serve.work import Busy

PART = re.compile(r"\((\w+) or 0\)")
TOTAL = re.compile(r"==\s*(\w+)\s*\)*\s*$")
FIRST = ("date", "bureau", "team", "channel")


def routes(worker: Any, api: Any) -> list[Route]:
    """The routes of the forms and of the phone form."""
    forms = Forms(worker, api)
    phone = Phone(forms)
    return [*forms.routes(), Route("/report", phone.form, methods=["GET"]),
            Route("/report", phone.send, methods=["POST"])]


def sum_rule(kind: Any) -> tuple[str | None, list[str]]:
    """The total and its parts, from the kind's rule that they add up (if it has one)."""
    for rule in kind.checks:
        parts = PART.findall(rule.rule)
        total = TOTAL.search(rule.rule)
        if rule.field and parts and total and total.group(1) == rule.field:
            known = [p for p in parts if p in kind.fields]
            if rule.field in kind.fields and known:
                return rule.field, known
    return None, []


class Phone:
    def __init__(self, forms: Any) -> None:
        self.forms = forms
        self.worker = forms.worker

    def render(self, request: Request, t: Any, values: dict[str, Any], *,
               problems: list[dict[str, Any]] | None = None, message: str = "",
               status: int = 200, sent: str = "") -> Response:
        account = request.state.account
        w = words(t)
        p = words(t)
        kind_name, team_field = settings(t)
        if kind_name is None or kind_name not in t.kinds:
            return html_page(p["field_report"],
                             f"<p class=\"error\">{esc(p['no_report_kind'])}</p>", lang_of(t), 404)
        kind = t.ws.kind(kind_name)
        total, parts = sum_rule(kind)
        team = account.team if account.team else values.get(team_field)
        values = dict(values)
        if team and not values.get(team_field):
            values[team_field] = team
        choices = ref_choices(t, kind)
        bureau_spec = next((s for s in kind.fields.values() if s.type == "ref"
                            and s.name != team_field), None)
        own: list[str] = []
        if bureau_spec is not None and team and bureau_spec.ref_kind:
            own = [i.id for i in t.items([bureau_spec.ref_kind]).items
                   if str(i.fields.get(team_field) or "") == str(team)]
            team_item = None
            try:
                team_item = t.get(str(team))
            except errors.TrackerError:
                team_item = None
            if team_item is not None:
                for spec in team_item.kind.fields.values():
                    if spec.type == "list" and spec.of == "ref" and \
                            spec.ref_kind == bureau_spec.ref_kind:
                        listed = team_item.fields.get(spec.name) or []
                        own += [str(b) for b in listed if str(b) not in own]
            if own and not values.get(bureau_spec.name):
                values[bureau_spec.name] = own[0]
        placed, loose = by_field(problems or [])
        order = [n for n in FIRST if n in kind.fields]
        order += [n for n in ([total] if total else []) + parts if n not in order]
        order += [n for n in kind.fields if n not in order and n not in NOT_EDITED
                  and n != "title"]
        rows = []
        for name in order:
            spec = kind.fields[name]
            if name == team_field and account.role == "reporter":
                rows.append(f"<input type=\"hidden\" name=\"{esc(name)}\" value=\""
                            f"{esc(values.get(name) or '')}\">")
                continue
            extra = ""
            if name == total:
                extra = " data-total=\"1\""
            elif name in parts:
                extra = " data-part=\"1\""
            if spec.type in ("int", "float"):
                extra += " data-stepper=\"1\""
            if bureau_spec is not None and name == bureau_spec.name and own:
                choices_own = {i: title for i, title in choices.get(
                    bureau_spec.ref_kind or "any", [])}
                options = "".join(
                    f"<option value=\"{esc(b)}\"{' selected' if b == values.get(name) else ''}"
                    f">{esc(choices_own.get(b) or b)} ({esc(b)})</option>" for b in own)
                said = "".join(f"<span class=\"problem\" role=\"alert\">{esc(m)}</span>"
                               for m in placed.pop(name, []))
                rows.append(f"<div class=\"field\" data-field=\"{esc(name)}\"><label for=\"f-"
                            f"{esc(name)}\">{esc(spec.label or name)}</label><select name=\""
                            f"{esc(name)}\" id=\"f-{esc(name)}\">{options}</select><output "
                            f"class=\"problems\" data-for=\"{esc(name)}\">{said}</output></div>")
                continue
            rows.append(field_row(spec, values.get(name), placed.pop(name, []), choices, w,
                                  extra=extra))
            if name == total and parts:
                left = _left(values, total, parts)
                rows.append(f"<p class=\"left\">{esc(p['doors_left'])} : <output id=\"doors-left\" "
                            f"data-left=\"1\">{esc(left)}</output></p>")
        loose += [f"{k}: {'; '.join(v)}" for k, v in placed.items()]
        session = request.state.session
        csrf = session.csrf if session is not None else ""
        notes = ""
        if sent:
            notes += f"<div class=\"saved\" role=\"status\">{sent}</div>"
        if message:
            notes += f"<p class=\"error\" role=\"alert\">{esc(message)}</p>"
        notes += "".join(f"<p class=\"error\">{esc(m)}</p>" for m in loose)
        import secrets  # noqa: PLC0415

        key = values.get(KEY_FIELD) or secrets.token_urlsafe(18)
        body = (f"<h1>{esc(p['field_report'])}</h1>{notes}"
                f"<p class=\"pending\" id=\"pending\" hidden data-offline-text=\""
                f"{esc(p['report_offline'])}\" data-pending-text=\""
                f"{esc(p['reports_pending'])}\"></p>"
                f"<form method=\"post\" action=\"/report\" class=\"item-form phone-form\" "
                f"data-offline=\"1\" data-check=\"/api/check\" data-kind=\"{esc(kind.name)}\">"
                f"<input type=\"hidden\" name=\"csrf\" value=\"{esc(csrf)}\">"
                f"<input type=\"hidden\" name=\"{KEY_FIELD}\" value=\"{esc(key)}\">"
                f"{''.join(rows)}{datalists(choices)}"
                f"<button type=\"submit\" class=\"send\">{esc(p['report_send'])}</button></form>")
        return html_page(p["field_report"], body, lang_of(t), status, extra_class="phone")

    async def form(self, request: Request) -> Response:
        q = request.query_params
        sent_id, commit = q.get("sent"), q.get("commit") or ""

        account = request.state.account

        def job() -> Response:
            t = self.worker.tracker()
            p = words(t)
            kind_name, _ = settings(t)
            if kind_name is not None and kind_name in t.kinds:
                may_write(t, account, kind_name, account.team, "creates")
            sent = ""
            if sent_id:
                sent = self._sent(t, p, sent_id, commit)
            return self.render(request, t, {"date": now().date().isoformat()}, sent=sent)

        try:
            return await self.worker.read(job)
        except (Refused, errors.TrackerError, Busy) as e:
            return await self.forms._failed(request, e)

    def _sent(self, t: Any, p: dict[str, str], ref: str, commit: str) -> str:
        """The confirmation: the report's id and commit, and its bureau's rollups now."""
        try:
            item = t.get(ref)
        except errors.TrackerError:
            return ""
        shown = (f"<p>{esc(p['report_sent'])} : <a href=\"/items/{quote(item.id)}/edit\">"
                 f"<code id=\"sent-id\">{esc(item.id)}</code></a> (commit "
                 f"<code>{esc(commit[:12])}</code>)</p>")
        for name, spec in item.kind.fields.items():
            if spec.type != "ref" or name == settings(t)[1] or not item.fields.get(name):
                continue
            try:
                target = t.get(str(item.fields[name]))
            except errors.TrackerError:
                continue
            computed = t.computed(target)
            rollups = target.kind.rollups
            if not rollups:
                continue
            cells = "".join(f"<li data-rollup=\"{esc(r)}\">{esc(r)} : <b>{esc(computed.get(r))}"
                            "</b></li>" for r in rollups)
            shown += (f"<p>{esc(p['the_bureau'])} {esc(target.fields.get('title') or target.id)}"
                      f" :</p><ul class=\"rollups\" id=\"rollup-{esc(target.id)}\">{cells}</ul>")
        return shown

    async def send(self, request: Request) -> Response:
        form = await request.form()
        if not csrf_ok(request, form):
            return await self.forms._no_csrf(request)
        account = request.state.account

        def parse() -> tuple[Any, dict[str, str], str]:
            t = self.worker.tracker()
            kind_name, _ = settings(t)
            if kind_name is None:
                raise errors.TrackerError("no report kind is configured (serve.report_kind)")
            kind = t.ws.kind(kind_name)
            values = form_values(kind, form)
            title = values.get("title") or " ".join(
                v for v in (values.get("date"), values.get("channel"), values.get("bureau"))
                if v) or kind.label or kind.name
            return kind, values, title

        try:
            kind, values, title = await self.worker.read(parse)
        except (errors.TrackerError, Busy) as e:
            return await self.forms._failed(request, e)
        given, _ = given_and_empty(values)
        given.pop("title", None)
        data = {"kind": kind.name, "title": title, "fields": given}

        def done(body: dict[str, Any]) -> Response:
            where = "/report?" + urlencode({"sent": body["id"], "commit": body.get("commit")
                                            or ""})
            return RedirectResponse(where, status_code=303)

        async def again(code: int, message: str, problems: list[Any],
                        typed: dict[str, str]) -> Response:
            def job() -> Response:
                t = self.worker.tracker()
                kept = {**typed, KEY_FIELD: str(form.get(KEY_FIELD) or "")}
                return self.render(request, t, kept, problems=problems, message=message,
                                   status=code)

            return await self.worker.read(job)

        return await self.forms.write(request, form, data,
                                      lambda: self.forms.api._create(account, None, data),
                                      kind, values, None, None, done=done, again=again)


def _left(values: dict[str, Any], total: str, parts: list[str]) -> str:
    def number(v: Any) -> int:
        try:
            return int(str(v or 0))
        except ValueError:
            return 0

    if values.get(total) in (None, ""):
        return ""
    return str(number(values.get(total)) - sum(number(values.get(p)) for p in parts))
