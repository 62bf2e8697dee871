"""Every dbt model as a Dagster asset partitioned by analysis date; every dbt data test as a check.

One `dbt build` per run covers all the run's analysis dates (a single date from the daily
schedule or the landing sensor, a whole range from a UI backfill): the models cross their inputs
with the dates, so there is no Python loop over dates. dagster-dbt streams dbt's events as they
come, so each model shows as materialized in the UI when dbt finishes it.

While dbt runs it holds DuckDB's single writer lock: nothing else may open the warehouse. So the
run's row counts and built column schemas are read once dbt has exited, in one connection, and
reported as observations of the models (dagster-dbt's `fetch_row_counts()` /
`fetch_column_metadata()` open the warehouse too: on DuckDB they hold every event back until dbt
exits, which is what streaming is for). A failed data test is held back the same few seconds, so
its check can show the offending rows.

dbt unit tests (the business rules on hand-made inputs) are excluded from this build: dbt means them
for development and CI, where `make test` runs them (voter_platform_tests/test_marts/test_dbt_cli.py);
in a production build they would re-check fixed inputs every day and add nothing about the data.
"""

import os
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import dagster as dg
import duckdb
from dagster_dbt import DbtCliResource, dbt_assets

from voter_platform.defs.marts.metadata import BuiltRelation, built_relation, failing_test_rows, relation_metadata
from voter_platform.defs.marts.project import dbt_project
from voter_platform.defs.marts.translator import VoterPlatformTranslator
from voter_platform.defs.partitions import analysis_date_partitions
from voter_platform.defs.resources import WAREHOUSE_POOL, Warehouse
from voter_platform.defs.retries import TRANSIENT_RETRY_POLICY, retry_only_transient
from voter_platform.lib.dbt_vars import analysis_window, dbt_env_for_window
from voter_platform.lib.warehouse import ensure_raw_tables
from voter_platform.settings import DATA_ENV_VAR, SALT_ENV_VAR, voter_key_salt

# The election reference tables the dbt sources read; without them every model fails obscurely.
REQUIRED_ELECTION_TABLES = ("election_calendar", "president_results", "vep_turnout")
# One target folder for every build, relative to the dbt project, instead of dagster-dbt's folder per
# invocation: dbt keeps its partial-parse state there from one run to the next (a full parse costs
# seconds per run), and nothing piles up. Builds never overlap: they share the pool `warehouse`.
BUILD_TARGET_PATH = Path("target") / "build"


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=VoterPlatformTranslator(),
    partitions_def=analysis_date_partitions,
    # A date range runs as one dbt invocation over all its dates (parallel partitioned dbt runs
    # would collide on temp tables and on DuckDB's single writer).
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool=WAREHOUSE_POOL,
    retry_policy=TRANSIENT_RETRY_POLICY,  # a locked warehouse only (defs/retries.py)
)
@retry_only_transient
def dbt_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: Warehouse
) -> Iterator[dg.Output | dg.AssetCheckResult | dg.AssetMaterialization | dg.AssetObservation]:
    window = partition_window(context)
    first, last = analysis_window(*window)
    with warehouse.get_connection() as connection:
        prepare_warehouse(connection)

    context.log.info(f"dbt build for analysis dates {first} .. {last}")
    started = time.perf_counter()
    # The window travels as environment variables, not --vars: dbt re-parses the project whenever
    # --vars change (lib/dbt_vars.py). The salt too: it must never appear on a logged command line.
    environment = {
        **dbt_env_for_window(*window),
        DATA_ENV_VAR: str(warehouse.paths.root),
        SALT_ENV_VAR: voter_key_salt(warehouse.paths),
    }
    with _environment(environment):  # dagster-dbt gives dbt a copy of os.environ when it starts it
        invocation = dbt.cli(
            ["build", "--exclude-resource-type", "unit_test"],
            context=context,
            target_path=BUILD_TARGET_PATH,
            raise_on_error=False,
        )
    built: dict[dg.AssetKey, BuiltRelation] = {}
    failed_checks: list[dg.AssetCheckResult] = []
    for event in invocation.stream():
        if isinstance(event, dg.AssetCheckResult) and not event.passed:
            failed_checks.append(event)  # shown with its failing rows once the warehouse is free
            continue
        if isinstance(event, dg.Output):
            relation = built_relation(invocation.manifest, _unique_id_of(event))
            if relation is not None:
                built[context.asset_key_for_output(event.output_name)] = relation
        yield event
    dbt_seconds = time.perf_counter() - started

    # dbt has exited: the warehouse is free to read.
    started = time.perf_counter()
    run_results_path = invocation.target_path / "run_results.json"
    # A failure before dbt ran any node (a compile error) leaves no results; its own error is raised below.
    run_results = invocation.get_artifact("run_results.json") if run_results_path.exists() else {"results": []}
    with warehouse.get_connection() as connection:
        metadata = relation_metadata(connection, set(built.values()), first, last)
        failures = failing_test_rows(connection, run_results)
    context.log.info(
        f"dbt build took {dbt_seconds:.1f} s; row counts and schemas of {len(metadata)} relations "
        f"{time.perf_counter() - started:.1f} s"
    )
    for check in failed_checks:
        yield check.with_metadata({**check.metadata, **failures.get(_unique_id_of(check) or "", {})})
    partition = context.partition_key if context.has_partition_key else None
    for asset_key, relation in built.items():
        if relation in metadata:
            yield dg.AssetObservation(asset_key=asset_key, partition=partition, metadata=metadata[relation])

    error = invocation.get_error()
    if error is not None:
        raise error


def partition_window(context: dg.AssetExecutionContext) -> tuple[datetime, datetime]:
    """The run's partition window [start, end), or a clear failure when there is none."""
    if not (context.has_partition_key or context.has_partition_key_range):
        raise dg.Failure(
            description=(
                "The dbt models are partitioned by analysis date: materialize them for a date or a "
                "date range (a backfill), not unpartitioned."
            )
        )
    window = context.partition_time_window
    return window.start, window.end


def prepare_warehouse(connection: duckdb.DuckDBPyConnection) -> None:
    """Make sure dbt's sources exist before it starts.

    The raw tables are created empty when no file was ever loaded (the marts of a new installation
    are then simply empty); the election reference must have been loaded by its own job.
    """
    ensure_raw_tables(connection)
    loaded = {
        name
        for (name,) in connection.execute(
            "select table_name from information_schema.tables where table_schema = 'elections'"
        ).fetchall()
    }
    missing = [table for table in REQUIRED_ELECTION_TABLES if table not in loaded]
    if missing:
        raise dg.Failure(
            description=(
                f"The election reference is not loaded (missing elections.{', elections.'.join(missing)}). "
                "Run elections_job (or `voter-platform build`) first: the marts read the "
                "election calendar, results and turnout."
            ),
            metadata={"missing_tables": missing},
        )


def _unique_id_of(event: dg.Output | dg.AssetCheckResult) -> str | None:
    """The dbt node an event of dagster-dbt reports on."""
    unique_id = event.metadata.get("unique_id")
    return unique_id.value if unique_id is not None else None


@contextmanager
def _environment(variables: Mapping[str, str]) -> Iterator[None]:
    previous = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
