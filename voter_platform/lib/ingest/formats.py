"""The voter-file formats the platform accepts, recognised by their header line.

A format is an adapter: it says how to split a line and which source column feeds each canonical
column (`raw.voters` / `raw.vote_history`, see `voter_platform/lib/warehouse.py`). Everything after
the adapter (typing, rules, dedup, the write) is the same for every format, so the marts never know
where a voter came from.

Formats with a fixed layout (canonical, goodparty) must match their header exactly; the NC State
Board of Elections files are matched by column names, because their real headers come in two
layouts, in varying order and with a few historical spellings (data/layouts/SOURCES.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePath

from voter_platform.lib.ingest import vocabularies as vocab
from voter_platform.lib.ingest.duck import sql_string
from voter_platform.lib.landing import name_without_date

VOTER = "voter"
VOTE_HISTORY = "vote_history"

CANONICAL_VOTER_HEADER = (
    "voter_id", "first_name", "middle_name", "last_name", "name_suffix", "birth_date", "gender", "race",
    "ethnicity", "party", "registration_status", "status_reason", "registered_date", "street_address",
    "city", "state", "zip_code", "county", "email", "phone", "last_voted_date", "updated_at",
)
CANONICAL_HISTORY_HEADER = ("voter_id", "state", "election_date", "election_type", "voting_method", "party_ballot")
GOODPARTY_HEADER = (
    "id", "first_name", "last_name", "age", "gender", "state", "party", "email", "registered_date",
    "last_voted_date", "updated_at",
)

# Regexes that split the field where a lost newline glued the last field of one record to the first
# field of the next: group 1 = the last field (possibly empty), group 2 = the next record's id.
_ISO_TIMESTAMP = r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:\.\d+)?"
_US_TIMESTAMP = r"\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}(?::\d{2})?"
_PARTY_WORD = r"Democrat|Republican|Libertarian|Green|Independent|Other"
# NC files quote every value: a lost newline joins `..."last"` and `"first"...` into `"last""first"`,
# which reads as one field holding last + '"' + first. Cut at its last quote (a record's first
# field, the county id, holds none).
_AFTER_LAST_QUOTE = r'^(.*)"([^"]*)$'


@dataclass(frozen=True)
class FastType:
    """How DuckDB's CSV reader parses a column on the fast path (see records.py).

    A value the type cannot take (a full state name in an ENUM of codes, a masked date, a padded
    code) makes DuckDB refuse the line, which then goes through the careful SQL path instead.
    """

    sql_type: str  # DATE | TIMESTAMP | INTEGER | ENUM(...)
    canonical: tuple[tuple[str, str], ...] = ()  # ENUM: (source spelling, canonical value)


DATE = FastType("DATE")
TIMESTAMP = FastType("TIMESTAMP")
INTEGER = FastType("INTEGER")


def enum(spellings: tuple[str, ...], mapping: dict[str, str]) -> FastType:
    """An ENUM of the spellings a source uses, each with its canonical value."""
    values = ", ".join(sql_string(spelling) for spelling in spellings)
    return FastType(f"ENUM({values})", tuple((spelling, mapping[spelling.upper()]) for spelling in spellings))


_CANONICAL_VOTER_TYPES = {
    "birth_date": DATE,
    "registered_date": DATE,
    "last_voted_date": DATE,
    "updated_at": TIMESTAMP,
    "gender": enum(vocab.GENDERS, vocab.GENDER_SPELLINGS),
    "party": enum(vocab.PARTIES, vocab.PARTY_SPELLINGS),
    "registration_status": enum(vocab.REGISTRATION_STATUSES, vocab.REGISTRATION_STATUS_SPELLINGS),
    "state": enum(vocab.STATE_CODES, vocab.STATE_SPELLINGS),
}
_NC_PARTY_CODES = ("DEM", "REP", "UNA", "LIB", "GRE", "CST", "NLB", "JFA", "WTP")


@dataclass(frozen=True)
class FileFormat:
    """One accepted layout: how to split its lines and map its columns to the canonical ones."""

    name: str  # e.g. canonical_voters; the ingest log's file_format is `family`
    family: str  # canonical | goodparty | ncsbe: the `file_format` in raw tables and the source_id prefix
    record_kind: str  # voter | vote_history
    description: str  # shown in the "unknown header" message
    delimiter: str
    # Declared encoding; None = detect (see prepass.py). ncsbe is latin-1 by the state's layout.
    encoding: str | None
    history_coverage: str  # per_election | last_vote_only
    # canonical column -> source column name (for exact layouts the header itself)
    mapping: dict[str, str]
    # Exact layouts: the header, in order. Name-matched layouts: None.
    header: tuple[str, ...] | None = None
    # Exact layouts whose older shape omits trailing columns (goodparty without updated_at).
    optional_trailing: tuple[str, ...] = ()
    # Name-matched layouts: columns that identify the format, and alternative spellings.
    required_names: frozenset[str] = frozenset()
    aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Constant canonical values (e.g. the state of an NC history file, which has no state column).
    constants: dict[str, str] = field(default_factory=dict)
    glue_split_regex: str | None = None
    # File-name words removed with the date to make the source id (voters_NC_2026-11-20 -> NC).
    name_words: tuple[str, ...] = ()
    # Fast path: canonical column -> how DuckDB's reader types its source column (others: VARCHAR),
    # with the one date and timestamp format the format uses.
    fast_types: dict[str, FastType] = field(default_factory=dict)
    date_format: str = "%Y-%m-%d"
    timestamp_format: str = "%Y-%m-%d %H:%M:%S"


def _identity(columns: tuple[str, ...]) -> dict[str, str]:
    return {column: column for column in columns}


CANONICAL_VOTERS = FileFormat(
    name="canonical_voters",
    family="canonical",
    record_kind=VOTER,
    description="canonical voters: " + ",".join(CANONICAL_VOTER_HEADER),
    delimiter=",",
    encoding="utf-8",
    history_coverage="per_election",
    mapping=_identity(CANONICAL_VOTER_HEADER),
    header=CANONICAL_VOTER_HEADER,
    glue_split_regex=rf"^({_ISO_TIMESTAMP}|)(.+)$",
    name_words=("voters",),
    fast_types=_CANONICAL_VOTER_TYPES,
)

CANONICAL_VOTE_HISTORY = FileFormat(
    name="canonical_vote_history",
    family="canonical",
    record_kind=VOTE_HISTORY,
    description="canonical vote history: " + ",".join(CANONICAL_HISTORY_HEADER),
    delimiter=",",
    encoding="utf-8",
    history_coverage="per_election",
    mapping=_identity(CANONICAL_HISTORY_HEADER),
    header=CANONICAL_HISTORY_HEADER,
    glue_split_regex=rf"^({_PARTY_WORD}|)(.+)$",
    name_words=("vote_history",),
    fast_types={
        "state": enum(vocab.STATE_CODES, vocab.STATE_SPELLINGS),
        "election_date": DATE,
        "election_type": enum(vocab.ELECTION_TYPES, {value: value for value in vocab.ELECTION_TYPES}),
        "voting_method": enum(vocab.VOTING_METHODS, vocab.VOTING_METHOD_SPELLINGS),
        "party_ballot": enum(vocab.PARTIES, vocab.PARTY_SPELLINGS),
    },
)

GOODPARTY = FileFormat(
    name="goodparty",
    family="goodparty",
    record_kind=VOTER,
    description="goodparty: " + ",".join(GOODPARTY_HEADER) + " (older files: without updated_at, empty trailing columns)",
    delimiter=",",
    encoding=None,
    history_coverage="last_vote_only",
    mapping={**_identity(GOODPARTY_HEADER[1:]), "voter_id": "id"},
    header=GOODPARTY_HEADER,
    optional_trailing=("updated_at",),
    glue_split_regex=rf"^({_US_TIMESTAMP}|{_ISO_TIMESTAMP}|)(.+)$",
    fast_types={**_CANONICAL_VOTER_TYPES, "age": INTEGER},
    timestamp_format="%m/%d/%Y %H:%M:%S",
)

NCSBE_VOTERS = FileFormat(
    name="ncsbe_ncvoter",
    family="ncsbe",
    record_kind=VOTER,
    description="ncsbe ncvoter: NC State Board of Elections registration file (tab-delimited, 67 or 71 columns incl. ncid)",
    delimiter="\t",
    encoding="latin-1",
    history_coverage="per_election",
    mapping={
        "voter_id": "ncid",
        "first_name": "first_name",
        "middle_name": "middle_name",
        "last_name": "last_name",
        "name_suffix": "name_suffix_lbl",
        "birth_year": "birth_year",
        "age": "age_at_year_end",
        "gender": "gender_code",
        "race": "race_code",
        "ethnicity": "ethnic_code",
        "party": "party_cd",
        "registration_status": "status_cd",
        "status_reason": "voter_status_reason_desc",
        "registered_date": "registr_dt",
        "street_address": "res_street_address",
        "city": "res_city_desc",
        "state": "state_cd",
        "zip_code": "zip_code",
        "county": "county_desc",
        "phone": "full_phone_number",
    },
    required_names=frozenset({"ncid", "county_desc", "last_name", "first_name", "party_cd", "registr_dt"}),
    # Spellings seen in real files (data/layouts/SOURCES.md): first match wins.
    aliases={
        "middle_name": ("middle_name", "midl_name"),
        "name_suffix_lbl": ("name_suffix_lbl", "name_sufx_cd"),
        "age_at_year_end": ("age_at_year_end", "birth_age", "age"),
    },
    glue_split_regex=_AFTER_LAST_QUOTE,
    name_words=("ncvoter",),
    fast_types={
        "registered_date": DATE,
        "birth_year": INTEGER,
        "age": INTEGER,
        "party": enum(_NC_PARTY_CODES, vocab.PARTY_SPELLINGS),
        "gender": enum(("F", "M", "U"), vocab.GENDER_SPELLINGS),
        "registration_status": enum(("A", "I", "R", "D", "S"), vocab.REGISTRATION_STATUS_SPELLINGS),
        "state": enum(vocab.STATE_CODES, vocab.STATE_SPELLINGS),
    },
    date_format="%m/%d/%Y",
)

NCSBE_VOTE_HISTORY = FileFormat(
    name="ncsbe_ncvhis",
    family="ncsbe",
    record_kind=VOTE_HISTORY,
    description="ncsbe ncvhis: NC State Board of Elections vote history (tab-delimited, 15 columns incl. ncid, election_lbl)",
    delimiter="\t",
    encoding="latin-1",
    history_coverage="per_election",
    mapping={
        "voter_id": "ncid",
        "election_date": "election_lbl",
        "election_type": "election_desc",
        "election_label": "election_desc",
        "voting_method": "voting_method",
        "party_ballot": "voted_party_cd",
    },
    required_names=frozenset({"ncid", "election_lbl", "election_desc", "voting_method"}),
    constants={"state": "NC"},
    glue_split_regex=_AFTER_LAST_QUOTE,
    name_words=("ncvhis",),
    fast_types={"election_date": DATE, "party_ballot": enum(_NC_PARTY_CODES, vocab.PARTY_SPELLINGS)},
    date_format="%m/%d/%Y",
)

FORMATS = (CANONICAL_VOTERS, CANONICAL_VOTE_HISTORY, GOODPARTY, NCSBE_VOTERS, NCSBE_VOTE_HISTORY)


class UnknownFormatError(ValueError):
    """The header line matches none of the accepted formats."""


@dataclass(frozen=True)
class Layout:
    """A format as found in one file: where each source column sits in its lines."""

    format: FileFormat
    header_fields: tuple[str, ...]  # as written (normalised), including empty trailing ones
    positions: dict[str, int]  # source column -> 1-based field position
    named_count: int  # fields up to the last named one
    variant: str  # e.g. "11 columns", "10 named columns + 3 empty", "71 columns"

    @property
    def field_count(self) -> int:
        return len(self.header_fields)

    def source_position(self, canonical_column: str) -> int | None:
        source = self.format.mapping.get(canonical_column)
        return None if source is None else self.positions.get(source)

    def reader_types(self) -> list[str]:
        """DuckDB types of the fields, by position, for the fast record reader."""
        types = ["VARCHAR"] * self.field_count
        for canonical_column, fast_type in self.format.fast_types.items():
            position = self.source_position(canonical_column)
            if position is not None:
                types[position - 1] = fast_type.sql_type
        return types


def normalise_header_field(text: str) -> str:
    """Header names compare trimmed, unquoted and lower-cased ("Confidential_ind" = confidential_ind)."""
    text = text.strip().lstrip("\ufeff").strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        text = text[1:-1].replace('""', '"')
    return text.strip().lower()


def split_header(line: str, delimiter: str) -> tuple[str, ...]:
    return tuple(normalise_header_field(part) for part in line.rstrip("\r\n").split(delimiter))


def _match(file_format: FileFormat, fields: tuple[str, ...]) -> Layout | None:
    named = list(fields)
    while named and named[-1] == "":
        named.pop()
    if file_format.header is not None:
        return _match_exact(file_format, fields, tuple(named))
    return _match_names(file_format, fields, tuple(named))


def _match_exact(file_format: FileFormat, fields: tuple[str, ...], named: tuple[str, ...]) -> Layout | None:
    header = file_format.header
    assert header is not None
    shapes = [header]
    if file_format.optional_trailing:
        shapes.append(header[: len(header) - len(file_format.optional_trailing)])
    for shape in shapes:
        if named == shape:
            empties = len(fields) - len(named)
            variant = f"{len(named)} columns" + (f" + {empties} empty" if empties else "")
            positions = {name: index for index, name in enumerate(named, start=1)}
            return Layout(file_format, fields, positions, len(named), variant)
    return None


def _match_names(file_format: FileFormat, fields: tuple[str, ...], named: tuple[str, ...]) -> Layout | None:
    if "" in named or not file_format.required_names.issubset(named):
        return None
    positions = {name: index for index, name in enumerate(named, start=1)}
    for canonical_name, spellings in file_format.aliases.items():
        for spelling in spellings:
            if spelling in positions:
                positions.setdefault(canonical_name, positions[spelling])
                break
    return Layout(file_format, fields, positions, len(named), f"{len(named)} columns")


_CANDIDATE_DELIMITERS = (",", "\t", ";", "|")


def detect_layout(header_line: str) -> Layout:
    """The format whose header this is, or UnknownFormatError saying what was expected.

    The message names a likely wrong delimiter (a canonical file saved with semicolons, say), so
    the person who dropped the file knows what to fix.
    """
    for file_format in FORMATS:
        layout = _match(file_format, split_header(header_line, file_format.delimiter))
        if layout is not None:
            return layout
    raise UnknownFormatError(_unknown_header_message(header_line))


def _known_names(file_format: FileFormat) -> set[str]:
    if file_format.header is not None:
        return set(file_format.header)
    return set(file_format.mapping.values()) | set(file_format.required_names) | {
        spelling for spellings in file_format.aliases.values() for spelling in spellings
    }


def _unknown_header_message(header_line: str) -> str:
    """What was wrong with line 1, without echoing it: a file whose header is missing has a voter's
    record there, and the message travels to logs and the Dagster UI. Only known column names and
    counts are named."""
    if not header_line.strip():
        return "the first line is empty. Expected one of: " + "; ".join(f.description for f in FORMATS)
    for delimiter in _CANDIDATE_DELIMITERS:
        for file_format in FORMATS:
            if delimiter != file_format.delimiter and _match(file_format, split_header(header_line, delimiter)):
                return (
                    f"line 1 is the {file_format.name} header delimited by {delimiter!r}, "
                    f"but {file_format.name} files are delimited by {file_format.delimiter!r}"
                )
    lead = "line 1 is not a header the platform knows"
    # The closest format: the most of its column names, under whichever delimiter finds the most.
    found, closest, delimiter = max(
        ((_known_names(f) & set(split_header(header_line, d)), f, d) for f in FORMATS for d in _CANDIDATE_DELIMITERS),
        key=lambda candidate: len(candidate[0]),
    )
    if found:
        expected_names = closest.header or tuple(sorted(closest.required_names))
        missing = [name for name in expected_names if name not in found]
        lead += (
            f" (closest: {closest.name}, {len(found)} of its column names found"
            + (f" delimited by {delimiter!r} instead of {closest.delimiter!r}" if delimiter != closest.delimiter else "")
            + (f"; missing: {', '.join(missing)}" if missing else "; in another order or with extra columns")
            + ")"
        )
    else:
        fields = max(len(split_header(header_line, d)) for d in _CANDIDATE_DELIMITERS)
        lead += f" ({fields} fields, none a known column name)"
    expected = "; ".join(file_format.description for file_format in FORMATS)
    return f"{lead}. Expected one of: {expected}"


def source_id(file_format: FileFormat, file_name: str) -> str:
    """`<family>:<file stem without its date and kind words>`, e.g. canonical:NC, ncsbe:Statewide.

    The voters and vote-history files of one jurisdiction share it, which is how they pair up.
    """
    stem = PurePath(file_name).stem
    if file_format.family == "canonical":
        # One pair of files per state: voters_<ST>_<date>.csv, vote_history_<ST>_<date>.csv.
        state = re.match(r"(?i)^(?:voters|vote_history)_([a-z]{2})(?=_|$)", stem)
        if state:
            return f"canonical:{state[1].upper()}"
    stem = name_without_date(stem)
    for word in file_format.name_words:
        stem = re.sub(rf"(?i)(^|[_\-. ]){re.escape(word)}(?=$|[_\-. ]|\d)", r"\1", stem, count=1)
        stem = re.sub(rf"(?i)^{re.escape(word)}", "", stem)
    stem = re.sub(r"[_\-. ]{2,}", "_", stem).strip("_-. ")
    return f"{file_format.family}:{stem or file_format.family}"
