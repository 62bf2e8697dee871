"""Every defect kind of the generator's manifest contract ends where the contract says."""

from __future__ import annotations

from pathlib import Path

import pytest

from voter_platform_tests.test_ingest.conftest import SNAPSHOT, ingest, rows
from voter_platform_tests.test_ingest.defect_files import (
    canonical_history_with_defects,
    canonical_voters_with_defects,
    goodparty_with_defects,
    read_manifest,
)
from voter_platform_tests.test_ingest.manifest_check import LINE_DEFECTS, manifest_problems


@pytest.fixture
def canonical_pair(landing: Path) -> tuple[Path, Path]:
    voters = canonical_voters_with_defects(SNAPSHOT)
    history = canonical_history_with_defects(voters, SNAPSHOT)
    return voters.write(landing), history.write(landing)


def test_fixture_covers_every_line_defect(canonical_pair):
    """(The real-file traits are covered on generated files: test_generated_defects.py.)"""
    kinds = {row.defect for path in canonical_pair for row in read_manifest(path)}
    assert kinds == LINE_DEFECTS


def test_canonical_voters_and_history_match_their_manifests(warehouse, canonical_pair):
    outcome = ingest(warehouse, canonical_pair)
    for path in canonical_pair:
        assert manifest_problems(warehouse, path) == []
    assert all(file.reconciles for file in outcome.files)


def test_goodparty_file_matches_its_manifest(warehouse, landing):
    path = goodparty_with_defects(SNAPSHOT).write(landing)
    outcome = ingest(warehouse, [path])
    assert outcome.files[0].encoding == "utf-8"
    assert manifest_problems(warehouse, path) == []


def test_quarantined_lines_keep_their_text_and_say_why(warehouse, canonical_pair):
    ingest(warehouse, canonical_pair)
    manifest = {row.line_number: row for row in read_manifest(canonical_pair[0])}
    header_line = next(line for line, row in manifest.items() if row.defect == "repeated_header")
    broken_line = next(line for line, row in manifest.items() if row.defect == "non_utf8")
    quarantined = dict(
        rows(warehouse, "select line_number, raw_line from raw.quarantine where file_name = ?", canonical_pair[0].name)
    )
    assert quarantined[header_line].startswith("voter_id,first_name")
    # The byte that is not UTF-8 stays visible as an escape: nothing of the line is lost.
    assert "Mu\\xf1oz" in quarantined[broken_line]


def test_glued_records_are_recovered_with_a_flag(warehouse, canonical_pair):
    ingest(warehouse, canonical_pair)
    glued = next(row.line_number for row in read_manifest(canonical_pair[0]) if row.defect == "glued_lines")
    recovered = rows(
        warehouse,
        "select voter_id, quality_flags from raw.voters where file_name = ? and line_number = ? order by voter_id",
        canonical_pair[0].name,
        glued,
    )
    assert len(recovered) == 2
    assert recovered[0][0] != recovered[1][0]
    assert all("recovered_from_glued_line" in flags for _, flags in recovered)
