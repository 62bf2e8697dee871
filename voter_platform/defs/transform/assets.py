"""Every dbt model as a Dagster asset partitioned by analysis date; every dbt test as a check."""

import json

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from voter_platform.defs.partitions import analysis_date_partitions
from voter_platform.defs.resources import WAREHOUSE_POOL
from voter_platform.defs.transform.project import dbt_project
from voter_platform.defs.transform.translator import VoterPlatformTranslator
from voter_platform.lib.dbt_vars import dbt_vars_for_window


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=VoterPlatformTranslator(),
    partitions_def=analysis_date_partitions,
    # A date range runs as one dbt invocation over all its dates (parallel partitioned dbt runs
    # would collide on temp tables and on DuckDB's single writer).
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool=WAREHOUSE_POOL,
)
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    window = context.partition_time_window
    dbt_vars = dbt_vars_for_window(window.start, window.end)
    context.log.info(f"dbt build for analysis dates {dbt_vars['first_analysis_date']} .. {dbt_vars['last_analysis_date']}")
    yield from dbt.cli(["build", "--vars", json.dumps(dbt_vars)], context=context).stream()
