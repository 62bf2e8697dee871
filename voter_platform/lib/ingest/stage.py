"""Read one file: the bulk of its records straight into the raw table, everything else into a small
staging table, with every physical line accounted for.

The fast way is DuckDB's own CSV parser (the record reader), typing each field as it parses and
writing the rows into `raw.voters` / `raw.vote_history` in the same statement: a sound file costs
about what a bare `read_csv` into a table costs. What the reader does not hand back is put back
from elsewhere, into the staging table (records.py has its columns):

* lines it refuses (a field that does not fit its type, a wrong field count, bad quoting, bad
  bytes, an empty required field) are re-read by number and split in SQL (the careful path);
* the header, and the empty lines it skips silently (found by a scan for empty lines);
* lines with extra *empty* trailing fields, which it accepts silently, are found by arithmetic: the
  pre-pass counted the delimiter bytes of the file; accepted rows account for N - 1 each, the
  refused lines and the header for their own, quoted delimiters for the rest. Any surplus means
  such lines exist, and a line-level scan finds them (they are flagged, see load.py).

Rows are numbered row + 1 as they are written and renumbered in place when the reader skipped
lines (lines.py). A record whose quoted value holds a line break is one row of the reader over
several lines: spans.py tells which lines continue it (staged as `continuation` lines) and which
lines its rows start on, and the record is held (its breaks read as spaces, flagged) or, for a quote
that never closes, its first line quarantined. If the rows still cannot be numbered (quotes the count
cannot explain) or the file has carriage returns inside its lines, the bulk insert is undone and the
whole file goes through the line reader into the staging table instead. Either way, raw rows +
staging lines = physical lines, which is verified.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa

from voter_platform.layouts.registry import VOTER
from voter_platform.lib.ingest.duck import prime_appends, run, scalar
from voter_platform.lib.ingest.formats import FileLayout
from voter_platform.lib.ingest.lines import (
    MAX_LINE_BYTES,
    Renumbering,
    drop_rejects_tables,
    line_reader_sql,
    number_stored_read,
    record_reader_sql,
    rejected_line_numbers,
    rejected_records,
)
from voter_platform.lib.ingest.prepass import line_numbers_of, lines_with_quotes, physical_lines
from voter_platform.lib.ingest.records import (
    FINGERPRINT_SQL,
    fixed_width_glued_sql,
    glued_records_sql,
    line_staging_select,
    mark_unsplit_glued_sql,
    raw_table,
    record_insert_sql,
    text_columns,
)
from voter_platform.lib.ingest.shapes import record_shapes
from voter_platform.lib.ingest.spans import (
    LINE_BREAK_FLAG,
    UNTERMINATED_QUOTE,
    RecordLines,
    joined_record,
    leaves_quote_open,
    record_lines,
    single_spaced_sql,
)

RECORD_READER = "duckdb read_csv"
LINE_READER = "line reader"

# The line reader's rejects: DuckDB error type -> line kind (= quarantine reason).
_LINE_READER_REJECTS = {
    "INVALID ENCODING": "invalid_encoding",
    "INVALID UNICODE": "invalid_encoding",
    "LINE SIZE OVER MAXIMUM": "line_too_long",
    "TOO MANY COLUMNS": "control_character",
}

# Quoted delimiters are counted line by line in Python while quotes are rare (at most one quoted
# line in eight, roughly: cheaper than scanning every line); beyond that (NC and PA files quote every
# value) the trailing-field scan runs, unless the delimiters leave no surplus to explain.
QUOTE_LINES_PER_QUOTE_BYTE = 4


class StagingError(RuntimeError):
    """The raw rows and the staging table do not account for every line: a bug, never ignored."""


@dataclass(frozen=True)
class FileToStage:
    layout: FileLayout
    read_path: Path  # what DuckDB reads (the file, or its working copy)
    encoding: str  # utf-8 | latin-1 (of read_path)
    bytes_path: Path  # where the original bytes of a line are fetched from
    physical_lines: int
    # Carriage returns inside lines (the working copy marks them with a byte only the line reader
    # refuses): the file is read line by line. Lines that merely end in CRLF and LF alike (a CRLF inside
    # a quoted value of an LF file) are read by the record reader from the copy, all LF.
    stray_carriage_returns: bool = False
    # From the pre-pass of read_path (None: not counted, e.g. a working copy): see the module doc.
    delimiter_bytes: int | None = None
    quote_bytes: int | None = None
    # A temp table name: the fast read's records are also kept there, numbered (lines.number_stored_read),
    # for a second look at them (history in the voters file) without reading the file again.
    keep_records_as: str | None = None
    keep_fields: tuple[str, ...] = ()  # SELECT items over c1..cN kept beyond the record's own fields (the history's)
    # Parts read together (together.py): the lines where each later part starts (no record runs over one).
    part_starts: tuple[int, ...] = ()


@dataclass(frozen=True)
class Target:
    """The raw table rows of one file: `where` selects exactly them (with `params`)."""

    partition_date: date
    source_id: str
    file_name: str
    record_kind: str

    @property
    def table(self) -> str:
        return raw_table(self.record_kind)

    where = "partition_date = $partition_date and source_id = $source_id and file_name = $file_name"

    @property
    def params(self) -> dict[str, object]:
        return {"partition_date": self.partition_date, "source_id": self.source_id, "file_name": self.file_name}


@dataclass
class StagedFile:
    reader: str
    bulk_rows: int  # records written straight into the raw table
    # Lines of bulk rows with findings the reading made (typing issues, trailing or unnamed fields).
    bulk_findings: dict[int, list[str]] = field(default_factory=dict)
    kept_records: str | None = None  # source.keep_records_as, when the fast read kept them


def stage_file(
    connection: duckdb.DuckDBPyConnection, staging: str, source: FileToStage, target: Target, snapshot: date
) -> StagedFile:
    """Write the file's sound records into the raw table and the rest into `staging`."""
    staged = None
    if not source.stray_carriage_returns:
        staged = _read_with_record_reader(connection, staging, source, target, snapshot)
    if staged is None:
        _read_with_line_reader(connection, staging, source, snapshot)
        staged = StagedFile(LINE_READER, 0)
    fixed_width = source.layout.spec.is_fixed_width
    if scalar(connection, f"select count(*) from {staging} where line_kind in ('glued', 'glued_or_trailing')"):
        if fixed_width:
            glued = fixed_width_glued_sql(staging, source.layout, snapshot)
        else:
            shapes = record_shapes(source.layout, source.read_path, source.encoding)
            glued = glued_records_sql(staging, source.layout, snapshot, shapes)
        if glued:
            run(connection, glued)
    unsplit = "wrong_line_length" if fixed_width else "glued_records_unrecoverable"
    run(connection, mark_unsplit_glued_sql(staging, unsplit))
    staged_lines = scalar(connection, f"select count(*) from {staging} where part = 0") + staged.bulk_rows
    if staged_lines != source.physical_lines:
        raise StagingError(f"read {staged_lines} lines but the file has {source.physical_lines}")
    return staged


def _read_with_record_reader(
    connection: duckdb.DuckDBPyConnection, staging: str, source: FileToStage, target: Target, snapshot: date
) -> StagedFile | None:
    """The fast path; None (and nothing written) when its rows cannot be numbered."""
    layout = source.layout
    rejects = f"{staging}_rejects"
    reader = record_reader_sql(source.read_path, source.encoding, layout, rejects)
    kept = source.keep_records_as
    if kept:
        # The fields the insert reads (every typed one among them: a typed field left unparsed could
        # not refuse its line, and the rows must be the ones the insert alone would take) and the history's.
        fields = [f"c{position}" for position in sorted(layout.record_positions())]
        fields += [item for item in source.keep_fields if item not in fields]
        if not layout.spec.is_fixed_width:
            reader = f"select {', '.join(fields)} from ({reader})"
        run(connection, f"create or replace temp table {kept}_read as {reader}")
        reader = f"select * from {kept}_read"
    accepted = int(scalar(connection, record_insert_sql(layout, reader, snapshot), target.params))
    rejected = rejected_records(connection, rejects)
    drop_rejects_tables(connection, rejects)
    # Lines neither accepted, refused nor the header were skipped as empty, or continue a record whose
    # quoted value holds a line break (spans.py); when that cannot be told, the rows cannot be numbered:
    # the line reader takes over.
    header_lines = layout.header_lines
    records = record_lines(
        source.read_path, source.encoding, layout, source.physical_lines, accepted, rejected, source.part_starts
    )
    if records is None or (header_lines and 1 in records.refused):
        run(connection, f"delete from {target.table} where {target.where}", target.params)
        if kept:
            run(connection, f"drop table {kept}_read")
        return None
    renumbering = Renumbering(tuple(records.skipped), first_line=header_lines + 1)
    _number_lines(connection, target, renumbering)
    if kept:
        number_stored_read(connection, kept, renumbering)

    staged = StagedFile(RECORD_READER, accepted, kept_records=kept)
    # Values in unnamed trailing columns and typing findings were noted in the rows' quality_flags
    # by the same read that numbered them (one numbering for every finding).
    for line_number, findings in run(
        connection,
        f"select line_number, quality_flags from {target.table} where {target.where} and len(quality_flags) > 0",
        target.params,
    ):
        for finding in findings:
            staged.bulk_findings.setdefault(int(line_number), []).append(str(finding))
    if staged.bulk_findings:
        run(
            connection,
            f"update {target.table} set quality_flags = [] where {target.where} and len(quality_flags) > 0",
            target.params,
        )
    _rows_over_lines(connection, target, records, staged)

    run(connection, f"create or replace temp table {staging} as {line_staging_select(layout, _NO_LINES, snapshot)}")
    # Created empty, it may next receive a read's worth of refused lines at once.
    prime_appends(connection, staging, {"line_number": "0", "part": "0", "line_kind": "'primed'"})
    if header_lines:
        _add_lines(connection, staging, "header", [1])
    _add_lines(connection, staging, "blank", records.blanks)
    _add_lines(connection, staging, "continuation", records.continuation)
    refused = _refused_records(source, records)
    if layout.spec.is_fixed_width:
        odd = _take_back_odd_lengths(connection, target, staged)
        refused.update(physical_lines(source.bytes_path, odd) if odd else {})
    _stage_refused_lines(connection, staging, source, refused, snapshot)
    _mark_refused_over_lines(connection, staging, source, records, refused)
    # Trailing empty fields exist only where there are fields (not in fixed-width records).
    if not layout.spec.is_fixed_width and _extra_delimiters(source, accepted, refused) != 0:
        for line in _lines_with_trailing_fields(connection, staging, source, set(records.skipped)):
            staged.bulk_findings.setdefault(line, []).append("trailing_empty_columns")
    return staged


def _take_back_odd_lengths(connection: duckdb.DuckDBPyConnection, target: Target, staged: StagedFile) -> set[int]:
    """Fixed width: the few bulk rows whose line is no record length leave the raw table for the careful
    path, which looks for the records in them (a record cut short or whole, then the next one: a lost
    newline) and quarantines the rest. Their line numbers."""
    odd = {line for line, findings in staged.bulk_findings.items() if "wrong_line_length" in findings}
    if not odd:
        return odd
    numbers = pa.table({"line_number": pa.array(sorted(odd), pa.int64())})
    connection.register("odd_length_lines", numbers)
    try:
        run(
            connection,
            f"delete from {target.table} where {target.where} "
            "and line_number in (select line_number from odd_length_lines)",
            target.params,
        )
    finally:
        connection.unregister("odd_length_lines")
    for line in odd:
        del staged.bulk_findings[line]
    staged.bulk_rows -= len(odd)
    return odd


def _rows_over_lines(
    connection: duckdb.DuckDBPyConnection, target: Target, records: RecordLines, staged: StagedFile
) -> None:
    """Accepted rows over several lines: a held one gets its line breaks read as spaces and the flag
    `line_break_in_value`; one whose quote never closes is quarantined (`unterminated_quote`), the lines
    it ran over being read each on its own (spans.py)."""
    for line in records.held:
        staged.bulk_findings.setdefault(line, []).append(LINE_BREAK_FLAG)
    for line in records.broken:
        staged.bulk_findings.setdefault(line, []).append(UNTERMINATED_QUOTE)
    if not records.held:
        return
    joined = ", ".join(f"{column} = {single_spaced_sql(column)}" for column in text_columns(target.record_kind))
    fingerprint = f", record_fingerprint = {FINGERPRINT_SQL}" if target.record_kind == VOTER else ""
    run(
        connection,
        f"update {target.table} set {joined}{fingerprint} where {target.where} and list_contains($lines, line_number)",
        {**target.params, "lines": records.held},
    )


def _refused_records(source: FileToStage, records: RecordLines) -> dict[int, bytes]:
    """The text of each refused record, by its first line: its line, or a held record's lines joined
    (its line breaks read as spaces)."""
    if not records.refused:
        return {}
    wanted = {line for lines in records.refused.values() for line in lines}
    raw = physical_lines(source.bytes_path, wanted)
    return {
        first: joined_record(raw, lines) if len(lines) > 1 else raw.get(first, b"")
        for first, lines in records.refused.items()
    }


def _mark_refused_over_lines(
    connection: duckdb.DuckDBPyConnection,
    staging: str,
    source: FileToStage,
    records: RecordLines,
    refused: dict[int, bytes],
) -> None:
    """A refused record held over several lines is flagged `line_break_in_value`; a refused line that
    opens a quote never closed is quarantined as `unterminated_quote` (its fields as far as they go)."""
    held = [first for first, lines in records.refused.items() if len(lines) > 1]
    if held:
        run(
            connection,
            f"update {staging} set issues = list_append(coalesce(issues, []), '{LINE_BREAK_FLAG}') "
            "where line_kind = 'record' and list_contains($lines, line_number)",
            {"lines": held},
        )
    unterminated = set(records.unterminated)
    quote, delimiter = source.layout.spec.text.quote, source.layout.spec.text.delimiter
    if quote and delimiter and not source.layout.spec.is_fixed_width:
        # A line the reader refused that ends inside its quotes: the last line of the file (else the
        # quote would have run on into the next line). Only a line with an odd count of quotes is read
        # field by field (a file quoting every value may refuse thousands of lines for other reasons).
        unterminated |= {
            line
            for line, data in refused.items()
            if line not in held and data.count(quote.encode()) % 2 and leaves_quote_open(data, delimiter, quote)
        }
    if unterminated:
        run(
            connection,
            f"update {staging} set line_kind = '{UNTERMINATED_QUOTE}', issues = null "
            "where part = 0 and list_contains($lines, line_number) "
            "and line_kind not in ('invalid_encoding', 'line_too_long', 'blank')",
            {"lines": sorted(unterminated)},
        )


def _number_lines(connection: duckdb.DuckDBPyConnection, target: Target, renumbering: Renumbering) -> None:
    """Give the rows just inserted their physical line numbers, from their positions.

    DuckDB appends the rows of one insert contiguously and in file order (it preserves insertion
    order, also when the read runs in parallel), so the row's position is its rowid minus the first
    rowid of the file's rows; lines the reader skipped shift the rest.
    """
    first_rowid = scalar(connection, f"select min(rowid) from {target.table} where {target.where}", target.params)
    if first_rowid is None:
        return
    row_index = f"(rowid - {int(first_rowid)} + 1)"
    line_number = renumbering.line_number_sql(row_index)
    if line_number is not None:
        run(connection, f"update {target.table} set line_number = {line_number} where {target.where}", target.params)
        return
    # Thousands of skipped lines: position first, then shift with an ASOF join.
    run(connection, f"update {target.table} set line_number = {row_index} + 1 where {target.where}", target.params)
    run(connection, renumbering.update_sql(target.table, target.where, "(line_number - 1)"), target.params)


# A typed, empty staging table: the careful path inserts into it.
_NO_LINES = "select null::bigint as row_index, null::bigint as line_number, null::varchar as raw where false"


def _stage_refused_lines(
    connection: duckdb.DuckDBPyConnection, staging: str, source: FileToStage, refused: dict[int, bytes], snapshot: date
) -> None:
    """Stage the lines the record reader refused through the line splitter."""
    readable: dict[int, str] = {}
    for line_number, data in refused.items():
        if len(data) > MAX_LINE_BYTES:
            _add_lines(connection, staging, "line_too_long", [line_number])
            continue
        try:
            readable[line_number] = data.decode(source.encoding)
        except UnicodeDecodeError:
            _add_lines(connection, staging, "invalid_encoding", [line_number])
    if not readable:
        return
    lines = pa.table({"line_number": pa.array(list(readable), pa.int64()), "raw": list(readable.values())})
    connection.register("refused_lines", lines)
    try:
        select = line_staging_select(
            source.layout, "select null::bigint as row_index, line_number, raw from refused_lines", snapshot
        )
        run(connection, f"insert into {staging} by name {select}")
    finally:
        connection.unregister("refused_lines")


def _extra_delimiters(source: FileToStage, accepted: int, refused: dict[int, bytes]) -> int | None:
    """Delimiters of the accepted rows beyond their N - 1 each (0: no trailing fields; None: unknown).

    Beyond N - 1, an accepted row's delimiter bytes are its extra fields' and those inside its quoted
    values, neither ever negative: no surplus at all means no trailing fields, whatever the quotes (a
    file that quotes every value and holds no delimiter in one is settled without a look at its lines)."""
    if source.delimiter_bytes is None or source.quote_bytes is None:
        return None
    delimiter = source.layout.spec.text.delimiter
    per_record = source.layout.field_count - 1
    refused_delimiters = sum(data.count(delimiter.encode()) for data in refused.values())
    surplus = source.delimiter_bytes - per_record * (source.layout.header_lines + accepted) - refused_delimiters
    if surplus == 0:
        return 0
    if source.quote_bytes * QUOTE_LINES_PER_QUOTE_BYTE > source.physical_lines:
        return None
    quoted = 0
    if source.quote_bytes:
        for line, (delimiters, fields) in lines_with_quotes(source.read_path, delimiter).items():
            if line not in refused and not (source.layout.header_lines and line == 1):
                quoted += delimiters - (fields - 1)
    return surplus - quoted


def _lines_with_trailing_fields(
    connection: duckdb.DuckDBPyConnection, staging: str, source: FileToStage, refused: set[int]
) -> list[int]:
    """Accepted lines with more fields than the header (DuckDB only accepts them when the extra ones are empty).

    The lines with more delimiters than the header (a quoted delimiter counts too: a few addresses)
    are picked out by a parallel read without row numbers, then found in the file by their bytes."""
    layout = source.layout
    delimiter = layout.spec.text.delimiter
    rejects = f"{staging}_scan_rejects"
    candidates = [
        raw
        for (raw,) in run(
            connection,
            f"""
            select raw from ({line_reader_sql(source.read_path, source.encoding, rejects, numbered=False)})
            where length(raw) - length(replace(raw, $delimiter, '')) > {layout.field_count - 1}
            """,
            {"delimiter": delimiter},
        )
    ]
    drop_rejects_tables(connection, rejects)
    numbers = line_numbers_of(source.read_path, [raw.encode(source.encoding) for raw in candidates])
    lines = []
    for line, raw in zip(numbers, candidates, strict=True):
        is_header = layout.header_lines and line == 1
        if (
            not is_header
            and line not in refused
            and len(next(csv.reader([raw], delimiter=delimiter))) > layout.field_count
        ):
            lines.append(line)
    return lines


def _read_with_line_reader(
    connection: duckdb.DuckDBPyConnection, staging: str, source: FileToStage, snapshot: date
) -> None:
    rejects = f"{staging}_rejects"
    reader = line_reader_sql(source.read_path, source.encoding, rejects)
    lines = f"select row_index, row_index as line_number, raw from ({reader})"
    run(connection, f"create or replace temp table {staging} as {line_staging_select(source.layout, lines, snapshot)}")
    rejected = rejected_line_numbers(connection, rejects)
    drop_rejects_tables(connection, rejects)
    renumber = Renumbering(tuple(sorted(rejected))).update_sql(staging)
    if renumber:
        run(connection, renumber)
    raw = physical_lines(source.bytes_path, set(rejected)) if rejected else {}
    by_kind: dict[str, list[int]] = {}
    for line_number, error_type in rejected.items():
        kind = _LINE_READER_REJECTS.get(error_type, "invalid_encoding")
        if kind == "control_character" and b"\r" in raw.get(line_number, b""):
            kind = "stray_carriage_return"
        by_kind.setdefault(kind, []).append(line_number)
    for kind, line_numbers in by_kind.items():
        _add_lines(connection, staging, kind, line_numbers)


def _add_lines(connection: duckdb.DuckDBPyConnection, staging: str, kind: str, line_numbers: list[int]) -> None:
    """Staging rows for lines with no fields to type (the header, blank or unreadable lines)."""
    if not line_numbers:
        return
    run(
        connection,
        f"""
        insert into {staging} (row_index, line_number, part, line_kind, field_count, irregular_raw, issues)
        select null, unnest($lines), 0, $kind, 0, null, null
        """,
        {"lines": line_numbers, "kind": kind},
    )
