"""The pure helpers of the dbt asset: materialization metadata and unit-test check results."""

from datetime import date

import dagster as dg
import duckdb

from voter_platform.defs.marts.metadata import BuiltRelation, built_relation, relation_metadata
from voter_platform.defs.marts.unit_tests import unit_test_results

MART = BuiltRelation(schema="marts", name="voter_snapshot", counts_analysis_dates=True)
TABLE = BuiltRelation(schema="intermediate", name="int_voters_as_of_date", counts_analysis_dates=False)
VIEW = BuiltRelation(schema="staging", name="stg_voters", counts_analysis_dates=False, is_view=True)


def _warehouse() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    connection.execute("create schema marts; create schema intermediate; create schema staging")
    connection.execute(
        "create table marts.voter_snapshot as select date '2026-11-01' + cast(i % 5 as integer) as analysis_date,"
        " 'NC' as state, cast(i as bigint) as voters from range(50) t(i)"
    )
    connection.execute("create table intermediate.int_voters_as_of_date as select i as voter_key from range(7) t(i)")
    connection.execute("create view staging.stg_voters as select * from intermediate.int_voters_as_of_date")
    return connection


def test_marts_count_the_rows_of_the_run_dates_only():
    metadata = relation_metadata(_warehouse(), [MART, TABLE, VIEW], date(2026, 11, 2), date(2026, 11, 3))
    assert metadata[MART]["dagster/row_count"].value == 20  # 2 of the 5 dates, 10 rows each
    assert metadata[MART]["analysis_dates"].value == "2026-11-02 .. 2026-11-03"
    assert metadata[TABLE]["dagster/row_count"].value == 7
    assert "dagster/row_count" not in metadata[VIEW]  # a view is not run to be counted
    columns = metadata[MART]["dagster/column_schema"].columns
    assert [(column.name, column.type) for column in columns] == [
        ("analysis_date", "DATE"),
        ("state", "VARCHAR"),
        ("voters", "BIGINT"),
    ]


def test_relations_missing_from_the_warehouse_get_no_metadata():
    gone = BuiltRelation(schema="marts", name="never_built", counts_analysis_dates=True)
    assert relation_metadata(_warehouse(), [gone], date(2026, 11, 2), date(2026, 11, 2)) == {}


def test_only_models_and_seeds_are_relations():
    manifest = {
        "nodes": {
            "model.p.m": {
                "resource_type": "model",
                "schema": "marts",
                "alias": "m",
                "name": "m",
                "config": {"materialized": "incremental"},
            },
            "test.p.t": {"resource_type": "test", "schema": "x", "name": "t", "config": {}},
        }
    }
    assert built_relation(manifest, "model.p.m") == BuiltRelation("marts", "m", counts_analysis_dates=True)
    assert built_relation(manifest, "test.p.t") is None


def test_unit_test_results_become_check_results_of_their_model():
    key = dg.AssetKey(["intermediate", "int_voters_as_of_date"])
    spec = dg.AssetCheckSpec("engagement_tier_boundaries", asset=key, blocking=True)
    other = dg.AssetCheckSpec("unknown_history_rule", asset=key, blocking=True)
    run_results = {
        "results": [
            {
                "unique_id": "unit_test.p.int_voters_as_of_date.engagement_tier_boundaries",
                "status": "fail",
                "message": "actual differs from expected",
                "execution_time": 0.2,
            },
            {
                "unique_id": "unit_test.p.int_voters_as_of_date.unknown_history_rule",
                "status": "pass",
                "execution_time": 0.1,
            },
            # a data test: dagster-dbt reports it itself
            {"unique_id": "test.p.not_null_x", "status": "fail"},
        ]
    }
    checks = {
        "unit_test.p.int_voters_as_of_date.engagement_tier_boundaries": spec,
        "unit_test.p.int_voters_as_of_date.unknown_history_rule": other,
        "test.p.not_null_x": dg.AssetCheckSpec("not_null_x", asset=key),
    }
    results = list(unit_test_results(run_results, checks, {spec.key, other.key}))
    assert [(result.check_name, result.passed) for result in results] == [
        ("engagement_tier_boundaries", False),
        ("unknown_history_rule", True),
    ]
    assert results[0].metadata["message"].value == "actual differs from expected"
    # An unselected unit test reports nothing.
    assert list(unit_test_results(run_results, checks, {other.key})) == [results[1]]


def test_old_dbt_target_directories_are_pruned(tmp_path):
    import os

    from voter_platform.defs.marts.assets import prune_dbt_target_dirs

    for age, name in enumerate(["dbt_models-a", "dbt_models-b", "dbt_models-c", "dbt_models-d"]):
        (tmp_path / name).mkdir()
        os.utime(tmp_path / name, (1_000_000 - age, 1_000_000 - age))  # a is the newest
    (tmp_path / "manifest.json").write_text("{}")
    removed = prune_dbt_target_dirs(tmp_path, "dbt_models-*", keep=2)
    assert sorted(path.name for path in removed) == ["dbt_models-c", "dbt_models-d"]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["dbt_models-a", "dbt_models-b", "manifest.json"]
