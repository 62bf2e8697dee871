"""Records over several physical lines: a line break inside a quoted value (RFC 4180: one record).

DuckDB's record reader parses such a record as one row, its value holding the line break, which is
right; but it then hands back fewer rows than the file has lines, so its rows can no longer be numbered
from their positions alone (lines.py), and the rejects table's `line` counts records, not lines. For a
read whose numbers do not add up, `locate` finds which physical lines start the reader's rows and which
continue a record:

* each refused record is found by its byte offset (the rejects table's `line_byte_position`), and its
  extent by reading it as DuckDB's parser does (`_extent`: a quote opens a value at the start of a
  field, two quotes are one, a quote followed by anything but a delimiter or a line end is an error and
  the rest of that field is unquoted): a few records, short walks over their bytes;
* between them, an accepted record runs over several lines exactly where a quoted value is left open
  at the end of a line: a line with an odd number of quote characters opens it, the next such line
  closes it (prepass.scan_quotes counts them for the whole file in one numpy pass; the pairing runs
  over those few lines only).

The result must add up: header + blank lines + the refused records' lines + the accepted records' lines
= the file's lines, with as many accepted records as the reader returned. When it does not (a quote the
count cannot explain, such as an unquoted value ending in a quote, `12"`), `locate` says None and the
caller reads the file line by line (stage.py), as before.

A record is *held* when it spans at most MAX_RECORD_LINES lines, stays within its part (parts read
together, together.py) and its quotes close: it is loaded as one record on its first line, its line
breaks each read as one space and the record flagged `line_break_in_value`; its other lines are
*continuation* lines, accounted with it. Otherwise its quote is *unterminated* (it runs past a handful
of lines, to the end of the file or part, or closes where no value ends): the line it opens on is
quarantined (`unterminated_quote`) and each line it ran over is read on its own, as the line reader
would (a line of them that leaves a quote open is unterminated too).
"""

from __future__ import annotations

import bisect
import mmap
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from voter_platform.lib.ingest.formats import FileLayout
from voter_platform.lib.ingest.prepass import blank_line_numbers, scan_quotes
from voter_platform.lib.sql import sql_string

# A record over more lines than this is a quote that never closed, not an address typed over lines.
MAX_RECORD_LINES = 5
# The flag of a record held over lines, and the quarantine reason of a quote that never closes.
LINE_BREAK_FLAG = "line_break_in_value"
UNTERMINATED_QUOTE = "unterminated_quote"
# Where the extent of a refused record is no longer followed (DuckDB refuses a record of more than its
# 1 MiB line limit; beyond twice that, the numbers will not add up and the file is read line by line).
_MAX_RECORD_BYTES = 2 << 20

# The line breaks of a held record's value (with the spaces around them), each run read as one space.
LINE_BREAKS_PATTERN = r"[ \t]*(?:\r?\n[ \t]*)+"
_LINE_BREAKS = re.compile(LINE_BREAKS_PATTERN.encode())

_CLOSED, _QUOTE_ERROR, _OPEN_AT_END = "closed", "quote error", "open at the end"


@dataclass
class RecordLines:
    """Where a read's records lie, line by line (only lines with something to say are listed)."""

    skipped: list[int] = field(default_factory=list)  # lines no accepted row starts on (lines.Renumbering)
    blanks: list[int] = field(default_factory=list)  # empty lines outside any record
    continuation: list[int] = field(default_factory=list)  # lines continuing a held record
    held: list[int] = field(default_factory=list)  # first lines of accepted rows held over several lines
    broken: list[int] = field(default_factory=list)  # first lines of accepted rows whose quote never closes
    # Refused records to read again, first line -> its lines (several for a held record), and the lines
    # among them that leave a quote open (unterminated_quote).
    refused: dict[int, tuple[int, ...]] = field(default_factory=dict)
    unterminated: list[int] = field(default_factory=list)


def record_lines(
    path: Path,
    encoding: str,
    layout: FileLayout,
    physical_lines: int,
    accepted: int,
    refused: Mapping[int, int],
    part_starts: Sequence[int] = (),
) -> RecordLines | None:
    """Where the records of a read lie, from what its reader said: `accepted` rows, and `refused`, DuckDB's
    line of each refused record -> where that line starts (its byte offset in the text DuckDB read: the
    file, or its transcoding to UTF-8 when read as `encoding` latin-1). None: they cannot be told.

    When the numbers add up (no record over several lines: nearly always), the reader's own line numbers
    stand and nothing more is read than the empty lines (only when there are any); otherwise `locate`."""
    header_lines = layout.header_lines
    counted = accepted + len(refused) + header_lines
    blanks = blank_line_numbers(path) if counted < physical_lines else []
    if counted + len(blanks) == physical_lines:
        return RecordLines(
            skipped=sorted({*refused, *blanks}), blanks=blanks, refused={line: (line,) for line in sorted(refused)}
        )
    quote, delimiter = layout.spec.text.quote, layout.spec.text.delimiter
    if layout.spec.is_fixed_width or not quote or not delimiter:
        return None
    return locate(
        path,
        encoding,
        quote,
        delimiter,
        header_lines,
        physical_lines,
        accepted,
        list(refused.values()),
        blanks,
        part_starts,
    )


def locate(
    path: Path,
    encoding: str,
    quote: str,
    delimiter: str,
    header_lines: int,
    physical_lines: int,
    accepted: int,
    refused: Sequence[int],
    blanks: Sequence[int],
    part_starts: Sequence[int] = (),
) -> RecordLines | None:
    """The lines of a read whose reader accepted `accepted` rows and refused records whose lines DuckDB
    says start at the offsets `refused` (0-based, in the text it read; such an offset may point at the line
    ends and empty lines before the record), or None when they cannot be told apart (module doc).
    `blanks`: the file's empty lines; `part_starts`: the lines where a later part of a concatenation
    starts (no record runs over them)."""
    scan = scan_quotes(path, quote, delimiter, refused, latin1=encoding == "latin-1")
    odd_lines: list[int] = scan.odd_lines.tolist()
    with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        lines_at: dict[int, int] = {}  # a refused record's first byte -> its line
        for offset, line in scan.places.values():
            start = _record_start(data, offset)
            lines_at[start] = line + data[offset:start].count(b"\n")
        starts = sorted(lines_at)
        extents = {start: _extent(data, start, ord(delimiter), ord(quote)) for start in starts}
    found = RecordLines()
    taken: list[tuple[int, int]] = []  # (first, last) line of every refused record and accepted span
    after = header_lines + 1  # the first line after the last refused record
    regions: list[tuple[int, int]] = []  # the accepted stretches between them: first and last line
    for start in starts:
        first = lines_at[start]
        breaks, ended = extents[start]
        last = first + breaks
        if first < after or last > physical_lines:
            return None  # the records overlap or run past the file: not as DuckDB read them
        regions.append((after, first - 1))
        taken.append((first, last))
        _refused_record(found, first, last, ended, part_starts, odd_lines)
        after = last + 1
    regions.append((after, physical_lines))
    for first, last in regions:
        odd = odd_lines[bisect.bisect_left(odd_lines, first) : bisect.bisect_right(odd_lines, last)]
        if len(odd) % 2:
            return None  # a quote left open where the reader found none
        for opening, closing in zip(odd[0::2], odd[1::2], strict=True):
            taken.append((opening, closing))
            if _held(opening, closing, part_starts):
                found.held.append(opening)
                found.continuation.extend(range(opening + 1, closing + 1))
            else:
                found.broken.append(opening)
                _on_their_own(found, opening + 1, closing, odd_lines)
    taken.sort()
    found.blanks = [line for line in blanks if line > header_lines and not _within(taken, line)]
    found.continuation.sort()
    found.unterminated.sort()
    found.refused = dict(sorted(found.refused.items()))
    refused_lines = [line for record in found.refused.values() for line in record]
    found.skipped = sorted({*found.blanks, *found.continuation, *refused_lines})
    if physical_lines - header_lines - len(found.skipped) != accepted:
        return None
    return found


def _record_start(data: mmap.mmap, offset: int) -> int:
    """The record's first byte: DuckDB's line start may be the line end before it, and empty lines."""
    while offset < len(data) and data[offset] in (0x0A, 0x0D):
        offset += 1
    return offset


def _extent(data: mmap.mmap | bytes, start: int, delimiter: int, quote: int) -> tuple[int, str]:
    """(line breaks inside the record that starts at `start`, how it ended), reading it as DuckDB does."""
    position, breaks, error = start, 0, False
    end = min(len(data), start + _MAX_RECORD_BYTES)
    field_start = True
    while position < end:
        if field_start and data[position] == quote:
            position += 1
            while True:  # inside the quoted value
                closing = data.find(bytes((quote,)), position, end)
                if closing < 0:  # to the end of the file (or past any record's length)
                    return breaks + data[position:end].count(b"\n"), _OPEN_AT_END
                breaks += data[position:closing].count(b"\n")
                if closing + 1 < end and data[closing + 1] == quote:
                    position = closing + 2  # a doubled quote: one quote character of the value
                    continue
                position = closing + 1
                break
            following = data[position] if position < end else 0x0A
            if following == delimiter:
                position += 1
                continue
            if following == 0x0A or (following == 0x0D and position + 1 < end and data[position + 1] == 0x0A):
                return breaks, _QUOTE_ERROR if error else _CLOSED
            error, field_start = True, False  # a value goes on after its closing quote: the rest is unquoted
            continue
        line_end = data.find(b"\n", position, end)
        line_end = end if line_end < 0 else line_end
        next_delimiter = data.find(bytes((delimiter,)), position, line_end)
        if next_delimiter < 0:
            return breaks, _QUOTE_ERROR if error else _CLOSED
        position, field_start = next_delimiter + 1, True
    if end < len(data):
        return breaks, _OPEN_AT_END  # longer than any record DuckDB reads: a quote that never closed
    return breaks, _QUOTE_ERROR if error else _CLOSED  # the file ends after the record's last field


def _held(first: int, last: int, part_starts: Sequence[int]) -> bool:
    """A record over lines first..last is held: a handful of lines at most, within one part."""
    crosses = bisect.bisect_right(part_starts, last) > bisect.bisect_right(part_starts, first)
    return last - first + 1 <= MAX_RECORD_LINES and not crosses


def _refused_record(
    lines: RecordLines, first: int, last: int, ended: str, part_starts: Sequence[int], odd_lines: list[int]
) -> None:
    """A refused record over lines first..last: one record to read again, or its lines each on its own."""
    if first == last:
        lines.refused[first] = (first,)
        if ended == _OPEN_AT_END:
            lines.unterminated.append(first)
        return
    if ended == _CLOSED and _held(first, last, part_starts):
        lines.refused[first] = tuple(range(first, last + 1))
        lines.continuation.extend(range(first + 1, last + 1))
        return
    lines.refused[first] = (first,)
    lines.unterminated.append(first)
    _on_their_own(lines, first + 1, last, odd_lines)


def _on_their_own(lines: RecordLines, first: int, last: int, odd_lines: list[int]) -> None:
    """Lines a quote that never closed ran over: each read on its own; one that leaves a quote open
    itself is unterminated too."""
    odd = set(odd_lines[bisect.bisect_left(odd_lines, first) : bisect.bisect_right(odd_lines, last)])
    for line in range(first, last + 1):
        lines.refused[line] = (line,)
        if line in odd:
            lines.unterminated.append(line)


def _within(spans: list[tuple[int, int]], line: int) -> bool:
    """Whether `line` lies inside one of the sorted (first, last) spans."""
    index = bisect.bisect_right(spans, (line, float("inf"))) - 1
    return index >= 0 and spans[index][0] <= line <= spans[index][1]


def leaves_quote_open(line: bytes, delimiter: str, quote: str) -> bool:
    """Whether a line, read on its own, ends inside a quoted value (a quote that never closes)."""
    return _extent(line, 0, ord(delimiter), ord(quote))[1] == _OPEN_AT_END


def single_spaced_sql(value: str) -> str:
    """SQL: a value of a held record with each run of line breaks read as one space (as `joined_record`)."""
    return f"regexp_replace({value}, {sql_string(LINE_BREAKS_PATTERN)}, ' ', 'g')"


def joined_record(lines: dict[int, bytes], numbers: Sequence[int]) -> bytes:
    """A held record's text from its lines: each run of line breaks inside its values read as one space."""
    return _LINE_BREAKS.sub(b" ", b"\n".join(lines[number] for number in numbers))
