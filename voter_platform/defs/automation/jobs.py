"""The three jobs users and automation launch. Each job's partitions are those of the assets it selects (daily
analysis dates, election cycles): Dagster infers them."""

import dagster as dg

RAW_GROUP = "raw_voter_files"
ELECTION_GROUP = "election_reference"
MART_GROUPS = ("staging", "intermediate", "marts", "published")

# A dropped file: load its partition, then rebuild and publish the marts of that date. All dbt models
# are selected, not only those downstream of raw: some (the analysis dates, election results) read
# no raw table but every mart needs them.
ingest_job = dg.define_asset_job(
    "ingest_job",
    selection=dg.AssetSelection.groups(RAW_GROUP, *MART_GROUPS),
    description="Load the landing files of one snapshot date, then rebuild and publish its marts.",
)

# A new day without a new file: the marts still move (tiers and tenure depend on the date).
marts_job = dg.define_asset_job(
    "marts_job",
    selection=dg.AssetSelection.groups(*MART_GROUPS),
    description="Rebuild and publish the marts for an analysis date from the latest snapshots.",
)

election_reference_job = dg.define_asset_job(
    "election_reference_job",
    selection=dg.AssetSelection.groups(ELECTION_GROUP),
    description="Reload the vendored election results, turnout, calendar and registration tables.",
)
