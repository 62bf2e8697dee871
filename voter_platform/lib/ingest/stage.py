"""Stage one file: every physical line becomes a row of a staging table (see records.py).

The fast way is DuckDB's own CSV parser (the record reader). What it does not hand back is put
back from elsewhere:

* lines it refuses (a field that does not fit its type, a wrong field count, bad quoting, bad
  bytes) are re-read by number and split in SQL (the careful path);
* empty lines, which it skips silently, come from a scan for empty lines;
* lines with extra *empty* trailing fields, which it accepts silently, are found by arithmetic: the
  pre-pass counted the delimiter bytes of the file; the parsed rows account for (fields - 1) each,
  the refused lines and the header for their own, quoted delimiters for the rest. Any surplus means
  such lines exist, and a line-level scan finds them to flag them.

If the rows cannot be numbered (a quoted field spanning lines) or the file mixes line endings, the
whole file goes through the line reader instead. Either way the staging table ends with exactly one
part-0 row per physical line, which `stage_file` verifies.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa

from voter_platform.lib.ingest.duck import run, scalar
from voter_platform.lib.ingest.formats import Layout
from voter_platform.lib.ingest.lines import (
    MAX_LINE_BYTES,
    Renumbering,
    drop_rejects_tables,
    line_reader_sql,
    physical_line_number,
    record_reader_sql,
    rejected_line_numbers,
)
from voter_platform.lib.ingest.prepass import blank_line_numbers, lines_with_quotes, physical_lines
from voter_platform.lib.ingest.records import (
    glued_records_sql,
    line_staging_select,
    mark_unsplit_glued_sql,
    record_staging_sql,
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

# Up to this many quote bytes, quoted delimiters are counted line by line in Python; beyond it
# (NC files quote every value) the trailing-field scan simply runs.
QUOTE_SCAN_LIMIT = 200_000


class StagingError(RuntimeError):
    """The staging table does not account for every line: a bug, never silently ignored."""


@dataclass(frozen=True)
class FileToStage:
    layout: Layout
    read_path: Path  # what DuckDB reads (the file, or its working copy)
    encoding: str  # utf-8 | latin-1 (of read_path)
    bytes_path: Path  # where the original bytes of a line are fetched from
    physical_lines: int
    mixed_line_endings: bool = False
    # From the pre-pass of read_path (None: not counted, e.g. a working copy): see the module doc.
    delimiter_bytes: int | None = None
    quote_bytes: int | None = None


def stage_file(connection: duckdb.DuckDBPyConnection, table: str, source: FileToStage, snapshot: date) -> str:
    """Create the staging table `table`; return which reader parsed the bulk of the file."""
    reader = RECORD_READER
    if source.mixed_line_endings or not _stage_with_record_reader(connection, table, source, snapshot):
        reader = LINE_READER
        _stage_with_line_reader(connection, table, source, snapshot)
    glued = glued_records_sql(table, source.layout, snapshot)
    if glued:
        run(connection, glued)
    run(connection, mark_unsplit_glued_sql(table))
    staged_lines = scalar(connection, f"select count(*) from {table} where part = 0")
    if staged_lines != source.physical_lines:
        raise StagingError(f"staged {staged_lines} lines but the file has {source.physical_lines}")
    return reader


def _stage_with_record_reader(
    connection: duckdb.DuckDBPyConnection, table: str, source: FileToStage, snapshot: date
) -> bool:
    """Stage through DuckDB's CSV parser; False (and nothing staged) when its rows cannot be numbered."""
    layout = source.layout
    rejects = f"{table}_rejects"
    reader = record_reader_sql(source.read_path, source.encoding, layout, rejects)
    for statement in record_staging_sql(table, layout, reader, snapshot):
        run(connection, statement)
    rejected = rejected_line_numbers(connection, rejects)
    drop_rejects_tables(connection, rejects)
    accepted = int(scalar(connection, f"select count(*) from {table}"))
    # Lines neither accepted, refused nor the header were skipped as empty; anything else (a quoted
    # field spanning lines) means the rows cannot be numbered: the line reader takes over.
    counted = accepted + len(rejected) + 1
    blanks = blank_line_numbers(source.read_path) if counted < source.physical_lines else []
    skipped = sorted(set(rejected) | set(blanks))
    if accepted + len(skipped) + 1 != source.physical_lines or 1 in rejected:
        run(connection, f"drop table {table}")
        return False
    # Rows were numbered row + 1; with lines skipped, row = line_number - 1.
    renumber = Renumbering(tuple(skipped), first_line=2).update_sql(table, row_index_sql="(line_number - 1)")
    if renumber:
        run(connection, renumber)
    _add_lines(connection, table, "header", [1])
    _add_lines(connection, table, "blank", blanks)
    refused = physical_lines(source.bytes_path, set(rejected)) if rejected else {}
    _stage_refused_lines(connection, table, source, refused, snapshot)
    if _extra_delimiters(source, accepted, refused) != 0:
        _flag_trailing_empty_fields(connection, table, source, set(rejected))
    return True


def _stage_refused_lines(
    connection: duckdb.DuckDBPyConnection, table: str, source: FileToStage, refused: dict[int, bytes], snapshot: date
) -> None:
    """Stage the lines the record reader refused through the line splitter."""
    readable: dict[int, str] = {}
    for line_number, data in refused.items():
        if len(data) > MAX_LINE_BYTES:
            _add_lines(connection, table, "line_too_long", [line_number])
            continue
        try:
            readable[line_number] = data.decode(source.encoding)
        except UnicodeDecodeError:
            _add_lines(connection, table, "invalid_encoding", [line_number])
    if not readable:
        return
    lines = pa.table({"line_number": pa.array(list(readable), pa.int64()), "raw": list(readable.values())})
    connection.register("refused_lines", lines)
    try:
        select = line_staging_select(
            source.layout, "select null::bigint as row_index, line_number, raw from refused_lines", snapshot
        )
        run(connection, f"insert into {table} by name {select}")
    finally:
        connection.unregister("refused_lines")


def _extra_delimiters(source: FileToStage, accepted: int, refused: dict[int, bytes]) -> int | None:
    """Delimiters of the accepted rows beyond their N - 1 each (0: no trailing fields; None: unknown)."""
    if source.delimiter_bytes is None or source.quote_bytes is None or source.quote_bytes > QUOTE_SCAN_LIMIT:
        return None
    delimiter = source.layout.format.delimiter
    header_delimiters = source.layout.field_count - 1
    refused_delimiters = sum(data.count(delimiter.encode()) for data in refused.values())
    quoted = 0
    if source.quote_bytes:
        for line, (delimiters, fields) in lines_with_quotes(source.read_path, delimiter).items():
            if line not in refused and line != 1:
                quoted += delimiters - (fields - 1)
    accepted_delimiters = source.delimiter_bytes - header_delimiters - refused_delimiters - quoted
    return accepted_delimiters - (source.layout.field_count - 1) * accepted


def _flag_trailing_empty_fields(
    connection: duckdb.DuckDBPyConnection, table: str, source: FileToStage, refused: set[int]
) -> None:
    """Find the accepted lines with more fields than the header (all extra ones empty) and flag them."""
    layout = source.layout
    delimiter = layout.format.delimiter
    rejects = f"{table}_scan_rejects"
    candidates = connection.execute(
        f"""
        select row_index, raw from ({line_reader_sql(source.read_path, source.encoding, rejects)})
        where length(raw) - length(replace(raw, $delimiter, '')) > {layout.field_count - 1}
        """,
        {"delimiter": delimiter},
    ).fetchall()
    unreadable = sorted(rejected_line_numbers(connection, rejects))
    drop_rejects_tables(connection, rejects)
    flagged = []
    for row_index, raw in candidates:
        line = physical_line_number(int(row_index), unreadable)
        if line == 1 or line in refused:
            continue
        fields = next(csv.reader([raw], delimiter=delimiter))
        if len(fields) > layout.field_count:
            flagged.append(line)
    if flagged:
        run(
            connection,
            f"""
            update {table} set issues = list_append(coalesce(issues, []), 'trailing_empty_columns')
            where part = 0 and line_kind = 'record' and line_number in (select unnest($lines))
            """,
            {"lines": flagged},
        )


def _stage_with_line_reader(
    connection: duckdb.DuckDBPyConnection, table: str, source: FileToStage, snapshot: date
) -> None:
    rejects = f"{table}_rejects"
    reader = line_reader_sql(source.read_path, source.encoding, rejects)
    lines = f"select row_index, row_index as line_number, raw from ({reader})"
    run(connection, f"create or replace temp table {table} as {line_staging_select(source.layout, lines, snapshot)}")
    rejected = rejected_line_numbers(connection, rejects)
    drop_rejects_tables(connection, rejects)
    renumber = Renumbering(tuple(sorted(rejected))).update_sql(table)
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
        _add_lines(connection, table, kind, line_numbers)


def _add_lines(connection: duckdb.DuckDBPyConnection, table: str, kind: str, line_numbers: list[int]) -> None:
    """Staging rows for lines with no fields to type (the header, blank or unreadable lines)."""
    if not line_numbers:
        return
    run(
        connection,
        f"""
        insert into {table} (row_index, line_number, part, line_kind, field_count, irregular_raw, issues)
        select null, unnest($lines), 0, $kind, 0, null, null
        """,
        {"lines": line_numbers, "kind": kind},
    )
