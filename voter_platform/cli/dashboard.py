"""`voter-platform dashboard`: serve the Dash dashboard over the published snapshot."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from voter_platform.settings import DataDirError, configure_environment


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "dashboard",
        help="serve the dashboard over the published snapshot (default http://127.0.0.1:8050)",
        description=(
            "Serve the Dash dashboard. It reads only the published Parquet snapshot (<data>/published, or "
            "--published), never the warehouse, and picks up newly published dates by itself."
        ),
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default %(default)s)")
    parser.add_argument("--port", type=int, default=8050, help="port (default %(default)s)")
    parser.add_argument("--published", type=Path, metavar="DIR",
                        help="published folder to read (default: <VOTER_PLATFORM_DATA>/published)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.published is not None:
        published = args.published.expanduser().resolve()
        if published.exists() and not published.is_dir():
            print(f"voter-platform dashboard: --published {published} is not a directory", file=sys.stderr)
            return 2
    else:
        try:
            published = configure_environment().published
        except DataDirError as error:
            print(f"voter-platform dashboard: {error}", file=sys.stderr)
            return 2

    from waitress import serve

    from voter_platform.dashboard.app import create_app

    app = create_app(published)
    print(f"Dashboard on http://{args.host}:{args.port}  (reading {published})", flush=True)
    # Each chart's callback is its own request: a few threads serve a page's charts side by side.
    serve(app.server, host=args.host, port=args.port, threads=8, ident="voter-platform")
    return 0
