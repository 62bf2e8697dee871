"""Run the platform's jobs in this process against the Dagster instance, and summarize each run.

Runs land in the same instance the UI shows (DAGSTER_HOME), so a headless build is visible there.
"""

from __future__ import annotations

import logging
import sys

import dagster as dg

from voter_platform.cli.build import PartitionOutcome
from voter_platform.definitions import defs
from voter_platform.defs.elections.jobs import all_cycles_tags
from voter_platform.defs.failures import (
    FAILURE_PREFIX,
    error_texts,
    resource_failure_summary,
    resource_failures,
    step_failure_summary,
)
from voter_platform.defs.instance import ensure_warehouse_pool
from voter_platform.lib.reference import ELECTION_CYCLES

RAW_VOTERS_KEY = dg.AssetKey(["raw", "voters"])


def build_elections() -> PartitionOutcome:
    """Load every election cycle of the reference data in one run."""
    result = _execute("elections_job", tags=all_cycles_tags())
    return _summarize(f"elections {ELECTION_CYCLES[0]}–{ELECTION_CYCLES[-1]}", result)


def build_partition(partition_key: str) -> PartitionOutcome:
    """Ingest one snapshot date and rebuild and publish everything downstream of it."""
    return _summarize(partition_key, _execute("ingest_job", partition_key=partition_key))


# Dagster's console logger would print every step failure with its stack trace: it stays quiet, the run's
# warnings are printed as plain lines below and failures as sentences by the summary (cli/build.py).
_QUIET_LOGS = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}


def _execute(job_name: str, **kwargs) -> dg.ExecuteInProcessResult:
    with dg.DagsterInstance.get() as instance:
        ensure_warehouse_pool(instance)  # the same instance `make run` uses, with the same one-writer pool
        job = defs.resolve_job_def(job_name)
        result = job.execute_in_process(instance=instance, raise_on_error=False, run_config=_QUIET_LOGS, **kwargs)
        _print_warnings(instance, result.run_id)
        return result


def _print_warnings(instance: dg.DagsterInstance, run_id: str) -> None:
    """The warnings the run's steps logged (a file rejected, a date not published), one line each."""
    for entry in instance.all_logs(run_id):
        if entry.is_dagster_event or not logging.WARNING <= entry.level < logging.ERROR:
            continue
        print(f"warning: {entry.user_message}", file=sys.stderr)


def _summarize(label: str, result: dg.ExecuteInProcessResult) -> PartitionOutcome:
    evaluations = result.get_asset_check_evaluations()
    failed = [evaluation for evaluation in evaluations if not evaluation.passed]
    errors = [evaluation for evaluation in failed if evaluation.severity == dg.AssetCheckSeverity.ERROR]
    voters_metadata = _materialization_metadata(result, RAW_VOTERS_KEY)
    blocked = _blocked_dates(errors)
    return PartitionOutcome(
        partition=label,
        success=result.success,
        assets=len({event.asset_key for event in result.get_asset_materialization_events()}),
        checks_passed=len(evaluations) - len(failed),
        checks_warned=len(failed) - len(errors),
        checks_failed=len(errors),
        blocking_failed=sum(1 for evaluation in errors if evaluation.blocking),
        voters_loaded=_int_value(voters_metadata.get("dagster/row_count")),
        rows_quarantined=_int_value(voters_metadata.get("rows_quarantined")),
        # A blocked date is told by its own paragraph (lib/blocked.py), not as a step failure.
        failures=[
            _failure_message(event) for event in result.get_step_failure_events() if not _is_blocked_failure(event)
        ]
        + [
            # Resources start before any step (a warehouse that cannot be written): no step failed, the run did.
            f"starting the run: {resource_failure_summary(event)}"
            for event in resource_failures(result.all_events)
        ],
        blocked=blocked,
    )


def _blocked_dates(errors: list[dg.AssetCheckEvaluation]) -> dict[str, dict]:
    """The dates the raw asset reported blocked (quarantine over the threshold), from its check's metadata."""
    blocked: dict[str, dict] = {}
    for evaluation in errors:
        value = evaluation.metadata.get("blocked_dates")
        if value is not None:
            blocked.update(getattr(value, "value", value) or {})
    return blocked


def _is_blocked_failure(event: dg.DagsterEvent) -> bool:
    failure = event.step_failure_data.user_failure_data
    return failure is not None and "blocked_dates" in (failure.metadata or {})


def _failure_message(event: dg.DagsterEvent) -> str:
    """The step and the root cause in a sentence: the platform's own words (a Failure's description), led by a
    machine fault found anywhere in the error's chain (a full disk inside a DuckDB or dbt error), else the error."""
    summary = step_failure_summary(event)
    if summary:
        return f"{event.step_key}: {summary}"
    texts = error_texts(event.step_failure_data.error)
    # Dagster prefixes user errors with the exception class; the text after it is what the user needs.
    return f"{event.step_key}: {(texts[0] if texts else '').removeprefix(FAILURE_PREFIX)}"


def _materialization_metadata(result: dg.ExecuteInProcessResult, key: dg.AssetKey) -> dict:
    for event in result.get_asset_materialization_events():
        if event.asset_key == key:
            return dict(event.materialization.metadata)
    return {}


def _int_value(value) -> int | None:
    if value is None:
        return None
    return int(getattr(value, "value", value))
