"""Shared, expensive set-up for the mart tests: one private warehouse, two dbt runs through Dagster.

The warehouse lives in its own data directory (other areas' tests write the session one): the real
election reference is loaded by its Dagster assets, the raw tables get the hand-made snapshots of
raw_fixture.py. Then the marts job runs twice, as the platform would run it:

* `range_run`: a single-run backfill of 2026-11-02 .. 2026-11-13 (election day 2026-11-03, a new
  snapshot on 11-10, a rejected one on 11-12);
* `single_run`: the daily job for 2026-11-04 alone, afterwards - a rebuild of a past partition, for
  a date without any raw partition.

Mart rows are read back into pandas right after each run (DuckDB allows no reader while dbt writes).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from voter_platform.definitions import defs
from voter_platform.defs.elections.jobs import all_cycles_tags
from voter_platform.defs.resources import build_resources
from voter_platform.lib.warehouse_file import open_warehouse
from voter_platform.settings import DATA_ENV_VAR, DataPaths
from voter_platform_tests.test_marts.raw_fixture import write_raw_fixture

MARTS = (
    "voter_snapshot",
    "engagement_segments",
    "partisan_trends",
    "targeting_opportunities",
    "state_summary",
    "turnout_comparison",
    "voter_changes",
    "data_quality",
    "registration_trends",
    "roll_coverage",
)
RANGE_START, RANGE_END = "2026-11-02", "2026-11-13"
SINGLE_DATE = "2026-11-04"
_QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


@dataclass
class MartsRun:
    """A finished marts run and what it left in the warehouse."""

    result: dg.ExecuteInProcessResult
    marts: dict[str, pd.DataFrame]
    voters_as_of_date: pd.DataFrame

    def mart(self, name: str, analysis_date: str) -> pd.DataFrame:
        rows = self.marts[name]
        return rows[rows["analysis_date"] == pd.Timestamp(analysis_date)].reset_index(drop=True)


@dataclass
class MartsWarehouse:
    paths: DataPaths
    definitions: dg.Definitions
    # Kept, so a test can read a run's log in order (dbt's events against the step's own messages).
    instance: dg.DagsterInstance

    def run_marts_job(self, **kwargs) -> dg.ExecuteInProcessResult:
        job = self.definitions.resolve_job_def("marts_job")
        return job.execute_in_process(raise_on_error=False, run_config=_QUIET, instance=self.instance, **kwargs)

    def query(self, sql: str, parameters: list | None = None) -> pd.DataFrame:
        with open_warehouse(self.paths, read_only=True) as connection:
            return connection.execute(sql, parameters or []).df()

    def read_run(self, result: dg.ExecuteInProcessResult) -> MartsRun:
        marts = {name: self.query(f"select * from marts.{name} order by all") for name in MARTS}
        voters = self.query(
            "select analysis_date, cast(voter_key as varchar) as voter_key, source_id, state, federal_generals_missed,"
            " engagement_tier,"
            " registered_party, primary_ballot_party, age, birth_year, age_group"
            " from intermediate.int_voters_as_of_date order by all"
        )
        return MartsRun(result=result, marts=marts, voters_as_of_date=voters)


@pytest.fixture(scope="package")
def marts_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MartsWarehouse]:
    """A private data dir with the real election reference and the raw fixture loaded."""
    paths = DataPaths(Path(tmp_path_factory.mktemp("marts-data"))).ensure()
    previous = os.environ.get(DATA_ENV_VAR)
    # dbt (a subprocess) finds the warehouse through this variable; Dagster through the resources.
    os.environ[DATA_ENV_VAR] = str(paths.root)
    try:
        definitions = dg.Definitions(
            assets=list(defs.assets or []),
            jobs=list(defs.jobs or []),
            resources=build_resources(str(paths.root)),
            executor=dg.in_process_executor,
        )
        warehouse = MartsWarehouse(paths=paths, definitions=definitions, instance=dg.DagsterInstance.ephemeral())
        elections = definitions.resolve_job_def("elections_job").execute_in_process(
            tags=all_cycles_tags(), run_config=_QUIET
        )
        assert elections.success
        write_raw_fixture(paths)
        yield warehouse
    finally:
        if previous is None:
            os.environ.pop(DATA_ENV_VAR, None)
        else:
            os.environ[DATA_ENV_VAR] = previous


@pytest.fixture(scope="package")
def range_run(marts_warehouse: MartsWarehouse) -> MartsRun:
    """One single-run backfill over twelve analysis dates (how the UI launches a range)."""
    result = marts_warehouse.run_marts_job(
        tags={"dagster/asset_partition_range_start": RANGE_START, "dagster/asset_partition_range_end": RANGE_END}
    )
    assert result.success, "the range backfill failed"
    return marts_warehouse.read_run(result)


@pytest.fixture(scope="package")
def single_run(marts_warehouse: MartsWarehouse, range_run: MartsRun) -> MartsRun:
    """The daily job for one date already built by the range: a rebuild of a past partition."""
    result = marts_warehouse.run_marts_job(partition_key=SINGLE_DATE)
    assert result.success, "the single-date run failed"
    return marts_warehouse.read_run(result)
