"""The three jobs users and automation launch."""

import dagster as dg

from voter_platform.defs.partitions import analysis_date_partitions, election_cycle_partitions

RAW_GROUP = "raw_voter_files"
ELECTION_GROUP = "election_reference"
MART_GROUPS = ("staging", "intermediate", "marts", "published")
# The freshness of the published data (the only check on published_snapshot) is checked on a clock
# (defs/alerts/freshness.py), not by the runs that publish: a backfill of old dates would otherwise fail it.
NOT_IN_RUNS = dg.AssetSelection.checks_for_assets(dg.AssetKey("published_snapshot"))

# A dropped file: load its partition, then rebuild and publish the marts of that date. All dbt models
# are selected, not only those downstream of raw: some (the analysis dates, election results) read
# no raw table but every mart needs them.
ingest_job = dg.define_asset_job(
    "ingest_job",
    selection=dg.AssetSelection.groups(RAW_GROUP, *MART_GROUPS) - NOT_IN_RUNS,
    partitions_def=analysis_date_partitions,
    description="Load the landing files of one snapshot date, then rebuild and publish its marts.",
)

# A new day without a new file: the marts still move (tiers and tenure depend on the date).
marts_job = dg.define_asset_job(
    "marts_job",
    selection=dg.AssetSelection.groups(*MART_GROUPS) - NOT_IN_RUNS,
    partitions_def=analysis_date_partitions,
    description="Rebuild and publish the marts for an analysis date from the latest snapshots.",
)

election_reference_job = dg.define_asset_job(
    "election_reference_job",
    selection=dg.AssetSelection.groups(ELECTION_GROUP),
    partitions_def=election_cycle_partitions,
    description="Reload the vendored election results, turnout, calendar and registration tables.",
)
