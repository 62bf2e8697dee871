"""North Carolina State Board of Elections files: ncvoter (67 and 71 columns, real header spellings)
and ncvhis, tab-delimited, quoted, latin-1."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from voter_platform.settings import LAYOUTS_DIR
from voter_platform_tests.test_ingest.conftest import SNAPSHOT, ingest, rows

FIXTURE = LAYOUTS_DIR / "nc_ncvoter_synthetic_fixture.csv"
HISTORY_COLUMNS = [
    "county_id",
    "county_desc",
    "voter_reg_num",
    "election_lbl",
    "election_desc",
    "voting_method",
    "voted_party_cd",
    "voted_party_desc",
    "pct_label",
    "pct_description",
    "ncid",
    "voted_county_id",
    "voted_county_desc",
    "vtd_label",
    "vtd_description",
]


def current_layout_columns() -> list[str]:
    """The 67 column names of the current ncvoter layout, read from the state's layout document."""
    text = (LAYOUTS_DIR / "nc_layout_ncvoter.txt").read_text()
    section = text.split("File layout (from 02/12/2022)")[1].split("Previous file layout")[0]
    return [match[1] for match in re.finditer(r"^([a-z_0-9]+) +\S", section, re.M) if match[1] != "name"]


def quoted_line(values: list[str]) -> bytes:
    return "\t".join(f'"{value}"' for value in values).encode("latin-1")


def ncvoter_record(columns: list[str], **values: str) -> list[str]:
    base = {
        "county_id": "92",
        "county_desc": "WAKE",
        "voter_reg_num": "000001",
        "ncid": "AA100001",
        "last_name": "PEÑA",
        "first_name": "ANA",
        "middle_name": "",
        "name_suffix_lbl": "",
        "status_cd": "A",
        "voter_status_desc": "ACTIVE",
        "res_street_address": "1 MAIN ST",
        "res_city_desc": "RALEIGH",
        "state_cd": "NC",
        "zip_code": "27601",
        "registr_dt": "03/15/2004",
        "race_code": "W",
        "ethnic_code": "NL",
        "party_cd": "UNA",
        "gender_code": "F",
        "birth_year": "1980",
        "age_at_year_end": "46",
    }
    base.update(values)
    return [base.get(column, "") for column in columns]


@pytest.fixture
def statewide(landing: Path) -> tuple[Path, Path]:
    columns = current_layout_columns()
    # Real-file spellings: midl_name for middle_name, name_sufx_cd, capitalised Confidential_ind.
    header = [
        {"middle_name": "midl_name", "name_suffix_lbl": "name_sufx_cd", "confidential_ind": "Confidential_ind"}.get(
            c, c
        )
        for c in columns
    ]
    lines = [quoted_line(header)]
    lines.append(quoted_line(ncvoter_record(columns)))
    lines.append(
        quoted_line(ncvoter_record(columns, ncid="AA100002", party_cd="DEM", gender_code="M", zip_code="27517.0"))
    )
    lines.append(quoted_line(ncvoter_record(columns, ncid="AA100003", party_cd="REP", registr_dt="##/##/####")))
    lines.append(
        quoted_line(ncvoter_record(columns, ncid="AA100004", party_cd="LIB", status_cd="I", county_desc="DURHAM"))
    )
    lines.append(quoted_line(ncvoter_record(columns, ncid="AA100005", party_cd="GRE", age_at_year_end="9")))
    voters = landing / f"ncvoter_Statewide_{SNAPSHOT}.txt"
    voters.write_bytes(b"\r\n".join(lines) + b"\r\n")

    def history(ncid: str, label: str, desc: str, method: str, party: str) -> bytes:
        values = {
            "ncid": ncid,
            "election_lbl": label,
            "election_desc": desc,
            "voting_method": method,
            "voted_party_cd": party,
        }
        return quoted_line([values.get(column, "") for column in HISTORY_COLUMNS])

    history_lines = [
        quoted_line(HISTORY_COLUMNS),
        history("AA100001", "11/08/2016", "11/08/2016 GENERAL", "ABSENTEE ONESTOP", "UNA"),
        history("AA100001", "11/03/2020", "11/03/2020 GENERAL", "ABSENTEE BY MAIL", "UNA"),
        history("AA100002", "03/03/2020", "03/03/2020 PRIMARY", "IN-PERSON", "DEM"),
        history("AA100002", "10/10/2017", "10/10/2017 MUNICIPAL GENERAL", "CURBSIDE", "DEM"),
        history("AA100002", "03/03/2020", "03/03/2020 PRIMARY", "IN-PERSON", "DEM"),  # NC repeats rows
        history("AA100003", "11/05/2024", "11/05/2024 GENERAL", "TRANSFER", "REP"),
    ]
    vote_history = landing / f"ncvhis_Statewide_{SNAPSHOT}.txt"
    vote_history.write_bytes(b"\r\n".join(history_lines) + b"\r\n")
    return voters, vote_history


def test_layout_document_has_67_columns():
    assert len(current_layout_columns()) == 67


def test_statewide_pair_loads_as_one_snapshot(warehouse, statewide):
    outcome = ingest(warehouse, statewide)
    voters, history = outcome.files
    assert (voters.layout, voters.encoding, voters.source_id) == ("nc_ncvoter (67 columns)", "latin-1", "ncsbe:NC")
    assert (history.layout, history.source_id) == ("nc_ncvhis (15 columns)", "ncsbe:NC")
    assert all(file.reconciles for file in outcome.files)
    (snapshot,) = outcome.snapshots
    assert (snapshot.voters_file, snapshot.history_file, snapshot.history_coverage) == (
        statewide[0].name,
        statewide[1].name,
        "per_election",
    )


def test_ncvoter_values_are_mapped_to_the_canonical_vocabulary(warehouse, statewide):
    ingest(warehouse, statewide)
    loaded = rows(
        warehouse,
        """select voter_id, last_name, party, gender, state, county, registration_status, registered_date,
                  zip_code, birth_year, age, quality_flags
           from raw.voters order by voter_id""",
    )
    assert loaded[0] == (
        "AA100001",
        "PEÑA",
        "Independent",
        "F",
        "NC",
        "WAKE",
        "ACTIVE",
        date(2004, 3, 15),
        "27601",
        1980,
        46,
        [],
    )
    assert loaded[1][2:4] == ("Democrat", "M") and loaded[1][8] == "27517"
    # A masked registration date is unknown, not wrong: loaded with a flag.
    assert (loaded[2][0], loaded[2][2], loaded[2][7], loaded[2][11]) == (
        "AA100003",
        "Republican",
        None,
        ["masked_date"],
    )
    assert (loaded[3][2], loaded[3][5], loaded[3][6]) == ("Libertarian", "DURHAM", "INACTIVE")
    # An impossible age is a real voter with a wrong value: loaded, the age nulled and flagged.
    assert (loaded[4][0], loaded[4][9], loaded[4][10], loaded[4][11]) == ("AA100005", None, None, ["age_out_of_range"])
    assert rows(warehouse, "select count(*) from raw.quarantine") == [(0,)]
    assert rows(warehouse, "select distinct race, ethnicity from raw.voters") == [("White", "Not Hispanic")]


def test_ncvhis_history(warehouse, statewide):
    ingest(warehouse, statewide)
    history = rows(
        warehouse,
        "select voter_id, election_date, election_type, election_label, voting_method, party_ballot "
        "from raw.vote_history order by 1, 2",
    )
    assert history == [
        ("AA100001", date(2016, 11, 8), "GENERAL", "11/08/2016 GENERAL", "EARLY", "Independent"),
        ("AA100001", date(2020, 11, 3), "GENERAL", "11/03/2020 GENERAL", "MAIL", "Independent"),
        ("AA100002", date(2017, 10, 10), "MUNICIPAL", "10/10/2017 MUNICIPAL GENERAL", "IN_PERSON", "Democrat"),
        ("AA100002", date(2020, 3, 3), "PRIMARY", "03/03/2020 PRIMARY", "IN_PERSON", "Democrat"),
        ("AA100003", date(2024, 11, 5), "GENERAL", "11/05/2024 GENERAL", "OTHER", "Republican"),
    ]
    assert rows(warehouse, "select line_number, reason, kept_line_number from raw.superseded_records") == [
        (6, "exact_duplicate", 4)
    ]


def test_synthetic_fixture_with_shuffled_columns_and_old_spellings(warehouse, landing):
    path = landing / FIXTURE.name
    path.write_bytes(FIXTURE.read_bytes())
    (file,) = ingest(warehouse, [path]).files
    assert (file.layout, file.lines_read, file.reconciles) == ("nc_ncvoter (71 columns)", 101, True)
    assert (file.rows_loaded, file.rows_quarantined) == (100, 0)
    # Columns come from the header, whatever their order (ncid is column 59, party_cd 58, ...).
    assert rows(
        warehouse,
        "select voter_id, party, gender, registration_status, county, zip_code from raw.voters where line_number = 5",
    ) == [("SK953197", "Democrat", "U", "INACTIVE", "WAYNEHAVEN", "22268")]
    # The values are made up: a voter registered in 1977 whose birth_age is 34 cannot have been 16 then.
    # The voter is loaded; the registration date is what is wrong.
    assert rows(warehouse, "select voter_id, registered_date, quality_flags from raw.voters where line_number = 2") == [
        ("DU994065", None, ["registration_before_age_16"])
    ]
    assert "registration_before_age_16" in file.quality_flags


def test_a_county_extract_with_removed_voters_loads_whole(warehouse, landing):
    """The board blanks the address (state included) of removed and confidential voters: they are
    North Carolina voters all the same, and nothing is quarantined for it."""
    columns = current_layout_columns()
    lines = [quoted_line(columns)]
    blank_address = dict(res_street_address="", res_city_desc="", state_cd="", zip_code="")
    for number in range(1, 101):
        values = dict(
            ncid=f"AA{number:06d}",
            party_cd=("DEM", "REP", "UNA")[number % 3],
            gender_code="FMU"[number % 3],
            race_code="WBA"[number % 3],
        )
        if number % 11 == 0:
            values |= dict(status_cd="R", voter_status_desc="REMOVED", **blank_address)
        elif number % 17 == 0:
            values |= dict(confidential_ind="Y", **blank_address)
        lines.append(quoted_line(ncvoter_record(columns, **values)))
    path = landing / "ncvoter92.txt"
    path.write_bytes(b"\n".join(lines) + b"\n")
    (file,) = ingest(warehouse, [path]).files
    assert (file.rows_loaded, file.rows_quarantined, file.status) == (100, 0, "loaded")
    by_status = rows(warehouse, "select registration_status, count(*) from raw.voters group by all order by all")
    assert by_status == [("ACTIVE", 91), ("REMOVED", 9)]
    assert rows(warehouse, "select count(*) from raw.voters where state = 'NC' and confidential") == [(5,)]
