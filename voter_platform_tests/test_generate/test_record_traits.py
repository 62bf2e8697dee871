"""Real-file record traits (issue 10): removed, denied and confidential NC voters, placeholder and implausible
registration dates. Each is checked in the written bytes and in the manifest, both ways: every line the
manifest lists carries its trait, and every line carrying a trait is listed."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from voter_platform.generate.config import REALISTIC_PROFILE, ChurnRates, DefectRates
from voter_platform.generate.roll import REASONS
from voter_platform_tests.test_generate.conftest import ELECTION_EVE, small_run
from voter_platform_tests.test_generate.files import facts_of, manifest_by_kind, manifest_rows, records

NC_ADDRESS = ("res_street_address", "res_city_desc", "state_cd", "zip_code")
REMOVAL_CODES = {code for code, _ in REASONS if code.startswith("R")}
DENIAL_CODES = {code for code, _ in REASONS if code.startswith("D")}
# The realistic profile, with the rarer traits raised so that a small file has dozens of each.
MORE_DATES = (
    "realistic,confidential_voter=0.01,placeholder_date=0.01,registered_on_birth_date=0.01,"
    "registered_before_age_16=0.01"
)
# Without the truncated lines of the profile (test_truncated_lines.py), so every line is one whole record.
WHOLE_LINES = MORE_DATES + ",truncated_then_record=0,truncated_then_header=0"
DAY_ONE, DAY_TWO = ELECTION_EVE, ELECTION_EVE + timedelta(days=1)


@pytest.fixture(scope="module")
def nc_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("nc_traits")
    # Churn removes 0.5% a day: those voters must show up as REMOVED in the next day's file.
    small_run(out, "ncsbe", voters=20_000, days=2, defects=MORE_DATES, chunk_size=3_000,
              churn=ChurnRates(removed=0.005))  # fmt: skip
    return out


def _lines_where(rows, test) -> set[int]:
    return {number for number, row in enumerate(rows, start=2) if test(row)}


def test_realistic_profile_and_its_spellings():
    realistic = DefectRates.parse("realistic")
    assert realistic.rates["removed_voter"] == pytest.approx(0.09)
    assert DefectRates.parse("real").rates == realistic.rates  # the name for it
    assert all(realistic.rates[kind] == 0 for kind in ("glued_lines", "blank_field", "non_utf8"))
    assert set(realistic.traits) == {
        "removed_voter", "denied_voter", "confidential_voter", "placeholder_date", "registered_on_birth_date",
        "registered_before_age_16",
    }  # fmt: skip
    combined = DefectRates.parse("realistic,blank_field=0.001,removed_voter=0.2")
    assert combined.rates["blank_field"] == 0.001 and combined.rates["removed_voter"] == 0.2
    assert combined.rates["denied_voter"] == REALISTIC_PROFILE["denied_voter"]
    assert "removed_voter" not in DefectRates.parse("0.01").rates  # one rate: the line defects only
    assert DefectRates.parse("removed_voter=0.1").rates["removed_voter"] == 0.1
    with pytest.raises(ValueError, match="unknown defect 'removed'"):
        DefectRates.parse("realistic,removed=0.1")


def test_ncvoter_removed_denied_and_confidential_voters_match_the_manifest(nc_run):
    path = nc_run / f"ncvoter_Statewide_{DAY_ONE}.txt"
    _, _, rows = records(path)
    listed = manifest_by_kind(path)
    removed = _lines_where(rows, lambda row: row["status_cd"] == "R")
    denied = _lines_where(rows, lambda row: row["status_cd"] == "D")
    confidential = _lines_where(rows, lambda row: row["confidential_ind"] == "Y")
    assert set(listed["removed_voter"]) == removed
    assert set(listed["denied_voter"]) == denied
    assert set(listed["confidential_voter"]) == confidential
    assert not confidential & (removed | denied)
    # Shaped like a real county file: about 9% removed, interleaved with the registered voters.
    assert 0.08 < len(removed) / len(rows) < 0.10
    assert 0.003 < len(denied) / len(rows) < 0.008
    assert min(removed) < len(rows) / 10 and max(removed) > len(rows) * 0.9
    for number, row in enumerate(rows, start=2):
        address = [row[column] for column in NC_ADDRESS]
        if number in removed or number in confidential:
            assert address == ["", "", "", ""], number  # the board blanks it
        else:
            assert all(address) and row["state_cd"] == "NC", number
        if number in removed:
            assert row["voter_status_desc"] == "REMOVED" and row["reason_cd"] in REMOVAL_CODES
        elif number in denied:
            assert row["voter_status_desc"] == "DENIED" and row["reason_cd"] in DENIAL_CODES
        else:
            assert row["status_cd"] in ("A", "I")
    assert len({rows[number - 2]["reason_cd"] for number in removed}) >= 6
    assert len({row["ncid"] for row in rows}) == len(rows)  # former voters have ids of their own
    facts = facts_of(path)
    assert facts["records_by_status"] == {
        "ACTIVE": len(_lines_where(rows, lambda row: row["status_cd"] == "A")),
        "INACTIVE": len(_lines_where(rows, lambda row: row["status_cd"] == "I")),
        "REMOVED": len(removed),
        "DENIED": len(denied),
    }
    assert facts["blanked_columns"]["removed_voter"] == list(NC_ADDRESS)
    assert facts["manifest_rows"]["removed_voter"] == len(removed)


def test_ncvoter_placeholder_and_implausible_registration_dates_match_the_manifest(nc_run):
    path = nc_run / f"ncvoter_Statewide_{DAY_ONE}.txt"
    _, _, rows = records(path)
    listed = manifest_by_kind(path)

    def years_after_birth(row) -> int:
        return int(row["registr_dt"][-4:]) - int(row["birth_year"])

    placeholder = _lines_where(rows, lambda row: row["registr_dt"] == "01/01/1900")
    young = _lines_where(rows, lambda row: 0 <= years_after_birth(row) < 16)
    assert set(listed["placeholder_date"]) == placeholder and len(placeholder) > 50
    assert set(listed["registered_before_age_16"]) == young and len(young) > 50
    details = set(listed["placeholder_date"].values()) | set(listed["registered_before_age_16"].values())
    assert details == {"registr_dt"}
    assert all(1 <= years_after_birth(rows[number - 2]) <= 15 for number in young)  # after birth, before 16
    # NC files have no birth date: a registration "on the birth date" is not a trait they can show.
    assert "registered_on_birth_date" not in listed
    # Real voters: registered (active or inactive), never a former voter.
    assert {rows[number - 2]["status_cd"] for number in placeholder | young} <= {"A", "I"}


def test_voters_removed_by_churn_are_removed_records_the_next_day(nc_run):
    _, _, before = records(nc_run / f"ncvoter_Statewide_{DAY_ONE}.txt")
    _, _, after = records(nc_run / f"ncvoter_Statewide_{DAY_TWO}.txt")
    status_before = {row["ncid"]: row["status_cd"] for row in before}
    after_by_id = {row["ncid"]: row for row in after}
    newly_removed = [ncid for ncid, row in after_by_id.items()
                     if row["status_cd"] == "R" and status_before.get(ncid) in ("A", "I")]  # fmt: skip
    assert 50 < len(newly_removed) < 150  # 0.5% of 20,000
    assert all(after_by_id[ncid]["res_street_address"] == "" for ncid in newly_removed)
    # Removed and denied records stay on file from one day to the next.
    kept = {ncid for ncid, status in status_before.items() if status in ("R", "D")}
    assert all(after_by_id[ncid]["status_cd"] == status_before[ncid] for ncid in kept)
    # The registered roll lost exactly the voters now shown as removed (and gained the new ones).
    registered_before = {ncid for ncid, status in status_before.items() if status in ("A", "I")}
    registered_after = {ncid for ncid, row in after_by_id.items() if row["status_cd"] in ("A", "I")}
    assert registered_before - registered_after == set(newly_removed)


def test_removed_voters_keep_their_past_votes_denied_applicants_have_none(nc_run):
    _, _, voters = records(nc_run / f"ncvoter_Statewide_{DAY_ONE}.txt")
    _, _, history = records(nc_run / f"ncvhis_Statewide_{DAY_ONE}.txt")
    voted = {row["ncid"] for row in history}
    removed = {row["ncid"] for row in voters if row["status_cd"] == "R"}
    denied = {row["ncid"] for row in voters if row["status_cd"] == "D"}
    assert len(removed & voted) > len(removed) / 3
    assert not denied & voted
    assert voted <= {row["ncid"] for row in voters}


@pytest.fixture(scope="module")
def canonical_and_goodparty(tmp_path_factory):
    out = tmp_path_factory.mktemp("date_traits")
    small_run(out / "canonical", "canonical", voters=20_000, defects=WHOLE_LINES, states=("NC", "WY"), chunk_size=2_500)
    small_run(out / "goodparty", "goodparty", voters=20_000, defects=WHOLE_LINES, chunk_size=2_500)
    return out


def test_canonical_placeholder_and_implausible_registration_dates_match_the_manifest(canonical_and_goodparty):
    path = canonical_and_goodparty / "canonical" / f"voters_NC_{DAY_ONE}.csv"
    _, _, rows = records(path)
    listed = manifest_by_kind(path)

    def sixteenth(row) -> date:
        birth = date.fromisoformat(row["birth_date"])
        return birth.replace(year=birth.year + 16, day=28 if (birth.month, birth.day) == (2, 29) else birth.day)

    placeholder = _lines_where(rows, lambda row: row["registered_date"] == "1900-01-01")
    on_birth = _lines_where(rows, lambda row: row["registered_date"] == row["birth_date"])
    young = _lines_where(rows, lambda row: row["birth_date"] < row["registered_date"] < sixteenth(row).isoformat())
    assert set(listed["placeholder_date"]) == placeholder and len(placeholder) > 50
    assert set(listed["registered_on_birth_date"]) == on_birth and len(on_birth) > 50
    assert set(listed["registered_before_age_16"]) == young and len(young) > 50
    assert {detail for kind in ("placeholder_date", "registered_on_birth_date", "registered_before_age_16")
            for detail in listed[kind].values()} == {"registered_date"}  # fmt: skip
    # The canonical layout has no status codes or confidential flag: those traits are NC's.
    assert not {"removed_voter", "denied_voter", "confidential_voter"} & set(listed)
    assert {row["registration_status"] for row in rows} == {"ACTIVE", "INACTIVE"}


def test_goodparty_placeholder_and_implausible_registration_dates_match_the_manifest(canonical_and_goodparty):
    path = canonical_and_goodparty / "goodparty" / f"goodparty_voters_{DAY_ONE}.csv"
    _, _, rows = records(path)
    listed = manifest_by_kind(path)

    def surely_before_16(row) -> bool:
        """Before the 16th birthday for every birth date the age allows (and after the latest of them)."""
        age, registered = int(row["age"]), date.fromisoformat(row["registered_date"])
        latest_birth = DAY_ONE.replace(year=DAY_ONE.year - age)
        earliest_birth = DAY_ONE.replace(year=DAY_ONE.year - age - 1) + timedelta(days=1)
        return latest_birth < registered < earliest_birth.replace(year=earliest_birth.year + 16)

    placeholder = _lines_where(rows, lambda row: row["registered_date"] == "1900-01-01")
    young = _lines_where(rows, lambda row: row["registered_date"] != "1900-01-01" and surely_before_16(row))
    assert set(listed["placeholder_date"]) == placeholder and len(placeholder) > 50
    assert set(listed["registered_before_age_16"]) == young and len(young) > 50
    assert "registered_on_birth_date" not in listed  # an age is not a birth date


def test_a_voter_keeps_a_trait_from_day_to_day_and_across_formats(tmp_path):
    """Traits belong to the voter (drawn from the serial), as a bad date stays in a real roll."""
    small_run(tmp_path / "c", "canonical", voters=8_000, days=2, defects=WHOLE_LINES, states=("NC",))
    small_run(tmp_path / "g", "goodparty", voters=8_000, days=1, defects=WHOLE_LINES, states=("NC",))
    day_one = manifest_by_kind(tmp_path / "c" / f"voters_NC_{DAY_ONE}.csv")
    _, _, rows_one = records(tmp_path / "c" / f"voters_NC_{DAY_ONE}.csv")
    _, _, rows_two = records(tmp_path / "c" / f"voters_NC_{DAY_TWO}.csv")
    ids = {rows_one[number - 2]["voter_id"] for number in day_one["placeholder_date"]}
    assert ids and ids <= {row["voter_id"] for row in rows_two if row["registered_date"] == "1900-01-01"} | (
        {row["voter_id"] for row in rows_one} - {row["voter_id"] for row in rows_two}
    )
    _, _, goodparty = records(tmp_path / "g" / f"goodparty_voters_{DAY_ONE}.csv")
    goodparty_ids = {row["id"] for row in goodparty if row["registered_date"] == "1900-01-01"}
    assert {f"VOT{int(voter[2:]):03d}" for voter in ids} == goodparty_ids


def test_defects_never_land_on_a_trait_line_and_trait_lines_follow_inserted_lines(tmp_path):
    """With line defects on top (duplicates and headers inserted, lines glued), each trait row still
    points at its record's line: the manifest's line numbers follow every inserted and merged line."""
    defects = "realistic,exact_duplicate=0.01,conflicting_duplicate=0.01,glued_lines=0.01,repeated_header=0.01"
    small_run(tmp_path, "ncsbe", voters=8_000, defects=defects + ",blank_field=0.01,impossible_date=0.01",
              chunk_size=700)  # fmt: skip
    path = tmp_path / f"ncvoter_Statewide_{DAY_ONE}.txt"
    layout, _, rows = records(path)
    numbers = [int(row["line_number"]) for row in manifest_rows(path)]
    assert len(numbers) == len(set(numbers)), "a line carries one defect or trait"
    listed = manifest_by_kind(path)
    kinds = ("exact_duplicate", "glued_lines", "repeated_header", "removed_voter")
    assert all(len(listed[kind]) > 20 for kind in kinds)
    width = len(layout.columns)
    removed = _lines_where(rows, lambda row: len(row) == width and row.get("status_cd") == "R")
    duplicates = set(listed["exact_duplicate"]) | set(listed["conflicting_duplicate"])
    assert not removed & duplicates  # only registered voters' lines are copied
    assert set(listed["removed_voter"]) == removed
    assert set(listed["denied_voter"]) == _lines_where(rows, lambda row: len(row) == width and row["status_cd"] == "D")
