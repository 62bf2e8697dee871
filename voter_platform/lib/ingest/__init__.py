"""The ingest: landing files -> validated raw partitions, with nothing lost. Pure Python + DuckDB.

Entry point: `ingest_partition(connection, partition_date, files)` (partition.py). Reading order:
prepass.py (bytes) -> formats.py (header -> adapter) -> lines.py / stage.py / records.py (lines ->
typed staging rows) -> schemas.py (pandera rules) -> dedup.py -> load.py (raw rows) -> partition.py
(one transaction per partition) -> results.py (what happened).
"""

from voter_platform.lib.ingest.partition import (
    DEFAULT_QUARANTINE_THRESHOLD_PCT,
    IngestOptions,
    InputFile,
    PartitionFailed,
    ingest_partition,
)
from voter_platform.lib.ingest.results import FileOutcome, PartitionOutcome, SnapshotOutcome

__all__ = [
    "DEFAULT_QUARANTINE_THRESHOLD_PCT",
    "FileOutcome",
    "IngestOptions",
    "InputFile",
    "PartitionFailed",
    "PartitionOutcome",
    "SnapshotOutcome",
    "ingest_partition",
]
