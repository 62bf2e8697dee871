"""Turn a staged file into raw rows: rules, quarantine, dedup, then the inserts.

Runs inside the partition's transaction (partition.py); every statement is set-based SQL except the
pandera validation, which streams the staged records through polars (schemas.py).

Each staged record gets exactly one destination, written into its `disposition`:

    quarantined  an unloadable line, a typing problem, or a failed quarantine rule  -> raw.quarantine
    superseded   a valid record that lost to another version of the same key        -> raw.superseded_records
    NULL         loaded, with its flags                                             -> raw.voters / raw.vote_history

The few records with something to say are collected in small side tables first and written back
by key, so the final insert is a plain filtered scan of the staging table.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa

from voter_platform.lib.ingest import vocabularies as vocab
from voter_platform.lib.ingest.dedup import DEDUP_KEYS, possible_duplicates_sql, superseded_sql
from voter_platform.lib.ingest.duck import run, scalar
from voter_platform.lib.ingest.formats import VOTER, Layout
from voter_platform.lib.ingest.prepass import decode_for_quarantine, physical_lines
from voter_platform.lib.ingest.records import TYPING_FLAG_ISSUES, TYPING_QUARANTINE_ISSUES, UNLOADABLE_LINE_KINDS
from voter_platform.lib.ingest.results import FileOutcome
from voter_platform.lib.ingest.schemas import FLAG, QUARANTINE, RULES, validate_staging

QUARANTINED = "quarantined"
SUPERSEDED = "superseded"


@dataclass(frozen=True)
class Destination:
    """Where a staged file's rows go and how they are labelled."""

    partition_date: date
    source_id: str
    file_name: str
    layout: Layout

    @property
    def record_kind(self) -> str:
        return self.layout.format.record_kind

    def params(self) -> dict[str, object]:
        return {"partition_date": self.partition_date, "source_id": self.source_id, "file_name": self.file_name}


def _sql_tuple(values) -> str:
    return "(" + ", ".join(f"'{value}'" for value in values) + ")"


def delete_previous_rows(connection: duckdb.DuckDBPyConnection, destination: Destination) -> None:
    """Remove what an earlier run loaded for this source, date and kind of record."""
    params = {"partition_date": destination.partition_date, "source_id": destination.source_id}
    main_table = "raw.voters" if destination.record_kind == VOTER else "raw.vote_history"
    where = "partition_date = $partition_date and source_id = $source_id"
    run(connection, f"delete from {main_table} where {where}", params)
    for table in ("raw.quarantine", "raw.superseded_records"):
        run(connection, f"delete from {table} where {where} and record_kind = $kind", {**params, "kind": destination.record_kind})
    if destination.record_kind == VOTER:
        run(connection, f"delete from raw.possible_duplicates where {where}", params)


def load_staged_file(
    connection: duckdb.DuckDBPyConnection,
    staging: str,
    destination: Destination,
    outcome: FileOutcome,
    bytes_path: Path,
    encoding: str,
) -> None:
    """Validate, deduplicate and insert one staged file; fill the counts of `outcome`."""
    kind = destination.record_kind
    validation = validate_staging(connection, staging, kind, destination.partition_date, DEDUP_KEYS[kind])
    connection.register("rule_failures", validation.failures.to_arrow())
    try:
        run(connection, _verdicts_sql(staging))
    finally:
        connection.unregister("rule_failures")
    run(connection, _quarantined_sql(staging, destination.layout))
    _set_disposition(connection, staging, f"{staging}_quarantined", QUARANTINED)
    if validation.repeated_key_hashes.len():
        connection.register("repeated_key_hashes", validation.repeated_key_hashes.to_frame().to_arrow())
        try:
            run(connection, superseded_sql(staging, kind, f"{staging}_superseded", "repeated_key_hashes"))
        finally:
            connection.unregister("repeated_key_hashes")
    else:
        run(connection, superseded_sql(staging, kind, f"{staging}_superseded", None))
    _set_disposition(connection, staging, f"{staging}_superseded", SUPERSEDED)
    # Flagged records get their flags, and values outside a vocabulary their canonical stand-in
    # (Other, U, NULL): only these few rows are touched, the insert then copies columns as they are.
    coercions = ", ".join(f"{column} = {expression}" for column, expression in _COERCIONS[kind].items())
    run(
        connection,
        f"""
        update {staging} set flags = v.flags, {coercions} from {staging}_verdicts v
        where {staging}.line_number = v.line_number and {staging}.part = v.part
          and {staging}.disposition is null and len(v.flags) > 0
        """,
    )

    _insert_quarantine(connection, staging, destination, bytes_path, encoding)
    outcome.rows_loaded = int(scalar(connection, _insert_records_sql(staging, kind), destination.params()))
    run(
        connection,
        f"""
        insert into raw.superseded_records by name
        select $partition_date as partition_date, $source_id as source_id, $file_name as file_name, line_number,
            '{kind}' as record_kind, voter_id, kept_line_number, reason
        from {staging}_superseded
        order by line_number, part
        """,
        destination.params(),
    )
    if kind == VOTER:
        _insert_possible_duplicates(connection, destination)
    _count(connection, staging, outcome)


def _verdicts_sql(staging: str) -> str:
    """Per record with something to say: its quarantine reasons and its flags (typing + rules)."""
    actions = ", ".join(f"('{name}', '{rule.action}')" for name, rule in RULES.items())
    return f"""
        create or replace temp table {staging}_verdicts as
        with rule_lists as (
            select line_number, part,
                list(rule order by rule) filter (where action = '{QUARANTINE}') as quarantine_rules,
                list(rule order by rule) filter (where action = '{FLAG}') as flag_rules
            from rule_failures join (values {actions}) as actions(rule, action) using (rule)
            group by all
        ),
        issue_rows as (
            select line_number, part, issues from {staging} where line_kind = 'record' and issues is not null
        )
        select line_number, part,
            list_filter(coalesce(issues, []), lambda x: list_contains({vocab.sql_list(TYPING_QUARANTINE_ISSUES)}, x))
                || coalesce(quarantine_rules, []) as reasons,
            list_filter(coalesce(issues, []), lambda x: list_contains({vocab.sql_list(TYPING_FLAG_ISSUES)}, x))
                || coalesce(flag_rules, []) as flags
        from issue_rows full join rule_lists using (line_number, part)
    """


def _quarantined_sql(staging: str, layout: Layout) -> str:
    n, m = layout.field_count, layout.named_count
    expected = f"{n}" + (f" (or {m} named)" if m != n else "")
    detail = f"""case line_kind
        when 'wrong_field_count' then field_count || ' fields, expected {expected}'
        when 'glued_records_unrecoverable' then field_count || ' fields: two records glued on one line that could not be separated'
        when 'values_in_unnamed_columns' then 'values after the last named column ({m})'
        when 'repeated_header' then 'the header line again'
        when 'invalid_encoding' then 'bytes that are not valid text in the file''s encoding'
        when 'control_character' then 'a control character inside the line'
        when 'stray_carriage_return' then 'a carriage return inside the line'
        when 'line_too_long' then 'longer than the 1 MiB line limit'
    end"""
    return f"""
        create or replace temp table {staging}_quarantined as
        select s.line_number, s.part, s.voter_id, v.reasons, null::varchar as detail
        from {staging} s join {staging}_verdicts v using (line_number, part)
        where s.line_kind = 'record' and len(v.reasons) > 0
        union all
        select line_number, part, null::varchar as voter_id, [line_kind] as reasons, {detail} as detail
        from {staging}
        where line_kind in {_sql_tuple(UNLOADABLE_LINE_KINDS)}
    """


def _set_disposition(connection: duckdb.DuckDBPyConnection, staging: str, keys_table: str, disposition: str) -> None:
    run(
        connection,
        f"""
        update {staging} set disposition = '{disposition}' from {keys_table} k
        where {staging}.line_number = k.line_number and {staging}.part = k.part
        """,
    )


def _insert_quarantine(
    connection: duckdb.DuckDBPyConnection, staging: str, destination: Destination, bytes_path: Path, encoding: str
) -> None:
    """Quarantine rows with the text of their line, fetched from the file by line number."""
    line_numbers = {row[0] for row in run(connection, f"select distinct line_number from {staging}_quarantined")}
    raw = physical_lines(bytes_path, line_numbers) if line_numbers else {}
    lines = pa.table(
        {
            "line_number": pa.array(list(raw), pa.int64()),
            "raw_line": pa.array([decode_for_quarantine(data, encoding) for data in raw.values()], pa.string()),
        }
    )
    connection.register("quarantined_lines", lines)
    try:
        run(
            connection,
            f"""
            insert into raw.quarantine by name
            select $partition_date as partition_date, $source_id as source_id, $file_name as file_name,
                q.line_number, '{destination.record_kind}' as record_kind, q.voter_id, q.reasons,
                l.raw_line, q.detail
            from {staging}_quarantined q left join quarantined_lines l using (line_number)
            order by q.line_number, q.part
            """,
            destination.params(),
        )
    finally:
        connection.unregister("quarantined_lines")


def _in_vocabulary(column: str, vocabulary: tuple[str, ...], otherwise: str) -> str:
    return f"case when {column} is null or {column} in {_sql_tuple(vocabulary)} then {column} else {otherwise} end"


# Unknown spellings (flagged by the rules) are written as the vocabulary's catch-all.
_COERCIONS = {
    VOTER: {
        "gender": _in_vocabulary("gender", vocab.GENDERS, "'U'"),
        "party": _in_vocabulary("party", vocab.PARTIES, "'Other'"),
        "registration_status": _in_vocabulary("registration_status", vocab.REGISTRATION_STATUSES, "null"),
    },
    "vote_history": {
        "election_type": f"case when election_type in {_sql_tuple(vocab.ELECTION_TYPES)} then election_type else 'OTHER' end",
        "voting_method": _in_vocabulary("voting_method", vocab.VOTING_METHODS, "'OTHER'"),
        "party_ballot": _in_vocabulary("party_ballot", vocab.PARTIES, "'Other'"),
    },
}


def _insert_records_sql(staging: str, record_kind: str) -> str:
    loaded = f"from {staging} where line_kind = 'record' and disposition is null"
    if record_kind == VOTER:
        return f"""
            insert into raw.voters by name
            select $partition_date as partition_date, $source_id as source_id, $file_name as file_name,
                line_number, voter_id, first_name, middle_name, last_name, name_suffix,
                email, phone, street_address, city, zip_code, birth_date, birth_year, age,
                gender, race, ethnicity, state, county, party, registration_status,
                status_reason, registered_date, last_voted_date, updated_at,
                -- The case study's change-detection fingerprint; '|' keeps ("ab","c") apart from ("a","bc").
                md5(concat_ws('|', voter_id, coalesce(first_name, ''), coalesce(last_name, ''), coalesce(email, '')))
                    as record_fingerprint,
                coalesce(flags, []) as quality_flags
            {loaded}
        """
    return f"""
        insert into raw.vote_history by name
        select $partition_date as partition_date, $source_id as source_id, $file_name as file_name,
            line_number, voter_id, election_date, election_type, election_label, voting_method, party_ballot,
            coalesce(flags, []) as quality_flags
        {loaded}
    """


def _insert_possible_duplicates(connection: duckdb.DuckDBPyConnection, destination: Destination) -> None:
    loaded = "(select * from raw.voters where partition_date = $partition_date and source_id = $source_id)"
    run(
        connection,
        f"""
        insert into raw.possible_duplicates by name
        select $partition_date as partition_date, $source_id as source_id, voter_id, other_voter_id, match_rule
        from ({possible_duplicates_sql(loaded)})
        order by voter_id, other_voter_id, match_rule
        """,
        {"partition_date": destination.partition_date, "source_id": destination.source_id},
    )


def _count(connection: duckdb.DuckDBPyConnection, staging: str, outcome: FileOutcome) -> None:
    lines = dict(run(connection, f"select line_kind, count(*) from {staging} where part = 0 group by all"))
    outcome.header_lines = lines.get("header", 0)
    outcome.blank_lines = lines.get("blank", 0)
    outcome.glued_lines = lines.get("glued", 0)
    outcome.rows_quarantined = int(scalar(connection, f"select count(*) from {staging}_quarantined"))
    outcome.rows_superseded = int(scalar(connection, f"select count(*) from {staging}_superseded"))
    outcome.quarantine_reasons = dict(
        run(
            connection,
            f"select reason, count(*) from (select unnest(reasons) as reason from {staging}_quarantined) group by all order by all",
        )
    )
    outcome.superseded_reasons = dict(run(connection, f"select reason, count(*) from {staging}_superseded group by all order by all"))
    outcome.quality_flags = dict(
        run(
            connection,
            f"""
            select flag, count(*) from (
                select unnest(flags) as flag from {staging}_verdicts v
                where len(flags) > 0 and not exists (
                    select 1 from {staging} s
                    where s.line_number = v.line_number and s.part = v.part and s.disposition is not null
                )
            ) group by all order by all
            """,
        )
    )


def drop_staging(connection: duckdb.DuckDBPyConnection, staging: str) -> None:
    for suffix in ("", "_verdicts", "_quarantined", "_superseded"):
        run(connection, f"drop table if exists {staging}{suffix}")


def json_counts(counts: dict[str, int]) -> str:
    return json.dumps(counts, sort_keys=True)
