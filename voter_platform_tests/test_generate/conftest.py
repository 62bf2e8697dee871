"""Generated datasets shared by the generator tests (each generated once per test session)."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from voter_platform.generate.config import ChurnRates, DefectRates, GenerateConfig
from voter_platform.generate.run import GenerateResult, generate

# Large enough that per-state shares of the big states and national age bands are meaningful
# (California ~20,000 voters: a share's standard error is about 0.35 points), small enough to take
# about two seconds.
DISTRIBUTION_VOTERS = 200_000
ELECTION_EVE = date(2026, 11, 3)  # the 2026 general is held that day: its votes appear in the next day's file


@pytest.fixture(scope="session")
def canonical_run(tmp_path_factory) -> tuple[GenerateConfig, GenerateResult]:
    config = GenerateConfig(
        voters=DISTRIBUTION_VOTERS,
        start=ELECTION_EVE,
        days=1,
        format="canonical",
        out=tmp_path_factory.mktemp("canonical"),
        seed=11,
    )
    return config, generate(config)


@pytest.fixture(scope="session")
def warehouse(canonical_run) -> duckdb.DuckDBPyConnection:
    """DuckDB tables `voters` and `history` loaded from the canonical run."""
    config, _ = canonical_run
    return load_canonical(duckdb.connect(), config.out, "2026-11-03")


def load_canonical(
    connection: duckdb.DuckDBPyConnection, folder, day: str, suffix: str = ""
) -> duckdb.DuckDBPyConnection:
    connection.execute(
        f"create table voters{suffix} as select * from read_csv('{folder}/voters_*_{day}.csv', header = true, "
        "columns = {" + _CANONICAL_TYPES + "})"
    )
    connection.execute(
        f"create table history{suffix} as select * from read_csv('{folder}/vote_history_*_{day}.csv', header = true, "
        "columns = {'voter_id': 'varchar', 'state': 'varchar', 'election_date': 'date', 'election_type': 'varchar', "
        "'voting_method': 'varchar', 'party_ballot': 'varchar'})"
    )
    return connection


_CANONICAL_TYPES = ", ".join(
    f"'{name}': '{kind}'"
    for name, kind in {
        "voter_id": "varchar",
        "first_name": "varchar",
        "middle_name": "varchar",
        "last_name": "varchar",
        "name_suffix": "varchar",
        "birth_date": "date",
        "gender": "varchar",
        "race": "varchar",
        "ethnicity": "varchar",
        "party": "varchar",
        "registration_status": "varchar",
        "status_reason": "varchar",
        "registered_date": "date",
        "street_address": "varchar",
        "city": "varchar",
        "state": "varchar",
        "zip_code": "varchar",
        "county": "varchar",
        "email": "varchar",
        "phone": "varchar",
        "last_voted_date": "date",
        "updated_at": "timestamp",
    }.items()
)


def small_run(
    out, format: str, *, voters: int = 3_000, days: int = 1, seed: int = 5, defects: str = "none", **options
) -> GenerateResult:
    """A quick run for format, defect and determinism checks."""
    return generate(
        GenerateConfig(
            voters=voters,
            start=options.pop("start", ELECTION_EVE),
            days=days,
            format=format,
            out=out,
            seed=seed,
            defects=DefectRates.parse(defects),
            churn=options.pop("churn", ChurnRates()),
            **options,
        )
    )
