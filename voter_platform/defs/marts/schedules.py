"""The marts of the new day, every day."""

import dagster as dg

from voter_platform.defs.marts.jobs import marts_job

# Shortly after midnight UTC the new day's partition exists (end_offset=1) and is built from the
# latest snapshots on or before it.
daily_marts_schedule = dg.build_schedule_from_partitioned_job(
    marts_job,
    name="daily_marts_schedule",
    hour_of_day=0,
    minute_of_hour=30,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Builds and publishes the marts for the new analysis date every day at 00:30 UTC.",
)
