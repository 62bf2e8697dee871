"""Row counts and column schemas of what dbt built, read from the warehouse after dbt has exited.

DuckDB lets one process write the file and a reader blocks the writer, so nothing here may run
while the dbt process is alive (dagster-dbt's `fetch_row_counts()` would open a second connection
during the run). The dbt asset collects dbt's events, waits for the process to end, then asks this
module for the metadata and attaches it to each materialization.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import dagster as dg
import duckdb


@dataclass(frozen=True)
class BuiltRelation:
    """A table or view dbt materialized, as the warehouse names it."""

    schema: str
    name: str
    # Incremental marts keep every analysis date: their row count is the run's dates only.
    counts_analysis_dates: bool
    # A view stores no rows: counting them means running it (37M rows for the participation view
    # at 5M voters), so views get their schema only.
    is_view: bool = False

    @property
    def sql_name(self) -> str:
        return f'"{self.schema}"."{self.name}"'


def built_relation(manifest: Mapping[str, Any], unique_id: str) -> BuiltRelation | None:
    node = manifest["nodes"].get(unique_id)
    if node is None or node["resource_type"] not in ("model", "seed"):
        return None
    return BuiltRelation(
        schema=node["schema"],
        name=node.get("alias") or node["name"],
        counts_analysis_dates=node["config"].get("materialized") == "incremental",
        is_view=node["config"].get("materialized") == "view",
    )


def relation_metadata(
    connection: duckdb.DuckDBPyConnection,
    relations: Iterable[BuiltRelation],
    first_analysis_date: date,
    last_analysis_date: date,
) -> dict[BuiltRelation, dict[str, Any]]:
    """`dagster/column_schema` for each relation, and `dagster/row_count` for each table."""
    connection.execute("set enable_progress_bar = false")
    metadata: dict[BuiltRelation, dict[str, Any]] = {}
    for relation in relations:
        columns = connection.execute(
            """
            select column_name, data_type
            from information_schema.columns
            where table_schema = ? and table_name = ?
            order by ordinal_position
            """,
            [relation.schema, relation.name],
        ).fetchall()
        if not columns:
            continue
        entry: dict[str, Any] = {}
        if relation.counts_analysis_dates:
            entry["analysis_dates"] = dg.MetadataValue.text(f"{first_analysis_date} .. {last_analysis_date}")
            entry["dagster/row_count"] = dg.MetadataValue.int(
                connection.execute(
                    f"select count(*) from {relation.sql_name} where analysis_date between ? and ?",
                    [first_analysis_date, last_analysis_date],
                ).fetchone()[0]
            )
        elif not relation.is_view:
            entry["dagster/row_count"] = dg.MetadataValue.int(
                connection.execute(f"select count(*) from {relation.sql_name}").fetchone()[0]
            )
        metadata[relation] = {
            **entry,
            "dagster/column_schema": dg.TableSchema(
                columns=[dg.TableColumn(name=name, type=data_type) for name, data_type in columns]
            ),
            "dagster/table_name": dg.MetadataValue.text(f"{relation.schema}.{relation.name}"),
        }
    return metadata


# A failed dbt test says only how many rows its query returned; the rows themselves say what broke
# (a valid_values test returns one row per broken rule with the count and an offending value). The
# first few are attached to the check. Test queries return keys, labels and counts, never PII.
FAILING_ROWS_SHOWN = 10


def failing_test_rows(
    connection: duckdb.DuckDBPyConnection, run_results: Mapping[str, Any]
) -> dict[str, dict[str, Any]]:
    """`failing_rows` metadata (a Markdown table) for each dbt test that failed or warned, by unique id."""
    metadata: dict[str, dict[str, Any]] = {}
    for result in run_results.get("results", []):
        if not result["unique_id"].startswith("test.") or result["status"] not in ("fail", "warn"):
            continue
        if not result.get("compiled_code"):
            continue
        try:
            cursor = connection.execute(
                f"select * from ({result['compiled_code']}) as failures limit {FAILING_ROWS_SHOWN}"
            )
            table = _markdown_table([column[0] for column in cursor.description], cursor.fetchall())
        except duckdb.Error as error:  # the relation may be gone since; the check result still stands
            table = f"(could not read the failing rows: {error})"
        metadata[result["unique_id"]] = {"failing_rows": dg.MetadataValue.md(table)}
    return metadata


def _markdown_table(columns: list[str], rows: list[tuple]) -> str:
    def cell(value: object) -> str:
        return "" if value is None else str(value).replace("|", "\\|")

    lines = ["| " + " | ".join(columns) + " |", "|" + " --- |" * len(columns)]
    lines += ["| " + " | ".join(cell(value) for value in row) + " |" for row in rows]
    return "\n".join(lines)
