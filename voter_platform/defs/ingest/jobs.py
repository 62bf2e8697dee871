"""The ingest job: a dropped file's snapshot date, from raw to published."""

import dagster as dg

from voter_platform.defs.ingest.assets import INGEST_GROUP
from voter_platform.defs.marts.translator import MARTS_GROUP
from voter_platform.defs.publish.assets import CHECKED_ON_A_CLOCK, PUBLISH_GROUP

# A dropped file: load its partition, then rebuild and publish the marts of that date. All dbt models
# are selected, not only those downstream of raw: some (the analysis dates, election results) read
# no raw table but every mart needs them.
ingest_job = dg.define_asset_job(
    "ingest_job",
    selection=dg.AssetSelection.groups(INGEST_GROUP, MARTS_GROUP, PUBLISH_GROUP) - CHECKED_ON_A_CLOCK,
    description="Load the landing files of one snapshot date, then rebuild and publish its marts.",
)
