"""What an ingest run did, per file, per snapshot and per partition: the summary the Dagster
assets turn into metadata and checks, and the ingest log rows.

Nothing here holds a voter's values: counts, reasons, file facts and (in the check helpers) ids.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

# File statuses (raw.ingest_log.status).
LOADED = "loaded"  # rows written and the snapshot accepted
REJECTED = "rejected"  # rows written, snapshot not accepted (quarantine over threshold, no voters, ...)
UNCHANGED = "unchanged"  # same bytes already loaded for this source and date: nothing to do
DUPLICATE_DROP = "duplicate_drop"  # same bytes already loaded for this source on an earlier date
MISSING = "missing"  # listed for the run but gone from the landing folder
EMPTY = "empty"
UNREADABLE = "unreadable"
UNKNOWN_FORMAT = "unknown_format"
FAILED = "failed"  # the run stopped; nothing of the partition was written
IGNORED = "ignored"  # an archive member that is no voter file, or one its layout says to skip

# Statuses that fail the partition (the file cannot even be identified).
FILE_ERRORS = (EMPTY, UNREADABLE, UNKNOWN_FORMAT, FAILED)


@dataclass
class FileOutcome:
    """One file of a partition run. Counts are records unless named lines."""

    file_name: str
    status: str = ""
    message: str = ""
    size: int | None = None
    sha256: str | None = None
    mtime: datetime | None = None
    date_source: str | None = None
    file_format: str | None = None  # canonical | goodparty | ncsbe
    layout: str | None = None  # e.g. "goodparty (10 columns + 3 empty)"
    record_kind: str | None = None  # voter | vote_history
    source_id: str | None = None
    encoding: str | None = None
    reader: str | None = None
    lines_read: int = 0
    header_lines: int = 0
    blank_lines: int = 0
    glued_lines: int = 0  # lines holding two records, both recovered
    # Lines continuing a record whose quoted value holds a line break (the record counts on its first line).
    continuation_lines: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows_superseded: int = 0
    quarantine_reasons: dict[str, int] = field(default_factory=dict)
    quality_flags: dict[str, int] = field(default_factory=dict)
    superseded_reasons: dict[str, int] = field(default_factory=dict)
    history_rows_derived: int | None = None  # vote-history rows read from this voters file's own columns
    started_at: datetime | None = None
    finished_at: datetime | None = None

    @property
    def counted(self) -> bool:
        """Its lines were counted: by this run, or (unchanged) by the run that loaded the same bytes."""
        return self.status in (LOADED, REJECTED, UNCHANGED) and self.record_kind is not None

    @property
    def records(self) -> int:
        """Records the file held: every line that was not a header, blank or a continuation line, glued
        lines counting twice."""
        return self.rows_loaded + self.rows_quarantined + self.rows_superseded

    @property
    def rows_recovered(self) -> int:
        return 2 * self.glued_lines

    @property
    def quarantine_rate_pct(self) -> float:
        return 100.0 * self.rows_quarantined / self.records if self.records else 0.0

    @property
    def accounted_lines(self) -> int:
        """The reconciliation identity's right-hand side (see `reconciles`)."""
        return (
            self.header_lines
            + self.blank_lines
            + self.rows_loaded
            + self.rows_quarantined
            + self.rows_superseded
            - self.glued_lines
            + self.continuation_lines
        )

    @property
    def reconciles(self) -> bool:
        """lines_read = header + blank + loaded + quarantined + superseded - glued lines + continuation lines.

        Every physical line is a header, a blank line, or holds records; a glued line that was split
        holds two records, so it is subtracted once; a record over several lines (a line break inside a
        quoted value) is counted on its first line, its other lines as continuation lines. Each record is
        loaded, quarantined or superseded, exactly once.
        """
        return self.lines_read == self.accounted_lines


@dataclass
class SnapshotOutcome:
    """One (source, date) snapshot after the run: what dbt will (or will not) use."""

    source_id: str
    partition_date: date
    file_format: str
    voters_file: str | None
    history_file: str | None
    history_coverage: str
    voters_loaded: int
    history_rows_loaded: int
    rows_quarantined: int
    quarantine_rate_pct: float
    accepted: bool
    message: str = ""
    missing_parts: list[str] = field(default_factory=list)  # parts of a multi-part delivery not found


@dataclass
class PartitionOutcome:
    partition_date: date
    run_id: str | None
    quarantine_threshold_pct: float
    files: list[FileOutcome] = field(default_factory=list)
    snapshots: list[SnapshotOutcome] = field(default_factory=list)

    def files_of_kind(self, record_kind: str) -> list[FileOutcome]:
        return [outcome for outcome in self.files if outcome.record_kind == record_kind]

    @property
    def missing_files(self) -> list[FileOutcome]:
        return [outcome for outcome in self.files if outcome.status == MISSING]

    @property
    def rejected_snapshots(self) -> list[SnapshotOutcome]:
        return [snapshot for snapshot in self.snapshots if not snapshot.accepted]
