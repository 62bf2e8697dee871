"""Only transient faults are retried: a warehouse lock another process holds, a landing file still being written.
A rejected file, a permission, a full disk or a bug fails at once, with its cause in a sentence."""

from __future__ import annotations

import errno
from datetime import date

import dagster as dg
import duckdb
import pytest

from voter_platform.defs.retries import TRANSIENT_RETRY_POLICY, retry_only_transient
from voter_platform.lib.causes import FileStillBeingWritten, is_transient
from voter_platform.lib.ingest import InputFile, ingest_partition
from voter_platform.lib.ingest.formats import CANONICAL_VOTER_HEADER
from voter_platform_tests.test_ingest.conftest import ingest, rows
from voter_platform_tests.test_ingest.defect_files import canonical_voter

LOCKED = duckdb.IOException(
    'IO Error: Could not set lock on file "/d/voter_platform.duckdb": Conflicting lock is held in python (PID 7)'
)


def _run(first_error: BaseException) -> tuple[dg.ExecuteInProcessResult, list[int]]:
    """An asset that raises `first_error` on its first attempt and succeeds on the next."""
    attempts: list[int] = []

    @dg.asset(retry_policy=dg.RetryPolicy(max_retries=2, delay=0))
    @retry_only_transient
    def flaky(context):
        attempts.append(context.retry_number)
        if len(attempts) == 1:
            raise first_error
        yield dg.MaterializeResult()

    return dg.materialize([flaky], raise_on_error=False), attempts


def _retries(result: dg.ExecuteInProcessResult) -> int:
    return sum(1 for event in result.all_events if event.event_type == dg.DagsterEventType.STEP_UP_FOR_RETRY)


@pytest.mark.parametrize(
    "error",
    [LOCKED, FileStillBeingWritten("voters_NC_2026-11-20.csv changed while it was read (10 → 20 bytes)")],
    ids=["locked warehouse", "file still being written"],
)
def test_a_transient_fault_is_retried_and_the_run_succeeds(error):
    result, attempts = _run(error)
    assert result.success and attempts == [0, 1] and _retries(result) == 1


@pytest.mark.parametrize(
    "error, said",
    [
        (dg.Failure(description="voters_NC.csv: unknown_format: line 1 is not a header"), "unknown_format"),
        (PermissionError(errno.EACCES, "Permission denied", "/d/voter_platform.duckdb"), "Permission denied ("),
        (OSError(errno.ENOSPC, "No space left on device", "/d/x.wal"), "No space left on device ("),
        (ValueError("Could not convert string 'Zebulon' to DATE"), "ValueError: Could not convert string '…' to DATE"),
    ],
    ids=["rejected file", "permission", "disk full", "a bug"],
)
def test_a_permanent_error_fails_at_once_with_its_cause(error, said):
    result, attempts = _run(error)
    assert not result.success and attempts == [0] and _retries(result) == 0
    [failure] = result.get_step_failure_events()
    description = failure.step_failure_data.user_failure_data.description
    assert said in description and "Zebulon" not in description


def test_the_warehouse_writers_carry_the_policy():
    from voter_platform.defs.ingest.assets import raw_voter_files
    from voter_platform.defs.marts.assets import dbt_models

    assert raw_voter_files.op.retry_policy == TRANSIENT_RETRY_POLICY
    assert dbt_models.op.retry_policy == TRANSIENT_RETRY_POLICY


def test_a_file_that_changes_while_it_is_read_is_not_loaded_and_is_transient(warehouse, landing):
    day = date(2026, 11, 20)
    path = landing / f"voters_NC_{day}.csv"
    lines = [",".join(CANONICAL_VOTER_HEADER)] + [
        ",".join(canonical_voter(number, day)[column] for column in CANONICAL_VOTER_HEADER) for number in range(1, 6)
    ]
    path.write_text("\n".join(lines) + "\n")

    def writer_goes_on():
        with path.open("a") as file:
            file.write(",".join(canonical_voter(6, day)[column] for column in CANONICAL_VOTER_HEADER) + "\n")

    with pytest.raises(FileStillBeingWritten, match=f"{path.name} changed while it was read") as error:
        ingest_partition(warehouse, day, [InputFile(path)], run_id="test", before_commit=writer_goes_on)
    assert is_transient(error.value)
    assert rows(warehouse, "select count(*) from raw.voters") == [(0,)]
    # The next attempt, with the file complete, loads all six.
    assert ingest(warehouse, [path], day).snapshots[0].voters_loaded == 6
