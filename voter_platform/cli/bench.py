"""`voter-platform bench`: the whole pipeline at state scale, side by side with its baselines."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from voter_platform.cli.common import configured_data
from voter_platform.settings import WAREHOUSE_ENCRYPTION_ENV_VAR


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "bench",
        help="measure every step of the pipeline at scale beside its baseline",
        description=(
            "Generate N voters with full vote history for one state (once: cached by size and seed), then "
            "measure, each step in a fresh process and several times (median): generation, the ingest beside "
            "a bare DuckDB read_csv and a pandas 1,000-row loader, validation beside the same rules as one SQL "
            "query, the marts through Dagster beside the same SQL run directly, publishing, the whole path from "
            "landing folder to published files through Dagster, and the dashboard's callbacks. Prints the table "
            "with ratios and the machine, and writes it as JSON and Markdown to --out."
        ),
    )
    parser.add_argument("--voters", type=int, required=True, metavar="N", help="voters on the generated roll")
    parser.add_argument(
        "--days",
        type=int,
        default=1,
        metavar="D",
        help="daily snapshots; the last one is measured, earlier ones are loaded first (default 1)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="where results, cached inputs and the work data go (default <data>/bench)",
    )
    parser.add_argument("--state", default="NC", help="the state simulated (default NC)")
    parser.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each step; the median counts (default 3)")
    parser.add_argument("--interactions", type=int, default=36, help="dashboard interactions timed (default 36)")
    parser.add_argument(
        "--formats",
        metavar="patterns|LAYOUT,...",
        help="instead of the pipeline: the ingest of one layout per structural pattern ('patterns'), or of the "
        "named layouts, each beside the canonical layout's at the same size (target <= 1.5x)",
    )
    parser.add_argument(
        "--no-encryption",
        action="store_true",
        help="measure with the warehouse NOT encrypted (VOTER_PLATFORM_WAREHOUSE_ENCRYPTION=off in the bench's own "
        "work data), to compare with a run without this flag: what encryption at rest costs",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.voters < 1 or args.days < 1 or args.repeats < 1:
        print("voter-platform bench: --voters, --days and --repeats must be at least 1", file=sys.stderr)
        return 2
    if args.no_encryption:
        # Read by every phase's fresh process (they inherit the environment); the work data dir is rebuilt by
        # each end-to-end run, so an encrypted warehouse of an earlier bench is never opened without its key.
        os.environ[WAREHOUSE_ENCRYPTION_ENV_VAR] = "off"
    paths = configured_data("bench")
    if paths is None:
        return 2
    out = (args.out or paths.root / "bench").resolve()
    # Every timed phase loads the definitions, which are built from the dbt manifest: parse first if needed.
    from voter_platform.defs.marts.project import prepare_manifest

    prepare_manifest()
    if args.formats:
        return _run_layouts(args, out)
    from voter_platform.bench.pipeline import BenchConfig, run_bench

    config = BenchConfig(
        voters=args.voters,
        days=args.days,
        state=args.state.upper(),
        seed=args.seed,
        repeats=args.repeats,
        interactions=args.interactions,
        out=out,
    )
    run_bench(config)
    return 0


def _run_layouts(args: argparse.Namespace, out: Path) -> int:
    from voter_platform.bench.layouts import patterns_for, run_layout_bench

    try:
        patterns = patterns_for(args.formats)
    except ValueError as error:
        print(f"voter-platform bench: {error}", file=sys.stderr)
        return 2
    run_layout_bench(patterns, voters=args.voters, seed=args.seed, repeats=args.repeats, out=out / "layouts")
    return 0
