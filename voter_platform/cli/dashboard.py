"""`voter-platform dashboard`: serve the Dash dashboard over the published snapshot."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from voter_platform.cli.common import configured_data
from voter_platform.settings import dashboard_secret_key


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "dashboard",
        help="serve the dashboard over the published snapshot (default http://127.0.0.1:8050)",
        description=(
            "Serve the Dash dashboard. It reads only the published Parquet snapshot (<data>/published, or "
            "--published), never the warehouse, and picks up newly published dates by itself. Every page needs a "
            "login (users: voter-platform users); on the first start it creates the user 'admin' and prints its "
            "password once."
        ),
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default %(default)s)")
    parser.add_argument("--port", type=int, default=8050, help="port (default %(default)s)")
    parser.add_argument(
        "--published",
        type=Path,
        metavar="DIR",
        help="published folder to read (default: <VOTER_PLATFORM_DATA>/published)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    paths = configured_data("dashboard")
    if paths is None:
        return 2
    published = paths.published
    if args.published is not None:
        published = args.published.expanduser().resolve()
        if published.exists() and not published.is_dir():
            print(f"voter-platform dashboard: --published {published} is not a directory", file=sys.stderr)
            return 2

    from waitress import serve

    from voter_platform.dashboard.app import create_app
    from voter_platform.dashboard.auth import MAX_REQUEST_BYTES
    from voter_platform.dashboard.users import UserFile, UsersError

    users = UserFile(paths.users_file)
    try:
        _announce_first_admin(users)
    except UsersError as error:
        print(f"voter-platform dashboard: {error}", file=sys.stderr)
        return 2
    app = create_app(published, users, dashboard_secret_key(paths))
    print(f"Dashboard on http://{args.host}:{args.port}  (reading {published})", flush=True)
    # Each chart's callback is its own request: a few threads serve a page's charts side by side. Waitress
    # refuses an oversized body itself, before buffering it.
    serve(
        app.server,
        host=args.host,
        port=args.port,
        threads=8,
        ident="voter-platform",
        max_request_body_size=MAX_REQUEST_BYTES,
    )
    return 0


def _announce_first_admin(users) -> None:
    """On the first start (no users file), create the admin and show its password on this console, once."""
    from voter_platform.dashboard.users import FIRST_ADMIN_NAME, create_first_admin

    password = create_first_admin(users)
    if password is None:
        return
    # Printed, never logged: the console of the person who started the platform is the only place it appears.
    print(
        f"\n  Dashboard login created (first start): user {FIRST_ADMIN_NAME!r}, password {password}\n"
        f"  Shown only this once. Change it: voter-platform users passwd {FIRST_ADMIN_NAME}; "
        "add users: voter-platform users add NAME --states NC,PA\n",
        flush=True,
    )
