"""`voter-platform build`: materialize everything for the files in the landing folder, headless."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field

from voter_platform.cli.common import configured_data


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "build",
        help="materialize the election reference and every partition with files in the landing folder",
        description=(
            "Materialize, in this process and without the UI, the election reference data and then, for "
            "every snapshot date that has files in the landing folder (oldest first), the raw voter "
            "partition, its marts and the published snapshot. Prints a summary and exits non-zero when a "
            "run or a blocking check fails. Do not run it while `dagster dev` is writing the same data "
            "directory: DuckDB allows one writer."
        ),
    )
    parser.add_argument(
        "--partition",
        action="append",
        metavar="YYYY-MM-DD",
        help="build only this snapshot date (repeatable); default: every date found in the landing folder",
    )
    parser.set_defaults(func=run)


@dataclass
class PartitionOutcome:
    partition: str
    success: bool
    assets: int
    checks_passed: int
    checks_warned: int  # failed with severity WARN: findings worth reading, nothing blocked
    checks_failed: int  # failed with severity ERROR
    blocking_failed: int
    voters_loaded: int | None
    rows_quarantined: int | None
    failures: list[str] = field(default_factory=list)  # step failures, with the message the user needs
    blocked: dict[str, dict] = field(default_factory=dict)  # blocked date -> what lib/blocked.py records

    @property
    def status(self) -> str:
        if self.blocking_failed:
            return "BLOCKED"
        return "ok" if self.success else "FAILED"


def run(args: argparse.Namespace) -> int:
    paths = configured_data("build")
    if paths is None:
        return 2

    from voter_platform.lib.landing import scan_landing

    files = scan_landing(paths.landing)
    partitions = sorted({landing_file.partition_key for landing_file in files})
    if args.partition:
        partitions = [key for key in partitions if key in set(args.partition)]
    if not partitions:
        print(f"Nothing to build: no voter files in {paths.landing}")
        return 0

    # The definitions are built from the dbt manifest: parse the project first when it changed.
    from voter_platform.defs.marts.project import prepare_manifest

    prepare_manifest()
    from voter_platform.cli.materialize import build_elections, build_partition
    from voter_platform.defs.partitions import ANALYSIS_DATES_TEXT, analysis_date_partitions

    # A snapshot date before the first analysis date or after today is no partition (yet): say so
    # per file, build the rest, and fail the command so the file is not forgotten.
    out_of_range = [key for key in partitions if not analysis_date_partitions.has_partition_key(key)]
    for landing_file in files:
        if landing_file.partition_key in out_of_range:
            print(
                f"{landing_file.name}: snapshot date {landing_file.partition_key} "
                f"(from its {landing_file.date_source}) "
                f"is outside {ANALYSIS_DATES_TEXT}: not loaded. "
                "Name the file with its snapshot date, or build it on or after that date.",
                file=sys.stderr,
            )
    partitions = [key for key in partitions if key not in out_of_range]

    print(f"Building {len(partitions)} partition(s) from {len(files)} file(s) in {paths.landing}")
    outcomes = [build_elections()]
    for partition in partitions:
        outcomes.append(build_partition(partition))
    print_summary(outcomes)
    from voter_platform.lib.blocked import describe_blocked_date

    for outcome in outcomes:
        for failure in outcome.failures:
            print(f"\n{outcome.partition} failed in {failure}")
        for day, entry in sorted(outcome.blocked.items()):
            print("\n" + describe_blocked_date(day, entry))
    print(
        "\nWarnings are checks with findings worth reading (e.g. rows flagged or quarantined); errors fail the build."
    )
    print(
        "Details: the Dagster UI (voter-platform up) shows every check's metadata; "
        "quarantined lines are in raw.quarantine."
    )
    built = all(outcome.success and not outcome.blocking_failed for outcome in outcomes)
    return 0 if built and not out_of_range else 1


def print_summary(outcomes: list[PartitionOutcome]) -> None:
    header = ("partition", "status", "assets", "checks passed", "warnings", "errors", "voters loaded", "quarantined")
    rows = [
        (
            outcome.partition,
            outcome.status,
            str(outcome.assets),
            str(outcome.checks_passed),
            str(outcome.checks_warned),
            str(outcome.checks_failed),
            "-" if outcome.voters_loaded is None else f"{outcome.voters_loaded:,}",
            "-" if outcome.rows_quarantined is None else f"{outcome.rows_quarantined:,}",
        )
        for outcome in outcomes
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    line = "  ".join(f"{{:<{width}}}" for width in widths)
    print()
    print(line.format(*header))
    print(line.format(*("-" * width for width in widths)))
    for row in rows:
        print(line.format(*row))
