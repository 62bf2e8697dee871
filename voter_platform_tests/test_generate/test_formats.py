"""Each output format byte for byte: names, header, delimiter, quoting, encoding, value styles."""

from __future__ import annotations

import csv
import re
from datetime import date

import pytest

from voter_platform.generate import reference
from voter_platform.generate.formats import CANONICAL_HISTORY, CANONICAL_VOTERS
from voter_platform.settings import SAMPLES_DIR
from voter_platform_tests.test_generate.conftest import small_run
from voter_platform_tests.test_ingest.test_ncsbe import HISTORY_COLUMNS, current_layout_columns

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@pytest.fixture(scope="module")
def canonical_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("canonical_format")
    small_run(out, "canonical", voters=20_000, states=("NC", "TX", "CT"))
    return out


@pytest.fixture(scope="module")
def goodparty_file(tmp_path_factory):
    out = tmp_path_factory.mktemp("goodparty_format")
    result = small_run(out, "goodparty", voters=5_000)
    assert [item.path.name for item in result.files] == ["goodparty_voters_2026-11-03.csv"]
    return result.files[0].path


@pytest.fixture(scope="module")
def ncsbe_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("ncsbe_format")
    result = small_run(out, "ncsbe", voters=30_000, start=date(2026, 11, 4))
    assert sorted(item.path.name for item in result.files) == [
        "ncvhis_Statewide_2026-11-04.txt",
        "ncvoter_Statewide_2026-11-04.txt",
    ]
    return out


def _rows(path, delimiter=","):
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle, delimiter=delimiter))


def test_canonical_files_per_state_with_exact_headers(canonical_dir):
    names = sorted(path.name for path in canonical_dir.iterdir() if path.is_file())
    assert names == [
        f"{kind}_{state}_2026-11-03.csv" for kind in ("vote_history", "voters") for state in ("CT", "NC", "TX")
    ]
    voters = (canonical_dir / "voters_NC_2026-11-03.csv").read_bytes()
    history = (canonical_dir / "vote_history_NC_2026-11-03.csv").read_bytes()
    assert voters.split(b"\n", 1)[0] == b",".join(name.encode() for name in CANONICAL_VOTERS.columns)
    assert history.split(b"\n", 1)[0] == b"voter_id,state,election_date,election_type,voting_method,party_ballot"
    assert CANONICAL_HISTORY.columns == (
        "voter_id",
        "state",
        "election_date",
        "election_type",
        "voting_method",
        "party_ballot",
    )
    for data in (voters, history):
        data.decode("utf-8")  # valid UTF-8 (accented names included)
        assert b"\r" not in data and b'"' not in data and data.endswith(b"\n")


def test_canonical_values_use_the_documented_vocabularies(canonical_dir):
    rows = _rows(canonical_dir / "voters_NC_2026-11-03.csv")
    header, body = rows[0], rows[1:]
    column = {name: [row[index] for row in body] for index, name in enumerate(header)}
    assert all(len(row) == 22 for row in body)
    assert set(column["party"]) <= {"Democrat", "Republican", "Libertarian", "Independent"}  # NC's parties in 2016
    assert set(column["gender"]) <= {"F", "M", "X", "U"} and set(column["registration_status"]) == {
        "ACTIVE",
        "INACTIVE",
    }
    assert set(column["state"]) == {"NC"}
    assert all(re.fullmatch(r"NC\d{9}", value) for value in column["voter_id"])
    assert len(set(column["voter_id"])) == len(body)
    for name in ("birth_date", "registered_date"):
        assert all(ISO_DATE.match(value) for value in column[name])
    assert all(value == "" or ISO_DATE.match(value) for value in column["last_voted_date"])
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", value) for value in column["updated_at"])
    assert all(re.fullmatch(r"\d{5}", value) for value in column["zip_code"])
    assert all(value == "" or re.fullmatch(r"919-555-\d{4}", value) for value in column["phone"])
    assert all(value == "" or re.fullmatch(r"[a-z.'_]+\d*@[a-z]+\.[a-z]+", value) for value in column["email"])
    nc_counties = {county.name for county in reference.states()["NC"].counties}
    assert set(column["county"]) <= nc_counties
    history = _rows(canonical_dir / "vote_history_NC_2026-11-03.csv")[1:]
    assert {row[3] for row in history} == {"GENERAL"}
    assert {row[4] for row in history} == {"IN_PERSON", "EARLY", "MAIL", "ABSENTEE", "PROVISIONAL"}
    assert {row[5] for row in history} == {""}


def test_canonical_states_without_party_registration_have_no_party(canonical_dir):
    rows = _rows(canonical_dir / "voters_TX_2026-11-03.csv")
    party = rows[0].index("party")
    assert {row[party] for row in rows[1:]} == {""}
    # Connecticut ZIP codes start with 0: they must keep it.
    connecticut = _rows(canonical_dir / "voters_CT_2026-11-03.csv")
    assert all(row[16].startswith("06") for row in connecticut[1:])


def test_goodparty_header_and_value_styles_match_the_sample(goodparty_file):
    sample_header = (SAMPLES_DIR / "goodparty_voters.csv").read_bytes().split(b"\n", 1)[0]
    data = goodparty_file.read_bytes()
    assert data.split(b"\n", 1)[0] == sample_header
    assert b"\r" not in data and b'"' not in data and data.endswith(b"\n")  # LF, final newline, no quotes
    rows = _rows(goodparty_file)[1:]
    assert all(len(row) == 11 for row in rows)
    assert all(re.fullmatch(r"VOT\d{3,}", row[0]) for row in rows)
    assert rows[0][0] == "VOT001"  # zero-padded to three digits, as the sample
    assert {row[6] for row in rows} == {"Democrat", "Republican", "Independent"}
    assert all(ISO_DATE.match(row[8]) and (row[9] == "" or ISO_DATE.match(row[9])) for row in rows)
    # M/D/YYYY H:MM:SS, no leading zero on month, day or hour.
    assert all(re.fullmatch(r"[1-9]\d?/[1-9]\d?/\d{4} (1?\d|2[0-3]):[0-5]\d:[0-5]\d", row[10]) for row in rows)
    assert all(18 <= int(row[3]) <= 110 for row in rows)
    assert {row[5] for row in rows} <= set(reference.states())


def test_ncvoter_is_the_current_67_column_layout_quoted_tab_latin1(ncsbe_dir):
    data = (ncsbe_dir / "ncvoter_Statewide_2026-11-04.txt").read_bytes()
    lines = data.split(b"\n")[:-1]
    header = lines[0].decode("ascii").split("\t")
    # The board's layout document, not the registry the generator reads: the two must agree.
    assert header == [f'"{name}"' for name in current_layout_columns()]
    assert header[:4] == ['"county_id"', '"county_desc"', '"voter_reg_num"', '"ncid"'] and len(header) == 67
    # latin-1: accented names are single bytes, never UTF-8 sequences.
    assert re.search(rb"[\xc0-\xff]", data) and b"\xc3\x89" not in data and b"\xc3\xa9" not in data
    text = data.decode("latin-1")
    county_codes = {(str(county.county_id), county.name) for county in reference.nc_counties().values()}
    seen_counties = set()
    for line in text.split("\n")[1:-1]:
        fields = line.split("\t")
        assert len(fields) == 67 and all(field.startswith('"') and field.endswith('"') for field in fields)
        values = [field[1:-1] for field in fields]
        seen_counties.add((values[0], values[1]))
        assert re.fullmatch(r"[A-Z]{2}\d{6}", values[3])
        assert values[14] == "NC" and values[8] in ("A", "I") and values[28] in ("DEM", "REP", "LIB", "UNA")
        assert re.fullmatch(r"\d{2}/\d{2}/\d{4}", values[25])
        assert int(values[31]) == 2026 - int(values[30])
    assert seen_counties <= county_codes and len(seen_counties) > 90
    assert ("65", "NEW HANOVER") in seen_counties


def test_ncvhis_has_the_15_columns_and_real_election_labels(ncsbe_dir):
    text = (ncsbe_dir / "ncvhis_Statewide_2026-11-04.txt").read_bytes().decode("latin-1")
    lines = text.split("\n")[:-1]
    assert lines[0].split("\t") == [f'"{name}"' for name in HISTORY_COLUMNS]
    labels, methods = set(), set()
    for line in lines[1:]:
        values = [field[1:-1] for field in line.split("\t")]
        assert len(values) == 15 and re.fullmatch(r"[A-Z]{2}\d{6}", values[10])
        assert values[4] == f"{values[3]} GENERAL"
        labels.add(values[4])
        methods.add(values[5])
    assert "11/08/2016 GENERAL" in labels and "11/03/2026 GENERAL" in labels  # the day after the 2026 general
    assert methods == {"IN-PERSON", "ABSENTEE ONESTOP", "ABSENTEE BY MAIL", "ABSENTEE CURBSIDE", "PROVISIONAL"}
