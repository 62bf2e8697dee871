"""Which registered layout a file is, and where each of its columns sits.

The layouts themselves are data (voter_platform/layouts/*.yaml, validated by layouts/registry.py).
This module recognises a file — by its header where it has one; a headerless or fixed-width file by
its name, field count (or line length) and the value patterns of its first line — and returns a
`FileLayout`: the layout plus the position of every source column in this file's lines. Everything
after it (typing, rules, dedup, the write) is the same for every layout, so the marts never know
where a voter came from.

Exact layouts (canonical, goodparty) must match their header exactly; header-matched layouts (the
state files) are matched by column names, because real headers come in varying order, vintages and
historical spellings.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import PurePath

from voter_platform.layouts.registry import VOTE_HISTORY, VOTER, Layout, SourceField, layouts
from voter_platform.lib import vocabularies as vocab
from voter_platform.lib.landing import name_without_date
from voter_platform.lib.sql import sql_string

__all__ = ["VOTER", "VOTE_HISTORY", "ElectionCodes", "FileLayout", "UnknownFormatError", "detect_layout", "source_id"]


@cache
def formats() -> tuple[Layout, ...]:
    """The registry's layouts in the order they are tried: exact headers, then the header-matched
    layouts with the most required names (the more specific first), then headerless ones."""
    order = {"exact": 0, "names": 1, "none": 2}
    return tuple(
        sorted(
            layouts().values(),
            key=lambda spec: (
                order[spec.recognise.header],
                spec.record_kind != VOTER,
                -len(spec.recognise.required),
                spec.id,
            ),
        )
    )


def _header_of(layout_id: str) -> tuple[str, ...]:
    return tuple(source.name for source in layouts()[layout_id].fields)


CANONICAL_VOTER_HEADER = _header_of("canonical_voters")
CANONICAL_HISTORY_HEADER = _header_of("canonical_vote_history")
GOODPARTY_HEADER = _header_of("goodparty")


@dataclass(frozen=True)
class FastType:
    """How DuckDB's CSV reader parses a column on the fast path (see records.py).

    A value the type cannot take (a code outside the layout's table, a masked date, a padded code)
    makes DuckDB refuse the line, which then goes through the careful SQL path instead.
    """

    sql_type: str  # DATE | TIMESTAMP | INTEGER | ENUM(...)
    canonical: tuple[tuple[str, str], ...] = ()  # ENUM: (source spelling, canonical value)


DATE = FastType("DATE")
TIMESTAMP = FastType("TIMESTAMP")
INTEGER = FastType("INTEGER")


def _enum(mapping: dict[str, str]) -> FastType:
    values = ", ".join(sql_string(spelling) for spelling in mapping)
    return FastType(f"ENUM({values})", tuple(mapping.items()))


def decoding(spec: Layout, canonical: str) -> tuple[dict[str, str], tuple[str, ...], str | None]:
    """(source spelling -> canonical value, the vocabulary, catch-all) for a coded column.

    The layout's code table when it declares one (keys upper case), otherwise the platform's own
    spellings (canonical and goodparty layouts). Keys of the platform's spellings are upper case.
    """
    spellings, vocabulary, catch_all = vocab.PLATFORM_SPELLINGS[canonical]
    table = spec.code_table(canonical)
    return (table if table is not None else spellings), vocabulary, catch_all


def _enum_of_spellings(spec: Layout, canonical: str) -> FastType:
    """An ENUM of the spellings a source writes, each with its canonical value.

    With a code table: its codes as the files write them (IA's `Active`) and upper case. Without: the
    vocabulary's own values and the platform's upper-case spellings of them (what canonical files
    hold); anything else goes the careful way."""
    written = spec.codes_as_written(canonical)
    if written is not None:
        return _enum({code.upper(): value for code, value in written.items()} | written)
    spellings, vocabulary, _ = vocab.PLATFORM_SPELLINGS[canonical]
    mapping = {value: value for value in vocabulary}
    return _enum(mapping | {key: value for key, value in spellings.items() if key not in mapping})


_FAST_CODED = (
    "gender",
    "race",
    "ethnicity",
    "party",
    "registration_status",
    "election_type",
    "voting_method",
    "party_ballot",
)


@cache
def fast_types(spec: Layout) -> dict[str, FastType]:
    """Canonical column -> how the record reader types its (single) source field; others are VARCHAR.

    Padded layouts are read as text (a padded code fits no ENUM; it is trimmed in SQL). Only dates in
    the layout's own date format are typed by the reader (DuckDB takes one date format per read).
    """
    if spec.text.padded:
        return {}
    types: dict[str, FastType] = {}
    for canonical in {canonical for source in spec.fields for canonical in source.canonical}:
        sources = spec.fields_for(canonical)
        if len(sources) != 1 or len(sources[0].canonical) != 1:
            continue
        if canonical in ("birth_date", "registered_date", "last_voted_date", "election_date"):
            if spec.date_format_of(sources[0]) == spec.date_format and not spec.placeholder_dates:
                types[canonical] = DATE
        elif canonical == "updated_at":
            types[canonical] = TIMESTAMP
        elif canonical in ("age", "birth_year"):
            types[canonical] = INTEGER
        elif canonical in _FAST_CODED:
            types[canonical] = _enum_of_spellings(spec, canonical)
        elif canonical == "state" and spec.state is None and spec.state_in_file_name is None:
            types[canonical] = _enum(
                {
                    **{code: code for code in vocab.STATE_CODES},
                    **{name: code for name, code in vocab.STATE_SPELLINGS.items() if name not in vocab.STATE_CODES},
                }
            )
    return types


class UnknownFormatError(ValueError):
    """The header line matches none of the accepted formats."""


@dataclass(frozen=True)
class ElectionCodes:
    """The elections a delivery's election-code lookup lists (MI's electionscd.lst), for a history file
    that names each election by its code (layouts dated_by_election_code): code -> ISO date, type (where
    the title names one) and title."""

    file_names: tuple[str, ...]  # the lookup files they were read from
    dates: dict[str, str]
    types: dict[str, str]
    labels: dict[str, str]


@dataclass(frozen=True)
class FileLayout:
    """A layout as found in one file: where each source column sits in its lines."""

    spec: Layout
    header_fields: tuple[
        str, ...
    ]  # as written (normalised), including empty trailing ones; the layout's names when headerless
    positions: dict[str, int]  # source field name (lower case) -> 1-based field position
    named_count: int  # fields up to the last named one
    variant: str  # e.g. "11 columns", "10 named columns + 3 empty", "71 columns", "38 fields, no header"
    file_state: str | None = None  # the state every record of this file belongs to (layout or file name)
    record_length: int | None = None  # fixed width: the length of this file's records
    # False for the later parts of a product whose header is only in its first part (IA).
    has_header_line: bool = True
    # A history file dated by its election codes: the lookup delivered with it (None: none came).
    election_codes: ElectionCodes | None = None

    @property
    def field_count(self) -> int:
        return len(self.header_fields)

    @property
    def header_lines(self) -> int:
        return 1 if self.spec.has_header and self.has_header_line else 0

    @property
    def record_lengths(self) -> tuple[int, ...]:
        """Fixed width: the lengths a record line may have (registry.Layout.record_lengths)."""
        assert self.record_length is not None
        return self.spec.record_lengths(self.record_length)

    def cut(self, line_sql: str, segmented: bool = False) -> _FixedWidthFields:
        """Fixed width: `.format(position)` gives the SQL of a field cut from `line_sql`; `segmented`:
        from the segment columns `segment_columns(line_sql)` adds beside it."""
        return _FixedWidthFields(self.spec, line_sql, segmented)

    def segment_columns(self, line_sql: str) -> str:
        """Fixed width: the line cut into runs of whole fields (`<line>_s0, <line>_s1, ...`), for
        `cut(line_sql, segmented=True)`. DuckDB's substr walks the string up to the end of what it
        cuts (UTF-8), so 30 fields cut from a 685-character line walk ~10,000 characters; cut from
        runs of at most ~128 characters, ~3,000 (TX: 2.5x less time cutting)."""
        return ", ".join(
            f"substr({line_sql}, {start}, {width}) as {line_sql}_s{number}"
            for number, (start, width) in enumerate(_segments(self.spec))
        )

    def source_fields(self, canonical: str) -> tuple[tuple[SourceField, int], ...]:
        """The fields feeding a canonical column in this file, with their positions, in field order."""
        found = []
        for source in self.spec.fields_for(canonical):
            position = next((self.positions[name] for name in source.names if name in self.positions), None)
            if position is not None:
                found.append((source, position))
        return tuple(sorted(found, key=lambda item: item[1]))

    def record_positions(self) -> set[int]:
        """The fields a raw row is made from: every field feeding a canonical column, and the unnamed
        trailing ones (a value there is flagged)."""
        canonicals = {canonical for source in self.spec.fields for canonical in source.canonical}
        fed = {position for canonical in canonicals for _, position in self.source_fields(canonical)}
        return fed | set(range(self.named_count + 1, self.field_count + 1))

    def source_position(self, canonical: str) -> int | None:
        """The position of a canonical column fed by one field (None when absent or composite)."""
        found = self.source_fields(canonical)
        return found[0][1] if len(found) == 1 else None

    def reader_types(self) -> list[str]:
        """DuckDB types of the fields, by position, for the fast record reader."""
        types = ["VARCHAR"] * self.field_count
        for canonical_column, fast_type in fast_types(self.spec).items():
            position = self.source_position(canonical_column)
            if position is not None and canonical_column not in self.constants:
                types[position - 1] = fast_type.sql_type
        return types

    @property
    def constants(self) -> dict[str, str]:
        """Canonical values constant for the file: the layout's, and the state when known."""
        values = dict(self.spec.constants)
        if self.file_state is not None:
            values["state"] = self.file_state
        return values

    @property
    def checked_state_position(self) -> int | None:
        """A state column that only checks the file's state (voters_NC_… with a state column)."""
        return self.source_position("state") if self.file_state is not None and self.spec.state is None else None


class _FixedWidthFields:
    """Stands where a field template ('c{}', 'fields[{}]') stands: the field at a position of a
    fixed-width record, cut from its line (or from the line's segment holding it) with substr."""

    def __init__(self, spec: Layout, line_sql: str, segmented: bool) -> None:
        self.spec, self.line_sql, self.segmented = spec, line_sql, segmented

    def format(self, position: int) -> str:
        source = self.spec.fields[position - 1]
        if not self.segmented:
            return f"substr({self.line_sql}, {source.start}, {source.width})"
        assert source.start is not None
        number, (start, _) = next(
            (number, segment)
            for number, segment in enumerate(_segments(self.spec))
            if segment[0] <= source.start < segment[0] + segment[1]
        )
        return f"substr({self.line_sql}_s{number}, {source.start - start + 1}, {source.width})"


# The widest run of fields cut from a fixed-width line in one piece (a wider field is a run of its own).
_SEGMENT_WIDTH = 128


@cache
def _segments(spec: Layout) -> tuple[tuple[int, int], ...]:
    """(start, width) of the runs of consecutive fields a fixed-width line is cut into first."""
    runs: list[list[int]] = []  # [start, end]
    for source in sorted(spec.fields, key=lambda field: field.start or 0):
        assert source.start is not None and source.width is not None
        end = source.start + source.width - 1
        # A field overlapping the run (a composite of others) must be in it.
        if runs and (source.start <= runs[-1][1] or end - runs[-1][0] < _SEGMENT_WIDTH):
            runs[-1][1] = max(runs[-1][1], end)
        else:
            runs.append([source.start, end])
    return tuple((start, end - start + 1) for start, end in runs)


def normalise_header_field(text: str) -> str:
    """Header names compare trimmed, unquoted and lower-cased ("Confidential_ind" = confidential_ind)."""
    text = text.strip().lstrip("\ufeff").strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        text = text[1:-1].replace('""', '"')
    return text.strip().lower()


def split_header(line: str, delimiter: str) -> tuple[str, ...]:
    """A header's names, split as a CSV line (a quoted name may hold the delimiter: UT's
    "Mailing city, state  zip")."""
    text = line.rstrip("\r\n")
    if '"' not in text:
        return tuple(normalise_header_field(part) for part in text.split(delimiter))
    parts = next(csv.reader([text], delimiter=delimiter, quotechar='"', skipinitialspace=False), [])
    return tuple(normalise_header_field(part) for part in parts)


def _file_state(spec: Layout, file_name: str | None) -> str | None:
    if spec.state is not None:
        return spec.state
    if spec.state_in_file_name and file_name:
        found = re.search(spec.state_in_file_name, PurePath(file_name).name.lower())
        if found and found["state"].upper() in vocab.STATE_CODES:
            return found["state"].upper()
    return None


def _match(spec: Layout, line: str, file_name: str | None) -> FileLayout | None:
    if spec.recognise.header == "none":
        return _match_headerless(spec, line, file_name)
    if spec.text.delimiter is None:
        return None
    fields = split_header(line, spec.text.delimiter)
    named = list(fields)
    while named and named[-1] == "":
        named.pop()
    if spec.recognise.header == "exact":
        return _match_exact(spec, fields, tuple(named), file_name)
    return _match_names(spec, fields, tuple(named), file_name)


def _match_exact(
    spec: Layout, fields: tuple[str, ...], named: tuple[str, ...], file_name: str | None
) -> FileLayout | None:
    """The header is the layout's fields in order (each under its name or an alias), optionally
    without its optional trailing columns."""
    spellings = [source.names for source in spec.fields]
    lengths = [len(spellings)]
    if spec.recognise.optional_trailing:
        lengths.append(len(spellings) - len(spec.recognise.optional_trailing))
    for length in lengths:
        if len(named) == length and all(name in spellings[index] for index, name in enumerate(named)):
            empties = len(fields) - len(named)
            variant = f"{len(named)} columns" + (f" + {empties} empty" if empties else "")
            positions = {name: index for index, name in enumerate(named, start=1)}
            return FileLayout(spec, fields, positions, len(named), variant, _file_state(spec, file_name))
    return None


def _match_names(
    spec: Layout, fields: tuple[str, ...], named: tuple[str, ...], file_name: str | None
) -> FileLayout | None:
    required = {name.lower() for name in spec.recognise.required}
    if "" in named or not required.issubset(named):
        return None
    return FileLayout(
        spec, fields, _name_positions(spec, named), len(named), f"{len(named)} columns", _file_state(spec, file_name)
    )


def _name_positions(spec: Layout, named: tuple[str, ...]) -> dict[str, int]:
    """Field name (and alias) -> position in a header matched by names.

    Each name is at its first column. A name the header repeats (IA's raw header: CITY three times,
    every history slot column five times) is matched by occurrence: its n-th column is the layout's
    n-th field of that name, found under that field's aliases (GENERAL_ELECTION_DATE.1 is the second
    GENERAL_ELECTION_DATE column).
    """
    fields_named: dict[str, list[SourceField]] = {}
    for source in spec.fields:
        for name in source.names:
            fields_named.setdefault(name, []).append(source)
    positions: dict[str, int] = {}
    occurrences: dict[str, int] = {}
    for index, name in enumerate(named, start=1):
        occurrence = occurrences[name] = occurrences.get(name, 0) + 1
        if occurrence == 1:
            positions.setdefault(name, index)
            continue
        same_name = fields_named.get(name, [])
        if occurrence <= len(same_name):
            for alias in same_name[occurrence - 1].names:
                positions.setdefault(alias, index)
    return positions


def _match_headerless(spec: Layout, line: str, file_name: str | None, *, by_name: bool = True) -> FileLayout | None:
    """The layout of a headerless file whose line 1 is one of its records and whose name is as the
    layout's files are named (`by_name=False`: whatever the name, to say so when it is not)."""
    recognise = spec.recognise
    named_as_expected = file_name and re.search(recognise.file_name or "", PurePath(file_name).name, re.I)
    if by_name and recognise.file_name and not named_as_expected:
        return None
    record = line.rstrip("\r\n")
    names = tuple(source.name.lower() for source in spec.fields)
    positions = {name: index for index, name in enumerate(names, start=1)}
    record_length = None
    if spec.is_fixed_width:
        if recognise.line_length and len(record) not in recognise.line_length:
            return None
        values = [record[source.start - 1 : source.start - 1 + source.width].strip() for source in spec.fields]
        variant = f"{len(record)}-character records"
        record_length = len(record)
    else:
        values = [_unquote(value, spec.text.quote) for value in record.split(spec.text.delimiter)]
        if len(values) != len(spec.fields):
            return None
        variant = f"{len(values)} fields, no header"
    for source, value in zip(spec.fields, values, strict=True):
        if source.required and not value:
            return None  # a history record without its election is no history record
        if source.pattern and value and not re.fullmatch(source.pattern, value):
            return None
    return FileLayout(spec, names, positions, len(names), variant, _file_state(spec, file_name), record_length)


def _unquote(value: str, quote: str | None) -> str:
    value = value.strip()
    if quote and len(value) >= 2 and value[0] == value[-1] == quote:
        return value[1:-1]
    return value


def detect_layout(header_line: str, file_name: str | None = None, state_hint: str | None = None) -> FileLayout:
    """The layout of a file from its first line (and name, and the state its landing subfolder
    names), or UnknownFormatError saying what was expected.

    The message names a likely wrong delimiter (a canonical file saved with semicolons, say) or a
    likely wrong encoding, so the person who dropped the file knows what to fix. A headerless file
    that fits several layouts is refused with the candidates and how to choose between them.
    """
    matches = [found for spec in formats() if (found := _match(spec, header_line, file_name)) is not None]
    if state_hint is not None:
        matches = [found for found in matches if found.spec.state in (None, state_hint)]
    if not matches:
        raise UnknownFormatError(_unknown_header_message(header_line, state_hint, file_name))
    with_header = [found for found in matches if found.spec.has_header]
    if with_header:
        # An exact header first; among header-matched layouts the one that knows most of the
        # file's columns (VR_Snapshot and ncvoter share their required names but few others).
        return max(with_header, key=lambda found: (found.spec.recognise.header == "exact", _known_count(found)))
    if len({found.spec.id for found in matches}) > 1:
        candidates = ", ".join(f"{found.spec.id} ({found.spec.state or 'any state'})" for found in matches)
        raise UnknownFormatError(
            f"a file without a header that fits several layouts: {candidates}. Say which: drop it in a "
            "state subfolder of the landing folder (landing/FL/...), or name it as the state names its files"
        )
    return matches[0]


def _known_count(found: FileLayout) -> int:
    known = _known_names(found.spec)
    return sum(1 for name in found.header_fields if name in known)


def describe_formats() -> str:
    """Where the accepted layouts are, for messages: the list is long (one or more per state), so the
    message names the command that prints it, and the canonical header a user can write a file to."""
    canonical = next((spec for spec in formats() if spec.id == "canonical_voters"), None)
    own = f" (the platform's own voters file: {','.join(s.name for s in canonical.fields)})" if canonical else ""
    return (
        f"the header of one of the {len(formats())} layouts `voter-platform layouts` lists{own}, "
        "or a state's headerless file named as the state names it"
    )


_CANDIDATE_DELIMITERS = (",", "\t", ";", "|")


def _known_names(spec: Layout) -> set[str]:
    return {name for source in spec.fields for name in source.names}


def _unknown_header_message(header_line: str, state_hint: str | None = None, file_name: str | None = None) -> str:
    """What was wrong with line 1, without echoing it: a file whose header is missing has a voter's
    record there, and the message travels to logs and the Dagster UI. Only known column names and
    counts are named."""
    expected = describe_formats()
    if not header_line.strip():
        return f"the first line is empty. Expected {expected}"
    if header_line.count("\x00") * 3 >= len(header_line):
        return (
            "line 1 is full of NUL bytes: the file looks like UTF-16 text that was not recognised as such "
            "(save it as UTF-8, or as UTF-16 with a byte-order mark)"
        )
    delimited = [spec for spec in formats() if spec.has_header and spec.text.delimiter]
    for delimiter in _CANDIDATE_DELIMITERS:
        for spec in delimited:
            if delimiter != spec.text.delimiter and _match(
                spec, header_line.replace(delimiter, spec.text.delimiter), None
            ):
                return (
                    f"line 1 is the {spec.id} header delimited by {delimiter!r}, "
                    f"but {spec.id} files are delimited by {spec.text.delimiter!r}"
                )
    headerless = _headerless_but_named_otherwise(header_line, file_name, state_hint)
    if headerless:
        return headerless
    lead = "line 1 is not a header the platform knows"
    # The closest format: the most of its column names, under whichever delimiter finds the most.
    found, closest, delimiter = max(
        (
            (_known_names(spec) & set(split_header(header_line, d)), spec, d)
            for spec in delimited
            for d in _CANDIDATE_DELIMITERS
        ),
        key=lambda candidate: len(candidate[0]),
    )
    if found:
        exact = closest.recognise.header == "exact"
        expected_names = [source.name for source in closest.fields] if exact else list(closest.recognise.required)
        missing = [name for name in expected_names if name.lower() not in found]
        lead += (
            f" (closest: {closest.id}, {len(found)} of its column names found"
            + (
                f" delimited by {delimiter!r} instead of {closest.text.delimiter!r}"
                if delimiter != closest.text.delimiter
                else ""
            )
            + (f"; missing: {', '.join(missing)}" if missing else "; in another order or with extra columns")
            + ")"
        )
    else:
        fields = max(len(split_header(header_line, d)) for d in _CANDIDATE_DELIMITERS)
        lead += f" ({fields} fields, none a known column name)"
    message = f"{lead}. Expected {expected}"
    if state_hint:
        message += (
            f". The file is in the {state_hint} folder: only layouts of {state_hint} and multi-state ones were tried"
        )
    return message


def _product_words(spec: Layout) -> str:
    """The title without its leading id words ("fl voter extract: Florida Division of ...")."""
    return spec.title.split(": ", 1)[-1]


def _headerless_but_named_otherwise(line: str, file_name: str | None, state_hint: str | None) -> str | None:
    """Line 1 is a record of a headerless layout recognised by its file name, in a file named otherwise
    (a county file renamed on download, say): say which layout and how its files are named."""
    fits = [
        spec
        for spec in formats()
        if spec.recognise.header == "none"
        and spec.recognise.file_name
        and spec.state in (None, state_hint or spec.state)
        and _match_headerless(spec, line, file_name) is None  # not refused for its name: for its state folder
        and _match_headerless(spec, line, None, by_name=False) is not None
    ]
    if not fits:
        return None
    described = "; ".join(
        f"{spec.id} ({_product_words(spec)}), files named like {spec.files or spec.file_template}" for spec in fits
    )
    return (
        f"line 1 is not a header but reads as a record of {described}. A headerless file is recognised by its "
        "name: name it as the state names its files"
    )


def source_id(layout: FileLayout, file_name: str) -> str:
    """Which roll a file belongs to: `<family>:<state>` for a state's product (canonical:NC, ncsbe:NC,
    fl:FL), else `<family>:<file stem without its date and kind words>` (goodparty:goodparty_voters).

    The voters, vote-history and companion files of one roll share it, which is how they pair up
    (and how the parts of a multi-part delivery gather).
    """
    spec = layout.spec
    if layout.file_state:
        return f"{spec.family}:{layout.file_state}"
    stem = name_without_date(PurePath(file_name).stem)
    for word in spec.name_words:
        stem = re.sub(rf"(?i)(^|[_\-. ]){re.escape(word)}(?=$|[_\-. ]|\d)", r"\1", stem, count=1)
        stem = re.sub(rf"(?i)^{re.escape(word)}", "", stem)
    stem = re.sub(r"[_\-. ]{2,}", "_", stem).strip("_-. ")
    return f"{spec.family}:{stem or spec.family}"
