"""Decide each record's fate and make the raw tables say so: rules, quarantine, dedup, flags.

Runs inside the partition's transaction (partition.py), after stage.py has written the file's sound
records straight into the raw table ("bulk" rows, part 0) and everything else into a small staging
table (careful rows). A physical line is in one or the other, never both, so a line number is
enough to find a record's row.

    validate    the pandera rules over bulk + careful records (one export, schemas.py)
    findings    (line, part, finding): failed rules, typing issues of careful rows, and what the
                reader could not say about bulk rows (trailing empty fields, unnamed values)
    quarantine  records with a quarantining finding, and unloadable lines -> raw.quarantine
    dedup       among the rest, one version per key -> the others to raw.superseded_records
    flags       the rest keeps its flags (values outside a vocabulary become Other / U / NULL)
    careful     loaded careful records are inserted; quarantined or superseded bulk rows deleted

Only the few records with something to say are touched; sound bulk rows are never rewritten.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from voter_platform.layouts.registry import ELECTION_MAP, VOTER, election_lookup
from voter_platform.lib import vocabularies as vocab
from voter_platform.lib.ingest.dedup import possible_duplicates_sql, superseded_sql
from voter_platform.lib.ingest.duck import prime_appends, run
from voter_platform.lib.ingest.formats import ElectionCodes, FileLayout
from voter_platform.lib.ingest.lines import drop_numbered_records, read_numbered_records
from voter_platform.lib.ingest.prepass import decode_for_quarantine, physical_lines
from voter_platform.lib.ingest.records import (
    DATE_FORMATS,
    TYPING_ISSUES,
    TYPING_QUARANTINE_ISSUES,
    UNLOADABLE_LINE_KINDS,
    earliest_birth_date_sql,
    election_type_sql,
    raw_row_select,
    raw_table,
    typed_columns,
)
from voter_platform.lib.ingest.results import FileOutcome
from voter_platform.lib.ingest.schemas import FLAG, PLACEHOLDER_DATES, QUARANTINE, RULES, validate_records
from voter_platform.lib.ingest.spans import UNTERMINATED_QUOTE
from voter_platform.lib.ingest.stage import FileToStage, StagedFile, Target
from voter_platform.lib.ingest.together import LineMap
from voter_platform.lib.sql import sql_list, sql_map, sql_string, sql_tuple

QUARANTINED = "quarantined"
SUPERSEDED = "superseded"

# Every finding and what it does to a record.
FINDING_ACTIONS = {
    **{name: rule.action for name, rule in RULES.items()},
    **dict.fromkeys(TYPING_ISSUES, FLAG),
    **dict.fromkeys(TYPING_QUARANTINE_ISSUES, QUARANTINE),
    **dict.fromkeys(UNLOADABLE_LINE_KINDS, QUARANTINE),
}

# What a finding means, for quarantine.detail (never a value from the line).
_FINDING_DETAILS = {
    **{name: rule.description for name, rule in RULES.items()},
    "unparseable_election_date": "the election date is not a date: the row belongs to no election",
    "missing_state": "the state is blank in a file of several states",
    "unknown_state": "the state is neither a USPS code nor a state name",
}


def _catch_all(column: str, vocabulary: tuple[str, ...], otherwise: str | None) -> str:
    replacement = "null" if otherwise is None else sql_string(otherwise)
    return f"case when {column} is null or {column} in {sql_tuple(vocabulary)} then {column} else {replacement} end"


def _coercions(record_kind: str) -> dict[str, str]:
    """Column -> its value on a flagged record: null where a rule says so, else the vocabulary's
    catch-all for a value outside it (the rules flagged it), else the value. `v.flags` are the
    record's flags."""
    columns = ("gender", "race", "ethnicity", "party", "primary_ballot_party", "registration_status")
    if record_kind != VOTER:
        columns = ("voting_method", "party_ballot")
    expressions = {}
    for column in columns:
        _, vocabulary, otherwise = vocab.PLATFORM_SPELLINGS[column]
        expressions[column] = _catch_all(column, vocabulary, otherwise)
    if record_kind != VOTER:
        expressions["election_type"] = (
            f"case when election_type in {sql_tuple(vocab.ELECTION_TYPES)} then election_type else 'OTHER' end"
        )
        return expressions
    nulling: dict[str, list[str]] = {}
    for name, rule in RULES.items():
        for column in rule.nulls:
            nulling.setdefault(column, []).append(name)
    for column, rules in nulling.items():
        expressions[column] = (
            f"case when list_has_any(v.flags, {sql_list(rules)}) then null else {expressions.get(column, column)} end"
        )
    return expressions


def delete_previous_rows(
    connection: duckdb.DuckDBPyConnection, partition_date: date, source_id: str, record_kind: str
) -> None:
    """Remove what an earlier run loaded for this source, date and kind of record (an election map's
    lines are kept for the run only: of a map, only its quarantined lines are stored)."""
    params = {"partition_date": partition_date, "source_id": source_id}
    where = "partition_date = $partition_date and source_id = $source_id"
    if record_kind != ELECTION_MAP:
        run(connection, f"delete from {raw_table(record_kind)} where {where}", params)
    for table in ("raw.quarantine", "raw.superseded_records"):
        run(connection, f"delete from {table} where {where} and record_kind = $kind", {**params, "kind": record_kind})
    if record_kind == VOTER:
        run(connection, f"delete from raw.possible_duplicates where {where}", params)


@dataclass(frozen=True)
class FileToLoad:
    staging: str
    staged: StagedFile
    target: Target
    layout: FileLayout
    bytes_path: Path
    encoding: str
    # The files whose lines were read: this one, or the parts read together (together.py).
    lines: LineMap

    @property
    def part_of_line(self) -> str | None:
        """The column telling the parts of a concatenation apart (None: one file)."""
        return "file_index" if self.lines.together else None


def load_file(connection: duckdb.DuckDBPyConnection, file: FileToLoad, outcomes: Sequence[FileOutcome]) -> None:
    """Decide every record of a staged read and write the outcome; fill the counts of `outcomes`
    (one per file of `file.lines`, in its order). Parts read together are decided together, each
    record within its own file, and their rows then get their own file and line back."""
    staging, target, kind = file.staging, file.target, file.target.record_kind
    snapshot = target.partition_date
    validation = validate_records(connection, _records_sql(file, snapshot), kind, snapshot, _placeholders(file.layout))
    _write_findings(connection, file, validation.failures)
    run(connection, _verdicts_sql(staging))
    run(connection, _quarantined_sql(file))
    _delete_bulk_rows(connection, target, f"{staging}_quarantined")
    _set_disposition(connection, staging, f"{staging}_quarantined", QUARANTINED)
    # Flags first: nulled values (a date after the snapshot) never decide which version is newest.
    _apply_flags(connection, file)

    repeated = validation.repeated_key_hashes
    if repeated.len():
        connection.register("repeated_key_hashes", repeated.to_frame().to_arrow())
    try:
        candidates = _candidates_sql(file)
        run(
            connection,
            superseded_sql(
                candidates,
                kind,
                f"{staging}_superseded",
                "repeated_key_hashes" if repeated.len() else None,
                apart=file.part_of_line,
            ),
        )
    finally:
        if repeated.len():
            connection.unregister("repeated_key_hashes")
    _delete_bulk_rows(connection, target, f"{staging}_superseded")
    _set_disposition(connection, staging, f"{staging}_superseded", SUPERSEDED)

    if file.staged.bulk_rows == 0:
        # The fast read appended nothing: the careful records may be a large append after an empty one.
        prime_appends(connection, file.target.table)
    _insert_careful_records(connection, file)
    _insert_quarantine(connection, file)
    run(
        connection,
        f"""
        insert into raw.superseded_records by name
        select $partition_date as partition_date, $source_id as source_id, $file_name as file_name, line_number,
            '{kind}' as record_kind, voter_id, kept_line_number, reason
        from {staging}_superseded order by line_number, part
        """,
        target.params,
    )
    _count(connection, file, outcomes)
    _reattribute(connection, file)


def _placeholders(layout: FileLayout) -> tuple[date, ...]:
    """The dates standing for "unknown": the platform's and the layout's own (in its date format)."""
    declared = tuple(datetime.strptime(text, layout.spec.date_format).date() for text in layout.spec.placeholder_dates)
    return tuple(sorted(set(PLACEHOLDER_DATES + declared)))


def _literal_where(target: Target) -> str:
    return (
        f"partition_date = date '{target.partition_date.isoformat()}' and source_id = {sql_string(target.source_id)} "
        f"and file_name = {sql_string(target.file_name)}"
    )


def _records_sql(file: FileToLoad, snapshot: date) -> list[str]:
    """The file's records as two relations, bulk rows and careful records (validate_records unions them)."""
    extra = f", {earliest_birth_date_sql(snapshot)} as earliest_birth_date" if file.target.record_kind == VOTER else ""
    return [
        f"select *, 0::tinyint as part{extra} from {file.target.table} where {_literal_where(file.target)}",
        f"select *{extra} from {file.staging} where line_kind = 'record'",
    ]


def _write_findings(connection: duckdb.DuckDBPyConnection, file: FileToLoad, failures) -> None:
    """(line, part, finding) for every failed rule, typing issue and reader-level finding."""
    extra = [(line, 0, finding) for line, findings in file.staged.bulk_findings.items() for finding in findings]
    reader_findings = pa.table(
        {
            "line_number": pa.array([line for line, _, _ in extra], pa.int64()),
            "part": pa.array([part for _, part, _ in extra], pa.int8()),
            "finding": pa.array([finding for _, _, finding in extra], pa.string()),
        }
    )
    connection.register("rule_failures", failures.to_arrow())
    connection.register("reader_findings", reader_findings)
    try:
        run(
            connection,
            f"""
            create or replace temp table {file.staging}_findings as
            select line_number, part, rule as finding from rule_failures
            union all
            select line_number, part, unnest(issues) from {file.staging}
            where line_kind = 'record' and issues is not null
            union all
            select line_number, part, finding from reader_findings
            """,
        )
    finally:
        connection.unregister("rule_failures")
        connection.unregister("reader_findings")


def _verdicts_sql(staging: str) -> str:
    """Per record with something to say: its quarantine reasons and its flags, sorted."""
    actions = ", ".join(f"({sql_string(name)}, {sql_string(action)})" for name, action in FINDING_ACTIONS.items())
    return f"""
        create or replace temp table {staging}_verdicts as
        select line_number, part,
            coalesce(list(distinct finding order by finding) filter (where action = '{QUARANTINE}'), []) as reasons,
            coalesce(list(distinct finding order by finding) filter (where action = '{FLAG}'), []) as flags
        from {staging}_findings join (values {actions}) as actions(finding, action) using (finding)
        group by all
    """


def _quarantined_sql(file: FileToLoad) -> str:
    """The quarantined records (their reasons and what they mean) and the unloadable lines.

    An unloadable line keeps the voter id found at its id position where its fields are still in
    place (a line cut short, values after the last column): the voter is then known to be unknown
    that day, not gone (voter_changes).
    """
    layout, staging, target = file.layout, file.staging, file.target
    n, m = layout.field_count, layout.named_count
    expected = f"{n}" + (f" (or {m} named)" if m != n else "")
    if layout.spec.is_fixed_width:
        expected = f"{layout.record_length} (or fewer, when the last fields are blank and cut off)"

    def text_sql(text: str) -> str:
        counted = "' || coalesce(field_count::varchar, 'several') || '"
        return (
            sql_string(text)
            .replace("{field_count}", counted)
            .replace("{expected}", expected)
            .replace("{named}", str(m))
        )

    line_detail = (
        "case line_kind "
        + " ".join(f"when {sql_string(kind)} then {text_sql(text)}" for kind, text in UNLOADABLE_LINE_KINDS.items())
        + " end"
    )
    meanings = (
        _FINDING_DETAILS
        | _layout_details(layout)
        | {
            kind: text.format(field_count="several", expected=expected, named=m)
            for kind, text in UNLOADABLE_LINE_KINDS.items()
        }
    )
    id_in_place = sql_tuple(
        ("wrong_field_count", "wrong_line_length", "values_in_unnamed_columns", "truncated_record", UNTERMINATED_QUOTE)
    )
    return f"""
        create or replace temp table {staging}_quarantined as
        select v.line_number, v.part, coalesce(b.voter_id, s.voter_id) as voter_id, v.reasons,
            array_to_string(list_transform(v.reasons, lambda r: coalesce({sql_map(meanings)}[r], r)), '; ') as detail
        from {staging}_verdicts v
        left join (select line_number, voter_id from {target.table} where {_literal_where(target)}) b
            on b.line_number = v.line_number and v.part = 0
        left join {staging} s on s.line_number = v.line_number and s.part = v.part and s.line_kind = 'record'
        where len(v.reasons) > 0
        union all
        select line_number, part, case when line_kind in {id_in_place} then nullif(voter_id, '') end as voter_id,
            [line_kind] as reasons, {line_detail} as detail
        from {staging}
        where line_kind in {sql_tuple(UNLOADABLE_LINE_KINDS)}
    """


def _layout_details(layout: FileLayout) -> dict[str, str]:
    """Findings whose meaning depends on the file: a history file dated by its election codes says
    where its election dates were looked for."""
    if not layout.spec.dated_by_election_code:
        return {}
    codes = layout.election_codes
    if codes is None:
        companion = election_lookup(layout.spec.id)
        name = companion.files if companion is not None else "an election-code lookup"
        return {
            "missing_election_date": f"the row names its election by a code that only the election-code lookup {name} "
            "dates, and no lookup came with this file: the row belongs to no election"
        }
    return {
        "missing_election_date": f"the row's election code is blank or not listed in the election-code lookup "
        f"{', '.join(codes.file_names)}: the row belongs to no election"
    }


def _delete_bulk_rows(connection: duckdb.DuckDBPyConnection, target: Target, keys_table: str) -> None:
    """Remove bulk rows by line number (a careful line has no bulk row, so its number matches none)."""
    run(
        connection,
        f"delete from {target.table} where {target.where} "
        f"and line_number in (select line_number from {keys_table} where part = 0)",
        target.params,
    )


def _set_disposition(connection: duckdb.DuckDBPyConnection, staging: str, keys_table: str, disposition: str) -> None:
    run(
        connection,
        f"""
        update {staging} set disposition = '{disposition}' from {keys_table} k
        where {staging}.line_number = k.line_number and {staging}.part = k.part
        """,
    )


def _candidates_sql(file: FileToLoad) -> str:
    """Records still in the running for their key: bulk rows left, and careful records not quarantined
    (for parts read together, with the part they are in: a record only competes within its file)."""
    columns = ", ".join(typed_columns(file.target.record_kind))
    if file.part_of_line:
        columns += f", {file.lines.part_sql('line_number')} as {file.part_of_line}"
    return f"""
        (select line_number, 0::tinyint as part, {columns} from {file.target.table} where {_literal_where(file.target)}
         union all
         select line_number, part, {columns} from {file.staging} where line_kind = 'record' and disposition is null)
    """


def _apply_flags(connection: duckdb.DuckDBPyConnection, file: FileToLoad) -> None:
    """Flagged records get their flags, and values outside a vocabulary their canonical stand-in."""
    staging, target, kind = file.staging, file.target, file.target.record_kind
    coercions = ", ".join(f"{column} = {expression}" for column, expression in _coercions(kind).items())
    run(
        connection,
        f"""
        update {target.table} set quality_flags = v.flags, {coercions} from {staging}_verdicts v
        where {target.table}.partition_date = $partition_date and {target.table}.source_id = $source_id
          and {target.table}.file_name = $file_name and {target.table}.line_number = v.line_number
          and v.part = 0 and len(v.flags) > 0 and len(v.reasons) = 0
        """,
        target.params,
    )
    run(
        connection,
        f"""
        update {staging} set flags = v.flags, {coercions} from {staging}_verdicts v
        where {staging}.line_number = v.line_number and {staging}.part = v.part
          and {staging}.disposition is null and len(v.flags) > 0
        """,
    )


def _insert_careful_records(connection: duckdb.DuckDBPyConnection, file: FileToLoad) -> None:
    run(
        connection,
        f"""
        insert into {file.target.table} by name
        select {raw_row_select(file.target.record_kind, "line_number", "coalesce(flags, [])")}
        from {file.staging} where line_kind = 'record' and disposition is null
        order by line_number, part
        """,
        file.target.params,
    )


def _insert_quarantine(connection: duckdb.DuckDBPyConnection, file: FileToLoad) -> None:
    """Quarantine rows with the text of their line, fetched from the file by line number (a record over
    several lines: its lines, joined by their line breaks)."""
    staging = file.staging
    line_numbers = {row[0] for row in run(connection, f"select distinct line_number from {staging}_quarantined")}
    lines_of = {line: [line] for line in line_numbers}
    if line_numbers:
        continuation = {
            row[0] for row in run(connection, f"select line_number from {staging} where line_kind = 'continuation'")
        }
        for record in lines_of.values():
            while record[-1] + 1 in continuation:
                record.append(record[-1] + 1)
    raw = physical_lines(file.bytes_path, {line for record in lines_of.values() for line in record}) if lines_of else {}
    texts = {line: b"\n".join(raw.get(number, b"") for number in record) for line, record in lines_of.items()}
    lines = pa.table(
        {
            "line_number": pa.array(list(texts), pa.int64()),
            "raw_line": pa.array([decode_for_quarantine(data, file.encoding) for data in texts.values()], pa.string()),
        }
    )
    connection.register("quarantined_lines", lines)
    try:
        run(
            connection,
            f"""
            insert into raw.quarantine by name
            select $partition_date as partition_date, $source_id as source_id, $file_name as file_name,
                q.line_number, '{file.target.record_kind}' as record_kind, q.voter_id, q.reasons, l.raw_line, q.detail
            from {staging}_quarantined q left join quarantined_lines l using (line_number)
            order by q.line_number, q.part
            """,
            file.target.params,
        )
    finally:
        connection.unregister("quarantined_lines")


def insert_possible_duplicates(connection: duckdb.DuckDBPyConnection, partition_date: date, source_id: str) -> None:
    """Pairs of different ids that look like the same person, over every voters file of a snapshot."""
    loaded = "(select * from raw.voters where partition_date = $partition_date and source_id = $source_id)"
    run(
        connection,
        f"""
        insert into raw.possible_duplicates by name
        select $partition_date as partition_date, $source_id as source_id, voter_id, other_voter_id, match_rule
        from ({possible_duplicates_sql(loaded)})
        order by voter_id, other_voter_id, match_rule
        """,
        {"partition_date": partition_date, "source_id": source_id},
    )


def _count(connection: duckdb.DuckDBPyConnection, file: FileToLoad, outcomes: Sequence[FileOutcome]) -> None:
    """Every count of every file of the read, from the staging tables and raw rows, per file."""
    staging, target = file.staging, file.target
    index = file.lines.part_sql("line_number")
    for outcome, part in zip(outcomes, file.lines.parts, strict=True):
        outcome.header_lines, outcome.blank_lines, outcome.glued_lines = part.header_lines_left_out, 0, 0
        outcome.continuation_lines = 0
        outcome.rows_loaded = outcome.rows_quarantined = outcome.rows_superseded = 0
        outcome.quarantine_reasons, outcome.superseded_reasons, outcome.quality_flags = {}, {}, {}
    for i, kind, count in run(
        connection, f"select {index}, line_kind, count(*) from {staging} where part = 0 group by all"
    ):
        outcome = outcomes[i]
        if kind == "header":
            outcome.header_lines += int(count)
        elif kind == "blank":
            outcome.blank_lines += int(count)
        elif kind == "glued":
            outcome.glued_lines += int(count)
        elif kind == "continuation":
            outcome.continuation_lines += int(count)
    for i, count in run(
        connection, f"select {index}, count(*) from {target.table} where {target.where} group by all", target.params
    ):
        outcomes[i].rows_loaded = int(count)
    for i, count in run(connection, f"select {index}, count(*) from {staging}_quarantined group by all"):
        outcomes[i].rows_quarantined = int(count)
    for i, reason, count in run(
        connection,
        f"select {index}, reason, count(*) "
        f"from (select line_number, unnest(reasons) as reason from {staging}_quarantined) "
        "group by all order by all",
    ):
        outcomes[i].quarantine_reasons[reason] = int(count)
    for i, reason, count in run(
        connection, f"select {index}, reason, count(*) from {staging}_superseded group by all order by all"
    ):
        outcomes[i].rows_superseded += int(count)
        outcomes[i].superseded_reasons[reason] = int(count)
    for i, flag, count in run(
        connection,
        f"""
        select {index}, flag, count(*) from (
            select line_number, unnest(quality_flags) as flag from {target.table}
            where {_literal_where(target)} and len(quality_flags) > 0
        ) group by all order by all
        """,
    ):
        outcomes[i].quality_flags[flag] = int(count)


def _reattribute(connection: duckdb.DuckDBPyConnection, file: FileToLoad) -> None:
    """Rows of parts read together get their own file and line (nothing to do for one file)."""
    target = file.target
    where = "partition_date = $partition_date and source_id = $source_id"
    params = {"partition_date": target.partition_date, "source_id": target.source_id}
    file.lines.reattribute(connection, target.table, where, params)
    kind = {**params, "kind": target.record_kind}
    file.lines.reattribute(connection, "raw.quarantine", f"{where} and record_kind = $kind", kind)
    file.lines.reattribute(
        connection, "raw.superseded_records", f"{where} and record_kind = $kind", kind, also=("kept_line_number",)
    )


def load_election_map(
    connection: duckdb.DuckDBPyConnection,
    table: str,
    source: FileToStage,
    lines: LineMap,
    outcomes: Sequence[FileOutcome],
    target: Target,
) -> None:
    """Add an election map ((county, slot) or election code -> election) to `table`; lines that name no
    slot or code, or no date, are quarantined. The map is a companion: it is kept in `table` for the run,
    not in the raw tables.

    `source` is one map file or the maps of a product read together (`lines` says which lines are
    whose, `outcomes` are theirs, in its order); `target` names the product's rows (lines.read_as).
    """
    layout = source.layout
    records = f"{table}_records"
    read_numbered_records(connection, layout, source.read_path, source.encoding, source.physical_lines, records)
    fields = layout.cut("c1") if layout.spec.is_fixed_width else "c{}"

    def text(canonical: str) -> str:
        position = layout.source_position(canonical)
        return f"nullif(trim({fields.format(position)}), '')" if position else "null::varchar"

    label = text("election_label")
    run(
        connection,
        f"""
        create temp table if not exists {table} (
            county varchar, slot integer, election_code varchar, election_date date, election_label varchar,
            election_type varchar, file_name varchar, line_number bigint
        )
        """,
    )
    # The type a description names, else none: the history decides it from the date (the calendar).
    run(
        connection,
        f"""
        insert into {table}
        select upper({text("county")}), try_cast({text("slot")} as integer), {text("election_code")},
            try_strptime({text("election_date")}, {sql_list([layout.spec.date_format, *DATE_FORMATS])})::date,
            {label}, {election_type_sql(f"coalesce({text('election_type')}, {label})")},
            $file_name, line_number
        from {records}
        """,
        {"file_name": target.file_name},
    )
    these = f"file_name = {sql_string(target.file_name)}"
    usable = "(slot is not null or election_code is not null) and election_date is not null"
    unusable = [row[0] for row in run(connection, f"select line_number from {table} where {these} and not ({usable})")]
    numbered = {row[0] for row in run(connection, f"select line_number from {records}")}
    raw = physical_lines(source.bytes_path, set(range(1, source.physical_lines + 1)) - numbered)
    header = {1} if layout.header_lines else set()
    blank = {line for line, data in raw.items() if not data.strip()}
    broken = sorted(set(raw) - header - blank)
    run(connection, f"delete from {table} where {these} and not ({usable})")
    reasons = dict.fromkeys(broken, "wrong_field_count") | dict.fromkeys(unusable, "unusable_election_map_line")
    if reasons:
        _quarantine_map_lines(
            connection, target, lines, reasons, physical_lines(source.bytes_path, set(reasons)), source.encoding
        )

    # Map files are a few dozen lines each: their lines are told apart in Python.
    def per_part(numbers) -> Counter:
        return Counter(lines.part_of(line) for line in numbers)

    headers, blanks, records_read, unusables = per_part(header), per_part(blank), per_part(numbered), per_part(unusable)
    reasons_per_part = Counter((lines.part_of(line), reason) for line, reason in reasons.items())
    for index, (outcome, part) in enumerate(zip(outcomes, lines.parts, strict=True)):
        outcome.lines_read = part.lines + part.header_lines_left_out
        outcome.header_lines = headers[index] + part.header_lines_left_out
        outcome.blank_lines = blanks[index]
        outcome.rows_loaded = records_read[index] - unusables[index]
        outcome.quarantine_reasons = {reason: count for (i, reason), count in reasons_per_part.items() if i == index}
        outcome.rows_quarantined = sum(outcome.quarantine_reasons.values())
    drop_numbered_records(connection, records)


def _quarantine_map_lines(
    connection: duckdb.DuckDBPyConnection,
    target: Target,
    lines: LineMap,
    reasons: dict[int, str],
    raw: dict[int, bytes],
    encoding: str,
) -> None:
    """Quarantine rows for map lines, each under its own file and line."""

    def own(line: int) -> tuple[str, int]:
        part = lines.parts[lines.part_of(line)]
        return part.file_name, line - part.shift

    connection.executemany(
        """insert into raw.quarantine
           (partition_date, source_id, file_name, line_number, record_kind, voter_id, reasons, raw_line, detail)
           values (?, ?, ?, ?, ?, null, ?, ?, ?)""",
        [
            (
                target.partition_date,
                target.source_id,
                *own(line),
                ELECTION_MAP,
                [reason],
                decode_for_quarantine(raw.get(line, b""), encoding),
                _MAP_DETAILS[reason],
            )
            for line, reason in sorted(reasons.items())
        ],
    )


_MAP_DETAILS = {
    "wrong_field_count": "the line does not split into the election map's columns",
    "unusable_election_map_line": "no slot number or election code, or no election date: the line maps no election",
}


def election_codes(connection: duckdb.DuckDBPyConnection, table: str) -> ElectionCodes | None:
    """The election codes the run's election maps list (MI's electionscd.lst), for the history files
    that name their elections by code; None when no map lists a code. A code listed twice keeps its
    first line."""
    rows = run(
        connection,
        f"""
        select election_code, strftime(election_date, '%Y-%m-%d'), election_type, election_label, file_name
        from {table} where election_code is not null
        qualify row_number() over (partition by election_code order by file_name, line_number) = 1
        order by election_code
        """,
    )
    if not rows:
        return None
    return ElectionCodes(
        file_names=tuple(sorted({row[4] for row in rows})),
        dates={code: day for code, day, _, _, _ in rows},
        types={code: election_type for code, _, election_type, _, _ in rows if election_type},
        labels={code: label for code, _, _, label, _ in rows if label},
    )


def drop_staging(connection: duckdb.DuckDBPyConnection, staging: str) -> None:
    for suffix in ("", "_findings", "_verdicts", "_quarantined", "_superseded"):
        run(connection, f"drop table if exists {staging}{suffix}")


def json_counts(counts: dict[str, int]) -> str:
    return json.dumps(counts, sort_keys=True)
