"""The NCSBE VR_Snapshot layout (--format ncsbe_vr_snapshot): 90 tab-separated columns with a header, values
padded as a real snapshot pads them, UTF-16 LE with or without a byte order mark, CRLF, dates YYYY-MM-DD,
removed voters going back ten years, and the traits of the manifest."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from voter_platform.generate import formats
from voter_platform.settings import LAYOUTS_DIR
from voter_platform_tests.test_generate.conftest import small_run
from voter_platform_tests.test_generate.files import facts_of, lines_of, manifest_by_kind, manifest_rows, records

SNAPSHOT = date(2026, 11, 4)
NAME = "VR_Snapshot_20261104.txt"
TRAITS = "realistic,confidential_voter=0.01,placeholder_date=0.01,registered_before_age_16=0.01"
VR_ADDRESS = ("house_num", "street_name", "res_city_desc", "state_cd", "zip_code")


@pytest.fixture(scope="module")
def snapshots(tmp_path_factory):
    runs = {}
    for bom in (True, False):
        out = tmp_path_factory.mktemp(f"vr_bom_{bom}")
        result = small_run(out, "ncsbe_vr_snapshot", voters=12_000, start=SNAPSHOT, defects=TRAITS, bom=bom,
                           chunk_size=2_500)  # fmt: skip
        assert sorted(item.path.name for item in result.files) == [NAME, "ncvhis_Statewide_2026-11-04.txt"]
        runs[bom] = out
    return runs


def test_utf16_le_with_and_without_a_byte_order_mark_crlf_same_text(snapshots):
    with_bom = (snapshots[True] / NAME).read_bytes()
    without = (snapshots[False] / NAME).read_bytes()
    assert with_bom[:2] == b"\xff\xfe" and without[:2] == b"s\x00"  # "snapshot_dt", UTF-16 LE
    assert with_bom[2:] == without
    # A NUL in every other byte: what tells UTF-16 from an 8-bit encoding.
    assert without[1:2000:2].count(0) > 990
    text = without.decode("utf-16-le")
    assert text.count("\r\n") == text.count("\n") and text.endswith("\r\n")
    assert facts_of(snapshots[True] / NAME)["bom"] is True and facts_of(snapshots[False] / NAME)["bom"] is False
    assert facts_of(snapshots[False] / NAME)["encoding"] == "utf-16-le"
    # The history file is the usual ncvhis one (latin-1, quoted).
    assert (snapshots[False] / "ncvhis_Statewide_2026-11-04.txt").read_bytes().startswith(b'"county_id"\t')


def documented_columns() -> list[str]:
    """The 90 column names of VR_Snapshot, from the board's layout document."""
    text = (LAYOUTS_DIR / "nc_layout_VR_Snapshot_2021-02-15.txt").read_text(encoding="latin-1")
    return [name for _, name in re.findall(r"^(\d+):\s+(\w+)\s+char\s+\d+", text, flags=re.M)]


def test_header_and_every_value_as_a_real_snapshot_writes_it(snapshots):
    _, lines, rows = records(snapshots[False] / NAME)
    assert lines[0].split("\t") == documented_columns()
    assert len(lines[0].split("\t")) == 90 and lines[0].split("\t")[41] == "sex_code"
    for row in rows:
        assert len(row) == 90
        for column, width in formats.VR_PADDED_WIDTHS.items():
            assert len(row[column]) == width, (column, row[column])
        assert row["snapshot_dt"] == "2026-11-04" and row["load_dt"] == "2026-11-05"
        assert row["sex_code"] in ("F", "M", "U")
        assert row["sex"].rstrip() == {"F": "FEMALE", "M": "MALE", "U": "UNK"}[row["sex_code"]]
        assert row["status_cd"] in ("A ", "I ", "R ", "D ")
        for column in ("registr_dt", "cancellation_dt"):
            date.fromisoformat(row[column])
        # Free-text columns are not padded; an empty one is a single NUL.
        assert row["mail_addr1"] == row["ward_desc"] == "\x00"
        assert row["county_desc"] == row["county_desc"].strip() and row["county_desc"]
        assert row["age_group"] in ("Age 18 - 25", "Age 26 - 40", "Age 41 - 65", "Age Over 66")
    padded_race = {row["race_code"] for row in rows}
    assert "W  " in padded_race and "B  " in padded_race  # the example
    assert {row["ethnic_code"] for row in rows} == {"HL ", "NL ", "UN "}
    assert len({row["sex_code"] for row in rows}) == 3


def test_removed_voters_go_back_ten_years_and_keep_their_address(snapshots):
    path = snapshots[False] / NAME
    _, _, rows = records(path)
    listed = manifest_by_kind(path)
    removed = {number for number, row in enumerate(rows, start=2) if row["status_cd"] == "R "}
    assert set(listed["removed_voter"]) == removed and 0.08 < len(removed) / len(rows) < 0.10
    dated = [date.fromisoformat(rows[number - 2]["cancellation_dt"]) for number in removed]
    known = [day for day in dated if day.year > 1900]
    assert 0.5 < len(known) / len(dated) < 0.7  # a real snapshot leaves ~40% of removals undated (1900-01-01)
    assert min(known) >= SNAPSHOT - timedelta(days=3653) and max(known) < SNAPSHOT
    assert min(known) < SNAPSHOT - timedelta(days=3000)  # spread over the ten years
    for number, row in enumerate(rows, start=2):
        if number not in removed:
            assert row["cancellation_dt"] == "1900-01-01"
        if number in removed:
            assert row["state_cd"] == "NC" and row["street_name"].strip()  # a snapshot keeps it


def test_confidential_voters_and_dates_match_the_manifest(snapshots):
    path = snapshots[False] / NAME
    _, _, rows = records(path)
    listed = manifest_by_kind(path)
    confidential = {number for number, row in enumerate(rows, start=2) if row["confidential_ind"] == "Y"}
    assert set(listed["confidential_voter"]) == confidential and len(confidential) > 50
    for number, row in enumerate(rows, start=2):
        blank = [row[column].strip(" \x00") == "" for column in VR_ADDRESS]
        assert all(blank) if number in confidential else not any(blank), number
    placeholder = {number for number, row in enumerate(rows, start=2) if row["registr_dt"] == "1900-01-01"}
    assert set(listed["placeholder_date"]) == placeholder and len(placeholder) > 50
    young = {
        number
        for number, row in enumerate(rows, start=2)
        if row["registr_dt"] != "1900-01-01"
        and date.fromisoformat(row["registr_dt"]) < SNAPSHOT.replace(year=SNAPSHOT.year - int(row["age"]) + 15)
    }
    assert set(listed["registered_before_age_16"]) == young and len(young) > 50
    assert facts_of(path)["blanked_columns"] == {"confidential_voter": list(formats._VR_ADDRESS)}


def test_undated_name_leaves_the_date_to_snapshot_dt(tmp_path):
    result = small_run(tmp_path, "ncsbe_vr_snapshot", voters=500, start=SNAPSHOT, undated_names=True)
    assert sorted(item.path.name for item in result.files) == ["VR_Snapshot.txt", "ncvhis_Statewide.txt"]
    lines = lines_of(tmp_path / "VR_Snapshot.txt")
    assert all(line.startswith("2026-11-04\t") for line in lines[1:])
    assert facts_of(tmp_path / "VR_Snapshot.txt")["snapshot_date"] == "2026-11-04"


def test_line_defects_on_a_snapshot_match_the_manifest_line_by_line(tmp_path):
    from voter_platform_tests.test_generate.test_defects import AS_OF, _carries, _clean

    small_run(tmp_path, "ncsbe_vr_snapshot", voters=6_000, start=AS_OF, defects="0.01", chunk_size=1_000)
    path = tmp_path / f"VR_Snapshot_{AS_OF:%Y%m%d}.txt"
    layout = formats.VR_SNAPSHOT
    lines = [line.encode() for line in lines_of(path)]  # as UTF-8, the text the injector worked on
    listed = {int(row["line_number"]): row for row in manifest_rows(path)}
    for number, row in listed.items():
        assert _carries(row["defect"], row["detail"], layout, lines[number - 1], lines), row
    for number, line in enumerate(lines[1:], start=2):
        if number not in listed:
            assert _clean(layout, line), number
    assert {row["defect"] for row in listed.values()} == set(layout.defect_kinds)
