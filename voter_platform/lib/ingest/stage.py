"""Stage one file: every physical line becomes a row of a staging table (see records.py).

The fast way is DuckDB's own CSV parser (the record reader); the lines it refuses are re-read by
number and split in SQL, and its silently skipped empty lines are put back from the pre-pass. If
the numbers do not add up (a quoted field spanning lines) or the file mixes line endings, the whole
file goes through the line reader instead. Either way the staging table ends with exactly one
part-0 row per physical line, which `stage_file` verifies.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa

from voter_platform.lib.ingest.duck import first, run, scalar
from voter_platform.lib.ingest.formats import Layout
from voter_platform.lib.ingest.lines import (
    MAX_LINE_BYTES,
    Renumbering,
    drop_rejects_tables,
    line_reader_sql,
    record_reader_sql,
    rejected_line_numbers,
)
from voter_platform.lib.ingest.prepass import blank_line_numbers, physical_lines
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


class StagingError(RuntimeError):
    """The staging table does not account for every line: a bug, never silently ignored."""


@dataclass(frozen=True)
class FileToStage:
    layout: Layout
    read_path: Path  # what DuckDB reads (the file, or its working copy)
    encoding: str  # utf-8 | latin-1 (of read_path)
    bytes_path: Path  # where the original bytes of a line are fetched from
    physical_lines: int
    mixed_line_endings: bool


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
    run(connection, record_staging_sql(table, layout, reader, snapshot))
    rejected = rejected_line_numbers(connection, rejects)
    drop_rejects_tables(connection, rejects)
    accepted = scalar(connection, f"select count(*) from {table}")
    # Lines neither accepted, refused nor the header were skipped as empty; anything else (a quoted
    # field spanning lines) means the rows cannot be numbered: the line reader takes over.
    counted = accepted + len(rejected) + 1
    blanks = blank_line_numbers(source.read_path) if counted < source.physical_lines else []
    skipped = sorted(set(rejected) | set(blanks))
    if accepted + len(skipped) + 1 != source.physical_lines or 1 in rejected:
        run(connection, f"drop table {table}")
        return False
    renumber = Renumbering(tuple(skipped), first_line=2).update_sql(table)
    if renumber:
        run(connection, renumber)
    _add_lines(connection, table, "header", [1])
    _add_lines(connection, table, "blank", blanks)
    _stage_refused_lines(connection, table, source, rejected, snapshot)
    return True


def _stage_refused_lines(
    connection: duckdb.DuckDBPyConnection, table: str, source: FileToStage, rejected: dict[int, str], snapshot: date
) -> None:
    """Re-read the lines the record reader refused and stage them through the line splitter."""
    if not rejected:
        return
    raw = physical_lines(source.bytes_path, set(rejected))
    readable: dict[int, str] = {}
    for line_number in rejected:
        data = raw.get(line_number, b"")
        if len(data) > MAX_LINE_BYTES:
            _add_lines(connection, table, "line_too_long", [line_number])
            continue
        try:
            readable[line_number] = data.decode(source.encoding)
        except UnicodeDecodeError:
            _add_lines(connection, table, "invalid_encoding", [line_number])
    if not readable:
        return
    lines = pa.table({"line_number": list(readable), "raw": list(readable.values())})
    connection.register("refused_lines", lines)
    try:
        select = line_staging_select(
            source.layout, "select null::bigint as row_index, line_number, raw from refused_lines", snapshot
        )
        run(connection, f"insert into {table} by name {select}")
    finally:
        connection.unregister("refused_lines")


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
    """Staging rows for lines with no fields to type (blank, or unreadable)."""
    if not line_numbers:
        return
    run(connection, 
        f"""
        insert into {table} (row_index, line_number, part, line_kind, field_count, irregular_raw, issues)
        select null, unnest($lines), 0, $kind, 0, null, null
        """,
        {"lines": line_numbers, "kind": kind},
    )
