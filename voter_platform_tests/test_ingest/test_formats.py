"""Formats are recognised by their header; the source id pairs a jurisdiction's files."""

from __future__ import annotations

import pytest

from voter_platform.layouts.registry import layouts
from voter_platform.lib.ingest.formats import (
    CANONICAL_HISTORY_HEADER,
    CANONICAL_VOTER_HEADER,
    GOODPARTY_HEADER,
    UnknownFormatError,
    detect_layout,
    source_id,
)


def test_canonical_headers():
    assert detect_layout(",".join(CANONICAL_VOTER_HEADER)).spec.id == "canonical_voters"
    assert detect_layout(",".join(CANONICAL_HISTORY_HEADER) + "\r\n").spec.id == "canonical_vote_history"


def test_goodparty_header_and_its_older_shape():
    layout = detect_layout(",".join(GOODPARTY_HEADER))
    assert (layout.spec.id, layout.variant, layout.field_count) == ("goodparty", "11 columns", 11)
    older = detect_layout(",".join(GOODPARTY_HEADER[:10]) + ",,,")
    assert (older.variant, older.field_count, older.named_count) == ("10 columns + 3 empty", 13, 10)
    assert older.source_position("updated_at") is None


def test_headers_compare_trimmed_unquoted_and_case_insensitive():
    header = "\ufeff" + ",".join(f' "{name.upper()}" ' for name in GOODPARTY_HEADER)
    assert detect_layout(header).spec.id == "goodparty"


def test_ncvoter_columns_are_found_by_name_with_historical_spellings():
    header = "\t".join(
        [
            '"ncid"',
            '"Confidential_ind"',
            '"county_desc"',
            '"last_name"',
            '"first_name"',
            '"midl_name"',
            '"party_cd"',
            '"registr_dt"',
            '"birth_age"',
        ]
    )
    layout = detect_layout(header)
    assert layout.spec.id == "nc_ncvoter"
    assert layout.source_position("voter_id") == 1
    assert layout.source_position("middle_name") == 6
    assert layout.source_position("age") == 9
    assert layout.file_state == "NC"  # every record of an NCSBE file is a North Carolina voter


def test_a_repeated_header_name_is_matched_by_occurrence():
    """Iowa's raw header names every history slot column five times (and CITY three times): the n-th
    occurrence is the layout's n-th field of that name, found under its alias."""
    spec = layouts()["ia_voter_list"]
    header = [source.name for source in spec.fields]
    layout = detect_layout(",".join(header), "VoterDetails_ Part1 11-20-26-000000.csv")
    dates = [index for index, name in enumerate(header, start=1) if name == "GENERAL_ELECTION_DATE"]
    assert len(dates) == 5
    assert [
        layout.positions[name]
        for name in ("general_election_date", *(f"general_election_date.{n}" for n in range(1, 5)))
    ] == dates
    cities = [index for index, name in enumerate(header, start=1) if name == "CITY"]
    assert [layout.positions[name] for name in ("city", "city_2", "city_3")] == cities
    assert layout.source_position("city") == cities[0]


def test_vr_snapshot_is_told_apart_from_ncvoter_by_its_columns():
    header = "\t".join(
        [
            "snapshot_dt",
            "county_id",
            "county_desc",
            "ncid",
            "status_cd",
            "sex_code",
            "registr_dt",
            "last_name",
            "first_name",
            "party_cd",
        ]
    )
    layout = detect_layout(header)
    assert layout.spec.id == "nc_vr_snapshot"
    assert layout.source_position("gender") == 6


def test_utf16_read_as_bytes_is_named_as_an_encoding_problem():
    header = "snapshot_dt\tncid\tsex_code".encode("utf-16-le").decode("latin-1")
    with pytest.raises(UnknownFormatError, match="looks like UTF-16"):
        detect_layout(header)


def test_unknown_header_says_where_the_layouts_are_listed_and_the_canonical_header():
    with pytest.raises(UnknownFormatError) as error:
        detect_layout("a,b,c")
    message = str(error.value)
    assert message.startswith(
        "line 1 is not a header the platform knows (3 fields, none a known column name). Expected the header "
        "of one of the "
    )
    assert "layouts `voter-platform layouts` lists (the platform's own voters file: voter_id,first_name," in message
    assert len(message) < 600  # not every layout's header: there are dozens


def test_a_headerless_record_in_a_file_named_otherwise_names_its_layout_and_how_to_name_it():
    """A Florida county file renamed on download: its line 1 is a record of fl_voter_extract, which is
    recognised by its file name."""
    record = "\t".join(["ALA", "0000000074", "SMITH", "", "EMMA"] + [""] * 14 + ["F", "5", "07/28/1942"] + [""] * 16)
    with pytest.raises(UnknownFormatError) as error:
        detect_layout(record, "voters.txt")
    message = str(error.value)
    assert message.startswith("line 1 is not a header but reads as a record of fl_voter_extract (")
    assert "files named like CCC_YYYYMMDD.txt" in message and "name it as the state names its files" in message
    assert "SMITH" not in message  # the record is not echoed
    assert detect_layout(record, "ALA_20261120.txt").spec.id == "fl_voter_extract"


def test_a_near_miss_names_what_is_missing():
    with pytest.raises(
        UnknownFormatError, match=r"closest: goodparty, 10 of its column names found; missing: updated_at\)"
    ):
        detect_layout(",".join(GOODPARTY_HEADER[:10]) + ",last_update")


def test_a_partial_header_with_another_delimiter_names_the_delimiter():
    with pytest.raises(
        UnknownFormatError,
        match=(
            r"closest: canonical_voters, 4 of its column names found delimited by ';' instead of ','; "
            r"missing: name_suffix"
        ),
    ):
        detect_layout("voter_id;first_name;middle_name;last_name")
    with pytest.raises(UnknownFormatError, match=r"\(3 fields, none a known column name\)"):
        detect_layout("a;b;c")


def test_a_missing_header_is_not_echoed():
    """Without its header, line 1 is a voter: the message must not carry the record."""
    with pytest.raises(UnknownFormatError) as error:
        detect_layout(
            "VOT001,James,Smith,34,M,CA,Independent,james.smith@email.com,2015-03-15,2024-11-05,2/8/2024 12:03:45"
        )
    assert "James" not in str(error.value) and "@" not in str(error.value)


def test_an_empty_first_line_is_named():
    with pytest.raises(UnknownFormatError, match="the first line is empty"):
        detect_layout("")


def test_a_known_header_with_another_delimiter_is_named():
    with pytest.raises(UnknownFormatError, match="line 1 is the goodparty header delimited by '\\\\t'"):
        detect_layout("\t".join(GOODPARTY_HEADER))


@pytest.mark.parametrize(
    ("header", "file_name", "expected"),
    [
        (CANONICAL_VOTER_HEADER, "voters_NC_2026-11-20.csv", "canonical:NC"),
        (CANONICAL_HISTORY_HEADER, "vote_history_NC_2026-11-20.csv", "canonical:NC"),
        (CANONICAL_VOTER_HEADER, "voters_pa_20261120_corrected.csv", "canonical:PA"),
        (GOODPARTY_HEADER, "goodparty_voters.csv", "goodparty:goodparty_voters"),
        (GOODPARTY_HEADER, "goodparty_voters_2026_11_20.csv", "goodparty:goodparty_voters"),
    ],
)
def test_source_ids(header, file_name, expected):
    assert source_id(detect_layout(",".join(header), file_name), file_name) == expected


def test_ncsbe_source_ids_pair_voters_and_history():
    voters = detect_layout("ncid\tcounty_desc\tlast_name\tfirst_name\tparty_cd\tregistr_dt")
    history = detect_layout("ncid\telection_lbl\telection_desc\tvoting_method")
    assert source_id(voters, "ncvoter_Statewide_2026-11-20.txt") == "ncsbe:NC"
    assert source_id(history, "ncvhis_Statewide_2026-11-20.txt") == "ncsbe:NC"
    assert source_id(voters, "ncvoter48.txt") == "ncsbe:NC"  # a county extract is a (partial) NC roll
