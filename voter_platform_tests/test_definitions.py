"""The code location loads, validates, and every asset is documented for the people using the UI."""

import json
import os
import subprocess
import sys
import tempfile
from datetime import UTC
from pathlib import Path

import dagster as dg
import pytest

from voter_platform.definitions import defs
from voter_platform.settings import REPO_ROOT


@pytest.fixture(scope="module")
def asset_graph():
    return defs.resolve_asset_graph()


def test_definitions_are_loadable():
    dg.Definitions.validate_loadable(defs)


def test_dg_check_defs_validates_the_code_location():
    result = subprocess.run(
        [str(Path(sys.executable).parent / "dg"), "check", "defs"],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "All definitions loaded successfully" in result.stdout + result.stderr


# Run in a fresh interpreter: an audit hook (PEP 578) sees every file opened for writing, every folder
# made, every rename or copy, every environment change and every process started while
# `voter_platform.definitions` is imported. The libraries are imported first, unwatched: what they do
# on import (dagster's vendored croniter runs `file` to learn the architecture, numpy and pyarrow set
# environment variables) is theirs, not the platform's.
_IMPORT_WATCHER = """
import json, sys
import dagster, dagster_dbt, dagster_duckdb, dagster_duckdb_pandas, duckdb, pandas, pandera, polars, pyarrow
WRITE = ("w", "a", "x", "+")
seen = []
def watch(event, args):
    if event == "open" and args[1] is not None and any(flag in str(args[1]) for flag in WRITE):
        seen.append([event, str(args[0])])
    elif event == "open" and isinstance(args[2], int) and args[2] & 0o3:  # os.open: O_WRONLY or O_RDWR
        seen.append([event, str(args[0])])
    elif event in ("os.mkdir", "os.rename", "os.link", "os.symlink", "shutil.copyfile", "os.putenv", "os.unsetenv"):
        seen.append([event, str(args[0])])
    elif event in ("subprocess.Popen", "os.system", "os.posix_spawn", "os.exec", "os.fork", "os.forkpty"):
        seen.append([event, str(args[0] if args else "")])
sys.addaudithook(watch)
import voter_platform.definitions
print("WATCHED " + json.dumps(seen))
"""


def test_importing_the_definitions_writes_nothing_and_starts_no_process(tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    environment = {**os.environ, "VOTER_PLATFORM_DATA": str(data_dir), "PYTHONDONTWRITEBYTECODE": "1"}
    environment.pop("DAGSTER_HOME", None)
    result = subprocess.run(
        [sys.executable, "-c", _IMPORT_WATCHER],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=environment,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    [line] = [line for line in result.stdout.splitlines() if line.startswith("WATCHED ")]
    # Writes to /dev/null (a library silencing a stream) or the temporary folder of an import are not
    # the platform's; anything else is.
    side_effects = [
        (event, target)
        for event, target in json.loads(line.removeprefix("WATCHED "))
        if not (target == "/dev/null" or target.startswith(tempfile.gettempdir() + "/tmp"))
    ]
    assert side_effects == []
    assert list(data_dir.iterdir()) == []
    assert sorted(path.name for path in tmp_path.iterdir()) == ["data"]


def test_every_asset_has_a_group_a_description_and_kinds(asset_graph):
    undocumented = []
    for key in asset_graph.get_all_asset_keys():
        node = asset_graph.get(key)
        if node.is_external:
            continue
        if not node.group_name or not (node.description or "").strip() or not node.kinds:
            undocumented.append(key.to_user_string())
    assert undocumented == []


def test_schedules_run_daily_marts_and_monthly_reference():
    daily = defs.resolve_schedule_def("daily_marts_schedule")
    monthly = defs.resolve_schedule_def("monthly_elections_schedule")
    assert (daily.cron_schedule, daily.execution_timezone) == ("30 0 * * *", "UTC")
    assert (monthly.cron_schedule, monthly.execution_timezone) == ("0 3 1 * *", "UTC")
    assert daily.job_name == "marts_job" and monthly.job_name == "elections_job"
    assert daily.default_status == monthly.default_status == dg.DefaultScheduleStatus.RUNNING


def test_daily_schedule_builds_the_new_day():
    from datetime import datetime

    schedule = defs.resolve_schedule_def("daily_marts_schedule")
    context = dg.build_schedule_context(scheduled_execution_time=datetime(2026, 11, 4, 0, 30, tzinfo=UTC))
    requests = schedule.evaluate_tick(context).run_requests
    assert [request.partition_key for request in requests] == ["2026-11-04"]


def test_monthly_schedule_reloads_every_cycle_in_one_run():
    from datetime import datetime

    schedule = defs.resolve_schedule_def("monthly_elections_schedule")
    context = dg.build_schedule_context(scheduled_execution_time=datetime(2026, 12, 1, 3, tzinfo=UTC))
    [request] = schedule.evaluate_tick(context).run_requests
    assert request.partition_key_range == dg.PartitionKeyRange("1976", "2030")


def test_warehouse_writers_share_the_single_writer_pool(asset_graph):
    from voter_platform.defs.resources import WAREHOUSE_POOL

    for key in asset_graph.get_all_asset_keys():
        node = asset_graph.get(key)
        if node.is_external:
            continue
        assert node.assets_def.op.pool == WAREHOUSE_POOL, key.to_user_string()
