"""The layout registry: every voter-file layout the platform reads (and the generator writes) is a
YAML file in this folder, validated here at start-up.

A layout says how a file is recognised (its header, or for a headerless file its name, field count
and a few value patterns), how its lines split (a delimiter and quoting, or fixed-width positions),
which source column feeds each canonical column of `raw.voters` / `raw.vote_history`, the code
tables that decode the state's vocabularies, its date formats, the values that are constant for the
whole file (the state of a single-state product) and the shape of its vote history. The ingest
(voter_platform/lib/ingest) implements each structural pattern once; adding a state is adding a file
and a test.

A typo in a layout fails here with the file name and the field (pydantic), before anything runs.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from voter_platform.lib.vocabularies import CANONICAL_VALUES, STATE_CODES

LAYOUTS_DIR = Path(__file__).parent

VOTER = "voter"
VOTE_HISTORY = "vote_history"

# The canonical columns a source column can feed, per kind of record (lib/warehouse.py has the meaning).
VOTER_COLUMNS = (
    "voter_id",
    "first_name",
    "middle_name",
    "last_name",
    "name_suffix",
    "email",
    "phone",
    "street_address",
    "city",
    "zip_code",
    "birth_date",
    "birth_year",
    "age",
    "gender",
    "race",
    "ethnicity",
    "state",
    "county",
    "party",
    "primary_ballot_party",
    "registration_status",
    "status_reason",
    "registered_date",
    "last_voted_date",
    "updated_at",
    "confidential",
    "snapshot_date",
)
HISTORY_COLUMNS = (
    "voter_id",
    "state",
    "county",
    "election_date",
    "election_type",
    "election_label",
    "voting_method",
    "party_ballot",
    "election_code",
)
# A companion file that says which election a history slot is, per county (PA's Election Map), or
# which election an election code is (MI's electionscd.lst).
ELECTION_MAP_COLUMNS = ("county", "slot", "election_code", "election_date", "election_label", "election_type")
ELECTION_MAP = "election_map"
COLUMNS_OF = {VOTER: VOTER_COLUMNS, VOTE_HISTORY: HISTORY_COLUMNS, ELECTION_MAP: ELECTION_MAP_COLUMNS}
# Columns decoded through a code table (or, without one, the platform's own spellings).
CODED_COLUMNS = (
    "gender",
    "race",
    "ethnicity",
    "party",
    "primary_ballot_party",
    "registration_status",
    "county",
    "election_type",
    "voting_method",
    "party_ballot",
    "confidential",
)
DATE_COLUMNS = ("birth_date", "registered_date", "last_voted_date", "election_date", "snapshot_date")

_Strict = ConfigDict(extra="forbid", frozen=True)


def _valid_regex(value: str | None) -> str | None:
    if value is not None:
        try:
            re.compile(value)
        except re.error as error:
            raise ValueError(f"not a valid regular expression: {error}") from None
    return value


class SourceField(BaseModel):
    """One column of the source file."""

    model_config = _Strict

    name: str  # as in the header (lower-cased when compared), or the layout document's name
    # The canonical column(s) it feeds. Several fields feeding one text column are joined (`join`).
    canonical: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()  # other spellings seen in real files (header-matched layouts)
    start: int | None = Field(default=None, ge=1)  # fixed width: first byte, 1-based
    width: int | None = Field(default=None, ge=1)  # fixed width; for padded delimited files, the pad width
    pattern: str | None = None  # a regex a value matches: recognises headerless files, finds glued records
    codes: str | None = None  # the code table decoding it (default: the one named after `canonical`)
    date_format: str | None = None  # overrides the layout's
    # The record cannot be held without it (the voter id always is); for a headerless layout a blank
    # value on the first line also says the file is not of this layout (TX history vs voter records).
    required: bool = False

    @field_validator("canonical", mode="before")
    @classmethod
    def _as_tuple(cls, value: object) -> object:
        return (value,) if isinstance(value, str) else value

    _pattern_compiles = field_validator("pattern")(_valid_regex)

    def feeds(self, canonical: str) -> bool:
        return canonical in self.canonical

    @property
    def names(self) -> tuple[str, ...]:
        """Spellings, lower case, the layout's own first."""
        return tuple(dict.fromkeys(name.lower() for name in (self.name, *self.aliases)))


class Recognition(BaseModel):
    """How a file of this layout is told apart from every other layout."""

    model_config = _Strict

    # exact: the header is the fields, in order (optionally without `optional_trailing`);
    # names: the header holds `required` among other columns, in any order;
    # none: no header line; the file name, field count (or line length) and value patterns decide.
    header: Literal["exact", "names", "none"]
    required: tuple[str, ...] = ()
    file_name: str | None = None  # a regex the file name matches (case-insensitive)
    line_length: tuple[int, ...] = ()  # fixed width: the record lengths (without the line ending)
    optional_trailing: tuple[str, ...] = ()  # exact headers: trailing columns older files omit

    _file_name_compiles = field_validator("file_name")(_valid_regex)


class TextFormat(BaseModel):
    model_config = _Strict

    delimiter: str | None = None  # None: fixed width
    quote: str | None = '"'
    # Declared encoding; None = detect from the bytes (UTF-8, latin-1, UTF-16 with or without BOM).
    encoding: Literal["utf-8", "latin-1", "utf-16"] | None = None
    padded: bool = False  # values are space-padded to their width (VR_Snapshot): trimmed on read
    # Every value is written in quotes (OH, NY, PA, MI): how the generator writes the file. Readers take
    # a value quoted or not either way.
    quote_all: bool = False


class ElectionText(BaseModel):
    """How an election is read out of a text: a history column's header, a slot's label cell, an
    item of a history string. The pattern (case-insensitive) has named groups:

    date (read with `date_format`), or year (4 or 2 digits) with an optional month (number or
    name) and day; type (a word decoded through `types`); anything else is ignored. An election
    whose day the text does not give is dated by the US election-day rule (the Tuesday after the
    first Monday of its month, November for a general): exact for generals, flagged
    `estimated_election_date` otherwise; a year alone (not a general) is flagged `election_year_only`.
    """

    model_config = _Strict

    pattern: str
    date_format: str | None = None
    types: dict[str, str] = {}  # type word (upper case) -> canonical election type
    # The type when the text has none: a fixed one, or None: GENERAL on a federal general's date, else OTHER.
    type: str | None = None
    # Known dates of texts that carry none (upper-cased whole text -> YYYY-MM-DD), e.g. AZ's GENERAL2022.
    dates: dict[str, str] = {}
    # How the generator writes an election so that `pattern` reads it back: a str.format template
    # with {date} (a date: {date:%m/%d/%Y}), {year}, {yy} (two digits), {month_name} and {type}
    # (the word of `types` for the election's type, else the type itself).
    template: str | None = None

    _pattern_compiles = field_validator("pattern")(_valid_regex)


class CellMeaning(BaseModel):
    """What a history cell value says (values compared trimmed and upper-cased)."""

    model_config = _Strict

    voted: bool = True
    voting_method: str | None = None  # canonical voting method
    party_ballot: str | None = None  # canonical party of the ballot (primaries)


class ElectionColumns(BaseModel):
    """History style b: one column per election in the voter file; its header names the election."""

    model_config = _Strict

    kind: Literal["election_columns"]
    columns: ElectionText  # a header matching it is a history column
    cells: dict[str, CellMeaning] = {}  # cell value -> meaning; an empty cell is no vote
    # A composite cell ("a - DEM"): groups voting_method and party_ballot, decoded by the code tables.
    cell_pattern: str | None = None

    _cell_pattern_compiles = field_validator("cell_pattern")(_valid_regex)


class SlotGroup(BaseModel):
    """A run of numbered slot columns, each slot one election the voter took part in."""

    model_config = _Strict

    count: int = Field(ge=1)
    # canonical history column -> the field name of slot {n}: election_date, election_label,
    # voting_method, party_ballot
    columns: dict[str, str]
    numbers: tuple[str, ...] = ()  # what {n} is for each slot, when not 1..count (IA: "", ".1", ...)
    election_type: str | None = None  # the type of every election of the group (IA's GENERAL block)
    election: ElectionText | None = None  # how a label cell names its election (DE)


class Slots(BaseModel):
    """History style b, positional: a fixed number of slots per voter (PA, IA, OK, DE)."""

    model_config = _Strict

    kind: Literal["slots"]
    groups: tuple[SlotGroup, ...]
    # A companion file (layout id, record kind election_map) saying which election slot n is, per county.
    lookup: str | None = None


class HistoryString(BaseModel):
    """History style c: one column listing the elections voted in (NY)."""

    model_config = _Strict

    kind: Literal["history_string"]
    column: str  # the field holding it
    separator: str
    items: ElectionText


class HistoryFile(BaseModel):
    """History style a: a separate long file (its own layout, record_kind vote_history)."""

    model_config = _Strict

    kind: Literal["history_file"]
    layout: str  # the id of the history layout
    # A companion file (layout id, record kind election_map) saying which election each election code
    # of the history file is (MI's electionscd.lst): the history layout has no election date of its own.
    lookup: str | None = None


class LastVoteOnly(BaseModel):
    model_config = _Strict

    kind: Literal["last_vote_only"]


class NoHistory(BaseModel):
    model_config = _Strict

    kind: Literal["none"]


History = Annotated[
    ElectionColumns | Slots | HistoryString | HistoryFile | LastVoteOnly | NoHistory, Field(discriminator="kind")
]


class Parts(BaseModel):
    """A product delivered as several files (per county, numbered parts, county ranges) that make one
    snapshot of the state. The part is read from the file name; a missing one is named."""

    model_config = _Strict

    file_name: str  # a regex over the file name with a `part` group
    # The parts of a whole delivery: the county code table (`county`), a list, or none (numbered
    # parts: a gap in the numbers is named).
    expected: Literal["county_codes", "numbers"] | tuple[str, ...] = "numbers"
    header_in_first_only: bool = False  # IA: parts after the first have no header line

    _file_name_compiles = field_validator("file_name")(_valid_regex)


class Layout(BaseModel):
    """One accepted file layout (one state's product in one vintage, or the platform's own)."""

    model_config = _Strict

    id: str
    family: str  # groups the voters and history layouts of one product; the source id prefix
    title: str
    record_kind: Literal["voter", "vote_history", "election_map"]
    state: str | None = None  # every record is of this state; None: each record says
    product: str = ""
    publisher: str = ""
    files: str = ""  # how the files are named, for the README's table
    vintage: str = ""  # which deliveries this layout describes
    history: History | None = None  # voter layouts only
    parts: Parts | None = None  # multi-part deliveries
    # Archive members to skip (regex over the member's path): copies and summaries shipped beside the data.
    ignore_members: str | None = None
    recognise: Recognition
    text: TextFormat
    fields: tuple[SourceField, ...]
    codes: dict[str, dict[str, str]] = {}
    date_format: str = "%Y-%m-%d"
    timestamp_format: str = "%Y-%m-%d %H:%M:%S"
    # Dates that stand for "unknown" in this product: loaded as null and flagged placeholder_date.
    placeholder_dates: tuple[str, ...] = ()
    # How the generator names a file of this layout: a str.format template with {date}
    # ({date:%Y%m%d}), {state} and, for a part, {part} (e.g. "{part}_{date:%Y%m%d}.txt").
    file_template: str | None = None
    # The zip a delivery comes in, where the state's notes name it (same placeholders, no {part}):
    # what `generate --package zip` writes the files into.
    archive_template: str | None = None
    # A regex over the lower-cased file name whose `state` group is the state of every record
    # (voters_NC_2026-11-20.csv); a state column in such a file is only checked.
    state_in_file_name: str | None = None
    # Canonical values constant for the whole file (beyond `state`).
    constants: dict[str, str] = {}
    # Separator when several fields feed one canonical text column (default a space).
    join: dict[str, str] = {}
    # File-name words removed with the date to make the source id (voters_NC_2026-11-20 -> NC).
    name_words: tuple[str, ...] = ()
    # History layouts whose ballot party is filled for primary ballots only (TX's Election_Party): a row
    # with one and no election type of its own is a PRIMARY.
    party_ballot_marks_primary: bool = False

    @field_validator("state_in_file_name")
    @classmethod
    def _has_state_group(cls, value: str | None) -> str | None:
        if value is not None and "state" not in re.compile(value).groupindex:
            raise ValueError("needs a (?P<state>...) group")
        return value

    @field_validator("state")
    @classmethod
    def _state_code(cls, value: str | None) -> str | None:
        if value is not None and value not in STATE_CODES:
            raise ValueError(f"{value!r} is not a USPS state code")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Layout:
        columns = COLUMNS_OF[self.record_kind]
        for source in self.fields:
            for canonical in source.canonical:
                if canonical not in columns:
                    raise ValueError(
                        f"field {source.name!r}: {canonical!r} is not a canonical {self.record_kind} column"
                    )
            if source.codes is not None and source.codes not in self.codes:
                raise ValueError(f"field {source.name!r}: no code table {source.codes!r}")
        for table, mapping in self.codes.items():
            vocabulary = CANONICAL_VALUES.get(_coded_column(table, self.fields))
            if vocabulary is None:
                continue
            unknown = sorted({value for value in mapping.values() if value not in vocabulary})
            if unknown:
                raise ValueError(f"code table {table!r} maps to values outside the vocabulary: {unknown}")
        if self.record_kind != ELECTION_MAP and not self.fields_for("voter_id"):
            raise ValueError("no field feeds voter_id")
        fixed = self.text.delimiter is None
        for source in self.fields:
            if fixed and (source.start is None or source.width is None):
                raise ValueError(f"field {source.name!r}: a fixed-width layout needs start and width")
        if fixed and self.recognise.header != "none":
            raise ValueError("a fixed-width layout has no header: recognise.header must be none")
        if self.recognise.header == "none" and not (self.recognise.file_name or self.recognise.line_length):
            raise ValueError("a headerless layout needs recognise.file_name or recognise.line_length")
        if self.recognise.header == "names":
            known = {name for source in self.fields for name in source.names}
            missing = [name for name in self.recognise.required if name.lower() not in known]
            if missing:
                raise ValueError(f"recognise.required names no field: {missing}")
        if self.history is not None and self.record_kind != VOTER:
            raise ValueError("only a voter layout describes history")
        if self.party_ballot_marks_primary and not self.fields_for("party_ballot"):
            raise ValueError("party_ballot_marks_primary needs a field feeding party_ballot")
        self._check_history_fields()
        if self.parts is not None and self.parts.expected == "county_codes" and self.code_table("county") is None:
            raise ValueError("parts.expected is county_codes but the layout has no county code table")
        return self

    def _check_history_fields(self) -> None:
        """Slot and string histories name fields the layout has."""
        known = {name for source in self.fields for name in source.names}
        names: list[str] = []
        if isinstance(self.history, HistoryString):
            names.append(self.history.column)
        if isinstance(self.history, Slots):
            for group in self.history.groups:
                numbers = group.numbers or tuple(str(n) for n in range(1, group.count + 1))
                if len(numbers) != group.count:
                    raise ValueError(f"history slot group: {len(numbers)} numbers for {group.count} slots")
                for column, template in group.columns.items():
                    if column not in HISTORY_COLUMNS:
                        raise ValueError(f"history slot column {column!r} is not a canonical vote-history column")
                    names += [template.replace("{n}", number) for number in numbers]
        missing = [name for name in names if name.lower() not in known and self.recognise.header == "none"]
        if missing:
            raise ValueError(f"history names fields the layout does not have: {missing[:5]}")

    def __hash__(self) -> int:  # a layout is known by its id (its tables are dicts)
        return hash(self.id)

    # --- what the readers ask -------------------------------------------------------------------

    @property
    def is_fixed_width(self) -> bool:
        return self.text.delimiter is None

    @property
    def has_header(self) -> bool:
        return self.recognise.header != "none"

    @property
    def history_coverage(self) -> str:
        """raw.snapshots.history_coverage of a snapshot of this product (before knowing its files)."""
        if self.history is not None and self.history.kind == "last_vote_only":
            return "last_vote_only"
        if self.history is not None and self.history.kind == "none":
            return "none"
        return "per_election"

    def record_lengths(self, record_length: int) -> tuple[int, ...]:
        """Fixed width: the lengths a line of `record_length`-character records may have. Writers cut
        trailing blanks off: a line may end after any field from the voter id on (blank fields cut
        whole), never inside one."""
        id_end = max(source.start + source.width - 1 for source in self.fields_for("voter_id"))
        ends = {source.start + source.width - 1 for source in self.fields}
        return tuple(sorted(end for end in ends | {record_length} if id_end <= end <= record_length))

    def fields_for(self, canonical: str) -> tuple[SourceField, ...]:
        return tuple(source for source in self.fields if source.feeds(canonical))

    def code_table(self, canonical: str) -> dict[str, str] | None:
        """The code table decoding a canonical column (keys upper case), or None: platform spellings."""
        table = self.codes_as_written(canonical)
        return None if table is None else {key.upper(): value for key, value in table.items()}

    def codes_as_written(self, canonical: str) -> dict[str, str] | None:
        """The code table of a canonical column with its codes spelled as the files write them."""
        sources = self.fields_for(canonical)
        name = next((source.codes for source in sources if source.codes), canonical)
        table = self.codes.get(name)
        if table is None and canonical in ("primary_ballot_party", "party_ballot"):
            table = self.codes.get("party")
        return table

    @property
    def dated_by_election_code(self) -> bool:
        """A vote-history layout whose elections are codes, dated by a companion lookup (MI's .lst)."""
        return (
            self.record_kind == VOTE_HISTORY
            and bool(self.fields_for("election_code"))
            and not self.fields_for("election_date")
        )

    def date_format_of(self, source: SourceField) -> str:
        return source.date_format or self.date_format


def _coded_column(table: str, fields: tuple[SourceField, ...]) -> str:
    """The canonical column a code table decodes (its name, or the column of the fields using it)."""
    for source in fields:
        if source.codes == table and source.canonical:
            return source.canonical[0]
    return table


_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class LayoutError(ValueError):
    """A layout file is not valid: the message names the file and what is wrong."""


def _load(path: Path) -> Layout:
    try:
        # A safe loader, libyaml's when the wheel has it: the registry is read at every start (10x the pure-Python one).
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)
        layout = Layout.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in issue['loc']) or '(top level)'}: {issue['msg']}"
            for issue in error.errors()
        )
        raise LayoutError(f"layout {path.name}: {problems}") from None
    except yaml.YAMLError as error:
        raise LayoutError(f"layout {path.name} is not valid YAML: {error}") from None
    if layout.id != path.stem:
        raise LayoutError(f"layout {path.name}: id {layout.id!r} must equal the file name ({path.stem!r})")
    return layout


@cache
def layouts(folder: Path = LAYOUTS_DIR) -> dict[str, Layout]:
    """Every layout of the registry, by id, in recognition order (see `ORDER`)."""
    found = {layout.id: layout for layout in (_load(path) for path in sorted(folder.glob("*.yaml")))}
    for layout in found.values():
        history = layout.history
        lookup = getattr(history, "lookup", None)
        if lookup is not None and (found.get(lookup) is None or found[lookup].record_kind != ELECTION_MAP):
            raise LayoutError(f"layout {layout.id}.yaml: history lookup {lookup!r} is not an election-map layout")
        if isinstance(history, HistoryFile):
            target = found.get(history.layout)
            if target is None or target.record_kind != VOTE_HISTORY:
                raise LayoutError(
                    f"layout {layout.id}.yaml: history layout {history.layout!r} is not a vote-history layout"
                )
            if target.dated_by_election_code and (lookup is None or not found[lookup].fields_for("election_code")):
                raise LayoutError(
                    f"layout {layout.id}.yaml: history layout {history.layout!r} has election codes and no election "
                    "date: name the election-code lookup that dates them (history.lookup)"
                )
    return found


def election_lookup(history_layout_id: str) -> Layout | None:
    """The companion election-map layout that dates the election codes of a long history layout (the
    voters layout names it with the history file), or None."""
    for spec in layouts().values():
        if isinstance(spec.history, HistoryFile) and spec.history.layout == history_layout_id and spec.history.lookup:
            return layouts()[spec.history.lookup]
    return None


def layout(layout_id: str) -> Layout:
    try:
        return layouts()[layout_id]
    except KeyError:
        raise LayoutError(f"no layout {layout_id!r}; known: {', '.join(sorted(layouts()))}") from None
