"""The raw voter-file assets: one multi-asset that loads a partition's landing files into `raw.*`.

A partition is a snapshot date. Materializing it runs `lib.ingest.ingest_partition` over the files
the landing sensor listed for that date (or, when started by hand, every landing file of the date):
one DuckDB transaction writes raw.voters, raw.vote_history, the quarantine, the superseded records,
the possible duplicates, the snapshot rows and the ingest log, so the seven assets materialize
together.

Checks (on raw/voters unless noted):
  lines_reconcile      ERROR, blocking: every line of every file is a header, blank, or a record that
                       was loaded, quarantined or superseded
  quarantine_rate      ERROR, blocking: every snapshot is accepted (quarantine rate <= threshold)
  voter_id_unique      ERROR, blocking: no voter id loaded twice for a source and date
  voter_rules          WARN: pandera rule findings (counts and a few voter ids)
  vote_history_rules   WARN (raw/vote_history): the same for the vote history
  files_present        WARN (raw/ingest_log): every file the sensor saw was still there
A failed blocking check stops the marts of that date; the rows stay in raw for inspection.
"""


from datetime import date

import dagster as dg
from dagster_duckdb import DuckDBResource

from voter_platform.defs.ingest.resources import LandingFolder
from voter_platform.defs.partitions import analysis_date_partitions
from voter_platform.defs.resources import WAREHOUSE_POOL
from voter_platform.lib.ingest import (
    DEFAULT_QUARANTINE_THRESHOLD_PCT,
    IngestOptions,
    InputFile,
    PartitionFailed,
    PartitionOutcome,
    ingest_partition,
    report,
)
from voter_platform.lib.ingest.formats import FORMATS, VOTE_HISTORY, VOTER
from voter_platform.lib.landing import describe

RAW_GROUP = "raw_voter_files"
RAW_PREFIX = "raw"


def raw_key(table: str) -> dg.AssetKey:
    return dg.AssetKey([RAW_PREFIX, table])


_DESCRIPTIONS = {
    "snapshots": "One row per (source, snapshot date): files, counts, quarantine rate, and whether the marts may use it.",
    "voters": "Typed, normalised voter records of every loaded snapshot (canonical schema; PII stays here).",
    "vote_history": "One row per voter per election, from per-election history files.",
    "quarantine": "Every line or record that could not be loaded: file, line number, reasons, raw text.",
    "superseded_records": "Valid records loaded once but not twice: exact duplicates and older conflicting versions.",
    "possible_duplicates": "Different voter ids that look like the same person (flagged, never merged).",
    "ingest_log": "One row per file per run: size, sha256, format, status, line accounting, timings.",
}

FORMATS_ACCEPTED = "; ".join(file_format.description for file_format in FORMATS)


class IngestConfig(dg.Config):
    """Run configuration of the raw assets (the landing sensor fills `files`)."""

    files: list[str] = []
    """Landing file names to load; empty: every landing file whose snapshot date is the partition."""
    quarantine_threshold_pct: float = DEFAULT_QUARANTINE_THRESHOLD_PCT
    """Above this share of quarantined records in any file, its snapshot is not accepted for the marts."""
    force_reload: bool = False
    """Read files again even when the same bytes are already loaded (e.g. after a rule changed)."""


def _check(name: str, table: str, description: str, blocking: bool = False) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(name=name, asset=raw_key(table), description=description, blocking=blocking)


CHECK_SPECS = [
    _check(
        "lines_reconcile",
        "voters",
        "lines read = header + blank + loaded + quarantined + superseded - glued lines, for every file.",
        blocking=True,
    ),
    _check("quarantine_rate", "voters", "Every snapshot of the date has a quarantine rate within the threshold.", blocking=True),
    _check("voter_id_unique", "voters", "No voter id is loaded twice for one source and date.", blocking=True),
    _check("voter_rules", "voters", "The canonical voter rules (pandera): records quarantined or flagged, per rule."),
    _check("vote_history_rules", "vote_history", "The vote-history rules (pandera): records quarantined or flagged, per rule."),
    _check("files_present", "ingest_log", "Every file listed for the run was still in the landing folder."),
]


@dg.multi_asset(
    name="raw_voter_files",
    specs=[
        dg.AssetSpec(
            raw_key(table),
            description=description,
            group_name=RAW_GROUP,
            kinds={"duckdb", "python"},
            metadata={"table": f"raw.{table}", "formats_accepted": FORMATS_ACCEPTED},
        )
        for table, description in _DESCRIPTIONS.items()
    ],
    check_specs=CHECK_SPECS,
    partitions_def=analysis_date_partitions,
    backfill_policy=dg.BackfillPolicy.multi_run(max_partitions_per_run=1),
    pool=WAREHOUSE_POOL,
    can_subset=False,
    description="Load the landing files of one snapshot date into the raw tables, in one transaction.",
)
def raw_voter_files(context: dg.AssetExecutionContext, config: IngestConfig, warehouse: DuckDBResource, landing: LandingFolder):
    partition_date = date.fromisoformat(context.partition_key)
    inputs = _input_files(context, config, landing, context.partition_key)
    if not inputs:
        context.log.info(f"No landing files for {partition_date} in {landing.folder}: nothing to load.")
    options = IngestOptions(quarantine_threshold_pct=config.quarantine_threshold_pct, force_reload=config.force_reload)
    with warehouse.get_connection() as connection:
        try:
            outcome = ingest_partition(connection, partition_date, inputs, run_id=context.run_id, options=options)
        except PartitionFailed as failure:
            raise dg.Failure(
                description=str(failure),  # names each file, what is wrong and, for a header, what was expected
                metadata={"files": dg.MetadataValue.md(_files_table(failure.outcome))},
            ) from None
        _log_outcome(context, outcome)
        yield from _materializations(connection, outcome)
        yield from _check_results(connection, outcome)


def _input_files(context: dg.AssetExecutionContext, config: IngestConfig, landing: LandingFolder, partition_key: str) -> list[InputFile]:
    if config.files:
        inputs = []
        for name in config.files:
            path = landing.folder / name
            try:
                date_source = describe(path).date_source
            except FileNotFoundError:
                date_source = None  # reported as missing by the ingest
            inputs.append(InputFile(path, date_source))
        return inputs
    return [InputFile(file.path, file.date_source) for file in landing.files() if file.partition_key == partition_key]


def _log_outcome(context: dg.AssetExecutionContext, outcome: PartitionOutcome) -> None:
    for file in outcome.files:
        message = (
            f"{file.file_name}: {file.status}"
            + (f" ({file.message})" if file.message else "")
            + (
                f"; {file.lines_read:,} lines: {file.rows_loaded:,} loaded, {file.rows_quarantined:,} quarantined, "
                f"{file.rows_superseded:,} superseded"
                if file.record_kind
                else ""
            )
        )
        if file.status in ("missing", "rejected", "failed"):
            context.log.warning(message)
        else:
            context.log.info(message)


# --- metadata -------------------------------------------------------------------------------------


def _files_table(outcome: PartitionOutcome) -> str:
    header = "| file | status | format | size | sha256 | lines | loaded | quarantined | superseded | message |\n|---|---|---|---:|---|---:|---:|---:|---:|---|"
    rows = [
        f"| {file.file_name} | {file.status} | {file.layout or '-'} | {file.size if file.size is not None else '-'} | "
        f"{(file.sha256 or '-')[:16]} | {file.lines_read:,} | {file.rows_loaded:,} | {file.rows_quarantined:,} | "
        f"{file.rows_superseded:,} | {(file.message or '').replace('|', '/')} |"
        for file in outcome.files
    ]
    return "\n".join([header, *rows])


def _schema(profile: report.TableProfile) -> dg.TableSchema:
    return dg.TableSchema(columns=[dg.TableColumn(name, data_type) for name, data_type in profile.columns])


def _file_facts(outcome: PartitionOutcome, record_kind: str) -> dict[str, object]:
    files = outcome.files_of_kind(record_kind)
    return {
        "files": dg.MetadataValue.json(
            [
                {
                    "file": file.file_name,
                    "status": file.status,
                    "format": file.file_format,
                    "layout": file.layout,
                    "encoding": file.encoding,
                    "size_bytes": file.size,
                    "sha256": file.sha256,
                    "source_id": file.source_id,
                    "date_source": file.date_source,
                }
                for file in files
            ]
        ),
    }


def _materializations(connection, outcome: PartitionOutcome):
    day = outcome.partition_date
    voters = report.table_profile(connection, "voters", day)
    history = report.table_profile(connection, "vote_history", day)
    voter_reasons = report.quarantine_reasons(connection, day, VOTER)
    history_reasons = report.quarantine_reasons(connection, day, VOTE_HISTORY)
    threshold = outcome.quarantine_threshold_pct
    yield dg.MaterializeResult(
        asset_key=raw_key("voters"),
        metadata={
            "dagster/row_count": voters.row_count,
            "rows_quarantined": sum(count for count in _records_quarantined(connection, day, VOTER).values()),
            "quarantine_reasons": dg.MetadataValue.json(voter_reasons),
            "dagster/column_schema": _schema(voters),
            "null_pct_by_column": dg.MetadataValue.json(voters.null_pct),
            "quarantine_threshold_pct": threshold,
            "files_this_run": dg.MetadataValue.md(_files_table(outcome)),
            **_file_facts(outcome, VOTER),
        },
    )
    yield dg.MaterializeResult(
        asset_key=raw_key("vote_history"),
        metadata={
            "dagster/row_count": history.row_count,
            "rows_quarantined": sum(count for count in _records_quarantined(connection, day, VOTE_HISTORY).values()),
            "quarantine_reasons": dg.MetadataValue.json(history_reasons),
            "dagster/column_schema": _schema(history),
            "null_pct_by_column": dg.MetadataValue.json(history.null_pct),
            **_file_facts(outcome, VOTE_HISTORY),
        },
    )
    yield dg.MaterializeResult(
        asset_key=raw_key("quarantine"),
        metadata={
            "dagster/row_count": report.count_rows(connection, "quarantine", day),
            "reasons": dg.MetadataValue.json(report.quarantine_reasons(connection, day)),
        },
    )
    yield dg.MaterializeResult(
        asset_key=raw_key("superseded_records"),
        metadata={
            "dagster/row_count": report.count_rows(connection, "superseded_records", day),
            "reasons": dg.MetadataValue.json(
                report.counts_by(
                    connection,
                    "select reason, count(*) from raw.superseded_records where partition_date = $date group by all order by all",
                    day,
                )
            ),
        },
    )
    yield dg.MaterializeResult(
        asset_key=raw_key("possible_duplicates"),
        metadata={
            "dagster/row_count": report.count_rows(connection, "possible_duplicates", day),
            "match_rules": dg.MetadataValue.json(
                report.counts_by(
                    connection,
                    "select match_rule, count(*) from raw.possible_duplicates where partition_date = $date group by all order by all",
                    day,
                )
            ),
        },
    )
    yield dg.MaterializeResult(
        asset_key=raw_key("snapshots"),
        metadata={
            "dagster/row_count": report.count_rows(connection, "snapshots", day),
            "snapshots": dg.MetadataValue.json(
                [
                    {
                        "source_id": snapshot.source_id,
                        "accepted": snapshot.accepted,
                        "voters_loaded": snapshot.voters_loaded,
                        "history_rows_loaded": snapshot.history_rows_loaded,
                        "quarantine_rate_pct": snapshot.quarantine_rate_pct,
                        "message": snapshot.message,
                    }
                    for snapshot in outcome.snapshots
                ]
            ),
        },
    )
    yield dg.MaterializeResult(
        asset_key=raw_key("ingest_log"),
        metadata={
            "dagster/row_count": report.count_rows(connection, "ingest_log", day),
            "file_statuses_this_run": dg.MetadataValue.json({file.file_name: file.status for file in outcome.files}),
        },
    )


def _records_quarantined(connection, day: date, record_kind: str) -> dict[str, int]:
    return report.counts_by(
        connection,
        f"select file_name, count(*) from raw.quarantine where partition_date = $date and record_kind = '{record_kind}' group by all",
        day,
    )


# --- checks ---------------------------------------------------------------------------------------


def _check_results(connection, outcome: PartitionOutcome):
    day = outcome.partition_date
    counted = [file for file in outcome.files if file.record_kind and file.status in ("loaded", "rejected", "unchanged")]
    yield dg.AssetCheckResult(
        asset_key=raw_key("voters"),
        check_name="lines_reconcile",
        passed=all(file.reconciles for file in counted),
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={
            "identity": "lines_read = header_lines + blank_lines + rows_loaded + rows_quarantined + rows_superseded - glued_lines",
            "files": dg.MetadataValue.json(
                {
                    file.file_name: {
                        "lines_read": file.lines_read,
                        "header_lines": file.header_lines,
                        "blank_lines": file.blank_lines,
                        "rows_loaded": file.rows_loaded,
                        "rows_quarantined": file.rows_quarantined,
                        "rows_superseded": file.rows_superseded,
                        "glued_lines": file.glued_lines,
                        "accounted": file.accounted_lines,
                        "reconciles": file.reconciles,
                    }
                    for file in counted
                }
            ),
        },
    )
    rejected = outcome.rejected_snapshots
    yield dg.AssetCheckResult(
        asset_key=raw_key("voters"),
        check_name="quarantine_rate",
        passed=not rejected,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={
            "threshold_pct": outcome.quarantine_threshold_pct,
            "rate_pct_by_source": dg.MetadataValue.json(
                {snapshot.source_id: snapshot.quarantine_rate_pct for snapshot in outcome.snapshots}
            ),
            "not_accepted": dg.MetadataValue.json({snapshot.source_id: snapshot.message for snapshot in rejected}),
        },
    )
    duplicates = report.duplicate_loaded_ids(connection, day)
    yield dg.AssetCheckResult(
        asset_key=raw_key("voters"),
        check_name="voter_id_unique",
        passed=not duplicates,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={"duplicate_voter_ids": dg.MetadataValue.json(duplicates)},
    )
    for check_name, table, record_kind in (("voter_rules", "voters", VOTER), ("vote_history_rules", "vote_history", VOTE_HISTORY)):
        findings = report.rule_findings(connection, day, record_kind)
        yield dg.AssetCheckResult(
            asset_key=raw_key(table),
            check_name=check_name,
            passed=not findings,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={
                "records_by_rule": dg.MetadataValue.json({finding.rule: finding.records for finding in findings}),
                "action_by_rule": dg.MetadataValue.json({finding.rule: finding.action for finding in findings}),
                "sample_voter_ids": dg.MetadataValue.json({finding.rule: finding.sample_voter_ids for finding in findings}),
            },
        )
    missing = [file.file_name for file in outcome.missing_files]
    yield dg.AssetCheckResult(
        asset_key=raw_key("ingest_log"),
        check_name="files_present",
        passed=not missing,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"missing_files": dg.MetadataValue.json(missing)},
    )


raw_assets = [raw_voter_files]
