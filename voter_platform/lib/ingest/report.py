"""What a raw partition holds, for the Dagster metadata and checks: counts, rates, schemas, ids.

Everything here is safe to show outside the warehouse: row counts, reasons, column names and null
rates, and (for failing rules) a few voter ids. Never a name, email, address, phone or birth date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb

from voter_platform.lib.ingest.duck import first, run
from voter_platform.lib.ingest.schemas import RULES

SAMPLE_IDS = 5


@dataclass(frozen=True)
class TableProfile:
    row_count: int
    columns: list[tuple[str, str]]  # (name, DuckDB type)
    null_pct: dict[str, float]


def table_profile(connection: duckdb.DuckDBPyConnection, table: str, partition_date: date) -> TableProfile:
    """Rows, column schema and null rate per column of `raw.<table>` for one partition."""
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
    row = first(connection, f"select count(*), {counts} from raw.{table} where partition_date = $date", {"date": partition_date})
    assert row is not None
    total = int(row[0])
    null_pct = {
        name: round(100.0 * (total - int(present)) / total, 2) if total else 0.0
        for (name, _), present in zip(columns, row[1:])
    }
    return TableProfile(total, columns, null_pct)


def count_rows(connection: duckdb.DuckDBPyConnection, table: str, partition_date: date) -> int:
    row = first(connection, f"select count(*) from raw.{table} where partition_date = $date", {"date": partition_date})
    return int(row[0]) if row else 0


def counts_by(connection: duckdb.DuckDBPyConnection, sql: str, partition_date: date) -> dict[str, int]:
    """`sql` selects (label, count) with a $date parameter."""
    return {str(label): int(count) for label, count in run(connection, sql, {"date": partition_date})}


def quarantine_reasons(connection: duckdb.DuckDBPyConnection, partition_date: date, record_kind: str | None = None) -> dict[str, int]:
    kind = "and record_kind = $kind" if record_kind else ""
    params: dict[str, object] = {"date": partition_date}
    if record_kind:
        params["kind"] = record_kind
    rows = run(
        connection,
        f"""select reason, count(*) from (
                select unnest(reasons) as reason from raw.quarantine where partition_date = $date {kind}
            ) group by all order by 2 desc, 1""",
        params,
    )
    return {str(reason): int(count) for reason, count in rows}


@dataclass(frozen=True)
class RuleFindings:
    rule: str
    action: str  # quarantine | flag | structure
    records: int
    sample_voter_ids: list[str]


def rule_findings(connection: duckdb.DuckDBPyConnection, partition_date: date, record_kind: str) -> list[RuleFindings]:
    """Per rule (or structural reason): how many records it caught in this partition, and a few ids.

    Quarantine reasons come from raw.quarantine, flags from the loaded rows' quality_flags.
    """
    loaded_table = "raw.voters" if record_kind == "voter" else "raw.vote_history"
    rows = run(
        connection,
        f"""
        with quarantined as (
            select unnest(reasons) as rule, voter_id from raw.quarantine
            where partition_date = $date and record_kind = $kind
        ),
        flagged as (
            select unnest(quality_flags) as rule, voter_id from {loaded_table}
            where partition_date = $date and len(quality_flags) > 0
        ),
        findings as (select rule, voter_id from quarantined union all select rule, voter_id from flagged)
        select rule, count(*) as records,
            list(distinct voter_id order by voter_id) filter (where voter_id is not null)[1:{SAMPLE_IDS}] as sample
        from findings group by rule order by records desc, rule
        """,
        {"date": partition_date, "kind": record_kind},
    )
    return [
        RuleFindings(str(rule), RULES[rule].action if rule in RULES else _non_rule_action(rule), int(records), list(sample or []))
        for rule, records, sample in rows
    ]


def _non_rule_action(reason: str) -> str:
    flags = {"masked_date", "trailing_empty_columns", "recovered_from_glued_line"}
    return "flag" if reason in flags else "quarantine"


def duplicate_loaded_ids(connection: duckdb.DuckDBPyConnection, partition_date: date) -> list[str]:
    """Voter ids loaded more than once for a source in this partition (dedup should leave none)."""
    rows = run(
        connection,
        """select voter_id from raw.voters where partition_date = $date
           group by source_id, voter_id having count(*) > 1 order by voter_id limit 20""",
        {"date": partition_date},
    )
    return [str(row[0]) for row in rows]
