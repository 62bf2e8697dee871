"""Runs whose process died: failed with a reason, so they stop holding the `warehouse` pool.

After `kill -9` of a run's process (or a crash, or a reboot), Dagster keeps the run STARTED forever: it holds the
`warehouse` pool's only slot and every later run stays QUEUED. Dagster's run monitoring cannot see it with the
local run launcher (it has no health check for local processes; it does enforce the start timeout set in
dagster.yaml). So the platform looks itself: every run in progress names its process in its RUN_START event; a
run whose process is gone (or is a zombie, or is another process with the same pid) is reported failed with a
sentence saying so. `dead_run_sensor` does it every minute and `voter-platform up` once at start-up; the failure
alert then tells the people on call.

Only for an instance whose runs all run on this machine (the default SQLite storage under DAGSTER_HOME): with a
shared Postgres storage a pid says nothing about another machine's runs, and nothing is marked.
"""

from __future__ import annotations

import logging

import dagster as dg

from voter_platform.lib.processes import is_alive

IN_PROGRESS = [dg.DagsterRunStatus.STARTED]


def _is_local(instance: dg.DagsterInstance) -> bool:
    return type(instance.run_storage).__name__ == "SqliteRunStorage"


def run_process(instance: dg.DagsterInstance, run_id: str) -> int | None:
    """The pid of the process that runs `run_id` (from its RUN_START event), None when it has not started."""
    records = instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.RUN_START, limit=1).records
    for record in records:
        event = record.event_log_entry.dagster_event
        if event is not None and event.pid:
            return int(event.pid)
    return None


def dead_run_message(pid: int) -> str:
    return (
        f"The run's process (pid {pid}) is gone: it was killed, crashed or the machine restarted while the run was "
        "in progress. The run is marked failed so that the warehouse pool is free for the runs waiting; nothing of "
        "an unfinished date was committed. Run the date again (its landing files are unchanged)."
    )


def fail_dead_runs(instance: dg.DagsterInstance, log: logging.Logger | None = None) -> list[str]:
    """Report every in-progress run whose process is gone as failed; returns their run ids."""
    if not _is_local(instance):
        return []
    failed = []
    for record in instance.get_run_records(filters=dg.RunsFilter(statuses=IN_PROGRESS)):
        run = record.dagster_run
        pid = run_process(instance, run.run_id)
        since = record.start_time
        if pid is None or is_alive(pid, since):
            continue
        message = dead_run_message(pid)
        instance.report_run_failed(run, message)
        failed.append(run.run_id)
        if log is not None:
            log.warning(f"Run {run.run_id} ({run.job_name}) marked failed: {message}")
    return failed


@dg.sensor(
    name="dead_run_sensor",
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Every minute: a run in progress whose process is gone (killed, crashed) is marked failed with the reason, "
        "so it no longer holds the warehouse pool."
    ),
)
def dead_run_sensor(context: dg.SensorEvaluationContext) -> dg.SkipReason:
    failed = fail_dead_runs(context.instance, context.log)
    return dg.SkipReason(f"{len(failed)} dead run(s) marked failed" if failed else "every run in progress is alive")
