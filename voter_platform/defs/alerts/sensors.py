"""The failure alert: one message for every run of the platform that fails, through the configured channels.

A run that failed because a date was blocked (a blocking check failed: too many records quarantined, so the date
will not publish) is told as a blocked-date alert, one per blocked date, with the file, its quarantine rate, the
top reasons and what to do. Any other failed run is told as a run failure: its job and date, the files the
landing sensor listed for it, the reason the platform wrote (a Failure's description, or the root cause of a
machine fault), what to do and the link to the run. A run is told once: the sensor's cursor moves past it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import dagster as dg

from voter_platform.defs.alerts.channels import AlertChannels, send_alert
from voter_platform.defs.failures import resource_failure_summary, step_failure_summary
from voter_platform.lib.alerts import Alert, blocked_date_alert, blocking_check_alert, run_failed_alert
from voter_platform.lib.causes import root_cause

RAW_OP_NAME = "raw_voter_files"
FAILURE_SENSOR_NAME = "failure_alert_sensor"
# Failures whose description is not the platform's own words but quotes another program's errors.
QUOTING_ERRORS = ("DagsterDbtCliRuntimeError",)


def _value(metadata_value: Any) -> Any:
    return getattr(metadata_value, "value", metadata_value)


def _files_of(run: dg.DagsterRun) -> list[str]:
    """The landing files the run was asked to load (the landing sensor lists them in the run config)."""
    config = ((run.run_config or {}).get("ops") or {}).get(RAW_OP_NAME) or {}
    return [str(name) for name in (config.get("config") or {}).get("files") or []]


def _partition_of(run: dg.DagsterRun) -> str | None:
    tags = run.tags or {}
    if tags.get("dagster/partition"):
        return tags["dagster/partition"]
    start, end = tags.get("dagster/asset_partition_range_start"), tags.get("dagster/asset_partition_range_end")
    if start and end:
        return start if start == end else f"{start} .. {end}"
    return None


def step_failure_reason(event: dg.DagsterEvent) -> str:
    """What failed in a step, in words that carry no value from a file: the platform's own description and a
    machine fault's root cause (lib/causes.py); an exception the platform did not word is named by its kind."""
    summary = step_failure_summary(event)
    error = event.step_failure_data.error
    if summary and error is not None and error.cls_name in QUOTING_ERRORS:
        # dbt's own words include the database's errors, which may quote a value of a row: blanked.
        summary = re.sub(r"(['\"]).*?\1", r"\1…\1", summary)
    if summary:
        return f"{event.step_key}: {summary}"
    return (
        f"{event.step_key} raised {error.cls_name if error else 'an error'}; its text is not copied here (it may "
        "quote a value from a voter file): the run's log has it."
    )


def _is_blocking_check_failure(event: dg.DagsterEvent) -> bool:
    """Dagster's failure of a step whose blocking checks failed (its text: asset keys and check names only)."""
    error = event.step_failure_data.error
    return error is not None and error.cls_name == "DagsterAssetCheckFailedError"


def blocked_dates_of(events: list[dg.DagsterEvent]) -> dict[str, Mapping[str, Any]]:
    """The dates a failed run reports blocked (the raw step fails with them in its metadata)."""
    blocked: dict[str, Mapping[str, Any]] = {}
    for event in events:
        failure = event.step_failure_data.user_failure_data
        if failure is not None and "blocked_dates" in (failure.metadata or {}):
            blocked.update(_value(failure.metadata["blocked_dates"]) or {})
    return blocked


def alerts_for_failed_run(
    run: dg.DagsterRun,
    step_failures: list[dg.DagsterEvent],
    run_failure_message: str | None,
    ui_base_url: str | None,
    resource_failures: list[dg.DagsterEvent] = (),
) -> list[Alert]:
    """The messages a failed run deserves: one per blocked date when that is why it failed, else one."""
    blocked = blocked_dates_of(step_failures)
    other_failures = [
        event
        for event in step_failures
        if not (
            event.step_failure_data.user_failure_data
            and "blocked_dates" in event.step_failure_data.user_failure_data.metadata
        )
    ]
    if blocked and not other_failures:
        return [
            blocked_date_alert(day, entry, run_id=run.run_id, ui_base_url=ui_base_url)
            for day, entry in sorted(blocked.items())
        ]
    checks = [event for event in other_failures if _is_blocking_check_failure(event)]
    if checks and len(checks) == len(other_failures):
        # A blocking check after the raw load (a dbt test of error severity): the date will not publish either.
        failed = "\n".join(event.step_failure_data.error.message.split(": ", 1)[-1].strip() for event in checks)
        return [blocking_check_alert(_partition_of(run), failed, run_id=run.run_id, ui_base_url=ui_base_url)]
    reasons = [step_failure_reason(event) for event in step_failures]
    reasons += [f"starting the run: {resource_failure_summary(event)}" for event in resource_failures]
    if not reasons:
        # No step failed: the run itself did (its process died, it was marked failed at start-up, ...).
        message = run_failure_message or "the run failed before any step did"
        reasons = [root_cause(message) or message]
    return [
        run_failed_alert(
            job_name=run.job_name,
            run_id=run.run_id,
            partition=_partition_of(run),
            files=_files_of(run),
            reason="\n".join(reasons),
            ui_base_url=ui_base_url,
        )
    ]


@dg.run_failure_sensor(
    name=FAILURE_SENSOR_NAME,
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=30,
    description=(
        "Sends one message for every failed run (a blocked date is told as such) to Slack and/or e-mail as "
        "configured by environment (README: Alerts); with none configured, to the log only."
    ),
)
def failure_alert_sensor(context: dg.RunFailureSensorContext) -> None:
    channels = AlertChannels.from_env()
    run = context.dagster_run
    alerts = alerts_for_failed_run(
        run,
        list(context.get_step_failure_events()),
        context.failure_event.message,
        channels.dagster_ui_url,
        [
            entry.dagster_event
            for entry in context.instance.all_logs(run.run_id, of_type=dg.DagsterEventType.RESOURCE_INIT_FAILURE)
        ],
    )
    for alert in alerts:
        send_alert(alert, channels, context.log)
