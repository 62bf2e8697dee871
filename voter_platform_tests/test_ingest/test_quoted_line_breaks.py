"""A quoted value with a line break inside it (an address typed with a newline): RFC 4180 makes it one
record over several physical lines. It is loaded as one voter on its first line, the break read as a
space and the record flagged `line_break_in_value`; its other lines are continuation lines, accounted
with it; every other record keeps its own line (and the history read from it). A quote that never closes
is quarantined as `unterminated_quote`, the lines it ran over read each on its own.

First files written by hand (each case exactly), then files the generator writes with its
`quoted_line_break` defect: the canonical layout, Pennsylvania's FVE (every value quoted, tab-separated,
history slots) and Ohio's SWVF (history in election columns), against the same files without it.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from voter_platform.generate.config import DefectRates, GenerateConfig
from voter_platform.generate.run import generate
from voter_platform.lib.ingest import IngestOptions, InputFile, ingest_partition
from voter_platform.lib.ingest.formats import CANONICAL_VOTER_HEADER
from voter_platform_tests.test_ingest.conftest import SNAPSHOT, ingest, rows
from voter_platform_tests.test_ingest.defect_files import canonical_voter, read_manifest
from voter_platform_tests.test_ingest.manifest_check import manifest_problems

VOTERS_NAME = f"voters_NC_{SNAPSHOT}.csv"
HEADER = ",".join(CANONICAL_VOTER_HEADER)


def voter_line(number: int, **values: str) -> str:
    """A canonical voter record, with `values` written as given (quotes and all)."""
    record = canonical_voter(number, SNAPSHOT) | values
    return ",".join(record[column] for column in CANONICAL_VOTER_HEADER)


def address(number: int) -> str:
    return canonical_voter(number, SNAPSHOT)["street_address"]


def write(landing: Path, lines: list[str], line_end: str = "\n") -> Path:
    path = landing / VOTERS_NAME
    path.write_bytes((line_end.join(lines) + line_end).encode())
    return path


def loaded(warehouse) -> list[tuple]:
    return rows(warehouse, "select line_number, voter_id, street_address, quality_flags from raw.voters order by 1")


def quarantined(warehouse) -> list[tuple]:
    return rows(warehouse, "select line_number, voter_id, reasons, raw_line from raw.quarantine order by 1")


def counts(file) -> tuple:
    return (file.reader, file.lines_read, file.rows_loaded, file.rows_quarantined, file.continuation_lines)


# --- written by hand ----------------------------------------------------------------------------------


def test_blank_lines_and_crlf_inside_a_value_are_one_space(warehouse, landing):
    """A CRLF inside a value of an LF file (so the file mixes line ends), with an empty line in it too."""
    path = write(landing, [HEADER, voter_line(1, street_address='"1 Main St\r\n\r\n  Apt 4"'), voter_line(2)])
    (file,) = ingest(warehouse, [path]).files
    assert counts(file) == ("duckdb read_csv", 5, 2, 0, 2) and file.reconciles
    assert loaded(warehouse) == [
        (2, "NC0000001", "1 Main St Apt 4", ["line_break_in_value"]),
        (5, "NC0000002", address(2), []),
    ]
    assert file.quality_flags == {"line_break_in_value": 1}


def test_a_crlf_file_with_a_line_break_in_a_value(warehouse, landing):
    lines = [HEADER, voter_line(1), voter_line(2, city='"Chapel\r\nHill"'), voter_line(3)]
    (file,) = ingest(warehouse, [write(landing, lines, "\r\n")]).files
    assert counts(file) == ("duckdb read_csv", 5, 3, 0, 1) and file.reconciles
    assert rows(warehouse, "select line_number, city from raw.voters order by 1") == [
        (2, canonical_voter(1, SNAPSHOT)["city"]),
        (3, "Chapel Hill"),
        (5, canonical_voter(3, SNAPSHOT)["city"]),
    ]


def test_a_refused_record_over_lines_is_held_and_the_lines_after_keep_their_numbers(warehouse, landing):
    """A record the reader refuses (a registration date that is no date) is read again over its lines;
    a broken line after it is quarantined under its own line, not the reader's count of records."""
    lines = [
        HEADER,
        voter_line(1),
        voter_line(2, street_address='"1 Main St\nApt 4"', registered_date="2019-13-45"),
        voter_line(3),
        "NC0000004,only,three",
        voter_line(5, street_address='"2 Oak Ave\nUnit 7"'),
        voter_line(6),
    ]
    (file,) = ingest(warehouse, [write(landing, lines)]).files
    assert counts(file) == ("duckdb read_csv", 9, 5, 1, 2) and file.reconciles
    assert loaded(warehouse) == [
        (2, "NC0000001", address(1), []),
        (3, "NC0000002", "1 Main St Apt 4", ["line_break_in_value", "unparseable_registered_date"]),
        (5, "NC0000003", address(3), []),
        (7, "NC0000005", "2 Oak Ave Unit 7", ["line_break_in_value"]),
        (9, "NC0000006", address(6), []),
    ]
    assert rows(warehouse, "select line_number, reasons from raw.quarantine") == [(6, ["wrong_field_count"])]


def test_a_quarantined_record_over_lines_keeps_all_its_text(warehouse, landing):
    lines = [HEADER, voter_line(1, voter_id="", street_address='"1 Main St\nApt 4"'), voter_line(2)]
    (file,) = ingest(warehouse, [write(landing, lines)], quarantine_threshold_pct=100).files
    assert counts(file) == ("duckdb read_csv", 4, 1, 1, 1) and file.reconciles
    ((line, voter_id, reasons, raw_line),) = quarantined(warehouse)
    assert (line, voter_id, reasons) == (2, "", ["missing_voter_id"])
    assert raw_line == lines[1]  # both of its lines, with the break between them


def test_a_literal_quote_inside_an_unquoted_value_is_a_letter(warehouse, landing):
    """O"Neil: a quote that is not at the start of a value is part of it (as DuckDB reads it), and does not
    upset the count of open quotes that finds a record over two lines."""
    lines = [HEADER, voter_line(1, last_name='O"Neil'), voter_line(2, street_address='"1 Main St\nApt 4"')]
    (file,) = ingest(warehouse, [write(landing, lines)]).files
    assert counts(file) == ("duckdb read_csv", 4, 2, 0, 1) and file.reconciles
    assert rows(warehouse, "select line_number, last_name, street_address from raw.voters order by 1") == [
        (2, 'O"Neil', address(1)),
        (3, canonical_voter(2, SNAPSHOT)["last_name"], "1 Main St Apt 4"),
    ]


def test_a_quote_that_never_closes_is_quarantined_and_the_lines_it_ran_over_load(warehouse, landing):
    """The quote opened on line 3 runs on (the reader takes lines 3-6 as one broken record, up to the next
    quote): line 3 is quarantined as unterminated_quote, with its voter id; lines 4-6 are read each on its
    own and load under their own numbers."""
    lines = [
        HEADER,
        voter_line(1),
        voter_line(2, street_address='"1 Main St'),
        voter_line(3),
        voter_line(4),
        voter_line(5, street_address='"9 Elm St"'),
        voter_line(6),
    ]
    (file,) = ingest(warehouse, [write(landing, lines)]).files
    assert counts(file) == ("duckdb read_csv", 7, 5, 1, 0) and file.reconciles
    assert [(line, voter_id) for line, voter_id, _, _ in loaded(warehouse)] == [
        (2, "NC0000001"),
        (4, "NC0000003"),
        (5, "NC0000004"),
        (6, "NC0000005"),
        (7, "NC0000006"),
    ]
    assert quarantined(warehouse) == [(3, "NC0000002", ["unterminated_quote"], lines[2])]
    (detail,) = rows(warehouse, "select detail from raw.quarantine")[0]
    assert detail.startswith("a quote opens a value on this line and does not close within 5 lines")


def test_a_quote_open_at_the_end_of_the_file_is_quarantined(warehouse, landing):
    lines = [HEADER, voter_line(1), voter_line(2, street_address='"1 Main St')]
    (file,) = ingest(warehouse, [write(landing, lines)], quarantine_threshold_pct=100).files
    assert counts(file) == ("duckdb read_csv", 3, 1, 1, 0) and file.reconciles
    assert quarantined(warehouse) == [(3, "NC0000002", ["unterminated_quote"], lines[2])]


def test_a_run_on_quote_is_not_held_past_a_handful_of_lines(warehouse, landing):
    """A quote left open on line 3 closes only on line 9, where the rest of a record follows it: the reader
    takes lines 3-9 for one record of the right shape. Seven lines are no address typed over lines: the
    first is quarantined, the ones in between load each on its own, and line 9, which leaves a quote open
    by itself, is quarantined too."""
    tail = voter_line(8).split(",")
    lines = [
        HEADER,
        voter_line(1),
        ",".join([*voter_line(2).split(",")[:13], '"1 Main St']),
        *(voter_line(number) for number in range(3, 8)),
        'Apt 4",' + ",".join(tail[14:]),
        voter_line(9),
    ]
    (file,) = ingest(warehouse, [write(landing, lines)], quarantine_threshold_pct=100).files
    assert counts(file) == ("duckdb read_csv", 10, 7, 2, 0) and file.reconciles
    assert [line for line, *_ in loaded(warehouse)] == [2, 4, 5, 6, 7, 8, 10]
    assert [(line, reasons) for line, _, reasons, _ in quarantined(warehouse)] == [
        (3, ["unterminated_quote"]),
        (9, ["unterminated_quote"]),
    ]


def test_quotes_the_count_cannot_explain_fall_back_to_reading_line_by_line(warehouse, landing):
    """An unquoted value that ends in a quote (`12"`) is a letter to DuckDB but looks like a closing quote
    to the count of quotes per line: the records over lines cannot be told apart, and the file is read
    line by line as before (the record over two lines is then two broken lines). Still, every line ends
    in one place."""
    lines = [HEADER, voter_line(1, middle_name='12"'), voter_line(2, street_address='"1 Main St\nApt 4"')]
    (file,) = ingest(warehouse, [write(landing, lines)], quarantine_threshold_pct=100).files
    assert counts(file) == ("line reader", 4, 1, 2, 0) and file.reconciles
    assert [(line, reasons) for line, _, reasons, _ in quarantined(warehouse)] == [
        (3, ["wrong_field_count"]),
        (4, ["wrong_field_count"]),
    ]


def test_continuation_lines_are_logged_with_the_file(warehouse, landing):
    lines = [HEADER, voter_line(1, street_address='"1 Main St\nApt 4"'), voter_line(2)]
    ingest(warehouse, [write(landing, lines)])
    assert rows(
        warehouse,
        "select lines_read, header_lines, rows_loaded, continuation_lines, quality_flags from raw.ingest_log",
    ) == [(4, 1, 2, 1, json.dumps({"line_break_in_value": 1}))]


# --- files the generator writes -----------------------------------------------------------------------

GENERATED = {
    # layout: (counties, voters file names start with)
    "canonical": (None, "voters_"),
    "pa_fve": (("Adams", "Philadelphia"), None),
    "oh_swvf": (None, "SWVF_"),
}


def _generate_and_ingest(folder: Path, layout_id: str, defects: str) -> tuple[list[Path], duckdb.DuckDBPyConnection]:
    counties, _ = GENERATED[layout_id]
    generate(
        GenerateConfig(
            voters=2_500,
            start=SNAPSHOT,
            days=1,
            format=layout_id,
            out=folder,
            seed=11,
            states=("NC",) if layout_id == "canonical" else None,
            counties=counties,
            defects=DefectRates.parse(defects),
        )
    )
    files = sorted(path for path in folder.iterdir() if path.is_file())
    warehouse = duckdb.connect(str(folder.parent / f"{folder.name}.duckdb"))
    ingest_partition(warehouse, SNAPSHOT, [InputFile(path) for path in files], options=IngestOptions())
    return files, warehouse


def _voters_files(files: list[Path], layout_id: str) -> list[Path]:
    prefix = GENERATED[layout_id][1]
    return [path for path in files if (path.name.startswith(prefix) if prefix else " FVE " in path.name)]


@pytest.mark.parametrize("layout_id", sorted(GENERATED))
def test_generated_line_breaks_load_as_the_voters_they_are(tmp_path, layout_id):
    """Against the same delivery without the defect: the same voters with the same addresses and the same
    votes, each voter's votes on its own line; the broken records flagged, nothing quarantined, the
    continuation lines counted, every file reconciled."""
    clean_files, clean = _generate_and_ingest(tmp_path / "clean", layout_id, "none")
    files, warehouse = _generate_and_ingest(tmp_path / "broken", layout_id, "quoted_line_break=0.01")
    voters_files = _voters_files(files, layout_id)
    broken = {
        path.name: [row for row in read_manifest(path) if row.defect == "quoted_line_break"] for path in voters_files
    }
    assert sum(len(listed) for listed in broken.values()) >= 15
    outcome = {
        row[0]: row[1:]
        for row in rows(
            warehouse, "select file_name, status, continuation_lines, rows_quarantined, lines_read from raw.ingest_log"
        )
    }
    for path in voters_files:
        assert manifest_problems(warehouse, path) == [], path.name
        facts = json.loads((path.parent / "_manifest" / f"{path.name}.facts.json").read_text())
        assert outcome[path.name] == ("loaded", len(broken[path.name]), 0, facts["lines"]), path.name
    assert rows(warehouse, "select count(*) from raw.quarantine") == [(0,)]

    same = "select voter_id, street_address, city, party from raw.voters order by voter_id"
    assert rows(warehouse, same) == rows(clean, same)
    flagged = rows(
        warehouse,
        "select file_name, line_number from raw.voters where list_contains(quality_flags, 'line_break_in_value')",
    )
    assert sorted(flagged) == sorted((name, row.line_number) for name, listed in broken.items() for row in listed)

    votes = "select voter_id, election_date, election_type, voting_method, party_ballot from raw.vote_history"
    expected = sorted(rows(clean, votes))
    assert len(expected) > 1_000
    assert sorted(rows(warehouse, votes)) == expected
    if layout_id != "canonical":  # history read from the voters file: each vote on its voter's line
        assert rows(
            warehouse,
            "select count(*) from raw.vote_history h anti join raw.voters v using (file_name, line_number, voter_id)",
        ) == [(0,)]
    assert [path.name for path in files] == [path.name for path in clean_files]


def _pa_value(line: bytes, position: int) -> bytes:
    return line.split(b"\t")[position].strip(b'"')


@pytest.mark.parametrize("where", ["inside a part", "at the end of a part read with the next"])
def test_a_quote_that_never_closes_in_a_generated_file_is_quarantined(tmp_path, where):
    """Pennsylvania's FVE with the closing quote of a record's last value taken away: the reader runs that
    value into the next line (of the next county's file, when the parts are read together); the record is
    quarantined as unterminated_quote under its own file and line, with its voter id, and the next line
    still loads under its number. Names with accents before it (latin-1: two bytes each in the text DuckDB
    reads, where its rejects say the record starts) and a name over two lines in between do not move it."""
    files, _ = _generate_and_ingest(tmp_path / "clean", "pa_fve", "none")
    adams, philadelphia = (
        next(path for path in files if path.name.startswith(f"{name} FVE")) for name in ("ADAMS", "PHILADELPHIA")
    )
    texts = {path: path.read_bytes().split(b"\n") for path in (adams, philadelphia)}
    for lines in texts.values():
        lines[3] = lines[3].replace(b'"' + _pa_value(lines[3], 3) + b'"', '"JOSÉ ÑUÑEZ"'.encode("latin-1"), 1)
        # A long surname of accented letters: 1,500 bytes more in the text DuckDB reads, several lines' worth.
        lines[4] = lines[4].replace(b'"' + _pa_value(lines[4], 2) + b'"', ('"' + "É" * 1500 + '"').encode("latin-1"), 1)
        lines[5] = lines[5].replace(b'"' + _pa_value(lines[5], 3) + b'"', b'"ANNE\nMARIE"', 1)
    path, number = (philadelphia, 40) if where == "inside a part" else (adams, len(texts[adams]) - 2)
    following = (philadelphia, 40 + 1) if where == "inside a part" else (philadelphia, 0)
    lines = texts[path]
    assert lines[number].endswith(b'"')
    lines[number] = lines[number][:-1]
    for changed, text in texts.items():
        changed.write_bytes(b"\n".join(text))
    voter_id = _pa_value(lines[number], 0).decode()
    next_voter = _pa_value(texts[following[0]][following[1]], 0).decode()
    warehouse = duckdb.connect(str(tmp_path / "unterminated.duckdb"))
    outcome = ingest_partition(
        warehouse, SNAPSHOT, [InputFile(file) for file in files], options=IngestOptions(quarantine_threshold_pct=100)
    )
    assert all(file.reconciles for file in outcome.files)

    def physical(index: int) -> int:  # the line of lines[index]: the address over two lines comes before
        return index + 1 + (index > 5)

    assert rows(warehouse, "select file_name, line_number, voter_id, reasons from raw.quarantine") == [
        (path.name, physical(number), voter_id, ["unterminated_quote"])
    ]
    assert rows(warehouse, "select file_name, line_number from raw.voters where voter_id = ?", next_voter) == [
        (following[0].name, physical(following[1]))
    ]
    assert (
        rows(
            warehouse,
            "select first_name, quality_flags from raw.voters where first_name in ('JOSÉ ÑUÑEZ', 'ANNE MARIE') "
            "order by file_name, line_number",
        )
        == [("JOSÉ ÑUÑEZ", []), ("ANNE MARIE", ["line_break_in_value"])] * 2
    )
    (file,) = [file for file in outcome.files if file.file_name == path.name]
    assert (file.rows_quarantined, file.continuation_lines, file.lines_read) == (1, 1, len(lines))
