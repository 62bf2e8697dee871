"""The pure helpers of the dbt asset: the row counts and schemas observed after a build."""

from datetime import date

import duckdb

from voter_platform.defs.marts.metadata import BuiltRelation, built_relation, relation_metadata

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
