"""The raw assets in Dagster: materializations, metadata without PII, checks that block the marts."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pytest
from dagster_duckdb import DuckDBResource

from voter_platform.defs.ingest.assets import raw_key, raw_voter_files
from voter_platform.defs.ingest.resources import LandingFolder
from voter_platform.defs.partitions import analysis_date_partitions
from voter_platform.defs.resources import PublishedFolder
from voter_platform.lib.ingest.formats import CANONICAL_VOTER_HEADER
from voter_platform.lib.vocabularies import STATE_NAMES
from voter_platform.settings import SAMPLES_DIR
from voter_platform_tests.test_ingest.defect_files import (
    canonical_history_with_defects,
    canonical_voter,
    canonical_voters_with_defects,
)

# Past dates, so the partitions exist whenever the tests run (the sample was last updated 2025-08-08).
CLEAN, DEFECTS, UNKNOWN, MISSING = "2025-09-10", "2025-09-11", "2025-09-12", "2025-09-13"
# A backfill range of two dates loaded in one run; and one whose second date has a broken file.
RANGE = ("2025-09-20", "2025-09-21")
BROKEN_RANGE = ("2025-09-22", "2025-09-23")
SAMPLE = SAMPLES_DIR / "goodparty_voters.csv"
RAW_TABLES = (
    "snapshots",
    "voters",
    "vote_history",
    "quarantine",
    "superseded_records",
    "possible_duplicates",
    "ingest_log",
)


@dg.asset(
    deps=[raw_key("voters")], partitions_def=analysis_date_partitions, backfill_policy=dg.BackfillPolicy.single_run()
)
def downstream_mart(context) -> dg.MaterializeResult:
    """Stands in for the dbt models: built only when the raw partition passes its blocking checks."""
    return dg.MaterializeResult(metadata={"partitions": len(context.partition_keys)})


class Platform:
    def __init__(self, folder: Path):
        self.landing = folder / "landing"
        self.landing.mkdir()
        self.database = folder / "warehouse.duckdb"
        self.instance = dg.DagsterInstance.ephemeral()
        self.results: dict[str, dg.ExecuteInProcessResult] = {}

    def materialize(self, partition: str, files: list[str] | None = None) -> dg.ExecuteInProcessResult:
        result = self._run(files, partition_key=partition)
        self.results[partition] = result
        return result

    def materialize_range(self, first: str, last: str, files: list[str] | None = None) -> dg.ExecuteInProcessResult:
        """One run over the partitions first..last (what a single-run backfill launches)."""
        tags = {"dagster/asset_partition_range_start": first, "dagster/asset_partition_range_end": last}
        return self._run(files, tags=tags)

    def _run(self, files: list[str] | None, **partitions) -> dg.ExecuteInProcessResult:
        return dg.materialize(
            [raw_voter_files, downstream_mart],
            instance=self.instance,
            resources={
                "warehouse": DuckDBResource(database=str(self.database)),
                "landing": LandingFolder(data_dir=str(self.landing.parent)),
                "published": PublishedFolder(data_dir=str(self.landing.parent)),
            },
            run_config={"ops": {"raw_voter_files": {"config": {"files": files or []}}}},
            raise_on_error=False,
            **partitions,
        )

    def query(self, sql: str) -> list[tuple]:
        import duckdb

        with duckdb.connect(str(self.database), read_only=True) as connection:
            return connection.execute(sql).fetchall()


@pytest.fixture(scope="module")
def platform(tmp_path_factory) -> Platform:
    platform = Platform(tmp_path_factory.mktemp("assets"))
    sample = platform.landing / SAMPLE.name
    sample.write_bytes(SAMPLE.read_bytes())
    clean_day = datetime.fromisoformat(CLEAN).replace(hour=12, tzinfo=UTC).timestamp()
    os.utime(sample, (clean_day, clean_day))  # no date in its name: the day it landed

    snapshot = datetime.fromisoformat(DEFECTS).date()
    voters = canonical_voters_with_defects(snapshot)
    voters.write(platform.landing)
    canonical_history_with_defects(voters, snapshot).write(platform.landing)

    (platform.landing / f"voters_NC_{UNKNOWN}.csv").write_text("member;name\n1;Ann\n")

    rows = [",".join(CANONICAL_VOTER_HEADER)] + [
        ",".join(canonical_voter(number, snapshot, "PA")[column] for column in CANONICAL_VOTER_HEADER)
        for number in range(1, 30)
    ]
    (platform.landing / f"voters_PA_{MISSING}.csv").write_text("\n".join(rows) + "\n")

    for day, voters in zip((*RANGE, *BROKEN_RANGE), (20, 25, 30, 35), strict=True):
        snapshot = datetime.fromisoformat(day).date()
        rows = [",".join(CANONICAL_VOTER_HEADER)] + [
            ",".join(canonical_voter(number, snapshot, "OH")[column] for column in CANONICAL_VOTER_HEADER)
            for number in range(1, voters + 1)
        ]
        (platform.landing / f"voters_OH_{day}.csv").write_text("\n".join(rows) + "\n")
    (platform.landing / f"voters_WV_{BROKEN_RANGE[1]}.csv").write_text("member;name\n1;Ann\n")

    platform.materialize(CLEAN)
    platform.materialize(DEFECTS)
    platform.materialize(UNKNOWN)
    platform.materialize(MISSING, files=[f"voters_PA_{MISSING}.csv", f"vote_history_PA_{MISSING}.csv"])
    platform.results["range"] = platform.materialize_range(*RANGE)
    platform.results["broken range"] = platform.materialize_range(*BROKEN_RANGE)
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
    assert set(metadata) == {f"raw/{table}" for table in RAW_TABLES} | {"downstream_mart"}
    voters = metadata["raw/voters"]
    assert (voters["dagster/row_count"], voters["rows_quarantined"], voters["quarantine_reasons"]) == (
        1389,
        2,
        {"missing_state": 2},
    )
    assert voters["null_pct_by_column"]["middle_name"] == 100.0
    assert 0 < voters["null_pct_by_column"]["email"] < 1
    assert "record_fingerprint" in [column.name for column in voters["dagster/column_schema"].columns]
    (file,) = voters["files"]
    assert (file["file"], file["format"], file["size_bytes"], file["date_source"]) == (
        SAMPLE.name,
        "goodparty",
        SAMPLE.stat().st_size,
        "modification time",
    )
    assert file["sha256"] == "87797baa1c788f53e88bae19de510977f586a2d47670f395e3ea872ae5ebbc6d"
    assert metadata["raw/possible_duplicates"]["dagster/row_count"] == 17


def test_checks_of_a_clean_partition(platform):
    evaluations = checks(platform.results[CLEAN])
    assert {name: evaluation.passed for name, evaluation in evaluations.items()} == {
        "lines_reconcile": True,
        "has_voter_records": True,
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
    assert "threshold 5%" in rate.metadata["not_accepted"].value[f"{DEFECTS} canonical:NC"]
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
    assert "`voter-platform layouts` lists (the platform's own voters file: voter_id,first_name" in description
    assert platform.query(f"select status from raw.ingest_log where partition_date = '{UNKNOWN}'") == [
        ("unknown_format",)
    ]
    # Other partitions are untouched.
    assert platform.results[CLEAN].success


def test_a_file_deleted_after_the_sensor_saw_it_is_reported_missing(platform):
    result = platform.results[MISSING]
    assert result.success
    present = checks(result)["files_present"]
    assert not present.passed and present.severity == dg.AssetCheckSeverity.WARN
    assert present.metadata["missing_files"].value == [f"vote_history_PA_{MISSING}.csv"]
    assert platform.query(
        f"select file_name, status from raw.ingest_log where partition_date = '{MISSING}' order by 1"
    ) == [
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
    full_names = {
        f"{record['first_name']} {record['last_name']}"
        for record in records
        if record["first_name"] and record["last_name"]
    }
    last_names = {record["last_name"] for record in records if record["last_name"]} - {
        "Green",
        "White",
        "Brown",
        "Black",
        "Young",
        "King",
    }
    # The formats accepted (asset metadata) name the states of their layouts: "Washington" there is a state.
    last_names -= set(STATE_NAMES.values())
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


def _partitions_by_asset(result: dg.ExecuteInProcessResult) -> dict[str, set[str]]:
    partitions: dict[str, set[str]] = {}
    for event in result.get_asset_materialization_events():
        partitions.setdefault(event.asset_key.to_user_string(), set()).add(event.partition)
    return partitions


def test_a_range_run_ingests_each_date_with_its_own_files_oldest_first(platform):
    result = platform.results["range"]
    assert result.success
    # Every raw asset and the mart downstream are materialized for both dates, by one run.
    assert _partitions_by_asset(result) == {
        key: set(RANGE) for key in [f"raw/{table}" for table in RAW_TABLES] + ["downstream_mart"]
    }
    log = platform.query(
        f"select partition_date::varchar, file_name, status, rows_loaded, run_id, started_at from raw.ingest_log "
        f"where partition_date between '{RANGE[0]}' and '{RANGE[1]}' order by started_at"
    )
    assert [(day, name, status, loaded) for day, name, status, loaded, _, _ in log] == [
        (RANGE[0], f"voters_OH_{RANGE[0]}.csv", "loaded", 20),
        (RANGE[1], f"voters_OH_{RANGE[1]}.csv", "loaded", 25),
    ]
    assert {run_id for *_, run_id, _ in log} == {result.run_id}
    assert platform.query(
        "select partition_date::varchar, voters_loaded, accepted from raw.snapshots "
        "where source_id = 'canonical:OH' order by 1"
    ) == [(RANGE[0], 20, True), (RANGE[1], 25, True), (BROKEN_RANGE[0], 30, True)]


def test_a_range_run_reports_metadata_and_checks_over_the_range(platform):
    result = platform.results["range"]
    voters = next(
        event.materialization.metadata
        for event in result.get_asset_materialization_events()
        if event.asset_key == raw_key("voters")
    )
    assert voters["dagster/row_count"].value == 45
    assert voters["rows_by_date"].value == {RANGE[0]: 20, RANGE[1]: 25}
    assert [(file["partition_date"], file["file"]) for file in voters["files"].value] == [
        (RANGE[0], f"voters_OH_{RANGE[0]}.csv"),
        (RANGE[1], f"voters_OH_{RANGE[1]}.csv"),
    ]
    evaluations = checks(result)
    assert len(result.get_asset_check_evaluations()) == len(evaluations) == 7  # one result per check, for the range
    assert all(evaluation.passed for evaluation in evaluations.values())
    assert set(evaluations["lines_reconcile"].metadata["files"].value) == {f"voters_OH_{day}.csv" for day in RANGE}
    assert set(evaluations["quarantine_rate"].metadata["rate_pct_by_snapshot"].value) == {
        f"{day} canonical:OH" for day in RANGE
    }
    assert downstream_partitions(result) == 2


def downstream_partitions(result: dg.ExecuteInProcessResult) -> int:
    (event,) = [
        e for e in result.get_asset_materialization_events() if e.asset_key.to_user_string() == "downstream_mart"
    ][:1]
    return event.materialization.metadata["partitions"].value


def test_a_failed_date_in_a_range_fails_the_run_and_keeps_the_dates_that_loaded(platform):
    result = platform.results["broken range"]
    assert not result.success
    failure = next(event for event in result.all_events if event.event_type == dg.DagsterEventType.STEP_FAILURE)
    description = failure.step_failure_data.user_failure_data.description
    assert f"partition {BROKEN_RANGE[1]} was not loaded" in description
    assert f"voters_WV_{BROKEN_RANGE[1]}.csv: unknown_format" in description
    assert f"1 of 2 dates failed; {BROKEN_RANGE[0]} succeeded and are recorded as materialized" in description
    # The good date is in the warehouse and recorded as materialized; the failed one wrote nothing.
    assert _partitions_by_asset(result) == {f"raw/{table}": {BROKEN_RANGE[0]} for table in RAW_TABLES}
    statuses = platform.instance.get_status_by_partition(
        raw_key("voters"), list(BROKEN_RANGE), analysis_date_partitions
    )
    assert statuses == {
        BROKEN_RANGE[0]: dg.AssetPartitionStatus.MATERIALIZED,
        BROKEN_RANGE[1]: dg.AssetPartitionStatus.FAILED,
    }
    assert platform.query(f"select count(*) from raw.voters where partition_date = '{BROKEN_RANGE[1]}'") == [(0,)]
    assert platform.query(
        f"select file_name, status from raw.ingest_log where partition_date = '{BROKEN_RANGE[1]}' order by 1"
    ) == [
        # The good file of the same date is not loaded either, and says why (it is not left without a trace).
        (f"voters_OH_{BROKEN_RANGE[1]}.csv", "failed"),
        (f"voters_WV_{BROKEN_RANGE[1]}.csv", "unknown_format"),
    ]


def test_a_file_list_with_a_range_is_a_config_error(platform):
    result = platform.materialize_range(*RANGE, files=[f"voters_OH_{RANGE[0]}.csv"])
    assert not result.success
    failure = next(event for event in result.all_events if event.event_type == dg.DagsterEventType.STEP_FAILURE)
    description = failure.step_failure_data.user_failure_data.description
    assert "`files` lists the landing files of one snapshot date" in description
    assert f"covers 2 dates ({RANGE[0]} .. {RANGE[1]})" in description
    assert result.get_asset_materialization_events() == []


def test_the_ingest_job_runs_a_backfill_range_as_one_run():
    import warnings

    from voter_platform.definitions import defs
    from voter_platform.defs.ingest.jobs import ingest_job

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        job = ingest_job.resolve(asset_graph=defs.resolve_asset_graph())
    assert [str(warning.message) for warning in caught if "BackfillPolicies" in str(warning.message)] == []
    assert job.backfill_policy == dg.BackfillPolicy.single_run()
