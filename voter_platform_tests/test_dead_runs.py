"""A killed run no longer blocks the runs after it: its process is found dead and the run is failed with the
reason (which frees the warehouse pool). And dbt dies with the process that started it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import dagster as dg
import pytest

from voter_platform.defs.alerts.sensors import alerts_for_failed_run
from voter_platform.defs.dead_runs import fail_dead_runs, run_process
from voter_platform.lib.processes import is_alive
from voter_platform_tests.waiting import wait_until

LONG_RUN = textwrap.dedent(
    """
    import time
    import dagster as dg

    @dg.op
    def loads_for_a_long_time():
        time.sleep(300)

    @dg.job
    def long_job():
        loads_for_a_long_time()

    with dg.DagsterInstance.get() as instance:
        long_job.execute_in_process(instance=instance)
    """
)


@pytest.fixture
def dagster_home(tmp_path, monkeypatch):
    home = tmp_path / "dagster_home"
    home.mkdir()
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    return home


def test_a_killed_run_is_failed_with_the_reason(dagster_home):
    worker = subprocess.Popen([sys.executable, "-c", LONG_RUN], env=os.environ.copy())
    try:
        with dg.DagsterInstance.get() as instance:
            run = wait_until(
                lambda: next(
                    (r for r in instance.get_runs() if r.status == dg.DagsterRunStatus.STARTED),
                    None,
                ),
                120,
            )
            assert wait_until(lambda: run_process(instance, run.run_id), 120) == worker.pid
            assert fail_dead_runs(instance) == []  # alive: left alone
            worker.send_signal(signal.SIGKILL)
            # Not reaped yet (a zombie), then gone: dead either way.
            wait_until(lambda: not is_alive(worker.pid), 10)
            assert fail_dead_runs(instance) == [run.run_id]
            failed = instance.get_run_by_id(run.run_id)
            assert failed.status == dg.DagsterRunStatus.FAILURE
            [event] = instance.all_logs(run.run_id, of_type=dg.DagsterEventType.RUN_FAILURE)
            assert event.message.startswith(f"The run's process (pid {worker.pid}) is gone: it was killed")
            assert "the warehouse pool is free" in event.message
            assert fail_dead_runs(instance) == []  # told once
            # The failure alert tells it in the same words.
            [alert] = alerts_for_failed_run(failed, [], event.message, "http://ui")
            assert alert.kind == "run_failed" and alert.reason == event.message
            assert alert.run_url == f"http://ui/runs/{run.run_id}"
    finally:
        worker.kill()
        worker.wait()


PARENT_OF_DBT = textwrap.dedent(
    """
    import subprocess, sys, time
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from voter_platform.lib.dbt_child import exec_with_parent_death as e; e(['sleep', '300'])",
        ]
    )
    print(child.pid, flush=True)
    time.sleep(300)
    """
)


def test_the_dbt_launcher_dies_with_the_run_that_started_it():
    parent = subprocess.Popen([sys.executable, "-c", PARENT_OF_DBT], stdout=subprocess.PIPE, text=True)
    try:
        child = int(parent.stdout.readline())
        # The launcher has become `sleep` (the same process, as dbt would be).
        wait_until(lambda: Path(f"/proc/{child}/cmdline").read_text().split("\0")[0] == "sleep", 30)
        assert is_alive(child)
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        wait_until(lambda: not is_alive(child), 10)
    finally:
        parent.kill()


def test_the_platform_runs_dbt_through_the_launcher(tmp_path):
    from voter_platform.defs.resources import build_resources

    dbt = build_resources(str(tmp_path))["dbt"]
    assert dbt.dbt_executable.endswith("/voter-platform-dbt")
