"""Small warehouses and published snapshots for the publish and dashboard tests.

A fixture warehouse holds the ten contract marts (fabricated by `voter_platform.bench.synthetic_marts` for a
few states) *and* raw voter rows with names and emails in them, as a real warehouse does. Tests then check
that none of those names or emails ever leaves the warehouse. North Carolina's roll is a one-county extract
(partial coverage): the other states' rolls are statewide.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from voter_platform.bench.synthetic_marts import create_synthetic_marts
from voter_platform.lib.publish import DatePublication, publish_date, update_manifest
from voter_platform.lib.warehouse import ensure_raw_tables

# Dense enough that most cells are real, with one small state (WY) whose cells get suppressed.
FIXTURE_STATES = ("PA", "NC", "GA", "AZ", "WY", "OH")
# A one-county extract: labelled "1 of 100 counties", never compared with statewide results.
PARTIAL_STATES = ("NC",)
FIXTURE_VOTERS = 12000
FIRST_DATE = date(2025, 1, 6)
SECOND_DATE = date(2025, 1, 8)
# Fixed, so published files (and screenshots) do not depend on the clock.
PUBLISHED_AT = datetime(2025, 1, 9, 6, 30, tzinfo=UTC)

# Names and emails planted in raw.voters: none of them may appear in a published file or a response.
PLANTED_VOTERS = (
    ("PLANT001", "Zebulon", "Quackenbush", "zebulon.quackenbush@planted.example"),
    ("PLANT002", "Philippa", "Wolstenholme", "p.wolstenholme@planted.example"),
    ("PLANT003", "Octavius", "Featherstonehaugh", "octavius.f@planted.example"),
)
PLANTED_PII = tuple(value for voter in PLANTED_VOTERS for value in voter[1:])


def build_warehouse(
    path: Path,
    dates: Sequence[date] = (FIRST_DATE, SECOND_DATE),
    voters: int = FIXTURE_VOTERS,
    states: Sequence[str] = FIXTURE_STATES,
) -> Path:
    """A DuckDB file with the contract marts for `dates` and PII-bearing raw voter rows."""
    with duckdb.connect(str(path)) as connection:
        create_synthetic_marts(connection, voters, dates, states=states, partial_states=PARTIAL_STATES)
        ensure_raw_tables(connection)
        for day in dates:
            for line, (voter_id, first, last, email) in enumerate(PLANTED_VOTERS, start=2):
                connection.execute(
                    """
                    insert into raw.voters (partition_date, source_id, file_name, line_number, voter_id,
                        first_name, last_name, email, gender, state, party, record_fingerprint, quality_flags)
                    values (?, 'canonical:PA', 'voters_PA.csv', ?, ?, ?, ?, ?, 'F', 'PA', 'Democrat', 'x', [])
                    """,
                    [day, line, voter_id, first, last, email],
                )
    return path


def add_marts_for_date(warehouse: Path, dates: Sequence[date], voters: int = FIXTURE_VOTERS) -> None:
    """Fabricate the marts of one more date (all `dates` given, oldest first, so the roll evolves)."""
    with duckdb.connect(str(warehouse)) as connection:
        create_synthetic_marts(connection, voters, dates, states=FIXTURE_STATES, partial_states=PARTIAL_STATES)


def publish_fixture(
    warehouse: Path,
    published_dir: Path,
    dates: Sequence[date] = (FIRST_DATE, SECOND_DATE),
    min_cell_size: int = 10,
) -> list[DatePublication]:
    """Publish `dates` from the fixture warehouse with the library functions (no Dagster)."""
    publications = []
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        for day in dates:
            publication = publish_date(connection, published_dir, day, min_cell_size, published_at=PUBLISHED_AT)
            update_manifest(published_dir, [publication])
            publications.append(publication)
    return publications
