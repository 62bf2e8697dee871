"""From fields to typed canonical records, in DuckDB SQL.

Two paths produce the same *base* columns through the same layers, and one shared layer derives the
rest (age and birth year from the birth date; the earliest possible birth date is derived at
validation time):

* fast path (`record_insert_sql`): DuckDB's CSV reader parses each field, typing those it can
  (dates in the layout's date format, ENUMs of the codes the layout declares, integers), and the
  rows go straight into raw.voters / raw.vote_history. A line that does not fit (a code outside
  the table, a masked date, a repeated header, a wrong field count, an empty required field) is
  refused by the reader and takes the careful path. Almost every line of a sound file goes this way.
* careful path (`line_staging_select`): the whole line is split in SQL and typed from text into a
  staging table of one row per line (two for a glued line that could be split).

Both paths run the same layers over their fields:

    adapted  t_<column>       the layout's fields under canonical names (text, or typed by the reader)
    parsed   d_/i_/m_ columns dates (the layout's format first) and numbers parsed once
    based    canonical        code tables applied; typing findings listed in `issues`
    typed    derived          age and birth year from the birth date

A finding the SQL typing makes (an unparseable date, a masked date, a state column that is not the
file's state) is an *issue*: on the careful path it goes to the staging row, on the fast path into
the raw row's quality_flags, from where load.py reads it. Values outside a vocabulary pass through
upper-cased, so the pandera rules see (and flag) them; load.py writes them as the catch-all.

Staging columns:

    row_index      the line reader's row number (NULL for lines re-read after a reject)
    line_number    physical line in the file, 1 = header
    part           0, or 1/2 for the two records of a glued line
    line_kind      header | blank | repeated_header | record | glued | glued_records_unrecoverable |
                   truncated_record | wrong_field_count | values_in_unnamed_columns |
                   invalid_encoding | line_too_long | control_character | stray_carriage_return |
                   continuation (a line continuing the quoted value of the record on a line before it:
                   accounted with that record, spans.py) | unterminated_quote
    field_count    fields found on the line
    irregular_raw  the text of a glued line (needed to split it)
    issues         typing findings; NULL when none
    flags          filled by load.py: the flags a loaded record carries
    disposition    filled by load.py: NULL (loaded) | quarantined | superseded
    <canonical typed columns>
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from voter_platform.layouts.registry import HISTORY_COLUMNS, VOTER, VOTER_COLUMNS
from voter_platform.lib import vocabularies as vocab
from voter_platform.lib.elections import ELECTION_TYPE_WORDS, untyped_election_type_sql
from voter_platform.lib.ingest.formats import FastType, FileLayout, decoding, fast_types
from voter_platform.lib.ingest.shapes import RecordShapes
from voter_platform.lib.ingest.spans import MAX_RECORD_LINES, UNTERMINATED_QUOTE
from voter_platform.lib.sql import sql_list, sql_map, sql_string

# Typing issues: every one only flags the record (the value is loaded as null).
TYPING_ISSUES = (
    "unparseable_birth_date",
    "unparseable_registered_date",
    "unparseable_last_voted_date",
    "unparseable_updated_at",
    "unparseable_age",
    "unparseable_birth_year",
    "masked_date",
    "state_column_mismatch",
    "trailing_empty_columns",
    "recovered_from_glued_line",
)
# ... except a history row's election date: without it the row belongs to no election.
TYPING_QUARANTINE_ISSUES = ("unparseable_election_date", "missing_state", "unknown_state")

# Line kinds quarantined as a whole (the kind is the reason), with what the detail says.
UNLOADABLE_LINE_KINDS = {
    "repeated_header": "the header line again",
    "wrong_field_count": "{field_count} fields, expected {expected}",
    "wrong_line_length": "the line's length is no record length: expected {expected}",
    "glued_records_unrecoverable": "{field_count} fields: records glued on one line that could not be separated",
    "truncated_record": "a record cut short (its end is missing) followed on the same line by the next record",
    "values_in_unnamed_columns": "values after the last named column ({named})",
    "invalid_encoding": "bytes that are not valid text in the file's encoding",
    "line_too_long": "longer than the 1 MiB line limit",
    "control_character": "a control character inside the line",
    "stray_carriage_return": "a carriage return inside the line",
    UNTERMINATED_QUOTE: f"a quote opens a value on this line and does not close within {MAX_RECORD_LINES} lines "
    "(or before the end of the file): the lines after it are read each on its own",
}

DATE_FORMATS = ["%Y-%m-%d", "%m/%d/%Y", "%Y%m%d"]
TIMESTAMP_FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%Y-%m-%d",
    "%m/%d/%Y",
]

# Canonical source columns, per kind of record, that are stored: the registry's, without the snapshot date a
# voters file may carry (the partition says it) and, for history, the county and election code (a history
# row is its voter's; the code only dates it, through the delivery's lookup).
VOTER_SOURCE_COLUMNS = tuple(column for column in VOTER_COLUMNS if column != "snapshot_date")
HISTORY_SOURCE_COLUMNS = tuple(column for column in HISTORY_COLUMNS if column not in ("county", "election_code"))
# Stored as written: trimming every name and address costs a string operation per value.
FREE_TEXT_COLUMNS = frozenset(
    {
        "first_name",
        "middle_name",
        "last_name",
        "name_suffix",
        "email",
        "phone",
        "street_address",
        "city",
        "status_reason",
        "election_label",
    }
)
_DATE_COLUMNS = ("birth_date", "registered_date", "last_voted_date", "election_date")
_CODED = (
    "gender",
    "race",
    "ethnicity",
    "party",
    "primary_ballot_party",
    "registration_status",
    "voting_method",
    "party_ballot",
)

VOTER_TYPED_COLUMNS = VOTER_SOURCE_COLUMNS
# raw.vote_history has no state: a history file's state is its voters file's.
HISTORY_TYPED_COLUMNS = tuple(column for column in HISTORY_SOURCE_COLUMNS if column != "state")

_BASE_TYPES = {
    "birth_date": "date",
    "registered_date": "date",
    "last_voted_date": "date",
    "election_date": "date",
    "updated_at": "timestamp",
    "age": "integer",
    "birth_year": "integer",
    "confidential": "boolean",
}


def typed_columns(record_kind: str) -> tuple[str, ...]:
    return VOTER_TYPED_COLUMNS if record_kind == VOTER else HISTORY_TYPED_COLUMNS


def text_columns(record_kind: str) -> tuple[str, ...]:
    """The typed columns that hold text (a value a line break could be in)."""
    return tuple(column for column in typed_columns(record_kind) if column not in _BASE_TYPES)


def _source_columns(record_kind: str) -> tuple[str, ...]:
    return VOTER_SOURCE_COLUMNS if record_kind == VOTER else HISTORY_SOURCE_COLUMNS


def raw_table(record_kind: str) -> str:
    """The raw table a kind of record is loaded into."""
    return "raw.voters" if record_kind == VOTER else "raw.vote_history"


# Required canonical columns: the fast reader must not turn their empty fields into NULL (it keeps ''
# so the rules quarantine the record, or refuses the line when the field is typed). The state only
# where the records say it (a multi-state file); a history row's state is not stored but checked.
def required_columns(layout: FileLayout) -> tuple[str, ...]:
    kind = layout.spec.record_kind
    columns = ("voter_id",) if kind == VOTER else ("voter_id", "election_date", "election_type")
    if layout.file_state is None:
        columns += ("state",)
    return columns


# --- small SQL builders ---------------------------------------------------------------------------


def _trimmed(value: str) -> str:
    """The value without surrounding spaces, '' as NULL; trim() only runs where there is a space."""
    return (
        f"case when prefix({value}, ' ') or suffix({value}, ' ') then nullif(trim({value}), '') "
        f"else nullif({value}, '') end"
    )


def _one_of(values: str, value: str) -> str:
    """`value` is in the constant list `values` (NULL for a NULL value, as `list_contains` says).

    Never `x in (...)` nor `list_contains`: DuckDB turns an IN list, and a list_contains of five or
    more constants, into a hash join, and a join in the fast path's projection loses the reader's row
    order (the line numbers) once the read runs in parallel. list_position stays a plain function.
    """
    return f"(case when {value} is null then null else list_position({values}, {value}) is not null end)"


def _decode(layout: FileLayout, canonical: str, text: str) -> str:
    """A coded value mapped onto the vocabulary (the layout's code table, or the platform's own
    spellings, which include the vocabulary itself); unknown codes pass through upper-cased so the
    rules flag them."""
    mapping, _, _ = decoding(layout.spec, canonical)
    return f"coalesce({sql_map(mapping)}[upper({text})], upper({text}))"


def _state(text: str) -> str:
    """A state code or name as a USPS code; anything else passes through upper-cased."""
    return f"coalesce({sql_map(vocab.STATE_SPELLINGS)}[upper({text})], upper({text}))"


def _county(layout: FileLayout, text: str) -> str:
    table = layout.spec.code_table("county")
    return f"coalesce({sql_map(table)}[upper({text})], upper({text}))" if table else f"upper({text})"


def _masked(text: str) -> str:
    """NC masks dates under county review as ##/##/#### (or xx/xx/xxxx). Cheap guard first."""
    return (
        f"case when contains({text}, '#') or prefix({text}, 'x') or prefix({text}, 'X') "
        f"then regexp_matches({text}, '^[#xX]+[/-]?[#xX]+[/-]?[#xX]+$') else false end"
    )


def _parse_date(text: str, layout_format: str) -> str:
    formats = [layout_format] + [fmt for fmt in DATE_FORMATS if fmt != layout_format]
    return f"try_strptime({text}, {sql_list(formats)})::date"


def _zip(text: str) -> str:
    """ "27517.0": a zip code that went through a float column somewhere upstream."""
    return f"case when contains({text}, '.') then regexp_replace({text}, '\\.0+$', '') else {text} end"


def election_type_sql(text: str) -> str:
    """The election type a description names (lib/elections.ELECTION_TYPE_WORDS), or NULL."""
    branches = " ".join(
        f"when contains(upper({text}), {sql_string(word)}) then {sql_string(election_type)}"
        for word, election_type in ELECTION_TYPE_WORDS
    )
    return f"(case {branches} end)"


def _election_type(layout: FileLayout, text: str) -> str:
    """From the layout's code table, or read from a description such as NC's "11/08/2016 GENERAL"."""
    if layout.spec.code_table("election_type") is not None:
        return _decode(layout, "election_type", text)
    return f"""case when {_one_of(sql_list(vocab.ELECTION_TYPES), text)} then {text}
        else coalesce({election_type_sql(text)}, upper({text})) end"""


def _issues_sql(checks: list[tuple[str, str]]) -> str:
    """The list of issue names of a record, built only for the rare records that have one."""
    if not checks:
        return "null::varchar[]"
    any_issue = " or ".join(f"coalesce({condition}, false)" for _, condition in checks)
    items = ", ".join(f"case when coalesce({condition}, false) then '{name}' end" for name, condition in checks)
    return f"case when {any_issue} then list_filter([{items}], lambda x: x is not null) end"


# --- the layers -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Column:
    """One canonical column through the layers: its text (t_), parsed value, base value and checks."""

    text: str  # adapted: the text (or the reader's typed value) as t_<name>
    parsed: str | None  # parsed: d_<name>, or None when the base needs no parsing step
    base: str  # based: the canonical value
    checks: tuple[tuple[str, str], ...] = ()


def _adapted_text(layout: FileLayout, canonical: str, field: str) -> str:
    """The text of a canonical column from wherever the layout keeps it (`field` formats a position).

    Codes, ids, dates and numbers are trimmed; free text is kept as written (padded layouts are
    trimmed throughout). Several fields feeding one column are joined. Empty text is NULL.
    """
    sources = layout.source_fields(canonical)
    if not sources:
        return "null::varchar"
    padded = layout.spec.text.padded or layout.spec.is_fixed_width  # fixed-width values are padded too

    def text_of(position: int) -> str:
        value = field.format(position)
        if layout.spec.text.padded:
            # Padded exports write an empty value as spaces, or as one NUL (SQL Server's bcp).
            return f"nullif(trim({value}, ' ' || chr(0)), '')"
        return f"nullif({value}, '')" if canonical in FREE_TEXT_COLUMNS and not padded else _trimmed(value)

    if len(sources) == 1:
        return text_of(sources[0][1])
    separator = layout.spec.join.get(canonical, " ")
    parts = ", ".join(text_of(position) for _, position in sources)
    return f"nullif(concat_ws({sql_string(separator)}, {parts}), '')"


def _column(layout: FileLayout, name: str, field: str, fast: bool) -> _Column:
    """How a canonical column is read on a path (`fast`: the reader typed the fields in fast_types)."""
    spec = layout.spec
    position = layout.source_position(name)
    # A fixed-width record is read whole: none of its fields is typed by the reader.
    typed_by_reader = fast and position is not None and not spec.is_fixed_width
    fast_type: FastType | None = fast_types(spec).get(name) if typed_by_reader else None
    t = f"t_{name}"
    if name == "state":
        return _state_column(layout, field, fast_type)
    if spec.dated_by_election_code and name in ("election_date", "election_type", "election_label"):
        return _election_of_code(layout, name, field)
    if name in layout.constants:
        return _Column(sql_string(layout.constants[name]), None, t)
    text = _adapted_text(layout, name, field)
    if fast_type is not None:
        # Typed by the reader: no parsing, nothing to find.
        text = field.format(position)
        if fast_type.canonical:
            base = _enum_to_canonical(t, fast_type.canonical)
            return _Column(text, None, f"coalesce({base}, 'U')" if name == "gender" else base)
        return _Column(text, None, t)
    d = f"d_{name}"
    if name in _DATE_COLUMNS:
        source = layout.source_fields(name)
        date_format = spec.date_format_of(source[0][0]) if source else spec.date_format
        masked = _masked(t)
        checks = (
            (
                ("unparseable_election_date" if name == "election_date" else f"unparseable_{name}"),
                f"{t} is not null and {d} is null and not {masked}",
            ),
            ("masked_date", masked),
        )
        if name == "election_date":
            # Said here too (not only by the rules): a row of the fast path needs it (_layers).
            checks += (("missing_election_date", f"{t} is null or {masked}"),)
        return _Column(text, _parse_date(t, date_format), d, checks)
    if name == "updated_at":
        formats = [spec.timestamp_format] + [fmt for fmt in TIMESTAMP_FORMATS if fmt != spec.timestamp_format]
        return _Column(
            text,
            f"try_strptime({t}, {sql_list(formats)})",
            d,
            (("unparseable_updated_at", f"{t} is not null and {d} is null"),),
        )
    if name in ("age", "birth_year"):
        return _Column(
            text, f"try_cast({t} as integer)", d, ((f"unparseable_{name}", f"{t} is not null and {d} is null"),)
        )
    if name == "gender":
        return _Column(text, None, f"case when {t} is null then 'U' else {_decode(layout, name, t)} end")
    if name in _CODED:
        return _Column(text, None, _decode(layout, name, t))
    if name == "confidential":
        return _Column(text, None, f"try_cast({_decode(layout, name, t)} as boolean)")
    if name == "county":
        return _Column(text, None, _county(layout, t))
    if name == "election_type":
        return _Column(text, None, _election_type(layout, t))
    if name == "zip_code":
        return _Column(text, None, _zip(t))
    return _Column(text, None, t)


def _election_of_code(layout: FileLayout, name: str, field: str) -> _Column:
    """election_date, election_type or election_label of a history row that names its election by
    code (MI's entire_state_h.lst): looked up in the election codes delivered with the file. A code
    the lookup does not list, or a file that came without one, gives no date: missing_election_date."""
    codes = layout.election_codes
    listed = (
        {"election_date": codes.dates, "election_type": codes.types, "election_label": codes.labels}[name]
        if codes
        else {}
    )
    looked_up = f"{sql_map(listed)}[{_adapted_text(layout, 'election_code', field)}]" if listed else "null::varchar"
    t = f"t_{name}"
    if name == "election_date":
        return _Column(looked_up, None, f"{t}::date", (("missing_election_date", f"{t} is null"),))
    return _Column(looked_up, None, t)


def _untyped_election_type(layout: FileLayout, columns: dict[str, _Column], snapshot: date) -> _Column:
    """The type of a history row that states none: a file without a type field (WA, NV, OK vh, MI)
    or a blank one (TX). The type its election-code lookup names (MI's .lst); else, where the layout
    says a ballot party is only given for a primary (TX), PRIMARY for a row with one; else the one
    rule for an untyped election (lib/elections.untyped_election_type) over the row's date: GENERAL
    on a federal general's date, otherwise OTHER."""
    election_type = columns["election_type"]
    untyped = untyped_election_type_sql(columns["election_date"].base, snapshot.year)
    if layout.spec.party_ballot_marks_primary:
        untyped = f"(case when {columns['party_ballot'].base} is not null then 'PRIMARY' else {untyped} end)"
    return _Column(election_type.text, election_type.parsed, f"coalesce({election_type.base}, {untyped})")


def _state_column(layout: FileLayout, field: str, fast_type: FastType | None) -> _Column:
    """The state: the file's (a column then only checks it), or each record's own (multi-state files)."""
    t = "t_state"
    if layout.file_state is not None:
        constant = sql_string(layout.file_state)
        position = layout.checked_state_position
        if position is None:
            return _Column(constant, None, t)
        # The column of a single-state file is read as text and compared with the file's state.
        text = _trimmed(field.format(position))
        # The usual value (the code itself) is settled without the spelling lookup.
        mismatch = f"case when {t} is null or {t} = {constant} then false else {_state(t)} <> {constant} end"
        return _Column(text, None, constant, (("state_column_mismatch", mismatch),))
    if fast_type is not None:
        return _Column(field.format(layout.source_position("state")), None, _enum_to_canonical(t, fast_type.canonical))
    return _Column(_adapted_text(layout, "state", field), None, _state(t))


def _enum_to_canonical(field: str, canonical: tuple[tuple[str, str], ...]) -> str:
    if all(source == target for source, target in canonical):
        return f"{field}::varchar"
    branches = " ".join(f"when {sql_string(source)} then {sql_string(target)}" for source, target in canonical)
    return f"case {field} {branches} end"


def _base_name(record_kind: str, column: str) -> str:
    """Voter age and birth year as given by the source are inputs of the derivation layer."""
    if record_kind == VOTER and column in ("age", "birth_year"):
        return f"given_{column}"
    return column


def _history_state_checks(layout: FileLayout) -> tuple[tuple[str, str], ...]:
    """A history row's state is not stored: in a multi-state history file, the voter rules' state
    checks run here (a blank or unknown one quarantines the row)."""
    if layout.spec.record_kind == VOTER or layout.file_state is not None:
        return ()
    return (
        ("missing_state", "t_state is null or t_state = ''"),
        ("unknown_state", f"not {_one_of(sql_list(vocab.STATE_CODES), _state('t_state'))}"),
    )


def _layers(layout: FileLayout, snapshot: date, source: str, keep: str, field: str, fast: bool) -> str:
    """SELECT keep, issues, <typed columns> over `source` (fields addressed by `field`), in layers:
    adapted -> parsed -> based -> typed. Nested subqueries, not CTEs: the fast path relies on DuckDB
    keeping the reader's row order through the insert."""
    kind = layout.spec.record_kind
    columns = {name: _column(layout, name, field, fast) for name in _source_columns(kind)}
    if kind != VOTER and "election_type" not in layout.constants:
        columns["election_type"] = _untyped_election_type(layout, columns, snapshot)
    required = required_columns(layout)

    def based_value(name: str, column: _Column) -> str:
        if fast and name == "election_date":
            # raw.vote_history holds no row without an election date. A row of the fast path without
            # one (a fixed-width or code-dated file: no reader refuses it) carries the quarantining
            # finding missing_election_date or unparseable_election_date, and load.py deletes it
            # before the transaction ends; until then it stands on the snapshot date, which no
            # other rule objects to.
            return f"coalesce({column.base}, date '{snapshot.isoformat()}')"
        # On the fast path a required text is never NULL in a raw table: the rules catch ''.
        if fast and name in required:
            return f"coalesce({column.base}, '')"
        return column.base

    adapted = ", ".join(f"{column.text} as t_{name}" for name, column in columns.items())
    parsed = "".join(f", {column.parsed} as d_{name}" for name, column in columns.items() if column.parsed)
    checks = [check for column in columns.values() for check in column.checks] + list(_history_state_checks(layout))
    based = ", ".join(f"{based_value(name, column)} as {_base_name(kind, name)}" for name, column in columns.items())
    return f"""
        select {keep}, issues, {_derived_select(kind, snapshot)} from (
            select {keep}, {_issues_sql(checks)} as issues, {based} from (
                select *{parsed} from (select {keep}, {adapted} from {source}) as adapted
            ) as parsed
        ) as based
    """


# --- the shared derivation layer ------------------------------------------------------------------


def _derived_select(record_kind: str, snapshot: date) -> str:
    """From base columns to the typed columns (the same on both paths)."""
    if record_kind != VOTER:
        return ", ".join(HISTORY_TYPED_COLUMNS)
    snap = f"date '{snapshot.isoformat()}'"
    return f"""
        voter_id, first_name, middle_name, last_name, name_suffix, email, phone, street_address, city,
        zip_code, birth_date,
        coalesce(given_birth_year, year(birth_date)) as birth_year,
        coalesce(given_age, date_sub('year', birth_date, {snap})) as age,
        coalesce(gender, 'U') as gender, race, ethnicity, state, county, party, primary_ballot_party,
        registration_status, status_reason, registered_date, last_voted_date, updated_at, confidential
    """


def earliest_birth_date_sql(snapshot: date) -> str:
    """The earliest birth date a voter record allows: exact, from the birth year, or from the age on
    the snapshot date. "Registered at 16 or older" is checked against it, so an age-only source
    never flags a possible record. A birth outside the plausible ages says nothing (it is flagged
    itself)."""
    snap = f"date '{snapshot.isoformat()}'"
    earliest = f"coalesce(birth_date, make_date(birth_year, 1, 1), ({snap} - to_years(age + 1))::date + 1)"
    plausible = f"(age is null or age between {PLAUSIBLE_AGES[0]} and {PLAUSIBLE_AGES[1]})"
    return f"case when {plausible} then {earliest} end"


# Ages a registered voter can have: pre-registration starts at 16 in several states.
PLAUSIBLE_AGES = (16, 120)

# The case study's change-detection fingerprint; '|' keeps ("ab", "c") apart from ("a", "bc").
FINGERPRINT_SQL = (
    "md5(concat_ws('|', voter_id, coalesce(first_name, ''), coalesce(last_name, ''), coalesce(email, '')))"
)


def raw_row_select(record_kind: str, line_number: str, quality_flags: str) -> str:
    """The select list of a raw table row over typed columns (parameters $partition_date,
    $source_id, $file_name): the same on the fast path and for the careful records (load.py)."""
    fingerprint = f", {FINGERPRINT_SQL} as record_fingerprint" if record_kind == VOTER else ""
    return (
        "$partition_date as partition_date, $source_id as source_id, $file_name as file_name, "
        f"{line_number} as line_number, {', '.join(typed_columns(record_kind))}{fingerprint}, "
        f"{quality_flags} as quality_flags"
    )


# --- fast path: DuckDB's typed record reader ------------------------------------------------------


def record_insert_sql(layout: FileLayout, reader_sql: str, snapshot: date) -> str:
    """INSERT the typed rows DuckDB's reader accepted (c1..cN, after the header) into the raw table.

    Parameters: $partition_date, $source_id, $file_name. The reader runs in parallel and DuckDB keeps
    the file's order; line numbers are filled in afterwards from the rows' positions (stage.py), so
    they are written as 0 here. Every such row is a record: a repeated header cannot be typed (it
    holds column names where dates are) or is found by its first field, so the reader's rows that
    look like one are left to the careful path. The row's typing issues, and values in unnamed
    trailing columns, go into quality_flags for load.py to decide on.
    """
    kind = layout.spec.record_kind
    n, m = layout.field_count, layout.named_count
    if layout.spec.is_fixed_width:
        # One field per line: the record, cut in SQL; a line of another length cannot be cut.
        fields = layout.cut("c1", segmented=True)
        wrong = f"not {_one_of(str(list(layout.record_lengths)), 'length(c1)')}"
        reader = f"(select *, {wrong} as c_wrong, {layout.segment_columns('c1')} from ({reader_sql}))"
        flags = "case when c_wrong then ['wrong_line_length'] else coalesce(issues, []) end"
        keep = "c_wrong"
    else:
        fields = "c{}"
        unnamed = " or ".join(f"nullif(trim(c{i}), '') is not null" for i in range(m + 1, n + 1)) or "false"
        reader = f"(select *, {unnamed} as c_unnamed from ({reader_sql}) {_unstored_required_fields_read(layout)})"
        flags = (
            "case when c_unnamed then list_append(coalesce(issues, []), 'values_in_unnamed_columns') "
            "else coalesce(issues, []) end"
        )
        keep = "c_unnamed"
    return f"""
        insert into {raw_table(kind)} by name
        select {raw_row_select(kind, "0", flags)}
        from ({_layers(layout, snapshot, reader, keep, fields, fast=True)}) as typed
    """


def _unstored_required_fields_read(layout: FileLayout) -> str:
    """A WHERE that makes the reader type the required fields the raw table does not keep.

    DuckDB does not even parse a column nobody selects (a history row's state), so its typed field
    would never refuse a blank or unknown value. Referencing it keeps the check in the reader; the
    condition itself always holds for the rows it accepts (a required field is never NULL there).
    """
    kept = set(typed_columns(layout.spec.record_kind))
    fields = [
        f"c{position}"
        for column in required_columns(layout)
        if column not in kept and (position := layout.source_position(column)) is not None
    ]
    return ("where " + " and ".join(f"{field} is not null" for field in fields)) if fields else ""


# --- careful path: whole lines split in SQL -------------------------------------------------------


def split_fields_sql(raw: str, delimiter: str) -> str:
    """Fields of a line: a plain split, or an RFC-4180-aware one for lines that contain quotes."""
    # Quoted once, as a whole, by sql_string below.
    pattern = f'(?:^|{delimiter})("(?:[^"]|"")*"|[^{delimiter}]*)'
    unquote = (
        "lambda x: case when length(x) >= 2 and x[1] = '\"' and x[-1] = '\"' "
        "then replace(x[2:-2], '\"\"', '\"') else x end"
    )
    return (
        f"case when {raw} is null then null "
        f"when contains({raw}, '\"') "
        f"then list_transform(regexp_extract_all({raw}, {sql_string(pattern)}, 1), {unquote}) "
        f"else string_split({raw}, {sql_string(delimiter)}) end"
    )


def _unquoted(value: str) -> str:
    return (
        f"case when length({value}) >= 2 and {value}[1] = '\"' and {value}[-1] = '\"' "
        f"then replace({value}[2:-2], '\"\"', '\"') else {value} end"
    )


def _header_match(layout: FileLayout, strip_bom: bool, fields: str = "fields") -> str:
    """The line repeats the header (trimmed, unquoted, case-insensitive), on a cheap guard."""
    if not layout.spec.has_header:
        return "false"
    names = layout.header_fields[: layout.named_count]

    def clean(position: int) -> str:
        value = f"{fields}[{position}]"
        return f"lower(trim(ltrim({value}, chr(65279))))" if strip_bom else f"lower(trim({value}))"

    guard = f"{fields}[1] ilike {sql_string('%' + names[0] + '%')}"
    full = " and ".join(f"coalesce({clean(i)}, '') = {sql_string(name)}" for i, name in enumerate(names, 1))
    return f"(case when {guard} then {full} else false end)"


def line_staging_select(layout: FileLayout, lines_sql: str, snapshot: date) -> str:
    """SELECT staging rows from (row_index, line_number, raw) lines, splitting fields in SQL.

    Classification by field count n (header) and named count m (fields up to the last named one):
    m..n fields with the unnamed ones empty is a record; more than n with every extra empty is a
    record with trailing empty columns (flagged); any other line with more than n fields may hold
    records glued by a lost newline (glued_records_sql decides); fewer than m is the wrong field count.
    """
    n, m = layout.field_count, layout.named_count
    extras_empty = f"len(list_filter(fields[{m + 1}:], lambda x: trim(x) <> '')) = 0"
    first_line = "line_number = 1" if layout.header_lines else "false"
    if layout.spec.is_fixed_width:
        cut = layout.cut("raw")
        fields = "case when raw is null then null else [" + ", ".join(cut.format(i) for i in range(1, n + 1)) + "] end"
        field_count = "coalesce(length(raw), 0)"  # characters: what decides a fixed-width record
        kind = f"""
            case
                when raw is null or trim(raw) = '' then 'blank'
                when {_one_of(str(list(layout.record_lengths)), "field_count")} then 'record'
                -- longer than a record: records run together? (fixed_width_glued_sql decides)
                when field_count > {layout.record_length} then 'glued'
                else 'wrong_line_length'
            end
        """
    else:
        fields = split_fields_sql("raw", layout.spec.text.delimiter)
        field_count = "coalesce(len(fields), 0)"
        kind = f"""
            case
                when raw is null or trim(raw) = '' then 'blank'
                when {first_line} and {_header_match(layout, True)} then 'header'
                when {_header_match(layout, False)} then 'repeated_header'
                when field_count = {n} and {n} = {m} then 'record'
                when field_count between {m} and {n} then
                    case when {extras_empty} then 'record' else 'values_in_unnamed_columns' end
                when field_count > {n} and {extras_empty} then 'glued_or_trailing'
                when field_count > {n} then 'glued'
                else 'wrong_field_count'
            end
        """
    trailing = (
        ""
        if layout.spec.is_fixed_width
        else f"when field_count > {n} then list_append(coalesce(issues, []), 'trailing_empty_columns')"
    )
    keep = "row_index, line_number, raw, field_count, line_kind"
    return f"""
        with lines as ({lines_sql}),
        split as (select *, {fields} as fields from lines),
        counted as (select *, {field_count} as field_count from split),
        classified as (select *, {kind} as line_kind from counted),
        typed as ({_layers(layout, snapshot, "classified", keep, "fields[{}]", fast=False)})
        select row_index, line_number, 0::tinyint as part, line_kind, field_count,
            case when line_kind in ('glued', 'glued_or_trailing') then raw end as irregular_raw,
            case
                -- more fields than the header, the extra ones empty: a record with trailing empty
                -- columns unless a record run into another is found in it (glued_records_sql)
                when line_kind = 'glued_or_trailing' then list_append(coalesce(issues, []), 'trailing_empty_columns')
                when line_kind <> 'record' then null
                {trailing}
                else issues
            end as issues,
            null::varchar[] as flags, null::varchar as disposition, null::varchar[] as part_fields,
            {", ".join(typed_columns(layout.spec.record_kind))}
        from typed
    """


# What a glued line's part keeps through the layers: its fields too, for the history (history.keep_glued_cells).
_GLUED_PART_KEEP = "row_index, line_number, part, line_kind, fields"


def glued_records_sql(table: str, layout: FileLayout, snapshot: date, shapes: RecordShapes) -> str | None:
    """INSERT the parts of every glued line where a complete record can be found (None: no way to).

    A lost newline (or a record cut short) runs one record into the next. By the record's shape:
    the next record is the line's last w fields (w = the header's field count, or its named count
    for files whose records omit empty trailing columns), its first field a suffix of the field
    where the two meet that matches `record_start` (what the layout's first field looks like). What
    comes before it is part 1: a complete record when it has w fields, otherwise a record cut short
    (truncated_record). A part 2 that repeats the header is a repeated header. The next record's voter
    id must look like the file's voter ids too, so a record with empty trailing columns is not cut
    apart by chance. The line is split on the delimiter without regard to quotes (a record cut inside
    a quoted value leaves a stray quote).
    """
    record_start = shapes.start
    if record_start is None:
        return None
    id_position = layout.source_position("voter_id")
    id_check = (
        f"regexp_full_match({_unquoted(f'([start_of_second] || tail)[{id_position}]')}, {sql_string(shapes.voter_id)})"
        if shapes.voter_id and id_position
        else "true"
    )
    d = layout.spec.text.delimiter
    header = list(layout.header_fields[: layout.named_count])
    start = f'(?:"?(?:{record_start})"?)$'
    candidates = []
    for priority, width in enumerate(sorted({layout.named_count, layout.field_count})):
        names = header[:width] + [""] * (width - len(header))
        header_tail = (
            f"(suffix(lower(parts[len(parts) - {width} + 1]), {sql_string(names[0])}) and "
            f"[lower(trim({_unquoted('x')})) for x in parts[len(parts) - {width} + 2:]] = {sql_list(names[1:])})"
            if layout.spec.has_header
            else "false"
        )
        candidates.append(f"""
            select row_index, line_number, parts, {priority} as priority, {width} as width,
                len(parts) - {width} + 1 as k, parts[len(parts) - {width} + 1] as shared,
                parts[len(parts) - {width} + 2:] as tail, {header_tail} as second_is_header,
                case when {header_tail} then {sql_string(names[0])}
                     else regexp_extract(parts[len(parts) - {width} + 1], {sql_string(start)}, 0) end as start_of_second
            from glued where len(parts) > {width}""")
    return f"""
        insert into {table} by name
        with glued as (
            select row_index, line_number, string_split(irregular_raw, {sql_string(d)}) as parts
            from {table} where line_kind in ('glued', 'glued_or_trailing')
        ),
        candidates as ({" union all ".join(candidates)}),
        split as (
            select *, shared[1:length(shared) - length(start_of_second)] as end_of_first
            from candidates where start_of_second <> '' and (second_is_header or {id_check})
            qualify row_number() over (partition by line_number order by priority) = 1
        ),
        halves as (
            select row_index, line_number, 1::tinyint as part,
                case when k = width then 'record'
                     when k < width then 'truncated_record' else 'glued_records_unrecoverable' end as line_kind,
                list_transform(parts[1:k - 1] || [end_of_first], lambda x: {_unquoted("x")}) as fields
            from split
            union all
            select row_index, line_number, 2::tinyint as part,
                case when second_is_header then 'repeated_header' else 'record' end as line_kind,
                list_transform([start_of_second] || tail, lambda x: {_unquoted("x")}) as fields
            from split
        ),
        {_typed_parts_sql(layout, snapshot)}
    """


def _typed_parts_sql(layout: FileLayout, snapshot: date) -> str:
    """The staging rows of the parts of glued lines, from `halves` (row_index, line_number, part,
    line_kind, fields): typed; a record recovered from the line flagged so."""
    return f"""
        typed as (
            {_layers(layout, snapshot, "halves", _GLUED_PART_KEEP, "fields[{}]", fast=False)}
        )
        select row_index, line_number, part, line_kind, null::integer as field_count,
            null::varchar as irregular_raw,
            case when line_kind = 'record'
                then list_append(coalesce(issues, []), 'recovered_from_glued_line') end as issues,
            null::varchar[] as flags, null::varchar as disposition,
            -- the part's fields, for the history a voters file carries (history.keep_glued_cells)
            fields as part_fields,
            {", ".join(typed_columns(layout.spec.record_kind))}
        from typed
    """


def fixed_width_glued_sql(table: str, layout: FileLayout, snapshot: date) -> str | None:
    """INSERT the parts of every fixed-width line longer than a record whose last w characters (w = the
    record length) are a recognisable record: its first field and voter id as the layout's patterns
    say (None: the layout declares no voter id pattern, no record is looked for).

    A lost newline runs a record into the next; a record cut short loses its end and newline. What
    comes before the last record is part 1: a record when its length is a record length (trailing
    blank fields may be cut off), else a record cut short (truncated_record, its voter id kept only
    when the cut left it whole), or more than a record (glued_records_unrecoverable). Only the few
    lines of odd length are looked at.
    """
    spec, width = layout.spec, layout.record_length
    ids = spec.fields_for("voter_id")
    if not ids or not all(source.pattern for source in ids):
        return None

    def matches(source, blank_too: bool = False) -> str:
        value = f"trim(substr(second, {source.start}, {source.width}))"
        found = f"regexp_full_match({value}, {sql_string(source.pattern)})"
        return f"({value} = '' or {found})" if blank_too else found

    checks = [matches(source) for source in ids]
    if spec.fields[0].pattern and spec.fields[0] not in ids:
        # A blank first field is a record's too (recognition allows it: GA's county number).
        checks.insert(0, matches(spec.fields[0], blank_too=True))
    id_start = min(source.start for source in ids)
    id_end = max(source.start + source.width - 1 for source in ids)
    cut = layout.cut("text")
    fields = "[" + ", ".join(cut.format(i) for i in range(1, layout.field_count + 1)) + "]"
    return f"""
        insert into {table} by name
        with glued as (
            select row_index, line_number, irregular_raw as raw, length(irregular_raw) - {width} as k,
                substr(irregular_raw, length(irregular_raw) - {width} + 1) as second
            from {table} where line_kind = 'glued'
        ),
        split as (select * from glued where {" and ".join(checks)}),
        parts as (
            select row_index, line_number, 1::tinyint as part,
                case when {_one_of(str(list(layout.record_lengths)), "k")} then 'record'
                     when k < {width} then 'truncated_record' else 'glued_records_unrecoverable' end as line_kind,
                -- a voter id the cut went through is no voter id: the part is read without it
                case when k < {id_end} then left(raw, least(k, {id_start - 1})) else left(raw, k) end as text
            from split
            union all
            select row_index, line_number, 2::tinyint as part, 'record' as line_kind, second as text from split
        ),
        halves as (select row_index, line_number, part, line_kind, {fields} as fields from parts),
        {_typed_parts_sql(layout, snapshot)}
    """


def mark_unsplit_glued_sql(table: str, unsplit: str = "glued_records_unrecoverable") -> str:
    """Split lines are accounted by their parts; a line that gave no records is quarantined whole (as
    `unsplit`: a fixed-width line says wrong_line_length), unless it only had empty trailing columns:
    then it is a record (flagged trailing_empty_columns)."""
    return f"""
        update {table} set line_kind = case
            when line_number in (select line_number from {table} where part > 0) then 'glued'
            when line_kind = 'glued_or_trailing' then 'record'
            else {sql_string(unsplit)} end
        where line_kind in ('glued', 'glued_or_trailing') and part = 0
    """
