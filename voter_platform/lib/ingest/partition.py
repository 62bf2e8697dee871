"""Ingest one partition (snapshot date): the files of that date become raw rows in one transaction.

    unpack               archives (.zip, .gz) are opened; each member is a file of the run
    for each file        pre-pass (size, sha256, encoding, first line -> layout), or a file-level error
    file-level errors    an empty, unreadable or unrecognised file fails the partition before anything
                         is written: the ingest log says which file and what was expected
    per source           a state's voters file(s) (+ vote history, + election maps) are one snapshot;
                         a multi-part delivery gathers its parts (a missing part is named); files
                         already loaded for this source and date are `unchanged`, ones loaded on an
                         earlier date a `duplicate_drop`: neither is read again
    one transaction      delete what earlier runs loaded for the sources being loaded, stage, validate,
                         deduplicate and insert each file -- the parts of a product together, as one read
                         (together.py), each part keeping its own rows, lines and counts -- derive history
                         carried in voters files, keep one copy of a record found in two parts, recompute
                         the snapshots, write the log -- a run killed half-way leaves the previous state,
                         re-running replaces it

`ingest_partition` returns a `PartitionOutcome` (results.py): counts per file and snapshot, the
reconciliation of every file's lines, and whether each snapshot is accepted for the marts.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import NamedTuple

import duckdb

from voter_platform.layouts.registry import ELECTION_MAP, layouts
from voter_platform.lib.blocked import judged, over_threshold_sentence, worst
from voter_platform.lib.causes import FileStillBeingWritten
from voter_platform.lib.causes import redacted_first_line as _first_line
from voter_platform.lib.ingest.archives import Unpacked, is_archive, unpack
from voter_platform.lib.ingest.duck import first, prime_appends, run, scalar
from voter_platform.lib.ingest.formats import (
    VOTE_HISTORY,
    VOTER,
    FileLayout,
    UnknownFormatError,
    detect_layout,
    source_id,
)
from voter_platform.lib.ingest.history import carries_history, derive_history, history_fields, keep_glued_cells
from voter_platform.lib.ingest.load import (
    FileToLoad,
    delete_previous_rows,
    drop_staging,
    election_codes,
    insert_possible_duplicates,
    json_counts,
    load_election_map,
    load_file,
)
from voter_platform.lib.ingest.parts import (
    IN_ANOTHER_PART,
    describe_missing,
    empty_part_layout,
    missing_parts,
    part_of,
    supersede_across_parts,
)
from voter_platform.lib.ingest.prepass import FileFacts, count_lines, inspect_file, read_header_line, readable_copy
from voter_platform.lib.ingest.results import (
    DUPLICATE_DROP,
    EMPTY,
    FAILED,
    FILE_ERRORS,
    IGNORED,
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
from voter_platform.lib.ingest.together import LineMap, PartToCopy, concatenated, copy_order, reading_key
from voter_platform.lib.warehouse import ensure_raw_tables

DEFAULT_QUARANTINE_THRESHOLD_PCT = 5.0

_staging_names = itertools.count(1)


@dataclass(frozen=True)
class IngestOptions:
    quarantine_threshold_pct: float = DEFAULT_QUARANTINE_THRESHOLD_PCT
    # Read files again even when the same bytes are already loaded (e.g. after a rules change).
    force_reload: bool = False
    # Where working copies (unpacked archives, oddly encoded files) go (default: the system temp folder).
    work_dir: Path | None = None
    # DuckDB's memory for the run; beyond it, it spills to its temp directory.
    memory_limit: str | None = "1536MB"


@dataclass(frozen=True)
class InputFile:
    path: Path
    date_source: str | None = None  # "file name" | "file content" | "modification time" (see lib/landing.py)
    state_hint: str | None = None  # the state its landing subfolder names (landing/FL/...)
    name: str | None = None  # as reported (its path below the landing folder); default: the file name


class PartitionFailed(Exception):
    """The partition could not be loaded; `outcome.files` says which file and why."""

    def __init__(self, message: str, outcome: PartitionOutcome):
        super().__init__(message)
        self.outcome = outcome


@dataclass
class _Plan:
    """One file of the run, as far as it got."""

    path: Path  # where to read it
    outcome: FileOutcome  # outcome.file_name is how it is reported
    state_hint: str | None = None
    facts: FileFacts | None = None
    layout: FileLayout | None = None
    part: str | None = None
    load: bool = False

    @property
    def kind(self) -> str | None:
        return self.outcome.record_kind


class _StoredSnapshot(NamedTuple):
    """The raw.snapshots row an earlier run wrote for the same source and date."""

    voters_file: str | None
    history_file: str | None
    voters_sha: str | None
    history_sha: str | None


@dataclass
class _SourceGroup:
    source_id: str
    plans: list[_Plan] = field(default_factory=list)
    stored: _StoredSnapshot | None = None  # read once, before the run writes anything (_decide)
    missing_parts: list[str] = field(default_factory=list)

    def of_kind(self, kind: str) -> list[_Plan]:
        return sorted((plan for plan in self.plans if plan.kind == kind), key=lambda plan: plan.outcome.file_name)

    @property
    def voters(self) -> list[_Plan]:
        return self.of_kind(VOTER)

    @property
    def history(self) -> list[_Plan]:
        return self.of_kind(VOTE_HISTORY)

    @property
    def maps(self) -> list[_Plan]:
        return self.of_kind(ELECTION_MAP)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


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
    looks = _looks(files)  # size and mtime before reading: a file that changes meanwhile is still being written
    with _unpacked(files, options.work_dir) as readable:
        plans = _recognise_empty_parts(_recognise_headerless_parts(_inspect_all(readable)))
        outcome.files = [plan.outcome for plan in plans]

        groups, conflicts = _group_by_source(plans)
        errors = [plan.outcome for plan in plans if plan.outcome.status in FILE_ERRORS]
        if errors or conflicts:
            for message, conflicting in conflicts:
                for plan in conflicting:
                    plan.outcome.status, plan.outcome.message = FAILED, message
                    errors.append(plan.outcome)
            failure = _failure_message(partition_date, errors)
            # Every file of the drop leaves a row: the companions of a rejected file say why they were not loaded.
            _mark_companions_not_loaded(outcome.files, errors, partition_date)
            _write_log_now(connection, outcome, outcome.files)
            raise PartitionFailed(failure, outcome)

        _decide(connection, partition_date, groups, options)
        run(connection, "begin transaction")
        try:
            _prime_appends(connection)
            for group in groups.values():
                _load_group(connection, group, partition_date, options)
            outcome.snapshots = [
                _write_snapshot(connection, group, partition_date, run_id, options)
                for group in groups.values()
                if _has_snapshot_now(group)
            ]
            _settle_statuses(groups, outcome.snapshots)
            _insert_log(connection, outcome, outcome.files)
            if before_commit is not None:
                before_commit()
            _raise_if_changed(files, looks)
            run(connection, "commit")
        except BaseException as error:
            # When the rollback fails the connection is gone with the transaction: nothing was written either way.
            with suppress(duckdb.Error):
                run(connection, "rollback")
            for file_outcome in outcome.files:
                if file_outcome.status not in (MISSING, IGNORED):
                    file_outcome.status = FAILED
                    file_outcome.message = (
                        "the run stopped before the partition was written: "
                        f"{type(error).__name__}: {_first_line(error)}"
                    )
            if isinstance(error, Exception):
                # The original error says more than a failure to log it.
                with suppress(duckdb.Error):
                    _write_log_now(connection, outcome, outcome.files)
            raise
    return outcome


def _looks(files: Sequence[InputFile]) -> dict[Path, tuple[int, int] | None]:
    looks: dict[Path, tuple[int, int] | None] = {}
    for item in files:
        try:
            stat = item.path.stat()
            looks[item.path] = (stat.st_size, stat.st_mtime_ns)
        except OSError:
            looks[item.path] = None  # reported as missing or unreadable by the pre-pass
    return looks


def _raise_if_changed(files: Sequence[InputFile], looks: dict[Path, tuple[int, int] | None]) -> None:
    """FileStillBeingWritten when a file's size or mtime moved while it was read: nothing is committed, and the
    step retries it (a transient fault, defs/retries.py) once its writer has finished."""
    for item in files:
        before = looks.get(item.path)
        if before is None:
            continue
        try:
            stat = item.path.stat()
            now = (stat.st_size, stat.st_mtime_ns)
        except OSError:
            now = None
        if now != before:
            size = f"{before[0]:,} → {now[0]:,} bytes" if now else "removed"
            raise FileStillBeingWritten(
                f"{item.name or item.path.name} changed while it was read ({size}): it is still being written. "
                "Nothing of the date was written; the load is tried again."
            )


def _configure(connection: duckdb.DuckDBPyConnection, options: IngestOptions) -> None:
    # Line numbers come from row order: DuckDB must keep the file's order (its default, made explicit).
    run(connection, "set preserve_insertion_order = true")
    # Strings reach polars (validation) as Arrow string views: no copy for short values.
    run(connection, "set produce_arrow_string_view = true")
    if options.memory_limit:
        run(connection, f"set memory_limit = '{options.memory_limit}'")


# The small tables a run appends to more than once in its transaction, whose first append is often
# empty (a clean file's quarantine): primed at the start (duck.prime_appends). raw.voters and
# raw.vote_history are primed only when a read leaves them empty (load.py), as priming costs their commit.
_APPENDED_TABLES = ("raw.quarantine", "raw.superseded_records", "raw.possible_duplicates")


def _prime_appends(connection: duckdb.DuckDBPyConnection) -> None:
    for table in _APPENDED_TABLES:
        prime_appends(connection, table)


# --- unpacking and the pre-pass -------------------------------------------------------------------


@dataclass(frozen=True)
class _Readable:
    """A file of the run as it will be read: the input itself, or a member of an archive input."""

    input: InputFile
    path: Path
    name: str
    ignored_because: str | None = None
    unreadable_because: str | None = None


@contextmanager
def _unpacked(files: Sequence[InputFile], work_dir: Path | None) -> Iterator[list[_Readable]]:
    """The run's readable files, archives unpacked into a folder removed when the run ends."""
    ignore = [spec.ignore_members for spec in layouts().values() if spec.ignore_members]
    with ExitStack() as stack:
        readable: list[_Readable] = []
        folder: Path | None = None
        for number, item in enumerate(files):
            name = item.name or item.path.name
            if not (is_archive(item.path) and item.path.exists()):
                readable.append(_Readable(item, item.path, name))
                continue
            if folder is None:
                folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="unpacked-", dir=work_dir)))
            try:
                members: list[Unpacked] = list(unpack(item.path, name, folder / str(number), ignore))
            except OSError as error:
                readable.append(_Readable(item, item.path, name, unreadable_because=str(error)))
                continue
            readable += [_Readable(item, member.path, member.name, member.ignored_because) for member in members]
        yield readable


def _inspect_all(readable: list[_Readable]) -> list[_Plan]:
    """Every file's pre-pass, in the files' order. Files are read side by side, one per core: hashing and
    counting a file's bytes (hashlib, numpy) run outside the GIL, and a state's 254 county files of
    voters and 254 of history (3.5 GB for a 1M-voter Texas roll) took 8 s one after another."""
    if len(readable) < 2:
        return [_inspect(item) for item in readable]
    with ThreadPoolExecutor(max_workers=min(len(readable), os.cpu_count() or 1)) as pool:
        return list(pool.map(_inspect, readable))


def _inspect(item: _Readable) -> _Plan:
    path = item.path
    outcome = FileOutcome(file_name=item.name, date_source=item.input.date_source)
    plan = _Plan(path, outcome, item.input.state_hint)
    outcome.started_at = _now()
    if item.ignored_because:
        outcome.status, outcome.message = IGNORED, f"not read: {item.ignored_because}"
        return plan
    try:
        stat = item.input.path.stat()
        outcome.mtime = datetime.fromtimestamp(stat.st_mtime, UTC).replace(tzinfo=None)
        if item.unreadable_because:
            raise OSError(item.unreadable_because)
        # The first line first: with the layout known, the pre-pass also counts its delimiter.
        layout, unknown_format = _recognise(read_header_line(path), path.name, item.input.state_hint)
        facts = inspect_file(
            path,
            layout.spec.text.delimiter if layout else None,
            # A format that declares its encoding needs no evidence about the bytes.
            encoding_evidence=layout is None or layout.spec.text.encoding is None,
        )
    except FileNotFoundError:
        outcome.status = MISSING
        outcome.message = (
            "listed for this run but no longer in the landing folder (deleted or renamed after the sensor saw it)"
        )
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
        # A member of an archive that is no voter file (a readme, a count file) is listed, not fatal.
        in_archive = item.name != (item.input.name or item.input.path.name)
        outcome.status = IGNORED if in_archive else UNKNOWN_FORMAT
        outcome.message = f"not read: it matches no layout ({unknown_format})" if in_archive else unknown_format
        return plan
    _adopt(plan, layout)
    return plan


def _adopt(plan: _Plan, layout: FileLayout) -> None:
    outcome = plan.outcome
    plan.layout = layout
    plan.part = part_of(layout, plan.path.name)
    outcome.file_format = layout.spec.family
    outcome.layout = f"{layout.spec.id} ({layout.variant})"
    outcome.record_kind = layout.spec.record_kind
    outcome.source_id = source_id(layout, plan.path.name)
    assert plan.facts is not None
    outcome.encoding = plan.facts.encoding_for(layout.spec.text.encoding)
    outcome.status = ""
    outcome.message = ""


def _recognise(header_line: str, file_name: str, state_hint: str | None) -> tuple[FileLayout | None, str]:
    """The layout of a file from its first line and name, or None and what was expected instead."""
    try:
        return detect_layout(header_line, file_name, state_hint), ""
    except UnknownFormatError as error:
        return None, str(error)


def _recognise_headerless_parts(plans: list[_Plan]) -> list[_Plan]:
    """Later parts of a product whose header is only in its first part (IA) take that part's layout."""
    first_parts = {
        plan.layout.spec.id: plan.layout
        for plan in plans
        if plan.layout is not None
        and plan.layout.spec.parts is not None
        and plan.layout.spec.parts.header_in_first_only
    }
    for plan in plans:
        if plan.outcome.status not in (UNKNOWN_FORMAT, IGNORED) or plan.facts is None:
            continue
        for layout in first_parts.values():
            parts = layout.spec.parts
            assert parts is not None
            if re.search(parts.file_name, plan.path.name, re.IGNORECASE):
                headerless = FileLayout(
                    layout.spec,
                    layout.header_fields,
                    layout.positions,
                    layout.named_count,
                    f"{layout.variant}, header of the first part",
                    layout.file_state,
                    has_header_line=False,
                )
                _adopt(plan, headerless)
                break
    return plans


def _recognise_empty_parts(plans: list[_Plan]) -> list[_Plan]:
    """An empty file (no byte) that is a part of a delivery of the run is that part, with no line to
    read (parts.empty_part_layout); any other empty file stays a file-level error."""
    recognised = [plan.layout for plan in plans if plan.layout is not None and plan.layout.spec.parts is not None]
    for plan in plans:
        if plan.outcome.status != EMPTY:
            continue
        layout = empty_part_layout(plan.path.name, recognised, plan.state_hint)
        if layout is not None:
            _adopt(plan, layout)
    return plans


def _group_by_source(plans: list[_Plan]) -> tuple[dict[str, _SourceGroup], list[tuple[str, list[_Plan]]]]:
    """Files by the snapshot they belong to; more than one voters (or history) file for a source is
    a conflict unless the layout is delivered in parts (and each is a different part)."""
    groups: dict[str, _SourceGroup] = {}
    for plan in plans:
        if plan.layout is None or plan.outcome.status in (IGNORED,):
            continue
        group = groups.setdefault(plan.outcome.source_id, _SourceGroup(plan.outcome.source_id))
        group.plans.append(plan)
    conflicts = []
    for group in groups.values():
        for kind in (VOTER, VOTE_HISTORY):
            of_kind = group.of_kind(kind)
            in_parts = all(plan.part is not None for plan in of_kind)
            parts = [plan.part for plan in of_kind]
            if len(of_kind) > 1 and not (in_parts and len(set(parts)) == len(parts)):
                names = ", ".join(plan.outcome.file_name for plan in of_kind)
                conflicts.append(
                    (
                        f"{len(of_kind)} {kind} files for source {group.source_id} on one date ({names}): keep one",
                        of_kind,
                    )
                )
        voters = group.voters
        if voters and voters[0].part is not None:
            group.missing_parts = missing_parts(voters[0].layout, [plan.part for plan in voters])
    return groups, conflicts


def _mark_companions_not_loaded(files: list[FileOutcome], errors: list[FileOutcome], partition_date: date) -> None:
    """The files of a date whose other file was rejected: not read into the raw tables (a date is loaded as a
    whole), each told why. Files with a status of their own (missing, ignored) keep it."""
    rejected = ", ".join(f"{error.file_name} ({error.status})" for error in errors[:3]) + (
        f" and {len(errors) - 3} more" if len(errors) > 3 else ""
    )
    for file in files:
        if file.status:
            continue
        file.status = FAILED
        file.message = (
            f"not loaded: {rejected} of the same date {partition_date} was rejected, and a date is loaded as a whole; "
            "nothing of the date was written. Drop the fixed file and this one is loaded with it."
        )
        file.finished_at = _now()


def _failure_message(partition_date: date, errors: list[FileOutcome]) -> str:
    lines = [f"partition {partition_date} was not loaded:"]
    lines += [f"  {error.file_name}: {error.status}: {error.message}" for error in errors]
    return "\n".join(lines)


def _identity(plans: list[_Plan]) -> tuple[str | None, str | None]:
    """(name, sha256) of one side of a snapshot: the file's own, or for several parts (and election
    maps) a listing and a hash over every part's hash."""
    if not plans:
        return None, None
    if len(plans) == 1:
        return plans[0].outcome.file_name, plans[0].outcome.sha256
    combined = hashlib.sha256("".join(f"{plan.outcome.file_name}:{plan.outcome.sha256}\n" for plan in plans).encode())
    return f"{plans[0].outcome.file_name} and {len(plans) - 1} more files", combined.hexdigest()


def _decide(
    connection: duckdb.DuckDBPyConnection, partition_date: date, groups: dict[str, _SourceGroup], options: IngestOptions
) -> None:
    """Mark each file to load, or as unchanged / duplicate drop / history without voters."""
    for group in groups.values():
        row = first(
            connection,
            "select voters_file, history_file, voters_file_sha256, history_file_sha256 from raw.snapshots "
            "where source_id = $source and partition_date = $date",
            {"source": group.source_id, "date": partition_date},
        )
        stored = group.stored = _StoredSnapshot(*row) if row else None
        # Election maps decode the voters files' history: they belong to the voters side.
        voters, history = group.voters + group.maps, group.history
        _, voters_sha = _identity(voters)
        _, history_sha = _identity(history)
        if group.voters:
            earlier = scalar(
                connection,
                """select max(partition_date) from raw.snapshots
                   where source_id = $source and partition_date < $date and voters_file_sha256 = $sha""",
                {"source": group.source_id, "date": partition_date, "sha": voters_sha},
            )
            if not options.force_reload and stored and stored.voters_sha == voters_sha:
                _skip(voters, UNCHANGED, "already loaded for this source and date (same sha256): nothing to do")
            elif not options.force_reload and earlier is not None:
                message = (
                    f"same content as the {group.source_id} snapshot of {earlier}: a duplicate drop, no new snapshot"
                )
                _skip(voters, DUPLICATE_DROP, message)
                _skip(history, DUPLICATE_DROP, f"comes with {group.voters[0].outcome.file_name}, {message}")
                continue
            else:
                for plan in voters:
                    plan.load = True
        elif group.maps:
            _skip(
                group.maps,
                REJECTED,
                f"an election map without the voters file it decodes for {group.source_id} on {partition_date}",
            )
        if history:
            if not group.voters and stored is None:
                _skip(
                    history,
                    REJECTED,
                    f"vote history without a voters file for {group.source_id} on {partition_date}: "
                    "drop the voters file of the same date with it",
                )
            elif not options.force_reload and stored and stored.history_sha == history_sha:
                _skip(history, UNCHANGED, "already loaded for this source and date (same sha256): nothing to do")
            else:
                for plan in history:
                    plan.load = True


def _skip(plans: list[_Plan], status: str, message: str) -> None:
    for plan in plans:
        plan.outcome.status, plan.outcome.message = status, message


# --- loading --------------------------------------------------------------------------------------


def _load_group(
    connection: duckdb.DuckDBPyConnection, group: _SourceGroup, partition_date: date, options: IngestOptions
) -> None:
    """Load a snapshot's files that changed: voters (their parts, their own history), then history.

    The parts of a product are read together where they can be (together.py): one read, one
    decision, per-file counts."""
    voters = _to_read(group.voters)
    history = _to_read(group.history)
    election_map = None
    if voters:
        delete_previous_rows(connection, partition_date, group.source_id, VOTER)
        carried = any(plan.layout is not None and carries_history(plan.layout) for plan in voters)
        if carried:
            delete_previous_rows(connection, partition_date, group.source_id, VOTE_HISTORY)
        with ExitStack() as reads_open:
            # Kept open until their history is derived: the same copy is read again for it.
            reads = [reads_open.enter_context(_read(batch, options)) for batch in _batches(voters)]
            for voters_read in reads:
                _load_read(connection, voters_read, partition_date)
            _supersede_across_parts(connection, group, partition_date, VOTER)
            election_map = _load_election_maps(connection, group, partition_date, options) if group.maps else None
            for voters_read in reads:
                if carries_history(voters_read.source.layout):
                    _derive_history(connection, voters_read, partition_date, election_map)
        insert_possible_duplicates(connection, partition_date, group.source_id)
    if history:
        delete_previous_rows(connection, partition_date, group.source_id, VOTE_HISTORY)
        coded = [plan for plan in history if plan.layout is not None and plan.layout.spec.dated_by_election_code]
        if coded:
            # History files that name elections by code are dated by the delivery's election-code lookup.
            if election_map is None and group.maps:
                election_map = _load_election_maps(connection, group, partition_date, options)
            codes = election_codes(connection, election_map) if election_map else None
            for plan in coded:
                assert plan.layout is not None
                plan.layout = replace(plan.layout, election_codes=codes)
        for batch in _batches(history):
            with _read(batch, options) as history_read:
                _load_read(connection, history_read, partition_date)
        _supersede_across_parts(connection, group, partition_date, VOTE_HISTORY)


def _to_read(plans: list[_Plan]) -> list[_Plan]:
    """The plans to load that have lines to read; an empty part (no byte) is loaded with none."""
    loaded = [plan for plan in plans if plan.load]
    finished = _now()
    for plan in filter(_has_no_byte, loaded):
        plan.outcome.finished_at = finished
        if plan.layout is not None and carries_history(plan.layout):
            plan.outcome.history_rows_derived = 0
    return [plan for plan in loaded if not _has_no_byte(plan)]


def _has_no_byte(plan: _Plan) -> bool:
    return plan.facts is not None and plan.facts.is_empty


@dataclass
class _Read:
    """What DuckDB reads in one go: one file, or the parts of a product put together."""

    plans: list[_Plan]  # in the order of lines.parts
    source: FileToStage
    lines: LineMap
    # The records as read, numbered (a temp view or table), kept for the history they carry.
    kept_records: str | None = None
    # The history cells of the records recovered from glued lines (history.keep_glued_cells).
    glued_cells: str | None = None

    @property
    def outcomes(self) -> list[FileOutcome]:
        return [plan.outcome for plan in self.plans]

    def target(self, partition_date: date, record_kind: str) -> Target:
        source_id = self.plans[0].outcome.source_id
        assert source_id
        return Target(partition_date, source_id, self.lines.read_as, record_kind)


def _batches(plans: list[_Plan]) -> list[list[_Plan]]:
    """The plans in reads: parts that can be put together in one, each other file on its own."""
    batches: dict[object, list[_Plan]] = {}
    for number, plan in enumerate(plans):
        assert plan.layout is not None and plan.facts is not None and plan.outcome.encoding
        key = reading_key(plan.layout, plan.facts, plan.outcome.encoding)
        batches.setdefault(key if key is not None else ("alone", number), []).append(plan)
    return list(batches.values())


@contextmanager
def _read(plans: list[_Plan], options: IngestOptions) -> Iterator[_Read]:
    """The plans as DuckDB reads them: a file (a working copy for UTF-16 or mixed line endings), or
    the concatenation of parts."""
    if len(plans) == 1:
        with _readable(plans[0], options) as (source, _):
            yield _Read(plans, source, LineMap.whole_file(plans[0].outcome.file_name, source.physical_lines))
        return
    ordered = copy_order(plans, lambda plan: plan.layout.header_lines)
    parts = [PartToCopy(plan.outcome.file_name, plan.path, plan.facts, plan.layout.header_lines) for plan in ordered]
    layout = ordered[0].layout
    assert layout is not None
    with concatenated(
        parts, None if layout.spec.is_fixed_width else layout.spec.text.delimiter, options.work_dir
    ) as copy:
        source = FileToStage(
            layout=layout,
            read_path=copy.path,
            encoding=ordered[0].outcome.encoding or "utf-8",
            bytes_path=copy.path,
            physical_lines=copy.physical_lines,
            delimiter_bytes=copy.delimiter_bytes,
            quote_bytes=copy.quote_bytes,
            part_starts=tuple(part.first_line for part in copy.lines.parts[1:] if part.lines),
        )
        yield _Read(ordered, source, copy.lines)


@contextmanager
def _readable(plan: _Plan, options: IngestOptions) -> Iterator[tuple[FileToStage, str]]:
    """The file as DuckDB reads it (a working copy for UTF-16 or mixed line endings)."""
    facts, layout, outcome = plan.facts, plan.layout, plan.outcome
    assert facts is not None and layout is not None and outcome.encoding
    with readable_copy(plan.path, facts, outcome.encoding, options.work_dir) as (read_path, read_encoding):
        # The pre-pass counts describe the file itself, not a working copy.
        as_is = read_path == plan.path
        yield (
            FileToStage(
                layout=layout,
                read_path=read_path,
                encoding=read_encoding,
                # Mixed line endings: show the line as it is in the file, carriage returns included.
                bytes_path=plan.path if facts.line_endings == "mixed" else read_path,
                physical_lines=facts.physical_lines if as_is else count_lines(read_path),
                stray_carriage_returns=facts.stray_carriage_returns,
                delimiter_bytes=facts.delimiter_bytes if as_is else None,
                quote_bytes=facts.quote_bytes if as_is else None,
            ),
            read_encoding,
        )


def _load_read(connection: duckdb.DuckDBPyConnection, read: _Read, partition_date: date) -> None:
    source = read.source
    target = read.target(partition_date, source.layout.spec.record_kind)
    staging = f"staging_{next(_staging_names)}"
    if carries_history(source.layout):
        source = replace(source, keep_records_as=f"{staging}_records", keep_fields=tuple(history_fields(source.layout)))
    # On an error the transaction is rolled back, and the staging tables with it.
    staged = stage_file(connection, staging, source, target, partition_date)
    for outcome, part in zip(read.outcomes, read.lines.parts, strict=True):
        outcome.reader = staged.reader
        outcome.lines_read = part.own_lines
    load_file(
        connection,
        FileToLoad(staging, staged, target, source.layout, source.bytes_path, source.encoding, read.lines),
        read.outcomes,
    )
    if carries_history(source.layout):
        read.glued_cells = keep_glued_cells(connection, staging, source.layout, f"{staging}_glued_cells")
    drop_staging(connection, staging)
    read.kept_records = staged.kept_records
    finished = _now()
    for outcome in read.outcomes:
        outcome.finished_at = finished


def _derive_history(
    connection: duckdb.DuckDBPyConnection, read: _Read, partition_date: date, election_map: str | None
) -> None:
    source = read.source
    derived = derive_history(
        connection,
        source.layout,
        source.read_path,
        source.encoding,
        source.physical_lines,
        read.target(partition_date, VOTER),
        f"history_{next(_staging_names)}",
        election_map,
        read.lines,
        read.kept_records,
        read.glued_cells,
    )
    read.kept_records = read.glued_cells = None  # derive_history has dropped them
    finished = _now()
    for outcome, of_file in zip(read.outcomes, derived, strict=True):
        outcome.history_rows_derived = of_file.rows
        outcome.quality_flags = {
            **outcome.quality_flags,
            **{f"history:{flag}": count for flag, count in of_file.flags.items()},
        }
        outcome.finished_at = finished


def _load_election_maps(
    connection: duckdb.DuckDBPyConnection, group: _SourceGroup, partition_date: date, options: IngestOptions
) -> str:
    """The group's election maps in one temp table, (county, slot) or election code -> election; each
    map file is logged."""
    table = f"election_map_{next(_staging_names)}"
    # The maps are read again whenever their voters or history are: their quarantined lines replace the last run's.
    delete_previous_rows(connection, partition_date, group.source_id, ELECTION_MAP)
    for batch in _batches(group.maps):
        with _read(batch, options) as map_read:
            load_election_map(
                connection,
                table,
                map_read.source,
                map_read.lines,
                map_read.outcomes,
                map_read.target(partition_date, ELECTION_MAP),
            )
        finished = _now()
        for outcome in map_read.outcomes:
            outcome.finished_at = finished
    return table


def _supersede_across_parts(
    connection: duckdb.DuckDBPyConnection, group: _SourceGroup, partition_date: date, kind: str
) -> None:
    """Keep one copy of a record two parts both hold; count the other as superseded in its file."""
    plans = group.of_kind(kind)
    if len(plans) < 2:
        return
    by_name = {plan.outcome.file_name: plan.outcome for plan in plans}
    for duplicate in supersede_across_parts(connection, partition_date, group.source_id, kind):
        outcome = by_name[duplicate.file_name]
        outcome.rows_loaded -= 1
        outcome.rows_superseded += 1
        outcome.superseded_reasons[IN_ANOTHER_PART] = outcome.superseded_reasons.get(IN_ANOTHER_PART, 0) + 1


def _has_snapshot_now(group: _SourceGroup) -> bool:
    """A snapshot exists (or is being made) for the group: something of it is loaded or unchanged."""
    statuses = {plan.outcome.status for plan in group.plans if not plan.load}
    if any(plan.load for plan in group.voters):
        return True
    return group.stored is not None and (UNCHANGED in statuses or any(plan.load for plan in group.plans))


def _write_snapshot(
    connection: duckdb.DuckDBPyConnection,
    group: _SourceGroup,
    partition_date: date,
    run_id: str | None,
    options: IngestOptions,
) -> SnapshotOutcome:
    """Recompute the (source, date) snapshot from what the raw tables now hold, and upsert it."""
    params = {"source": group.source_id, "date": partition_date}
    voters_file, history_file, voters_sha, history_sha = group.stored or _StoredSnapshot(None, None, None, None)
    if group.voters:
        voters_file, _ = _identity(group.voters)
        _, voters_sha = _identity(group.voters + group.maps)
    history = [plan for plan in group.history if plan.outcome.status != REJECTED]
    if history:
        history_file, history_sha = _identity(history)

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
    # Election maps are kept for the run, not in the raw tables: their counts come from their outcome.
    maps = [plan.outcome for plan in group.maps if plan.load]
    per_file = [row for row in per_file if row[1] != ELECTION_MAP] + [
        (map_file.file_name, ELECTION_MAP, map_file.rows_loaded, map_file.rows_quarantined, 0) for map_file in maps
    ]
    # The threshold applies to a file, or to the parts of a delivery together (lib/blocked.judged).
    worst_unit = worst(
        judged((name, kind, int(loaded) + int(q) + int(s), int(q), {}) for name, kind, loaded, q, s in per_file)
    )
    worst_rate = worst_unit.rate_pct if worst_unit is not None else 0.0
    problems = []
    if voters_loaded == 0:
        voter_records = sum(int(q) + int(sup) for _, kind, _, q, sup in per_file if kind == VOTER)
        problems.append(
            f"no voter records: {voters_file} has a header line and no record"
            if voters_file and voter_records == 0
            else f"no voter records loaded from {voters_file or 'any voters file'}"
        )
    if worst_unit is not None and worst_rate > options.quarantine_threshold_pct:
        problems.append(over_threshold_sentence(worst_unit, options.quarantine_threshold_pct))
    layout_plan = (group.voters or group.history)[0]
    assert layout_plan.layout is not None
    spec = layout_plan.layout.spec
    # A product with per-election history, dropped without its history file: participation unknown.
    coverage = spec.history_coverage
    history_comes_apart = spec.history is None or spec.history.kind == "history_file"
    if coverage == "per_election" and history_comes_apart and history_file is None:
        coverage = "none"
    notes = [describe_missing(group.missing_parts)] if group.missing_parts else []
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
        message="; ".join(problems + notes),
        missing_parts=list(group.missing_parts),
    )
    run(
        connection,
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
            glued_lines, continuation_lines, quarantine_reasons, quality_flags, file_layout
        from raw.ingest_log
        where partition_date = $date and source_id = $source and file_sha256 = $sha and status in ('loaded', 'rejected')
        order by finished_at desc limit 1
        """,
        {"date": partition_date, "source": outcome.source_id, "sha": outcome.sha256},
    )
    if row is None:
        return
    (
        outcome.lines_read,
        outcome.header_lines,
        outcome.blank_lines,
        outcome.rows_loaded,
        outcome.rows_quarantined,
        outcome.rows_superseded,
        outcome.glued_lines,
        outcome.continuation_lines,
    ) = (int(value or 0) for value in row[:8])
    outcome.quarantine_reasons = json.loads(row[8] or "{}")
    outcome.quality_flags = json.loads(row[9] or "{}")


_LOG_COLUMNS = (
    "run_id",
    "partition_date",
    "file_name",
    "file_size",
    "file_sha256",
    "file_mtime",
    "date_source",
    "file_format",
    "source_id",
    "encoding",
    "status",
    "message",
    "lines_read",
    "header_lines",
    "blank_lines",
    "rows_loaded",
    "rows_quarantined",
    "rows_superseded",
    "rows_recovered",
    "quarantine_reasons",
    "started_at",
    "finished_at",
    "file_layout",
    "glued_lines",
    "quality_flags",
    "quarantine_rate_pct",
    "history_rows_derived",
    "continuation_lines",
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
        file_outcome.history_rows_derived,
        file_outcome.continuation_lines if counted else None,
    )


def _insert_log(connection: duckdb.DuckDBPyConnection, outcome: PartitionOutcome, files: list[FileOutcome]) -> None:
    for file_outcome in files:
        if file_outcome.status == UNCHANGED:
            _reuse_unchanged_counts(connection, file_outcome, outcome.partition_date)
    if not files:
        return
    # One statement for every file (executemany runs one per row: a second for 500 county files).
    row = "(" + ", ".join("?" for _ in _LOG_COLUMNS) + ")"
    run(
        connection,
        f"insert into raw.ingest_log ({', '.join(_LOG_COLUMNS)}) values {', '.join(row for _ in files)}",
        [value for file_outcome in files for value in _log_row(outcome, file_outcome)],
    )


def _write_log_now(connection: duckdb.DuckDBPyConnection, outcome: PartitionOutcome, files: list[FileOutcome]) -> None:
    """Record file-level failures in their own transaction (the partition itself is not written)."""
    run(connection, "begin transaction")
    _insert_log(connection, outcome, files)
    run(connection, "commit")
