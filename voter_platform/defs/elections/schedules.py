"""The election reference, reloaded every month."""

import dagster as dg

from voter_platform.defs.console import CONSOLE_RUN_CONFIG
from voter_platform.defs.elections.jobs import all_cycles_tags, elections_job


@dg.schedule(
    job=elections_job,
    cron_schedule="0 3 1 * *",
    execution_timezone="UTC",
    name="monthly_elections_schedule",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Reloads every election cycle of the reference data on the 1st of each month, in one run.",
)
def monthly_elections_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    return dg.RunRequest(
        run_key=f"elections-{context.scheduled_execution_time:%Y-%m}",
        tags=all_cycles_tags(),
        run_config=CONSOLE_RUN_CONFIG,  # failures told once on the console (defs/console.py)
    )
