"""The Dagster code location: every module under `voter_platform/defs/`, collected by Dagster itself.

`load_from_defs_folder` imports each module of `defs/` and collects the assets, checks, jobs, schedules,
sensors and the resources it defines at module level, so a new asset or sensor in a domain package
needs no edit here (defs/resources.py holds the resources and the executor).

Importing this module writes nothing and starts no process: resources read the data directory from
`VOTER_PLATFORM_DATA` when a run or a sensor uses them, and the dbt manifest is prepared at set-up
(see defs/marts/project.py).

Reading order for a newcomer: a file dropped in <data>/landing is picked up by the landing sensor
(defs/ingest/sensors.py) and becomes rows in raw.voters (defs/ingest/assets.py); dbt turns raw rows
into marts (dbt/models/, wired in defs/marts/assets.py); the published asset copies marts to
Parquet (defs/publish/assets.py), which the dashboard (voter_platform/dashboard/) draws.
"""

import warnings

import dagster as dg

from voter_platform.settings import REPO_ROOT

# Backfill policies and pools are marked beta; they are the documented way to get single-run
# backfills and a single DuckDB writer, so the warning is noise in every log.
warnings.filterwarnings("ignore", category=dg.BetaWarning)
warnings.filterwarnings("ignore", category=dg.PreviewWarning)

defs = dg.load_from_defs_folder(project_root=REPO_ROOT)
