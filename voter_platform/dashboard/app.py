"""The dashboard application: `create_app(published_dir, users, secret_key)` returns a Dash app reading only that
folder, behind a login.

    voter-platform dashboard                     # http://127.0.0.1:8050, reads <data>/published
    voter-platform dashboard --published DIR     # any published folder

The app never opens the DuckDB warehouse and imports nothing from the Dagster definitions: it can run on a
machine that only receives the published Parquet files. Every URL needs a signed-in user (dashboard/auth.py), and
every read of the published files is within that user's scope (dashboard/data.py).
"""

from __future__ import annotations

from pathlib import Path

import plotly.graph_objects as go
from dash import Dash
from plotly.subplots import make_subplots

from voter_platform.dashboard.auth import (
    LOGOUT_PATH,
    install_login,
    install_security_headers,
    request_scope,
    signed_in_name,
)
from voter_platform.dashboard.callbacks import register_callbacks
from voter_platform.dashboard.data import PublishedStore
from voter_platform.dashboard.layout import build_layout
from voter_platform.dashboard.users import UserFile

ASSETS_DIR = Path(__file__).parent / "assets"


def create_app(published_dir: Path | str, users: UserFile, secret_key: str) -> Dash:
    """The dashboard over `published_dir`, for the users of `users`; `secret_key` signs their sessions."""
    store = PublishedStore(published_dir)
    # The page and the callbacks read as the signed-in user; `app.store` (tests, the benchmark) reads everything.
    as_user = store.scoped(request_scope)
    app = Dash(
        __name__,
        title="Voter roll dashboard",
        assets_folder=str(ASSETS_DIR),
        # Everything is served by the app itself: no CDN, so it works offline and tells no third party.
        serve_locally=True,
        update_title=None,
    )
    _import_plotly_now()
    app.layout = lambda: build_layout(as_user, signed_in_name(), LOGOUT_PATH)
    register_callbacks(app, as_user)
    install_login(app, users, secret_key)
    install_security_headers(app)
    app.store = store  # the same cache the callbacks use
    return app


def _import_plotly_now() -> None:
    """Load plotly's figure classes at start-up rather than during the first visitor's page load.

    plotly imports its trace and layout validators lazily, about 0.3 s on first use.
    """
    make_subplots(rows=1, cols=2).add_traces([go.Bar(), go.Scatter(), go.Heatmap()], rows=1, cols=1).to_plotly_json()
