"""Every structural pattern of the state files, on small hand-written files of synthetic layouts:
history columns, headerless per-county parts in a zip, fixed width, slots with the header only in
the first part, history strings, compressed files, and recognition a user can steer."""

from __future__ import annotations

import gzip
import zipfile
from datetime import date

import pytest

from voter_platform.lib.ingest import InputFile
from voter_platform.lib.ingest.formats import UnknownFormatError, detect_layout
from voter_platform_tests.test_ingest.conftest import SNAPSHOT, ingest, rows
from voter_platform_tests.test_ingest.synthetic_layouts import WIDE_HEADER, registered


def test_history_columns_become_vote_history_rows(layouts, warehouse, landing):
    (landing / "TESTWIDE_1_22_20261120.txt").write_text(
        "\n".join(
            [
                WIDE_HEADER,
                "OH0001,18,SMITH,1970-05-01,ACTIVE,D,D,X,",
                "OH0002,18,JONES,1980-01-02,CONFIRMATION,,,X,X",
                "OH0003,18,LEE,1990-03-04,ACTIVE,R,R,,",
                ",18,NOID,1990-03-04,ACTIVE,,X,X,X",  # no id: quarantined, its votes with it
            ]
        )
        + "\n"
    )
    with gzip.open(landing / "TESTWIDE_23_44_20261120.txt.gz", "wt") as handle:
        handle.write(WIDE_HEADER + "\nOH0004,25,WU,1985-06-07,ACTIVE,,,Q,\n")
    outcome = ingest(warehouse, sorted(landing.iterdir()))
    assert [file.file_name for file in outcome.files] == [
        "TESTWIDE_1_22_20261120.txt",
        "TESTWIDE_23_44_20261120.txt.gz",
    ]
    (snapshot,) = outcome.snapshots
    assert snapshot.source_id == "testwide:OH" and snapshot.history_coverage == "per_election"
    assert (
        snapshot.missing_parts == ["45_66", "67_88"]
        and "2 parts of the delivery missing: 45_66, 67_88" in snapshot.message
    )
    assert rows(
        warehouse, "select voter_id, party, primary_ballot_party, registration_status from raw.voters order by 1"
    ) == [
        ("OH0001", None, "Democrat", "ACTIVE"),
        ("OH0002", None, None, "INACTIVE"),
        ("OH0003", None, "Republican", "ACTIVE"),
        ("OH0004", None, None, "ACTIVE"),
    ]
    assert rows(
        warehouse,
        """select voter_id, line_number, election_date, election_type, party_ballot, quality_flags, file_name
           from raw.vote_history order by voter_id, election_date""",
    ) == [
        ("OH0001", 2, date(2016, 3, 15), "PRIMARY", "Democrat", [], "TESTWIDE_1_22_20261120.txt"),
        ("OH0001", 2, date(2016, 11, 8), "GENERAL", None, [], "TESTWIDE_1_22_20261120.txt"),
        ("OH0002", 3, date(2016, 8, 2), "SPECIAL", None, [], "TESTWIDE_1_22_20261120.txt"),
        ("OH0002", 3, date(2016, 11, 8), "GENERAL", None, [], "TESTWIDE_1_22_20261120.txt"),
        ("OH0003", 4, date(2016, 3, 15), "PRIMARY", "Republican", [], "TESTWIDE_1_22_20261120.txt"),
        ("OH0004", 2, date(2016, 11, 8), "GENERAL", None, ["unknown_history_cell"], "TESTWIDE_23_44_20261120.txt.gz"),
    ]
    assert outcome.files[0].history_rows_derived == 5 and all(file.reconciles for file in outcome.files)


def _zip(path, members: dict[str, str]) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)


def test_a_zip_of_headerless_county_files_is_one_snapshot(layouts, warehouse, landing):
    voters = {
        "ALA_20261120.txt": "ALA\t1000000001\tSMITH\t5\t05/01/1970\tDEM\nALA\t1000000002\tJONES\t3\t01/02/1980\tXYZ\n",
        "BAK_20261120.txt": "BAK\t1000000003\tLEE\t9\t03/04/1990\tNPA\n",
    }
    history = {
        "ALA_H_20261120.txt": "ALA\t1000000001\t11/08/2016\tGEN\tY\nALA\t1000000002\t11/03/2020\tGEN\tA\n",
        # a voter who moved: their vote is in another county's history file
        "BAK_H_20261120.txt": "BAK\t1000000001\t11/03/2020\tGEN\tE\n",
    }
    _zip(
        landing / "Voter_Extract_20261120.zip",
        {
            **voters,
            **history,
            "VerificationFiles/ALA_20261120.txt": voters["ALA_20261120.txt"],
            "README.txt": "hello\n",
        },
    )
    outcome = ingest(warehouse, [landing / "Voter_Extract_20261120.zip"])
    statuses = {file.file_name: file.status for file in outcome.files}
    assert statuses == {
        "Voter_Extract_20261120.zip/ALA_20261120.txt": "loaded",
        "Voter_Extract_20261120.zip/BAK_20261120.txt": "loaded",
        "Voter_Extract_20261120.zip/ALA_H_20261120.txt": "loaded",
        "Voter_Extract_20261120.zip/BAK_H_20261120.txt": "loaded",
        "Voter_Extract_20261120.zip/VerificationFiles/ALA_20261120.txt": "ignored",
        "Voter_Extract_20261120.zip/README.txt": "ignored",
    }
    (snapshot,) = outcome.snapshots
    assert (snapshot.source_id, snapshot.voters_loaded, snapshot.history_rows_loaded) == ("testhl:FL", 3, 3)
    assert snapshot.missing_parts == ["BAY"]
    assert rows(
        warehouse, "select voter_id, county, race, party, birth_date, quality_flags from raw.voters order by 1"
    ) == [
        ("1000000001", "ALACHUA", "White", "Democrat", date(1970, 5, 1), []),
        ("1000000002", "ALACHUA", "Black", "Other", date(1980, 1, 2), ["unknown_party"]),
        ("1000000003", "BAKER", "Unknown", "Independent", date(1990, 3, 4), []),
    ]
    assert rows(warehouse, "select voter_id, election_date, voting_method from raw.vote_history order by 1, 2") == [
        ("1000000001", date(2016, 11, 8), "IN_PERSON"),
        ("1000000001", date(2020, 11, 3), "EARLY"),
        ("1000000002", date(2020, 11, 3), "MAIL"),
    ]


def test_fixed_width_records_are_cut_by_position(layouts, warehouse, landing):
    lines = [
        "0011000000001SMITH19700501V",
        "0011000000002JONES19800102S",
        "0011000000003LEE  19900304",  # trailing blank cut off: still a record
        "0011000000004WU   1985060",  # cut inside the date: not a record
        "2541000000005KIM  19750809C",
    ]
    path = landing / "testfixed_20261120.txt"
    path.write_text("\n".join(lines) + "\n")
    (file,) = ingest(warehouse, [path]).files
    assert (file.layout, file.rows_loaded, file.rows_quarantined, file.reconciles) == (
        "test_fixed (27-character records)",
        4,
        1,
        True,
    )
    assert rows(
        warehouse, "select voter_id, last_name, birth_date, registration_status, county from raw.voters order by 1"
    ) == [
        ("1000000001", "SMITH", date(1970, 5, 1), "ACTIVE", "001"),
        ("1000000002", "JONES", date(1980, 1, 2), "INACTIVE", "001"),
        ("1000000003", "LEE", date(1990, 3, 4), None, "001"),
        ("1000000005", "KIM", date(1975, 8, 9), "REMOVED", "254"),
    ]
    assert rows(warehouse, "select line_number, reasons, voter_id, detail from raw.quarantine") == [
        (
            4,
            ["wrong_line_length"],
            "1000000004",
            "the line's length is no record length: expected 27 (or fewer, when the last fields are blank and cut off)",
        )
    ]


def test_slots_and_a_header_only_in_the_first_part(layouts, warehouse, landing):
    header = "REGN_NUM,LAST_NAME,GENERAL_DATE,GENERAL_METHOD,GENERAL_DATE.1,GENERAL_METHOD.1,HISTORY 1,HISTORY 2"
    (landing / "TESTSLOTS Part1 11-20-26.csv").write_text(header + "\n101,SMITH,11/08/2016,A,11/03/2020,V,PR16,GE22\n")
    (landing / "TESTSLOTS Part2 11-20-26.csv").write_text("102,JONES,11/03/2020,V,,,,\n")
    outcome = ingest(warehouse, sorted(landing.iterdir()))
    assert [(file.status, file.layout) for file in outcome.files] == [
        ("loaded", "test_slots (8 columns)"),
        ("loaded", "test_slots (8 columns, header of the first part)"),
    ]
    assert rows(warehouse, "select voter_id, line_number, file_name from raw.voters order by 1") == [
        ("101", 2, "TESTSLOTS Part1 11-20-26.csv"),
        ("102", 1, "TESTSLOTS Part2 11-20-26.csv"),
    ]
    assert rows(
        warehouse,
        "select voter_id, election_date, election_type, voting_method, election_label "
        "from raw.vote_history order by 1, 2",
    ) == [
        ("101", date(2016, 1, 1), "PRIMARY", None, "PR16"),
        ("101", date(2016, 11, 8), "GENERAL", "ABSENTEE", None),
        ("101", date(2020, 11, 3), "GENERAL", "IN_PERSON", None),
        ("101", date(2022, 11, 8), "GENERAL", None, "GE22"),
        ("102", date(2020, 11, 3), "GENERAL", "IN_PERSON", None),
    ]
    assert rows(warehouse, "select quality_flags from raw.vote_history where election_label = 'PR16'") == [
        (["election_year_only"],)
    ]


def test_a_history_string_lists_the_elections(layouts, warehouse, landing):
    path = landing / "teststring_20261120.txt"
    path.write_text('"NY00000001","SMITH","2016 GENERAL ELECTION;PP 2016;2020 GENERAL"\n"NY00000002","JONES",""\n')
    (file,) = ingest(warehouse, [path]).files
    assert (file.rows_loaded, file.history_rows_derived) == (2, 3)
    assert rows(warehouse, "select voter_id, election_date, election_type from raw.vote_history order by 2") == [
        ("NY00000001", date(2016, 1, 1), "PRIMARY"),
        ("NY00000001", date(2016, 11, 8), "GENERAL"),
        ("NY00000001", date(2020, 11, 3), "GENERAL"),
    ]


def test_slots_decoded_by_each_countys_election_map(layouts, warehouse, landing):
    (landing / "ADAMS FVE 20261120.txt").write_text(
        '"1"\t"SMITH"\t"D"\t"AP"\t"D"\t""\t""\t"ADAMS"\n"2"\t"JONES"\t"R"\t"AB"\t"R"\t"AP"\t"R"\t"ADAMS"\n'
    )
    (landing / "BUCKS FVE 20261120.txt").write_text('"3"\t"LEE"\t"NF"\t"AP"\t""\t""\t""\t"BUCKS"\n')
    # The same slot is a different election in each county.
    (landing / "ADAMS Election Map 20261120.txt").write_text(
        "ADAMS\t1\t2024 GENERAL PRIMARY\t04/23/2024\nADAMS\t2\t2024 GENERAL\t11/05/2024\n"
    )
    older = "".join(
        f"BUCKS\t{slot}\t{2020 - slot} GENERAL\t11/0{slot % 7 + 1}/{2020 - slot}\n" for slot in range(3, 30)
    )
    (landing / "BUCKS Election Map 20261120.txt").write_text(
        "BUCKS\t1\t2022 GENERAL\t11/08/2022\nBUCKS\tx\tbroken\t\n" + older
    )
    outcome = ingest(warehouse, sorted(landing.iterdir()))
    statuses = {file.file_name: (file.status, file.rows_loaded, file.rows_quarantined) for file in outcome.files}
    assert statuses["BUCKS Election Map 20261120.txt"] == ("loaded", 28, 1)
    assert rows(
        warehouse,
        "select voter_id, election_date, election_type, election_label, voting_method, party_ballot "
        "from raw.vote_history order by 1, 2",
    ) == [
        ("1", date(2024, 4, 23), "PRIMARY", "2024 GENERAL PRIMARY", "IN_PERSON", "Democrat"),
        ("2", date(2024, 4, 23), "PRIMARY", "2024 GENERAL PRIMARY", "ABSENTEE", "Republican"),
        ("2", date(2024, 11, 5), "GENERAL", "2024 GENERAL", "IN_PERSON", "Republican"),
        ("3", date(2022, 11, 8), "GENERAL", "2022 GENERAL", "IN_PERSON", None),
    ]
    assert rows(warehouse, "select file_name, line_number, reasons from raw.quarantine") == [
        ("BUCKS Election Map 20261120.txt", 2, ["unusable_election_map_line"])
    ]
    # Loading the same delivery again replaces the map's quarantined line, it does not add a second.
    ingest(warehouse, sorted(landing.iterdir()), force_reload=True)
    assert rows(warehouse, "select file_name, line_number, reasons from raw.quarantine") == [
        ("BUCKS Election Map 20261120.txt", 2, ["unusable_election_map_line"])
    ]
    assert rows(warehouse, "select count(*) from raw.vote_history") == [(4,)]


def test_an_ambiguous_headerless_file_names_the_candidates_and_a_folder_decides(monkeypatch, tmp_path):
    from voter_platform_tests.test_ingest.synthetic_layouts import HEADERLESS

    copy = HEADERLESS.replace("id: test_headerless\n", "id: test_headerless_copy\n").replace("state: FL", "state: GA")
    folder = tmp_path / "layouts"
    folder.mkdir()
    line = "ALA\t1000000001\tSMITH\t5\t05/01/1970\tDEM"
    with registered(monkeypatch, folder, extra=(copy,)):
        with pytest.raises(
            UnknownFormatError,
            match=r"fits several layouts: test_headerless \(FL\), test_headerless_copy \(GA\).*landing/FL",
        ):
            detect_layout(line, "ALA_20261120.txt")
        assert detect_layout(line, "ALA_20261120.txt", state_hint="GA").spec.id == "test_headerless_copy"


def test_a_state_folder_limits_the_layouts_tried(layouts, warehouse, landing):
    folder = landing / "TX"
    folder.mkdir()
    path = folder / "testfixed_20261120.txt"
    path.write_text("0011000000001SMITH19700501V\n")
    (file,) = ingest_input(warehouse, InputFile(path, state_hint="TX", name="TX/testfixed_20261120.txt")).files
    assert (file.file_name, file.status) == ("TX/testfixed_20261120.txt", "loaded")
    with pytest.raises(Exception, match="only layouts of FL and multi-state ones were tried"):
        ingest_input(warehouse, InputFile(path, state_hint="FL", name="FL/testfixed_20261120.txt"))


def ingest_input(warehouse, input_file):
    from voter_platform.lib.ingest import IngestOptions, ingest_partition

    return ingest_partition(warehouse, SNAPSHOT, [input_file], run_id="test", options=IngestOptions())
