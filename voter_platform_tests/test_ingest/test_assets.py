"""The raw assets in Dagster: materializations, metadata without PII, checks that block the marts."""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path

import dagster as dg
import pytest
from dagster_duckdb import DuckDBResource

from voter_platform.defs.ingest.assets import raw_key, raw_voter_files
from voter_platform.defs.ingest.resources import LandingFolder
from voter_platform.defs.partitions import analysis_date_partitions
from voter_platform.lib.ingest.formats import CANONICAL_VOTER_HEADER
from voter_platform.settings import SAMPLES_DIR
from voter_platform_tests.test_ingest.defect_files import (
    canonical_history_with_defects,
    canonical_voter,
    canonical_voters_with_defects,
)

# Past dates, so the partitions exist whenever the tests run (the sample was last updated 2025-08-08).
CLEAN, DEFECTS, UNKNOWN, MISSING = "2025-09-10", "2025-09-11", "2025-09-12", "2025-09-13"
SAMPLE = SAMPLES_DIR / "goodparty_voters.csv"


@dg.asset(deps=[raw_key("voters")], partitions_def=analysis_date_partitions)
def downstream_mart() -> None:
    """Stands in for the dbt models: built only when the raw partition passes its blocking checks."""


class Platform:
    def __init__(self, folder: Path):
        self.landing = folder / "landing"
        self.landing.mkdir()
        self.database = folder / "warehouse.duckdb"
        self.instance = dg.DagsterInstance.ephemeral()
        self.results: dict[str, dg.ExecuteInProcessResult] = {}

    def materialize(self, partition: str, files: list[str] | None = None) -> dg.ExecuteInProcessResult:
        config = {"ops": {"raw_voter_files": {"config": {"files": files or []}}}}
        result = dg.materialize(
            [raw_voter_files, downstream_mart],
            partition_key=partition,
            instance=self.instance,
            resources={"warehouse": DuckDBResource(database=str(self.database)), "landing": LandingFolder(path=str(self.landing))},
            run_config=config,
            raise_on_error=False,
        )
        self.results[partition] = result
        return result

    def query(self, sql: str) -> list[tuple]:
        import duckdb

        with duckdb.connect(str(self.database), read_only=True) as connection:
            return connection.execute(sql).fetchall()


@pytest.fixture(scope="module")
def platform(tmp_path_factory) -> Platform:
    platform = Platform(tmp_path_factory.mktemp("assets"))
    sample = platform.landing / SAMPLE.name
    sample.write_bytes(SAMPLE.read_bytes())
    clean_day = datetime.fromisoformat(CLEAN).replace(hour=12, tzinfo=timezone.utc).timestamp()
    os.utime(sample, (clean_day, clean_day))  # no date in its name: the day it landed

    snapshot = datetime.fromisoformat(DEFECTS).date()
    voters = canonical_voters_with_defects(snapshot)
    voters.write(platform.landing)
    canonical_history_with_defects(voters, snapshot).write(platform.landing)

    (platform.landing / f"voters_NC_{UNKNOWN}.csv").write_text("member;name\n1;Ann\n")

    rows = [",".join(CANONICAL_VOTER_HEADER)] + [
        ",".join(canonical_voter(number, snapshot, "PA")[column] for column in CANONICAL_VOTER_HEADER) for number in range(1, 30)
    ]
    (platform.landing / f"voters_PA_{MISSING}.csv").write_text("\n".join(rows) + "\n")

    platform.materialize(CLEAN)
    platform.materialize(DEFECTS)
    platform.materialize(UNKNOWN)
    platform.materialize(MISSING, files=[f"voters_PA_{MISSING}.csv", f"vote_history_PA_{MISSING}.csv"])
    return platform


def materialized(result: dg.ExecuteInProcessResult) -> dict[str, dict]:
    return {
        event.asset_key.to_user_string(): {name: value.value for name, value in event.materialization.metadata.items()}
        for event in result.get_asset_materialization_events()
    }


def checks(result: dg.ExecuteInProcessResult) -> dict[str, dg.AssetCheckEvaluation]:
    return {evaluation.check_name: evaluation for evaluation in result.get_asset_check_evaluations()}


def test_a_clean_partition_materializes_all_raw_tables_and_the_marts(platform):
    result = platform.results[CLEAN]
    assert result.success
    metadata = materialized(result)
    assert set(metadata) == {f"raw/{table}" for table in ("snapshots", "voters", "vote_history", "quarantine", "superseded_records", "possible_duplicates", "ingest_log")} | {"downstream_mart"}
    voters = metadata["raw/voters"]
    assert (voters["dagster/row_count"], voters["rows_quarantined"], voters["quarantine_reasons"]) == (1389, 2, {"missing_state": 2})
    assert voters["null_pct_by_column"]["middle_name"] == 100.0
    assert 0 < voters["null_pct_by_column"]["email"] < 1
    assert "record_fingerprint" in [column.name for column in voters["dagster/column_schema"].columns]
    (file,) = voters["files"]
    assert (file["file"], file["format"], file["size_bytes"], file["date_source"]) == (SAMPLE.name, "goodparty", SAMPLE.stat().st_size, "modification time")
    assert file["sha256"] == "87797baa1c788f53e88bae19de510977f586a2d47670f395e3ea872ae5ebbc6d"
    assert metadata["raw/possible_duplicates"]["dagster/row_count"] == 17


def test_checks_of_a_clean_partition(platform):
    evaluations = checks(platform.results[CLEAN])
    assert {name: evaluation.passed for name, evaluation in evaluations.items()} == {
        "lines_reconcile": True,
        "quarantine_rate": True,
        "voter_id_unique": True,
        "voter_rules": False,
        "vote_history_rules": True,
        "files_present": True,
    }
    rules = evaluations["voter_rules"]
    assert rules.severity == dg.AssetCheckSeverity.WARN
    assert rules.metadata["records_by_rule"].value == {"missing_state": 2}
    assert rules.metadata["sample_voter_ids"].value == {"missing_state": ["VOT015", "VOT1450"]}
    reconcile = evaluations["lines_reconcile"].metadata["files"].value[SAMPLE.name]
    assert (reconcile["lines_read"], reconcile["accounted"]) == (1392, 1392)


def test_too_much_quarantine_blocks_the_marts_and_keeps_the_rows(platform):
    result = platform.results[DEFECTS]
    evaluations = checks(result)
    rate = evaluations["quarantine_rate"]
    assert not rate.passed and rate.severity == dg.AssetCheckSeverity.ERROR
    assert "threshold 5%" in rate.metadata["not_accepted"].value["canonical:NC"]
    assert evaluations["lines_reconcile"].passed
    assert "downstream_mart" not in materialized(result)
    assert platform.query(f"select accepted from raw.snapshots where partition_date = '{DEFECTS}'") == [(False,)]
    assert platform.query(f"select count(*) > 0 from raw.voters where partition_date = '{DEFECTS}'") == [(True,)]


def test_an_unknown_header_fails_only_its_partition_with_the_formats_expected(platform):
    result = platform.results[UNKNOWN]
    assert not result.success
    failure = next(event for event in result.all_events if event.event_type == dg.DagsterEventType.STEP_FAILURE)
    description = failure.step_failure_data.user_failure_data.description
    assert f"voters_NC_{UNKNOWN}.csv: unknown_format: line 1 is not a header the platform knows" in description
    assert "Expected one of: canonical voters: voter_id,first_name" in description
    assert platform.query(f"select status from raw.ingest_log where partition_date = '{UNKNOWN}'") == [("unknown_format",)]
    # Other partitions are untouched.
    assert platform.results[CLEAN].success


def test_a_file_deleted_after_the_sensor_saw_it_is_reported_missing(platform):
    result = platform.results[MISSING]
    assert result.success
    present = checks(result)["files_present"]
    assert not present.passed and present.severity == dg.AssetCheckSeverity.WARN
    assert present.metadata["missing_files"].value == [f"vote_history_PA_{MISSING}.csv"]
    assert platform.query(f"select file_name, status from raw.ingest_log where partition_date = '{MISSING}' order by 1") == [
        (f"vote_history_PA_{MISSING}.csv", "missing"),
        (f"voters_PA_{MISSING}.csv", "loaded"),
    ]


def test_re_materializing_a_partition_is_a_no_op(platform):
    before = platform.query(f"select * from raw.voters where partition_date = '{CLEAN}' order by line_number")
    result = platform.materialize(CLEAN)
    assert result.success
    assert materialized(result)["raw/voters"]["files"][0]["status"] == "unchanged"
    assert platform.query(f"select * from raw.voters where partition_date = '{CLEAN}' order by line_number") == before


def _sample_pii() -> set[str]:
    import csv

    with SAMPLE.open() as handle:
        records = list(csv.DictReader(handle))
    emails = {record["email"] for record in records if record["email"]}
    full_names = {f"{record['first_name']} {record['last_name']}" for record in records if record["first_name"] and record["last_name"]}
    last_names = {record["last_name"] for record in records if record["last_name"]} - {"Green", "White", "Brown", "Black", "Young", "King"}
    return emails | full_names | last_names


def test_no_pii_in_metadata_or_logs(platform):
    pii = _sample_pii()
    texts = []
    for result in platform.results.values():
        texts += [event.message or "" for event in result.all_events]
        for event in result.get_asset_materialization_events():
            texts.append(json.dumps({k: str(v.value) for k, v in event.materialization.metadata.items()}))
        for evaluation in result.get_asset_check_evaluations():
            texts.append(json.dumps({k: str(v.value) for k, v in evaluation.metadata.items()}))
        texts += [record.user_message or "" for record in platform.instance.all_logs(result.run_id)]
    corpus = "\n".join(texts)
    assert len(pii) > 2000 and "VOT015" in corpus  # voter ids may appear (failing rules), people may not
    assert sorted(value for value in pii if value in corpus) == []
    assert "@email.com" not in corpus and "@example.org" not in corpus
