"""Logging in to the dashboard, the scope each request reads within, and the headers every response carries.

**Why Flask-Login, not dash-auth.** dash-auth's `BasicAuth` makes the browser ask for the password in its own
dialog and resend it with every request; there is no logging out short of closing the browser, and the
password travels on each of the page's dozens of callback requests. Its `OIDCAuth` needs an identity provider this
platform does not run. Flask-Login works on the Flask server underneath Dash 4 (`app.server`), so it guards
every route Dash registers, including `/_dash-layout`, `/_dash-dependencies` and `/_dash-update-component`: a
plain login form, a signed session cookie, a logout, and `current_user` inside every Dash callback, which is how
the data layer learns whose scope a request reads (`request_scope`, given to `PublishedStore.scoped`). Passwords
are checked with `werkzeug.security` hashes (dashboard/users.py); nothing here is cryptography of our own.

Without a session, a page URL redirects to the login form and everything else (Dash's internal routes, its
scripts, the assets) answers 401. Request bodies over `MAX_REQUEST_BYTES` answer 413 before anything reads them.
"""

from __future__ import annotations

import html
import secrets

import flask
import flask_login
from dash import Dash

from voter_platform.dashboard.data import EVERY_STATE, NO_STATE, Scope
from voter_platform.dashboard.users import User, UserFile

LOGIN_PATH = "/login"
LOGOUT_PATH = "/logout"
# Dash's largest request is a callback with the filter values (a few kB); 1 MB leaves room and stops a flood.
MAX_REQUEST_BYTES = 1024 * 1024
# Paths that are the page itself: without a session they redirect to the login form (the rest answer 401).
_INTERNAL_PREFIXES = ("/_", "/assets/")


class SignedInUser(flask_login.UserMixin):
    """The Flask-Login user of a session: one of the users file's, with the token of its current password."""

    def __init__(self, user: User):
        self.user = user

    def get_id(self) -> str:
        # The token changes with the password or the user's removal: an older session no longer loads.
        return f"{self.user.name}|{self.user.session_token}"


def request_scope() -> Scope:
    """The states the current request may read: the signed-in user's (every state for an admin); none at all
    outside a request or without a session, so a read that escaped the login check still gets nothing."""
    if not flask.has_request_context():
        return NO_STATE
    user = flask_login.current_user
    if not getattr(user, "is_authenticated", False):
        return NO_STATE
    return EVERY_STATE if user.user.admin else Scope.of(user.user.states)


def signed_in_name() -> str | None:
    user = flask_login.current_user if flask.has_request_context() else None
    return user.user.name if getattr(user, "is_authenticated", False) else None


def install_login(app: Dash, users: UserFile, secret_key: str) -> None:
    """Require a signed-in user for every URL of the app, and serve the login form and the logout."""
    server = app.server
    server.config.update(
        SECRET_KEY=secret_key,
        MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,
        SESSION_COOKIE_HTTPONLY=True,
        # The session cookie is not sent with another site's POST: no cross-site callback or logout.
        SESSION_COOKIE_SAMESITE="Lax",
    )
    manager = flask_login.LoginManager(server)

    @manager.user_loader
    def load_user(session_id: str) -> SignedInUser | None:
        name, _, token = session_id.partition("|")
        user = users.get(name)
        if user is None or not token or not secrets.compare_digest(user.session_token, token):
            return None
        return SignedInUser(user)

    @server.before_request
    def require_login():
        # Refused before the body is read (Flask itself would read up to the limit first).
        if (flask.request.content_length or 0) > MAX_REQUEST_BYTES:
            flask.abort(413)
        if flask.request.path == LOGIN_PATH or flask_login.current_user.is_authenticated:
            return None
        if flask.request.method == "GET" and not flask.request.path.startswith(_INTERNAL_PREFIXES):
            return flask.redirect(LOGIN_PATH)
        return flask.Response("Log in first: " + LOGIN_PATH + "\n", status=401, mimetype="text/plain")

    @server.route(LOGIN_PATH, methods=["GET", "POST"])
    def login():
        if flask.request.method == "GET":
            return _login_page()
        form = flask.request.form
        expected = flask.session.get("login_form")
        if not expected or not secrets.compare_digest(expected, form.get("form_token", "")):
            return _login_page("The form expired. Please try again."), 400
        user = users.authenticate(form.get("name", ""), form.get("password", ""))
        if user is None:
            return _login_page("Wrong name or password."), 401
        flask.session.clear()  # a fresh session: nothing from before the login carries over
        flask_login.login_user(SignedInUser(user))
        return flask.redirect("/")

    @server.route(LOGOUT_PATH, methods=["POST"])
    def logout():
        flask_login.logout_user()
        flask.session.clear()
        return flask.redirect(LOGIN_PATH)


def _login_page(error: str | None = None) -> str:
    """The login form, with a token kept in the session so another site cannot post it for the visitor (one per
    session: a second tab, or the browser fetching /favicon.ico through the login, keeps the first form valid)."""
    token = flask.session.setdefault("login_form", secrets.token_urlsafe(16))
    message = f'<p class="error" role="alert">{html.escape(error)}</p>' if error else ""
    return LOGIN_PAGE.format(message=message, token=token, action=LOGIN_PATH)


LOGIN_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Log in · Voter roll dashboard</title>
<style>
  body {{ font-family: Inter, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; background: #f4f6f9;
         color: #1f2937; display: flex; justify-content: center; padding-top: 12vh; margin: 0; }}
  form {{ background: #fff; border: 1px solid #e2e8f0; border-radius: 8px; padding: 24px 28px; width: 300px; }}
  h1 {{ font-size: 20px; margin: 0 0 16px; }}
  label {{ display: block; font-size: 13px; margin: 12px 0 4px; }}
  input {{ width: 100%; box-sizing: border-box; padding: 7px 9px; border: 1px solid #cbd5e0; border-radius: 6px; }}
  button {{ margin-top: 18px; width: 100%; padding: 8px; border: 0; border-radius: 6px; background: #2b6cb0;
           color: #fff; font-weight: 600; cursor: pointer; }}
  .error {{ color: #9b2c2c; font-size: 13px; }}
</style>
</head>
<body>
<form method="post" action="{action}">
  <h1>Voter roll dashboard</h1>
  {message}
  <label for="name">Name</label>
  <input id="name" name="name" autocomplete="username" required autofocus>
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required>
  <input type="hidden" name="form_token" value="{token}">
  <button id="login-button" type="submit">Log in</button>
</form>
</body>
</html>
"""


def install_security_headers(app: Dash) -> None:
    """The headers a browser expects on every response, the login form and the refusals included."""
    headers = {
        "Content-Security-Policy": content_security_policy(app),
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }

    @app.server.after_request
    def add_security_headers(response: flask.Response) -> flask.Response:
        response.headers.update(headers)
        return response


def content_security_policy(app: Dash) -> str:
    """Only this server's own scripts, plus Dash's inline renderer start-up by its hash (no inline script in
    general). Styles may be inline: React and plotly set element styles and inject <style> rules. Images may be
    data:/blob: URLs (plotly's "download plot" and the CSV download build them in the page). No framing."""
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", *app.csp_hashes()],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())
