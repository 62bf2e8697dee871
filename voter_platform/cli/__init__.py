"""`voter-platform`: the command line. Each subcommand lives in its own module of this package."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from voter_platform.cli import bench, build, dashboard, generate, layouts, sql, up, users

# Each module exposes `register(subparsers)` adding its subcommand with a `func(args) -> int`.
SUBCOMMANDS = [up, build, generate, dashboard, users, bench, layouts, sql]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="voter-platform",
        description="Daily voter-file analytics: ingest, marts, dashboard.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in SUBCOMMANDS:
        module.register(subparsers)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
