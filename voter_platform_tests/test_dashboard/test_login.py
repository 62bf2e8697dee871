"""The login in front of the dashboard, over HTTP (Flask test client): what a visitor without a session gets, a
wrong password, logging out, the headers on every answer and the cap on a request's size."""

import json
import secrets

import pytest

from voter_platform.bench.dashboard import DashClient, default_values
from voter_platform.dashboard.app import create_app
from voter_platform.dashboard.layout import manifest_data
from voter_platform.dashboard.users import UserFile
from voter_platform_tests.dashboard_users import ADMIN, admin_client

CHART_CALLBACK = "chart-party.figure"
SECURITY_HEADERS = ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy")


def _dash_script_path(app) -> str:
    """One of the scripts Dash serves for its renderer (the path the page's HTML names)."""
    page = admin_client(app).get("/")[1].decode()
    start = page.index("/_dash-component-suites/")
    return page[start : page.index('"', start)]


def _callback_body(app) -> dict:
    client = DashClient(app)
    return client.payload(CHART_CALLBACK, default_values(manifest_data(app.store)))


def test_without_a_session_every_url_answers_401_or_leads_to_the_login(app):
    script = _dash_script_path(app)
    anonymous = app.server.test_client()
    for path in ("/", "/some/page"):
        answer = anonymous.get(path)
        assert answer.status_code == 302 and answer.headers["Location"].endswith("/login"), path
    for path in ("/_dash-layout", "/_dash-dependencies", "/assets/style.css", script, "/_favicon.ico"):
        assert anonymous.get(path).status_code == 401, path
    answer = anonymous.post("/_dash-update-component", json=_callback_body(app))
    assert answer.status_code == 401 and b"Democrat" not in answer.data
    login_page = anonymous.get("/login")
    assert login_page.status_code == 200 and b'type="password"' in login_page.data


def test_a_wrong_password_or_an_unknown_name_is_refused(app):
    for name, password in ((ADMIN.name, "not-the-password"), ("nobody", ADMIN.password), (ADMIN.name, "")):
        client = DashClient(app)
        assert client.login(name, password) == 401
        assert client.callback_raw(CHART_CALLBACK, default_values(manifest_data(app.store)))[1] == 401
        assert client._send("GET", "/_dash-layout")[1] == 401


def test_a_login_form_posted_without_its_token_is_refused(app):
    answer = app.server.test_client().post("/login", data={"name": ADMIN.name, "password": ADMIN.password})
    assert answer.status_code == 400
    assert answer.headers.get("Location") is None


def test_after_logging_out_the_dashboard_asks_for_the_login_again(app):
    client = admin_client(app)
    assert client._send("GET", "/_dash-layout")[1] == 200
    layout = json.loads(client._send("GET", "/_dash-layout")[2])
    assert '"action": "/logout"' in json.dumps(layout)  # the page's log-out button
    assert client._send("POST", "/logout")[1] == 302
    assert client._send("GET", "/_dash-layout")[1] == 401


def test_a_new_password_or_a_removed_user_ends_the_open_sessions(published_dir, tmp_path):
    users = UserFile(tmp_path / "users.json")
    users.add("alice", "first-password", states=("PA",))
    app = create_app(published_dir, users, secrets.token_hex(32))
    client = DashClient(app, login=("alice", "first-password"))
    assert client._send("GET", "/_dash-layout")[1] == 200
    users.set_password("alice", "second-password")
    assert client._send("GET", "/_dash-layout")[1] == 401
    assert client.login("alice", "second-password") == 302
    users.remove("alice")
    assert client._send("GET", "/_dash-layout")[1] == 401


def test_every_answer_carries_the_security_headers(app):
    client = admin_client(app)
    anonymous = app.server.test_client()
    answers = {
        "login form": anonymous.get("/login"),
        "redirect to the login": anonymous.get("/"),
        "refused": anonymous.get("/_dash-layout"),
        "page": client.client.get("/"),
        "layout": client.client.get("/_dash-layout"),
        "callback": client.client.post("/_dash-update-component", json=_callback_body(app)),
        "script": client.client.get(_dash_script_path(app)),
    }
    for what, answer in answers.items():
        for header in SECURITY_HEADERS:
            assert answer.headers.get(header), (what, header)
        assert answer.headers["X-Frame-Options"] == "DENY"
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        policy = answer.headers["Content-Security-Policy"]
        assert "script-src 'self' 'sha256-" in policy and "frame-ancestors 'none'" in policy
        assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]


@pytest.mark.parametrize("signed_in", [True, False])
def test_a_150_mb_body_is_refused_with_413_before_it_is_read(app, signed_in):
    client = admin_client(app).client if signed_in else app.server.test_client()
    # The declared size is what counts: the server refuses without reading (or buffering) the body.
    answer = client.post(
        "/_dash-update-component",
        data=b"{}",
        content_type="application/json",
        environ_overrides={"CONTENT_LENGTH": str(150 * 1024 * 1024)},
    )
    assert answer.status_code == 413
    assert answer.headers["X-Frame-Options"] == "DENY"
    fits = client.post("/_dash-update-component", json=_callback_body(app))
    assert fits.status_code == (200 if signed_in else 401)
