"""Files that are broken as a whole or in their bytes: each gives a clear error and loses nothing."""

from __future__ import annotations

import codecs

import pytest

from voter_platform.lib.ingest import PartitionFailed
from voter_platform.lib.ingest.formats import CANONICAL_VOTER_HEADER, GOODPARTY_HEADER
from voter_platform_tests.test_ingest.conftest import SNAPSHOT, ingest, rows
from voter_platform_tests.test_ingest.defect_files import canonical_voter, goodparty_voter

VOTERS_NAME = f"voters_NC_{SNAPSHOT}.csv"


def canonical_lines(count: int) -> list[str]:
    header = ",".join(CANONICAL_VOTER_HEADER)
    return [header] + [
        ",".join(canonical_voter(number, SNAPSHOT)[column] for column in CANONICAL_VOTER_HEADER)
        for number in range(1, count + 1)
    ]


def goodparty_lines(count: int) -> list[str]:
    return [",".join(GOODPARTY_HEADER)] + [
        ",".join(goodparty_voter(number, SNAPSHOT)[column] for column in GOODPARTY_HEADER)
        for number in range(1, count + 1)
    ]


def log_rows(warehouse) -> list[tuple]:
    return rows(warehouse, "select file_name, status, message from raw.ingest_log order by file_name")


def test_empty_file_fails_its_partition_and_says_so(warehouse, landing):
    path = landing / VOTERS_NAME
    path.write_bytes(b"")
    with pytest.raises(PartitionFailed, match="empty"):
        ingest(warehouse, [path])
    assert log_rows(warehouse) == [
        (VOTERS_NAME, "empty", "the file is empty (0 bytes): a voter file starts with a header line")
    ]
    assert rows(warehouse, "select count(*) from raw.snapshots") == [(0,)]


def test_header_only_voter_file_is_loaded_but_not_accepted(warehouse, landing):
    path = landing / VOTERS_NAME
    path.write_text(canonical_lines(0)[0] + "\n")
    outcome = ingest(warehouse, [path])
    (file,) = outcome.files
    assert (file.lines_read, file.header_lines, file.rows_loaded, file.reconciles) == (1, 1, 0, True)
    assert file.status == "rejected"
    assert "no voter records" in file.message
    assert rows(warehouse, "select accepted, message from raw.snapshots") == [
        (False, f"no voter records: {VOTERS_NAME} has a header line and no record")
    ]


def test_unknown_header_fails_the_partition_saying_where_the_formats_are_listed(warehouse, landing):
    good = landing / VOTERS_NAME
    good.write_text("\n".join(canonical_lines(5)) + "\n")
    strange = landing / "members_2026-11-20.csv"
    strange.write_text("member,name,club\n1,Ann,Chess\n")
    with pytest.raises(PartitionFailed) as failure:
        ingest(warehouse, [good, strange])
    message = str(failure.value)
    assert "members_2026-11-20.csv: unknown_format: line 1 is not a header the platform knows (3 fields" in message
    assert "Expected the header of one of the" in message and "`voter-platform layouts` lists" in message
    assert "(the platform's own voters file: voter_id,first_name," in message
    # Nothing of the partition is written; the log says which file and why, and why the good one was not loaded.
    assert rows(warehouse, "select count(*) from raw.voters") == [(0,)]
    assert [status for _, status, _ in log_rows(warehouse)] == ["unknown_format", "failed"]


def test_wrong_delimiter_is_named(warehouse, landing):
    path = landing / VOTERS_NAME
    path.write_text("\n".join(line.replace(",", ";") for line in canonical_lines(3)) + "\n")
    with pytest.raises(
        PartitionFailed,
        match="canonical_voters header delimited by ';', but canonical_voters files are delimited by ','",
    ):
        ingest(warehouse, [path])


def test_utf8_with_bom(warehouse, landing):
    path = landing / VOTERS_NAME
    path.write_bytes(codecs.BOM_UTF8 + ("\n".join(canonical_lines(4)) + "\n").encode())
    (file,) = ingest(warehouse, [path]).files
    assert (file.encoding, file.header_lines, file.rows_loaded, file.reconciles) == ("utf-8", 1, 4, True)
    assert rows(warehouse, "select min(voter_id) from raw.voters") == [("NC0000001",)]


def test_latin1_file_is_read_as_latin1(warehouse, landing):
    lines = goodparty_lines(4)
    lines[2] = lines[2].replace(goodparty_voter(2, SNAPSHOT)["last_name"], "Muñoz")
    path = landing / "goodparty_voters.csv"
    path.write_bytes(("\n".join(lines) + "\n").encode("latin-1"))
    (file,) = ingest(warehouse, [path]).files
    assert (file.encoding, file.rows_loaded, file.rows_quarantined) == ("latin-1", 4, 0)
    assert rows(warehouse, "select last_name from raw.voters where voter_id = 'VOT002'") == [("Muñoz",)]


def test_utf16_file_is_transcoded(warehouse, landing):
    lines = goodparty_lines(3)
    lines[1] = lines[1].replace(goodparty_voter(1, SNAPSHOT)["first_name"], "Zoë")
    path = landing / "goodparty_voters.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-16"))
    (file,) = ingest(warehouse, [path]).files
    assert (file.encoding, file.lines_read, file.rows_loaded, file.reconciles) == ("utf-16", 4, 3, True)
    assert rows(warehouse, "select first_name from raw.voters where voter_id = 'VOT001'") == [("Zoë",)]


def test_truncated_last_line_is_quarantined_with_its_field_count(warehouse, landing):
    lines = canonical_lines(5)
    lines[-1] = lines[-1][: len(lines[-1]) // 2]  # the copy stopped half-way, no final newline
    path = landing / VOTERS_NAME
    path.write_text("\n".join(lines))
    (file,) = ingest(warehouse, [path]).files
    assert (file.lines_read, file.rows_loaded, file.rows_quarantined, file.reconciles) == (6, 4, 1, True)
    (quarantined,) = rows(warehouse, "select line_number, reasons, detail, raw_line from raw.quarantine")
    assert quarantined[0:2] == (6, ["wrong_field_count"])
    assert quarantined[2].endswith("fields, expected 22")
    assert quarantined[3] == lines[-1]


def test_blank_and_whitespace_lines_are_counted(warehouse, landing):
    lines = canonical_lines(4)
    path = landing / VOTERS_NAME
    path.write_text("\n".join([lines[0], lines[1], "", lines[2], "   ", lines[3], "", lines[4], ""]) + "\n")
    (file,) = ingest(warehouse, [path]).files
    assert (file.lines_read, file.blank_lines, file.rows_loaded, file.rows_quarantined, file.reconciles) == (
        9,
        4,
        4,
        0,
        True,
    )
    assert rows(warehouse, "select line_number from raw.voters order by 1") == [(2,), (4,), (6,), (8,)]


def test_stray_carriage_return_quarantines_its_line(warehouse, landing):
    lines = canonical_lines(4)
    path = landing / VOTERS_NAME
    broken = lines[2].replace("Main St", "Main\rSt")
    path.write_bytes(("\n".join([lines[0], lines[1], broken, lines[3], lines[4]]) + "\n").encode())
    (file,) = ingest(warehouse, [path]).files
    assert (file.reader, file.rows_loaded, file.rows_quarantined, file.reconciles) == ("line reader", 3, 1, True)
    assert rows(warehouse, "select line_number, reasons, raw_line from raw.quarantine") == [
        (3, ["stray_carriage_return"], broken)
    ]


def test_crlf_file(warehouse, landing):
    path = landing / VOTERS_NAME
    path.write_bytes(("\r\n".join(canonical_lines(3)) + "\r\n").encode())
    (file,) = ingest(warehouse, [path]).files
    assert (file.reader, file.lines_read, file.rows_loaded, file.reconciles) == ("duckdb read_csv", 4, 3, True)
    assert rows(warehouse, "select count(*) from raw.voters where contains(updated_at::varchar, chr(13))") == [(0,)]


def test_a_quoted_value_over_two_lines_is_one_record(warehouse, landing):
    lines = canonical_lines(4)
    record = canonical_voter(2, SNAPSHOT)
    record["street_address"] = '"1 Main St\nApt 4"'
    lines[2] = ",".join(record[column] for column in CANONICAL_VOTER_HEADER)
    path = landing / VOTERS_NAME
    path.write_text("\n".join(lines) + "\n")
    (file,) = ingest(warehouse, [path]).files
    # RFC 4180: the record over lines 3-4 is one voter, on its first line; line 4 is its continuation.
    assert (
        file.reader,
        file.lines_read,
        file.rows_loaded,
        file.rows_quarantined,
        file.continuation_lines,
        file.reconciles,
    ) == ("duckdb read_csv", 6, 4, 0, 1, True)
    loaded = "select line_number, voter_id, street_address, quality_flags from raw.voters order by 1"
    assert rows(warehouse, loaded) == [
        (2, "NC0000001", canonical_voter(1, SNAPSHOT)["street_address"], []),
        (3, "NC0000002", "1 Main St Apt 4", ["line_break_in_value"]),
        (5, "NC0000003", canonical_voter(3, SNAPSHOT)["street_address"], []),
        (6, "NC0000004", canonical_voter(4, SNAPSHOT)["street_address"], []),
    ]
    assert rows(warehouse, "select count(*) from raw.quarantine") == [(0,)]


def test_quoted_delimiters_are_values_not_fields(warehouse, landing):
    lines = canonical_lines(3)
    record = canonical_voter(2, SNAPSHOT)
    record["street_address"] = '"1 Main St, Apt 4"'
    lines[2] = ",".join(record[column] for column in CANONICAL_VOTER_HEADER)
    path = landing / VOTERS_NAME
    path.write_text("\n".join(lines) + "\n")
    (file,) = ingest(warehouse, [path]).files
    assert (file.reader, file.rows_loaded, file.rows_quarantined) == ("duckdb read_csv", 3, 0)
    assert rows(warehouse, "select street_address, quality_flags from raw.voters where line_number = 3") == [
        ("1 Main St, Apt 4", [])
    ]


def test_the_companions_of_a_rejected_file_each_get_a_log_row_saying_why_they_were_not_loaded(warehouse, landing):
    """A voters file with an unknown header fails its date; its vote history (and an unrelated goodparty file of
    the same date) were fine but are not loaded either: each has its own ingest_log row naming the rejected file."""
    from voter_platform.lib.ingest.formats import CANONICAL_HISTORY_HEADER
    from voter_platform_tests.test_ingest.defect_files import history_row

    voters = landing / VOTERS_NAME
    voters.write_text("\n".join(["not,a,header", *canonical_lines(3)[1:]]) + "\n")
    history = landing / f"vote_history_NC_{SNAPSHOT}.csv"
    history_lines = [",".join(CANONICAL_HISTORY_HEADER)] + [
        ",".join(history_row(f"NC{number:07d}", "2024-11-05")[column] for column in CANONICAL_HISTORY_HEADER)
        for number in range(1, 4)
    ]
    history.write_text("\n".join(history_lines) + "\n")
    with pytest.raises(PartitionFailed) as failure:
        ingest(warehouse, [voters, history])
    assert f"{VOTERS_NAME}: unknown_format" in str(failure.value)
    logged = {name: (status, message) for name, status, message in log_rows(warehouse)}
    assert set(logged) == {VOTERS_NAME, history.name}
    assert logged[VOTERS_NAME][0] == "unknown_format"
    status, message = logged[history.name]
    assert status == "failed"
    assert message == (
        f"not loaded: {VOTERS_NAME} (unknown_format) of the same date {SNAPSHOT} was rejected, and a date is loaded as "
        "a whole; nothing of the date was written. Drop the fixed file and this one is loaded with it."
    )
    assert rows(warehouse, "select count(*) from raw.vote_history") == [(0,)]
