"""The elections job: reload the vendored election reference, every cycle in one run."""

import dagster as dg

from voter_platform.defs.elections.assets import ELECTIONS_GROUP
from voter_platform.lib.reference import ELECTION_CYCLES

elections_job = dg.define_asset_job(
    "elections_job",
    selection=dg.AssetSelection.groups(ELECTIONS_GROUP),
    description="Reload the vendored election results, turnout, calendar and registration tables.",
)


def all_cycles_tags() -> dict[str, str]:
    """Run tags that make one run cover every election cycle (a single-run backfill)."""
    return {
        "dagster/asset_partition_range_start": ELECTION_CYCLES[0],
        "dagster/asset_partition_range_end": ELECTION_CYCLES[-1],
    }
