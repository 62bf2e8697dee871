"""The dbt models as Dagster sees them: partitions, checks, metadata, schedule, failure modes."""

import json
from datetime import UTC, datetime

import dagster as dg
import duckdb
import pytest

from voter_platform.definitions import defs
from voter_platform.defs.marts.assets import BUILD_TARGET_PATH, dbt_models, partition_window, prepare_warehouse
from voter_platform.defs.marts.project import dbt_project
from voter_platform.lib.warehouse_file import open_warehouse
from voter_platform_tests.test_marts.conftest import MARTS, RANGE_END, RANGE_START, MartsRun, MartsWarehouse
from voter_platform_tests.test_marts.raw_fixture import SNAPSHOT_COLUMNS

MANIFEST = json.loads(dbt_project.manifest_path.read_text())


def _materializations(run: MartsRun) -> dict[dg.AssetKey, dg.AssetMaterialization]:
    return {event.asset_key: event.materialization for event in run.result.get_asset_materialization_events()}


def test_a_range_backfill_is_one_run_over_every_date(range_run: MartsRun):
    partitions = {
        event.materialization.partition
        for event in range_run.result.get_asset_materialization_events()
        if event.asset_key == dg.AssetKey(["marts", "voter_snapshot"])
    }
    assert partitions == {f"2026-11-{day:02d}" for day in range(2, 14)}
    assert sorted(range_run.marts["voter_snapshot"]["analysis_date"].dt.strftime("%Y-%m-%d").unique()) == sorted(
        partitions
    )


def _observations(run: MartsRun) -> dict[dg.AssetKey, dg.AssetObservation]:
    return {
        event.asset_key: event.event_specific_data.asset_observation
        for event in run.result.all_events
        if event.event_type_value == "ASSET_OBSERVATION"
    }


def test_models_materialize_one_by_one_while_dbt_runs(marts_warehouse: MartsWarehouse, range_run: MartsRun):
    """dbt's events are streamed: every model is materialized in the run's log before the step notes that
    dbt has exited (a step that collected them first would log that note before any of them)."""
    log = marts_warehouse.instance.all_logs(range_run.result.run_id)
    [dbt_exited] = [index for index, entry in enumerate(log) if entry.user_message.startswith("dbt build took")]
    models = [
        index
        for index, entry in enumerate(log)
        if entry.is_dagster_event
        and entry.dagster_event.event_type_value == "ASSET_MATERIALIZATION"
        and entry.dagster_event.asset_key.path[0] in ("staging", "intermediate", "marts")
    ]
    assert len(models) > 30 and all(index < dbt_exited for index in models)


def test_the_run_row_count_and_schema_of_each_mart_are_observed_once_dbt_exits(range_run: MartsRun):
    observations = _observations(range_run)
    for mart in MARTS:
        metadata = observations[dg.AssetKey(["marts", mart])].metadata
        assert metadata["dagster/row_count"].value == len(range_run.marts[mart]), mart
        assert metadata["analysis_dates"].value == f"{RANGE_START} .. {RANGE_END}"
        schema_columns = [column.name for column in metadata["dagster/column_schema"].schema.columns]
        contract_columns = list(MANIFEST["nodes"][f"model.voter_platform.{mart}"]["columns"])
        assert schema_columns == contract_columns, mart
    voters = observations[dg.AssetKey(["intermediate", "int_voters_as_of_date"])].metadata
    assert voters["dagster/row_count"].value == len(range_run.voters_as_of_date)


def test_every_dbt_data_test_ran_as_a_check_and_unit_tests_are_left_to_ci(range_run: MartsRun):
    evaluations = {e.asset_check_key: e for e in range_run.result.get_asset_check_evaluations()}
    assert set(evaluations) == set(dbt_models.check_keys)
    assert all(evaluation.passed for evaluation in evaluations.values())
    # dbt's unit tests run in `make test` (test_dbt_cli.py), not in every production build.
    unit_test_names = {test["name"] for test in MANIFEST["unit_tests"].values()}
    assert len(unit_test_names) >= 13 and not unit_test_names & {key.name for key in evaluations}
    specs = {(spec.asset_key.to_user_string(), spec.name): spec for spec in dbt_models.check_specs}
    assert specs[("marts/voter_snapshot", "voter_snapshot_voters_reconcile_with_the_roll")].blocking


def test_the_daily_job_builds_a_date_without_any_raw_partition(marts_warehouse: MartsWarehouse, single_run: MartsRun):
    snapshots = marts_warehouse.query("select strftime(partition_date, '%Y-%m-%d') as day from raw.snapshots")
    snapshot_dates = set(snapshots["day"])
    assert "2026-11-04" not in snapshot_dates
    assert {m.partition for m in _materializations(single_run).values()} == {"2026-11-04"}
    assert single_run.mart("voter_snapshot", "2026-11-04")["voters"].sum() == 18


def test_a_run_for_another_date_keeps_the_dbt_parse(single_run: MartsRun):
    """The analysis window reaches dbt as environment variables, not --vars, and every build uses one
    target folder: the parse state of the range run (a different window) is still valid, so dbt does
    not re-parse the project."""
    [invocation_id] = {
        materialization.metadata["invocation_id"].value
        for materialization in _materializations(single_run).values()
        if "invocation_id" in materialization.metadata  # the dbt models' (not published_snapshot's)
    }
    # dbt rotates its log at 10 MB: the build's first events (the parse) may be in dbt.log.1 already.
    logs = sorted((dbt_project.project_dir / BUILD_TARGET_PATH).glob("dbt.log*"))
    events = [json.loads(line) for log in logs for line in log.read_text().splitlines() if line.startswith("{")]
    codes = {event["info"]["code"] for event in events if event["info"]["invocation_id"] == invocation_id}
    assert "I024" not in codes  # UnableToPartialParse
    assert "I040" in codes  # PartialParsingEnabled


def test_the_daily_schedule_requests_the_new_date_of_marts_job():
    # The schedule's partitions are its job's, which are its assets': known once the definitions resolve it.
    daily_marts_schedule = defs.resolve_schedule_def("daily_marts_schedule")
    context = dg.build_schedule_context(scheduled_execution_time=datetime(2026, 11, 5, 0, 30, tzinfo=UTC))
    [request] = daily_marts_schedule.evaluate_tick(context).run_requests
    assert daily_marts_schedule.job_name == "marts_job"
    assert request.partition_key == "2026-11-05"


def test_the_dbt_assets_refuse_to_run_without_a_partition():
    with pytest.raises(dg.Failure, match="partitioned by analysis date"):
        partition_window(dg.build_asset_context())


def test_dbt_needs_the_election_reference_loaded(tmp_path):
    with duckdb.connect(str(tmp_path / "empty.duckdb")) as connection:
        with pytest.raises(dg.Failure, match="elections_job"):
            prepare_warehouse(connection)
        # The raw tables are created, so a new installation gets empty marts rather than errors.
        assert connection.execute("select count(*) from raw.snapshots").fetchone() == (0,)


def test_every_asset_has_a_description_and_kinds():
    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        if not node.is_materializable:
            continue  # raw/* are the ingest's assets, external here
        assert node.description, key
        assert node.kinds, key


def test_a_failing_error_test_blocks_what_is_downstream(marts_warehouse: MartsWarehouse, single_run: MartsRun):
    # history_coverage 'sometimes' is outside the vocabulary: an error-severity test on stg_snapshots fails.
    bad = (
        f"insert into raw.snapshots ({SNAPSHOT_COLUMNS}) "
        "values ('broken:XX', date '2026-11-01', 'canonical', null, null,"
        " 'sometimes', 1, 0, 0, 0.0, true, null, timestamp '2026-11-01 00:00:00')"
    )
    with open_warehouse(marts_warehouse.paths) as connection:
        connection.execute(bad)
    try:
        stg_snapshots = dg.AssetKey(["staging", "stg_snapshots"])
        downstream = dg.AssetKey(["intermediate", "int_snapshots_as_of_date"])
        result = marts_warehouse.run_marts_job(partition_key="2026-11-04", asset_selection=[stg_snapshots, downstream])
    finally:
        with open_warehouse(marts_warehouse.paths) as connection:
            connection.execute("delete from raw.snapshots where source_id = 'broken:XX'")
    assert not result.success
    failed = [evaluation for evaluation in result.get_asset_check_evaluations() if not evaluation.passed]
    assert [(e.asset_key, e.blocking) for e in failed] == [(stg_snapshots, True)]
    # The check says which rule broke and shows the offending value.
    assert failed[0].check_name == "stg_snapshots_valid_values"
    failing_rows = failed[0].metadata["failing_rows"].value
    assert "| history_coverage in (per_election, last_vote_only, none) | 1 | sometimes |" in failing_rows
    assert downstream not in {event.asset_key for event in result.get_asset_materialization_events()}


@pytest.mark.filterwarnings("ignore::dagster.BetaWarning")  # backfill_policy, as in definitions.py
def test_marts_are_not_built_when_the_raw_partition_failed_its_blocking_check(marts_warehouse: MartsWarehouse):
    """In an ingest run the raw asset and the marts run together: a failed blocking check on the
    raw partition (the ingest's quarantine threshold, say) must stop every dbt model."""
    from voter_platform.defs.partitions import analysis_date_partitions
    from voter_platform.defs.resources import build_resources

    raw_voters = dg.AssetKey(["raw", "voters"])

    @dg.asset(
        key=raw_voters,
        partitions_def=analysis_date_partitions,
        backfill_policy=dg.BackfillPolicy.single_run(),
        check_specs=[dg.AssetCheckSpec("quarantine_rate_below_threshold", asset=raw_voters, blocking=True)],
    )
    def rejected_raw_partition():
        return dg.MaterializeResult(
            check_results=[dg.AssetCheckResult(check_name="quarantine_rate_below_threshold", passed=False)]
        )

    result = dg.materialize(
        [rejected_raw_partition, dbt_models],
        partition_key="2026-11-04",
        resources=build_resources(str(marts_warehouse.paths.root)),
        raise_on_error=False,
    )
    assert not result.success
    [check] = result.get_asset_check_evaluations()
    assert not check.passed and check.blocking
    started = [event.step_key for event in result.all_events if event.event_type_value == "STEP_START"]
    assert started == ["raw__voters"]  # the dbt step never started
    assert {event.asset_key for event in result.get_asset_materialization_events()} == {raw_voters}
