"""Accounts: who may use the server, their role and team, their secret (hashed).

The accounts live in one JSON file outside the work tree (`.git/tracker-serve/users.json`
by default, or the file `--users` names), written atomically and readable by its owner
only; nothing of it is ever committed. A secret is `LOGIN.RANDOM` (43 characters of
randomness), shown once by `tracker user add` or `reset`; the file keeps its scrypt hash
(memory-hard: 16 MiB and ~50 ms a check), never the secret.

Roles, each allowing what the one before allows:

- viewer: reads;
- reporter: creates and edits items of the report kind (config `serve.report_kind`)
  whose team field (`serve.team_field`, default `team`) is the account's team;
- coordinator: creates, edits and moves any item;
- admin: also manages accounts.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from tracker.model.errors import TrackerError, UsageError

ROLES = ("viewer", "reporter", "coordinator", "admin")
LOGIN = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
# scrypt's cost: n=2**14, r=8 (16 MiB a hash), as OWASP's floor for scrypt asks
N, R, P = 1 << 14, 8, 1
MAXMEM = 64 * 1024 * 1024
DEFAULT_FILE = "tracker-serve/users.json"


@dataclass
class Account:
    """One account as the file keeps it."""

    login: str
    role: str
    team: str | None = None
    name: str | None = None
    email: str | None = None
    hash: str = ""

    @property
    def author(self) -> str:
        """The commit author for this account's writes: "Name <email>"."""
        name = " ".join((self.name or self.login).replace("<", "").replace(">", "").split())
        email = (self.email or f"{self.login}@tracker.invalid").replace("<", "").replace(">", "")
        return f"{name or self.login} <{''.join(email.split())}>"

    def public(self) -> dict[str, Any]:
        """What may be shown of the account (no hash)."""
        return {"login": self.login, "role": self.role, "team": self.team,
                "name": self.name, "email": self.email}

    def at_least(self, role: str) -> bool:
        return ROLES.index(self.role) >= ROLES.index(role)


def hash_secret(secret: str, salt: bytes | None = None) -> str:
    """`scrypt$N$R$P$SALT$HASH` (base64) of a secret."""
    salt = salt or os.urandom(16)
    digest = hashlib.scrypt(secret.encode("utf-8"), salt=salt, n=N, r=R, p=P,
                            maxmem=MAXMEM, dklen=32)
    return "$".join(["scrypt", str(N), str(R), str(P), _b64(salt), _b64(digest)])


def check_secret(secret: str, stored: str) -> bool:
    """True when the secret hashes to the stored scrypt hash (constant-time compare)."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        found = hashlib.scrypt(secret.encode("utf-8"), salt=_unb64(salt), n=int(n), r=int(r),
                               p=int(p), maxmem=MAXMEM, dklen=len(_unb64(digest)))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(found, _unb64(digest))


def login_of(secret: str) -> str | None:
    """The login a secret names (`LOGIN.RANDOM`), or None when it is not of that form."""
    login, sep, rest = secret.partition(".")
    return login if sep and rest and LOGIN.fullmatch(login) else None


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


class Accounts:
    """The accounts file: read again whenever it changed on disk (a `tracker user` run
    beside the server), written atomically with mode 0600."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stamp: tuple[int, int] | None = None
        self._accounts: dict[str, Account] = {}

    def _fresh(self) -> dict[str, Account]:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            self._stamp, self._accounts = None, {}
            return self._accounts
        stamp = (st.st_mtime_ns, st.st_size)
        if stamp != self._stamp:
            self._accounts = self._read()
            self._stamp = stamp
        return self._accounts

    def _read(self) -> dict[str, Account]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            found = {login: Account(login=login, **{k: v for k, v in entry.items()
                                                    if k != "login"})
                     for login, entry in data.get("accounts", {}).items()}
        except (OSError, ValueError, TypeError, AttributeError) as e:
            raise TrackerError(f"{self.path}: not a readable accounts file ({e})") from None
        for account in found.values():
            if account.role not in ROLES:
                raise TrackerError(f"{self.path}: account '{account.login}' has an unknown "
                                   f"role '{account.role}'")
        return found

    def _save(self, accounts: dict[str, Account]) -> None:
        from tracker.api import write_atomic  # noqa: PLC0415

        self.path.parent.mkdir(parents=True, exist_ok=True)
        if not self.path.exists():  # created owner-only; write_atomic keeps the mode
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        data = {"version": 1, "accounts": {login: {k: v for k, v in asdict(a).items()
                                                   if k != "login"}
                                           for login, a in sorted(accounts.items())}}
        write_atomic(self.path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        self._stamp = None

    def get(self, login: str) -> Account | None:
        return self._fresh().get(login)

    def all(self) -> list[Account]:
        return sorted(self._fresh().values(), key=lambda a: a.login)

    def add(self, login: str, role: str, team: str | None = None, name: str | None = None,
            email: str | None = None) -> str:
        """A new account; returns its secret (the only time it is seen)."""
        _check(login, role, name, email)
        accounts = dict(self._fresh())
        if login in accounts:
            raise TrackerError(f"an account '{login}' exists already (tracker user reset "
                               f"{login} gives it a new secret)")
        secret = new_secret(login)
        accounts[login] = Account(login, role, team, name, email, hash_secret(secret))
        self._save(accounts)
        return secret

    def reset(self, login: str) -> str:
        accounts = dict(self._fresh())
        if login not in accounts:
            raise TrackerError(f"no account '{login}'")
        secret = new_secret(login)
        accounts[login].hash = hash_secret(secret)
        self._save(accounts)
        return secret

    def remove(self, login: str) -> None:
        accounts = dict(self._fresh())
        if accounts.pop(login, None) is None:
            raise TrackerError(f"no account '{login}'")
        self._save(accounts)


def new_secret(login: str) -> str:
    return f"{login}.{secrets.token_urlsafe(32)}"


def _check(login: str, role: str, name: str | None, email: str | None) -> None:
    if not LOGIN.fullmatch(login):
        raise UsageError(f"invalid login '{login}': lower-case letters, digits, '-' and '_', "
                         "64 at most, starting with a letter or digit")
    if role not in ROLES:
        raise UsageError(f"unknown role '{role}'; roles: {', '.join(ROLES)}")
    for what, value in (("name", name), ("email", email)):
        if value is not None and (not value.isprintable() or "<" in value or ">" in value
                                  or len(value) > 200):
            raise UsageError(f"invalid {what} '{value}'")
