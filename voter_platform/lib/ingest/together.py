"""The parts of one product (FL's 67 county files, OH's four county ranges, IA's numbered parts) read
and decided together: the ingest's fixed cost is paid per product, not per file.

Reading a file costs about 0.2 s however small it is (some 36 DuckDB statements and a pandera pass);
a state of 254 county files of voters and 254 of history paid it 508 times. Now the parts of a
product that DuckDB can read as they are become one working copy, the *concatenation*, which
stage.py and load.py read and decide as one file; a line map then gives every row back its own file
and line.

Why a concatenated copy rather than one read_csv([...]) over the parts: every guarantee of the
single-file path is built on one file's line numbers -- rows numbered from their rowids around the
lines the reader skipped, refused lines re-read by number, the blank-line scan, the trailing-field
arithmetic over the pre-pass's byte counts, glued-line recovery, the quarantine's raw text fetched
by line number, derived history joined back to its voter by line. A concatenation is just a longer
file, so all of it holds unchanged; a list of files would have needed every one of them taught
per-file numbering. The copy costs one sequential write of the parts' bytes (and their size in the
work folder while the product is read), far less than the per-file statements it saves.

The copy holds the parts one after another: the first part whole; a later part without its header
line when it has one (OH repeats the header in every part: that line is counted as the part's
header, never quarantined as a repeated header); a part that ends without a line ending gets one.
IA's header is only in its first part: that part goes first, the others follow without a header.

    copy line  ->  (file, line in that file)      by the line map: one range per part
                                                  (PartInCopy: first line in the copy, lines, header left out)

While the product is decided, its rows carry the product's name (`LineMap.read_as`) and copy line
numbers; within-file rules stay within a file (deduplication is keyed by the part, see dedup.py).
After the decision, one UPDATE per raw table gives rows their file and line (`reattribute`), and the
counts of every FileOutcome are taken per part (load.py), so each part reconciles on its own and the
ingest log keeps a row per file. Records two parts both hold are then superseded across parts as for
any multi-part delivery (parts.py). Derived history (PA, OH, IA) and election maps (PA) are read from
the same copy, once per product.

Parts that need a working copy of their own (UTF-16, mixed or bare-CR line endings), a BOM where the
copy would put it mid-file, or a layout, encoding or line ending different from the rest are read one
by one, as before (`reading_key` says which can go together).
"""

from __future__ import annotations

import bisect
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import BinaryIO, TypeVar

import duckdb

from voter_platform.lib.ingest.duck import run
from voter_platform.lib.ingest.formats import FileLayout
from voter_platform.lib.ingest.lines import case_tree
from voter_platform.lib.ingest.prepass import CHUNK_BYTES, FileFacts
from voter_platform.lib.sql import sql_list, sql_string

T = TypeVar("T")


@dataclass(frozen=True)
class PartInCopy:
    """Where one part's lines are in the copy."""

    file_name: str
    first_line: int  # its first line in the copy (1-based)
    lines: int  # its lines in the copy
    header_lines_left_out: int = 0  # its header line, not copied (counted as the part's header)

    @property
    def own_lines(self) -> int:
        """The part's physical lines (its own file's)."""
        return self.lines + self.header_lines_left_out

    @property
    def shift(self) -> int:
        """copy line - shift = the line in the part's own file."""
        return self.first_line - 1 - self.header_lines_left_out


@dataclass(frozen=True)
class LineMap:
    """The files whose lines a read holds: one file as it is, or the parts of a concatenation."""

    parts: tuple[PartInCopy, ...]

    @classmethod
    def whole_file(cls, file_name: str, lines: int) -> LineMap:
        return cls((PartInCopy(file_name, 1, lines),))

    @property
    def together(self) -> bool:
        return len(self.parts) > 1

    @property
    def read_as(self) -> str:
        """The file name rows carry while the read is decided: the file's own, or the product's."""
        first = self.parts[0].file_name
        return first if not self.together else f"<{len(self.parts)} parts read together, from {first}>"

    @property
    def file_names(self) -> list[str]:
        return [part.file_name for part in self.parts]

    def part_sql(self, line_number: str) -> str:
        """The index of the part a copy line belongs to (a binary CASE tree over the parts' first lines)."""
        if not self.together:
            return "0"
        # Largest index whose first line <= the line; parts with no lines in the copy own none.
        starts = [(part.first_line - 1, index) for index, part in enumerate(self.parts) if index and part.lines]
        return case_tree(starts, line_number)

    def file_name_sql(self, line_number: str) -> str:
        return f"{sql_list(self.file_names)}[{self.part_sql(line_number)} + 1]"

    def own_line_sql(self, line_number: str) -> str:
        """The line in its own file of a copy line."""
        shifts = "[" + ", ".join(str(part.shift) for part in self.parts) + "]"
        return f"{line_number} - {shifts}[{self.part_sql(line_number)} + 1]"

    def copy_line_sql(self, file_name: str, line_number: str) -> str:
        """The copy line of a file's own line (the inverse of file_name_sql / own_line_sql)."""
        shifts = "[" + ", ".join(str(part.shift) for part in self.parts) + "]"
        return f"{line_number} + map({sql_list(self.file_names)}, {shifts})[{file_name}]"

    @cached_property
    def _starts(self) -> list[int]:
        # Non-decreasing; a part with no lines in the copy starts where the next one does and owns none.
        return [part.first_line for part in self.parts]

    def part_of(self, copy_line: int) -> int:
        """The index of the part a copy line belongs to (for the few lines handled in Python)."""
        return max(bisect.bisect_right(self._starts, copy_line) - 1, 0)

    def reattribute(
        self,
        connection: duckdb.DuckDBPyConnection,
        table: str,
        where: str,
        params: dict[str, object],
        also: Sequence[str] = (),
    ) -> None:
        """Give the rows of `table` read as the product (`where` and file_name = read_as) their own
        file and line; `also` names further columns holding a line of the same part (kept_line_number)."""
        if not self.together:
            return
        shifted = "".join(f", {column} = {self.own_line_sql(column)}" for column in also)
        run(
            connection,
            f"""
            update {table} set file_name = {self.file_name_sql("line_number")},
                line_number = {self.own_line_sql("line_number")}{shifted}
            where {where} and file_name = {sql_string(self.read_as)}
            """,
            params,
        )


@dataclass(frozen=True)
class Concatenation:
    path: Path
    lines: LineMap
    physical_lines: int  # of the copy
    delimiter_bytes: int | None  # the copy's, as the pre-pass would have counted them
    quote_bytes: int | None


def reading_key(layout: FileLayout, facts: FileFacts, encoding: str) -> tuple | None:
    """Parts with the same key can be read as one copy; None: this part is read on its own."""
    if facts.needs_working_copy(encoding) or encoding not in ("utf-8", "latin-1"):
        return None
    if facts.line_endings not in ("lf", "crlf"):
        return None  # a file of one line without an ending: nothing to save
    if facts.bom and layout.header_lines == 0:
        return None  # its BOM would land inside the copy
    return (
        layout.spec.id,
        layout.header_fields,
        tuple(sorted(layout.positions.items())),
        layout.named_count,
        layout.file_state,
        layout.record_length,
        encoding,
        facts.line_endings,
    )


@dataclass(frozen=True)
class PartToCopy:
    file_name: str
    path: Path
    facts: FileFacts
    header_lines: int  # the part's own header lines (1 or 0)


def copy_order(parts: Sequence[T], header_lines: Callable[[T], int]) -> list[T]:
    """A part with its header first (its header is the copy's); the others in their order."""
    with_header = next((part for part in parts if header_lines(part)), None)
    return ([with_header] if with_header is not None else []) + [part for part in parts if part is not with_header]


@contextmanager
def concatenated(parts: Sequence[PartToCopy], delimiter: str | None, work_dir: Path | None) -> Iterator[Concatenation]:
    """The parts, in `copy_order`, as one working copy (removed afterwards)."""
    ordered = parts
    with tempfile.TemporaryDirectory(prefix="parts-together-", dir=work_dir) as folder:
        path = Path(folder) / ordered[0].path.name
        placed: list[PartInCopy] = []
        next_line = 1
        left_out_delimiters = left_out_quotes = 0
        with path.open("wb", buffering=0) as copy:  # unbuffered: _append_rest writes behind Python's back
            for number, part in enumerate(ordered):
                ending = b"\r\n" if part.facts.line_endings == "crlf" else b"\n"
                left_out = part.header_lines if number else 0
                with part.path.open("rb") as source:
                    if left_out:
                        header = source.readline()
                        left_out_delimiters += header.count(delimiter.encode()) if delimiter else 0
                        left_out_quotes += header.count(b'"')
                    _append_rest(source, copy)
                    if part.facts.size > 0 and not _ends_with_newline(source):
                        copy.write(ending)  # the last line gets its ending, so the next part starts a line
                lines = part.facts.physical_lines - left_out
                placed.append(PartInCopy(part.file_name, next_line, lines, left_out))
                next_line += lines

        def total(counts: list[int | None], left_out: int) -> int | None:
            return None if any(count is None for count in counts) else sum(counts) - left_out  # type: ignore[arg-type]

        yield Concatenation(
            path,
            LineMap(tuple(placed)),
            next_line - 1,
            total([part.facts.delimiter_bytes for part in ordered], left_out_delimiters),
            total([part.facts.quote_bytes for part in ordered], left_out_quotes),
        )


def _append_rest(source: BinaryIO, copy: BinaryIO) -> None:
    """Append what is left of `source` to `copy`: in the kernel (copy_file_range: the bytes never pass
    through Python, about half the time of a chunked copy) where the system allows it, else in chunks."""
    position = source.tell()
    end = os.fstat(source.fileno()).st_size
    copy_file_range = getattr(os, "copy_file_range", None)
    try:
        while copy_file_range is not None and position < end:
            copied = copy_file_range(source.fileno(), copy.fileno(), end - position, position)
            if copied == 0:
                break
            position += copied
    except OSError:  # not between these files: the rest goes the ordinary way
        pass
    source.seek(position)
    shutil.copyfileobj(source, copy, CHUNK_BYTES)


def _ends_with_newline(source) -> bool:
    if source.seek(0, 2) == 0:
        return True
    source.seek(-1, 2)
    return source.read(1) == b"\n"
