"""The output formats: column layouts and how a chunk of the roll becomes an Arrow table.

canonical          the platform's own layout, one voters file and one vote-history file per state and day
goodparty          the GoodParty.org case-study layout (data/samples/goodparty_voters.csv), one file per day
ncsbe              NC State Board of Elections `ncvoter` (67 columns) and `ncvhis` (15 columns)
ncsbe_vr_snapshot  NCSBE `VR_Snapshot_YYYYMMDD` (90 columns, padded, UTF-16 LE) with the `ncvhis` history

Record traits of real files (removed, denied and confidential voters, placeholder and implausible
registration dates; config.RECORD_TRAITS) are decided per voter here, from the voter's serial, and a
builder that applies any returns `(table, traits)`: the trait code of each row (TRAIT_CODES), which
the defect injector turns into manifest rows.

Columns are built from the roll's index arrays with Arrow kernels (dictionary columns, fixed-width
digit buffers), so a 250,000-voter chunk becomes a table without a Python loop over voters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from voter_platform.generate import reference
from voter_platform.generate.arrow_text import (
    constant,
    date_column,
    decoded,
    dictionary,
    digits,
    fixed_width_buffer,
    integers,
    join,
    month_day_year,
    strings_from_buffer,
    with_empty,
    write_digits,
)
from voter_platform.generate.config import DEFECT_KINDS, RECORD_TRAITS, STATE_FILE_TRAITS, TRUNCATED_KINDS
from voter_platform.generate.dates import SECONDS_PER_DAY, add_years, age_on, days_from_civil, to_days, year_month_day
from voter_platform.generate.history import last_voted_index
from voter_platform.generate.names import AREA_CODES, NAMES, STREET_TYPES
from voter_platform.generate.population import GENDER_CODES, RACE_GROUPS, geography
from voter_platform.generate.reference import PARTY_NAMES
from voter_platform.generate.roll import (
    DENIED,
    DID_NOT_VOTE,
    NOT_CANCELLED,
    REASONS,
    REMOVED,
    VOTING_METHODS,
    Roll,
)
from voter_platform.generate.seeds import mix as _mix
from voter_platform.layouts.registry import layout as registry_layout


@dataclass(frozen=True)
class Layout:
    """A delimited text layout and the roles of its columns (what each defect may touch)."""

    columns: tuple[str, ...]
    delimiter: str = ","
    quote_all: bool = False  # every value in double quotes (NCSBE); otherwise never needed
    quote: str | None = '"'  # the quote character a reader honours (None: values are never quoted)
    encoding: str = "utf-8"
    id_column: str | None = None
    state_column: str | None = None
    email_column: str | None = None
    first_name_column: str | None = None
    last_name_column: str | None = None
    updated_column: str | None = None
    updated_style: str | None = None  # "iso" (YYYY-MM-DD HH:MM:SS) or "mdy" (M/D/YYYY H:MM:SS)
    age_column: str | None = None
    age_style: str | None = None  # "birth_date" (ISO date), "age" (years) or "nc" (age_at_year_end + birth_year)
    date_columns: tuple[tuple[str, str], ...] = ()  # (column, "iso" | "mdy") that an impossible_date may hit
    optional_columns: tuple[str, ...] = ()  # may be blanked and the record still loads
    # Text a person typed (addresses): where a `quoted_line_break` may put a line break, in place of a space.
    line_break_columns: tuple[str, ...] = ()
    defect_kinds: tuple[str, ...] = ()
    # Real-file traits the layout can carry (config.TRAIT_KINDS), and the columns each one blanks.
    trait_kinds: tuple[str, ...] = ()
    blanked_columns: tuple[tuple[str, tuple[str, ...]], ...] = ()
    registration_column: str | None = None  # where the date traits are (the registration date)
    name: str = ""  # e.g. ncsbe_ncvoter: the layout named in the file facts
    record_kind: str = "voters"  # voters | vote_history
    # The file's own encoding and line end when they differ from the text the injector works on (UTF-8, LF).
    output_encoding: str | None = None
    line_ending: str = "\n"
    # Render this many times fewer rows per chunk than the run's chunk size (wide lines: bounded memory).
    chunk_divisor: int = 1
    header_line: bool = True  # False: the file starts with its first record (headerless layouts, IA's later parts)
    # The manifest detail of a trait that is not a date trait (kind -> detail, e.g. the column it touches).
    trait_details: tuple[tuple[str, str], ...] = ()
    # Fixed width (no delimiter): each column's (start, width), 1-based, in column order, and the lengths a
    # record line may have (a line may lose its trailing blank fields: registry.Layout.record_lengths).
    spans: tuple[tuple[int, int], ...] = ()
    record_lengths: tuple[int, ...] = ()

    @property
    def is_fixed_width(self) -> bool:
        return bool(self.spans)

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(column for column in (self.id_column, self.state_column) if column)

    def header(self) -> bytes:
        """The header line: every name quoted with `quote_all`, else only a name holding the delimiter
        or a quote (UT's "Mailing city, state  zip"), as CSV does."""
        names = [
            f'"{name}"' if self.quote_all or self.delimiter in name or '"' in name else name for name in self.columns
        ]
        return (self.delimiter.join(names) + "\n").encode(self.encoding)

    def index(self, column: str) -> int:
        return self.columns.index(column)

    @property
    def file_encoding(self) -> str:
        return self.output_encoding or self.encoding

    def to_file_bytes(self, data: bytes) -> bytes:
        """Rendered lines (in `encoding`, LF) as the file stores them."""
        if self.output_encoding is None and self.line_ending == "\n":
            return data
        text = str(data, self.encoding)
        if self.line_ending != "\n":
            text = text.replace("\n", self.line_ending)
        return text.encode(self.file_encoding)


# A voters file can carry every defect the generator knows.
VOTER_DEFECTS = DEFECT_KINDS
HISTORY_DEFECTS = (
    "blank_field",
    "state_name",
    "impossible_date",
    "exact_duplicate",
    "glued_lines",
    "repeated_header",
    "trailing_empty_columns",
)


def registry_columns(layout_id: str) -> tuple[str, ...]:
    """The column names of a layout, in file order, as its registry file (voter_platform/layouts) lists them."""
    return tuple(source.name for source in registry_layout(layout_id).fields)


CANONICAL_VOTERS = Layout(
    columns=registry_columns("canonical_voters"),
    id_column="voter_id",
    state_column="state",
    email_column="email",
    first_name_column="first_name",
    last_name_column="last_name",
    updated_column="updated_at",
    updated_style="iso",
    age_column="birth_date",
    age_style="birth_date",
    date_columns=(("registered_date", "iso"), ("last_voted_date", "iso")),
    optional_columns=(
        "first_name",
        "last_name",
        "gender",
        "party",
        "registered_date",
        "street_address",
        "city",
        "zip_code",
        "county",
        "email",
        "phone",
    ),
    defect_kinds=VOTER_DEFECTS,
    trait_kinds=("placeholder_date", "registered_on_birth_date", "registered_before_age_16", *TRUNCATED_KINDS),
    line_break_columns=("street_address", "city"),
    registration_column="registered_date",
    name="canonical_voters",
)
CANONICAL_HISTORY = Layout(
    columns=registry_columns("canonical_vote_history"),
    id_column="voter_id",
    state_column="state",
    date_columns=(("election_date", "iso"),),
    optional_columns=("voting_method",),
    defect_kinds=HISTORY_DEFECTS,
    trait_kinds=TRUNCATED_KINDS,
    name="canonical_vote_history",
    record_kind="vote_history",
)
# The header and value styles of the case-study sample, byte for byte.
GOODPARTY_VOTERS = Layout(
    columns=registry_columns("goodparty"),
    id_column="id",
    state_column="state",
    email_column="email",
    first_name_column="first_name",
    last_name_column="last_name",
    updated_column="updated_at",
    updated_style="mdy",
    age_column="age",
    age_style="age",
    date_columns=(("registered_date", "iso"), ("last_voted_date", "iso")),
    optional_columns=("first_name", "last_name", "age", "gender", "party", "email", "registered_date"),
    # No address, and one-word names: no space for a line break to take.
    defect_kinds=tuple(kind for kind in VOTER_DEFECTS if kind != "quoted_line_break"),
    trait_kinds=("placeholder_date", "registered_before_age_16", *TRUNCATED_KINDS),
    registration_column="registered_date",
    name="goodparty",
)
NCVOTER = Layout(
    columns=registry_columns("nc_ncvoter"),
    delimiter="\t",
    quote_all=True,
    encoding="latin-1",
    id_column="ncid",
    state_column="state_cd",
    first_name_column="first_name",
    last_name_column="last_name",
    age_column="age_at_year_end",
    age_style="nc",
    date_columns=(("registr_dt", "mdy"),),
    optional_columns=(
        "first_name",
        "middle_name",
        "res_street_address",
        "zip_code",
        "full_phone_number",
        "party_cd",
        "gender_code",
        "race_code",
        "birth_state",
    ),
    line_break_columns=("res_street_address", "res_city_desc"),
    # Non-UTF-8 bytes are not a defect in a latin-1 file; there is no email column.
    defect_kinds=tuple(kind for kind in VOTER_DEFECTS if kind not in ("non_utf8", "malformed_email")),
    # No birth date in the file: a registration "on the birth date" cannot be told from one before age 16.
    trait_kinds=tuple(kind for kind in RECORD_TRAITS if kind != "registered_on_birth_date"),
    # The board blanks the residential address of removed and confidential voters.
    blanked_columns=tuple(
        (kind, ("res_street_address", "res_city_desc", "state_cd", "zip_code"))
        for kind in ("removed_voter", "confidential_voter")
    ),
    registration_column="registr_dt",
    name="ncsbe_ncvoter",
)
NCVHIS = Layout(
    columns=registry_columns("nc_ncvhis"),
    delimiter="\t",
    quote_all=True,
    encoding="latin-1",
    id_column="ncid",
    date_columns=(("election_lbl", "mdy"),),
    optional_columns=("voting_method", "pct_label", "pct_description", "vtd_label", "vtd_description"),
    defect_kinds=tuple(kind for kind in HISTORY_DEFECTS if kind != "state_name"),
    name="ncsbe_ncvhis",
    record_kind="vote_history",
)
# VR_Snapshot: tab-delimited, header row, no quotes, UTF-16 LE, CRLF line ends (as a real one). The
# defect injector works on its UTF-8, LF rendering; the writer converts each chunk.
_VR_ADDRESS = (
    "house_num",
    "half_code",
    "street_dir",
    "street_name",
    "street_type_cd",
    "street_sufx_cd",
    "unit_designator",
    "unit_num",
    "res_city_desc",
    "state_cd",
    "zip_code",
)
VR_SNAPSHOT = Layout(
    columns=registry_columns("nc_vr_snapshot"),
    delimiter="\t",
    quote=None,
    encoding="utf-8",
    id_column="ncid",
    state_column="state_cd",
    first_name_column="first_name",
    last_name_column="last_name",
    age_column="age",
    age_style="age",
    date_columns=(("registr_dt", "iso"),),
    optional_columns=("first_name", "midl_name", "street_name", "zip_code", "party_cd", "sex_code", "race_code"),
    # Unquoted: a line break in a value would end the record.
    defect_kinds=tuple(kind for kind in NCVOTER.defect_kinds if kind != "quoted_line_break"),
    trait_kinds=NCVOTER.trait_kinds,
    # A snapshot keeps the address of removed voters (a real county snapshot does); confidential ones are blanked.
    blanked_columns=(("confidential_voter", _VR_ADDRESS),),
    registration_column="registr_dt",
    name="ncsbe_vr_snapshot",
    output_encoding="utf-16-le",
    line_ending="\r\n",
    chunk_divisor=4,  # ~1.6 KB of UTF-16 per record, 8 times a canonical line
)


@dataclass(frozen=True)
class Snapshot:
    """What every row of one day's files is relative to."""

    as_of: date
    elections: list[int] = field(default_factory=list)  # generals held before as_of (indices)
    traits: dict[str, float] = field(default_factory=dict)  # record trait -> rate (config.RECORD_TRAITS)
    seed: int = 0  # the run's seed: which voters carry a trait depends on it

    def trait_salt(self, salt: int) -> int:
        return salt + (self.seed % 1_000_000) * 1_000_003

    @property
    def as_of_days(self) -> int:
        return to_days(self.as_of)


# --- record traits -------------------------------------------------------------------------------

# Trait code of a row (0 = none), as the builders return them; index into TRAIT_CODES.
TRAIT_CODES = ("", *RECORD_TRAITS, *STATE_FILE_TRAITS)
REMOVED_TRAIT, DENIED_TRAIT, CONFIDENTIAL_TRAIT, PLACEHOLDER_TRAIT, ON_BIRTH_TRAIT, BEFORE_16_TRAIT = range(1, 7)
PLACEHOLDER_DAY = to_days(date(1900, 1, 1))  # 01/01/1900: the board's "registration date unknown"
_TRAIT_SALT, _DATE_SALT = 101, 103
# Voters of the roll draw a trait from consecutive slices of one uniform number, in this order; the
# slices do not move when a layout cannot carry one, so a voter has the same trait in every format.
_DRAWN_TRAITS = ("confidential_voter", "placeholder_date", "registered_on_birth_date", "registered_before_age_16")


def record_traits(chunk: Roll, snapshot: Snapshot, layout: Layout) -> np.ndarray | None:
    """The trait code of each record (0 = none), or None when no trait is asked for.

    Removed and denied records are the former voters of NC files; the others are voters of the
    roll drawn per serial at the configured rates. A record carries at most one trait.
    """
    if not snapshot.traits:
        return None
    codes = np.zeros(len(chunk), dtype=np.int8)
    share = _mix(chunk.serial, snapshot.trait_salt(_TRAIT_SALT)) / float(1 << 31)
    on_roll = chunk.status < REMOVED
    low = 0.0
    for kind in _DRAWN_TRAITS:
        rate = snapshot.traits.get(kind, 0.0)
        if rate and kind in layout.trait_kinds:
            codes[on_roll & (share >= low) & (share < low + rate)] = TRAIT_CODES.index(kind)
        low += rate
    for status, kind, code in ((REMOVED, "removed_voter", REMOVED_TRAIT), (DENIED, "denied_voter", DENIED_TRAIT)):
        if kind in layout.trait_kinds:
            codes[chunk.status == status] = code
    return codes


def registration_days(chunk: Roll, traits: np.ndarray | None, snapshot: Snapshot, known: str) -> np.ndarray:
    """Registration dates with the date traits applied; `known` = what the layout tells of the birth:
    "birth_date" (the date), "age" (completed years on the snapshot date) or "birth_year".

    A registration before age 16 is placed where it is before the 16th birthday (and after birth)
    for every birth date the layout leaves possible.
    """
    if traits is None:
        return chunk.registered
    days = chunk.registered.astype(np.int64).copy()
    days[traits == PLACEHOLDER_TRAIT] = PLACEHOLDER_DAY
    days[traits == ON_BIRTH_TRAIT] = chunk.birth[traits == ON_BIRTH_TRAIT]
    young = np.flatnonzero(traits == BEFORE_16_TRAIT)
    if len(young):
        birth, draw = chunk.birth[young].astype(np.int64), _mix(chunk.serial[young], snapshot.trait_salt(_DATE_SALT))
        if known == "birth_date":
            days[young] = birth + 1 + draw % 5800  # 5,800 days: under 16 years
        elif known == "age":
            # Born after as_of - (age + 1) years and on or before as_of - age years.
            latest_birth = add_years(snapshot.as_of_days, -age_on(birth, snapshot.as_of_days).astype(np.int64))
            days[young] = latest_birth + 1 + draw % (14 * 365)
        else:
            year = year_month_day(birth)[0] + 1 + draw % 15  # age at most 15 in any month of that year
            days[young] = days_from_civil(year, 1 + (draw >> 4) % 12, 1 + (draw >> 8) % 28)
    return days.astype(np.int32)


def blank_where(column: pa.Array, mask: np.ndarray | None) -> pa.Array:
    """`column` with the values at `mask` replaced by empty strings (not nulls: quoted layouts write `""`)."""
    if mask is None or not mask.any():
        return column
    if pa.types.is_dictionary(column.type):
        indices = np.where(mask, len(column.dictionary), column.indices.to_numpy(zero_copy_only=False))
        return dictionary(indices, pa.concat_arrays([column.dictionary, pa.array([""], type=column.dictionary.type)]))
    return pc.if_else(pa.array(mask), pa.scalar("", column.type), column)


def blanked(layout: Layout, traits: np.ndarray | None) -> dict[str, np.ndarray]:
    """Column -> rows whose value the layout blanks for their trait."""
    if traits is None:
        return {}
    masks: dict[str, np.ndarray] = {}
    for kind, columns in layout.blanked_columns:
        rows = traits == TRAIT_CODES.index(kind)
        for column in columns:
            masks[column] = masks[column] | rows if column in masks else rows
    return masks


def _with_traits(table: pa.Table, traits: np.ndarray | None) -> pa.Table | tuple[pa.Table, np.ndarray]:
    return table if traits is None else (table, traits)


# --- shared pieces -------------------------------------------------------------------------------

_ELECTION_DAYS = np.array([to_days(election.day) for election in reference.general_elections()], dtype=np.int32)
_ELECTION_DATES = pa.array([election.day.isoformat() for election in reference.general_elections()])
_CANONICAL_PARTY = pa.array([*PARTY_NAMES, ""])
_GOODPARTY_PARTY = pa.array(
    ["Democrat", "Republican", "Independent", "Independent", "Independent", "Independent", "Independent"]
)
_CANONICAL_RACE = pa.array(
    ["White", "Black", "", "Asian", "American Indian", "Pacific Islander", "Two or More", "Other", ""]
)
_HISPANIC = RACE_GROUPS.index("Hispanic")
_UNDESIGNATED = RACE_GROUPS.index("Undesignated")
_EMAIL_SEPARATORS = pa.array([".", "", "_"])


def _last_voted(chunk: Roll, snapshot: Snapshot) -> tuple[np.ndarray, np.ndarray]:
    latest = last_voted_index(chunk.votes, snapshot.elections)
    return _ELECTION_DAYS[np.maximum(latest, 0)], latest < 0


def email_addresses(chunk: Roll, always: bool = False) -> pa.Array:
    """Addresses derived from the synthetic name in one of six common patterns (null: none on file).

    1 first.last1234  2 firstlast1234  3 flast1234  4 first.last  5 first_last1234  6 last.first1234
    """
    style = chunk.email_style.astype(np.int64)
    if always:
        style = np.where(style == 0, 1, style)
    first_count = len(NAMES.first_email)
    # One dictionary: first names, then initials, then surnames.
    pieces = pa.concat_arrays([NAMES.first_email, NAMES.first_initial, NAMES.last_email])
    first, last = chunk.first.astype(np.int64), chunk.last.astype(np.int64) + 2 * first_count
    left = np.where(style == 6, last, np.where(style == 3, first + first_count, first))
    right = np.where(style == 6, first, last)
    separator = np.select([style == 2, style == 3, style == 5], [1, 1, 2], 0)
    number = with_empty(integers(chunk.email_number), style == 4)
    address = join(
        decoded(left, pieces),
        decoded(separator, _EMAIL_SEPARATORS),
        decoded(right, pieces),
        pc.fill_null(number, ""),
        "@",
        decoded(chunk.email_domain, NAMES.email_domain),
    )
    return address if always else with_empty(address, style == 0)


def street_addresses(chunk: Roll, upper: bool = False) -> pa.Array:
    street, street_type = NAMES.street, NAMES.street_type
    if upper:
        street, street_type = pc.utf8_upper(street), pc.utf8_upper(street_type)
    return join(
        integers(chunk.street_no), " ", decoded(chunk.street, street), " ", decoded(chunk.street_type, street_type)
    )


def history_rows(chunk: Roll, snapshot: Snapshot) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(voter position in chunk, election index, method code) for every vote, by voter then election."""
    if not snapshot.elections:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    elections = np.asarray(snapshot.elections)
    window = chunk.votes[:, elections]
    voter, column = np.nonzero(window != DID_NOT_VOTE)
    return voter, elections[column], window[voter, column]


# --- canonical -----------------------------------------------------------------------------------


def canonical_voters(chunk: Roll, state: str, snapshot: Snapshot) -> pa.Table | tuple[pa.Table, np.ndarray]:
    count = len(chunk)
    traits = record_traits(chunk, snapshot, CANONICAL_VOTERS)
    geo = geography()
    county_names = pa.array(geo.county_names)
    last_voted, never_voted = _last_voted(chunk, snapshot)
    hispanic = chunk.race == _HISPANIC
    race = np.where(
        hispanic, np.where(chunk.serial % 2 == 0, 0, 7), chunk.race
    )  # Hispanic voters report White or Other
    ethnicity = np.where(hispanic, 0, np.where(chunk.race == _UNDESIGNATED, 2, 1))
    table = pa.table(
        {
            "voter_id": digits(chunk.serial, 9, prefix=state),
            "first_name": dictionary(chunk.first, NAMES.first),
            "middle_name": dictionary(chunk.middle, NAMES.middle),
            "last_name": dictionary(chunk.last, NAMES.last),
            "name_suffix": dictionary(chunk.suffix, NAMES.suffix),
            "birth_date": date_column(chunk.birth),
            "gender": dictionary(chunk.gender, GENDER_CODES),
            "race": dictionary(race, _CANONICAL_RACE),
            "ethnicity": dictionary(ethnicity, ["Hispanic", "Not Hispanic", ""]),
            "party": dictionary(chunk.party, _CANONICAL_PARTY),
            "registration_status": dictionary(chunk.status, ["ACTIVE", "INACTIVE"]),
            "status_reason": dictionary(
                chunk.reason, ["VERIFIED", "CONFIRMATION NOT RETURNED", "CONFIRMATION RETURNED UNDELIVERABLE"]
            ),
            "registered_date": date_column(registration_days(chunk, traits, snapshot, "birth_date")),
            "street_address": street_addresses(chunk),
            "city": dictionary(chunk.county, county_names),
            "state": constant(state, count),
            "zip_code": digits(chunk.zip, 5),
            "county": dictionary(chunk.county, county_names),
            "email": email_addresses(chunk),
            "phone": with_empty(
                digits(np.maximum(chunk.phone, 0), 4, prefix=f"{AREA_CODES[state]}-555-"), chunk.phone < 0
            ),
            "last_voted_date": date_column(last_voted, never_voted),
            "updated_at": pa.array(chunk.updated, type=pa.timestamp("s")),
        }
    )
    return _with_traits(table, traits)


def canonical_history(chunk: Roll, state: str, snapshot: Snapshot) -> pa.Table:
    voter, election, method = history_rows(chunk, snapshot)
    count = len(voter)
    return pa.table(
        {
            # Per-vote columns index per-voter and per-election values: the writer expands them.
            "voter_id": dictionary(voter, digits(chunk.serial, 9, prefix=state)),
            "state": constant(state, count),
            "election_date": dictionary(election, _ELECTION_DATES),
            "election_type": constant("GENERAL", count),
            "voting_method": dictionary(method - 1, VOTING_METHODS),
            "party_ballot": constant("", count),
        }
    )


# --- goodparty -----------------------------------------------------------------------------------


def goodparty_voters(chunk: Roll, snapshot: Snapshot) -> pa.Table | tuple[pa.Table, np.ndarray]:
    geo = geography()
    last_voted, never_voted = _last_voted(chunk, snapshot)
    serial_text = integers(chunk.serial)
    traits = record_traits(chunk, snapshot, GOODPARTY_VOTERS)
    table = pa.table(
        {
            "id": join("VOT", pc.utf8_lpad(serial_text, 3, "0")),
            "first_name": dictionary(chunk.first, NAMES.first),
            "last_name": dictionary(chunk.last, NAMES.last),
            "age": integers(age_on(chunk.birth, snapshot.as_of_days)),
            "gender": dictionary(chunk.gender, GENDER_CODES),
            "state": dictionary(chunk.state, geo.state_codes),
            # The case-study vocabulary has three values: minor parties, unaffiliated voters and
            # states without party registration are all "Independent" there.
            "party": dictionary(chunk.party, _GOODPARTY_PARTY),
            "email": email_addresses(chunk, always=True),
            "registered_date": date_column(registration_days(chunk, traits, snapshot, "age")),
            "last_voted_date": date_column(last_voted, never_voted),
            "updated_at": _month_day_year_time(chunk.updated),
        }
    )
    return _with_traits(table, traits)


def _month_day_year_time(seconds: np.ndarray) -> pa.Array:
    """M/D/YYYY H:MM:SS without leading zeros on month, day and hour, as in the sample."""
    days, second_of_day = np.divmod(seconds, SECONDS_PER_DAY)
    year, month, day = year_month_day(days)
    hour, rest = np.divmod(second_of_day, 3600)
    minute, second = np.divmod(rest, 60)
    return join(
        integers(month),
        "/",
        integers(day),
        "/",
        integers(year),
        " ",
        integers(hour),
        ":",
        digits(minute, 2),
        ":",
        digits(second, 2),
    )


# --- ncsbe ---------------------------------------------------------------------------------------

_NC_STATUS_CODES = ["A", "I", "R", "D"]
_NC_STATUS_DESC = ["ACTIVE", "INACTIVE", "REMOVED", "DENIED"]
_NC_PARTY_CODES = ["DEM", "REP", "LIB", "GRE", "CST", "UNA", "UNA"]
_NC_PARTY_DESC = ["DEMOCRATIC", "REPUBLICAN", "LIBERTARIAN", "GREEN", "CONSTITUTION", "UNAFFILIATED", "UNAFFILIATED"]
_NC_RACE = ["W", "B", "W", "A", "I", "P", "M", "O", "U"]
_NC_METHODS = ["IN-PERSON", "ABSENTEE ONESTOP", "ABSENTEE BY MAIL", "ABSENTEE CURBSIDE", "PROVISIONAL"]
_NCID_SPACE = 26 * 26 * 1_000_000
_NCID_MULTIPLIER = 387_420_489  # 3^18: coprime with 26^2 * 10^6, so serial -> ncid is one-to-one


def ncid(serial: np.ndarray) -> pa.StringArray:
    """NCSBE-style statewide id: two letters and six digits (e.g. "BN123456"), scrambled from the serial."""
    scrambled = (serial.astype(np.int64) * _NCID_MULTIPLIER + 12_345_678) % _NCID_SPACE
    letters, number = np.divmod(scrambled, 1_000_000)
    buffer = fixed_width_buffer(len(serial), 8)
    buffer[:, 0], buffer[:, 1] = letters // 26 + 65, letters % 26 + 65
    write_digits(buffer, 2, 6, number)
    return strings_from_buffer(buffer)


@dataclass(frozen=True)
class _NcGeography:
    county_id: pa.Array  # by local county index (position in the state's county list)
    county_desc: pa.Array
    city: pa.Array
    precincts: np.ndarray  # number of precincts per local county


@cache
def _nc_geography() -> _NcGeography:
    state = reference.states()["NC"]
    codes = reference.nc_counties()
    return _NcGeography(
        county_id=pa.array([str(codes[county.name].county_id) for county in state.counties]),
        county_desc=pa.array([codes[county.name].name for county in state.counties]),
        city=pa.array([codes[county.name].name for county in state.counties]),
        # Roughly one precinct per 2,500 registered voters, as in NC.
        precincts=np.array([max(1, round(county.total / 2500)) for county in state.counties]),
    )


def ncvoter(chunk: Roll, snapshot: Snapshot) -> pa.Table | tuple[pa.Table, np.ndarray]:
    geo = _nc_geography()
    count = len(chunk)
    traits = record_traits(chunk, snapshot, NCVOTER)
    blank = blanked(NCVOTER, traits)
    local = chunk.county.astype(np.int64) - geography().state_first_county[geography().state_index("NC")]
    precinct = _mix(chunk.serial, 1) % geo.precincts[local] + 1
    precinct_code = digits(precinct, 2)
    year_end = snapshot.as_of.year
    birth_year = year_month_day(chunk.birth)[0]
    gender = np.where(chunk.gender == 2, 3, chunk.gender)  # NC codes F, M, U: X is undesignated there
    ethnic = np.where(chunk.race == _HISPANIC, 0, np.where(chunk.race == _UNDESIGNATED, 2, 1))
    race = np.where((chunk.race == _HISPANIC) & (chunk.serial % 2 == 1), 7, chunk.race)
    born_in_state = _mix(chunk.serial, 2) % 100
    state_codes = geography().state_codes
    birth_state = np.where(born_in_state < 55, state_codes.index("NC"), _mix(chunk.serial, 3) % len(state_codes))
    district_seed = _mix(chunk.serial, 4)
    empty = constant("", count)
    values = {
        "county_id": dictionary(local, geo.county_id),
        "county_desc": dictionary(local, geo.county_desc),
        "voter_reg_num": digits(chunk.serial, 12),
        "ncid": ncid(chunk.serial),
        "last_name": dictionary(chunk.last, pc.utf8_upper(NAMES.last)),
        "first_name": dictionary(chunk.first, pc.utf8_upper(NAMES.first)),
        "middle_name": dictionary(chunk.middle, pc.utf8_upper(NAMES.middle)),
        "name_suffix_lbl": dictionary(chunk.suffix, NAMES.suffix),
        "status_cd": dictionary(chunk.status, _NC_STATUS_CODES),
        "voter_status_desc": dictionary(chunk.status, _NC_STATUS_DESC),
        "reason_cd": dictionary(chunk.reason, [code for code, _ in REASONS]),
        "voter_status_reason_desc": dictionary(chunk.reason, [text for _, text in REASONS]),
        "res_street_address": blank_where(street_addresses(chunk, upper=True), blank.get("res_street_address")),
        "res_city_desc": blank_where(dictionary(local, geo.city), blank.get("res_city_desc")),
        "state_cd": blank_where(constant("NC", count), blank.get("state_cd")),
        "zip_code": blank_where(digits(chunk.zip, 5), blank.get("zip_code")),
        "full_phone_number": pc.if_else(
            pa.array(chunk.phone >= 0), digits(np.maximum(chunk.phone, 0), 4, prefix="919555"), ""
        ),
        "confidential_ind": constant("N", count)
        if traits is None
        else dictionary(traits == CONFIDENTIAL_TRAIT, ["N", "Y"]),
        "registr_dt": month_day_year(registration_days(chunk, traits, snapshot, "birth_year")),
        "race_code": dictionary(race, _NC_RACE),
        "ethnic_code": dictionary(ethnic, ["HL", "NL", "UN"]),
        "party_cd": dictionary(chunk.party, _NC_PARTY_CODES),
        "gender_code": dictionary(gender, ["F", "M", "U", "U"]),
        "birth_year": integers(birth_year),
        "age_at_year_end": integers(year_end - birth_year),
        "birth_state": pc.if_else(
            pa.array(born_in_state < 93), dictionary(birth_state, state_codes).cast(pa.string()), ""
        ),
        "drivers_lic": dictionary(_mix(chunk.serial, 5) % 100 < 88, ["N", "Y"]),
        "precinct_abbrv": precinct_code,
        "precinct_desc": join("PRECINCT ", precinct_code),
        "cong_dist_abbrv": integers((local * 7 + district_seed % 2) % 14 + 1),
        "super_court_abbrv": integers(local % 48 + 1),
        "judic_dist_abbrv": integers(local % 43 + 1),
        "nc_senate_abbrv": integers((local * 3 + district_seed % 3) % 50 + 1),
        "nc_house_abbrv": integers((local * 5 + district_seed % 5) % 120 + 1),
        "dist_1_abbrv": integers(local % 43 + 1),
        "dist_1_desc": join("PROSECUTORIAL DISTRICT ", integers(local % 43 + 1)),
        "vtd_abbrv": precinct_code,
        "vtd_desc": join("PRECINCT ", precinct_code),
    }
    return _with_traits(pa.table({column: values.get(column, empty) for column in NCVOTER.columns}), traits)


def ncvhis(chunk: Roll, snapshot: Snapshot) -> pa.Table:
    geo = _nc_geography()
    voter, election, method = history_rows(chunk, snapshot)
    local = chunk.county.astype(np.int64) - geography().state_first_county[geography().state_index("NC")]
    precinct = digits(_mix(chunk.serial, 1) % geo.precincts[local] + 1, 2)
    labels = reference.nc_election_labels()
    elections = reference.general_elections()

    def per_voter(values: pa.Array) -> pa.DictionaryArray:
        """A per-voter value repeated on each of the voter's history rows (expanded by the writer)."""
        return dictionary(voter, values)

    county_id, county_desc = decoded(local, geo.county_id), decoded(local, geo.county_desc)
    precinct_desc = join("PRECINCT ", precinct)
    values = {
        "county_id": per_voter(county_id),
        "county_desc": per_voter(county_desc),
        "voter_reg_num": per_voter(digits(chunk.serial, 12)),
        "election_lbl": dictionary(election, [f"{item.day:%m/%d/%Y}" for item in elections]),
        "election_desc": dictionary(election, [labels[item.day] for item in elections]),
        "voting_method": dictionary(method - 1, _NC_METHODS),
        "voted_party_cd": dictionary(chunk.party[voter], _NC_PARTY_CODES),
        "voted_party_desc": dictionary(chunk.party[voter], _NC_PARTY_DESC),
        "pct_label": per_voter(precinct),
        "pct_description": per_voter(precinct_desc),
        "ncid": per_voter(ncid(chunk.serial)),
        "voted_county_id": per_voter(county_id),
        "voted_county_desc": per_voter(county_desc),
        "vtd_label": per_voter(precinct),
        "vtd_description": per_voter(precinct_desc),
    }
    return pa.table({column: values[column] for column in NCVHIS.columns})


# --- ncsbe_vr_snapshot ---------------------------------------------------------------------------

# How a real VR_Snapshot county file writes its values (SQL Server export): fixed-width columns are
# space-padded to these widths, which differ from the layout text for a few (status_cd 2, not 1;
# ethnic_code 3; sex 12; birth_place 30; district abbreviations 6, school 10). Every other column is
# written as is, an empty value as a single NUL character, as `bcp` writes an empty string.
VR_PADDED_WIDTHS = {
    "county_id": 3, "status_cd": 2, "absent_ind": 1, "name_prefx_cd": 1, "last_name": 25, "first_name": 20,
    "midl_name": 20, "name_sufx_cd": 4, "half_code": 1, "street_dir": 2, "street_name": 30, "street_type_cd": 4,
    "street_sufx_cd": 4, "unit_designator": 4, "unit_num": 7, "zip_code": 9, "mail_state": 2, "mail_zipcode": 9,
    "state_cd": 2, "area_cd": 3, "phone_num": 7, "race_code": 3, "ethnic_code": 3, "sex": 12, "birth_place": 30,
    "precinct_abbrv": 6, "municipality_abbrv": 6, "ward_abbrv": 6, "cong_dist_abbrv": 6, "super_court_abbrv": 6,
    "judic_dist_abbrv": 6, "NC_senate_abbrv": 6, "NC_house_abbrv": 6, "county_commiss_abbrv": 6,
    "township_abbrv": 6, "school_dist_abbrv": 10, "fire_dist_abbrv": 6, "water_dist_abbrv": 6,
    "sewer_dist_abbrv": 6, "sanit_dist_abbrv": 6, "rescue_dist_abbrv": 6, "munic_dist_abbrv": 6,
    "dist_1_abbrv": 6, "dist_2_abbrv": 6, "vtd_abbrv": 6,
}  # fmt: skip
VR_EMPTY_TEXT = "\x00"
# A cancellation date nobody recorded (every registered voter's, and a share of the removed voters')
# is written 1900-01-01, as in a real county snapshot, where 40% of the removed voters have none.
VR_UNDATED_REMOVALS = 0.4
_NC_RACE_DESC = [
    "WHITE", "BLACK or AFRICAN AMERICAN", "WHITE", "ASIAN", "INDIAN AMERICAN or ALASKA NATIVE",
    "NATIVE HAWAIIAN or PACIFIC ISLANDER", "TWO or MORE RACES", "OTHER", "UNDESIGNATED",
]  # fmt: skip
_NC_ETHNIC = (["HL", "NL", "UN"], ["HISPANIC or LATINO", "NOT HISPANIC or NOT LATINO", "UNDESIGNATED"])
_NC_SEX = (["F", "M", "U", "U"], ["FEMALE", "MALE", "UNK", "UNK"])
_VR_AGE_GROUPS = ["Age 18 - 25", "Age 26 - 40", "Age 41 - 65", "Age Over 66"]
# Columns never empty (dates and fixed-width codes): written as they are, with no NUL rule.
_VR_NEVER_EMPTY = frozenset(
    {"snapshot_dt", "voter_reg_num", "ncid", "reason_cd", "party_cd", "registr_dt", "confidential_ind",
     "cancellation_dt", "load_dt", "age", "sex_code"}
)  # fmt: skip


def _padded(column: pa.Array, width: int) -> pa.Array:
    """Space-padded to `width` (a dictionary pads its few values, not every row)."""
    if pa.types.is_dictionary(column.type):
        return pa.DictionaryArray.from_arrays(column.indices, pc.utf8_rpad(column.dictionary, width, " "))
    return pc.utf8_rpad(column, width, " ")


def vr_snapshot(chunk: Roll, snapshot: Snapshot) -> pa.Table | tuple[pa.Table, np.ndarray]:
    geo = _nc_geography()
    count = len(chunk)
    traits = record_traits(chunk, snapshot, VR_SNAPSHOT)
    blank = blanked(VR_SNAPSHOT, traits)
    local = chunk.county.astype(np.int64) - geography().state_first_county[geography().state_index("NC")]
    precinct = digits(_mix(chunk.serial, 1) % geo.precincts[local] + 1, 2)
    race = np.where((chunk.race == _HISPANIC) & (chunk.serial % 2 == 1), 7, chunk.race)
    ethnic = np.where(chunk.race == _HISPANIC, 0, np.where(chunk.race == _UNDESIGNATED, 2, 1))
    age = age_on(chunk.birth, snapshot.as_of_days)
    born_in_state = _mix(chunk.serial, 2) % 100
    state_codes = geography().state_codes
    birth_state = np.where(born_in_state < 55, state_codes.index("NC"), _mix(chunk.serial, 3) % len(state_codes))
    district_seed = _mix(chunk.serial, 4)
    cancelled = chunk.cancelled.astype(np.int64)
    undated_removal = _mix(chunk.serial, snapshot.trait_salt(6)) % 1000 < VR_UNDATED_REMOVALS * 1000
    undated = (cancelled == NOT_CANCELLED) | undated_removal
    has_phone = chunk.phone >= 0

    congress = (local * 7 + district_seed % 2) % 14 + 1
    senate = (local * 3 + district_seed % 3) % 50 + 1
    house = (local * 5 + district_seed % 5) % 120 + 1
    values = {
        "snapshot_dt": constant(snapshot.as_of.isoformat(), count),
        "county_id": dictionary(local, geo.county_id),
        "county_desc": dictionary(local, geo.county_desc),
        "voter_reg_num": digits(chunk.serial, 12),
        "ncid": ncid(chunk.serial),
        "status_cd": dictionary(chunk.status, _NC_STATUS_CODES),
        "voter_status_desc": dictionary(chunk.status, _NC_STATUS_DESC),
        "reason_cd": dictionary(chunk.reason, [code for code, _ in REASONS]),
        "voter_status_reason_desc": dictionary(chunk.reason, [text for _, text in REASONS]),
        "last_name": dictionary(chunk.last, pc.utf8_upper(NAMES.last)),
        "first_name": dictionary(chunk.first, pc.utf8_upper(NAMES.first)),
        "midl_name": dictionary(chunk.middle, pc.utf8_upper(NAMES.middle)),
        "name_sufx_cd": dictionary(chunk.suffix, NAMES.suffix),
        "house_num": integers(chunk.street_no),
        "street_name": dictionary(chunk.street, pc.utf8_upper(NAMES.street)),
        "street_type_cd": dictionary(chunk.street_type, [kind.upper() for kind in STREET_TYPES]),
        "res_city_desc": dictionary(local, geo.city),
        "state_cd": constant("NC", count),
        "zip_code": digits(chunk.zip, 5),
        "area_cd": dictionary(has_phone, ["", AREA_CODES["NC"]]),
        "phone_num": pc.if_else(pa.array(has_phone), digits(np.maximum(chunk.phone, 0), 4, prefix="555"), ""),
        "race_code": dictionary(race, _NC_RACE),
        "race_desc": dictionary(race, _NC_RACE_DESC),
        "ethnic_code": dictionary(ethnic, _NC_ETHNIC[0]),
        "ethnic_desc": dictionary(ethnic, _NC_ETHNIC[1]),
        "party_cd": dictionary(chunk.party, _NC_PARTY_CODES),
        "party_desc": dictionary(chunk.party, _NC_PARTY_DESC),
        "sex_code": dictionary(chunk.gender, _NC_SEX[0]),
        "sex": dictionary(chunk.gender, _NC_SEX[1]),
        "age": integers(age),
        "birth_place": pc.if_else(
            pa.array(born_in_state < 93), dictionary(birth_state, state_codes).cast(pa.string()), ""
        ),
        "registr_dt": date_column(registration_days(chunk, traits, snapshot, "age")),
        "precinct_abbrv": precinct,
        "precinct_desc": join("PRECINCT ", precinct),
        "cong_dist_abbrv": integers(congress),
        "cong_dist_desc": join("CONGRESSIONAL DISTRICT ", integers(congress)),
        "super_court_abbrv": integers(local % 48 + 1),
        "super_court_desc": join("SUPERIOR COURT ", integers(local % 48 + 1)),
        "judic_dist_abbrv": integers(local % 43 + 1),
        "judic_dist_desc": join("JUDICIAL ", integers(local % 43 + 1)),
        "NC_senate_abbrv": integers(senate),
        "NC_senate_desc": join("NC SENATE DISTRICT ", integers(senate)),
        "NC_house_abbrv": integers(house),
        "NC_house_desc": join("NC HOUSE DISTRICT ", integers(house)),
        "dist_1_abbrv": integers(local % 43 + 1),
        "dist_1_desc": join("PROSECUTORIAL DISTRICT ", integers(local % 43 + 1)),
        "confidential_ind": constant("N", count)
        if traits is None
        else dictionary(traits == CONFIDENTIAL_TRAIT, ["N", "Y"]),
        "cancellation_dt": date_column(np.where(undated, PLACEHOLDER_DAY, cancelled)),
        "vtd_abbrv": precinct,
        "vtd_desc": precinct,
        "load_dt": constant((snapshot.as_of + timedelta(days=1)).isoformat(), count),
        "age_group": dictionary(np.searchsorted([26, 41, 66], age, side="right"), _VR_AGE_GROUPS),
    }
    columns = []
    for name in VR_SNAPSHOT.columns:
        column = blank_where(values.get(name, constant("", count)), blank.get(name))
        if name in VR_PADDED_WIDTHS:
            column = _padded(column, VR_PADDED_WIDTHS[name])
        elif name not in _VR_NEVER_EMPTY:
            column = _empty_as_nul(column)
        columns.append(column)
    return _with_traits(pa.table(columns, names=list(VR_SNAPSHOT.columns)), traits)


def _empty_as_nul(column: pa.Array) -> pa.Array:
    if pa.types.is_dictionary(column.type):
        values = column.dictionary
        return pa.DictionaryArray.from_arrays(column.indices, pc.if_else(pc.equal(values, ""), VR_EMPTY_TEXT, values))
    return pc.if_else(pc.equal(column, ""), VR_EMPTY_TEXT, column)
