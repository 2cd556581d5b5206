"""`/api/items…`: the JSON API, in the shapes of the CLI's `--format json`.

- `GET /api/items?kind=K&where=EXPR&grep=TEXT&sort=F&fields=a,b&limit=N`: rows as
  `tracker list --format json`;
- `GET /api/items/ID`: the item as `tracker show --format json`, with its `version`
  (also the ETag);
- `POST /api/items` `{"kind", "title", "fields", "body"}`: 201 `{"id", "path", "commit"}`;
- `PATCH /api/items/ID` `{"fields", "unset", "body", "version"}`: 200 `{"id", "commit"}`;
  with `version` (or `If-Match`), what changed since merges field by field, and a field
  changed there to another value is refused (409) with both values;
- `POST /api/items/ID/move` `{"status"}`: 200 `{"id", "commit"}`.

Errors: `{"error": "one line", "problems": [{"field", "message"}]}`. POST and PATCH take
an `Idempotency-Key`: the same key again answers with the first answer.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tracker.model import errors
from tracker.model.values import to_jsonable
from tracker.serve.accounts import Account
from tracker.serve.idempotency import Remembered, digest, valid_key
from tracker.serve.work import Busy, Worker

log = logging.getLogger("tracker.serve")

MAX_LIMIT = 100000


class Refused(Exception):
    """A request refused with a status and one line (and problems, and more keys)."""

    def __init__(self, status: int, message: str, problems: list[dict[str, Any]] | None = None,
                 **extra: Any) -> None:
        super().__init__(message)
        self.status, self.message, self.problems, self.extra = status, message, problems, extra


def answer(status: int, message: str, problems: list[dict[str, Any]] | None = None,
           headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
    body: dict[str, Any] = {"error": errors.one_line(message), "problems": problems or []}
    body.update(extra)
    return JSONResponse(to_jsonable(body), status_code=status, headers=headers)


def refused(e: Exception) -> JSONResponse:
    """The answer for a refusal or an expected error of the tracker."""
    if isinstance(e, Refused):
        return answer(e.status, e.message, e.problems, **e.extra)
    if isinstance(e, Busy):
        return answer(429, str(e), headers={"Retry-After": "1"})
    if isinstance(e, errors.EditConflict):
        return answer(409, e.message, [{"field": k, "message": "changed since it was read"}
                                       for k in e.fields], conflicts=e.fields)
    if isinstance(e, (errors.ItemNotFound, errors.AmbiguousId)):
        return answer(404, e.message)
    if isinstance(e, errors.InvalidValue):
        return answer(422, e.message, [{"field": e.field, "message": e.reason}])
    if isinstance(e, errors.InvalidItem):
        return answer(422, e.message, [{"field": e.field, "message": e.reason}])
    if isinstance(e, errors.LockTimeout):
        return answer(429, e.message, headers={"Retry-After": "2"})
    if isinstance(e, (errors.InvalidId, errors.UsageError)):
        return answer(400, e.message)
    if isinstance(e, errors.GitError):
        log.error("git: %s", e.message)
        return answer(500, "the change could not be committed; the server's log says why")
    if isinstance(e, errors.TrackerError):
        return answer(422, e.message)
    raise e


# ------------------------------------------------------------ who may do what


def settings(t: Any) -> tuple[str | None, str]:
    """The report kind and the team field (config `serve:`)."""
    serve = t.ws.config.get("serve") or {}
    if not isinstance(serve, dict):
        serve = {}
    kind = serve.get("report_kind")
    return (str(kind) if kind else None), str(serve.get("team_field") or "team")


def may_write(t: Any, account: Account, kind: str, team: Any, what: str) -> None:
    """Refuse (403) a write the account's role does not allow: `team` is the item's team
    (the new value for a new item or a change, and the value it has for an edit)."""
    if account.at_least("coordinator"):
        return
    if account.role != "reporter":
        raise Refused(403, f"{account.login} is a {account.role}: reading only")
    report_kind, team_field = settings(t)
    if report_kind is None:
        raise Refused(403, "reporters write the report kind, and this tracker names none "
                      "(config serve.report_kind)")
    if kind != report_kind:
        raise Refused(403, f"a reporter {what} items of kind '{report_kind}' only")
    if account.team is None or str(team) != account.team:
        raise Refused(403, f"a reporter {what} the items of their own team "
                      f"({team_field}: {account.team or 'none given to this account'})")


# ------------------------------------------------------------ the routes


class ItemsAPI:
    """The handlers, over one Worker and one idempotency folder."""

    def __init__(self, worker: Worker, remembered: Remembered) -> None:
        self.worker = worker
        self.remembered = remembered

    async def list_items(self, request: Request) -> Response:
        q = request.query_params
        limit = None
        if q.get("limit"):
            try:
                limit = int(q["limit"])
            except ValueError:
                return answer(400, "limit: not a whole number")
            if not 0 <= limit <= MAX_LIMIT:
                return answer(400, f"limit: from 0 to {MAX_LIMIT}")
        fields = [f.strip() for f in q["fields"].split(",") if f.strip()] \
            if q.get("fields") else None

        def job() -> list[Any]:
            t = self.worker.tracker()
            listed = t.list(q.get("kind") or None, q.get("where") or None,
                            q.get("grep") or None, q.get("sort") or None, fields, limit)
            return to_jsonable(listed.rows)

        try:
            rows = await self.worker.read(job)
        except (errors.TrackerError, Busy) as e:
            return refused(e)
        return JSONResponse(rows)

    async def show(self, request: Request) -> Response:
        ref = request.path_params["id"]

        def job() -> tuple[dict[str, Any], str | None]:
            t = self.worker.tracker()
            item = t.get(ref)
            record = t.record(item)
            version = t.version(item)
            record["version"] = version
            return to_jsonable(record), version

        try:
            record, version = await self.worker.read(job)
        except (errors.TrackerError, Busy) as e:
            return refused(e)
        return JSONResponse(record, headers={"ETag": f'"{version}"'} if version else None)

    async def create(self, request: Request) -> Response:
        return await self._write(request, self._create)

    async def patch(self, request: Request) -> Response:
        return await self._write(request, self._patch)

    async def move(self, request: Request) -> Response:
        return await self._write(request, self._move)

    # ---- the writes: parse, then in the writer thread: idempotency, rights, write, commit

    async def _write(self, request: Request, make: Any) -> Response:
        account: Account = request.state.account
        key = request.headers.get("idempotency-key")
        if key is not None and not valid_key(key):
            return answer(400, "Idempotency-Key: 1 to 200 printable ASCII characters")
        try:
            data = await json_body(request)
            match = request.headers.get("if-match")
            if request.method == "PATCH" and match and "version" not in data:
                data["version"] = match.strip().removeprefix("W/").strip('"')
            job = make(account, request.path_params.get("id"), data)
            fingerprint = digest(request.method, request.url.path, data)
            status, body = await self.worker.write(self._once, account, key, fingerprint, job)
        except (Refused, errors.TrackerError, Busy) as e:
            return refused(e)
        headers = {"Idempotent-Replayed": "true"} if status < 0 else None
        return JSONResponse(body, status_code=abs(status), headers=headers)

    def _once(self, account: Account, key: str | None, fingerprint: str,
              job: Any) -> tuple[int, Any]:
        """In the writer thread: the first answer to this key, or the write's."""
        if key is not None:
            first = self.remembered.get(account.login, key)
            if first is not None:
                if first.get("request") != fingerprint:
                    raise Refused(422, "this Idempotency-Key was used for another request")
                return -int(first["status"]), first["body"]
        t = self.worker.tracker(account.author)
        with t.writing():
            before = t.head()
            status, body = job(t)
            after = t.head()
        body["commit"] = after if after != before else None
        if key is not None:
            self.remembered.put(account.login, key, fingerprint, status, body)
        return status, body

    def _create(self, account: Account, _ref: None, data: dict[str, Any]) -> Any:
        kind = _text(data, "kind", required=True) or ""
        title = _text(data, "title", required=True) or ""
        fields = _mapping(data, "fields")
        body = _text(data, "body") or ""
        values = {name: as_input(name, v) for name, v in fields.items() if v is not None}

        def job(t: Any) -> tuple[int, dict[str, Any]]:
            _, team_field = settings(t)
            may_write(t, account, kind, fields.get(team_field), "creates")
            if account.role == "reporter" and "status" in values:
                raise Refused(403, "a reporter does not set the status (a coordinator "
                              "moves items)")
            item = t.new(kind, title, values, body)
            return 201, {"id": item.id, "path": item.rel}

        return job

    def _patch(self, account: Account, ref: str, data: dict[str, Any]) -> Any:
        fields = _mapping(data, "fields")
        unset = data.get("unset") or []
        if not isinstance(unset, list) or not all(isinstance(u, str) for u in unset):
            raise Refused(400, "unset: a list of field names")
        body = _text(data, "body")
        version = _text(data, "version")
        values = {name: as_input(name, v) for name, v in fields.items() if v is not None}
        unset = [*unset, *(name for name, v in fields.items() if v is None)]
        if not values and not unset and body is None:
            raise Refused(400, "nothing to change: give fields, unset or body")

        def job(t: Any) -> tuple[int, dict[str, Any]]:
            item = t.get(ref)
            _, team_field = settings(t)
            may_write(t, account, item.kind.name, item.fields.get(team_field), "edits")
            if account.role == "reporter":
                if team_field in values or team_field in unset:
                    may_write(t, account, item.kind.name, fields.get(team_field), "edits")
                if "status" in values or "status" in unset:
                    raise Refused(403, "a reporter does not change the status (a "
                                  "coordinator moves items)")
            done = t.edit_fields(item.id, values, unset, body, version)
            return 200, {"id": done.id}

        return job

    def _move(self, account: Account, ref: str, data: dict[str, Any]) -> Any:
        status = _text(data, "status", required=True) or ""

        def job(t: Any) -> tuple[int, dict[str, Any]]:
            item = t.get(ref)
            if not account.at_least("coordinator"):
                raise Refused(403, f"{account.login} is a {account.role}: moving items is "
                              "for coordinators")
            try:
                done = t.move(item.id, status)
            except errors.WorkflowError as e:  # no --force here
                raise Refused(422, str(e).removesuffix(" (or use --force)")) from None
            return 200, {"id": done.id}

        return job


async def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object (streamed in, under the gate's cap)."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/json":
        raise Refused(400, "send the body as application/json")
    raw = await request.body()
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise Refused(400, f"the body is not JSON: {e}") from None
    if not isinstance(data, dict):
        raise Refused(400, "the body must be a JSON object")
    return data


def as_input(name: str, value: Any) -> str:
    """A JSON value as the text a person would type for the field (`set`'s input)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        return str(value)
    if isinstance(value, list) and all(isinstance(v, (str, int, float)) for v in value):
        return "[" + ", ".join(json.dumps(str(v), ensure_ascii=False) for v in value) + "]"
    raise Refused(422, f"{name}: give text, a number, true/false, null or a list of these",
                  [{"field": name, "message": "unsupported value"}])


def _text(data: dict[str, Any], key: str, required: bool = False) -> str | None:
    value = data.get(key)
    if value is None:
        if required:
            raise Refused(422, f"{key}: required", [{"field": key, "message": "required"}])
        return None
    if not isinstance(value, str):
        raise Refused(422, f"{key}: must be text", [{"field": key, "message": "must be text"}])
    return value


def _mapping(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key) or {}
    if not isinstance(value, dict):
        raise Refused(400, f"{key}: must be an object of field: value")
    return value
