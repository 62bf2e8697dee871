"""Time-based automation: marts every day, election reference every month."""

import dagster as dg

from voter_platform.defs.automation.jobs import election_reference_job, marts_job
from voter_platform.defs.console import CONSOLE_RUN_CONFIG
from voter_platform.lib.reference import ELECTION_CYCLES

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


@dg.schedule(
    job=election_reference_job,
    cron_schedule="0 3 1 * *",
    execution_timezone="UTC",
    name="monthly_election_reference_schedule",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Reloads every election cycle of the reference data on the 1st of each month, in one run.",
)
def monthly_election_reference_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    return dg.RunRequest(
        run_key=f"election-reference-{context.scheduled_execution_time:%Y-%m}",
        tags=all_cycles_tags(),
        run_config=CONSOLE_RUN_CONFIG,  # failures told once on the console (defs/console.py)
    )


def all_cycles_tags() -> dict[str, str]:
    """Run tags that make one run cover every election cycle (a single-run backfill)."""
    return {
        "dagster/asset_partition_range_start": ELECTION_CYCLES[0],
        "dagster/asset_partition_range_end": ELECTION_CYCLES[-1],
    }
