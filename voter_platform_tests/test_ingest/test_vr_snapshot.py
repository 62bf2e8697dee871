"""NCSBE VR_Snapshot files: 90 tab-separated columns, values space-padded to their widths, UTF-16 LE
with or without a byte-order mark, and the snapshot date in every record."""

from __future__ import annotations

from datetime import date

import pytest

from voter_platform.layouts.registry import layout
from voter_platform.lib.landing import describe
from voter_platform_tests.test_ingest.conftest import SNAPSHOT, ingest, rows

SPEC = layout("nc_vr_snapshot")


def padded(values: dict[str, str]) -> str:
    """One record as NCSBE writes it: every value padded with spaces to its column's width."""
    return "\t".join(values.get(source.name, "").ljust(source.width or 0) for source in SPEC.fields)


def voter(ncid: str, **values: str) -> dict[str, str]:
    base = {
        "snapshot_dt": SNAPSHOT.isoformat(),
        "county_id": "92",
        "county_desc": "WAKE",
        "ncid": ncid,
        "status_cd": "A",
        "voter_status_desc": "ACTIVE",
        "last_name": "PEÑA",
        "first_name": "ANA",
        "house_num": "12",
        "street_name": "MAIN",
        "street_type_cd": "ST",
        "res_city_desc": "RALEIGH",
        "state_cd": "NC",
        "zip_code": "27601",
        "race_code": "W",
        "ethnic_code": "NL",
        "party_cd": "DEM",
        "sex_code": "F",
        "sex": "FEMALE",
        "age": "46",
        "registr_dt": "2004-03-15",
        "confidential_ind": "N",
    }
    return base | values


RECORDS = [
    voter("AA100001"),
    # An empty value written as one NUL character (SQL Server's bcp export, as in real snapshots).
    voter(
        "AA100002",
        sex_code="M",
        sex="MALE",
        party_cd="REP",
        race_code="B",
        area_cd="919",
        phone_num="5550101",
        midl_name="\x00",
    ),
    # A removed voter: the board blanks the address, state included.
    voter(
        "AA100003",
        status_cd="R",
        house_num="",
        street_name="",
        street_type_cd="",
        res_city_desc="",
        state_cd="",
        zip_code="",
    ),
    voter("AA100004", sex_code="U", party_cd="UNA", registr_dt="1900-01-01", confidential_ind="Y"),
]


@pytest.mark.parametrize("bom", [True, False], ids=["with BOM", "without BOM"])
def test_a_utf16_snapshot_loads_with_genders_and_trimmed_values(warehouse, landing, bom):
    text = (
        "\r\n".join(["\t".join(source.name for source in SPEC.fields)] + [padded(record) for record in RECORDS])
        + "\r\n"
    )
    path = landing / "VR_Snapshot_20261120.txt"
    path.write_bytes((b"\xff\xfe" if bom else b"") + text.encode("utf-16-le"))
    outcome = ingest(warehouse, [path])
    (file,) = outcome.files
    assert (file.layout, file.encoding, file.rows_loaded, file.rows_quarantined, file.reconciles) == (
        "nc_vr_snapshot (90 columns)",
        "utf-16",
        4,
        0,
        True,
    )
    assert rows(
        warehouse,
        """select voter_id, first_name, coalesce(middle_name, '-'), last_name, gender, race, ethnicity, party,
                  registration_status, state, county, street_address, zip_code, phone, registered_date, age,
                  confidential, quality_flags
           from raw.voters order by voter_id""",
    ) == [
        (
            "AA100001",
            "ANA",
            "-",
            "PEÑA",
            "F",
            "White",
            "Not Hispanic",
            "Democrat",
            "ACTIVE",
            "NC",
            "WAKE",
            "12 MAIN ST",
            "27601",
            None,
            date(2004, 3, 15),
            46,
            False,
            [],
        ),
        (
            "AA100002",
            "ANA",
            "-",
            "PEÑA",
            "M",
            "Black",
            "Not Hispanic",
            "Republican",
            "ACTIVE",
            "NC",
            "WAKE",
            "12 MAIN ST",
            "27601",
            "9195550101",
            date(2004, 3, 15),
            46,
            False,
            [],
        ),
        (
            "AA100003",
            "ANA",
            "-",
            "PEÑA",
            "F",
            "White",
            "Not Hispanic",
            "Democrat",
            "REMOVED",
            "NC",
            "WAKE",
            None,
            None,
            None,
            date(2004, 3, 15),
            46,
            False,
            [],
        ),
        (
            "AA100004",
            "ANA",
            "-",
            "PEÑA",
            "U",
            "White",
            "Not Hispanic",
            "Independent",
            "ACTIVE",
            "NC",
            "WAKE",
            "12 MAIN ST",
            "27601",
            None,
            None,
            46,
            True,
            ["placeholder_registered_date"],
        ),
    ]
    # No ncvhis came with it: participation is unknown, not "never voted".
    assert outcome.snapshots[0].history_coverage == "none"


def test_the_snapshot_date_comes_from_snapshot_dt_when_the_name_has_none(landing):
    text = "\n".join(
        ["\t".join(source.name for source in SPEC.fields), padded(voter("AA100001", snapshot_dt="2021-02-15"))]
    )
    path = landing / "VR_Snapshot.txt"
    path.write_bytes(text.encode("utf-16-le"))
    found = describe(path)
    assert (found.partition_key, found.date_source) == ("2021-02-15", "file content")
