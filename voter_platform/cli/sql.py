"""`voter-platform sql`: a query on the warehouse, opened read-only with its key.

The warehouse file is encrypted (lib/warehouse_file.py): a plain `duckdb.connect(<file>)` or a DuckDB shell
opening the file cannot read it. This command opens it the platform's way and prints the result.
"""

from __future__ import annotations

import argparse
import sys

from voter_platform.cli.common import configured_data


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "sql",
        help="run a query on the warehouse (read-only, opened with its key)",
        description="Open the encrypted warehouse of VOTER_PLATFORM_DATA read-only with its key "
        "(VOTER_PLATFORM_WAREHOUSE_KEY, else <data>/warehouse_key), run QUERY and print the result. Not while a run "
        "writes the warehouse: DuckDB lets a reader block the writer, and the writer the reader.",
    )
    parser.add_argument("query", help='the SQL, e.g. "select * from raw.quarantine limit 20"')
    parser.add_argument("--max-rows", type=int, default=40, help="rows printed at most (default 40)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import duckdb

    from voter_platform.lib.causes import root_cause
    from voter_platform.lib.warehouse_file import WarehouseKeyError, open_warehouse

    paths = configured_data("sql")
    if paths is None:
        return 2
    if not paths.warehouse.exists():
        print(f"voter-platform sql: there is no warehouse yet ({paths.warehouse})", file=sys.stderr)
        return 2
    try:
        with open_warehouse(paths, read_only=True) as connection:
            relation = connection.sql(args.query)
            if relation is not None:
                relation.show(max_rows=args.max_rows, max_width=10_000)
    except WarehouseKeyError as error:
        print(f"voter-platform sql: {error}", file=sys.stderr)
        return 2
    except duckdb.Error as error:
        print(f"voter-platform sql: {root_cause(error) or error}", file=sys.stderr)
        return 1
    return 0
