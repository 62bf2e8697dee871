"""A state's voter files in any layout of the registry (voter_platform/layouts/*.yaml), written from the
layout itself: `voter-platform generate --format oh_swvf`, `fl_voter_extract`, `pa_fve`, ...

One generic writer, driven by the layout the ingest reads with (one home for every column list, code
table, date format and file name):

- fields in the layout's order; delimited (quoting as `text.quote_all` says) or fixed width (each value
  padded to its width); a header line where the layout has one (IA: only in its first part);
- canonical values turned into the state's codes by reversing the layout's code tables; a value the
  table has no code for is written as the nearest value it has (STAND_INS: a Libertarian in a file
  that only knows D, R and NF is NF), a registration status it cannot say leaves the voter out of
  the file (CA and MN list active voters only); several fields feeding one column share its value
  (house number and street name, area code and number); constants are not written;
- dates in the layout's formats, a birth year where the layout has one, ids zero-padded as the id
  pattern says, counties as the layout's county codes (or names);
- the history the voter layout declares: its long history file (one row per vote; MI's legacy one
  names each election by code, with the code lookup electionscd.lst beside it), one column per
  election named by the layout's election template, slots (PA's 40 decoded by a per-county Election
  Map file, IA's typed groups, DE's election labels), a history string (NY), or none (OR). An election
  is written only where its text reads back (lib/elections.read_election) as that election, so every
  vote written is a vote the ingest can load; the federal generals come from the roll, primaries and
  specials from state_elections.py;
- the delivery as the state ships it: per-county files, OH's county-number ranges, numbered parts,
  named by the layout's file_template; every part is written, a part no record falls in (a county
  without voters in a small run) as an empty file: its header line where the layout's parts carry
  one, else no byte (the parts of counties outside a county extract are missing parts).

`file_plans` returns the files of one snapshot; generate/run.py renders them chunk by chunk in worker
threads like every other format. Each file's facts (generate/writer.py) carry the truth the ingest is
checked against (`truth`: records by status, party, gender, race as canonical values, history rows,
unknown codes written, the parts of the delivery). No Python loop runs per voter.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from voter_platform.generate import formats, reference
from voter_platform.generate.arrow_text import (
    constant,
    dictionary,
    digits,
    fixed_width_buffer,
    integers,
    strings_from_buffer,
    write_digits,
)
from voter_platform.generate.config import GenerateConfig
from voter_platform.generate.dates import age_on, year_month_day
from voter_platform.generate.formats import TRAIT_CODES, email_addresses
from voter_platform.generate.names import AREA_CODES, NAMES
from voter_platform.generate.population import geography
from voter_platform.generate.roll import Roll
from voter_platform.generate.seeds import mix
from voter_platform.generate.state_elections import (
    FileElection,
    Participation,
    file_elections,
    participation,
    roll_party,
)
from voter_platform.layouts.registry import (
    VOTE_HISTORY,
    VOTER,
    ElectionColumns,
    ElectionText,
    HistoryFile,
    HistoryString,
    Layout,
    Slots,
    SourceField,
    layout,
)
from voter_platform.lib import vocabularies as vocab
from voter_platform.lib.elections import read_election, write_election

# --- the values of a coded column ---------------------------------------------------------------

# A canonical value the layout's table has no code for is written as the first of these it has a
# code for (else left blank). Registration statuses have none: a voter whose status the file cannot
# say is not in the file (products of active voters only).
STAND_INS = {
    "party": {"Libertarian": ("Other", "Independent"), "Green": ("Other", "Independent"), "Other": ("Independent",)},
    "gender": {"X": ("U",)},
    "race": {
        **{race: ("Other", "Unknown") for race in vocab.RACES if race not in ("Other", "Unknown", "Pacific Islander")},
        "Pacific Islander": ("Asian", "Other", "Unknown"),
        "Other": ("Unknown",),
    },
    "voting_method": {
        "MAIL": ("ABSENTEE",),
        "ABSENTEE": ("MAIL",),
        "EARLY": ("IN_PERSON",),
        "PROVISIONAL": ("IN_PERSON",),
        "OTHER": ("IN_PERSON",),
    },
    "election_type": {"SPECIAL": ("OTHER",), "MUNICIPAL": ("OTHER",), "RUNOFF": ("OTHER",)},
}
STAND_INS["primary_ballot_party"] = STAND_INS["party_ballot"] = STAND_INS["party"]
# Canonical columns the truth counts the records of, and the value a missing one is loaded as.
TRUTH_COLUMNS = {"registration_status": None, "party": None, "gender": "U", "race": None, "primary_ballot_party": None}
NONE_KEY = "(none)"
# The column a quirk's unknown code goes into: the first of these the layout writes from a field.
UNKNOWN_CODE_COLUMNS = ("party", "primary_ballot_party", "gender", "race", "registration_status")
_UNKNOWN_CODES = ("ZZZ", "ZZ", "Z", "99", "9")
# A column of several parts written into one field: "123 MAIN ST", "9195551234".
ONE_FIELD_SEPARATORS = {"street_address": " ", "phone": ""}
# Numbered parts (IA's I-Voters, CO's lists): how many a delivery is cut into.
NUMBERED_PARTS = 4
# Digits of a voter id whose layout gives no width (an id pattern or a fixed-width field).
ID_DIGITS = 10
# Salt of the per-voter quirk draw (formats.py and state_elections.py use others).
_QUIRK_SALT = 211
_NO_VALUE = -1


def unknown_code_column(spec: Layout) -> str | None:
    """The coded column the unknown_code quirk writes a code outside the table into."""
    return next(
        (column for column in UNKNOWN_CODE_COLUMNS if spec.fields_for(column) and column not in spec.constants), None
    )


def vocabulary(canonical: str) -> tuple[str, ...]:
    return vocab.CANONICAL_VALUES[canonical]


@dataclass(frozen=True)
class CodedColumn:
    """How a layout writes a coded canonical column: for each vocabulary value, the code written
    ("" = blank) and the vocabulary value that code is read back as (-1: none)."""

    canonical: str
    codes: tuple[str, ...]
    means: np.ndarray
    width: int | None = None  # fixed width: the field's width

    def write(self, values: np.ndarray) -> pa.DictionaryArray:
        """The codes of vocabulary indices (-1: blank)."""
        return dictionary(np.where(values >= 0, values, len(self.codes)), [*self.codes, ""])

    def read_back(self, values: np.ndarray) -> np.ndarray:
        return np.where(values >= 0, self.means[np.maximum(values, 0)], _NO_VALUE)

    @property
    def excluded(self) -> np.ndarray:
        """Vocabulary values the file cannot say (a registration status leaves such voters out)."""
        return self.means < 0


@cache
def coded_column(spec: Layout, canonical: str) -> CodedColumn:
    """The reverse of the layout's code table for a canonical column (or, without a table, the
    platform's own spellings: the first that fits the field)."""
    values = vocabulary(canonical)
    fields_of = spec.fields_for(canonical)
    width = fields_of[0].width if fields_of and spec.is_fixed_width else None
    table = spec.codes_as_written(canonical)
    if table is None:
        spellings, _, _ = vocab.PLATFORM_SPELLINGS.get(
            canonical, ({value.upper(): value for value in values}, values, None)
        )
        table = {value: value for value in values} | dict(spellings)
    first_code: dict[str, str] = {}
    for code, value in table.items():
        if width is None or len(code) <= width:
            first_code.setdefault(value, code)
    codes, means = [], []
    for value in values:
        candidates = (value, *STAND_INS.get(canonical, {}).get(value, ()))
        said = next((candidate for candidate in candidates if candidate in first_code), None)
        if canonical == "registration_status" and said != value:
            said = None
        codes.append(first_code[said] if said else "")
        means.append(values.index(said) if said else _NO_VALUE)
    return CodedColumn(canonical, tuple(codes), np.array(means, dtype=np.int16), width)


def unknown_code(spec: Layout, canonical: str) -> str:
    """A code the layout's table does not know, that fits the field (the unknown_code quirk)."""
    source = spec.fields_for(canonical)[0]
    table = spec.code_table(canonical) or dict(vocab.PLATFORM_SPELLINGS[canonical][0])
    for candidate in _UNKNOWN_CODES:
        if candidate.upper() in table or (source.width and len(candidate) > source.width):
            continue
        if source.pattern and not re.fullmatch(source.pattern, candidate):
            continue
        return candidate
    raise ValueError(f"{spec.id}: no unknown {canonical} code fits field {source.name!r}")


# --- dates ----------------------------------------------------------------------------------------

_DATE_TOKENS = {"%Y": 4, "%y": 2, "%m": 2, "%d": 2, "%H": 2, "%M": 2, "%S": 2}


def format_dates(days: np.ndarray, date_format: str, missing: np.ndarray | None = None) -> pa.Array:
    """Dates (days since 1970) written in a strftime format of fixed-width tokens (%Y %y %m %d %H %M
    %S and literal text; time parts are midnight); `missing` are written empty."""
    tokens = re.findall(r"%.|[^%]+", date_format)
    unknown = [token for token in tokens if token.startswith("%") and token not in _DATE_TOKENS]
    if unknown:
        raise ValueError(f"date format {date_format!r}: {unknown} not supported by the generator")
    year, month, day = year_month_day(days)
    parts = {"%Y": year, "%y": year % 100, "%m": month, "%d": day, "%H": 0, "%M": 0, "%S": 0}
    width = sum(_DATE_TOKENS.get(token, len(token.encode())) for token in tokens)
    buffer = fixed_width_buffer(len(year), width)
    position = 0
    for token in tokens:
        if token in _DATE_TOKENS:
            write_digits(buffer, position, _DATE_TOKENS[token], np.broadcast_to(parts[token], len(year)))
            position += _DATE_TOKENS[token]
        else:
            literal = token.encode()
            buffer[:, position : position + len(literal)] = np.frombuffer(literal, dtype=np.uint8)
            position += len(literal)
    text = strings_from_buffer(buffer)
    if missing is not None and np.any(missing):
        text = pc.if_else(pa.array(~np.asarray(missing, dtype=bool)), text, "")
    return text


# --- elections a layout can name -------------------------------------------------------------------


def _carries_type(spec: ElectionText) -> bool:
    """Whether a text of this spec says the election's type (else the type is inferred from the date)."""
    return spec.type is not None or "type" in re.compile(spec.pattern).groupindex


def election_text(election: FileElection, spec: ElectionText) -> str | None:
    """The text naming `election` under `spec` when it reads back as that election, else None."""
    if spec.template is None:
        return None
    text = write_election(election.day, election.type, spec)
    back = read_election(text, spec)
    if back is None or back.date != election.day:
        return None
    if _carries_type(spec) and back.type != election.type:
        return None
    return text


def read_back_key(text: str, spec: ElectionText) -> tuple[date, str]:
    back = read_election(text, spec)
    assert back is not None
    return back.date, back.type


# --- the plan of a delivery -----------------------------------------------------------------------


@dataclass(frozen=True)
class StateFile:
    """One file of a state delivery (run.py turns it into a file plan)."""

    name: str
    layout: formats.Layout
    members: np.ndarray  # positions in the roll
    build: Callable[[Roll], pa.Table | tuple[pa.Table, np.ndarray]]
    group: str
    facts: dict = field(default_factory=dict)
    archive: str | None = None  # --package zip: the archive it goes into


def names_change_daily(spec: Layout) -> bool:
    """Whether two days' files of the layout have different names (else --days 1)."""
    first = date(2026, 11, 3)
    return file_name(spec, first, "1") != file_name(spec, first + timedelta(days=1), "1")


def file_name(
    spec: Layout | str, as_of: date, part: str | None, *, state: str | None = None, dated: bool = True
) -> str:
    """A file's name from its layout's file_template (a layout or its id). `dated=False`: the publisher's
    undated name (the template without its date and the separator before it: ncvoter92.txt)."""
    spec = layout(spec) if isinstance(spec, str) else spec
    assert spec.file_template is not None, f"{spec.id}: no file_template"
    template = spec.file_template if dated else re.sub(r"[_ -]?\{date[^}]*\}", "", spec.file_template)
    return template.format(date=as_of, state=state or spec.state, part=part or "")


def archive_name(spec: Layout, as_of: date, voters: Layout | None = None) -> str:
    """The zip of a layout's files: its archive_template; else, for a history file or a companion, the
    zip of the voters files it comes with; else `<layout id>_<YYYYMMDD>.zip`."""
    if spec.archive_template is None and voters is not None:
        return archive_name(voters, as_of)
    template = spec.archive_template or f"{spec.id}_{{date:%Y%m%d}}.zip"
    return template.format(date=as_of, state=spec.state)


@dataclass
class Delivery:
    """What one snapshot of a state product is: the layouts, the elections, the quirks asked for."""

    spec: Layout
    as_of: date
    seed: int
    elections: tuple[FileElection, ...]
    quirks: dict[str, float]
    history_spec: Layout | None = None
    map_spec: Layout | None = None
    id_prefix: str = ""
    id_width: int = ID_DIGITS

    @classmethod
    def of(cls, config: GenerateConfig, spec: Layout, as_of: date, generals: list[int]) -> Delivery:
        quirks = config.defects.state_quirks
        history_spec = layout(spec.history.layout) if isinstance(spec.history, HistoryFile) and config.history else None
        # The companion election map: PA's per-county slot maps, or the election codes of a long
        # history file (MI's electionscd.lst), written with that history file.
        lookup = spec.history.lookup if isinstance(spec.history, (Slots, HistoryFile)) else None
        wanted = lookup is not None and (history_spec is not None or isinstance(spec.history, Slots))
        map_spec = layout(lookup) if wanted else None
        elections = file_elections(as_of, generals, quirks.get("off_calendar_election", 0.0))
        prefix, width = _id_format([spec] + ([history_spec] if history_spec else []))
        return cls(spec, as_of, config.seed, elections, quirks, history_spec, map_spec, prefix, width)

    # -- the pieces every file shares ------------------------------------------------------------

    def voter_ids(self, serial: np.ndarray) -> pa.Array:
        return digits(serial, self.id_width, prefix=self.id_prefix)

    def participation(self, chunk: Roll) -> Participation:
        return participation(chunk, self.elections, self.seed)

    def local_county(self, chunk: Roll) -> np.ndarray:
        return chunk.county.astype(np.int64) - geography().state_first_county[geography().state_index(self.spec.state)]

    @property
    def counties(self) -> tuple[reference.County, ...]:
        return reference.states()[self.spec.state].counties

    def included(self, chunk: Roll) -> np.ndarray:
        """The voters the file holds: those whose registration status it can say."""
        status = np.asarray(chunk.status, dtype=np.int64)
        constant_status = self.spec.constants.get("registration_status")
        if constant_status is not None:
            return status == vocab.REGISTRATION_STATUSES.index(constant_status)
        if not self.spec.fields_for("registration_status"):
            return np.ones(len(chunk), dtype=bool)
        return ~coded_column(self.spec, "registration_status").excluded[status]

    def quirk_traits(self, chunk: Roll) -> np.ndarray | None:
        """Per voter: TRAIT_CODES of the line quirks asked for (unknown_code, year_only_birth), or None."""
        unknown_rate = self.quirks.get("unknown_code", 0.0) if self.unknown_code_column else 0.0
        year_rate = self.quirks.get("year_only_birth", 0.0) if self.year_only_birth_possible else 0.0
        if not unknown_rate and not year_rate:
            return None
        share = mix(chunk.serial, _QUIRK_SALT + (self.seed % 1_000_000) * 1_000_003) / float(1 << 31)
        codes = np.zeros(len(chunk), dtype=np.int8)
        codes[share < unknown_rate] = TRAIT_CODES.index("unknown_code")
        codes[(share >= unknown_rate) & (share < unknown_rate + year_rate)] = TRAIT_CODES.index("year_only_birth")
        return codes

    @property
    def unknown_code_column(self) -> str | None:
        return unknown_code_column(self.spec)

    @property
    def year_only_birth_possible(self) -> bool:
        return bool(self.spec.fields_for("birth_date") and self.spec.fields_for("birth_year"))


def _id_format(specs: list[Layout]) -> tuple[str, int]:
    """(prefix, digits) of the voter ids: from the id fields' patterns (NY\\d+, \\d{1,10}) and widths."""
    prefix, width = "", None
    for spec in specs:
        for source in spec.fields_for("voter_id"):
            found = re.fullmatch(r"(?P<prefix>[A-Za-z]*)\\d(?:\{(?:\d+,)?(?P<width>\d+)\}|\+)?", source.pattern or "")
            if found:
                prefix = prefix or found["prefix"]
                if found["width"]:
                    width = min(width or 1_000, int(found["width"]))
            if source.width:
                width = min(width or 1_000, source.width - len(prefix))
    return prefix, width or ID_DIGITS


# --- the voters file ------------------------------------------------------------------------------


class VoterValues:
    """The canonical values of a chunk of voters, as the layout writes them (computed on demand)."""

    def __init__(self, delivery: Delivery, chunk: Roll, votes: Participation | None = None) -> None:
        self.delivery, self.spec, self.chunk = delivery, delivery.spec, chunk
        self.count = len(chunk)
        self.votes = votes if votes is not None else delivery.participation(chunk)
        self.traits = delivery.quirk_traits(chunk)

    # -- coded columns: vocabulary indices --------------------------------------------------------

    def vocabulary_values(self, canonical: str) -> np.ndarray:
        """The voters' values of a coded column as vocabulary indices (-1: none), before the layout."""
        chunk = self.chunk
        if canonical == "registration_status":
            return np.asarray(chunk.status, dtype=np.int16)
        if canonical == "gender":
            return np.asarray(chunk.gender, dtype=np.int16)  # population.GENDER_CODES = vocabulary order
        if canonical == "race":
            return np.asarray(chunk.race, dtype=np.int16)  # population.RACE_GROUPS = vocabulary order
        if canonical == "party":
            return roll_party(chunk).astype(np.int16)
        if canonical == "primary_ballot_party":
            return self.votes.latest_primary_party(self.delivery.elections, self.delivery.as_of).astype(np.int16)
        if canonical == "ethnicity":
            hispanic, unknown = chunk.race == 2, chunk.race == 8
            return np.where(hispanic, 0, np.where(unknown, 2, 1)).astype(np.int16)
        if canonical == "confidential":
            return np.full(self.count, vocab.FLAGS.index("false"), dtype=np.int16)
        raise KeyError(canonical)

    def read_back(self, canonical: str) -> np.ndarray:
        """What the ingest loads for a coded column (vocabulary indices, -1: none): the value the written
        code means, a constant, nothing when the layout has no field; an unknown code: the catch-all."""
        values = vocabulary(canonical)
        if canonical in self.spec.constants:
            return np.full(self.count, values.index(self.spec.constants[canonical]), dtype=np.int16)
        if not self.spec.fields_for(canonical):
            return np.full(self.count, _NO_VALUE, dtype=np.int16)
        loaded = coded_column(self.spec, canonical).read_back(self.vocabulary_values(canonical))
        if self.traits is not None and canonical == self.delivery.unknown_code_column:
            catch_all = vocab.PLATFORM_SPELLINGS[canonical][2]
            unknown = self.traits == TRAIT_CODES.index("unknown_code")
            loaded = np.where(unknown, values.index(catch_all) if catch_all else _NO_VALUE, loaded)
        return loaded

    def coded_text(self, canonical: str) -> pa.Array:
        column = coded_column(self.spec, canonical)
        text = column.write(self.vocabulary_values(canonical))
        if self.traits is not None and canonical == self.delivery.unknown_code_column:
            unknown = self.traits == TRAIT_CODES.index("unknown_code")
            if unknown.any():
                text = pc.if_else(pa.array(unknown), unknown_code(self.spec, canonical), text.cast(pa.string()))
        return text

    # -- text columns -------------------------------------------------------------------------------

    def text_parts(self, canonical: str) -> list[pa.Array]:
        """A text column as its parts, in order (several fields of the layout may share them)."""
        chunk, count = self.chunk, self.count
        upper = pc.utf8_upper
        if canonical == "voter_id":
            return [self.delivery.voter_ids(chunk.serial)]
        if canonical == "first_name":
            return [dictionary(chunk.first, upper(NAMES.first))]
        if canonical == "middle_name":
            return [dictionary(chunk.middle, upper(NAMES.middle))]
        if canonical == "last_name":
            return [dictionary(chunk.last, upper(NAMES.last))]
        if canonical == "name_suffix":
            return [dictionary(chunk.suffix, NAMES.suffix)]
        if canonical == "street_address":
            return [
                integers(chunk.street_no),
                dictionary(chunk.street, upper(NAMES.street)),
                dictionary(chunk.street_type, upper(NAMES.street_type)),
            ]
        if canonical == "city":
            names = [county.name.upper() for county in self.delivery.counties]
            return [dictionary(self.delivery.local_county(chunk), names)]
        if canonical == "zip_code":
            return [digits(chunk.zip, 5)]
        if canonical == "phone":
            has = chunk.phone >= 0
            area = AREA_CODES.get(self.spec.state, "555")
            return [
                dictionary(has, ["", area]),
                dictionary(has, ["", "555"]),
                pc.if_else(pa.array(has), digits(np.maximum(chunk.phone, 0), 4), ""),
            ]
        if canonical == "email":
            return [pc.fill_null(email_addresses(chunk), "")]
        if canonical == "county":
            return [dictionary(self.delivery.local_county(chunk), list(county_codes(self.spec)))]
        if canonical == "state":
            return [constant(self.spec.state, count)]
        if canonical == "status_reason":
            return [constant("", count)]
        raise KeyError(canonical)

    def birth_year(self) -> np.ndarray:
        return year_month_day(self.chunk.birth)[0]

    def date_days(self, canonical: str) -> tuple[np.ndarray, np.ndarray | None]:
        """(days since 1970, missing mask) of a date column."""
        chunk = self.chunk
        if canonical == "birth_date":
            missing = None
            if self.traits is not None:
                missing = self.traits == TRAIT_CODES.index("year_only_birth")
            return chunk.birth, missing
        if canonical == "registered_date":
            return chunk.registered, None
        if canonical == "last_voted_date":
            return self.votes.latest_vote_day(self.delivery.elections)
        if canonical == "snapshot_date":
            return np.full(self.count, (self.delivery.as_of - date(1970, 1, 1)).days, dtype=np.int32), None
        raise KeyError(canonical)

    def field_text(self, source: SourceField, canonical: str) -> pa.Array:
        """The value of a one-field column in the layout's spelling."""
        spec = self.spec
        if canonical in vocab.CANONICAL_VALUES:
            return self.coded_text(canonical)
        if canonical in ("birth_date", "registered_date", "last_voted_date", "snapshot_date"):
            days, missing = self.date_days(canonical)
            # A timestamp column (MN, NJ registration) is written at midnight.
            return format_dates(days, spec.date_format_of(source), missing)
        if canonical == "birth_year":
            return integers(self.birth_year())
        if canonical == "age":
            return integers(age_on(self.chunk.birth, (self.delivery.as_of - date(1970, 1, 1)).days))
        parts = self.text_parts(canonical)
        return parts[0] if len(parts) == 1 else join_text(parts, ONE_FIELD_SEPARATORS[canonical])


@cache
def county_codes(spec: Layout) -> tuple[str, ...]:
    """Per county of the state (reference order): its code in the layout's county table, else its
    name (upper case, as a file without a table writes it)."""
    counties = reference.states()[spec.state].counties
    table = spec.codes_as_written("county")
    if table is None:
        return tuple(county.name.upper() for county in counties)
    by_name = {_county_key(name): code for code, name in table.items()}
    codes = []
    for county in counties:
        key = _county_key(county.name)
        code = next(
            (by_name[candidate] for candidate in (key, key + "COUNTY", key + "CITY") if candidate in by_name), None
        )
        if code is None:
            fips = str(int(county.fips[-3:]))
            code = fips if fips in table else None
        if code is None:
            raise ValueError(f"{spec.id}: county {county.name!r} is not in the layout's county table")
        codes.append(code)
    return tuple(codes)


def _county_key(name: str) -> str:
    name = name.upper().replace("SAINT ", "ST ").replace("ST. ", "ST ")
    return re.sub(r"[^A-Z0-9]", "", name)


# --- fields: which field holds which part of a column ---------------------------------------------

# Where the parts of a street address go when several fields feed it: the house number into the first
# field named like one, the street name into the one named like it after it, the street type after
# that; with no house-number field, the whole address goes into the first field.
_NUMBER_FIELD = re.compile(r"(?i)num|house.?no|^house$")
_STREET_FIELD = re.compile(r"(?i)street.?name|stname|st_name|^street$|streetname")
_TYPE_FIELD = re.compile(r"(?i)st(reet)?.?(type|suff)")


def _street_placement(fields: list[SourceField], widths: list[int]) -> list[int]:
    """Field index (into `fields`) of the house number, the street name and the street type."""

    def first(pattern: re.Pattern[str] | None, after: int, longest: int) -> int | None:
        for index in range(after + 1, len(fields)):
            if fields[index].width is not None and fields[index].width < longest:
                continue
            if pattern is None or pattern.search(fields[index].name):
                return index
        return None

    number = first(_NUMBER_FIELD, -1, widths[0])
    if number is None:
        return [0, 0, 0]
    name = first(_STREET_FIELD, number, widths[1])
    if name is None:
        name = first(None, number, widths[1])
    if name is None:
        return [number, number, number]
    kind = first(_TYPE_FIELD, name, widths[2])
    return [number, name, name if kind is None else kind]


def spread(parts: list[pa.Array], fields: list[SourceField], canonical: str, separator: str) -> list[pa.Array]:
    """The values of the fields that feed one text column: each part into a field, in field order (the
    ingest joins them back with the layout's separator); fields left over are empty."""
    count = len(parts[0])
    if canonical == "street_address":
        longest = [_longest(part) for part in parts]
        placement = _street_placement(fields, longest)
    else:
        placement = [min(index, len(fields) - 1) for index in range(len(parts))]
    values: list[list[pa.Array]] = [[] for _ in fields]
    for part, index in zip(parts, placement, strict=True):
        values[index].append(part)
    return [
        constant("", count) if not pieces else pieces[0] if len(pieces) == 1 else join_text(pieces, separator)
        for pieces in values
    ]


def plain_text(values: pa.Array) -> pa.Array:
    """A string column (a dictionary column decoded)."""
    if pa.types.is_dictionary(values.type):
        return values.dictionary.take(values.indices)
    return values


def join_text(pieces: list[pa.Array], separator: str) -> pa.Array:
    return pc.binary_join_element_wise(*(plain_text(piece) for piece in pieces), separator)


def _longest(values: pa.Array) -> int:
    if pa.types.is_dictionary(values.type):
        values = values.dictionary
    lengths = pc.utf8_length(values)
    return int(pc.max(lengths).as_py() or 0) if len(values) else 0


def fixed_width(column: pa.Array, width: int) -> pa.Array:
    """A value padded (and cut) to its field's width."""
    if pa.types.is_dictionary(column.type):
        return pa.DictionaryArray.from_arrays(column.indices, fixed_width(column.dictionary, width))
    return pc.utf8_rpad(pc.utf8_slice_codeunits(pc.fill_null(column.cast(pa.string()), ""), 0, width), width, " ")


def voter_columns(values: VoterValues, spec: Layout) -> list[pa.Array]:
    """The voter-layout fields of a chunk, in field order (history columns and slots left empty)."""
    count = values.count
    columns: list[pa.Array | None] = [None] * len(spec.fields)
    done: set[str] = set()
    for index, source in enumerate(spec.fields):
        for canonical in source.canonical:
            if canonical in done or canonical in spec.constants:
                continue
            sources = list(spec.fields_for(canonical))
            if len(sources) == 1:
                columns[index] = values.field_text(source, canonical)
            else:
                positions = [spec.fields.index(other) for other in sources]
                parts = values.text_parts(canonical)
                for position, value in zip(
                    positions, spread(parts, sources, canonical, spec.join.get(canonical, " ")), strict=True
                ):
                    columns[position] = value
            done.add(canonical)
    return [column if column is not None else constant("", count) for column in columns]


# --- history inside the voters file ---------------------------------------------------------------


@dataclass(frozen=True)
class NamedElections:
    """The file elections a history text can name: their positions in Delivery.elections and texts."""

    columns: tuple[int, ...]
    texts: tuple[str, ...]


def named_elections(delivery: Delivery, spec: ElectionText, reserved: set[str] = frozenset()) -> NamedElections:
    """The elections `spec` can name (each text once, none equal to a fixed column's name)."""
    columns, texts, seen = [], [], {name.lower() for name in reserved}
    for position, election in enumerate(delivery.elections):
        text = election_text(election, spec)
        if text is None or text.lower() in seen:
            continue
        seen.add(text.lower())
        columns.append(position)
        texts.append(text)
    return NamedElections(tuple(columns), tuple(texts))


def election_column_cells(
    delivery: Delivery, values: VoterValues, history: ElectionColumns
) -> tuple[list[str], list[pa.Array]]:
    """(header names, cells) of the election columns: a voted cell says the method and ballot party
    where the layout's cells can, a non-voter's cell is empty (or the layout's not-voted word)."""
    named = named_elections(delivery, history.columns, fixed_names(delivery.spec))
    votes, words = values.votes, CellWords.of(delivery.spec, history)
    cells = []
    for position in named.columns:
        voted = votes.voted[:, position]
        word = words.voted(votes.method[:, position], votes.ballot_party[:, position])
        cells.append(pc.if_else(pa.array(voted), word, words.not_voted))
    return list(named.texts), cells


def fixed_names(spec: Layout) -> set[str]:
    return {name for source in spec.fields for name in source.names}


@dataclass(frozen=True)
class CellWords:
    """How an election column's cell says a vote: by the ballot party (OH's letters), by the method
    (WI's Absentee), or a plain word (OH's X, VT's T); a composite `method - party` (AZ). A method the
    cells cannot say takes its stand-in's word, else its own name, which the ingest counts as a vote it
    cannot decode (unknown_history_cell): WI's in-person votes, whose words the sources do not list."""

    spec: Layout
    history: ElectionColumns
    party_words: tuple[str | None, ...]  # per PARTIES index
    method_words: tuple[str, ...]  # per VOTING_METHODS index
    method_known: np.ndarray  # per VOTING_METHODS index: the word is one of the layout's cells
    not_voted: str

    @classmethod
    def of(cls, spec: Layout, history: ElectionColumns) -> CellWords:
        return _cell_words(spec)

    @classmethod
    def _build(cls, spec: Layout, history: ElectionColumns) -> CellWords:
        voted_cells = [(cell, meaning) for cell, meaning in history.cells.items() if meaning.voted]
        not_voted = next((cell for cell, meaning in history.cells.items() if not meaning.voted), "")
        party_words: dict[int, str] = {}
        method_cells: dict[int, str] = {}
        for cell, meaning in voted_cells:
            if meaning.party_ballot:
                party_words.setdefault(vocab.PARTIES.index(meaning.party_ballot), cell)
            if meaning.voting_method:
                method_cells.setdefault(vocab.VOTING_METHODS.index(meaning.voting_method), cell)
        plain = next(
            (cell for cell, meaning in voted_cells if not meaning.party_ballot and not meaning.voting_method), None
        )
        if not voted_cells:
            plain = "X"  # any text is a vote (UT)
        words, known = [], []
        for method in vocab.VOTING_METHODS:
            candidates = [vocab.VOTING_METHODS.index(c) for c in (method, *STAND_INS["voting_method"].get(method, ()))]
            said = next((method_cells[index] for index in candidates if index in method_cells), None)
            words.append(said or plain or method.replace("_", " ").title())
            known.append(bool(said or plain))
        return cls(
            spec,
            history,
            tuple(party_words.get(index) for index in range(len(vocab.PARTIES))),
            tuple(words),
            np.array(known),
            not_voted,
        )

    def voted(self, method: np.ndarray, party: np.ndarray) -> pa.Array:
        """The cells of votes (method and ballot party: vocabulary indices, -1 none)."""
        if self.history.cell_pattern:
            method_text = coded_column(self.spec, "voting_method").write(method).cast(pa.string())
            party_text = coded_column(self.spec, "party_ballot").write(party).cast(pa.string())
            return pc.if_else(pa.array(party >= 0), join_text([method_text, party_text], " - "), method_text)
        by_method = dictionary(np.maximum(method, 0), list(self.method_words)).cast(pa.string())
        if not any(self.party_words):
            return by_method
        by_party = dictionary(np.maximum(party, 0), [word or "" for word in self.party_words]).cast(pa.string())
        return pc.if_else(pa.array(self._said_by_party(party)), by_party, by_method)

    def _said_by_party(self, party: np.ndarray) -> np.ndarray:
        has_word = np.array([word is not None for word in self.party_words])
        return (party >= 0) & has_word[np.maximum(party, 0)]

    def outside_the_table(self, method: np.ndarray, party: np.ndarray, voted: np.ndarray) -> int:
        """How many of these votes are written as words the layout's cells do not list."""
        if self.history.cell_pattern:
            return 0
        known = self._said_by_party(party) | self.method_known[np.maximum(method, 0)]
        return int((voted & ~known).sum())


@cache
def _cell_words(spec: Layout) -> CellWords:
    assert isinstance(spec.history, ElectionColumns)
    return CellWords._build(spec, spec.history)


def string_items(delivery: Delivery, values: VoterValues, history: HistoryString) -> pa.Array:
    """The history string: the labels of the elections voted, separated as the layout says."""
    named = named_elections(delivery, history.items)
    voted = values.votes.voted[:, list(named.columns)] if named.columns else np.zeros((values.count, 0), bool)
    if not named.texts:
        return constant("", values.count)
    # Each election's label or nothing, joined; the separators around the nothings are then removed
    # (Arrow's join skipping nulls drops the rows where every piece is null).
    pieces = [pc.if_else(pa.array(voted[:, index]), text, "") for index, text in enumerate(named.texts)]
    separator = history.separator
    joined = pc.binary_join_element_wise(*pieces, separator)
    joined = pc.replace_substring_regex(joined, f"(?:{re.escape(separator)}){{2,}}", separator)
    return pc.utf8_trim(joined, separator)


def slot_cells(delivery: Delivery, values: VoterValues, history: Slots) -> dict[str, pa.Array]:
    """Field name -> cells of every slot column."""
    spec, votes, count = delivery.spec, values.votes, values.count
    cells: dict[str, pa.Array] = {}
    method_codes = coded_column(spec, "voting_method")
    party_codes = coded_column(spec, "party_ballot")
    for group in history.groups:
        numbers = group.numbers or tuple(str(n) for n in range(1, group.count + 1))
        if history.lookup and not ({"election_date", "election_label"} & set(group.columns)):
            # PA: slot n is the county's election n (its Election Map).
            chosen = map_slot_elections(delivery, values.chunk, len(numbers))
        else:
            chosen = _latest_voted(delivery, votes, group, len(numbers))
        for slot, number in enumerate(numbers):
            position = chosen[:, slot]
            has = position >= 0
            safe = np.maximum(position, 0)
            rows = np.arange(count)
            voted = has & votes.voted[rows, safe]
            for canonical, template in group.columns.items():
                name = template.replace("{n}", number)
                if canonical == "election_date":
                    days = np.array([(election.day - date(1970, 1, 1)).days for election in delivery.elections] or [0])
                    cell = format_dates(days[safe], spec.date_format, ~voted)
                elif canonical == "election_label":
                    texts = [election_text(election, group.election) or "" for election in delivery.elections] or [""]
                    cell = pc.if_else(pa.array(voted), dictionary(safe, texts).cast(pa.string()), "")
                elif canonical == "voting_method":
                    cell = method_codes.write(np.where(voted, votes.method[rows, safe], _NO_VALUE))
                elif canonical == "party_ballot":
                    cell = party_codes.write(np.where(voted, votes.ballot_party[rows, safe], _NO_VALUE))
                else:
                    raise ValueError(f"{spec.id}: slot column {canonical} is not written")
                cells[name.lower()] = cell
    return cells


def _group_elections(delivery: Delivery, group) -> list[int]:
    """The file elections a slot group can hold, oldest first."""
    if group.election is not None:
        return list(named_elections(delivery, group.election).columns)
    return [
        position
        for position, election in enumerate(delivery.elections)
        if group.election_type is None or election.type == group.election_type
    ]


def _latest_voted(delivery: Delivery, votes: Participation, group, slots: int) -> np.ndarray:
    """Per voter and slot: the position of the voter's latest elections of the group (slot 1 the most
    recent), -1 for an unused slot."""
    eligible = _group_elections(delivery, group)
    count = len(votes.voted)
    chosen = np.full((count, slots), _NO_VALUE, dtype=np.int64)
    if not eligible:
        return chosen
    newest_first = np.array(eligible[::-1])
    voted = votes.voted[:, newest_first]
    rank = np.cumsum(voted, axis=1)  # 1 = the most recent vote
    for slot in range(slots):
        here = voted & (rank == slot + 1)
        found = here.any(axis=1)
        chosen[found, slot] = newest_first[np.argmax(here[found], axis=1)]
    return chosen


def map_elections(delivery: Delivery, slots: int) -> list[int]:
    """The elections an Election Map lists (the latest `slots`), oldest first."""
    return list(range(len(delivery.elections)))[-slots:]


def map_slot_elections(delivery: Delivery, chunk: Roll, slots: int) -> np.ndarray:
    """Per voter and slot: the election that slot is in the voter's county (-1: an unused slot). Slot
    numbers differ from county to county: a county's list starts at a slot of its own."""
    listed = np.array(map_elections(delivery, slots))
    local = delivery.local_county(chunk)
    chosen = np.full((len(chunk), slots), _NO_VALUE, dtype=np.int64)
    if not len(listed):
        return chosen
    for slot in range(len(listed)):
        chosen[:, slot] = listed[(slot - local) % len(listed)]
    return chosen


def map_rows(delivery: Delivery, county: int, slots: int) -> list[tuple[int, FileElection]]:
    """(slot number, election) of a county's Election Map, in slot order."""
    listed = map_elections(delivery, slots)
    return [(slot + 1, delivery.elections[listed[(slot - county) % len(listed)]]) for slot in range(len(listed))]


# --- history truth ---------------------------------------------------------------------------------


def history_rows_truth(delivery: Delivery, values: VoterValues) -> int:
    """The vote-history rows the ingest should load from these voters: one per voter and election
    named, elections that read back alike counted once."""
    history, votes = delivery.spec.history, values.votes
    if isinstance(history, HistoryFile):
        return int(votes.voted[:, list(history_file_elections(delivery))].sum()) if delivery.history_spec else 0
    if isinstance(history, ElectionColumns):
        named = named_elections(delivery, history.columns, fixed_names(delivery.spec))
        return _distinct_votes(
            votes.voted, named.columns, [read_back_key(text, history.columns) for text in named.texts]
        )
    if isinstance(history, HistoryString):
        named = named_elections(delivery, history.items)
        return _distinct_votes(votes.voted, named.columns, [read_back_key(text, history.items) for text in named.texts])
    if isinstance(history, Slots):
        rows = 0
        for group in history.groups:
            slots = group.count
            if history.lookup and not ({"election_date", "election_label"} & set(group.columns)):
                chosen = map_slot_elections(delivery, values.chunk, slots)
            else:
                chosen = _latest_voted(delivery, votes, group, slots)
            has = chosen >= 0
            voted = has & np.take_along_axis(votes.voted, np.maximum(chosen, 0), axis=1)
            rows += int(voted.sum())
        return rows
    return 0


def _distinct_votes(voted: np.ndarray, columns: tuple[int, ...], keys: list[tuple[date, str]]) -> int:
    by_key: dict[tuple[date, str], list[int]] = {}
    for column, key in zip(columns, keys, strict=True):
        by_key.setdefault(key, []).append(column)
    return int(sum(voted[:, group].any(axis=1).sum() for group in by_key.values()))


# --- the long history file ------------------------------------------------------------------------


def history_file_elections(delivery: Delivery) -> tuple[int, ...]:
    """The file elections the history layout can say (a type it has a code for, or reads from text)."""
    spec = delivery.history_spec
    assert spec is not None
    type_fields = spec.fields_for("election_type")
    if not type_fields or spec.code_table("election_type") is None:
        return tuple(range(len(delivery.elections)))
    types = coded_column(spec, "election_type")
    return tuple(
        position
        for position, election in enumerate(delivery.elections)
        if types.means[vocab.ELECTION_TYPES.index(election.type)] >= 0
    )


def history_columns(delivery: Delivery, chunk: Roll) -> pa.Table:
    """The long history rows of a chunk: one per voter and election voted, by voter then election.
    Fields without a history meaning repeat the voter's value of the voters layout's field of the same
    name (TX and NJ history records repeat the voter's details)."""
    spec = delivery.history_spec
    assert spec is not None
    chunk = chunk.take(delivery.included(chunk))
    values = VoterValues(delivery, chunk)
    positions = history_file_elections(delivery)
    voted = values.votes.voted[:, list(positions)]
    voter, column = np.nonzero(voted)
    election = np.asarray(positions, dtype=np.int64)[column]
    count = len(voter)
    elections = delivery.elections
    voter_fields = {source.name.lower(): index for index, source in enumerate(delivery.spec.fields)}
    voters_row = None
    columns = []
    for source in spec.fields:
        canonical = source.canonical
        if not canonical:
            if (
                source.name.lower() in voter_fields
                and delivery.spec.fields[voter_fields[source.name.lower()]].canonical
            ):
                if voters_row is None:
                    voters_row = voter_columns(values, delivery.spec)
                value = voters_row[voter_fields[source.name.lower()]]
                columns.append(_per_row(value, voter))
            else:
                columns.append(constant("", count))
            continue
        first = canonical[0]
        if first == "voter_id":
            columns.append(dictionary(voter, delivery.voter_ids(chunk.serial)))
        elif first == "election_code":
            columns.append(dictionary(election, [str(election_code(position)) for position in range(len(elections))]))
        elif first == "election_date":
            days = np.array([(e.day - date(1970, 1, 1)).days for e in elections], dtype=np.int32)
            columns.append(dictionary(election, format_dates(days, spec.date_format_of(source))))
        elif first in ("election_type", "election_label"):
            if "election_type" in canonical and spec.code_table("election_type") is not None:
                types = coded_column(spec, "election_type")
                texts = [types.codes[vocab.ELECTION_TYPES.index(e.type)] for e in elections]
            else:
                # A description the type is read from, or the type's word; blank where neither fits.
                texts = [
                    _fitting(source, [e.label, e.type] if "election_label" in canonical else [e.type])
                    for e in elections
                ]
            columns.append(dictionary(election, texts))
        elif first == "voting_method":
            columns.append(coded_column(spec, "voting_method").write(values.votes.method[voter, election]))
        elif first == "party_ballot":
            columns.append(coded_column(spec, "party_ballot").write(values.votes.ballot_party[voter, election]))
        elif first == "county":
            columns.append(dictionary(delivery.local_county(chunk)[voter], list(county_codes(delivery.spec))))
        elif first == "state":
            columns.append(constant(delivery.spec.state, count))
        else:
            raise ValueError(f"{spec.id}: history field {source.name!r} ({first}) is not written")
    if spec.is_fixed_width:
        columns = [fixed_width(column, source.width) for column, source in zip(columns, spec.fields, strict=True)]
    return pa.table(columns, names=[source.name for source in spec.fields])


def _fitting(source: SourceField, candidates: list[str]) -> str:
    return next((text for text in candidates if source.width is None or len(text) <= source.width), "")


def _per_row(value: pa.Array, voter: np.ndarray) -> pa.Array:
    """A per-voter column repeated on each of the voter's rows."""
    if pa.types.is_dictionary(value.type):
        return pa.DictionaryArray.from_arrays(value.indices.take(pa.array(voter)), value.dictionary)
    return value.take(pa.array(voter))


# --- the files of one snapshot --------------------------------------------------------------------


def output_layout(spec: Layout, header_line: bool | None = None, extra_columns: tuple[str, ...] = ()) -> formats.Layout:
    """The generator's view of a registry layout: what the writer and the defect injector need."""
    names = tuple(source.name for source in spec.fields) + extra_columns
    delimited = spec.text.delimiter is not None

    def field_named(canonical: str) -> str | None:
        sources = spec.fields_for(canonical)
        return sources[0].name if len(sources) == 1 else None

    registration = field_named("registered_date")
    registration_format = spec.date_format_of(spec.fields_for("registered_date")[0]) if registration else None
    date_style = {"%Y-%m-%d": "iso", "%m/%d/%Y": "mdy"}.get(registration_format or "")
    kinds = []
    fixed_width_records = not delimited and spec.record_kind in (VOTER, VOTE_HISTORY)
    if delimited:
        kinds = ["blank_field", "exact_duplicate", "trailing_empty_columns"]
        first = spec.fields[0]
        if first.pattern or set(first.canonical) & {"voter_id", "county", "state"}:
            # Two records run together are told apart by the look of the second one's first field: a
            # name (NY) or a field the generator leaves empty (VA's INV_NO) has none, and such a line
            # is lost whole.
            kinds.append("glued_lines")
        if field_named("last_name"):
            kinds.append("conflicting_duplicate")
        if spec.has_header and (header_line is None or header_line):
            kinds.append("repeated_header")
        if date_style:
            kinds.append("impossible_date")
        if field_named("email"):
            kinds.append("malformed_email")
        if spec.text.encoding != "latin-1":
            kinds.append("non_utf8")
    elif fixed_width_records:
        # Fixed width: no fields to add or header to repeat; a glued line is half the time a record cut
        # short mid-field (its end and newline lost) with the next record after it (DefectInjector).
        kinds = ["blank_field", "exact_duplicate", "glued_lines"]
        if field_named("last_name"):
            kinds.append("conflicting_duplicate")
        if registration_format in ("%Y%m%d", "%m%d%Y"):
            date_style = registration_format
            kinds.append("impossible_date")
    # An address typed with a line break, in quotes: only a layout whose reader honours a quote can hold one.
    line_break_columns = tuple(
        source.name for canonical in ("street_address", "city") for source in spec.fields_for(canonical)
    )
    if delimited and spec.text.quote and line_break_columns:
        kinds.append("quoted_line_break")
    else:
        line_break_columns = ()
    quirk_column = unknown_code_column(spec)
    details = []
    if quirk_column:
        details.append(("unknown_code", spec.fields_for(quirk_column)[0].name))
    if spec.fields_for("birth_date"):
        details.append(("year_only_birth", spec.fields_for("birth_date")[0].name))
    optional = tuple(
        source.name
        for canonical in ("first_name", "middle_name", "last_name", "zip_code", "city", "email")
        for source in spec.fields_for(canonical)
    )
    return formats.Layout(
        columns=names,
        delimiter=spec.text.delimiter or "",
        quote_all=spec.text.quote_all,
        quote=spec.text.quote if delimited else None,
        encoding=spec.text.encoding or "utf-8",
        id_column=field_named("voter_id"),
        email_column=field_named("email"),
        first_name_column=field_named("first_name"),
        last_name_column=field_named("last_name"),
        date_columns=((registration, date_style),) if registration and date_style else (),
        optional_columns=optional,
        line_break_columns=line_break_columns,
        defect_kinds=tuple(kinds),
        trait_kinds=("unknown_code", "year_only_birth", *(("truncated_then_record",) if fixed_width_records else ())),
        name=spec.id,
        record_kind="voters" if spec.record_kind == "voter" else spec.record_kind,
        header_line=spec.has_header if header_line is None else header_line,
        trait_details=tuple(details),
        spans=() if delimited else tuple((source.start, source.width) for source in spec.fields),
        record_lengths=spec.record_lengths(sum(source.width for source in spec.fields)) if fixed_width_records else (),
    )


def file_plans(config: GenerateConfig, roll: Roll, as_of: date, generals: list[int], facts_of) -> list[StateFile]:
    """The files of one snapshot of the state product `config.format`, in writing order: per part, the
    voters file, then its history file and its election map."""
    spec = config.state_layout
    delivery = Delivery.of(config, spec, as_of, generals)
    members = _members_in_state(roll, spec.state)
    state_roll = roll.take(members)
    # Who voted where, once for the whole state: every part's truth is a slice of it.
    state_votes = delivery.participation(state_roll)
    local = delivery.local_county(state_roll)
    parts = delivery_parts(spec, members, local, len(delivery.counties))
    # A state writes every part of its delivery, empty where no record falls in it; not written: the
    # parts the missing_part quirk leaves out, and those of counties outside a county extract.
    missing = _missing_parts(config, parts) | _outside_the_extract(config, spec)
    empty = [name for name, part_members in parts if not len(part_members) and name not in missing]
    expected = [name for name, _ in parts]
    plans: list[StateFile] = []
    history_cells_layout = spec.history if isinstance(spec.history, ElectionColumns) else None
    voter_header_columns = _election_header(delivery)
    first_written = next((name for name, _ in parts if name not in missing), None)
    for part, part_members in parts:
        if part in missing:
            continue
        group = f"{spec.id}:{part}"
        header = spec.has_header and (not (spec.parts and spec.parts.header_in_first_only) or part == first_written)
        out = output_layout(spec, header, voter_header_columns)
        name = file_name(spec, as_of, part)
        in_state = np.searchsorted(members, part_members)
        part_roll, part_votes = state_roll.take(in_state), state_votes.take(in_state)
        facts = facts_of(part_members, out, spec.id)
        if facts:
            facts["truth"] = voters_truth(delivery, part_roll, part_votes, history_cells_layout)
            facts["truth"]["part"] = part
            facts["truth"]["delivery"] = {"parts": len(expected), "missing": sorted(missing), "empty": empty}
        plans.append(
            StateFile(
                name,
                out,
                part_members,
                _voters_builder(delivery, out),
                group,
                facts,
                archive_name(spec, as_of) if config.package == "zip" else None,
            )
        )
        if delivery.history_spec is not None:
            history_spec = delivery.history_spec
            history_out = output_layout(history_spec)
            history_name = file_name(history_spec, as_of, part if history_spec.parts else None)
            if history_spec.parts is None and any(plan.name == history_name for plan in plans):
                continue
            # A history file not cut in parts holds every part's votes.
            history_members = (
                part_members if history_spec.parts else members[np.isin(members, _written(parts, missing))]
            )
            in_state = np.searchsorted(members, history_members)
            held = in_state[delivery.included(state_roll.take(in_state))]
            rows = int(state_votes.voted[np.ix_(held, list(history_file_elections(delivery)))].sum())
            if not rows and not history_spec.parts:
                continue  # no vote at all: no history file (a part without a vote is written, empty)
            history_facts = facts_of(history_members, history_out, history_spec.id)
            if history_facts:
                history_facts["truth"] = {"history_rows": rows, "part": part if history_spec.parts else None}
            history_group = group if history_spec.parts else f"{spec.id}:history"
            history_archive = archive_name(history_spec, as_of, spec) if config.package == "zip" else None
            plans.append(
                StateFile(
                    history_name,
                    history_out,
                    history_members,
                    lambda chunk: history_columns(delivery, chunk),
                    history_group,
                    history_facts,
                    history_archive,
                )
            )
            if delivery.map_spec is not None:
                plans.append(
                    _election_codes_plan(delivery, history_members[:1], history_group, facts_of, config.package)
                )
        if delivery.map_spec is not None and isinstance(spec.history, Slots):
            map_spec = delivery.map_spec
            map_out = output_layout(map_spec)
            county = _county_of_part(spec, part)
            rows = map_rows(delivery, county, _slot_count(spec))
            map_facts = facts_of(np.zeros(0, dtype=np.int64), map_out, map_spec.id)
            if map_facts:
                map_facts["truth"] = {"election_map_rows": len(rows), "part": part}
            # One chunk, whatever the roll: the map does not depend on the voters.
            plans.append(
                StateFile(
                    file_name(map_spec, as_of, part),
                    map_out,
                    part_members[:1],
                    lambda chunk, rows=rows, county=county: election_map_table(delivery, rows, county),
                    group,
                    map_facts,
                    archive_name(map_spec, as_of, spec) if config.package == "zip" else None,
                )
            )
    return plans


def _election_codes_plan(delivery: Delivery, members: np.ndarray, group: str, facts_of, package: str) -> StateFile:
    """The election-code lookup of a long history file (MI's electionscd.lst): every election of the
    delivery under its code, in the history file's group (they land together)."""
    map_spec = delivery.map_spec
    assert map_spec is not None
    rows = [(election_code(position), election) for position, election in enumerate(delivery.elections)]
    map_out = output_layout(map_spec)
    map_facts = facts_of(np.zeros(0, dtype=np.int64), map_out, map_spec.id)
    if map_facts:
        map_facts["truth"] = {"election_map_rows": len(rows), "part": None}
    archive = archive_name(map_spec, delivery.as_of, delivery.spec) if package == "zip" else None
    # One chunk, whatever the roll: the lookup does not depend on the voters.
    return StateFile(
        file_name(map_spec, delivery.as_of, None),
        map_out,
        members,
        lambda chunk: election_map_table(delivery, rows, None),
        group,
        map_facts,
        archive,
    )


def election_code(position: int) -> int:
    """The code of the delivery's election at `position` (Delivery.elections) in a history file that
    names elections by code, and in its lookup."""
    return position + 1


def _written(parts: list[tuple[str | None, np.ndarray]], missing: set[str]) -> np.ndarray:
    chosen = [part_members for name, part_members in parts if name not in missing and len(part_members)]
    return np.concatenate(chosen) if chosen else np.zeros(0, dtype=np.int64)


def _slot_count(spec: Layout) -> int:
    assert isinstance(spec.history, Slots)
    return max(group.count for group in spec.history.groups)


def _election_header(delivery: Delivery) -> tuple[str, ...]:
    history = delivery.spec.history
    if not isinstance(history, ElectionColumns):
        return ()
    named = named_elections(delivery, history.columns, fixed_names(delivery.spec))
    return named.texts


def _members_in_state(roll: Roll, state: str) -> np.ndarray:
    return np.flatnonzero(roll.state == geography().state_index(state))


def delivery_parts(
    spec: Layout, members: np.ndarray, local: np.ndarray, counties: int
) -> list[tuple[str | None, np.ndarray]]:
    """(part name, the members in it) of every part of a whole delivery, in the layout's order; a part
    no member falls in is there with none."""
    parts = spec.parts
    if parts is None:
        return [(None, members)]
    if parts.expected == "numbers":
        return [(str(number + 1), chunk) for number, chunk in enumerate(np.array_split(members, NUMBERED_PARTS))]
    names, part_of_county = county_parts(spec)
    return [(name, members[part_of_county[local] == position]) for position, name in enumerate(names)]


def county_parts(spec: Layout) -> tuple[list[str], np.ndarray]:
    """The parts of a delivery cut by county (per-county files, county-number ranges), in the layout's
    order, and the part of each county of the state (reference order; -1: in none)."""
    parts = spec.parts
    assert parts is not None and parts.expected != "numbers", f"{spec.id}: not cut by county"
    codes = county_codes(spec) if spec.code_table("county") is not None else None
    if parts.expected == "county_codes":
        assert codes is not None
        names = [code for code in spec.codes_as_written("county") if code in codes]
        return names, np.array([names.index(code) for code in codes])
    if all(re.fullmatch(r"\d+_\d+", item) for item in parts.expected):
        assert codes is not None, f"{spec.id}: county-number ranges need a county code table"
        ranges = [tuple(int(bound) for bound in item.split("_")) for item in parts.expected]
        part_of_county = [
            next((position for position, (low, high) in enumerate(ranges) if low <= int(code) <= high), -1)
            for code in codes
        ]
        return list(parts.expected), np.array(part_of_county)
    keys = [_county_key(county.name) for county in reference.states()[spec.state].counties]
    index_of = {_county_key(item): item for item in parts.expected}
    unknown = [key for key in keys if key not in index_of]
    if unknown:
        raise ValueError(f"{spec.id}: counties {unknown} are no part of {parts.expected}")
    return list(parts.expected), np.array([list(parts.expected).index(index_of[key]) for key in keys])


def _county_of_part(spec: Layout, part: str | None) -> int:
    """The county (reference order, in the state) of a per-county part."""
    names, part_of_county = county_parts(spec)
    return int(np.flatnonzero(part_of_county == names.index(part))[0])


def _outside_the_extract(config: GenerateConfig, spec: Layout) -> set[str]:
    """The parts of a county extract's delivery that hold none of its counties: not written (missing
    parts), where a part of one of its counties without a voter is written empty."""
    if config.county_indices is None or spec.parts is None or spec.parts.expected == "numbers":
        return set()  # numbered parts are cut from the extract's own voters
    names, part_of_county = county_parts(spec)
    first = int(geography().state_first_county[geography().state_index(spec.state)])
    inside = {int(part_of_county[county - first]) for county in config.county_indices}
    return {name for position, name in enumerate(names) if position not in inside}


def _missing_parts(config: GenerateConfig, parts: list[tuple[str | None, np.ndarray]]) -> set[str]:
    """The parts the missing_part quirk leaves out: a share of the parts with voters, at least one."""
    rate = config.defects.state_quirks.get("missing_part", 0.0)
    filled = [name for name, members in parts if name is not None and len(members)]
    if not rate or len(filled) < 2:
        return set()
    # Never the first part (IA's header is in it), nor the last of numbered parts (a reader can only
    # name a gap in the numbers).
    candidates = filled[1:-1] if config.state_layout.parts.expected == "numbers" else filled[1:]
    if not candidates:
        return set()
    count = min(len(candidates), max(1, round(rate * len(filled))))
    rng = np.random.default_rng(config.seed)
    return set(rng.choice(candidates, size=count, replace=False).tolist())


def _voters_builder(
    delivery: Delivery, out: formats.Layout
) -> Callable[[Roll], pa.Table | tuple[pa.Table, np.ndarray]]:
    spec = delivery.spec

    def build(chunk: Roll) -> pa.Table | tuple[pa.Table, np.ndarray]:
        chunk = chunk.take(delivery.included(chunk))
        values = VoterValues(delivery, chunk)
        columns = voter_columns(values, spec)
        history = spec.history
        if isinstance(history, Slots):
            cells = slot_cells(delivery, values, history)
            # A slot field of a repeated name (IA) is found under its alias by occurrence (".1"), the last name.
            columns = [
                cells.get(source.names[-1], column) if _is_slot(source, history) else column
                for source, column in zip(spec.fields, columns, strict=True)
            ]
        elif isinstance(history, HistoryString):
            position = next(
                index for index, source in enumerate(spec.fields) if source.name.lower() == history.column.lower()
            )
            columns[position] = string_items(delivery, values, history)
        elif isinstance(history, ElectionColumns):
            _, cells = election_column_cells(delivery, values, history)
            columns += cells
        if spec.is_fixed_width:
            columns = [fixed_width(column, source.width) for column, source in zip(columns, spec.fields, strict=True)]
        table = pa.table(columns, names=list(out.columns))
        return table if values.traits is None else (table, values.traits)

    return build


def _is_slot(source: SourceField, history: Slots) -> bool:
    for group in history.groups:
        numbers = group.numbers or tuple(str(n) for n in range(1, group.count + 1))
        for template in group.columns.values():
            if any(name in {template.replace("{n}", number).lower() for number in numbers} for name in source.names):
                return True
    return False


def election_map_table(delivery: Delivery, rows: list[tuple[int, FileElection]], county: int | None) -> pa.Table:
    """A companion election map: which election each slot of a county's voters file is (PA's
    Election Map: rows of slot numbers), or each election code of a history file (MI's electionscd.lst:
    rows of codes, no county)."""
    spec = delivery.map_spec
    assert spec is not None
    columns = []
    for source in spec.fields:
        first = source.canonical[0] if source.canonical else None
        if first == "county":
            assert county is not None
            columns.append(pa.array([county_codes(delivery.spec)[county]] * len(rows)))
        elif first in ("slot", "election_code"):
            columns.append(pa.array([str(key) for key, _ in rows]))
        elif first in ("election_label", "election_type"):
            columns.append(pa.array([election.label for _, election in rows]))
        elif first == "election_date":
            days = np.array([(election.day - date(1970, 1, 1)).days for _, election in rows], dtype=np.int32)
            columns.append(format_dates(days, spec.date_format_of(source)))
        else:
            columns.append(pa.array([""] * len(rows)))
    if spec.is_fixed_width:
        columns = [fixed_width(column, source.width) for column, source in zip(columns, spec.fields, strict=True)]
    return pa.table(columns, names=[source.name for source in spec.fields])


# --- truth ----------------------------------------------------------------------------------------


def voters_truth(
    delivery: Delivery, part_roll: Roll, votes: Participation, election_columns: ElectionColumns | None
) -> dict:
    """What the ingest should load from a voters file: records by status, party, gender, race and
    primary ballot party (canonical values; "(none)" = no value), the codes written outside the table
    (by column), births given as a year only, and the history rows the file itself carries."""
    held = delivery.included(part_roll)
    chunk = part_roll.take(held)
    values = VoterValues(delivery, chunk, votes.take(np.flatnonzero(held)))
    truth: dict = {"records": len(chunk)}
    for canonical, missing_as in TRUTH_COLUMNS.items():
        names = vocabulary(canonical)
        loaded = values.read_back(canonical)
        # Index len(names) counts the records without a value.
        tally = np.bincount(np.where(loaded >= 0, loaded, len(names)), minlength=len(names) + 1)
        counts = Counter()
        for index, count in enumerate(tally.tolist()):
            if count:
                counts[names[index] if index < len(names) else (missing_as or NONE_KEY)] += count
        truth[f"records_by_{canonical}"] = dict(sorted(counts.items()))
    unknown = 0 if values.traits is None else int((values.traits == TRAIT_CODES.index("unknown_code")).sum())
    truth["unknown_codes"] = {delivery.unknown_code_column: unknown} if unknown else {}
    truth["birth_year_only"] = (
        0 if values.traits is None else int((values.traits == TRAIT_CODES.index("year_only_birth")).sum())
    )
    derived = not isinstance(delivery.spec.history, HistoryFile) and delivery.spec.history is not None
    truth["history_rows"] = history_rows_truth(delivery, values) if derived else None
    if election_columns is not None:
        named = named_elections(delivery, election_columns.columns, fixed_names(delivery.spec))
        votes, words = values.votes, CellWords.of(delivery.spec, election_columns)
        truth["history_cells_outside_the_table"] = sum(
            words.outside_the_table(votes.method[:, column], votes.ballot_party[:, column], votes.voted[:, column])
            for column in named.columns
        )
        truth["elections_named"] = list(named.texts)
    return truth
