"""Dashboard users for the tests: the app over a published folder with an admin and a user scoped to North
Carolina, and clients logged in as either (through the login form, as a browser does)."""

from __future__ import annotations

import secrets
import tempfile
from functools import cache
from pathlib import Path
from typing import NamedTuple

from dash import Dash

from voter_platform.bench.dashboard import DashClient
from voter_platform.dashboard.app import create_app
from voter_platform.dashboard.users import UserFile


class Login(NamedTuple):
    name: str
    password: str


ADMIN = Login("test-admin", "admin-password-for-tests")
NC_ANALYST = Login("nc-analyst", "nc-password-for-tests")


@cache
def test_users() -> UserFile:
    """One users file for the session (hashing a password takes a moment; the users never change)."""
    users = UserFile(Path(tempfile.mkdtemp(prefix="dashboard-users-")) / "users.json")
    users.add(ADMIN.name, ADMIN.password, admin=True)
    users.add(NC_ANALYST.name, NC_ANALYST.password, states=("NC",))
    return users


def dashboard_app(published_dir) -> Dash:
    return create_app(published_dir, test_users(), secrets.token_hex(32))


def admin_client(app: Dash, base_url: str | None = None) -> DashClient:
    return DashClient(app, base_url=base_url, login=ADMIN)


def nc_client(app: Dash, base_url: str | None = None) -> DashClient:
    return DashClient(app, base_url=base_url, login=NC_ANALYST)
