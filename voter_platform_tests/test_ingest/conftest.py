"""Fixtures of the ingest tests: a fresh warehouse per test and a helper to ingest files into it."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path

import duckdb
import pytest

from voter_platform.lib.ingest import IngestOptions, InputFile, PartitionOutcome, ingest_partition
from voter_platform_tests.test_ingest.synthetic_layouts import registered

SNAPSHOT = date(2026, 11, 20)


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as connection:
        yield connection


@pytest.fixture
def layouts(monkeypatch, tmp_path: Path) -> Iterator[None]:
    """The synthetic layouts of synthetic_layouts.py as the whole registry, for the test's duration."""
    folder = tmp_path / "layouts"
    folder.mkdir()
    with registered(monkeypatch, folder):
        yield


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    folder = tmp_path / "landing"
    folder.mkdir()
    return folder


def ingest(
    connection: duckdb.DuckDBPyConnection,
    files: Sequence[Path],
    partition_date: date = SNAPSHOT,
    **options,
) -> PartitionOutcome:
    """Ingest `files` as the snapshots of `partition_date` (test shorthand)."""
    return ingest_partition(
        connection,
        partition_date,
        [InputFile(Path(file)) for file in files],
        run_id="test",
        options=IngestOptions(**options),
    )


def rows(connection: duckdb.DuckDBPyConnection, sql: str, *parameters) -> list[tuple]:
    return connection.execute(sql, list(parameters)).fetchall()
