"""The Dagster code location: every asset, check, job, schedule, sensor and resource, in one place.

Reading order for a newcomer: a file dropped in <data>/landing is picked up by the landing sensor
(defs/ingest/sensors.py) and becomes rows in raw.voters (defs/ingest/assets.py); dbt turns raw rows
into marts (dbt/models/, wired in defs/transform/assets.py); the published asset copies marts to
Parquet (defs/publish/assets.py), which the dashboard (voter_platform/dashboard/) draws.
"""

import warnings

import dagster as dg

from voter_platform.settings import configure_environment

# Backfill policies and pools are marked beta; they are the documented way to get single-run
# backfills and a single DuckDB writer, so the warning is noise in every log.
warnings.filterwarnings("ignore", category=dg.BetaWarning)
warnings.filterwarnings("ignore", category=dg.PreviewWarning)

paths = configure_environment()

# dbt assets are built from the manifest, so it must exist before they are imported.
from voter_platform.defs.transform.project import prepare_manifest  # noqa: E402

prepare_manifest()

from voter_platform.defs.automation.jobs import election_reference_job, ingest_job, marts_job  # noqa: E402
from voter_platform.defs.automation.schedules import (  # noqa: E402
    daily_marts_schedule,
    monthly_election_reference_schedule,
)
from voter_platform.defs.elections.assets import election_reference_assets  # noqa: E402
from voter_platform.defs.ingest.assets import raw_assets  # noqa: E402
from voter_platform.defs.ingest.sensors import landing_sensor  # noqa: E402
from voter_platform.defs.operations import operations_definitions  # noqa: E402
from voter_platform.defs.publish.assets import published_snapshot  # noqa: E402
from voter_platform.defs.resources import build_resources  # noqa: E402
from voter_platform.defs.transform.assets import dbt_models  # noqa: E402

defs = dg.Definitions(
    assets=[*election_reference_assets, *raw_assets, dbt_models, published_snapshot],
    jobs=[ingest_job, marts_job, election_reference_job],
    schedules=[daily_marts_schedule, monthly_election_reference_schedule],
    sensors=[landing_sensor],
    resources=build_resources(paths),
    # Steps run one after another in the run's process: 2x faster start-up than a process per step,
    # and never two writers on the DuckDB file from the same run.
    executor=dg.in_process_executor,
)
defs = dg.Definitions.merge(
    defs, operations_definitions()
)  # alerts, freshness, dead runs, console (defs/operations.py)
