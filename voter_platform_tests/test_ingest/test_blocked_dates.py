"""A blocked date, as the raw asset reports it: a file with too many records quarantined fails the step with
sentences (file, quarantine rate, top reasons, what to do) instead of DagsterAssetCheckFailedError, the check
carries the same text, and the published folder records the date for the dashboard - aggregates only. Once a
fixed file is dropped again and accepted, the record is gone."""

from __future__ import annotations

from datetime import date

import dagster as dg
import pytest
from dagster_duckdb import DuckDBResource

from voter_platform.defs.ingest.assets import raw_key, raw_voter_files
from voter_platform.defs.ingest.resources import LandingFolder
from voter_platform.defs.partitions import analysis_date_partitions
from voter_platform.defs.resources import PublishedFolder
from voter_platform.lib.blocked import BLOCKED_DATES_FILE, read_blocked_dates
from voter_platform.lib.ingest.formats import CANONICAL_VOTER_HEADER
from voter_platform_tests.test_ingest.defect_files import canonical_voter

DAY = date(2025, 10, 6)
GOOD, BROKEN = 40, 6  # 6 of 46 records quarantined: 13%, over the 5% threshold


@dg.asset(
    deps=[raw_key("voters")], partitions_def=analysis_date_partitions, backfill_policy=dg.BackfillPolicy.single_run()
)
def marts_stand_in() -> dg.MaterializeResult:
    return dg.MaterializeResult()


def _voters_file(folder, broken_lines: int) -> list[dict[str, str]]:
    voters = [canonical_voter(number, DAY, "OR") for number in range(1, GOOD + 1)]
    lines = [",".join(CANONICAL_VOTER_HEADER)] + [",".join(v[c] for c in CANONICAL_VOTER_HEADER) for v in voters]
    lines += ["not,a,voter,line"] * broken_lines
    (folder / f"voters_OR_{DAY}.csv").write_text("\n".join(lines) + "\n")
    return voters


def _materialize(tmp_path) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [raw_voter_files, marts_stand_in],
        resources={
            "warehouse": DuckDBResource(database=str(tmp_path / "warehouse.duckdb")),
            "landing": LandingFolder(data_dir=str(tmp_path)),
            "published": PublishedFolder(data_dir=str(tmp_path)),
        },
        partition_key=DAY.isoformat(),
        raise_on_error=False,
    )


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("VOTER_PLATFORM_DATA", str(tmp_path))
    (tmp_path / "landing").mkdir()
    return tmp_path


def test_a_blocked_date_fails_in_words_and_is_recorded_for_the_dashboard(data_dir):
    voters = _voters_file(data_dir / "landing", BROKEN)
    result = _materialize(data_dir)
    assert not result.success
    assert "marts_stand_in" not in {
        event.asset_key.to_user_string() for event in result.get_asset_materialization_events()
    }

    [failure] = result.get_step_failure_events()
    description = failure.step_failure_data.user_failure_data.description
    assert "DagsterAssetCheckFailedError" not in failure.step_failure_data.error.message
    assert description.startswith(f"{DAY} is blocked: its marts were not built and nothing was published for it.")
    assert (
        f"voters_OR_{DAY}.csv: {BROKEN} of {GOOD + BROKEN} records quarantined (13.04%), above the 5% threshold."
        in description
    )
    assert f"Top reasons: wrong_field_count {BROKEN}." in description
    assert "What to do: raw.quarantine lists every quarantined line" in description

    [check] = [e for e in result.get_asset_check_evaluations() if e.check_name == "quarantine_rate"]
    assert not check.passed and check.blocking
    assert check.description == description

    recorded = read_blocked_dates(data_dir / "published")
    entry = recorded[DAY.isoformat()]
    [snapshot] = entry["snapshots"]
    [file] = snapshot["files"]
    assert (snapshot["source_id"], file["file"], file["quarantined"], file["records"]) == (
        "canonical:OR",
        f"voters_OR_{DAY}.csv",
        BROKEN,
        GOOD + BROKEN,
    )
    assert file["top_reasons"] == [["wrong_field_count", BROKEN]]
    # Aggregates only: no voter id, name, email, address or line of the file.
    text = (data_dir / "published" / BLOCKED_DATES_FILE).read_text()
    for voter in voters:
        for field in ("voter_id", "first_name", "last_name", "email", "street_address"):
            assert voter[field] not in text
    assert "not,a,voter" not in text

    # The file is fixed and dropped again: accepted, published by the marts, no longer blocked.
    _voters_file(data_dir / "landing", 0)
    fixed = _materialize(data_dir)
    assert fixed.success
    assert read_blocked_dates(data_dir / "published") == {}


def test_a_range_with_a_failed_date_and_a_blocked_one_names_both(data_dir):
    """A backfill where one date's file is unknown and another's is blocked: one message tells both."""
    _voters_file(data_dir / "landing", BROKEN)
    (data_dir / "landing" / "voters_WV_2025-10-07.csv").write_text("member;name\n1;Ann\n")
    result = dg.materialize(
        [raw_voter_files, marts_stand_in],
        resources={
            "warehouse": DuckDBResource(database=str(data_dir / "warehouse.duckdb")),
            "landing": LandingFolder(data_dir=str(data_dir)),
            "published": PublishedFolder(data_dir=str(data_dir)),
        },
        tags={"dagster/asset_partition_range_start": "2025-10-06", "dagster/asset_partition_range_end": "2025-10-07"},
        raise_on_error=False,
    )
    assert not result.success
    [failure] = result.get_step_failure_events()
    description = failure.step_failure_data.user_failure_data.description
    assert "voters_WV_2025-10-07.csv: unknown_format" in description
    assert f"{DAY} is blocked: its marts were not built" in description
    assert DAY.isoformat() in read_blocked_dates(data_dir / "published")


def test_a_header_only_file_blocks_its_date_for_having_no_voter_records_not_for_its_quarantine(data_dir):
    """Nothing was quarantined: the failing check is has_voter_records and the run's failure says "no voter
    records", with advice that fits (not "raise the quarantine threshold")."""
    name = f"voters_OR_{DAY}.csv"
    (data_dir / "landing" / name).write_text(",".join(CANONICAL_VOTER_HEADER) + "\n")
    result = _materialize(data_dir)
    assert not result.success
    checks = {evaluation.check_name: evaluation for evaluation in result.get_asset_check_evaluations()}
    assert checks["quarantine_rate"].passed
    assert not checks["has_voter_records"].passed and checks["has_voter_records"].blocking
    assert checks["has_voter_records"].description == f"no voter records: {name} has a header line and no record"
    [failure] = result.get_step_failure_events()
    description = failure.step_failure_data.user_failure_data.description
    assert description.splitlines()[1] == f"  {name}: no voter records (a header line and no record)."
    assert "quarantined" not in description and "quarantine_threshold_pct" not in description
    assert "What to do: check that the export that wrote the file finished" in description
