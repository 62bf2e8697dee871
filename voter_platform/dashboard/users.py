"""The dashboard's users: who may log in, with which password, and which states each may see.

One JSON file under the data directory (`<data>/users.json`, owner-only 0600), managed by `voter-platform users`:

    {"users": {"alice": {"password_hash": "scrypt:...", "states": ["NC", "PA"], "admin": false,
                         "session_token": "..."}}}

Passwords are never stored: `werkzeug.security` hashes them (scrypt with a random salt) and checks them in constant
time. `session_token` is a random value rotated with the password or the scope: a login session carries it, so
changing a user's password or scope (or removing the user) ends every session already open for that user.

Plain Python over the file, no Flask: the command line and the server share it.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from werkzeug.security import check_password_hash, generate_password_hash

from voter_platform.dashboard.geography import STATE_NAMES

FIRST_ADMIN_NAME = "admin"
MIN_PASSWORD_LENGTH = 10
_NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}")


class UsersError(Exception):
    """A users-file operation that cannot be done as asked; the message says why."""


@dataclass(frozen=True)
class User:
    name: str
    admin: bool
    states: tuple[str, ...]  # the scope: empty for an admin, who sees every state
    session_token: str

    @property
    def scope_text(self) -> str:
        return "admin (every state)" if self.admin else ", ".join(self.states)


def parse_states(text: str) -> tuple[str, ...]:
    """'nc, PA' -> ('NC', 'PA'): two-letter state codes, each checked against the known states."""
    codes = tuple(dict.fromkeys(code.strip().upper() for code in text.split(",") if code.strip()))
    unknown = [code for code in codes if code not in STATE_NAMES]
    if unknown:
        raise UsersError(f"not a state code: {', '.join(unknown)} (use two-letter codes such as NC,PA)")
    if not codes:
        raise UsersError("no state given: --states takes codes such as NC,PA")
    return codes


def generate_password() -> str:
    """A random password of 16 URL-safe characters (96 bits), for a user who was not given one."""
    return secrets.token_urlsafe(12)


@cache
def _unknown_user_hash() -> str:
    """Checked for a name that does not exist, so a wrong name answers as slowly as a wrong password."""
    return generate_password_hash(secrets.token_hex(16))


def create_first_admin(user_file: UserFile) -> str | None:
    """On a first start (no user at all), an admin with a generated password: the password, to be shown once;
    None when there are users already."""
    if user_file.users():
        return None
    password = generate_password()
    user_file.add(FIRST_ADMIN_NAME, password, admin=True)
    return password


class UserFile:
    """The users file: read on change (cached by modification time), written whole and atomically, 0600."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._cached: tuple[tuple[int, int], dict] | None = None

    def exists(self) -> bool:
        return self.path.exists()

    # -- reading -------------------------------------------------------------------------------------------

    def users(self) -> list[User]:
        return [self._user(name, entry) for name, entry in sorted(self._entries().items())]

    def get(self, name: str) -> User | None:
        entry = self._entries().get(name)
        return None if entry is None else self._user(name, entry)

    def authenticate(self, name: str, password: str) -> User | None:
        """The user when the password is theirs; None for a wrong password or an unknown name alike."""
        entry = self._entries().get(name) if isinstance(name, str) else None
        stored = entry["password_hash"] if entry else _unknown_user_hash()
        if check_password_hash(stored, password or "") and entry:
            return self._user(name, entry)
        return None

    # -- changing ------------------------------------------------------------------------------------------

    def add(self, name: str, password: str, states: tuple[str, ...] = (), admin: bool = False) -> User:
        if not _NAME_PATTERN.fullmatch(name or ""):
            raise UsersError(f"{name!r} is not a user name: letters, digits and . _ @ - (up to 64), no spaces")
        if admin == bool(states):
            raise UsersError("a user is either an admin (--admin) or scoped to states (--states NC,PA)")
        entries = self._entries()
        if name in entries:
            raise UsersError(
                f"user {name!r} exists already (voter-platform users passwd {name} to change the password)"
            )
        entries[name] = {
            "password_hash": self._hash(password),
            "states": list(states),
            "admin": admin,
            "session_token": secrets.token_urlsafe(16),
        }
        self._write(entries)
        return self._user(name, entries[name])

    def set_password(self, name: str, password: str) -> None:
        entries = self._entries()
        if name not in entries:
            raise UsersError(f"no user {name!r}")
        entries[name].update(password_hash=self._hash(password), session_token=secrets.token_urlsafe(16))
        self._write(entries)

    def remove(self, name: str) -> None:
        entries = self._entries()
        if entries.pop(name, None) is None:
            raise UsersError(f"no user {name!r}")
        self._write(entries)

    # -- the file ------------------------------------------------------------------------------------------

    @staticmethod
    def _hash(password: str) -> str:
        if len(password or "") < MIN_PASSWORD_LENGTH:
            raise UsersError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
        return generate_password_hash(password)

    @staticmethod
    def _user(name: str, entry: dict) -> User:
        admin = bool(entry.get("admin"))
        return User(
            name=name,
            admin=admin,
            states=() if admin else tuple(entry.get("states") or ()),
            session_token=str(entry.get("session_token") or ""),
        )

    def _entries(self) -> dict[str, dict]:
        """A fresh copy of every user's entry ({} when there is no file yet)."""
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return {}
        version = (stat.st_mtime_ns, stat.st_size)
        with self._lock:
            if self._cached is None or self._cached[0] != version:
                try:
                    content = json.loads(self.path.read_text())
                except (OSError, ValueError) as error:
                    raise UsersError(f"{self.path} could not be read ({type(error).__name__})") from None
                self._cached = (version, dict(content.get("users") or {}))
            return {name: dict(entry) for name, entry in self._cached[1].items()}

    def _write(self, entries: dict[str, dict]) -> None:
        """Replace the file whole: written under a private name, owner-only from its creation, then renamed."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        draft = self.path.with_name(f".{self.path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            json.dump({"users": entries}, file, indent=2, sort_keys=True)
        os.replace(draft, self.path)
