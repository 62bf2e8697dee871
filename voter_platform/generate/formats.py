"""The three output formats: column layouts and how a chunk of the roll becomes an Arrow table.

canonical  the platform's own layout, one voters file and one vote-history file per state and day
goodparty  the GoodParty.org case-study layout (data/samples/goodparty_voters.csv), one file per day
ncsbe      NC State Board of Elections `ncvoter` (67 columns) and `ncvhis` (15 columns)

Columns are built from the roll's index arrays with Arrow kernels (dictionary columns, fixed-width
digit buffers), so a 250,000-voter chunk becomes a table without a Python loop over voters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
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
from voter_platform.generate.config import DEFECT_KINDS
from voter_platform.generate.dates import SECONDS_PER_DAY, age_on, to_days, year_month_day
from voter_platform.generate.history import last_voted_index
from voter_platform.generate.names import AREA_CODES, NAMES
from voter_platform.generate.population import GENDER_CODES, RACE_GROUPS, geography
from voter_platform.generate.reference import NCVHIS_COLUMNS, PARTY_NAMES
from voter_platform.generate.roll import DID_NOT_VOTE, VOTING_METHODS, Roll


@dataclass(frozen=True)
class Layout:
    """A delimited text layout and the roles of its columns (what each defect may touch)."""

    columns: tuple[str, ...]
    delimiter: str = ","
    quote_all: bool = False  # every value in double quotes (NCSBE); otherwise never needed
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
    defect_kinds: tuple[str, ...] = ()

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(column for column in (self.id_column, self.state_column) if column)

    def header(self) -> bytes:
        names = [f'"{name}"' if self.quote_all else name for name in self.columns]
        return (self.delimiter.join(names) + "\n").encode(self.encoding)

    def index(self, column: str) -> int:
        return self.columns.index(column)


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

CANONICAL_VOTERS = Layout(
    columns=(
        "voter_id",
        "first_name",
        "middle_name",
        "last_name",
        "name_suffix",
        "birth_date",
        "gender",
        "race",
        "ethnicity",
        "party",
        "registration_status",
        "status_reason",
        "registered_date",
        "street_address",
        "city",
        "state",
        "zip_code",
        "county",
        "email",
        "phone",
        "last_voted_date",
        "updated_at",
    ),
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
)
CANONICAL_HISTORY = Layout(
    columns=("voter_id", "state", "election_date", "election_type", "voting_method", "party_ballot"),
    id_column="voter_id",
    state_column="state",
    date_columns=(("election_date", "iso"),),
    optional_columns=("voting_method",),
    defect_kinds=HISTORY_DEFECTS,
)
# The header and value styles of the case-study sample, byte for byte.
GOODPARTY_VOTERS = Layout(
    columns=(
        "id",
        "first_name",
        "last_name",
        "age",
        "gender",
        "state",
        "party",
        "email",
        "registered_date",
        "last_voted_date",
        "updated_at",
    ),
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
    defect_kinds=VOTER_DEFECTS,
)
NCVOTER = Layout(
    columns=reference.ncvoter_columns(),
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
    # Non-UTF-8 bytes are not a defect in a latin-1 file; there is no email column.
    defect_kinds=tuple(kind for kind in VOTER_DEFECTS if kind not in ("non_utf8", "malformed_email")),
)
NCVHIS = Layout(
    columns=NCVHIS_COLUMNS,
    delimiter="\t",
    quote_all=True,
    encoding="latin-1",
    id_column="ncid",
    date_columns=(("election_lbl", "mdy"),),
    optional_columns=("voting_method", "pct_label", "pct_description", "vtd_label", "vtd_description"),
    defect_kinds=tuple(kind for kind in HISTORY_DEFECTS if kind != "state_name"),
)


@dataclass(frozen=True)
class Snapshot:
    """What every row of one day's files is relative to."""

    as_of: date
    elections: list[int] = field(default_factory=list)  # generals held before as_of (indices)

    @property
    def as_of_days(self) -> int:
        return to_days(self.as_of)


# --- shared pieces -------------------------------------------------------------------------------

_ELECTION_DAYS = np.array([to_days(election.day) for election in reference.general_elections()], dtype=np.int32)
_ELECTION_DATES = pa.array([election.day.isoformat() for election in reference.general_elections()])
_CANONICAL_PARTY = pa.array(list(PARTY_NAMES) + [""])
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


def canonical_voters(chunk: Roll, state: str, snapshot: Snapshot) -> pa.Table:
    count = len(chunk)
    geo = geography()
    county_names = pa.array(geo.county_names)
    last_voted, never_voted = _last_voted(chunk, snapshot)
    hispanic = chunk.race == _HISPANIC
    race = np.where(
        hispanic, np.where(chunk.serial % 2 == 0, 0, 7), chunk.race
    )  # Hispanic voters report White or Other
    ethnicity = np.where(hispanic, 0, np.where(chunk.race == _UNDESIGNATED, 2, 1))
    return pa.table(
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
            "registered_date": date_column(chunk.registered),
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


def goodparty_voters(chunk: Roll, snapshot: Snapshot) -> pa.Table:
    geo = geography()
    last_voted, never_voted = _last_voted(chunk, snapshot)
    serial_text = integers(chunk.serial)
    return pa.table(
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
            "registered_date": date_column(chunk.registered),
            "last_voted_date": date_column(last_voted, never_voted),
            "updated_at": _month_day_year_time(chunk.updated),
        }
    )


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


def _mix(serial: np.ndarray, salt: int) -> np.ndarray:
    """A deterministic pseudo-random number per voter for attributes the roll does not store."""
    value = (serial.astype(np.uint64) + np.uint64(salt)) * np.uint64(0x9E3779B97F4A7C15)
    return (value >> np.uint64(33)).astype(np.int64)


def ncvoter(chunk: Roll, snapshot: Snapshot) -> pa.Table:
    geo = _nc_geography()
    count = len(chunk)
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
        "status_cd": dictionary(chunk.status, ["A", "I"]),
        "voter_status_desc": dictionary(chunk.status, ["ACTIVE", "INACTIVE"]),
        "reason_cd": dictionary(chunk.reason, ["AV", "IN", "IU"]),
        "voter_status_reason_desc": dictionary(
            chunk.reason, ["VERIFIED", "CONFIRMATION NOT RETURNED", "CONFIRMATION RETURNED UNDELIVERABLE"]
        ),
        "res_street_address": street_addresses(chunk, upper=True),
        "res_city_desc": dictionary(local, geo.city),
        "state_cd": constant("NC", count),
        "zip_code": digits(chunk.zip, 5),
        "full_phone_number": pc.if_else(
            pa.array(chunk.phone >= 0), digits(np.maximum(chunk.phone, 0), 4, prefix="919555"), ""
        ),
        "confidential_ind": constant("N", count),
        "registr_dt": month_day_year(chunk.registered),
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
    return pa.table({column: values.get(column, empty) for column in NCVOTER.columns})


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
    return pa.table({column: values[column] for column in NCVHIS_COLUMNS})
