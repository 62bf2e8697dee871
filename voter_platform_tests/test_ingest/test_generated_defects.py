"""Every defect the generator can inject ends where the shared contract says, on generated files.

The generator (voter_platform.generate) writes small files of each format with their defects and a
manifest per file, the truth about which line carries which defect; the ingest loads them; and
manifest_check.py compares each manifest row with where its line ended (loaded, flagged, recovered,
superseded, or quarantined with a fitting reason), and checks that every line the manifest does not
list was loaded exactly once.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pytest

from voter_platform.generate import formats as generated_formats
from voter_platform.generate.config import DEFECT_KINDS, DefectRates, GenerateConfig
from voter_platform.generate.run import generate
from voter_platform.lib.ingest import IngestOptions, InputFile, PartitionOutcome, ingest_partition
from voter_platform_tests.test_ingest.defect_files import read_manifest
from voter_platform_tests.test_ingest.manifest_check import manifest_problems

SNAPSHOT = date(2026, 11, 4)
FORMATS = ("canonical", "goodparty", "ncsbe")
# Every kind at 1% of lines: a few dozen of each per file. Small chunks, so that defects (and the
# line numbers of the manifest) run across chunk boundaries.
EVERY_KIND = ",".join(f"{kind}=0.01" for kind in DEFECT_KINDS)
CHUNK_SIZE = 400
# The generator's layout of each file, by name: which defects it can carry.
LAYOUTS = {
    "voters_": generated_formats.CANONICAL_VOTERS,
    "vote_history_": generated_formats.CANONICAL_HISTORY,
    "goodparty_voters_": generated_formats.GOODPARTY_VOTERS,
    "ncvoter_": generated_formats.NCVOTER,
    "ncvhis_": generated_formats.NCVHIS,
}
ENCODINGS = {"canonical": "utf-8", "goodparty": "utf-8", "ncsbe": "latin-1"}


@dataclass
class Ingested:
    format: str
    files: list[Path]
    outcome: PartitionOutcome
    connection: duckdb.DuckDBPyConnection


def generate_and_ingest(folder: Path, file_format: str, defects: str, voters: int = 1_500, **options) -> Ingested:
    result = generate(
        GenerateConfig(
            voters=voters,
            start=SNAPSHOT,
            days=1,
            format=file_format,
            out=folder / "landing",
            seed=3,
            states=("NC", "WY") if file_format == "canonical" else None,
            defects=DefectRates.parse(defects),
            chunk_size=CHUNK_SIZE,
        )
    )
    files = [written.path for written in result.files]
    connection = duckdb.connect(str(folder / "warehouse.duckdb"))
    outcome = ingest_partition(
        connection, SNAPSHOT, [InputFile(path) for path in files], run_id="generated", options=IngestOptions(**options)
    )
    return Ingested(file_format, files, outcome, connection)


@pytest.fixture(scope="module", params=FORMATS)
def every_kind(request, tmp_path_factory):
    # The threshold is lifted: at 1% per kind far more than 5% of the lines are defective, and
    # where each line ends does not depend on whether the snapshot is accepted.
    ingested = generate_and_ingest(
        tmp_path_factory.mktemp(request.param), request.param, EVERY_KIND, quarantine_threshold_pct=100.0
    )
    yield ingested
    ingested.connection.close()


def _prefix(path: Path) -> str:
    return next(prefix for prefix in LAYOUTS if path.name.startswith(prefix))


def _layout(path: Path) -> generated_formats.Layout:
    return LAYOUTS[_prefix(path)]


def test_the_manifests_list_every_defect_each_layout_can_carry(every_kind):
    kinds_by_prefix: dict[str, Counter] = {}
    for path in every_kind.files:
        prefix = _prefix(path)
        kinds = Counter(row.defect for row in read_manifest(path))
        assert set(kinds) <= set(LAYOUTS[prefix].defect_kinds), path.name
        kinds_by_prefix.setdefault(prefix, Counter()).update(kinds)
    # A small state's files may miss a kind; each layout's files together carry all of them.
    for prefix, kinds in kinds_by_prefix.items():
        assert set(kinds) == set(LAYOUTS[prefix].defect_kinds), prefix
        assert min(kinds.values()) >= 5, (prefix, kinds)


def test_every_manifest_line_ends_where_the_contract_says(every_kind):
    for path in every_kind.files:
        assert manifest_problems(every_kind.connection, path) == [], path.name


def test_every_line_is_accounted_for_and_read_with_the_files_encoding(every_kind):
    for file in every_kind.outcome.files:
        assert file.reconciles, file.file_name
        assert file.encoding == ENCODINGS[every_kind.format], file.file_name
        # The defective lines take the careful path; the rest of the file still goes the fast way.
        assert file.reader == "duckdb read_csv", file.file_name


def test_lines_written_in_latin1_inside_utf8_files_are_quarantined_with_their_bytes(every_kind):
    for path in every_kind.files:
        quarantined = dict(
            every_kind.connection.execute(
                "select line_number, raw_line from raw.quarantine "
                "where file_name = ? and list_contains(reasons, 'invalid_encoding')",
                [path.name],
            ).fetchall()
        )
        wrong = {row.line_number for row in read_manifest(path) if row.defect == "non_utf8"}
        # Also for files that cannot carry the defect (vote history, NC's latin-1 files): none there.
        assert set(quarantined) == wrong, path.name
        if "non_utf8" in _layout(path).defect_kinds:
            assert wrong, path.name
            # The byte that is not UTF-8 stays visible as an escape (\xe9 for é, ...).
            assert all("\\x" in text for text in quarantined.values()), path.name


@pytest.mark.parametrize("file_format", FORMATS)
def test_the_heavy_profile_loads_under_the_default_quarantine_threshold(tmp_path, file_format):
    """The generator's `heavy` profile is meant to stay just under the ingest's 5% threshold."""
    ingested = generate_and_ingest(tmp_path, file_format, "heavy")
    try:
        for path in ingested.files:
            assert manifest_problems(ingested.connection, path) == [], path.name
        assert {file.status for file in ingested.outcome.files} == {"loaded"}
        assert all(snapshot.accepted for snapshot in ingested.outcome.snapshots)
    finally:
        ingested.connection.close()


@pytest.mark.parametrize("file_format", ("canonical", "goodparty", "ncsbe", "ncsbe_vr_snapshot"))
def test_realistic_files_load_exactly(tmp_path, file_format):
    """Files shaped like the real ones (removed, denied and confidential voters with blank addresses,
    placeholder and implausible dates, records cut short and run into the next): every line ends where
    the manifest says, nothing real is quarantined, and the date is not blocked."""
    ingested = generate_and_ingest(tmp_path, file_format, "realistic", voters=4_000)
    try:
        kinds = Counter(row.defect for path in ingested.files for row in read_manifest(path))
        for path in ingested.files:
            assert manifest_problems(ingested.connection, path) == [], path.name
        assert all(file.reconciles for file in ingested.outcome.files)
        assert all(snapshot.accepted for snapshot in ingested.outcome.snapshots), ingested.outcome.snapshots
        if file_format in ("ncsbe", "ncsbe_vr_snapshot"):
            assert kinds["removed_voter"] > 200 and kinds["confidential_voter"] and kinds["placeholder_date"], kinds
            assert not ingested.connection.execute("select count(*) from raw.quarantine").fetchall()[0][0]
        if file_format in ("canonical", "goodparty"):
            assert kinds["truncated_record"] and kinds["record_after_truncated"], kinds
    finally:
        ingested.connection.close()


def test_every_quarantined_line_says_why_in_a_sentence(every_kind):
    """Every quarantine row carries a detail, and the detail never repeats the line's values."""
    rows = every_kind.connection.execute("select reasons, detail, raw_line from raw.quarantine").fetchall()
    assert rows
    for reasons, detail, raw_line in rows:
        assert detail and " " in detail, reasons
        assert not any(len(value) > 3 and value in detail for value in raw_line.split(",") + raw_line.split("\t")), (
            reasons
        )
