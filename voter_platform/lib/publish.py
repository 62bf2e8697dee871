"""Publishing: an analysis date's rows of the published dbt models become the Parquet files the dashboard reads.

The rollups themselves are dbt models (dbt/models/published/, schema `published`, exposure `voter_dashboard`):
each carries 'All' levels for its filter dimensions (GROUPING SETS / CUBE), so the dashboard *picks* the row for
a filter combination instead of summing rows, with contracts and tests like any mart. This module adds what
must happen at the moment of publishing, under a threshold the operator sets per run:

1. **Small cells are suppressed.** A count between 1 and `min_cell_size - 1` is replaced by null and the row is
   flagged `suppressed = true`; every value derived from such a count (percentages, averages, scores) is nulled
   too, so it cannot be recomputed. Zero is not a small cell: there is no one in it to identify. Official
   election figures (public record) and file-level data-quality line counts are not voter cells and are kept.
   Within a row, a total is suppressed with any small part that adds up to it (registered = voted + did not
   vote + unknown), so the part cannot be recovered by subtraction. Differencing *between* rows (an 'All'
   level minus its other members) is not prevented: that needs full secondary suppression over the
   hierarchy, which this platform does not attempt.
2. **No voter-level rows, no PII.** Every published model is an aggregate of a mart; marts carry no names,
   emails, addresses or birth dates in the first place.

Coverage travels with every date: a state whose roll is not statewide (a county extract, a roll without
counties) is listed with its label ("1 of 100 counties") in `_publish.json` and in the manifest, and the marts
already hold no statewide comparison for it.

Files are written under a temporary name and renamed into place; `_publish.json` follows, and the top-level
`manifest.json` is replaced last, so a reader that trusts the manifest never sees a half-written date.

Everything here is plain Python over a DuckDB connection, testable without Dagster.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from voter_platform.lib import vocabularies
from voter_platform.lib.sql import sql_string

if TYPE_CHECKING:  # the dashboard imports this module's labels and must not load DuckDB at all
    import duckdb

# The level of a published table that stands for every value of a dimension (dbt var rollup_all_label).
ALL = vocabularies.ROLLUP_ALL_LABEL
# The warehouse schema of the published dbt models (dbt/models/published/).
PUBLISHED_SCHEMA = "published"

DEFAULT_MIN_CELL_SIZE = 10
MIN_CELL_SIZE_ENV_VAR = "VOTER_PLATFORM_MIN_CELL_SIZE"

MANIFEST_FILE = "manifest.json"
PUBLISH_RECORD_FILE = "_publish.json"

# Labels used by every mart (shared brief, "Marts"); the dashboard orders its axes and colours by them.
# Parties and tiers live in dbt seeds (voter_platform/lib/vocabularies.py reads them).
PARTIES = vocabularies.PARTY_LABELS
ENGAGEMENT_TIERS = vocabularies.ENGAGEMENT_TIERS
GENDERS = ("Female", "Male", "Other", "Unknown")
AGE_GROUPS = ("18-29", "30-49", "50-64", "65+", "Unknown")
# Coverage of a state's roll (mart roll_coverage): only a statewide roll is compared with statewide figures.
STATEWIDE = "full"
# A state's party basis (state_summary.party_basis): only 'registration' parties make a registration lean.
REGISTRATION_BASIS = "registration"
CHANGE_TYPES = ("new_registration", "removed", "moved", "party_switch", "name_change")


class PublishError(Exception):
    """The published models cannot be published as asked (missing table, bad setting); the message says what to do."""


def min_cell_size_from_env(environ: Mapping[str, str] = os.environ) -> int:
    """The suppression threshold: `VOTER_PLATFORM_MIN_CELL_SIZE`, else 10."""
    raw = environ.get(MIN_CELL_SIZE_ENV_VAR, "").strip()
    if not raw:
        return DEFAULT_MIN_CELL_SIZE
    return validate_min_cell_size(raw, source=MIN_CELL_SIZE_ENV_VAR)


def validate_min_cell_size(value: int | str, source: str = "min_cell_size") -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise PublishError(f"{source}={value!r} is not a whole number of voters") from None
    if number < 1:
        raise PublishError(f"{source}={number} must be at least 1 (1 disables suppression)")
    return number


# ----------------------------------------------------------------------------------------------------------
# What is published
# ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublishedTable:
    """One published Parquet file: the dbt model it copies, and which of its columns suppression protects.

    The model `published_<name>` is built by dbt into `published.<name>`. `counts` are voter counts
    (suppressed when small). `complements` maps a total to the counts that add up to it: when one of them is
    suppressed the total is too, or the small one could be recovered by subtraction within the row. `derived`
    maps a value to the counts it was computed from (nulled when any of them is suppressed); `implied` maps a
    percentage whose numerator is not published to its base count: it is nulled when the number of voters it
    stands for (pct x base / 100) is a small cell.
    """

    name: str
    counts: tuple[str, ...] = ()
    complements: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    derived: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    implied: Mapping[str, str] = field(default_factory=dict)

    @property
    def file_name(self) -> str:
        return f"{self.name}.parquet"

    @property
    def dbt_model(self) -> str:
        """The dbt model that builds this table (its Dagster asset is `published/<dbt_model>`)."""
        return f"{PUBLISHED_SCHEMA}_{self.name}"

    @property
    def relation(self) -> str:
        return f"{PUBLISHED_SCHEMA}.{self.name}"


ENGAGEMENT_SEGMENTS = PublishedTable(
    name="engagement_segments",
    counts=("voters",),
    derived={"avg_tenure_years": ("voters",), "share_of_state_pct": ("voters",)},
)

VOTER_SNAPSHOT = PublishedTable(name="voter_snapshot", counts=("voters",))

PARTISAN_TRENDS = PublishedTable(
    name="partisan_trends",
    counts=("registered_voters", "voted", "did_not_vote", "history_unknown"),
    complements={"registered_voters": ("voted", "did_not_vote", "history_unknown")},
    derived={
        "turnout_pct": ("voted", "did_not_vote"),
        "known_history_pct": ("registered_voters", "voted", "did_not_vote", "history_unknown"),
    },
)

REGISTRATION_TRENDS = PublishedTable(name="registration_trends", counts=("voters",))

TARGETING_OPPORTUNITIES = PublishedTable(
    name="targeting_opportunities",
    counts=("voters", "history_known_voters", "missed_last_voters", "lapsed_2_3_voters", "recoverable_voters"),
    complements={"recoverable_voters": ("missed_last_voters", "lapsed_2_3_voters")},
    derived={
        "missed_last_pct": ("missed_last_voters", "history_known_voters"),
        "lapsed_2_3_pct": ("lapsed_2_3_voters", "history_known_voters"),
        "avg_tenure_years": ("voters",),
        "opportunity_score": ("voters", "history_known_voters"),
    },
)

STATE_SUMMARY = PublishedTable(
    name="state_summary",
    counts=(
        "voters",
        "democrat_voters",
        "republican_voters",
        "independent_voters",
        "other_party_voters",
        "unknown_party_voters",
        "history_known_voters",
        "recoverable_voters",
    ),
    derived={
        "democrat_pct": ("democrat_voters",),
        "republican_pct": ("republican_voters",),
        "independent_pct": ("independent_voters",),
        "registration_margin_pts": ("democrat_voters", "republican_voters"),
        "recoverable_pct": ("recoverable_voters", "history_known_voters"),
        "engagement_opportunity_score": ("voters", "history_known_voters"),
    },
    implied=dict.fromkeys(
        (
            "pct_age_18_29",
            "pct_age_30_49",
            "pct_age_50_64",
            "pct_age_65_plus",
            "pct_current",
            "pct_missed_last",
            "pct_occasional",
            "pct_infrequent",
            "pct_dormant",
            "pct_never_voted",
            "latest_file_turnout_pct",
            "pct_history_unknown",
        ),
        "voters",
    ),
)

TURNOUT_COMPARISON = PublishedTable(
    name="turnout_comparison",
    counts=("registered_voters", "voted", "did_not_vote", "history_unknown"),
    complements={"registered_voters": ("voted", "did_not_vote", "history_unknown")},
    derived={"file_turnout_pct": ("voted", "did_not_vote")},
)

VOTER_CHANGES = PublishedTable(name="voter_changes", counts=("voters",))

# Line counts per file and reason: about files, not voters, so nothing to suppress.
DATA_QUALITY = PublishedTable(name="data_quality")

# Voter counts are suppressed like any other; county counts and shares describe the file, not voters.
ROLL_COVERAGE = PublishedTable(
    name="roll_coverage",
    counts=("voters_loaded", "voters_without_county"),
    complements={"voters_loaded": ("voters_without_county",)},
)

PUBLISHED_TABLES: tuple[PublishedTable, ...] = (
    ENGAGEMENT_SEGMENTS,
    VOTER_SNAPSHOT,
    PARTISAN_TRENDS,
    REGISTRATION_TRENDS,
    TARGETING_OPPORTUNITIES,
    STATE_SUMMARY,
    TURNOUT_COMPARISON,
    VOTER_CHANGES,
    DATA_QUALITY,
    ROLL_COVERAGE,
)

# The dbt models the publish reads: the Dagster asset depends on exactly these.
PUBLISHED_MODELS: tuple[str, ...] = tuple(table.dbt_model for table in PUBLISHED_TABLES)


# ----------------------------------------------------------------------------------------------------------
# Suppression
# ----------------------------------------------------------------------------------------------------------


def _is_small(expression: str, min_cell_size: int) -> str:
    """SQL: the expression is a small cell (null is not: it is already unknown)."""
    return f"coalesce(({expression}) > 0 and ({expression}) < {min_cell_size}, false)"


def _suppression_conditions(table: PublishedTable, min_cell_size: int) -> dict[str, str]:
    """SQL condition, per protected column, under which the value is nulled."""
    conditions = {count: _is_small(count, min_cell_size) for count in table.counts}
    for total, parts in table.complements.items():
        conditions[total] = " or ".join([conditions[total], *(conditions[part] for part in parts)])
    for column, counts in table.derived.items():
        conditions[column] = " or ".join(f"({conditions[count]})" for count in counts)
    for column, base in table.implied.items():
        conditions[column] = f"{_is_small(f'round({column} * {base} / 100.0)', min_cell_size)} or ({conditions[base]})"
    return conditions


def suppression_select(table: PublishedTable, columns: Iterable[str], relation: str, min_cell_size: int) -> str:
    """SQL selecting `relation` with small counts and everything derived from them nulled, plus a flag.

    The flag `suppressed` is true on a row where anything was nulled, so the dashboard can say "fewer than N"
    instead of showing a blank as if it were zero.
    """
    conditions = _suppression_conditions(table, min_cell_size)
    select = [
        f"case when {conditions[column]} then null else {column} end as {column}" if column in conditions else column
        for column in columns
    ]
    flag = " or ".join(f"({condition})" for condition in conditions.values()) or "false"
    select.append(f"({flag}) as suppressed")
    return f"select {', '.join(select)} from {relation}"


def suppressed_cells_sql(table: PublishedTable, relation: str, min_cell_size: int) -> str:
    """SQL counting the voter-count cells that suppression nulls (the number reported in metadata)."""
    conditions = _suppression_conditions(table, min_cell_size)
    protected = [*table.counts, *table.implied]
    terms = [f"count(*) filter (where {conditions[column]})" for column in protected]
    return f"select {' + '.join(terms) if terms else '0'} from {relation}"


# ----------------------------------------------------------------------------------------------------------
# Writing a date
# ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublishedFile:
    name: str
    file_name: str
    rows: int
    bytes: int
    suppressed_cells: int


@dataclass(frozen=True)
class DatePublication:
    analysis_date: str
    published_at: str
    min_cell_size: int
    files: tuple[PublishedFile, ...]
    # state -> its coverage, for every state whose roll is not statewide (see `coverage_of_states`)
    coverage: Mapping[str, dict] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return sum(published.rows for published in self.files)

    @property
    def bytes(self) -> int:
        return sum(published.bytes for published in self.files)

    @property
    def suppressed_cells(self) -> int:
        return sum(published.suppressed_cells for published in self.files)

    def record(self) -> dict:
        """The content of `_publish.json`."""
        return {
            "analysis_date": self.analysis_date,
            "published_at": self.published_at,
            "min_cell_size": self.min_cell_size,
            "rows": {published.name: published.rows for published in self.files},
            "bytes": {published.name: published.bytes for published in self.files},
            "suppressed_cells": {published.name: published.suppressed_cells for published in self.files},
            "coverage": dict(self.coverage),
        }


def missing_tables(
    connection: duckdb.DuckDBPyConnection, tables: Iterable[PublishedTable] = PUBLISHED_TABLES
) -> list[PublishedTable]:
    """The published models not (yet) built in the warehouse."""
    present = {
        row[0]
        for row in connection.execute(
            "select table_name from information_schema.tables where table_schema = ?", [PUBLISHED_SCHEMA]
        ).fetchall()
    }
    return [table for table in tables if table.name not in present]


def has_voters(connection: duckdb.DuckDBPyConnection, analysis_date: date) -> bool:
    """Whether the published models describe any voter on this date (before the first snapshot, none do)."""
    row = connection.execute(
        f"select count(*) from {ENGAGEMENT_SEGMENTS.relation} where analysis_date = ?", [analysis_date]
    ).fetchone()
    return bool(row and row[0])


def publish_date(
    connection: duckdb.DuckDBPyConnection,
    published_dir: Path,
    analysis_date: date,
    min_cell_size: int,
    published_at: datetime | None = None,
    tables: Iterable[PublishedTable] = PUBLISHED_TABLES,
) -> DatePublication:
    """Write every published file of one analysis date, then its `_publish.json` (not the manifest).

    Each file goes to a temporary name in the date folder and is renamed over the old one, so a reader opens
    either the previous complete file or the new complete file. Rows are sorted, so the same marts give the
    same bytes.
    """
    tables = list(tables)
    missing = missing_tables(connection, tables)
    if missing:
        raise PublishError(
            f"cannot publish {analysis_date}: table(s) {', '.join(table.relation for table in missing)} not found "
            "in the warehouse; build the dbt models first (marts_job builds the marts and their published rollups)"
        )
    published_at = (published_at or datetime.now(UTC)).astimezone(UTC)
    date_dir = Path(published_dir) / analysis_date.isoformat()
    date_dir.mkdir(parents=True, exist_ok=True)
    files = tuple(_publish_table(connection, table, date_dir, analysis_date, min_cell_size) for table in tables)
    publication = DatePublication(
        analysis_date=analysis_date.isoformat(),
        published_at=published_at.isoformat(timespec="seconds"),
        min_cell_size=min_cell_size,
        files=files,
        coverage=coverage_of_states(connection, analysis_date) if STATE_SUMMARY in tables else {},
    )
    write_json_atomically(date_dir / PUBLISH_RECORD_FILE, publication.record())
    return publication


def coverage_of_states(connection: duckdb.DuckDBPyConnection, analysis_date: date) -> dict[str, dict]:
    """The states of a date whose roll is not statewide, with what the dashboard shows beside them.

    `{"NC": {"coverage": "partial", "label": "1 of 100 counties", "counties_present": 1, "counties_in_state": 100,
    "registered_share_pct": 10.19, "note": "Not compared with statewide figures: ..."}}` - counts of counties and
    shares of the state, never of voters.
    """
    rows = connection.execute(
        f"""
        select state, coverage, coverage_label, counties_recognised, counties_in_state,
               coverage_registered_share_pct, comparison_note
        from {STATE_SUMMARY.relation}
        where analysis_date = ? and coverage <> ?
        order by state
        """,
        [analysis_date, STATEWIDE],
    ).fetchall()
    return {
        state: {
            "coverage": coverage,
            "label": label,
            "counties_present": counties,
            "counties_in_state": counties_in_state,
            "registered_share_pct": share,
            "note": note,
        }
        for state, coverage, label, counties, counties_in_state, share, note in rows
    }


def _publish_table(
    connection: duckdb.DuckDBPyConnection,
    table: PublishedTable,
    date_dir: Path,
    analysis_date: date,
    min_cell_size: int,
) -> PublishedFile:
    staged = f"publish_{table.name}"
    # One scan of the model for the date; suppression and its count then read the small staged copy.
    connection.execute(
        f"create or replace temp table {staged} as select * from {table.relation} where analysis_date = ?",
        [analysis_date],
    )
    try:
        columns = [column[0] for column in connection.execute(f"select * from {staged} limit 0").description]
        final = suppression_select(table, columns, staged, min_cell_size)
        target = date_dir / table.file_name
        temporary = date_dir / f".{table.file_name}.{uuid.uuid4().hex}.tmp"
        try:
            # COPY answers with the number of rows it wrote.
            [(rows,)] = connection.execute(
                f"copy ({final} order by all) to {sql_string(str(temporary))} (format parquet, compression zstd)"
            ).fetchall()
            os.replace(temporary, target)
        finally:
            temporary.unlink(missing_ok=True)
        suppressed = connection.execute(suppressed_cells_sql(table, staged, min_cell_size)).fetchone()[0]
    finally:
        connection.execute(f"drop table if exists {staged}")
    return PublishedFile(
        name=table.name,
        file_name=table.file_name,
        rows=int(rows),
        bytes=target.stat().st_size,
        suppressed_cells=int(suppressed or 0),
    )


# ----------------------------------------------------------------------------------------------------------
# The manifest
# ----------------------------------------------------------------------------------------------------------

_DATE_FOLDER = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def read_manifest(published_dir: Path) -> dict:
    """The manifest, or an empty one when nothing is published (a corrupt one raises)."""
    path = Path(published_dir) / MANIFEST_FILE
    if not path.exists():
        return {"latest": None, "dates": [], "published_at": {}, "coverage": {}}
    return json.loads(path.read_text())


def update_manifest(published_dir: Path, publications: Iterable[DatePublication]) -> dict:
    """Add the new dates to `manifest.json` and replace it atomically; returns the new manifest.

    Dates already listed stay listed (with their publish time and coverage updated when republished).
    `coverage` lists, per date, the states whose roll is not statewide (a date where every roll is statewide
    has no entry). A manifest that cannot be parsed is rebuilt from the `_publish.json` records of the date
    folders, the source of truth.
    """
    published_dir = Path(published_dir)
    try:
        manifest = read_manifest(published_dir)
        published_at = dict(manifest.get("published_at") or {})
        coverage = dict(manifest.get("coverage") or {})
    except (OSError, ValueError):
        published_at, coverage = _from_records(published_dir)
    for publication in publications:
        published_at[publication.analysis_date] = publication.published_at
        coverage[publication.analysis_date] = dict(publication.coverage)
    dates = sorted(published_at)
    manifest = {
        "latest": dates[-1] if dates else None,
        "dates": dates,
        "published_at": {day: published_at[day] for day in dates},
        "coverage": {day: coverage[day] for day in dates if coverage.get(day)},
    }
    write_json_atomically(published_dir / MANIFEST_FILE, manifest)
    return manifest


def _from_records(published_dir: Path) -> tuple[dict[str, str], dict[str, dict]]:
    published_at, coverage = {}, {}
    for folder in sorted(published_dir.iterdir()):
        record_file = folder / PUBLISH_RECORD_FILE
        if folder.is_dir() and _DATE_FOLDER.match(folder.name) and record_file.exists():
            record = json.loads(record_file.read_text())
            published_at[folder.name] = record["published_at"]
            coverage[folder.name] = record.get("coverage") or {}
    return published_at, coverage


def write_json_atomically(path: Path, content: dict) -> None:
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        temporary.write_text(json.dumps(content, indent=2, sort_keys=True) + "\n")
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
