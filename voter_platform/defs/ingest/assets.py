"""The raw voter-file assets: one multi-asset that loads landing files into `raw.*`.

A partition is a snapshot date. Materializing one runs `lib.ingest.ingest_partition` over the files
the landing sensor listed for that date (or, when started by hand, every landing file of the date):
one DuckDB transaction writes raw.voters, raw.vote_history, the quarantine, the superseded records,
the possible duplicates, the snapshot rows and the ingest log, so the seven assets materialize
together. A backfill of a date range is one run (single-run backfill policy, like the dbt step
after it): the dates are ingested oldest first, each in its own transaction, and the metadata and
checks describe the whole range.

Checks (on raw/voters unless noted):
  lines_reconcile      ERROR, blocking: every line of every file is a header, blank, or a record that
                       was loaded, quarantined or superseded
  quarantine_rate      ERROR, blocking: every snapshot's quarantine rate is within the threshold
  has_voter_records    ERROR, blocking: every snapshot loaded voter records (not a header-only voters file)
  voter_id_unique      ERROR, blocking: no voter id loaded twice for a source and date
  voter_rules          WARN: pandera rule findings (counts and a few voter ids)
  vote_history_rules   WARN (raw/vote_history): the same for the vote history
  files_present        WARN (raw/ingest_log): every file the sensor saw was still there
A failed blocking check stops the marts of the run's dates; the rows stay in raw for inspection.

Blocked dates (a snapshot over the quarantine threshold): the quarantine_rate check and the step's failure
say which file, how much was quarantined, the top reasons and what to do (lib/blocked.py words it), and
<data>/published/blocked_dates.json records it for the dashboard, which reads only the published folder.
"""

from contextlib import closing
from datetime import date
from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from voter_platform.defs.ingest.resources import LandingFolder
from voter_platform.defs.partitions import analysis_date_partitions
from voter_platform.defs.resources import WAREHOUSE_POOL, PublishedFolder
from voter_platform.defs.retries import TRANSIENT_RETRY_POLICY, retry_only_transient
from voter_platform.lib.blocked import blocked_entry, describe_blocked_date, record_blocked_date
from voter_platform.lib.ingest import (
    DEFAULT_QUARANTINE_THRESHOLD_PCT,
    IngestOptions,
    InputFile,
    PartitionFailed,
    PartitionOutcome,
    SnapshotOutcome,
    ingest_partition,
    report,
)
from voter_platform.lib.ingest.formats import VOTE_HISTORY, VOTER, describe_formats
from voter_platform.lib.landing import describe, state_of_folder

# The layer's one name: code package defs/ingest, asset group, ingest_job, tests test_ingest.
INGEST_GROUP = "ingest"
RAW_PREFIX = "raw"


def raw_key(table: str) -> dg.AssetKey:
    return dg.AssetKey([RAW_PREFIX, table])


_DESCRIPTIONS = {
    "snapshots": (
        "One row per (source, snapshot date): files, counts, quarantine rate, and whether the marts may use it."
    ),
    "voters": "Typed, normalised voter records of every loaded snapshot (canonical schema; PII stays here).",
    "vote_history": "One row per voter per election, from per-election history files.",
    "quarantine": "Every line or record that could not be loaded: file, line number, reasons, raw text.",
    "superseded_records": "Valid records loaded once but not twice: exact duplicates and older conflicting versions.",
    "possible_duplicates": "Different voter ids that look like the same person (flagged, never merged).",
    "ingest_log": "One row per file per run: size, sha256, format, status, line accounting, timings.",
}

FORMATS_ACCEPTED = describe_formats()


class IngestConfig(dg.Config):
    """Run configuration of the raw assets (the landing sensor fills `files`)."""

    files: list[str] = []  # noqa: RUF012 - a pydantic model (dg.Config): every instance gets its own copy
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
    _check(
        "quarantine_rate",
        "voters",
        "Every snapshot of the date has a quarantine rate within the threshold.",
        blocking=True,
    ),
    _check(
        "has_voter_records",
        "voters",
        "Every snapshot of the date loaded voter records (a header-only voters file has none).",
        blocking=True,
    ),
    _check("voter_id_unique", "voters", "No voter id is loaded twice for one source and date.", blocking=True),
    _check("voter_rules", "voters", "The canonical voter rules (pandera): records quarantined or flagged, per rule."),
    _check(
        "vote_history_rules",
        "vote_history",
        "The vote-history rules (pandera): records quarantined or flagged, per rule.",
    ),
    _check(
        "files_present",
        "ingest_log",
        "Every file listed for the run was still in the landing folder, "
        "and every part of a multi-part delivery arrived.",
    ),
]


@dg.multi_asset(
    name="raw_voter_files",
    specs=[
        dg.AssetSpec(
            raw_key(table),
            description=description,
            group_name=INGEST_GROUP,
            kinds={"duckdb", "python"},
            metadata={"table": f"raw.{table}", "formats_accepted": FORMATS_ACCEPTED},
        )
        for table, description in _DESCRIPTIONS.items()
    ],
    check_specs=CHECK_SPECS,
    partitions_def=analysis_date_partitions,
    # A backfill of a date range is one run, like the dbt and publish steps of the same job: each
    # date is still its own transaction (see raw_voter_files).
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool=WAREHOUSE_POOL,
    can_subset=False,
    # A locked warehouse or a file still being written is retried; nothing else is (defs/retries.py).
    retry_policy=TRANSIENT_RETRY_POLICY,
    description=(
        "Load the landing files of each snapshot date of the run into the raw tables, one transaction per date."
    ),
)
@retry_only_transient
def raw_voter_files(
    context: dg.AssetExecutionContext,
    config: IngestConfig,
    warehouse: DuckDBResource,
    landing: LandingFolder,
    published: PublishedFolder,
):
    """Ingest every date of the run's partitions (one, or a backfill range), oldest first.

    Each date is its own transaction with that date's landing files, so a date that fails (an
    unknown header, say) leaves the others loaded; the step then fails naming those dates, and the
    dates that did load are recorded as materialized. When every date loads, the results and checks
    cover the whole range.
    """
    days = sorted(date.fromisoformat(key) for key in context.partition_keys)
    if config.files and len(days) > 1:
        raise dg.Failure(
            description=(
                f"`files` lists the landing files of one snapshot date (the landing sensor fills it), but this run "
                f"covers {len(days)} dates ({days[0]} .. {days[-1]}): leave `files` empty to load every landing file "
                "of each date, or run one date."
            )
        )
    options = IngestOptions(quarantine_threshold_pct=config.quarantine_threshold_pct, force_reload=config.force_reload)
    # closing(): the resource closes its connection only when the block ends without an error, and a
    # failed run must not leave the warehouse file open in this process.
    with warehouse.get_connection() as connection, closing(connection):
        loaded: list[PartitionOutcome] = []
        failed: list[PartitionFailed] = []
        for day in days:
            inputs = _input_files(config, landing, day.isoformat())
            if not inputs:
                context.log.info(f"No landing files for {day} in {landing.folder}: nothing to load.")
            try:
                outcome = ingest_partition(connection, day, inputs, run_id=context.run.run_id, options=options)
            except PartitionFailed as failure:
                if len(days) > 1:
                    context.log.error(str(failure))  # now, not only when the whole range is done
                failed.append(failure)
                continue
            _log_outcome(context, outcome)
            loaded.append(outcome)
        blocked = _record_blocked_dates(loaded, published.folder)
        if failed:
            for outcome in loaded:
                day = outcome.partition_date
                for key, metadata in _metadata_by_asset(connection, [outcome]).items():
                    yield dg.AssetMaterialization(asset_key=key, partition=day.isoformat(), metadata=metadata)
            failure = _range_failure(days, loaded, failed)
            if blocked:  # a date that did load may be blocked as well: say so in the same message
                raise dg.Failure(
                    description=f"{failure.description}\n\n{_blocked_text(blocked)}", metadata=failure.metadata
                )
            raise failure
        for key, metadata in _metadata_by_asset(connection, loaded).items():
            yield dg.MaterializeResult(asset_key=key, metadata=metadata)
        yield from _check_results(connection, loaded, blocked)
        if blocked:
            # Fails the step as the blocking check would, but with words: the run's failure message.
            raise dg.Failure(
                description=_blocked_text(blocked), metadata={"blocked_dates": dg.MetadataValue.json(blocked)}
            )


# --- blocked dates --------------------------------------------------------------------------------


def _record_blocked_dates(outcomes: list[PartitionOutcome], published: Path) -> dict[str, dict]:
    """The run's dates with a snapshot that was not accepted, recorded beside the published snapshots for the
    dashboard (aggregates only); a date of the run accepted now is removed from the record."""
    blocked = {}
    for outcome in outcomes:
        entry = blocked_entry(outcome)
        record_blocked_date(published, outcome.partition_date, entry)
        if entry is not None:
            blocked[outcome.partition_date.isoformat()] = entry
    return blocked


def _blocked_text(blocked: dict[str, dict]) -> str:
    return "\n\n".join(describe_blocked_date(day, entry) for day, entry in sorted(blocked.items()))


def _range_failure(days: list[date], loaded: list[PartitionOutcome], failed: list[PartitionFailed]) -> dg.Failure:
    messages = "\n".join(str(failure) for failure in failed)
    summary = ""
    if len(days) > 1:
        done = [outcome.partition_date for outcome in loaded]
        summary = f"\n{len(failed)} of {len(days)} dates failed; " + (
            f"{_dates_text(done)} succeeded and are recorded as materialized (a re-run finds their files unchanged)."
            if done
            else "no date succeeded."
        )
    return dg.Failure(
        description=messages + summary,  # an unknown header already lists the formats expected
        metadata={"files": dg.MetadataValue.md(_files_table([failure.outcome for failure in failed]))},
    )


def _dates_text(days: list[date], listed: int = 5) -> str:
    """A few dates by name, a long list as its count and ends."""
    if len(days) <= listed:
        return ", ".join(str(day) for day in days)
    return f"{len(days)} dates ({days[0]} .. {days[-1]})"


def _input_files(config: IngestConfig, landing: LandingFolder, partition_key: str) -> list[InputFile]:
    if config.files:
        inputs = []
        for name in config.files:
            path = landing.folder / name
            try:
                date_source = describe(path, landing.folder).date_source
            except FileNotFoundError:
                date_source = None  # reported as missing by the ingest
            inputs.append(InputFile(path, date_source, state_of_folder(name), name))
        return inputs
    return [
        InputFile(file.path, file.date_source, file.state_hint, file.name)
        for file in landing.files()
        if file.partition_key == partition_key
    ]


def _log_outcome(context: dg.AssetExecutionContext, outcome: PartitionOutcome) -> None:
    for file in outcome.files:
        message = (
            f"{outcome.partition_date} {file.file_name}: {file.status}"
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


# --- metadata (over the dates of the run) -----------------------------------------------------------


def _files_table(outcomes: list[PartitionOutcome]) -> str:
    header = (
        "| date | file | status | format | size | sha256 | lines | loaded | quarantined | superseded | message |\n"
        "|---|---|---|---|---:|---|---:|---:|---:|---:|---|"
    )
    rows = [
        f"| {outcome.partition_date} | {file.file_name} | {file.status} | {file.layout or '-'} | "
        f"{file.size if file.size is not None else '-'} | {(file.sha256 or '-')[:16]} | {file.lines_read:,} | "
        f"{file.rows_loaded:,} | {file.rows_quarantined:,} | {file.rows_superseded:,} | "
        f"{(file.message or '').replace('|', '/')} |"
        for outcome in outcomes
        for file in outcome.files
    ]
    return "\n".join([header, *rows])


def _schema(profile: report.TableProfile) -> dg.TableSchema:
    return dg.TableSchema(columns=[dg.TableColumn(name, data_type) for name, data_type in profile.columns])


def _file_facts(outcomes: list[PartitionOutcome], record_kind: str) -> dict[str, object]:
    return {
        "files": dg.MetadataValue.json(
            [
                {
                    "partition_date": outcome.partition_date.isoformat(),
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
                for outcome in outcomes
                for file in outcome.files_of_kind(record_kind)
            ]
        ),
    }


def _span(outcomes: list[PartitionOutcome]) -> tuple[date, date]:
    days = [outcome.partition_date for outcome in outcomes]
    return min(days), max(days)


def _records_metadata(connection, table: str, record_kind: str, outcomes: list[PartitionOutcome]) -> dict[str, object]:
    """Rows, quarantine and column profile of raw.voters or raw.vote_history over the dates of `outcomes`."""
    first, last = _span(outcomes)
    profile = report.table_profile(connection, table, first, last)
    by_date = len(outcomes) > 1
    return {
        "dagster/row_count": profile.row_count,
        **(
            {"rows_by_date": dg.MetadataValue.json(report.rows_by_date(connection, table, first, last))}
            if by_date
            else {}
        ),
        "rows_quarantined": report.count_rows(connection, "quarantine", first, last, f"record_kind = '{record_kind}'"),
        "quarantine_reasons": dg.MetadataValue.json(report.quarantine_reasons(connection, first, last, record_kind)),
        "dagster/column_schema": _schema(profile),
        "null_pct_by_column": dg.MetadataValue.json(profile.null_pct),
    }


def _metadata_by_asset(connection, outcomes: list[PartitionOutcome]) -> dict[dg.AssetKey, dict[str, object]]:
    """The materialization metadata of each raw asset, over the dates of `outcomes` (counts sum)."""
    first, last = _span(outcomes)
    return {
        raw_key("voters"): {
            **_records_metadata(connection, "voters", VOTER, outcomes),
            "quarantine_threshold_pct": outcomes[0].quarantine_threshold_pct,
            "files_this_run": dg.MetadataValue.md(_files_table(outcomes)),
            **_file_facts(outcomes, VOTER),
        },
        raw_key("vote_history"): {
            **_records_metadata(connection, "vote_history", VOTE_HISTORY, outcomes),
            **_file_facts(outcomes, VOTE_HISTORY),
        },
        raw_key("quarantine"): {
            "dagster/row_count": report.count_rows(connection, "quarantine", first, last),
            "reasons": dg.MetadataValue.json(report.quarantine_reasons(connection, first, last)),
        },
        raw_key("superseded_records"): {
            "dagster/row_count": report.count_rows(connection, "superseded_records", first, last),
            "reasons": dg.MetadataValue.json(
                report.counts_by(
                    connection,
                    f"select reason, count(*) from raw.superseded_records where {report.IN_SPAN} "
                    "group by all order by all",
                    first,
                    last,
                )
            ),
        },
        raw_key("possible_duplicates"): {
            "dagster/row_count": report.count_rows(connection, "possible_duplicates", first, last),
            "match_rules": dg.MetadataValue.json(
                report.counts_by(
                    connection,
                    f"select match_rule, count(*) from raw.possible_duplicates where {report.IN_SPAN} "
                    "group by all order by all",
                    first,
                    last,
                )
            ),
        },
        raw_key("snapshots"): {
            "dagster/row_count": report.count_rows(connection, "snapshots", first, last),
            "snapshots": dg.MetadataValue.json(
                [
                    {
                        "partition_date": snapshot.partition_date.isoformat(),
                        "source_id": snapshot.source_id,
                        "accepted": snapshot.accepted,
                        "voters_loaded": snapshot.voters_loaded,
                        "history_rows_loaded": snapshot.history_rows_loaded,
                        "quarantine_rate_pct": snapshot.quarantine_rate_pct,
                        "message": snapshot.message,
                    }
                    for outcome in outcomes
                    for snapshot in outcome.snapshots
                ]
            ),
        },
        raw_key("ingest_log"): {
            "dagster/row_count": report.count_rows(connection, "ingest_log", first, last),
            "file_statuses_this_run": dg.MetadataValue.json(
                {file.file_name: file.status for outcome in outcomes for file in outcome.files}
            ),
        },
    }


# --- checks (over the dates of the run) -------------------------------------------------------------


def _snapshot_label(snapshot: SnapshotOutcome) -> str:
    """A snapshot as a metadata key: `2026-11-20 canonical:NC`."""
    return f"{snapshot.partition_date} {snapshot.source_id}"


def _check_results(connection, outcomes: list[PartitionOutcome], blocked: dict[str, dict]):
    first, last = _span(outcomes)
    counted = [(outcome.partition_date, file) for outcome in outcomes for file in outcome.files if file.counted]
    yield dg.AssetCheckResult(
        asset_key=raw_key("voters"),
        check_name="lines_reconcile",
        passed=all(file.reconciles for _, file in counted),
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={
            "identity": (
                "lines_read = header_lines + blank_lines + rows_loaded + rows_quarantined + rows_superseded "
                "- glued_lines + continuation_lines"
            ),
            "files": dg.MetadataValue.json(
                {
                    file.file_name: {
                        "partition_date": day.isoformat(),
                        "lines_read": file.lines_read,
                        "header_lines": file.header_lines,
                        "blank_lines": file.blank_lines,
                        "rows_loaded": file.rows_loaded,
                        "rows_quarantined": file.rows_quarantined,
                        "rows_superseded": file.rows_superseded,
                        "glued_lines": file.glued_lines,
                        "continuation_lines": file.continuation_lines,
                        "accounted": file.accounted_lines,
                        "reconciles": file.reconciles,
                    }
                    for day, file in counted
                }
            ),
        },
    )
    snapshots = [snapshot for outcome in outcomes for snapshot in outcome.snapshots]
    rejected = [snapshot for snapshot in snapshots if not snapshot.accepted]
    threshold = outcomes[0].quarantine_threshold_pct
    # Each blocking check fails for its own cause: a header-only file fails has_voter_records, not the rate.
    over_threshold = [snapshot for snapshot in snapshots if snapshot.quarantine_rate_pct > threshold]
    empty = [snapshot for snapshot in snapshots if snapshot.voters_loaded == 0]
    yield dg.AssetCheckResult(
        asset_key=raw_key("voters"),
        check_name="has_voter_records",
        passed=not empty,
        severity=dg.AssetCheckSeverity.ERROR,
        description="; ".join(snapshot.message for snapshot in empty) or None,
        metadata={
            "voters_loaded_by_snapshot": dg.MetadataValue.json(
                {_snapshot_label(snapshot): snapshot.voters_loaded for snapshot in snapshots}
            ),
            # What voter-platform build tells as the blocked date (as quarantine_rate does for its cause).
            "blocked_dates": dg.MetadataValue.json(blocked if empty else {}),
        },
    )
    yield dg.AssetCheckResult(
        asset_key=raw_key("voters"),
        check_name="quarantine_rate",
        passed=not over_threshold,
        severity=dg.AssetCheckSeverity.ERROR,
        description=_blocked_text(blocked) if blocked and over_threshold else None,
        metadata={
            "threshold_pct": outcomes[0].quarantine_threshold_pct,
            "rate_pct_by_snapshot": dg.MetadataValue.json(
                {_snapshot_label(snapshot): snapshot.quarantine_rate_pct for snapshot in snapshots}
            ),
            "not_accepted": dg.MetadataValue.json(
                {_snapshot_label(snapshot): snapshot.message for snapshot in rejected}
            ),
            "blocked_dates": dg.MetadataValue.json(blocked),
        },
    )
    duplicates = report.duplicate_loaded_ids(connection, first, last)
    yield dg.AssetCheckResult(
        asset_key=raw_key("voters"),
        check_name="voter_id_unique",
        passed=not duplicates,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={"duplicate_voter_ids": dg.MetadataValue.json(duplicates)},
    )
    for check_name, table, record_kind in (
        ("voter_rules", "voters", VOTER),
        ("vote_history_rules", "vote_history", VOTE_HISTORY),
    ):
        findings = report.rule_findings(connection, first, last, record_kind)
        yield dg.AssetCheckResult(
            asset_key=raw_key(table),
            check_name=check_name,
            passed=not findings,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={
                "records_by_rule": dg.MetadataValue.json({finding.rule: finding.records for finding in findings}),
                "action_by_rule": dg.MetadataValue.json({finding.rule: finding.action for finding in findings}),
                "sample_voter_ids": dg.MetadataValue.json(
                    {finding.rule: finding.sample_voter_ids for finding in findings}
                ),
            },
        )
    missing = [file.file_name for outcome in outcomes for file in outcome.missing_files]
    # Parts of a multi-part delivery (a county file, a numbered part) that did not arrive.
    missing_parts = {
        f"{snapshot.partition_date} {snapshot.source_id}": snapshot.missing_parts
        for outcome in outcomes
        for snapshot in outcome.snapshots
        if snapshot.missing_parts
    }
    yield dg.AssetCheckResult(
        asset_key=raw_key("ingest_log"),
        check_name="files_present",
        passed=not missing and not missing_parts,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "missing_files": dg.MetadataValue.json(missing),
            "missing_parts": dg.MetadataValue.json(missing_parts),
        },
    )


raw_assets = [raw_voter_files]
