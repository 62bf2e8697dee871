"""Reading a file's lines with DuckDB while keeping every line's physical number.

Two readers, one promise (each physical line is accounted for, with its number):

* the *record reader* lets DuckDB's CSV parser split and type the fields (fast, parallel), in strict
  mode: every line after the header that fits the layout's N typed fields becomes one row, in file
  order; the lines it refuses (a field that does not fit, a wrong field count, bad quoting, bytes
  invalid in the encoding) are listed in its rejects table with their line number; empty lines are
  skipped silently (stage.py finds them);
* the *line reader* reads each physical line as one VARCHAR (no quoting, a delimiter byte that never
  occurs in text), blank lines as NULL rows; the fields are then split in SQL. It is used for a whole
  file when the record reader cannot be trusted with it (carriage returns inside lines, or quotes
  whose records spans.py cannot tell apart) and to look at lines one by one.

A record whose quoted value holds a line break is one row of the record reader over several lines;
its rejects table then counts records, not lines. spans.py finds which lines start rows and which
continue one (only when the numbers do not add up); the lines that continue a row are skipped lines.

Accepted rows are renumbered around the lines a reader skipped:

    accepted row r is physical line  r + #{j : S_j - j < r}   for skipped lines S_1 < S_2 < ...

(every skipped line before a row shifts it by one; S_j - j is how many rows precede the j-th skip).
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from voter_platform.lib.ingest.duck import run, scalar
from voter_platform.lib.ingest.formats import FileLayout
from voter_platform.lib.ingest.prepass import LINE_READER_DELIMITER, blank_line_numbers
from voter_platform.lib.ingest.records import required_columns, split_fields_sql
from voter_platform.lib.ingest.spans import record_lines
from voter_platform.lib.sql import sql_string

MAX_LINE_BYTES = 1 << 20
# Up to this many skipped lines are renumbered by an inline binary CASE tree (cheap on millions of
# rows); beyond it, by an ASOF join.
INLINE_RENUMBER_LIMIT = 4096


def _duckdb_encoding(encoding: str) -> str:
    return {"utf-8": "utf-8", "latin-1": "latin-1"}[encoding]


def _rejects_options(rejects_table: str) -> str:
    return (
        f"ignore_errors = true, store_rejects = true, rejects_table = {sql_string(rejects_table)}, "
        f"rejects_scan = {sql_string(rejects_table + '_scan')}"
    )


def record_reader_sql(path: Path, encoding: str, layout: FileLayout, rejects_table: str, all_text: bool = False) -> str:
    """(c1..cN) for every line after the header (if any) that DuckDB parses into the N typed fields, in file order.

    A fixed-width layout is read as one field per line (c1, the whole record), cut in SQL.
    `all_text`: every field as VARCHAR and none required (a second look at the same records, e.g.
    for their history columns): it accepts every line the typed read accepts.

    No row numbers here: a row_number() window would make the parse single-threaded. The rows are
    stored in a temporary table in file order (DuckDB preserves insertion order) and numbered from
    its rowid.
    """
    spec = layout.spec
    if spec.is_fixed_width:
        delimiter, quote, types, not_null = chr(ord(LINE_READER_DELIMITER)), "", ["VARCHAR"], ""
    else:
        delimiter, quote = spec.text.delimiter, spec.text.quote or ""
        types = ["VARCHAR"] * layout.field_count if all_text else layout.reader_types()
        required = [] if all_text else [layout.source_position(column) for column in required_columns(layout)]
        not_null = ", ".join(f"'c{position}'" for position in required if position is not None)
    columns = ", ".join(f"'c{i}': {sql_string(sql_type)}" for i, sql_type in enumerate(types, start=1))
    return f"""
        select *
        from read_csv(
            {sql_string(str(path))},
            columns = {{{columns}}},
            header = false, skip = {layout.header_lines}, delim = {sql_string(delimiter)},
            quote = {sql_string(quote)}, escape = {sql_string(quote)},
            auto_detect = false, strict_mode = true, null_padding = false,
            {f"force_not_null = [{not_null}]," if not_null else ""}
            dateformat = {sql_string(spec.date_format)},
            timestampformat = {sql_string(spec.timestamp_format)},
            max_line_size = {MAX_LINE_BYTES}, encoding = {sql_string(_duckdb_encoding(encoding))},
            {_rejects_options(rejects_table)}
        )
    """


def line_reader_sql(path: Path, encoding: str, rejects_table: str, numbered: bool = True) -> str:
    """(row_index, raw) for every physical line DuckDB can decode; blank lines as NULL. Not `numbered`:
    (raw) only, read in parallel (the row_number() window makes the read single-threaded)."""
    return f"""
        select {"row_number() over () as row_index, " if numbered else ""}raw
        from read_csv(
            {sql_string(str(path))},
            columns = {{'raw': 'VARCHAR'}},
            header = false, delim = chr({ord(LINE_READER_DELIMITER)}), quote = '', escape = '',
            auto_detect = false, strict_mode = true,
            max_line_size = {MAX_LINE_BYTES}, encoding = {sql_string(_duckdb_encoding(encoding))},
            {_rejects_options(rejects_table)}
        )
    """


def rejected_line_numbers(connection: duckdb.DuckDBPyConnection, rejects_table: str) -> dict[int, str]:
    """Line number -> DuckDB's error type, one entry per refused line."""
    rows = connection.execute(f"select line, min(error_type) from {rejects_table} group by line").fetchall()
    return {int(line): str(error_type) for line, error_type in rows}


def rejected_records(connection: duckdb.DuckDBPyConnection, rejects_table: str) -> dict[int, int]:
    """DuckDB's line number -> the byte offset its line starts at, one entry per refused record.

    The line numbers are the file's lines only while no record spans lines (DuckDB counts records, and
    empty lines); the offsets hold either way (spans.py)."""
    rows = connection.execute(
        f"select line, min(line_byte_position) - 1 from {rejects_table} group by line order by line"
    ).fetchall()
    return {int(line): int(offset) for line, offset in rows}


def drop_rejects_tables(connection: duckdb.DuckDBPyConnection, rejects_table: str) -> None:
    run(connection, f"drop table if exists {rejects_table}")
    run(connection, f"drop table if exists {rejects_table}_scan")


def physical_line_number(row_index: int, skipped: list[int], first_line: int = 1) -> int:
    """The physical line of accepted row `row_index` (1-based), given the sorted skipped lines."""
    shifted = [line - (first_line - 1) - j for j, line in enumerate(skipped, start=1)]
    return row_index + (first_line - 1) + bisect.bisect_right(shifted, row_index - 1)


@dataclass(frozen=True)
class Renumbering:
    """How to turn `row_index` into the physical line number for a set of skipped lines.

    `first_line` is the physical line of row 1 when nothing is skipped (2 when the reader started
    after the header); `skipped` are physical line numbers.
    """

    skipped: tuple[int, ...]
    first_line: int = 1

    def _shifts(self) -> list[tuple[int, int]]:
        # (S_j - j, j) keeping the largest j for consecutive skips that share S_j - j, with lines
        # counted from first_line.
        largest_j: dict[int, int] = {}
        for j, line in enumerate(sorted(self.skipped), start=1):
            largest_j[line - (self.first_line - 1) - j] = j
        return sorted(largest_j.items())

    def line_number_sql(self, row_index_sql: str) -> str | None:
        """The physical line as an expression of the row index, or None when there are too many
        skipped lines for an inline expression (use update_sql after inserting then)."""
        shifts = self._shifts()
        if len(shifts) > INLINE_RENUMBER_LIMIT:
            return None
        return f"{row_index_sql} + {self.first_line - 1} + {case_tree(shifts, row_index_sql)}"

    def update_sql(self, table: str, only_where: str = "true", row_index_sql: str = "row_index") -> str | None:
        """UPDATE table.line_number from the row index, or None when the numbers are already right."""
        if not self.skipped:
            return None
        shifts = self._shifts()
        base = f"{row_index_sql} + {self.first_line - 1}"
        if len(shifts) <= INLINE_RENUMBER_LIMIT:
            return f"update {table} set line_number = {base} + {case_tree(shifts, row_index_sql)} where {only_where}"
        values = ", ".join(f"({shifted}, {j})" for shifted, j in shifts)
        qualified = row_index_sql.replace("line_number", f"{table}.line_number").replace(
            "row_index", f"{table}.row_index"
        )
        return f"""
            update {table} set line_number = {qualified} + {self.first_line - 1} + renumbered.rejected_before
            from (
                select staged.row_index, shifts.rejected_before
                from (select distinct {row_index_sql} as row_index from {table} where {only_where}) staged
                asof join (values {values}) as shifts(shifted, rejected_before) on shifts.shifted < staged.row_index
            ) renumbered
            where {qualified} = renumbered.row_index
        """


def case_tree(shifts: list[tuple[int, int]], row_index_sql: str = "row_index", lower_shift: int = 0) -> str:
    """Binary search as nested CASE: the largest j with S_j - j < row index (0 when none)."""
    if not shifts:
        return str(lower_shift)
    middle = len(shifts) // 2
    shifted, j = shifts[middle]
    return (
        f"(case when {row_index_sql} > {shifted} then {case_tree(shifts[middle + 1 :], row_index_sql, j)} "
        f"else {case_tree(shifts[:middle], row_index_sql, lower_shift)} end)"
    )


def read_numbered_records(
    connection: duckdb.DuckDBPyConnection,
    layout: FileLayout,
    path: Path,
    encoding: str,
    physical_lines: int,
    table: str,
    fields: Sequence[str] | None = None,
) -> None:
    """CREATE `table` (line_number, c1..cN as text) of every record line DuckDB parses, numbered
    around the lines it skipped (a second look at a file's records, e.g. its history columns).

    `fields`: only these are kept, SELECT items over c1..cN (the parse still splits every field, so
    every line the full read accepts is accepted; what is saved is storing 100 columns to use a dozen)."""
    rejects, read = f"{table}_rejects", f"{table}_read"
    reader = record_reader_sql(path, encoding, layout, rejects, all_text=True)
    if fields is not None and not layout.spec.is_fixed_width:
        reader = f"select {', '.join(dict.fromkeys(fields))} from ({reader})"
    run(connection, f"create or replace temp table {read} as {reader}")
    rejected = rejected_records(connection, rejects)
    drop_rejects_tables(connection, rejects)
    accepted = int(scalar(connection, f"select count(*) from {read}"))
    # Numbered around the lines the reader skipped: empty ones, refused records, and the lines that
    # continue a record whose quoted value holds a line break (spans.py).
    records = record_lines(path, encoding, layout, physical_lines, accepted, rejected)
    if records is None and not layout.spec.is_fixed_width:
        # Quotes that cannot be told apart: the records cannot be numbered from their positions, and the
        # file's records were loaded line by line (stage.py's line reader). Read them so here too, or
        # every record after the spanning one would carry another line's number.
        run(connection, f"drop table {read}")
        _read_numbered_lines(connection, layout, path, encoding, table, fields)
        return
    skipped = records.skipped if records is not None else sorted({*rejected, *blank_line_numbers(path)})
    renumbering = Renumbering(tuple(skipped), first_line=layout.header_lines + 1)
    number_stored_read(connection, table, renumbering)


def fields_as_columns(fields_sql: str, count: int) -> str:
    """c1..cN of a list of a record's fields, as the record reader has them (an empty field is null)."""
    return ", ".join(f"nullif({fields_sql}[{i}], '') as c{i}" for i in range(1, count + 1))


def _read_numbered_lines(
    connection: duckdb.DuckDBPyConnection,
    layout: FileLayout,
    path: Path,
    encoding: str,
    table: str,
    fields: Sequence[str] | None,
) -> None:
    """read_numbered_records as the line reader reads a file: every physical line split into c1..cN by
    the line reader's splitter, numbered by its line (an empty field is null, as the record reader has it)."""
    rejects, read = f"{table}_rejects", f"{table}_read"
    columns = fields_as_columns("fields", layout.field_count)
    split = split_fields_sql("raw", layout.spec.text.delimiter or ",")
    reader = line_reader_sql(path, encoding, rejects)
    lines = f"select row_index, {split} as fields from ({reader}) where raw is not null"
    selected = ", ".join(dict.fromkeys(fields)) if fields is not None else "*"
    run(
        connection,
        f"create or replace temp table {read} as "
        f"select row_index as line_number, {selected} from (select row_index, {columns} from ({lines}))",
    )
    rejected = rejected_line_numbers(connection, rejects)
    drop_rejects_tables(connection, rejects)
    renumber = Renumbering(tuple(sorted(rejected))).update_sql(read, row_index_sql="line_number")
    if renumber:
        run(connection, renumber)
    run(connection, f"create or replace temp view {table} as select * from {read}")


def number_stored_read(connection: duckdb.DuckDBPyConnection, table: str, renumbering: Renumbering) -> None:
    """`table`: a view of the stored read `{table}_read` with the rows' physical line numbers in front.

    Rows are stored in file order; a temporary table's rowids start at some offset. When the numbering
    is a formula of the position, the view computes it (nothing copied); else the read is replaced by a
    numbered copy, shifted by an ASOF join, and the view shows that."""
    read = f"{table}_read"
    first_rowid = int(scalar(connection, f"select coalesce(min(rowid), 0) from {read}"))
    row_index = f"(rowid - {first_rowid} + 1)"
    line_number = renumbering.line_number_sql(row_index)
    if line_number is None:  # thousands of skipped lines: number first, then shift
        header_lines = renumbering.first_line - 1
        run(
            connection,
            f"create or replace temp table {read}_numbered as "
            f"select {row_index} + {header_lines} as line_number, * from {read}",
        )
        run(connection, renumbering.update_sql(f"{read}_numbered", "true", f"(line_number - {header_lines})"))
        run(connection, f"drop table {read}")
        run(connection, f"alter table {read}_numbered rename to {table}_read")
        run(connection, f"create or replace temp view {table} as select * from {read}")
    else:
        run(connection, f"create or replace temp view {table} as select {line_number} as line_number, * from {read}")


def drop_numbered_records(connection: duckdb.DuckDBPyConnection, table: str) -> None:
    """Drop what read_numbered_records / number_stored_read made: the view and the read under it."""
    run(connection, f"drop view if exists {table}")
    run(connection, f"drop table if exists {table}_read")
