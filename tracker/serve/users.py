"""`/api/users…`: admins manage the accounts from the browser or a script, as
`tracker user` does on the command line (the same accounts file, the same checks).

- `GET /api/users`: the accounts (never their hashes);
- `POST /api/users` `{"login", "role", "team", "name", "email"}`: 201 `{"login", "secret"}`,
  the secret shown this once;
- `POST /api/users/LOGIN/reset`: 200 `{"login", "secret"}`;
- `DELETE /api/users/LOGIN`: 200 `{"login"}`; an admin cannot remove their own account.

Changes to the file are made in the writer thread, one at a time.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tracker.model import errors
from tracker.serve.accounts import Accounts
from tracker.serve.jsonapi import Refused, json_body, refused
from tracker.serve.work import Busy, Worker


class UsersAPI:
    def __init__(self, worker: Worker, accounts: Accounts) -> None:
        self.worker = worker
        self.accounts = accounts

    @staticmethod
    def _admin(request: Request) -> None:
        account = request.state.account
        if not account.at_least("admin"):
            raise Refused(403, f"{account.login} is a {account.role}: accounts are managed "
                          "by admins")

    async def list_users(self, request: Request) -> Response:
        try:
            self._admin(request)
        except Refused as e:
            return refused(e)
        return JSONResponse([a.public() for a in self.accounts.all()])

    async def add(self, request: Request) -> Response:
        try:
            self._admin(request)
            data = await json_body(request)
            fields = {}
            for key in ("login", "role", "team", "name", "email"):
                value = data.get(key)
                if value is not None and not isinstance(value, str):
                    raise Refused(422, f"{key}: must be text", [{"field": key,
                                                                "message": "must be text"}])
                fields[key] = value
            if not fields["login"] or not fields["role"]:
                raise Refused(422, "login and role are required")

            def job() -> str:
                return self.accounts.add(str(fields["login"]), str(fields["role"]),
                                         fields["team"], fields["name"], fields["email"])

            secret = await self.worker.write(job)
        except (Refused, errors.TrackerError, Busy) as e:
            return refused(e)
        return JSONResponse({"login": fields["login"], "secret": secret}, status_code=201)

    async def reset(self, request: Request) -> Response:
        login = request.path_params["login"]
        try:
            self._admin(request)
            secret = await self.worker.write(self._known, login, self.accounts.reset)
        except (Refused, errors.TrackerError, Busy) as e:
            return refused(e)
        return JSONResponse({"login": login, "secret": secret})

    async def remove(self, request: Request) -> Response:
        login = request.path_params["login"]
        try:
            self._admin(request)
            if login == request.state.account.login:
                raise Refused(422, "an admin does not remove their own account here "
                              "(tracker user remove does)")
            await self.worker.write(self._known, login, self.accounts.remove)
        except (Refused, errors.TrackerError, Busy) as e:
            return refused(e)
        return JSONResponse({"login": login})

    def _known(self, login: str, action: Any) -> Any:
        if self.accounts.get(login) is None:
            raise Refused(404, f"no account '{login}'")
        return action(login)
