"""Ingest one partition (snapshot date): the files of that date become raw rows in one transaction.

    for each file        pre-pass (size, sha256, encoding, header -> format), or a file-level error
    file-level errors    an empty, unreadable or unrecognised file fails the partition before anything
                         is written: the ingest log says which file and what was expected
    per source           the voters file (+ its vote history) of one jurisdiction is one snapshot;
                         a file already loaded for this source and date is `unchanged`, one already
                         loaded on an earlier date is a `duplicate_drop`: neither is read again
    one transaction      delete what earlier runs loaded for the sources being loaded, stage, validate,
                         deduplicate and insert each file, recompute the snapshots, write the log
                         -- a run killed half-way leaves the previous state, re-running replaces it

`ingest_partition` returns a `PartitionOutcome` (results.py): counts per file and snapshot, the
reconciliation of every file's lines, and whether each snapshot is accepted for the marts.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import NamedTuple

import duckdb

from voter_platform.lib.ingest.duck import first, run, scalar
from voter_platform.lib.ingest.formats import VOTE_HISTORY, VOTER, FileLayout, UnknownFormatError, detect_layout, source_id
from voter_platform.lib.ingest.load import FileToLoad, delete_previous_rows, drop_staging, json_counts, load_file
from voter_platform.lib.ingest.prepass import FileFacts, count_lines, inspect_file, read_header_line, readable_copy
from voter_platform.lib.ingest.results import (
    DUPLICATE_DROP,
    EMPTY,
    FAILED,
    FILE_ERRORS,
    LOADED,
    MISSING,
    REJECTED,
    UNCHANGED,
    UNKNOWN_FORMAT,
    UNREADABLE,
    FileOutcome,
    PartitionOutcome,
    SnapshotOutcome,
)
from voter_platform.lib.ingest.stage import FileToStage, Target, stage_file
from voter_platform.lib.warehouse import ensure_raw_tables

DEFAULT_QUARANTINE_THRESHOLD_PCT = 5.0

_staging_names = itertools.count(1)


@dataclass(frozen=True)
class IngestOptions:
    quarantine_threshold_pct: float = DEFAULT_QUARANTINE_THRESHOLD_PCT
    # Read files again even when the same bytes are already loaded (e.g. after a rules change).
    force_reload: bool = False
    # Where working copies of oddly encoded files go (default: the system temp folder).
    work_dir: Path | None = None
    # DuckDB's memory for the run; beyond it, it spills to its temp directory.
    memory_limit: str | None = "1536MB"


@dataclass(frozen=True)
class InputFile:
    path: Path
    date_source: str | None = None  # "file name" | "file content" | "modification time" (see lib/landing.py)


class PartitionFailed(Exception):
    """The partition could not be loaded; `outcome.files` says which file and why."""

    def __init__(self, message: str, outcome: PartitionOutcome):
        super().__init__(message)
        self.outcome = outcome


@dataclass
class _Plan:
    """One file of the run, as far as it got."""

    path: Path
    outcome: FileOutcome
    facts: FileFacts | None = None
    layout: FileLayout | None = None
    load: bool = False


class _StoredSnapshot(NamedTuple):
    """The raw.snapshots row an earlier run wrote for the same source and date."""

    voters_file: str | None
    history_file: str | None
    voters_sha: str | None
    history_sha: str | None


@dataclass
class _SourceGroup:
    source_id: str
    voters: _Plan | None = None
    history: _Plan | None = None
    plans: list[_Plan] = field(default_factory=list)
    stored: _StoredSnapshot | None = None  # read once, before the run writes anything (_decide)


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def ingest_partition(
    connection: duckdb.DuckDBPyConnection,
    partition_date: date,
    files: Sequence[InputFile],
    *,
    run_id: str | None = None,
    options: IngestOptions | None = None,
    before_commit: Callable[[], None] | None = None,
) -> PartitionOutcome:
    """Load `files` as the snapshots of `partition_date`. Raises PartitionFailed on file-level errors.

    `before_commit` runs inside the transaction after every row is written (tests use it to kill a
    run at the worst moment).
    """
    options = options or IngestOptions()
    _configure(connection, options)
    ensure_raw_tables(connection)
    outcome = PartitionOutcome(partition_date, run_id, options.quarantine_threshold_pct)
    plans = [_inspect(input_file) for input_file in files]
    outcome.files = [plan.outcome for plan in plans]

    groups, conflicts = _group_by_source(plans)
    errors = [plan.outcome for plan in plans if plan.outcome.status in FILE_ERRORS]
    if errors or conflicts:
        for message, conflicting in conflicts:
            for plan in conflicting:
                plan.outcome.status, plan.outcome.message = FAILED, message
                errors.append(plan.outcome)
        _write_log_now(connection, outcome, errors)
        raise PartitionFailed(_failure_message(partition_date, errors), outcome)

    _decide(connection, partition_date, groups, options)
    run(connection, "begin transaction")
    try:
        for group in groups.values():
            for plan in group.plans:
                if plan.load:
                    _load_file(connection, plan, partition_date, options)
        outcome.snapshots = [
            _write_snapshot(connection, group, partition_date, run_id, options)
            for group in groups.values()
            if _has_snapshot_now(group)
        ]
        _settle_statuses(groups, outcome.snapshots)
        _insert_log(connection, outcome, outcome.files)
        if before_commit is not None:
            before_commit()
        run(connection, "commit")
    except BaseException as error:
        try:
            run(connection, "rollback")
        except duckdb.Error:
            pass  # the connection is gone with the transaction: nothing was written either way
        for file_outcome in outcome.files:
            if file_outcome.status not in (MISSING,):
                file_outcome.status = FAILED
                file_outcome.message = f"the run stopped before the partition was written: {type(error).__name__}: {_first_line(error)}"
        if isinstance(error, Exception):
            try:
                _write_log_now(connection, outcome, outcome.files)
            except duckdb.Error:
                pass  # the original error says more than a failure to log it
        raise
    return outcome


def _configure(connection: duckdb.DuckDBPyConnection, options: IngestOptions) -> None:
    # Line numbers come from row order: DuckDB must keep the file's order (its default, made explicit).
    run(connection, "set preserve_insertion_order = true")
    # Strings reach polars (validation) as Arrow string views: no copy for short values.
    run(connection, "set produce_arrow_string_view = true")
    if options.memory_limit:
        run(connection, f"set memory_limit = '{options.memory_limit}'")


def _first_line(error: BaseException) -> str:
    """The first line of an error, with quoted values blanked: a database error may quote a value
    from the file, and this message is logged."""
    text = str(error).strip().splitlines()
    return re.sub(r"(['\"]).*?\1", r"\1…\1", text[0][:300]) if text else ""


# --- pre-pass and decisions -----------------------------------------------------------------------


def _inspect(input_file: InputFile) -> _Plan:
    path = input_file.path
    outcome = FileOutcome(file_name=path.name, date_source=input_file.date_source)
    plan = _Plan(path, outcome)
    outcome.started_at = _now()
    try:
        stat = path.stat()
        outcome.mtime = datetime.fromtimestamp(stat.st_mtime, timezone.utc).replace(tzinfo=None)
        # The header first: with the layout known, the pre-pass also counts its delimiter.
        layout, unknown_format = _recognise(read_header_line(path), path.name)
        facts = inspect_file(
            path,
            layout.spec.text.delimiter if layout else None,
            # A format that declares its encoding needs no evidence about the bytes.
            encoding_evidence=layout is None or layout.spec.text.encoding is None,
        )
    except FileNotFoundError:
        outcome.status = MISSING
        outcome.message = "listed for this run but no longer in the landing folder (deleted or renamed after the sensor saw it)"
        return plan
    except OSError as error:
        outcome.status = UNREADABLE
        outcome.message = f"cannot read the file: {error.strerror or error}"
        return plan
    plan.facts = facts
    outcome.size, outcome.sha256 = facts.size, facts.sha256
    outcome.lines_read = facts.physical_lines
    if facts.is_empty:
        outcome.status = EMPTY
        outcome.message = "the file is empty (0 bytes): a voter file starts with a header line"
        return plan
    if layout is None:
        outcome.status = UNKNOWN_FORMAT
        outcome.message = unknown_format
        return plan
    plan.layout = layout
    outcome.file_format = layout.spec.family
    outcome.layout = f"{layout.spec.id} ({layout.variant})"
    outcome.record_kind = layout.spec.record_kind
    outcome.source_id = source_id(layout, path.name)
    outcome.encoding = facts.encoding_for(layout.spec.text.encoding)
    return plan


def _recognise(header_line: str, file_name: str) -> tuple[FileLayout | None, str]:
    """The layout of a file from its first line and name, or None and what was expected instead."""
    try:
        return detect_layout(header_line, file_name), ""
    except UnknownFormatError as error:
        return None, str(error)


def _group_by_source(plans: list[_Plan]) -> tuple[dict[str, _SourceGroup], list[tuple[str, list[_Plan]]]]:
    groups: dict[str, _SourceGroup] = {}
    for plan in plans:
        if plan.layout is None:
            continue
        group = groups.setdefault(plan.outcome.source_id, _SourceGroup(plan.outcome.source_id))
        group.plans.append(plan)
    conflicts = []
    for group in groups.values():
        for kind in (VOTER, VOTE_HISTORY):
            of_kind = [plan for plan in group.plans if plan.outcome.record_kind == kind]
            if len(of_kind) > 1:
                names = ", ".join(plan.path.name for plan in of_kind)
                conflicts.append((f"{len(of_kind)} {kind} files for source {group.source_id} on one date ({names}): keep one", of_kind))
            elif of_kind:
                setattr(group, "voters" if kind == VOTER else "history", of_kind[0])
    return groups, conflicts


def _failure_message(partition_date: date, errors: list[FileOutcome]) -> str:
    lines = [f"partition {partition_date} was not loaded:"]
    lines += [f"  {error.file_name}: {error.status}: {error.message}" for error in errors]
    return "\n".join(lines)


def _decide(connection: duckdb.DuckDBPyConnection, partition_date: date, groups: dict[str, _SourceGroup], options: IngestOptions) -> None:
    """Mark each file to load, or as unchanged / duplicate drop / history without voters."""
    for group in groups.values():
        row = first(
            connection,
            "select voters_file, history_file, voters_file_sha256, history_file_sha256 from raw.snapshots "
            "where source_id = $source and partition_date = $date",
            {"source": group.source_id, "date": partition_date},
        )
        stored = group.stored = _StoredSnapshot(*row) if row else None
        voters, history = group.voters, group.history
        if voters is not None:
            earlier = scalar(
                connection,
                """select max(partition_date) from raw.snapshots
                   where source_id = $source and partition_date < $date and voters_file_sha256 = $sha""",
                {"source": group.source_id, "date": partition_date, "sha": voters.outcome.sha256},
            )
            if not options.force_reload and stored and stored.voters_sha == voters.outcome.sha256:
                _skip(voters, UNCHANGED, "already loaded for this source and date (same sha256): nothing to do")
            elif not options.force_reload and earlier is not None:
                message = f"same content as the {group.source_id} snapshot of {earlier}: a duplicate drop, no new snapshot"
                _skip(voters, DUPLICATE_DROP, message)
                if history is not None:
                    _skip(history, DUPLICATE_DROP, f"comes with {voters.path.name}, {message}")
                continue
            else:
                voters.load = True
        if history is not None:
            if voters is None and stored is None:
                _skip(
                    history,
                    REJECTED,
                    f"vote history without a voters file for {group.source_id} on {partition_date}: "
                    "drop the voters file of the same date with it",
                )
            elif not options.force_reload and stored and stored.history_sha == history.outcome.sha256:
                _skip(history, UNCHANGED, "already loaded for this source and date (same sha256): nothing to do")
            else:
                history.load = True


def _skip(plan: _Plan, status: str, message: str) -> None:
    plan.outcome.status, plan.outcome.message = status, message


# --- loading --------------------------------------------------------------------------------------


def _load_file(connection: duckdb.DuckDBPyConnection, plan: _Plan, partition_date: date, options: IngestOptions) -> None:
    facts, layout, outcome = plan.facts, plan.layout, plan.outcome
    assert facts is not None and layout is not None and outcome.source_id and outcome.encoding
    delete_previous_rows(connection, partition_date, outcome.source_id, layout.spec.record_kind)
    target = Target(partition_date, outcome.source_id, plan.path.name, layout.spec.record_kind)
    staging = f"staging_{next(_staging_names)}"
    with readable_copy(plan.path, facts, outcome.encoding, options.work_dir) as (read_path, read_encoding):
        # The pre-pass counts describe the file itself, not a working copy.
        as_is = read_path == plan.path
        source = FileToStage(
            layout=layout,
            read_path=read_path,
            encoding=read_encoding,
            # Mixed line endings: show the line as it is in the file, carriage returns included.
            bytes_path=plan.path if facts.line_endings == "mixed" else read_path,
            physical_lines=facts.physical_lines if as_is else count_lines(read_path),
            mixed_line_endings=facts.line_endings == "mixed",
            delimiter_bytes=facts.delimiter_bytes if as_is else None,
            quote_bytes=facts.quote_bytes if as_is else None,
        )
        # On an error the transaction is rolled back, and the staging tables with it.
        staged = stage_file(connection, staging, source, target, partition_date)
        outcome.reader = staged.reader
        outcome.lines_read = source.physical_lines
        load_file(connection, FileToLoad(staging, staged, target, layout, source.bytes_path, read_encoding), outcome)
        drop_staging(connection, staging)
    outcome.finished_at = _now()


def _has_snapshot_now(group: _SourceGroup) -> bool:
    """A snapshot exists (or is being made) for the group: something of it is loaded or unchanged."""
    statuses = {plan.outcome.status for plan in group.plans if not plan.load}
    if any(plan.load and plan.outcome.record_kind == VOTER for plan in group.plans):
        return True
    return group.stored is not None and (UNCHANGED in statuses or any(plan.load for plan in group.plans))


def _write_snapshot(
    connection: duckdb.DuckDBPyConnection, group: _SourceGroup, partition_date: date, run_id: str | None, options: IngestOptions
) -> SnapshotOutcome:
    """Recompute the (source, date) snapshot from what the raw tables now hold, and upsert it."""
    params = {"source": group.source_id, "date": partition_date}
    voters_file, history_file, voters_sha, history_sha = group.stored or _StoredSnapshot(None, None, None, None)
    if group.voters is not None:
        voters_file, voters_sha = group.voters.path.name, group.voters.outcome.sha256
    if group.history is not None and group.history.outcome.status != REJECTED:
        history_file, history_sha = group.history.path.name, group.history.outcome.sha256

    per_file = run(
        connection,
        """
        select file_name, record_kind, sum(loaded), sum(quarantined), sum(superseded) from (
            select file_name, 'voter' as record_kind, count(*) as loaded, 0 as quarantined, 0 as superseded
            from raw.voters where source_id = $source and partition_date = $date group by all
            union all
            select file_name, 'vote_history', count(*), 0, 0
            from raw.vote_history where source_id = $source and partition_date = $date group by all
            union all
            select file_name, record_kind, 0, count(*), 0
            from raw.quarantine where source_id = $source and partition_date = $date group by all
            union all
            select file_name, record_kind, 0, 0, count(*)
            from raw.superseded_records where source_id = $source and partition_date = $date group by all
        ) group by all
        """,
        params,
    )
    voters_loaded = sum(int(loaded) for _, kind, loaded, _, _ in per_file if kind == VOTER)
    history_loaded = sum(int(loaded) for _, kind, loaded, _, _ in per_file if kind == VOTE_HISTORY)
    quarantined = sum(int(count) for _, _, _, count, _ in per_file)
    rates = {
        name: 100.0 * int(q) / (int(loaded) + int(q) + int(s))
        for name, _, loaded, q, s in per_file
        if int(loaded) + int(q) + int(s)
    }
    worst_file, worst_rate = max(rates.items(), key=lambda item: item[1], default=(None, 0.0))
    problems = []
    if voters_loaded == 0:
        problems.append(f"no voter records loaded from {voters_file or 'any voters file'}")
    if worst_rate > options.quarantine_threshold_pct:
        problems.append(
            f"{worst_rate:.2f}% of the records of {worst_file} were quarantined "
            f"(threshold {options.quarantine_threshold_pct:g}%)"
        )
    layout_plan = group.voters or group.history
    assert layout_plan is not None and layout_plan.layout is not None
    spec = layout_plan.layout.spec
    # A product with per-election history, dropped without its history file: participation unknown.
    coverage = spec.history_coverage
    history_comes_apart = spec.history is None or spec.history.kind == "history_file"
    if coverage == "per_election" and history_comes_apart and history_file is None:
        coverage = "none"
    snapshot = SnapshotOutcome(
        source_id=group.source_id,
        partition_date=partition_date,
        file_format=spec.family,
        voters_file=voters_file,
        history_file=history_file,
        history_coverage=coverage,
        voters_loaded=voters_loaded,
        history_rows_loaded=history_loaded,
        rows_quarantined=quarantined,
        quarantine_rate_pct=round(worst_rate, 4),
        accepted=not problems,
        message="; ".join(problems),
    )
    run(connection, 
        """
        insert or replace into raw.snapshots by name
        select $source as source_id, $date as partition_date, $file_format as file_format,
            $voters_file as voters_file, $history_file as history_file, $coverage as history_coverage,
            $voters_loaded as voters_loaded, $history_loaded as history_rows_loaded,
            $quarantined as rows_quarantined, $rate as quarantine_rate_pct, $accepted as accepted,
            $run_id as run_id, $loaded_at as loaded_at, $voters_sha as voters_file_sha256,
            $history_sha as history_file_sha256, $message as message
        """,
        {
            **params,
            "file_format": snapshot.file_format,
            "voters_file": voters_file,
            "history_file": history_file,
            "coverage": snapshot.history_coverage,
            "voters_loaded": voters_loaded,
            "history_loaded": history_loaded,
            "quarantined": quarantined,
            "rate": snapshot.quarantine_rate_pct,
            "accepted": snapshot.accepted,
            "run_id": run_id,
            "loaded_at": _now(),
            "voters_sha": voters_sha,
            "history_sha": history_sha,
            "message": snapshot.message or None,
        },
    )
    return snapshot


def _settle_statuses(groups: dict[str, _SourceGroup], snapshots: list[SnapshotOutcome]) -> None:
    """Loaded files are `loaded` when their snapshot is accepted, `rejected` (with why) otherwise."""
    by_source = {snapshot.source_id: snapshot for snapshot in snapshots}
    for group in groups.values():
        snapshot = by_source.get(group.source_id)
        for plan in group.plans:
            if not plan.load:
                continue
            if snapshot is not None and snapshot.accepted:
                plan.outcome.status, plan.outcome.message = LOADED, ""
            else:
                plan.outcome.status = REJECTED
                plan.outcome.message = f"snapshot not accepted: {snapshot.message if snapshot else 'no snapshot'}"


def _reuse_unchanged_counts(connection: duckdb.DuckDBPyConnection, outcome: FileOutcome, partition_date: date) -> None:
    """An unchanged file reports the counts of the run that loaded it."""
    row = first(
        connection,
        """
        select lines_read, header_lines, blank_lines, rows_loaded, rows_quarantined, rows_superseded,
            glued_lines, quarantine_reasons, quality_flags, file_layout
        from raw.ingest_log
        where partition_date = $date and source_id = $source and file_sha256 = $sha and status in ('loaded', 'rejected')
        order by finished_at desc limit 1
        """,
        {"date": partition_date, "source": outcome.source_id, "sha": outcome.sha256},
    )
    if row is None:
        return
    (outcome.lines_read, outcome.header_lines, outcome.blank_lines, outcome.rows_loaded, outcome.rows_quarantined,
     outcome.rows_superseded, outcome.glued_lines) = (int(value or 0) for value in row[:7])
    outcome.quarantine_reasons = json.loads(row[7] or "{}")
    outcome.quality_flags = json.loads(row[8] or "{}")


_LOG_COLUMNS = (
    "run_id", "partition_date", "file_name", "file_size", "file_sha256", "file_mtime", "date_source",
    "file_format", "source_id", "encoding", "status", "message", "lines_read", "header_lines",
    "blank_lines", "rows_loaded", "rows_quarantined", "rows_superseded", "rows_recovered",
    "quarantine_reasons", "started_at", "finished_at", "file_layout", "glued_lines", "quality_flags",
    "quarantine_rate_pct",
)


def _log_row(outcome: PartitionOutcome, file_outcome: FileOutcome) -> tuple:
    counted = file_outcome.counted
    return (
        outcome.run_id,
        outcome.partition_date,
        file_outcome.file_name,
        file_outcome.size,
        file_outcome.sha256,
        file_outcome.mtime,
        file_outcome.date_source,
        file_outcome.file_format,
        file_outcome.source_id,
        file_outcome.encoding,
        file_outcome.status,
        file_outcome.message or None,
        file_outcome.lines_read if file_outcome.size is not None else None,
        file_outcome.header_lines if counted else None,
        file_outcome.blank_lines if counted else None,
        file_outcome.rows_loaded if counted else None,
        file_outcome.rows_quarantined if counted else None,
        file_outcome.rows_superseded if counted else None,
        file_outcome.rows_recovered if counted else None,
        json_counts(file_outcome.quarantine_reasons) if counted else None,
        file_outcome.started_at,
        file_outcome.finished_at or _now(),
        file_outcome.layout,
        file_outcome.glued_lines if counted else None,
        json_counts(file_outcome.quality_flags) if counted else None,
        round(file_outcome.quarantine_rate_pct, 4) if counted else None,
    )


def _insert_log(connection: duckdb.DuckDBPyConnection, outcome: PartitionOutcome, files: list[FileOutcome]) -> None:
    for file_outcome in files:
        if file_outcome.status == UNCHANGED:
            _reuse_unchanged_counts(connection, file_outcome, outcome.partition_date)
    placeholders = ", ".join("?" for _ in _LOG_COLUMNS)
    connection.executemany(
        f"insert into raw.ingest_log ({', '.join(_LOG_COLUMNS)}) values ({placeholders})",
        [_log_row(outcome, file_outcome) for file_outcome in files],
    )


def _write_log_now(connection: duckdb.DuckDBPyConnection, outcome: PartitionOutcome, files: list[FileOutcome]) -> None:
    """Record file-level failures in their own transaction (the partition itself is not written)."""
    run(connection, "begin transaction")
    _insert_log(connection, outcome, files)
    run(connection, "commit")
