"""The parts of a product read and decided together (lib/ingest/together.py) keep every per-file
guarantee: each part's lines are accounted for in its own outcome, every row names its own file and
line, a record two parts hold is superseded across parts, a duplicate within a part stays within it,
and a part that cannot go with the others is read on its own."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from voter_platform.lib.ingest import InputFile, PartitionFailed, ingest_partition
from voter_platform.lib.ingest.together import LineMap, PartInCopy
from voter_platform_tests.test_ingest.conftest import SNAPSHOT, ingest, rows
from voter_platform_tests.test_ingest.synthetic_layouts import WIDE_HEADER


def _write(path: Path, text: str) -> Path:
    path.write_bytes(text.encode())
    return path


def test_county_parts_read_together_keep_their_own_files_and_lines(layouts, warehouse, landing):
    _write(
        landing / "ALA_20261120.txt",
        "ALA\t1000000001\tSMITH\t5\t05/01/1970\tDEM\n"
        "ALA\t1000000002\tJONES\t3\n"  # a line cut short: quarantined in ALA, line 2
        "ALA\t1000000004\tWU\t9\t01/02/1980\tREP\n"
        "ALA\t1000000004\tWU\t9\t01/02/1980\tREP\n",  # the same record again in ALA: an exact duplicate there
    )
    _write(
        landing / "BAK_20261120.txt",
        "BAK\t1000000003\tLEE\t9\t03/04/1990\tNPA\n"
        "\n"  # a blank line
        "BAK\t1000000001\tSMITH\t5\t05/01/1970\tDEM",  # also in ALA, and no line ending at the end
    )
    _write(landing / "BAY_20261120.txt", "BAY\t1000000005\tKIM\t1\t07/08/1960\tDEM\n")
    outcome = ingest(warehouse, sorted(landing.iterdir()), quarantine_threshold_pct=100.0)
    files = {file.file_name: file for file in outcome.files}
    assert all(file.reconciles and file.status == "loaded" for file in outcome.files)
    counts = {
        name: (file.lines_read, file.blank_lines, file.rows_loaded, file.rows_quarantined, file.rows_superseded)
        for name, file in files.items()
    }
    assert counts == {
        "ALA_20261120.txt": (4, 0, 1, 1, 2),
        "BAK_20261120.txt": (3, 1, 2, 0, 0),
        "BAY_20261120.txt": (1, 0, 1, 0, 0),
    }
    assert files["ALA_20261120.txt"].superseded_reasons == {"exact_duplicate": 1, "in_another_part": 1}
    assert rows(warehouse, "select file_name, line_number, voter_id from raw.voters order by 1, 2") == [
        ("ALA_20261120.txt", 3, "1000000004"),
        ("BAK_20261120.txt", 1, "1000000003"),
        ("BAK_20261120.txt", 3, "1000000001"),
        ("BAY_20261120.txt", 1, "1000000005"),
    ]
    assert rows(warehouse, "select file_name, line_number, reasons, raw_line from raw.quarantine") == [
        ("ALA_20261120.txt", 2, ["wrong_field_count"], "ALA\t1000000002\tJONES\t3"),
    ]
    assert rows(
        warehouse,
        "select file_name, line_number, voter_id, reason, kept_file_name, kept_line_number "
        "from raw.superseded_records order by 2",
    ) == [
        ("ALA_20261120.txt", 1, "1000000001", "in_another_part", "BAK_20261120.txt", 3),
        ("ALA_20261120.txt", 4, "1000000004", "exact_duplicate", None, 3),
    ]
    log = rows(warehouse, "select file_name, lines_read, rows_loaded from raw.ingest_log order by 1")
    assert log == [("ALA_20261120.txt", 4, 1), ("BAK_20261120.txt", 3, 2), ("BAY_20261120.txt", 1, 1)]


def test_a_part_with_other_line_endings_is_read_on_its_own(layouts, warehouse, landing):
    _write(landing / "ALA_20261120.txt", "ALA\t1000000001\tSMITH\t5\t05/01/1970\tDEM\n")
    _write(
        landing / "BAK_20261120.txt",
        "BAK\t1000000003\tLEE\t9\t03/04/1990\tNPA\r\nBAK\t1000000006\tROE\t9\t03/04/1990\r\n",
    )
    _write(
        landing / "BAY_20261120.txt",
        "BAY\t1000000005\tKIM\t1\t07/08/1960\tDEM\nBAY\t1000000007\tFOX\t1\t07/08/1960\tREP\n",
    )
    outcome = ingest(warehouse, sorted(landing.iterdir()), quarantine_threshold_pct=100.0)
    assert all(file.reconciles and file.status == "loaded" for file in outcome.files)
    assert rows(warehouse, "select file_name, line_number from raw.voters order by 1, 2") == [
        ("ALA_20261120.txt", 1),
        ("BAK_20261120.txt", 1),
        ("BAY_20261120.txt", 1),
        ("BAY_20261120.txt", 2),
    ]
    assert rows(warehouse, "select file_name, line_number, raw_line from raw.quarantine") == [
        ("BAK_20261120.txt", 2, "BAK\t1000000006\tROE\t9\t03/04/1990"),
    ]


def test_a_header_in_every_part_is_each_parts_header(layouts, warehouse, landing):
    _write(landing / "TESTWIDE_1_22_20261120.txt", f"{WIDE_HEADER}\nOH0001,18,SMITH,1970-05-01,ACTIVE,D,D,X,\n")
    _write(
        landing / "TESTWIDE_23_44_20261120.txt",
        f"{WIDE_HEADER}\nOH0004,25,WU,1985-06-07,ACTIVE,,,X,\n,25,NOID,1990-03-04,ACTIVE,,X,X,X\nOH0005,25,LI,1985-06-07,ACTIVE,,X,,\n",
    )
    outcome = ingest(warehouse, sorted(landing.iterdir()), quarantine_threshold_pct=100.0)
    assert [
        (file.header_lines, file.rows_loaded, file.rows_quarantined, file.history_rows_derived)
        for file in outcome.files
    ] == [
        (1, 1, 0, 2),
        (1, 2, 1, 2),
    ]
    assert all(file.reconciles for file in outcome.files)
    assert rows(warehouse, "select file_name, line_number, reasons from raw.quarantine") == [
        ("TESTWIDE_23_44_20261120.txt", 3, ["missing_voter_id"]),
    ]
    assert rows(warehouse, "select distinct file_name, line_number, voter_id from raw.vote_history order by 1, 2") == [
        ("TESTWIDE_1_22_20261120.txt", 2, "OH0001"),
        ("TESTWIDE_23_44_20261120.txt", 2, "OH0004"),
        ("TESTWIDE_23_44_20261120.txt", 4, "OH0005"),
    ]


def test_an_empty_part_is_a_part_of_the_delivery_with_no_line(layouts, warehouse, landing):
    """A state writes every county's file, with no byte in it when the county has no record (a headerless
    layout has no header to write): the empty voters and history parts are recognised by their names as
    parts of the delivery the other files are, count no line, and no part is missing."""
    _write(landing / "ALA_20261120.txt", "ALA\t1000000001\tNAME\t5\t05/01/1970\tDEM\n")
    _write(landing / "BAK_20261120.txt", "")
    _write(landing / "BAY_20261120.txt", "BAY\t1000000005\tNAME\t1\t07/08/1960\tDEM\n")
    _write(landing / "ALA_H_20261120.txt", "ALA\t1000000001\t11/05/2024\tGEN\tY\n")
    _write(landing / "BAK_H_20261120.txt", "")
    _write(landing / "BAY_H_20261120.txt", "")
    outcome = ingest(warehouse, sorted(landing.iterdir()))
    (snapshot,) = outcome.snapshots
    assert snapshot.accepted and snapshot.missing_parts == [] and snapshot.message == ""
    assert (snapshot.voters_loaded, snapshot.history_rows_loaded) == (2, 1)
    files = {file.file_name: file for file in outcome.files}
    assert all(file.status == "loaded" and file.reconciles for file in outcome.files)
    for name, layout_id in (("BAK_20261120.txt", "test_headerless"), ("BAK_H_20261120.txt", "test_headerless_history")):
        empty = files[name]
        assert empty.layout.startswith(f"{layout_id} (an empty part")
        assert (empty.lines_read, empty.header_lines, empty.records) == (0, 0, 0)
    assert rows(warehouse, "select file_name, lines_read, rows_loaded from raw.ingest_log where file_size = 0") == [
        ("BAK_20261120.txt", 0, 0),
        ("BAK_H_20261120.txt", 0, 0),
        ("BAY_H_20261120.txt", 0, 0),
    ]


def test_an_empty_file_of_no_delivery_still_fails_its_date(layouts, warehouse, landing):
    """An empty file that no other file of the run (nor its state's folder) makes a part of stays an error."""
    _write(landing / "ALA_20261120.txt", "ALA\t1000000001\tNAME\t5\t05/01/1970\tDEM\n")
    _write(landing / "voters_NC_2026-11-20.csv", "")
    with pytest.raises(PartitionFailed) as failed:
        ingest(warehouse, sorted(landing.iterdir()))
    statuses = {file.file_name: file.status for file in failed.value.outcome.files}
    assert statuses["voters_NC_2026-11-20.csv"] == "empty"


def test_an_empty_part_in_its_states_folder_is_told_by_its_name(layouts, warehouse, landing):
    """Dropped on its own into landing/FL/, a county file of no byte is the one FL layout whose parts are
    named so: a snapshot without voter records, not an unrecognised file."""
    path = _write(landing / "BAK_20261120.txt", "")
    outcome = ingest_partition(warehouse, SNAPSHOT, [InputFile(path, state_hint="FL")], run_id="test")
    (file,) = outcome.files
    assert file.layout.startswith("test_headerless (an empty part") and file.reconciles
    (snapshot,) = outcome.snapshots
    assert not snapshot.accepted and snapshot.voters_loaded == 0


def test_the_line_map_finds_each_copy_lines_part():
    lines = LineMap((PartInCopy("a", 1, 3), PartInCopy("b", 4, 0, 1), PartInCopy("c", 4, 2, 1)))
    assert [lines.part_of(line) for line in range(1, 6)] == [0, 0, 0, 2, 2]
    assert lines.parts[2].shift == 2 and lines.parts[2].own_lines == 3


def test_no_fast_path_insert_joins_and_so_loses_the_readers_row_order(tmp_path):
    """Rows are numbered from their order (stage.py). DuckDB keeps a parallel read's order through
    the insert only when nothing in between is a join -- and it makes joins of IN lists and of
    list_contains over five or more constants. A concatenation of parts is large enough to be read in
    parallel, so every layout's fast-path insert is checked for a join."""
    from voter_platform.layouts.registry import layouts
    from voter_platform.lib.ingest.formats import FileLayout
    from voter_platform.lib.ingest.lines import record_reader_sql
    from voter_platform.lib.ingest.records import record_insert_sql
    from voter_platform.lib.warehouse import ensure_raw_tables

    sample = tmp_path / "sample.txt"
    sample.write_text("x\n")
    connection = duckdb.connect()
    ensure_raw_tables(connection)
    checked = 0
    for spec in layouts().values():
        if spec.record_kind not in ("voter", "vote_history"):
            continue
        names = tuple(source.name.lower() for source in spec.fields)
        record_length = max(source.start + source.width - 1 for source in spec.fields) if spec.is_fixed_width else None
        layout = FileLayout(
            spec,
            names,
            {name: index for index, name in enumerate(names, 1)},
            len(names),
            "all fields",
            spec.state if spec.state and len(spec.state) == 2 else None,
            record_length,
        )
        insert = record_insert_sql(layout, record_reader_sql(sample, "utf-8", layout, "sample_rejects"), SNAPSHOT)
        plan = connection.execute(
            "explain " + insert, {"partition_date": SNAPSHOT, "source_id": "x", "file_name": "x"}
        ).fetchall()[0][1]
        assert "JOIN" not in plan.upper(), spec.id
        checked += 1
    assert checked > 40


def test_parts_whose_every_line_takes_the_careful_path_load_whole(layouts, warehouse, landing):
    """More records than a DuckDB row group (122,880), all refused by the typed reader (a party code
    outside the table): their one large insert follows the fast path's empty one in the transaction,
    which DuckDB 2.0 would hide from every later scan but for partition.py's `_prime_appends`."""
    lines = 65_000
    for county in ("ALA", "BAK"):
        _write(
            landing / f"{county}_20261120.txt",
            "".join(f"{county}\t{county == 'BAK'}{number:09d}\tSMITH\t5\t05/01/1970\tXYZ\n" for number in range(lines))
            .replace("\tTrue", "\t1")
            .replace("\tFalse", "\t2"),
        )
    outcome = ingest(warehouse, sorted(landing.iterdir()))
    assert [(file.rows_loaded, file.quality_flags) for file in outcome.files] == [(lines, {"unknown_party": lines})] * 2
    assert rows(warehouse, "select file_name, count(*), max(line_number) from raw.voters group by all order by 1") == [
        ("ALA_20261120.txt", lines, lines),
        ("BAK_20261120.txt", lines, lines),
    ]


def _florida_voter(county: str, voter_id: str, name: str) -> str:
    """A record of Florida's 38-field county voter extract (the real layout, fl_voter_extract)."""
    fields = [county, voter_id, name, "", "EMMA", "", "N", "1 ELM RD", "", "CITY", "", "32066"]
    fields += [""] * 7 + ["F", "5", "07/28/1942", "02/09/1968", "REP"] + [""] * 4 + ["ACT"] + [""] * 9
    return "\t".join(fields) + "\n"


def test_a_vote_two_county_history_files_hold_is_kept_once(warehouse, landing):
    """A voter who moved county is in both counties' voter and history files: the vote both histories
    hold is kept once (in the later file), each county's other votes are kept."""
    voter = "0000000074"
    moved, stayed = _florida_voter("ALA", voter, "SMITH"), _florida_voter("ALA", "0000000075", "LEE")
    _write(landing / "ALA_20261120.txt", moved + stayed)
    _write(landing / "BAK_20261120.txt", _florida_voter("BAK", voter, "SMITH"))
    _write(
        landing / "ALA_H_20261120.txt",
        f"ALA\t{voter}\t11/04/2008\tGEN\tE\nALA\t{voter}\t11/02/2010\tGEN\tA\nALA\t0000000075\t11/02/2010\tGEN\tY\n",
    )
    _write(landing / "BAK_H_20261120.txt", f"BAK\t{voter}\t11/02/2010\tGEN\tA\nBAK\t{voter}\t11/08/2022\tGEN\tY\n")
    outcome = ingest_partition(
        warehouse, SNAPSHOT, [InputFile(path, state_hint="FL") for path in sorted(landing.iterdir())]
    )
    assert all(file.reconciles for file in outcome.files)
    assert rows(
        warehouse,
        "select file_name, line_number, voter_id, reason, kept_file_name, kept_line_number "
        "from raw.superseded_records order by 1, 2",
    ) == [
        ("ALA_20261120.txt", 1, voter, "in_another_part", "BAK_20261120.txt", 1),
        ("ALA_H_20261120.txt", 2, voter, "in_another_part", "BAK_H_20261120.txt", 1),
    ]
    assert rows(warehouse, "select file_name, line_number from raw.vote_history order by 1, 2") == [
        ("ALA_H_20261120.txt", 1),
        ("ALA_H_20261120.txt", 3),
        ("BAK_H_20261120.txt", 1),
        ("BAK_H_20261120.txt", 2),
    ]
