"""The real case-study file (data/samples/goodparty_voters.csv), and its older 10-column shape."""

from __future__ import annotations

from pathlib import Path

import pytest

from voter_platform.settings import SAMPLES_DIR
from voter_platform_tests.test_ingest.conftest import SNAPSHOT, ingest, rows

SAMPLE = SAMPLES_DIR / "goodparty_voters.csv"


@pytest.fixture
def loaded(warehouse, landing):
    target = landing / SAMPLE.name
    target.write_bytes(SAMPLE.read_bytes())
    return warehouse, ingest(warehouse, [target])


def test_every_line_is_accounted_for(loaded):
    _, outcome = loaded
    (file,) = outcome.files
    # 1,391 voters after the header, no final newline.
    assert (file.lines_read, file.header_lines, file.blank_lines) == (1392, 1, 0)
    assert (file.rows_loaded, file.rows_quarantined, file.rows_superseded) == (1389, 2, 0)
    assert file.reconciles
    assert file.quarantine_reasons == {"missing_state": 2}
    assert file.status == "loaded" and file.layout == "goodparty (11 columns)"


def test_the_two_voters_without_a_state_are_quarantined_with_their_line(loaded):
    warehouse, _ = loaded
    quarantined = rows(warehouse, "select line_number, voter_id, reasons, raw_line from raw.quarantine order by 1")
    assert [(line, voter, reasons) for line, voter, reasons, _ in quarantined] == [
        (16, "VOT015", ["missing_state"]),
        (196, "VOT1450", ["missing_state"]),
    ]
    assert quarantined[0][3].startswith("VOT015,Matthew,Anderson,50,M,,")


def test_state_names_become_codes(loaded):
    warehouse, _ = loaded
    assert rows(warehouse, "select count(*) from raw.voters where length(state) <> 2") == [(0,)]
    # "New York", "Arizona", ... (9 written out) are counted with their state.
    assert rows(warehouse, "select voter_id, state from raw.voters where voter_id = 'VOT004'") == [("VOT004", "NY")]


def test_blank_fields_load_as_nulls(loaded):
    warehouse, _ = loaded
    # 29 rows have a blank field; the 2 without a state are quarantined, the other 27 load.
    blank = rows(
        warehouse,
        """select count(*) from raw.voters where first_name is null or last_name is null or email is null
           or age is null or party is null or registered_date is null or last_voted_date is null
           or updated_at is null or gender = 'U'""",
    )
    assert blank == [(27,)]


def test_types_and_vocabularies(loaded):
    warehouse, _ = loaded
    (row,) = rows(
        warehouse,
        "select age, gender, party, registered_date, last_voted_date, updated_at from raw.voters "
        "where voter_id = 'VOT001'",
    )
    assert row[0:3] == (34, "M", "Independent")
    assert (str(row[3]), str(row[4]), str(row[5])) == ("2015-03-15", "2024-11-05", "2024-02-08 12:03:45")
    parties = dict(rows(warehouse, "select party, count(*) from raw.voters group by all"))
    assert set(parties) == {"Democrat", "Republican", "Independent"}


def test_name_and_email_pairs_are_possible_duplicates(loaded):
    warehouse, _ = loaded
    pairs = rows(warehouse, "select voter_id, other_voter_id, match_rule from raw.possible_duplicates order by 1, 2")
    assert len(pairs) == 17
    assert {rule for _, _, rule in pairs} == {"same_name_and_email"}
    # One record of a pair has its names blank: the email still links it.
    assert ("VOT1423", "VOT2677", "same_name_and_email") in pairs


def test_snapshot_and_log(loaded):
    warehouse, _ = loaded
    assert rows(
        warehouse,
        "select source_id, partition_date, history_coverage, voters_loaded, rows_quarantined, accepted "
        "from raw.snapshots",
    ) == [("goodparty:goodparty_voters", SNAPSHOT, "last_vote_only", 1389, 2, True)]
    (log,) = rows(
        warehouse, "select file_sha256, status, lines_read, rows_loaded, quarantine_reasons from raw.ingest_log"
    )
    assert log == (
        "87797baa1c788f53e88bae19de510977f586a2d47670f395e3ea872ae5ebbc6d",
        "loaded",
        1392,
        1389,
        '{"missing_state": 2}',
    )


def test_fingerprint_is_md5_of_id_names_and_email(loaded):
    warehouse, _ = loaded
    (fingerprint,) = rows(warehouse, "select record_fingerprint from raw.voters where voter_id = 'VOT001'")[0]
    import hashlib

    assert fingerprint == hashlib.md5(b"VOT001|James|Smith|james.smith@email.com").hexdigest()


def older_shape(source: Path, target: Path, empty_columns: int = 3) -> Path:
    """The case study's older export: 10 named columns (no updated_at) and empty trailing ones."""
    lines = source.read_text().split("\n")
    out = []
    for line in lines:
        fields = line.split(",")[:10]
        out.append(",".join(fields + [""] * empty_columns))
    target.write_text("\n".join(out) + "\n")
    return target


def test_older_ten_column_shape_with_empty_trailing_header_fields(warehouse, landing):
    path = older_shape(SAMPLE, landing / "goodparty_voters_old.csv")
    outcome = ingest(warehouse, [path])
    (file,) = outcome.files
    assert file.layout == "goodparty (10 columns + 3 empty)"
    assert (file.rows_loaded, file.rows_quarantined, file.reconciles) == (1389, 2, True)
    assert rows(warehouse, "select count(*) from raw.voters where updated_at is not null") == [(0,)]
    assert rows(warehouse, "select source_id from raw.snapshots") == [("goodparty:goodparty_voters_old",)]


def test_older_shape_lines_with_only_the_named_fields(warehouse, landing):
    path = older_shape(SAMPLE, landing / "goodparty_voters.csv")
    text = path.read_text().split("\n")
    # Data lines without the empty trailing fields are still records of the older shape.
    path.write_text("\n".join([text[0]] + [line[:-3] if line else line for line in text[1:]]))
    (file,) = ingest(warehouse, [path]).files
    assert (file.rows_loaded, file.rows_quarantined, file.reconciles) == (1389, 2, True)
