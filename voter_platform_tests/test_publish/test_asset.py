"""The published_snapshot asset run by Dagster against a fixture warehouse."""

import json

import dagster as dg
import pandas as pd
import pytest

from voter_platform.defs.publish.assets import published_snapshot
from voter_platform.defs.resources import PublishedFolder, Warehouse
from voter_platform.lib.publish import PUBLISHED_TABLES
from voter_platform_tests.published_fixtures import FIRST_DATE, PLANTED_PII, SECOND_DATE, copy_fixture_warehouse

# Column names that would mean voter-level or personal data made it into a published file.
PII_COLUMNS = {
    "voter_id",
    "first_name",
    "middle_name",
    "last_name",
    "email",
    "phone",
    "street_address",
    "birth_date",
    "zip_code",
    "city",
    "raw_line",
}


@pytest.fixture
def data_dir(tmp_path, monkeypatch, fixture_warehouse):
    """A private data dir whose warehouse is a copy of the dbt-built fixture warehouse."""
    monkeypatch.setenv("VOTER_PLATFORM_DATA", str(tmp_path))
    copy_fixture_warehouse(fixture_warehouse, tmp_path)
    return tmp_path


def _materialize(data_dir, run_config=None, **kwargs) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [published_snapshot],
        resources={
            "warehouse": Warehouse(data_dir=str(data_dir)),
            "published": PublishedFolder(data_dir=str(data_dir)),
        },
        run_config=run_config,
        **kwargs,
    )


def _metadata(result) -> dict:
    [event] = result.get_asset_materialization_events()
    return {key: getattr(value, "value", value) for key, value in event.materialization.metadata.items()}


def test_publishes_every_file_of_the_date_with_metadata(data_dir):
    result = _materialize(data_dir, partition_key=FIRST_DATE.isoformat())
    assert result.success
    date_dir = data_dir / "published" / FIRST_DATE.isoformat()
    record = json.loads((date_dir / "_publish.json").read_text())
    manifest = json.loads((data_dir / "published" / "manifest.json").read_text())
    assert manifest["latest"] == FIRST_DATE.isoformat() and manifest["dates"] == [FIRST_DATE.isoformat()]
    assert manifest["published_at"][FIRST_DATE.isoformat()] == record["published_at"]
    metadata = _metadata(result)
    assert metadata["dates_published"] == [FIRST_DATE.isoformat()]
    assert metadata["min_cell_size"] == 10
    for table in PUBLISHED_TABLES:
        frame = pd.read_parquet(date_dir / table.file_name)
        assert len(frame) == record["rows"][table.name]
        # The first snapshot has no earlier one to differ from: no voter changes yet.
        assert len(frame) > 0 or table.name == "voter_changes"
        assert table.file_name in metadata["files"]
    assert metadata["dagster/row_count"] == sum(record["rows"].values())
    assert metadata["suppressed_cells"] == sum(record["suppressed_cells"].values()) > 0
    assert metadata["bytes_published"] == sum(path.stat().st_size for path in date_dir.glob("*.parquet"))
    # The fixture's North Carolina roll is one county: named with its coverage, here and in the manifest.
    assert metadata["states_not_statewide"] == {FIRST_DATE.isoformat(): {"NC": "1 of 100 counties"}}
    assert manifest["coverage"][FIRST_DATE.isoformat()]["NC"]["label"] == "1 of 100 counties"


def test_no_personal_data_and_no_voter_rows_in_published_files(data_dir):
    assert _materialize(data_dir, partition_key=FIRST_DATE.isoformat()).success
    for path in (data_dir / "published").rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            for value in PLANTED_PII:
                assert value.encode() not in content, f"{value} found in {path.name}"
    for table in PUBLISHED_TABLES:
        frame = pd.read_parquet(data_dir / "published" / FIRST_DATE.isoformat() / table.file_name)
        assert not PII_COLUMNS & set(frame.columns), table.name
        if "voters" in frame.columns and table.name != "data_quality":
            # Aggregates only: no published count is a single voter.
            assert not (frame.voters == 1).any(), table.name


def test_min_cell_size_from_config_overrides_the_environment(data_dir, monkeypatch):
    monkeypatch.setenv("VOTER_PLATFORM_MIN_CELL_SIZE", "5")
    at_five = _metadata(_materialize(data_dir, partition_key=FIRST_DATE.isoformat()))
    config = {"ops": {"published_snapshot": {"config": {"min_cell_size": 50}}}}
    at_fifty = _metadata(_materialize(data_dir, partition_key=FIRST_DATE.isoformat(), run_config=config))
    assert at_five["min_cell_size"] == 5 and at_fifty["min_cell_size"] == 50
    assert at_fifty["suppressed_cells"] > at_five["suppressed_cells"]
    cube = pd.read_parquet(data_dir / "published" / FIRST_DATE.isoformat() / "engagement_segments.parquet")
    assert cube.voters.dropna().min() >= 50 or cube.voters.dropna().min() == 0


def test_a_date_range_publishes_each_date_and_skips_dates_without_voters(data_dir):
    before_first_snapshot = "2025-01-05"
    result = _materialize(
        data_dir,
        tags={
            "dagster/asset_partition_range_start": before_first_snapshot,
            "dagster/asset_partition_range_end": SECOND_DATE.isoformat(),
        },
    )
    assert result.success
    # A ranged run records one materialization per partition, all with the run's metadata.
    metadata = _metadata_of_first(result)
    manifest = json.loads((data_dir / "published" / "manifest.json").read_text())
    # 2025-01-07 has no snapshot of its own: its roll is the one of 01-06, published like any other date.
    assert manifest["dates"] == [FIRST_DATE.isoformat(), "2025-01-07", SECOND_DATE.isoformat()]
    assert manifest["latest"] == SECOND_DATE.isoformat()
    assert metadata["dates_skipped_without_voters"] == [before_first_snapshot]
    assert not (data_dir / "published" / before_first_snapshot).exists()


def _metadata_of_first(result) -> dict:
    event = result.get_asset_materialization_events()[0]
    return {key: getattr(value, "value", value) for key, value in event.materialization.metadata.items()}


def test_republishing_gives_the_same_bytes(data_dir):
    date_dir = data_dir / "published" / FIRST_DATE.isoformat()
    assert _materialize(data_dir, partition_key=FIRST_DATE.isoformat()).success
    first = {path.name: path.read_bytes() for path in date_dir.glob("*.parquet")}
    assert _materialize(data_dir, partition_key=FIRST_DATE.isoformat()).success
    second = {path.name: path.read_bytes() for path in date_dir.glob("*.parquet")}
    assert first == second
    assert not list(date_dir.glob(".*"))
