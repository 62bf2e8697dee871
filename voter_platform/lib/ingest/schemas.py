"""The rules a loaded record must satisfy, written once as pandera models (polars backend).

Each check's name is the reason a user reads in `raw.quarantine.reasons` or `raw.voters.quality_flags`;
`RULES` says which of the two it leads to. The line between them (README "What happens to each line"):

* quarantine: the record cannot be held — it has no id, or it cannot be attributed to a state (a
  multi-state file with a blank or unknown state), or a vote-history row has no usable election
  date (it belongs to no election). It is kept in `raw.quarantine` instead of the raw table;
* flag: the record is a real voter with a blank, placeholder or implausible value. It is loaded,
  the value is nulled (`nulls`) and the finding listed in its `quality_flags`: an age outside
  16-120, a date after the snapshot, before 1900 or a known placeholder, a registration before
  the voter could have been 16, a malformed email, a code outside the layout's tables (loaded as
  Other / U / NULL); also how it was read, where that changed a value (a line break inside a quoted
  value, read as a space: `line_break_in_value`).

Uniqueness of the voter id per snapshot is not a row rule: duplicates are resolved in SQL
(`dedup.py`), which keeps one version and records the others.

Validation runs over a file's typed records (the rows DuckDB's reader wrote to the raw table, and
the few re-read lines of the staging table) in Arrow record batches converted to polars (about
0.2 s per million records here, export included): only the failing (line, part, rule) triples go
back to DuckDB.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import duckdb
import numpy as np
import pandera.polars as pa
import polars as pl
import pyarrow

from voter_platform.layouts.registry import VOTER
from voter_platform.lib import vocabularies as vocab
from voter_platform.lib.ingest.records import PLAUSIBLE_AGES
from voter_platform.lib.ingest.spans import LINE_BREAK_FLAG

QUARANTINE = "quarantine"
FLAG = "flag"

BATCH_ROWS = 1_000_000
EARLIEST_PLAUSIBLE_DATE = date(1900, 1, 1)
# Dates that stand for "unknown" in many products, beyond a layout's own (registry placeholder_dates).
PLACEHOLDER_DATES = (date(1900, 1, 1), date(1800, 1, 1))
# A deliberately simple address shape: something@domain.tld, no spaces.
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$"
ZIP_PATTERN = r"^\d{5}(-?\d{4})?$"

_BIRTH = ("birth_date", "birth_year", "age")


@dataclass(frozen=True)
class Rule:
    action: str
    description: str
    nulls: tuple[str, ...] = ()  # flags: the columns loaded as null


RULES: dict[str, Rule] = {
    # voter records
    "missing_voter_id": Rule(QUARANTINE, "the voter id is blank"),
    "missing_state": Rule(QUARANTINE, "the state is blank in a file of several states"),
    "unknown_state": Rule(QUARANTINE, "the state is neither a USPS code nor a state name"),
    "age_out_of_range": Rule(FLAG, "the age (given, or from the birth date or year) is outside 16-120", _BIRTH),
    "birth_date_after_snapshot": Rule(FLAG, "born after the snapshot date", _BIRTH),
    "placeholder_birth_date": Rule(FLAG, "the birth date is a placeholder for unknown (e.g. 01/01/1900)", _BIRTH),
    "registered_date_after_snapshot": Rule(FLAG, "registered after the snapshot date", ("registered_date",)),
    "placeholder_registered_date": Rule(
        FLAG, "the registration date is a placeholder for unknown (e.g. 01/01/1900)", ("registered_date",)
    ),
    "registered_date_before_1900": Rule(FLAG, "registered before 1900", ("registered_date",)),
    "registration_before_age_16": Rule(
        FLAG, "registered before the voter could have been 16 (e.g. on the birth date)", ("registered_date",)
    ),
    "last_voted_date_after_snapshot": Rule(FLAG, "voted after the snapshot date", ("last_voted_date",)),
    "placeholder_last_voted_date": Rule(FLAG, "the last vote date is a placeholder for unknown", ("last_voted_date",)),
    "last_voted_date_before_1900": Rule(FLAG, "last voted before 1900", ("last_voted_date",)),
    "updated_at_after_snapshot": Rule(FLAG, "updated after the snapshot date", ("updated_at",)),
    "invalid_email": Rule(FLAG, "the email address is malformed"),
    "unknown_party": Rule(FLAG, "a party code outside the layout's table (loaded as Other)"),
    "unknown_primary_ballot_party": Rule(FLAG, "a primary ballot party outside the layout's table (loaded as Other)"),
    "unknown_gender": Rule(FLAG, "a gender code outside the layout's table (loaded as U)"),
    "unknown_race": Rule(FLAG, "a race code outside the layout's table (loaded as Other)"),
    "unknown_ethnicity": Rule(FLAG, "an ethnicity code outside the layout's table (loaded as Unknown)"),
    "unknown_registration_status": Rule(FLAG, "a registration status outside the layout's table (loaded as NULL)"),
    "last_voted_before_registration": Rule(FLAG, "the last vote predates the registration"),
    "invalid_zip_code": Rule(FLAG, "the zip code is not 5 or 9 digits"),
    # Found by the reading, not by a check of the values (spans.py): the record is read over its lines.
    LINE_BREAK_FLAG: Rule(
        FLAG, "a quoted value held a line break: the record was read over its lines, each break as a space"
    ),
    # vote-history records
    "missing_election_date": Rule(QUARANTINE, "the election date is blank: the row belongs to no election"),
    "election_date_after_snapshot": Rule(QUARANTINE, "an election after the snapshot date"),
    "election_date_before_1900": Rule(QUARANTINE, "an election before 1900"),
    "unknown_election_type": Rule(FLAG, "an election type outside the layout's table (loaded as OTHER)"),
    "unknown_voting_method": Rule(FLAG, "a voting method outside the layout's table (loaded as OTHER)"),
    "unknown_party_ballot": Rule(FLAG, "a ballot party outside the layout's table (loaded as Other)"),
}


def _known(column: str, condition: pl.Expr) -> pl.Expr:
    """Rules on optional values hold where the value is missing."""
    return pl.col(column).is_null() | condition


def _not_after(column: str, snapshot: date) -> pl.Expr:
    return _known(column, pl.col(column) <= snapshot)


def _present(column: str) -> pl.Expr:
    return pl.col(column).is_not_null() & (pl.col(column) != "")


def _not_placeholder(column: str, placeholders: tuple[date, ...]) -> pl.Expr:
    return _known(column, ~pl.col(column).is_in(placeholders))


@lru_cache(maxsize=8)
def voter_rules(snapshot: date, placeholders: tuple[date, ...] = PLACEHOLDER_DATES) -> type[pa.DataFrameModel]:
    """The canonical voter schema's rules for a snapshot taken on `snapshot`, with the dates that
    stand for "unknown" in the file's layout."""
    end_of_snapshot_day = snapshot + timedelta(days=1)
    youngest, oldest = PLAUSIBLE_AGES

    class VoterRules(pa.DataFrameModel):
        line_number: pl.Int64
        part: pl.Int8
        voter_id: pl.Utf8 = pa.Field(nullable=True)
        state: pl.Utf8 = pa.Field(nullable=True)
        age: pl.Int32 = pa.Field(nullable=True)
        birth_year: pl.Int32 = pa.Field(nullable=True)
        birth_date: pl.Date = pa.Field(nullable=True)
        earliest_birth_date: pl.Date = pa.Field(nullable=True)
        registered_date: pl.Date = pa.Field(nullable=True)
        last_voted_date: pl.Date = pa.Field(nullable=True)
        updated_at: pl.Datetime("us") = pa.Field(nullable=True)
        email: pl.Utf8 = pa.Field(nullable=True)
        party: pl.Utf8 = pa.Field(nullable=True)
        primary_ballot_party: pl.Utf8 = pa.Field(nullable=True)
        gender: pl.Utf8 = pa.Field(nullable=True)
        race: pl.Utf8 = pa.Field(nullable=True)
        ethnicity: pl.Utf8 = pa.Field(nullable=True)
        registration_status: pl.Utf8 = pa.Field(nullable=True)
        zip_code: pl.Utf8 = pa.Field(nullable=True)

        class Config:
            strict = False

        @pa.check("voter_id", name="missing_voter_id")
        def _voter_id_present(cls, data):
            return data.lazyframe.select(_present(data.key))

        @pa.check("state", name="missing_state")
        def _state_present(cls, data):
            return data.lazyframe.select(_present(data.key))

        @pa.check("state", name="unknown_state")
        def _state_is_code(cls, data):
            state = pl.col(data.key)
            return data.lazyframe.select(state.is_null() | (state == "") | state.is_in(vocab.STATE_CODES))

        @pa.dataframe_check(name="age_out_of_range")
        def _age_in_range(cls, data):
            # The age on the snapshot (given, or from the birth date); from the birth year alone
            # the age is known to within a year.
            age = pl.col("age")
            years = snapshot.year - pl.col("birth_year")
            return data.lazyframe.select(
                (
                    (age.is_null() | age.is_between(youngest, oldest))
                    & (pl.col("birth_year").is_null() | years.is_between(youngest - 1, oldest + 1))
                ).alias("age_in_range")
            )

        @pa.check("birth_date", name="placeholder_birth_date")
        def _birth_not_placeholder(cls, data):
            return data.lazyframe.select(_not_placeholder(data.key, placeholders))

        @pa.check("registered_date", name="placeholder_registered_date")
        def _registered_not_placeholder(cls, data):
            return data.lazyframe.select(_not_placeholder(data.key, placeholders))

        @pa.check("last_voted_date", name="placeholder_last_voted_date")
        def _voted_not_placeholder(cls, data):
            return data.lazyframe.select(_not_placeholder(data.key, placeholders))

        @pa.check("birth_date", name="birth_date_after_snapshot")
        def _born_before_snapshot(cls, data):
            return data.lazyframe.select(_not_after(data.key, snapshot))

        @pa.check("registered_date", name="registered_date_after_snapshot")
        def _registered_before_snapshot(cls, data):
            return data.lazyframe.select(_not_after(data.key, snapshot))

        @pa.check("registered_date", name="registered_date_before_1900")
        def _registered_after_1900(cls, data):
            return data.lazyframe.select(_known(data.key, pl.col(data.key) >= EARLIEST_PLAUSIBLE_DATE))

        @pa.dataframe_check(name="registration_before_age_16")
        def _registered_at_16(cls, data):
            # A placeholder or pre-1900 registration date is flagged as such, not as this.
            registered = pl.col("registered_date")
            sixteenth_birthday = pl.col("earliest_birth_date").dt.offset_by("16y")
            return data.lazyframe.select(
                (
                    registered.is_null()
                    | pl.col("earliest_birth_date").is_null()
                    | registered.is_in(placeholders)
                    | (registered < EARLIEST_PLAUSIBLE_DATE)
                    | (registered >= sixteenth_birthday)
                ).alias("registered_at_16")
            )

        @pa.check("last_voted_date", name="last_voted_date_after_snapshot")
        def _voted_before_snapshot(cls, data):
            return data.lazyframe.select(_not_after(data.key, snapshot))

        @pa.check("last_voted_date", name="last_voted_date_before_1900")
        def _voted_after_1900(cls, data):
            return data.lazyframe.select(_known(data.key, pl.col(data.key) >= EARLIEST_PLAUSIBLE_DATE))

        @pa.check("updated_at", name="updated_at_after_snapshot")
        def _updated_before_snapshot(cls, data):
            return data.lazyframe.select(_known(data.key, pl.col(data.key).dt.date() < end_of_snapshot_day))

        @pa.check("email", name="invalid_email")
        def _email_shape(cls, data):
            return data.lazyframe.select(_known(data.key, pl.col(data.key).str.contains(EMAIL_PATTERN)))

        @pa.check("party", name="unknown_party")
        def _party_known(cls, data):
            return data.lazyframe.select(_known(data.key, pl.col(data.key).is_in(vocab.PARTIES)))

        @pa.check("primary_ballot_party", name="unknown_primary_ballot_party")
        def _primary_party_known(cls, data):
            return data.lazyframe.select(_known(data.key, pl.col(data.key).is_in(vocab.PARTIES)))

        @pa.check("gender", name="unknown_gender")
        def _gender_known(cls, data):
            return data.lazyframe.select(_known(data.key, pl.col(data.key).is_in(vocab.GENDERS)))

        @pa.check("race", name="unknown_race")
        def _race_known(cls, data):
            return data.lazyframe.select(_known(data.key, pl.col(data.key).is_in(vocab.RACES)))

        @pa.check("ethnicity", name="unknown_ethnicity")
        def _ethnicity_known(cls, data):
            return data.lazyframe.select(_known(data.key, pl.col(data.key).is_in(vocab.ETHNICITIES)))

        @pa.check("registration_status", name="unknown_registration_status")
        def _status_known(cls, data):
            return data.lazyframe.select(_known(data.key, pl.col(data.key).is_in(vocab.REGISTRATION_STATUSES)))

        @pa.dataframe_check(name="last_voted_before_registration")
        def _voted_after_registering(cls, data):
            return data.lazyframe.select(
                (
                    pl.col("last_voted_date").is_null()
                    | pl.col("registered_date").is_null()
                    | (pl.col("last_voted_date") >= pl.col("registered_date"))
                ).alias("voted_after_registering")
            )

        @pa.check("zip_code", name="invalid_zip_code")
        def _zip_shape(cls, data):
            return data.lazyframe.select(_known(data.key, pl.col(data.key).str.contains(ZIP_PATTERN)))

    return VoterRules


@lru_cache(maxsize=8)
def vote_history_rules(snapshot: date) -> type[pa.DataFrameModel]:
    """The canonical vote-history schema's rules for a snapshot taken on `snapshot`."""

    class VoteHistoryRules(pa.DataFrameModel):
        line_number: pl.Int64
        part: pl.Int8
        voter_id: pl.Utf8 = pa.Field(nullable=True)
        election_date: pl.Date = pa.Field(nullable=True)
        election_type: pl.Utf8 = pa.Field(nullable=True)
        voting_method: pl.Utf8 = pa.Field(nullable=True)
        party_ballot: pl.Utf8 = pa.Field(nullable=True)

        class Config:
            strict = False

        @pa.check("voter_id", name="missing_voter_id")
        def _voter_id_present(cls, data):
            return data.lazyframe.select(_present(data.key))

        @pa.check("election_date", name="missing_election_date")
        def _election_date_present(cls, data):
            return data.lazyframe.select(pl.col(data.key).is_not_null())

        @pa.check("election_date", name="election_date_after_snapshot")
        def _election_before_snapshot(cls, data):
            return data.lazyframe.select(_not_after(data.key, snapshot))

        @pa.check("election_date", name="election_date_before_1900")
        def _election_after_1900(cls, data):
            return data.lazyframe.select(_known(data.key, pl.col(data.key) >= EARLIEST_PLAUSIBLE_DATE))

        @pa.check("election_type", name="unknown_election_type")
        def _election_type_known(cls, data):
            return data.lazyframe.select(pl.col(data.key).is_in(vocab.ELECTION_TYPES).fill_null(False))

        @pa.check("voting_method", name="unknown_voting_method")
        def _voting_method_known(cls, data):
            return data.lazyframe.select(_known(data.key, pl.col(data.key).is_in(vocab.VOTING_METHODS)))

        @pa.check("party_ballot", name="unknown_party_ballot")
        def _party_ballot_known(cls, data):
            return data.lazyframe.select(_known(data.key, pl.col(data.key).is_in(vocab.PARTIES)))

    return VoteHistoryRules


def rules_for(
    record_kind: str, snapshot: date, placeholders: tuple[date, ...] = PLACEHOLDER_DATES
) -> type[pa.DataFrameModel]:
    return voter_rules(snapshot, placeholders) if record_kind == VOTER else vote_history_rules(snapshot)


def _exported_columns(model: type[pa.DataFrameModel]) -> dict[str, pl.DataType]:
    schema = model.to_schema()
    return {name: column.dtype.type for name, column in schema.columns.items()}


def _duckdb_type(dtype: pl.DataType) -> str:
    if dtype == pl.Int64:
        return "bigint"
    if dtype == pl.Int32:
        return "integer"
    if dtype == pl.Int8:
        return "tinyint"
    if dtype == pl.Date:
        return "date"
    if isinstance(dtype, pl.Datetime) or dtype == pl.Datetime:
        return "timestamp"
    return "varchar"


FAILURE_SCHEMA = {"line_number": pl.Int64, "part": pl.Int8, "rule": pl.Utf8}


@dataclass(frozen=True)
class Validation:
    """What one pass over the staged records found."""

    failures: pl.DataFrame  # (line_number, part, rule) for every failed rule
    repeated_key_hashes: pl.Series  # 64-bit hashes of record keys that occur more than once


def validate_records(
    connection: duckdb.DuckDBPyConnection,
    relations: list[str],
    record_kind: str,
    snapshot: date,
    placeholders: tuple[date, ...] = PLACEHOLDER_DATES,
) -> Validation:
    """Run the pandera rules over the records of `relations` (SELECTs), one Arrow batch at a time.

    Only the columns the rules read are exported, cast to the model's types. The same pass collects
    a hash of each record's dedup key, so that finding duplicate keys (dedup.py) does not need its
    own aggregation over millions of rows.
    """
    from voter_platform.lib.ingest.dedup import DEDUP_KEYS

    model = rules_for(record_kind, snapshot, placeholders)
    columns = _exported_columns(model)
    select = ", ".join(f"{name}::{_duckdb_type(dtype)} as {name}" for name, dtype in columns.items())
    key_hash = f"hash({', '.join(DEDUP_KEYS[record_kind])}) as key_hash"
    union = " union all ".join(f"select {select}, {key_hash} from ({relation})" for relation in relations)
    reader = connection.sql(union).to_arrow_reader(BATCH_ROWS)
    failures = [pl.DataFrame(schema=FAILURE_SCHEMA)]
    key_hashes = [np.empty(0, dtype=np.uint64)]
    for frame in _frames(reader):
        # A copy: a column imported from Arrow keeps its whole batch alive (all the strings too).
        key_hashes.append(frame.get_column("key_hash").to_numpy().copy())
        failures.append(_failures_of_batch(model, frame.drop("key_hash")))
    return Validation(pl.concat(failures), _repeated(pl.Series("key_hash", np.concatenate(key_hashes))))


def _repeated(hashes: pl.Series) -> pl.Series:
    """Values that occur more than once. Sorting and comparing neighbours is about 3x faster than
    a hash-based duplicate test on tens of millions of keys."""
    if hashes.len() < 2:
        return hashes.clear()
    ordered = hashes.sort()
    later, earlier = ordered.slice(1), ordered.slice(0, ordered.len() - 1)
    return later.filter(later == earlier).unique()


def _frames(reader: pyarrow.RecordBatchReader) -> Iterator[pl.DataFrame]:
    """Polars frames of about BATCH_ROWS rows: pandera's fixed cost is per frame, not per row."""
    pending: list[pyarrow.RecordBatch] = []
    rows = 0
    for batch in reader:
        pending.append(batch)
        rows += batch.num_rows
        if rows >= BATCH_ROWS:
            yield pl.from_arrow(pyarrow.Table.from_batches(pending))
            pending, rows = [], 0
    if rows:
        yield pl.from_arrow(pyarrow.Table.from_batches(pending))


def _failures_of_batch(model: type[pa.DataFrameModel], frame: pl.DataFrame) -> pl.DataFrame:
    try:
        model.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
        unlocated = cases.filter(pl.col("index").is_null())
        if unlocated.height:
            # A schema-level problem (a type or a missing column) is a bug in the export, not data.
            problems = unlocated.select("column", "check").unique().rows()
            raise RuntimeError(f"validation could not run: {problems}") from None
        located = cases.select(pl.col("index").cast(pl.UInt32), pl.col("check").alias("rule"))
        return (
            frame.select("line_number", "part")
            .with_row_index("index")
            .join(located, on="index")
            .select("line_number", "part", "rule")
            .unique()
        )
    return pl.DataFrame(schema=FAILURE_SCHEMA)
