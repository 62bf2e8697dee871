"""The two partitionings of the platform.

Voter data is partitioned by *analysis date*: a raw partition holds the snapshots whose as-of date is
that day, and a mart partition describes the roll as of that day. `end_offset=1` makes today a
partition, so a file dated today can be loaded today.

Election reference data is partitioned by *election cycle*: the even years 1976–2030.
"""

import dagster as dg

from voter_platform.lib.reference import ELECTION_CYCLES

FIRST_ANALYSIS_DATE = "2016-01-01"

analysis_date_partitions = dg.DailyPartitionsDefinition(start_date=FIRST_ANALYSIS_DATE, end_offset=1)
# How a file dated outside the partitions is told: the sensor and `voter-platform build` say the same.
ANALYSIS_DATES_TEXT = f"the analysis dates ({FIRST_ANALYSIS_DATE} .. today)"

election_cycle_partitions = dg.StaticPartitionsDefinition(ELECTION_CYCLES)
