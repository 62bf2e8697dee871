"""Machine faults said in a sentence: a full disk, a warehouse that cannot be written, a lock another process holds.
Only the lock is worth a retry."""

from __future__ import annotations

import errno
import os
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from voter_platform.defs.failures import resource_failure_summary, resource_failures, step_failure_summary
from voter_platform.defs.ingest.assets import raw_voter_files
from voter_platform.defs.resources import build_resources
from voter_platform.lib.causes import (
    WarehouseNotWritable,
    check_writable,
    failure_summary,
    is_transient,
    root_cause,
)
from voter_platform.settings import DataPaths


@contextmanager
def read_only(path: Path):
    """The file cannot be written by this process: chmod for a user, the immutable attribute for root (whom file
    modes do not stop)."""
    if os.geteuid() == 0:
        subprocess.run(["chattr", "+i", str(path)], check=True)
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(path)], check=True)
    else:
        path.chmod(0o444)
        try:
            yield
        finally:
            path.chmod(0o644)


def test_a_full_disk_is_found_in_a_library_error_and_its_chain():
    wrapped = RuntimeError("dbt build failed")
    wrapped.__cause__ = duckdb.IOException(
        'IO Error: Could not write file "/data/warehouse/x.duckdb.wal": No space left on device'
    )
    assert root_cause(wrapped).startswith("No space left on device (/data/warehouse/x.duckdb.wal): the disk")
    assert root_cause(OSError(errno.ENOSPC, "No space left on device", "/data/published/x.parquet")).startswith(
        "No space left on device (/data/published/x.parquet)"
    )
    assert not is_transient(wrapped)


def test_the_summary_leads_with_the_cause_hidden_in_dbt_log_lines():
    description = (
        "The dbt CLI process with command\n\n`dbt build`\n\nfailed with exit code `2`.\n\n"
        "Errors parsed from dbt logs:\n"
        'IO Error: Could not write file "/d/w.duckdb": No space left on device'
    )
    summary = failure_summary(description, [])
    assert summary.splitlines()[0].startswith("No space left on device (/d/w.duckdb): the disk holding the data")
    assert summary.endswith(description)
    # The platform's own words that already say it are not repeated.
    said = "The warehouse cannot be written: " + root_cause(PermissionError(errno.EACCES, "Permission denied", "/w"))
    assert failure_summary(said, ["Permission denied"]) == said


def test_only_a_lock_is_transient():
    lock = duckdb.IOException(
        'IO Error: Could not set lock on file "/d/w.duckdb": Conflicting lock is held in /usr/bin/python3 (PID 42)'
    )
    assert is_transient(lock)
    assert root_cause(lock).startswith("The warehouse is locked by another process (/d/w.duckdb)")
    assert not is_transient(PermissionError(errno.EACCES, "Permission denied", "/d/w.duckdb"))
    assert not is_transient(ValueError("line 3: wrong_field_count"))


def test_a_read_only_warehouse_is_said_in_a_sentence(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    duckdb.connect(str(warehouse)).close()
    check_writable(warehouse)  # writable: nothing to say
    with read_only(warehouse), pytest.raises(WarehouseNotWritable) as error:
        check_writable(warehouse)
    assert str(error.value).startswith(f"Permission denied ({warehouse})")
    assert "Give the user running it write access" in str(error.value)


def test_a_read_only_warehouse_fails_the_run_at_once_and_is_not_retried(tmp_path, monkeypatch):
    """dagster-duckdb retries a failed connect for ~17 minutes; the check before it fails in seconds, with the cause."""
    monkeypatch.setenv("VOTER_PLATFORM_DATA", str(tmp_path))
    paths = DataPaths(tmp_path)
    paths.landing.mkdir(parents=True)
    paths.warehouse_dir.mkdir(parents=True)
    warehouse = paths.warehouse
    duckdb.connect(str(warehouse)).close()
    with read_only(warehouse):
        started = time.monotonic()
        result = dg.materialize(
            [raw_voter_files],
            resources=build_resources(str(tmp_path)),
            partition_key="2025-10-06",
            raise_on_error=False,
        )
        elapsed = time.monotonic() - started
    assert not result.success and elapsed < 30
    step_failures = result.get_step_failure_events()
    summaries = [step_failure_summary(event) for event in step_failures] + [
        resource_failure_summary(event) for event in resource_failures(result.all_events)
    ]
    assert len(summaries) == 1
    assert summaries[0].startswith(f"The warehouse cannot be written: Permission denied ({warehouse})")
    retries = [event for event in result.all_events if event.event_type == dg.DagsterEventType.STEP_UP_FOR_RETRY]
    assert retries == []
