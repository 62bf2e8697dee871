"""Every dbt model as a Dagster asset partitioned by analysis date; every dbt test as a check.

One `dbt build` per run covers all the run's analysis dates (a single date from the daily
schedule or the landing sensor, a whole range from a UI backfill): the models cross their inputs
with the dates, so there is no Python loop over dates. While dbt runs it holds DuckDB's single
writer lock; its events are therefore collected and yielded once it has exited, each model's
materialization enriched with its row count and column schema read from the warehouse then.
"""

import json
import shutil
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import dagster as dg
import duckdb
from dagster_dbt import dbt_assets
from dagster_duckdb import DuckDBResource

from voter_platform.defs.partitions import analysis_date_partitions
from voter_platform.defs.resources import WAREHOUSE_POOL
from voter_platform.defs.retries import TRANSIENT_RETRY_POLICY, retry_only_transient
from voter_platform.defs.transform.cli_resource import WarehouseDbtCliResource
from voter_platform.defs.transform.metadata import BuiltRelation, built_relation, failing_test_rows, relation_metadata
from voter_platform.defs.transform.project import dbt_project
from voter_platform.defs.transform.translator import VoterPlatformTranslator
from voter_platform.defs.transform.unit_tests import DBT_UNIQUE_ID_KEY, unit_test_check_specs, unit_test_results
from voter_platform.lib.dbt_vars import analysis_window, dbt_env_for_window
from voter_platform.lib.warehouse import ensure_raw_tables

# The election reference tables the dbt sources read; without them every model fails obscurely.
REQUIRED_ELECTION_TABLES = ("election_calendar", "president_results", "vep_turnout")
# dagster-dbt gives every invocation its own target directory (~10 MB: manifest, compiled SQL,
# logs). The newest are kept for debugging; a daily platform would otherwise grow without bound.
KEPT_DBT_TARGET_DIRS = 20

_translator = VoterPlatformTranslator()
_manifest = json.loads(dbt_project.manifest_path.read_text())


def _build_dbt_models(
    context: dg.AssetExecutionContext, dbt: WarehouseDbtCliResource, warehouse: DuckDBResource
) -> Iterator[dg.Output | dg.AssetCheckResult | dg.AssetMaterialization | dg.AssetObservation]:
    window = partition_window(context)
    first, last = analysis_window(*window)
    with warehouse.get_connection() as connection:
        prepare_warehouse(connection)
    prune_dbt_target_dirs(dbt_project.project_dir / "target", f"{context.op.name}-*", KEPT_DBT_TARGET_DIRS - 1)

    context.log.info(f"dbt build for analysis dates {first} .. {last}")
    started = time.perf_counter()
    invocation = dbt.cli(["build"], env=dbt_env_for_window(*window), context=context, raise_on_error=False)
    events = list(invocation.stream())
    dbt_seconds = time.perf_counter() - started
    dbt.keep_partial_parse_state(invocation)

    # dbt writes run_results.json once it ran nodes; a failure before that (a compile error) has
    # no results, and its own error is raised below.
    ran_nodes = (invocation.target_path / "run_results.json").exists()
    run_results = invocation.get_artifact("run_results.json") if ran_nodes else {"results": []}

    # dbt has exited: the warehouse is free to read.
    started = time.perf_counter()
    relations = {event.output_name: _relation_of(event) for event in events if isinstance(event, dg.Output)}
    with warehouse.get_connection() as connection:
        metadata = relation_metadata(connection, {r for r in relations.values() if r}, first, last)
        failures = failing_test_rows(connection, run_results)
    context.log.info(
        f"dbt build took {dbt_seconds:.1f} s; row counts and schemas of {len(metadata)} relations "
        f"{time.perf_counter() - started:.1f} s"
    )
    for event in events:
        if isinstance(event, dg.Output) and relations.get(event.output_name) in metadata:
            event = event.with_metadata({**event.metadata, **metadata[relations[event.output_name]]})
        elif isinstance(event, dg.AssetCheckResult) and _unique_id_of(event) in failures:
            event = event.with_metadata({**event.metadata, **failures[_unique_id_of(event)]})
        yield event

    checks_by_unique_id = {
        spec.metadata[DBT_UNIQUE_ID_KEY]: spec
        for spec in context.assets_def.check_specs
        if DBT_UNIQUE_ID_KEY in (spec.metadata or {})
    }
    yield from unit_test_results(run_results, checks_by_unique_id, set(context.selected_asset_check_keys))

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
                "Run election_reference_job (or `voter-platform build`) first: the marts read the "
                "election calendar, results and turnout."
            ),
            metadata={"missing_tables": missing},
        )


def prune_dbt_target_dirs(target_dir: Path, pattern: str, keep: int) -> list[Path]:
    """Delete all but the `keep` newest invocation directories matching `pattern`; return them."""
    runs = sorted(
        (path for path in target_dir.glob(pattern) if path.is_dir()),
        key=lambda path: path.stat().st_mtime,
        reverse=True,
    )
    for old in runs[keep:]:
        shutil.rmtree(old, ignore_errors=True)
    return runs[keep:]


def _unique_id_of(event: dg.Output | dg.AssetCheckResult) -> str | None:
    """The dbt node an event of dagster-dbt reports on."""
    unique_id = event.metadata.get("unique_id")
    return unique_id.value if unique_id is not None else None


def _relation_of(output: dg.Output) -> BuiltRelation | None:
    unique_id = _unique_id_of(output)
    return built_relation(_manifest, unique_id) if unique_id is not None else None


# dagster-dbt builds the asset and check specs from the manifest; the same definition is then made
# again with the unit tests added as blocking checks (dagster-dbt does not model them).
_from_dagster_dbt = dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=_translator,
    partitions_def=analysis_date_partitions,
)(_build_dbt_models)

dbt_models = dg.multi_asset(
    name="dbt_models",
    specs=list(_from_dagster_dbt.specs),
    check_specs=[*_from_dagster_dbt.check_specs, *unit_test_check_specs(_manifest, _translator)],
    can_subset=True,
    partitions_def=analysis_date_partitions,
    # A date range runs as one dbt invocation over all its dates (parallel partitioned dbt runs
    # would collide on temp tables and on DuckDB's single writer).
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool=WAREHOUSE_POOL,
    op_tags=_from_dagster_dbt.op.tags,
    allow_arbitrary_check_specs=True,
    retry_policy=TRANSIENT_RETRY_POLICY,  # a locked warehouse only (defs/retries.py)
)(retry_only_transient(_build_dbt_models))
