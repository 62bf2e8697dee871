"""Run the platform's jobs in this process against the Dagster instance, and summarize each run.

Runs land in the same instance the UI shows (DAGSTER_HOME), so a headless build is visible there.
"""

from __future__ import annotations

import dagster as dg

from voter_platform.cli.build import PartitionOutcome
from voter_platform.defs.automation.schedules import all_cycles_tags
from voter_platform.definitions import defs
from voter_platform.lib.reference import ELECTION_CYCLES

RAW_VOTERS_KEY = dg.AssetKey(["raw", "voters"])


def build_elections() -> PartitionOutcome:
    """Load every election cycle of the reference data in one run."""
    result = _execute("election_reference_job", tags=all_cycles_tags())
    return _summarize(f"elections {ELECTION_CYCLES[0]}–{ELECTION_CYCLES[-1]}", result)


def build_partition(partition_key: str) -> PartitionOutcome:
    """Ingest one snapshot date and rebuild and publish everything downstream of it."""
    return _summarize(partition_key, _execute("ingest_job", partition_key=partition_key))


# Step-level DEBUG events would drown the summary; warnings and failures still print.
_QUIET_LOGS = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


def _execute(job_name: str, **kwargs) -> dg.ExecuteInProcessResult:
    with dg.DagsterInstance.get() as instance:
        job = defs.resolve_job_def(job_name)
        return job.execute_in_process(instance=instance, raise_on_error=False, run_config=_QUIET_LOGS, **kwargs)


def _summarize(label: str, result: dg.ExecuteInProcessResult) -> PartitionOutcome:
    evaluations = result.get_asset_check_evaluations()
    failed = [evaluation for evaluation in evaluations if not evaluation.passed]
    errors = [evaluation for evaluation in failed if evaluation.severity == dg.AssetCheckSeverity.ERROR]
    voters_metadata = _materialization_metadata(result, RAW_VOTERS_KEY)
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
        failures=[_failure_message(event) for event in result.get_step_failure_events()],
    )


def _failure_message(event: dg.DagsterEvent) -> str:
    error = event.step_failure_data.error
    message = (error.message if error else "").strip()
    # Dagster prefixes user errors with the exception class; the text after it is what the user needs.
    return f"{event.step_key}: {message.removeprefix('dagster._core.definitions.events.Failure: ')}"


def _materialization_metadata(result: dg.ExecuteInProcessResult, key: dg.AssetKey) -> dict:
    for event in result.get_asset_materialization_events():
        if event.asset_key == key:
            return dict(event.materialization.metadata)
    return {}


def _int_value(value) -> int | None:
    if value is None:
        return None
    return int(getattr(value, "value", value))
