"""What raw partitions hold, for the Dagster metadata and checks: counts, rates, schemas, ids.

Every function describes the partitions of a date span (first..last, inclusive): one date for a run
started by the landing sensor, a range for a backfill run.

Everything here is safe to show outside the warehouse: row counts, reasons, column names and null
rates, and (for failing rules) a few voter ids. Never a name, email, address, phone or birth date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb

from voter_platform.lib.ingest.duck import first as first_row
from voter_platform.lib.ingest.duck import run
from voter_platform.lib.ingest.load import FINDING_ACTIONS
from voter_platform.lib.ingest.records import raw_table
from voter_platform.lib.ingest.schemas import QUARANTINE

SAMPLE_IDS = 5

# The rows of the partitions of the span ($first, $last: partition dates).
IN_SPAN = "partition_date between $first and $last"


def _span(first: date, last: date) -> dict[str, date]:
    return {"first": first, "last": last}


@dataclass(frozen=True)
class TableProfile:
    row_count: int
    columns: list[tuple[str, str]]  # (name, DuckDB type)
    null_pct: dict[str, float]


def table_profile(connection: duckdb.DuckDBPyConnection, table: str, first: date, last: date) -> TableProfile:
    """Rows, column schema and null rate per column of `raw.<table>` over the span."""
    columns = [
        (name, data_type)
        for name, data_type in run(
            connection,
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'raw' and table_name = $table order by ordinal_position",
            {"table": table},
        )
    ]
    counts = ", ".join(f'count("{name}")' for name, _ in columns)
    row = first_row(connection, f"select count(*), {counts} from raw.{table} where {IN_SPAN}", _span(first, last))
    assert row is not None
    total = int(row[0])
    null_pct = {
        name: round(100.0 * (total - int(present)) / total, 2) if total else 0.0
        for (name, _), present in zip(columns, row[1:], strict=True)
    }
    return TableProfile(total, columns, null_pct)


def count_rows(connection: duckdb.DuckDBPyConnection, table: str, first: date, last: date, where: str = "true") -> int:
    row = first_row(connection, f"select count(*) from raw.{table} where {IN_SPAN} and {where}", _span(first, last))
    return int(row[0]) if row else 0


def counts_by(connection: duckdb.DuckDBPyConnection, sql: str, first: date, last: date) -> dict[str, int]:
    """`sql` selects (label, count) from rows filtered by `IN_SPAN` ($first and $last parameters)."""
    return {str(label): int(count) for label, count in run(connection, sql, _span(first, last))}


def rows_by_date(connection: duckdb.DuckDBPyConnection, table: str, first: date, last: date) -> dict[str, int]:
    """Rows of `raw.<table>` per partition date of the span (dates without rows left out)."""
    return counts_by(
        connection,
        f"select partition_date::varchar, count(*) from raw.{table} where {IN_SPAN} group by all order by all",
        first,
        last,
    )


def quarantine_reasons(
    connection: duckdb.DuckDBPyConnection, first: date, last: date, record_kind: str | None = None
) -> dict[str, int]:
    kind = "and record_kind = $kind" if record_kind else ""
    params: dict[str, object] = _span(first, last)
    if record_kind:
        params["kind"] = record_kind
    rows = run(
        connection,
        f"""select reason, count(*) from (
                select unnest(reasons) as reason from raw.quarantine where {IN_SPAN} {kind}
            ) group by all order by 2 desc, 1""",
        params,
    )
    return {str(reason): int(count) for reason, count in rows}


@dataclass(frozen=True)
class RuleFindings:
    rule: str
    action: str  # quarantine | flag
    records: int
    sample_voter_ids: list[str]


def rule_findings(
    connection: duckdb.DuckDBPyConnection, first: date, last: date, record_kind: str
) -> list[RuleFindings]:
    """Per rule (or structural reason): how many records it caught in the span, and a few ids.

    Quarantine reasons come from raw.quarantine, flags from the loaded rows' quality_flags.
    """
    rows = run(
        connection,
        f"""
        with quarantined as (
            select unnest(reasons) as rule, voter_id from raw.quarantine
            where {IN_SPAN} and record_kind = $kind
        ),
        flagged as (
            select unnest(quality_flags) as rule, voter_id from {raw_table(record_kind)}
            where {IN_SPAN} and len(quality_flags) > 0
        ),
        findings as (select rule, voter_id from quarantined union all select rule, voter_id from flagged)
        select rule, count(*) as records,
            list(distinct voter_id order by voter_id) filter (where voter_id is not null)[1:{SAMPLE_IDS}] as sample
        from findings group by rule order by records desc, rule
        """,
        {**_span(first, last), "kind": record_kind},
    )
    # A reason that is no finding (a line kind such as wrong_field_count) always quarantines.
    return [
        RuleFindings(str(rule), FINDING_ACTIONS.get(rule, QUARANTINE), int(records), list(sample or []))
        for rule, records, sample in rows
    ]


def duplicate_loaded_ids(connection: duckdb.DuckDBPyConnection, first: date, last: date) -> list[str]:
    """Voter ids loaded more than once for a source and date in the span (dedup should leave none)."""
    rows = run(
        connection,
        f"""select voter_id from raw.voters where {IN_SPAN}
            group by partition_date, source_id, voter_id having count(*) > 1 order by voter_id limit 20""",
        _span(first, last),
    )
    return [str(row[0]) for row in rows]
