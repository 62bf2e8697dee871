"""The code location loads, validates, and every asset is documented for the people using the UI."""

import subprocess
import sys

import dagster as dg
import pytest

from voter_platform.definitions import defs
from voter_platform.settings import REPO_ROOT


@pytest.fixture(scope="module")
def asset_graph():
    return defs.resolve_asset_graph()


def test_definitions_are_loadable():
    dg.Definitions.validate_loadable(defs)


def test_dagster_cli_validates_the_workspace():
    result = subprocess.run(
        [sys.executable, "-m", "dagster", "definitions", "validate", "-w", str(REPO_ROOT / "workspace.yaml")],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Validation successful" in result.stdout + result.stderr


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
    schedules = {schedule.name: schedule for schedule in defs.schedules}
    daily = schedules["daily_marts_schedule"]
    monthly = schedules["monthly_elections_schedule"]
    assert (daily.cron_schedule, daily.execution_timezone) == ("30 0 * * *", "UTC")
    assert (monthly.cron_schedule, monthly.execution_timezone) == ("0 3 1 * *", "UTC")
    assert daily.job_name == "marts_job" and monthly.job_name == "elections_job"
    assert daily.default_status == monthly.default_status == dg.DefaultScheduleStatus.RUNNING


def test_daily_schedule_builds_the_new_day():
    from datetime import datetime, timezone

    schedule = defs.resolve_schedule_def("daily_marts_schedule")
    context = dg.build_schedule_context(scheduled_execution_time=datetime(2026, 11, 4, 0, 30, tzinfo=timezone.utc))
    requests = schedule.evaluate_tick(context).run_requests
    assert [request.partition_key for request in requests] == ["2026-11-04"]


def test_monthly_schedule_reloads_every_cycle_in_one_run():
    from datetime import datetime, timezone

    schedule = defs.resolve_schedule_def("monthly_elections_schedule")
    context = dg.build_schedule_context(scheduled_execution_time=datetime(2026, 12, 1, 3, tzinfo=timezone.utc))
    [request] = schedule.evaluate_tick(context).run_requests
    assert request.partition_key_range == dg.PartitionKeyRange("1976", "2030")


def test_warehouse_writers_share_the_single_writer_pool(asset_graph):
    from voter_platform.defs.resources import WAREHOUSE_POOL

    for key in asset_graph.get_all_asset_keys():
        node = asset_graph.get(key)
        if node.is_external:
            continue
        assert node.assets_def.op.pool == WAREHOUSE_POOL, key.to_user_string()
