"""The marts job: rebuild and publish the marts of an analysis date without a new file."""

import dagster as dg

from voter_platform.defs.marts.translator import MARTS_GROUP
from voter_platform.defs.publish.assets import CHECKED_ON_A_CLOCK, PUBLISH_GROUP

# A new day without a new file: the marts still move (tiers and tenure depend on the date).
marts_job = dg.define_asset_job(
    "marts_job",
    selection=dg.AssetSelection.groups(MARTS_GROUP, PUBLISH_GROUP) - CHECKED_ON_A_CLOCK,
    description="Rebuild and publish the marts for an analysis date from the latest snapshots.",
)
