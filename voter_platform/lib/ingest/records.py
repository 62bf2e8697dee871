"""From fields to typed canonical records, in DuckDB SQL.

Two paths produce the same *base* columns, and one shared layer derives the rest (age and birth
year from the birth date; the earliest possible birth date is derived at validation time):

* fast path (`record_insert_sql`): DuckDB's CSV reader parses each field straight into its type
  (dates with the format's date format, ENUMs of the spellings the format uses, integers) and the
  rows go straight into raw.voters / raw.vote_history. A line that does not fit (a state written
  out, a masked date, a repeated header, a wrong field count, an empty required field) is refused
  by the reader and takes the careful path. Almost every line of a sound file goes this way.
* careful path (`line_staging_select`): the whole line is split in SQL and typed from text, in
  layers, into a staging table of one row per line (two for a glued line that could be split):
      adapted  t_<column>       the format's fields under canonical names (text)
      parsed   d_/i_/m_ columns dates (several formats) and numbers parsed once; masked dates noticed
      base     canonical        vocabularies applied to any spelling we know

Staging columns:

    row_index      the line reader's row number (NULL for lines re-read after a reject)
    line_number    physical line in the file, 1 = header
    part           0, or 1/2 for the two records of a glued line
    line_kind      header | blank | repeated_header | record | glued | glued_records_unrecoverable |
                   wrong_field_count | values_in_unnamed_columns | invalid_encoding | line_too_long |
                   control_character | stray_carriage_return
    field_count    fields found on the line
    irregular_raw  the text of a glued line (needed to split it)
    issues         typing findings (quarantining: unparseable_*) and flags (masked_date,
                   trailing_empty_columns, recovered_from_glued_line); NULL when none
    flags          filled by load.py: the flags a loaded record carries
    disposition    filled by load.py: NULL (loaded) | quarantined | superseded
    <canonical typed columns>

Values outside a vocabulary pass through upper-cased, so the pandera rules see (and flag) them;
load.py writes them as the vocabulary's catch-all.
"""

from __future__ import annotations

from datetime import date

from voter_platform.lib.ingest import vocabularies as vocab
from voter_platform.lib.ingest.duck import sql_list, sql_map, sql_string, sql_tuple
from voter_platform.lib.ingest.formats import VOTER, Layout

# Typing issues that quarantine the record ...
TYPING_QUARANTINE_ISSUES = (
    "unparseable_birth_date",
    "unparseable_registered_date",
    "unparseable_last_voted_date",
    "unparseable_updated_at",
    "unparseable_age",
    "unparseable_birth_year",
    "unparseable_election_date",
)
# ... and the ones that only flag it.
TYPING_FLAG_ISSUES = ("masked_date", "trailing_empty_columns", "recovered_from_glued_line")

# Line kinds quarantined as a whole (the kind is the reason).
UNLOADABLE_LINE_KINDS = (
    "repeated_header",
    "wrong_field_count",
    "glued_records_unrecoverable",
    "values_in_unnamed_columns",
    "invalid_encoding",
    "line_too_long",
    "control_character",
    "stray_carriage_return",
)

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

# Canonical source columns (text), per kind of record.
VOTER_SOURCE_COLUMNS = (
    "voter_id", "first_name", "middle_name", "last_name", "name_suffix", "email", "phone",
    "street_address", "city", "zip_code", "birth_date", "birth_year", "age", "gender", "race",
    "ethnicity", "state", "county", "party", "registration_status", "status_reason",
    "registered_date", "last_voted_date", "updated_at",
)
HISTORY_SOURCE_COLUMNS = (
    "voter_id", "state", "election_date", "election_type", "election_label", "voting_method", "party_ballot",
)
# Stored as written: trimming every name and address costs a string operation per value.
FREE_TEXT_COLUMNS = frozenset(
    {"first_name", "middle_name", "last_name", "name_suffix", "email", "phone", "street_address", "city",
     "status_reason", "race", "ethnicity", "election_label"}
)

# The staging table's typed columns, per kind of record: the source columns, typed.
VOTER_TYPED_COLUMNS = VOTER_SOURCE_COLUMNS
# raw.vote_history has no state: a history file's state is its voters file's.
HISTORY_TYPED_COLUMNS = tuple(column for column in HISTORY_SOURCE_COLUMNS if column != "state")

# Free text and the columns typed the same way on both paths.
_VOTER_PASSTHROUGH = (
    "voter_id", "first_name", "middle_name", "last_name", "name_suffix", "email", "phone",
    "street_address", "city", "status_reason",
)


def typed_columns(record_kind: str) -> tuple[str, ...]:
    return VOTER_TYPED_COLUMNS if record_kind == VOTER else HISTORY_TYPED_COLUMNS


def _source_columns(record_kind: str) -> tuple[str, ...]:
    return VOTER_SOURCE_COLUMNS if record_kind == VOTER else HISTORY_SOURCE_COLUMNS


def raw_table(record_kind: str) -> str:
    """The raw table a kind of record is loaded into."""
    return "raw.voters" if record_kind == VOTER else "raw.vote_history"


# --- small SQL builders ---------------------------------------------------------------------------


def _trimmed(value: str) -> str:
    """The value without surrounding spaces, '' as NULL; trim() only runs where there is a space."""
    return f"case when prefix({value}, ' ') or suffix({value}, ' ') then nullif(trim({value}), '') else nullif({value}, '') end"


def _vocab(text: str, mapping: dict[str, str], vocabulary: tuple[str, ...]) -> str:
    """A source spelling mapped onto the vocabulary; unknown spellings pass through upper-cased.

    Values already in the vocabulary skip the map lookup.
    """
    return (
        f"case when {text} in {sql_tuple(vocabulary)} then {text} "
        f"else coalesce({sql_map(mapping)}[upper({text})], upper({text})) end"
    )


def _masked(text: str) -> str:
    """NC masks dates under county review as ##/##/#### (or xx/xx/xxxx). Cheap guard first."""
    return (
        f"case when contains({text}, '#') or prefix({text}, 'x') or prefix({text}, 'X') "
        f"then regexp_matches({text}, '^[#xX]+/[#xX]+/[#xX]+$') else false end"
    )


def _parse_date(text: str) -> str:
    return f"try_strptime({text}, {sql_list(DATE_FORMATS)})::date"


def _zip(text: str) -> str:
    """ "27517.0": a zip code that went through a float column somewhere upstream."""
    return f"case when contains({text}, '.') then regexp_replace({text}, '\\.0+$', '') else {text} end"


def _election_type(text: str) -> str:
    """GENERAL/PRIMARY/... as written, or read from a description such as NC's "11/08/2016 GENERAL"."""
    upper = f"upper({text})"
    return f"""case
        when {text} in {sql_tuple(vocab.ELECTION_TYPES)} then {text}
        else case
            when {upper} like '%RUNOFF%' or {upper} like '%SECOND PRIMARY%' then 'RUNOFF'
            when {upper} like '%SPECIAL%' then 'SPECIAL'
            when {upper} like '%MUNI%' then 'MUNICIPAL'
            when {upper} like '%PRIMARY%' then 'PRIMARY'
            when {upper} like '%GENERAL%' then 'GENERAL'
            else {upper} end
        end"""


def _issues_sql(checks: list[tuple[str, str]]) -> str:
    """The list of issue names of a record, built only for the rare records that have one."""
    any_issue = " or ".join(f"coalesce({condition}, false)" for _, condition in checks)
    items = ", ".join(f"case when coalesce({condition}, false) then '{name}' end" for name, condition in checks)
    return f"case when {any_issue} then list_filter([{items}], lambda x: x is not null) end"


# --- the shared derivation layer ------------------------------------------------------------------


def _derived_select(record_kind: str, snapshot: date) -> str:
    """From base columns to the typed columns (the same on both paths)."""
    if record_kind != VOTER:
        return ", ".join(HISTORY_TYPED_COLUMNS)
    snap = f"date '{snapshot.isoformat()}'"
    return f"""
        {", ".join(_VOTER_PASSTHROUGH)}, zip_code, birth_date,
        coalesce(given_birth_year, year(birth_date)) as birth_year,
        coalesce(given_age, date_sub('year', birth_date, {snap})) as age,
        coalesce(gender, 'U') as gender, race, ethnicity, state, county, party, registration_status, registered_date,
        last_voted_date, updated_at
    """


def earliest_birth_date_sql(snapshot: date) -> str:
    """The earliest birth date a voter record allows: exact, from the birth year, or from the age on
    the snapshot date. "Registered at 16 or older" is checked against it, so an age-only source
    never rejects a possible record."""
    snap = f"date '{snapshot.isoformat()}'"
    return f"coalesce(birth_date, make_date(birth_year, 1, 1), ({snap} - to_years(age + 1))::date + 1)"


# The case study's change-detection fingerprint; '|' keeps ("ab", "c") apart from ("a", "bc").
FINGERPRINT_SQL = "md5(concat_ws('|', voter_id, coalesce(first_name, ''), coalesce(last_name, ''), coalesce(email, '')))"


def raw_row_select(record_kind: str, line_number: str, quality_flags: str) -> str:
    """The select list of a raw table row over typed columns (parameters $partition_date,
    $source_id, $file_name): the same on the fast path and for the careful records (load.py)."""
    fingerprint = f", {FINGERPRINT_SQL} as record_fingerprint" if record_kind == VOTER else ""
    return (
        "$partition_date as partition_date, $source_id as source_id, $file_name as file_name, "
        f"{line_number} as line_number, {', '.join(typed_columns(record_kind))}{fingerprint}, "
        f"{quality_flags} as quality_flags"
    )


# Required canonical columns: the fast reader must not turn their empty fields into NULL (it keeps ''
# so the rules quarantine the record, or refuses the line when the field is typed). A history row's
# state is not stored (the file's state is its voters file's) but is required like a voter's: a
# blank or unknown one quarantines the row (see _careful_parsed_and_base).
REQUIRED_COLUMNS = {VOTER: ("voter_id", "state"), "vote_history": ("voter_id", "state", "election_date", "election_type")}


# --- fast path: DuckDB's typed record reader ------------------------------------------------------


def _fast_base_select(layout: Layout) -> str:
    """Base columns straight from the reader's typed fields `c1..cN`."""
    kind = layout.format.record_kind
    columns = []
    for name in _source_columns(kind):
        fast_type = layout.format.fast_types.get(name)
        position = layout.source_position(name)
        field = f"c{position}" if position is not None else None
        if name in layout.format.constants:
            expression = sql_string(layout.format.constants[name])
        elif field is None:
            expression = f"null::{_BASE_TYPES.get(name, 'varchar')}"
        elif fast_type is not None and fast_type.canonical:
            expression = _enum_to_canonical(field, fast_type.canonical)
        elif fast_type is not None:
            expression = field  # DATE / TIMESTAMP / INTEGER, parsed by the reader
        elif name in FREE_TEXT_COLUMNS:
            expression = field
        else:
            expression = _fast_text_column(name, _trimmed(field))
        if name in REQUIRED_COLUMNS[kind] and (fast_type is None or fast_type.canonical):
            expression = f"coalesce({expression}, '')"  # never NULL in a raw table: the rules catch ''
        columns.append(f"{expression} as {_base_name(kind, name)}")
    return ", ".join(columns)


_BASE_TYPES = {
    "birth_date": "date", "registered_date": "date", "last_voted_date": "date", "election_date": "date",
    "updated_at": "timestamp", "age": "integer", "birth_year": "integer",
}


def _enum_to_canonical(field: str, canonical: tuple[tuple[str, str], ...]) -> str:
    if all(source == target for source, target in canonical):
        return f"{field}::varchar"
    branches = " ".join(f"when {sql_string(source)} then {sql_string(target)}" for source, target in canonical)
    return f"case {field} {branches} end"


def _fast_text_column(name: str, text: str) -> str:
    """A text field on the fast path that still needs its canonical treatment."""
    if name == "zip_code":
        return _zip(text)
    if name == "county":
        return f"upper({text})"
    if name == "gender":
        return f"coalesce({_vocab(text, vocab.GENDER_SPELLINGS, vocab.GENDERS)}, 'U')"
    if name == "state":
        return _vocab(text, vocab.STATE_SPELLINGS, vocab.STATE_CODES)
    if name in ("party", "party_ballot"):
        return _vocab(text, vocab.PARTY_SPELLINGS, vocab.PARTIES)
    if name == "registration_status":
        return _vocab(text, vocab.REGISTRATION_STATUS_SPELLINGS, vocab.REGISTRATION_STATUSES)
    if name == "voting_method":
        return _vocab(text, vocab.VOTING_METHOD_SPELLINGS, vocab.VOTING_METHODS)
    if name == "election_type":
        return _election_type(text)
    if name in ("birth_date", "registered_date", "last_voted_date", "election_date"):
        return _parse_date(text)
    if name == "updated_at":
        return f"try_strptime({text}, {sql_list(TIMESTAMP_FORMATS)})"
    if name in ("age", "birth_year"):
        return f"try_cast({text} as integer)"
    return text


def _base_name(record_kind: str, column: str) -> str:
    """Voter age and birth year as given by the source are inputs of the derivation layer."""
    if record_kind == VOTER and column in ("age", "birth_year"):
        return f"given_{column}"
    return column


def record_insert_sql(layout: Layout, reader_sql: str, snapshot: date) -> str:
    """INSERT the typed rows DuckDB's reader accepted (c1..cN, after the header) into the raw table.

    Parameters: $partition_date, $source_id, $file_name. The reader runs in parallel and DuckDB keeps
    the file's order; line numbers are filled in afterwards from the rows' positions (stage.py), so
    they are written as 0 here. Every such row is a record: a repeated header cannot be typed (it
    holds column names where dates are), so the reader refuses it and the careful path classifies
    it. Records that fail a rule are moved out afterwards (load.py).
    """
    kind = layout.format.record_kind
    return f"""
        insert into {raw_table(kind)} by name
        select {raw_row_select(kind, "0", "[]::varchar[]")}
        from (
            select {_derived_select(kind, snapshot)}
            from (select {_fast_base_select(layout)} from ({reader_sql}) {_unstored_required_fields_read(layout)})
        )
    """


def _unstored_required_fields_read(layout: Layout) -> str:
    """A WHERE that makes the reader type the required fields the raw table does not keep.

    DuckDB does not even parse a column nobody selects (a history row's state), so its typed field
    would never refuse a blank or unknown value. Referencing it keeps the check in the reader; the
    condition itself always holds for the rows it accepts (a required field is never NULL there).
    """
    kind = layout.format.record_kind
    kept = set(typed_columns(kind))
    fields = [
        f"c{position}"
        for column in REQUIRED_COLUMNS[kind]
        if column not in kept and (position := layout.source_position(column)) is not None
    ]
    return ("where " + " and ".join(f"{field} is not null" for field in fields)) if fields else ""


def unnamed_fields_sql(layout: Layout, reader_sql: str) -> str | None:
    """Older goodparty files: SELECT the row index of rows whose unnamed trailing fields hold values
    (None for other layouts). Such files are small: a numbered (single-threaded) read is fine."""
    n, m = layout.field_count, layout.named_count
    if n <= m:
        return None
    filled = " or ".join(f"nullif(trim(c{i}), '') is not null" for i in range(m + 1, n + 1))
    return f"select row_index from (select row_number() over () as row_index, * from ({reader_sql})) where {filled}"


# --- careful path: whole lines split in SQL -------------------------------------------------------


def _careful_text_columns(layout: Layout, field: str) -> str:
    """Adapter: each canonical column's text from wherever the format keeps it.

    Ids, codes, dates and numbers are trimmed (a padded " NC" is still North Carolina); free text
    is kept as written. Empty fields are NULL.
    """
    columns = []
    for name in _source_columns(layout.format.record_kind):
        if name in layout.format.constants:
            expression = sql_string(layout.format.constants[name])
        elif (position := layout.source_position(name)) is None:
            expression = "null::varchar"
        elif name in FREE_TEXT_COLUMNS:
            expression = f"nullif({field.format(position)}, '')"
        else:
            expression = _trimmed(field.format(position))
        columns.append(f"{expression} as t_{name}")
    return ", ".join(columns)


def _careful_parsed_and_base(record_kind: str) -> tuple[str, str, list[tuple[str, str]]]:
    """(parsed select-list, base select-list, issue checks) over the t_* text columns."""
    if record_kind == VOTER:
        parsed = f"""
            {_masked('t_birth_date')} as m_birth_date,
            {_masked('t_registered_date')} as m_registered_date,
            {_masked('t_last_voted_date')} as m_last_voted_date,
            {_parse_date('t_birth_date')} as d_birth_date,
            {_parse_date('t_registered_date')} as d_registered_date,
            {_parse_date('t_last_voted_date')} as d_last_voted_date,
            try_strptime(t_updated_at, {sql_list(TIMESTAMP_FORMATS)}) as d_updated_at,
            try_cast(t_age as integer) as i_age,
            try_cast(t_birth_year as integer) as i_birth_year
        """
        base = f"""
            {", ".join(f"t_{name} as {name}" for name in _VOTER_PASSTHROUGH)},
            {_zip('t_zip_code')} as zip_code,
            d_birth_date as birth_date, i_birth_year as given_birth_year, i_age as given_age,
            case when t_gender is null then 'U' else {_vocab('t_gender', vocab.GENDER_SPELLINGS, vocab.GENDERS)} end as gender,
            upper(t_race) as race, upper(t_ethnicity) as ethnicity,
            {_vocab('t_state', vocab.STATE_SPELLINGS, vocab.STATE_CODES)} as state,
            upper(t_county) as county,
            {_vocab('t_party', vocab.PARTY_SPELLINGS, vocab.PARTIES)} as party,
            {_vocab('t_registration_status', vocab.REGISTRATION_STATUS_SPELLINGS, vocab.REGISTRATION_STATUSES)}
                as registration_status,
            d_registered_date as registered_date, d_last_voted_date as last_voted_date, d_updated_at as updated_at
        """
        checks = [
            ("unparseable_birth_date", "t_birth_date is not null and d_birth_date is null and not m_birth_date"),
            ("unparseable_registered_date", "t_registered_date is not null and d_registered_date is null and not m_registered_date"),
            ("unparseable_last_voted_date", "t_last_voted_date is not null and d_last_voted_date is null and not m_last_voted_date"),
            ("unparseable_updated_at", "t_updated_at is not null and d_updated_at is null"),
            ("unparseable_age", "t_age is not null and i_age is null"),
            ("unparseable_birth_year", "t_birth_year is not null and i_birth_year is null"),
            ("masked_date", "m_birth_date or m_registered_date or m_last_voted_date"),
        ]
        return parsed, base, checks
    parsed = f"""
        {_masked('t_election_date')} as m_election_date,
        {_parse_date('t_election_date')} as d_election_date
    """
    base = f"""
        t_voter_id as voter_id,
        {_vocab('t_state', vocab.STATE_SPELLINGS, vocab.STATE_CODES)} as state,
        d_election_date as election_date,
        {_election_type('t_election_type')} as election_type,
        t_election_label as election_label,
        {_vocab('t_voting_method', vocab.VOTING_METHOD_SPELLINGS, vocab.VOTING_METHODS)} as voting_method,
        {_vocab('t_party_ballot', vocab.PARTY_SPELLINGS, vocab.PARTIES)} as party_ballot
    """
    checks = [
        ("unparseable_election_date", "t_election_date is not null and d_election_date is null and not m_election_date"),
        ("masked_date", "m_election_date"),
        # The voter rules' state checks, for a column raw.vote_history does not keep.
        ("missing_state", "t_state is null"),
        ("unknown_state", f"{_vocab('t_state', vocab.STATE_SPELLINGS, vocab.STATE_CODES)} not in {sql_tuple(vocab.STATE_CODES)}"),
    ]
    return parsed, base, checks


def _careful_ctes(layout: Layout, snapshot: date, source: str, keep: str) -> str:
    """adapted -> parsed -> base -> typed CTEs over `source` (which has a `fields` list)."""
    parsed, base, checks = _careful_parsed_and_base(layout.format.record_kind)
    return f"""
        adapted as (select {keep}, {_careful_text_columns(layout, 'fields[{}]')} from {source}),
        parsed as (select *, {parsed} from adapted),
        based as (select {keep}, {_issues_sql(checks)} as issues, {base} from parsed),
        typed as (select {keep}, issues, {_derived_select(layout.format.record_kind, snapshot)} from based)
    """


def split_fields_sql(raw: str, delimiter: str) -> str:
    """Fields of a line: a plain split, or an RFC-4180-aware one for lines that contain quotes."""
    d = delimiter.replace("'", "''")
    pattern = f'(?:^|{d})("(?:[^"]|"")*"|[^{d}]*)'
    unquote = (
        "lambda x: case when length(x) >= 2 and x[1] = '\"' and x[-1] = '\"' "
        "then replace(x[2:-2], '\"\"', '\"') else x end"
    )
    return (
        f"case when {raw} is null then null "
        f"when contains({raw}, '\"') then list_transform(regexp_extract_all({raw}, {sql_string(pattern)}, 1), {unquote}) "
        f"else string_split({raw}, {sql_string(delimiter)}) end"
    )


def _header_match(layout: Layout, strip_bom: bool) -> str:
    """The line repeats the header (trimmed, unquoted, case-insensitive), on a cheap guard."""
    names = layout.header_fields[: layout.named_count]

    def clean(position: int) -> str:
        value = f"fields[{position}]"
        return f"lower(trim(ltrim({value}, chr(65279))))" if strip_bom else f"lower(trim({value}))"

    guard = f"fields[1] ilike {sql_string('%' + names[0] + '%')}"
    full = " and ".join(f"coalesce({clean(i)}, '') = {sql_string(name)}" for i, name in enumerate(names, 1))
    return f"(case when {guard} then {full} else false end)"


def line_staging_select(layout: Layout, lines_sql: str, snapshot: date) -> str:
    """SELECT staging rows from (row_index, line_number, raw) lines, splitting fields in SQL.

    Classification by field count n (header) and named count m (fields up to the last named one):
    m..n fields with the unnamed ones empty is a record; more than n with every extra empty is a
    record with trailing empty columns (flagged); 2n-1 (or 2m-1) fields is two records glued by a
    lost newline; anything else has the wrong field count.
    """
    n, m = layout.field_count, layout.named_count
    extras_empty = f"len(list_filter(fields[{m + 1}:], lambda x: trim(x) <> '')) = 0"
    glued_counts = ", ".join(str(count) for count in sorted({2 * n - 1, 2 * m - 1}))
    kind = f"""
        case
            when raw is null or trim(raw) = '' then 'blank'
            when line_number = 1 and {_header_match(layout, True)} then 'header'
            when {_header_match(layout, False)} then 'repeated_header'
            when field_count = {n} and {n} = {m} then 'record'
            when field_count between {m} and {n} then
                case when {extras_empty} then 'record' else 'values_in_unnamed_columns' end
            when field_count > {n} and {extras_empty} then 'record'
            when field_count in ({glued_counts}) then 'glued'
            else 'wrong_field_count'
        end
    """
    keep = "row_index, line_number, raw, field_count, line_kind"
    return f"""
        with lines as ({lines_sql}),
        split as (select *, {split_fields_sql('raw', layout.format.delimiter)} as fields from lines),
        counted as (select *, coalesce(len(fields), 0) as field_count from split),
        classified as (select *, {kind} as line_kind from counted),
        {_careful_ctes(layout, snapshot, 'classified', keep)}
        select row_index, line_number, 0::tinyint as part, line_kind, field_count,
            case when line_kind = 'glued' then raw end as irregular_raw,
            case
                when line_kind <> 'record' then null
                when field_count > {n} then list_append(coalesce(issues, []), 'trailing_empty_columns')
                else issues
            end as issues,
            null::varchar[] as flags, null::varchar as disposition,
            {", ".join(typed_columns(layout.format.record_kind))}
        from typed
    """


def glued_records_sql(table: str, layout: Layout, snapshot: date) -> str | None:
    """INSERT the two records of every glued line that can be split (None: the format cannot).

    A lost newline merges the last field of one record with the first field of the next; the
    format's regex cuts that shared field where the second record's id begins.
    """
    regex = layout.format.glue_split_regex
    if regex is None:
        return None
    shared = "all_fields[(len(all_fields) + 1) // 2]"
    return f"""
        insert into {table} by name
        with glued as (
            select row_index, line_number, {split_fields_sql('irregular_raw', layout.format.delimiter)} as all_fields
            from {table} where line_kind = 'glued'
        ),
        cut as (
            select *, (len(all_fields) + 1) // 2 as k,
                regexp_extract({shared}, {sql_string(regex)}, 1) as end_of_first,
                regexp_extract({shared}, {sql_string(regex)}, 2) as start_of_second
            from glued
        ),
        halves as (
            select row_index, line_number, 1::tinyint as part, all_fields[1:k - 1] || [end_of_first] as fields
            from cut where start_of_second <> ''
            union all
            select row_index, line_number, 2::tinyint as part, [start_of_second] || all_fields[k + 1:] as fields
            from cut where start_of_second <> ''
        ),
        {_careful_ctes(layout, snapshot, 'halves', 'row_index, line_number, part')}
        select row_index, line_number, part, 'record' as line_kind, null::integer as field_count,
            null::varchar as irregular_raw,
            list_append(coalesce(issues, []), 'recovered_from_glued_line') as issues,
            null::varchar[] as flags, null::varchar as disposition,
            {", ".join(typed_columns(layout.format.record_kind))}
        from typed
    """


def mark_unsplit_glued_sql(table: str) -> str:
    """Glued lines that gave no records are quarantined whole; split ones are accounted by their halves."""
    return f"""
        update {table} set line_kind = case
            when line_number in (select line_number from {table} where part > 0) then 'glued'
            else 'glued_records_unrecoverable' end
        where line_kind = 'glued'
    """
