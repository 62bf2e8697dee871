"""What a user of the marts would notice, on the hand-made snapshots of raw_fixture.py and the real
election reference. Expected numbers are derived by hand from the fixture's tables."""

import pandas as pd
import pytest

from voter_platform.settings import REFERENCE_DIR
from voter_platform_tests.test_marts.conftest import MARTS, MartsRun, MartsWarehouse

ELECTION_DAY = "2026-11-03"
DAY_AFTER = "2026-11-04"
SECOND_SNAPSHOT = "2026-11-10"  # NC05's record quarantined that day
THIRD_SNAPSHOT = "2026-11-11"  # NC05 readable again
AFTER_SECOND_SNAPSHOT = "2026-11-13"  # NC snapshots of 11-10 and 11-11 accepted, the one of 11-12 rejected


def _tier_counts(run: MartsRun, analysis_date: str, state: str) -> dict[str, int]:
    segments = run.mart("engagement_segments", analysis_date)
    return segments[segments["state"] == state].groupby("engagement_tier")["voters"].sum().to_dict()


def test_engagement_tiers_sit_on_their_boundaries(range_run: MartsRun):
    # NC, last votes 2024 / 2022 / 2024 primary / 2020 / 2018 / 2016 / 2012 / 2010 / none:
    # 0, 1, 1, 2, 3, 4, 6, 7 generals missed, and one voter who never voted.
    assert _tier_counts(range_run, ELECTION_DAY, "NC") == {
        "Current": 1,
        "Missed Last Election": 2,
        "Occasional": 2,
        "Infrequent": 2,
        "Dormant": 1,
        "Never Voted": 1,
    }


def test_the_day_after_an_election_every_voter_has_missed_one_more(range_run: MartsRun):
    voters = range_run.voters_as_of_date.set_index(["voter_key", "analysis_date"])["federal_generals_missed"]
    on_election_day = voters.xs(pd.Timestamp(ELECTION_DAY), level="analysis_date")
    day_after = voters.xs(pd.Timestamp(DAY_AFTER), level="analysis_date")
    voted_once = on_election_day.dropna().index
    assert len(voted_once) == 12  # 18 registered voters, six without any vote on record
    assert (day_after[voted_once] == on_election_day[voted_once] + 1).all()
    assert _tier_counts(range_run, DAY_AFTER, "NC") == {
        "Missed Last Election": 1,
        "Occasional": 3,
        "Infrequent": 2,
        "Dormant": 2,
        "Never Voted": 1,
    }


def test_the_day_before_an_election_nothing_moves(range_run: MartsRun):
    assert _tier_counts(range_run, "2026-11-02", "NC") == _tier_counts(range_run, ELECTION_DAY, "NC")


def test_every_mart_counts_the_voters_on_the_roll(range_run: MartsRun):
    # 9 registered NC voters (one REMOVED is not) + 6 goodparty voters + 3 Delaware voters, on every
    # date before the second NC snapshot; on 11-13 the third snapshot (9 registered) replaces the first.
    # On 11-10 NC05 could not be read: the roll of that day has 8 NC voters. From 11-05 the mixed states'
    # rolls add 88 Ohio + 4 Florida + 36 Oregon + 5 Georgia voters.
    mixed = 88 + 4 + 36 + 5
    for analysis_date, expected in (
        (ELECTION_DAY, 18),
        (DAY_AFTER, 18),
        (SECOND_SNAPSHOT, 17 + mixed),
        (AFTER_SECOND_SNAPSHOT, 18 + mixed),
    ):
        for mart in ("voter_snapshot", "engagement_segments", "state_summary", "registration_trends"):
            assert range_run.mart(mart, analysis_date)["voters"].sum() == expected, (mart, analysis_date)
        targeting = range_run.mart("targeting_opportunities", analysis_date)
        assert targeting.loc[targeting["gender"] == "All", "voters"].sum() == expected
        assert targeting.loc[targeting["gender"] != "All", "voters"].sum() == expected


def test_a_rejected_snapshot_is_never_used(range_run: MartsRun):
    # The 11-12 NC snapshot (one voter) was rejected: 11-13 still describes the 11-11 roll.
    nc = range_run.mart("voter_snapshot", AFTER_SECOND_SNAPSHOT).query("state == 'NC'")
    assert nc["voters"].sum() == 9
    assert set(nc["county"]) == {"WAKE", "DURHAM", "ORANGE"}


def test_voter_changes_between_two_snapshots(range_run: MartsRun):
    changes = range_run.mart("voter_changes", AFTER_SECOND_SNAPSHOT)
    seen = {
        (row.change_type, row.from_value, row.to_value): row.voters
        for row in changes.itertuples()
        if str(row.change_date.date()) == "2026-11-10" and row.state == "NC"
    }
    assert seen == {
        ("party_switch", "Democrat", "Independent"): 1,
        ("moved", "DURHAM", "ORANGE"): 1,
        ("removed", None, None): 1,
        ("new_registration", None, None): 1,
        ("name_change", None, None): 1,
    }
    # Before the second snapshot there is nothing to compare: first snapshots are baselines.
    assert range_run.mart("voter_changes", DAY_AFTER).empty


def test_a_voter_whose_record_was_quarantined_is_neither_removed_nor_new(range_run: MartsRun):
    # NC05 was on the 10-01 roll, quarantined on 11-10 (unknown that day, not gone) and clean on 11-11.
    changes = range_run.mart("voter_changes", AFTER_SECOND_SNAPSHOT)
    removed = changes.query("change_type == 'removed'")
    assert removed[["state", "voters"]].values.tolist() == [["NC", 1]]  # NC03 alone
    assert str(removed.change_date.item().date()) == SECOND_SNAPSHOT
    assert changes[changes.change_date == pd.Timestamp(THIRD_SNAPSHOT)].empty  # nothing new on 11-11
    # Unreadable on 11-10, NC05 is not on that day's roll; on 11-11 it is, in the same tier as before.
    voters = range_run.voters_as_of_date
    nc = voters[voters.state == "NC"]
    assert (nc.analysis_date == pd.Timestamp(SECOND_SNAPSHOT)).sum() == 8
    assert (nc.analysis_date == pd.Timestamp(THIRD_SNAPSHOT)).sum() == 9


def test_partisan_lean_from_real_results_only_where_the_roll_is_statewide(range_run: MartsRun):
    summary = range_run.mart("state_summary", DAY_AFTER).set_index("state")
    # Delaware's roll has a voter in each of its three counties: statewide, compared with 2024.
    # DE 2024: Harris 289,758 - Trump 214,351 over 512,913 votes = +14.70 points.
    assert summary.loc["DE", "coverage"] == "full"
    assert summary.loc["DE", "presidential_year"] == 2024
    assert summary.loc["DE", "presidential_margin_pts"] == pytest.approx(14.70, abs=0.005)
    assert summary.loc["DE", "presidential_lean"] == "Strong D"
    assert summary.loc["DE", "registration_margin_pts"] == pytest.approx(33.33)
    assert pd.isna(summary.loc["DE", "comparison_note"])
    # North Carolina's roll is two of its 100 counties: its registration lean is its own, not set
    # beside the state's result.
    assert summary.loc["NC", "registration_margin_pts"] == pytest.approx(22.22)  # 4 D, 2 R of 9 voters
    assert summary.loc["NC", "registration_lean"] == "Strong D"
    assert summary.loc["NC", "state_name"] == "North Carolina"
    assert (
        summary.loc[
            "NC",
            ["presidential_year", "presidential_margin_pts", "presidential_lean", "latest_official_vep_turnout_pct"],
        ]
        .isna()
        .all()
    )
    assert summary.loc["NC", "coverage_label"] == "2 of 100 counties"
    assert summary.loc["NC", "comparison_note"].startswith(
        "Not compared with statewide figures: the roll covers 2 of 100 counties ("
    )
    # The case-study file records no county: how much of CA, TX or NY it covers is unknown.
    for state in ("CA", "TX", "NY"):
        assert summary.loc[state, "coverage"] == "unknown"
        assert pd.isna(summary.loc[state, "presidential_margin_pts"])
        assert "records no county" in summary.loc[state, "comparison_note"]


def _registered_share_pct(state: str, counties: set[str]) -> float:
    reference = pd.read_csv(REFERENCE_DIR / "party_registration_county_d4d_2004_2016.csv", dtype={"County": str})
    reference = reference.query(f"Year == 2016 and Month == 11 and StateAbbr == '{state}'")
    return round(
        100 * reference[reference.CountyName.str.upper().isin(counties)].Total.sum() / reference.Total.sum(), 2
    )


def test_coverage_of_each_state_source_by_source(range_run: MartsRun):
    coverage = range_run.mart("roll_coverage", DAY_AFTER).set_index(["state", "source_id"])
    nc = coverage.loc[("NC", "canonical:NC")]
    assert (nc.counties_present, nc.counties_in_state, nc.coverage, nc.coverage_label) == (
        2,
        100,
        "partial",
        "2 of 100 counties",
    )
    assert nc.voters_loaded == 10  # the REMOVED voter is in the file and in a county too
    assert nc.registered_share_pct == pytest.approx(_registered_share_pct("NC", {"WAKE", "DURHAM"}))
    de = coverage.loc[("DE", "canonical:DE")]
    assert (de.counties_present, de.counties_in_state, de.registered_share_pct, de.coverage) == (3, 3, 100.0, "full")
    assert de.history_coverage == "none"
    goodparty = coverage.xs("goodparty:goodparty_voters", level="source_id")
    assert set(goodparty.index) == {"CA", "TX", "NY"}
    assert (goodparty.counties_present == 0).all() and (goodparty.coverage == "unknown").all()
    assert goodparty.counties_in_state.to_dict() == {"CA": 58, "TX": 254, "NY": 62}
    assert goodparty.voters_loaded.sum() == 6
    # Five weeks later the NC roll has voters in ORANGE too: 3 of 100 counties.
    later = range_run.mart("roll_coverage", AFTER_SECOND_SNAPSHOT).set_index(["state", "source_id"])
    assert later.loc[("NC", "canonical:NC"), "snapshot_date"] == pd.Timestamp(THIRD_SNAPSHOT)
    assert later.loc[("NC", "canonical:NC"), "coverage_label"] == "3 of 100 counties"
    assert later.loc[("NC", "canonical:NC"), "registered_share_pct"] == pytest.approx(
        _registered_share_pct("NC", {"WAKE", "DURHAM", "ORANGE"})
    )


def test_a_voters_file_without_vote_history_has_unknown_participation(range_run: MartsRun):
    # Delaware's file came without a vote-history file: nobody "never voted", no turnout of 0%.
    assert _tier_counts(range_run, DAY_AFTER, "DE") == {"History Unknown": 3}
    trends = range_run.mart("partisan_trends", DAY_AFTER).query("state == 'DE'")
    by_year = trends.groupby("election_year")[["registered_voters", "voted", "did_not_vote", "history_unknown"]].sum()
    assert (by_year.voted == 0).all() and (by_year.did_not_vote == 0).all()
    assert (by_year.history_unknown == by_year.registered_voters).all() and by_year.loc[2024, "history_unknown"] == 3
    assert trends.turnout_pct.isna().all()
    summary = range_run.mart("state_summary", DAY_AFTER).set_index("state")
    assert summary.loc["DE", "pct_history_unknown"] == 100.0 and summary.loc["DE", "pct_never_voted"] == 0.0


def test_official_results_are_counted_once_per_state(marts_warehouse: MartsWarehouse, range_run: MartsRun):
    results = marts_warehouse.query("select * from intermediate.int_president_results_by_state")
    national = results.groupby("election_year")["total_votes"].sum()
    assert national[2020] == 158_528_503
    nc_2024 = results.query("election_year == 2024 and state == 'NC'").iloc[0]
    assert (nc_2024.republican_votes, nc_2024.democrat_votes, nc_2024.total_votes) == (2_898_423, 2_715_375, 5_699_141)
    # Harris 2,715,375 - Trump 2,898,423 over 5,699,141 votes = -3.21 points.
    assert nc_2024.margin_pts == pytest.approx(-3.21, abs=0.005) and nc_2024.lean == "Competitive R"
    # Arizona 2024 rows carry vote mode NA: counted once, not dropped.
    az_2024 = results.query("election_year == 2024 and state == 'AZ'").iloc[0]
    assert az_2024.total_votes == 3_389_319 and az_2024.lean == "Lean R"
    # Texas 2020 as published says Trump 9,890,347 of 11,315,056 votes; the errata seed fixes it.
    tx_2020 = results.query("election_year == 2020 and state == 'TX'").iloc[0]
    assert tx_2020.republican_votes == 5_890_347 and tx_2020.lean == "Lean R"


def test_unknown_history_is_never_reported_as_not_voting(range_run: MartsRun):
    # The only CA Democrat (goodparty, last vote only) last voted in 2022.
    trends = range_run.mart("partisan_trends", DAY_AFTER).query("state == 'CA' and party == 'Democrat'")
    by_year = trends.groupby("election_year")[["voted", "did_not_vote", "history_unknown"]].sum()
    assert by_year.loc[2022].tolist() == [1, 0, 0]
    assert by_year.loc[2024].tolist() == [0, 1, 0]
    assert by_year.loc[2020].tolist() == [0, 0, 1]
    assert by_year.loc[2008].tolist() == [0, 0, 1]
    # The 2026 general is over on 11-04, but the file predates it.
    assert by_year.loc[2026].tolist() == [0, 0, 1]
    assert by_year.index.max() == 2026  # 2028 has not happened


def test_file_turnout_beside_official_turnout_only_for_a_statewide_roll(range_run: MartsRun):
    turnout = range_run.mart("turnout_comparison", DAY_AFTER)
    nc_2024 = turnout.query("state == 'NC' and election_year == 2024").iloc[0]
    # 9 NC voters could vote in 2024; one did (the others' histories stop earlier).
    assert (nc_2024.registered_voters, nc_2024.voted, nc_2024.did_not_vote, nc_2024.history_unknown) == (9, 1, 8, 0)
    assert nc_2024.file_turnout_pct == pytest.approx(11.11)
    # Two counties' turnout is not North Carolina's: no official figures beside it, and why.
    assert (
        pd.isna(nc_2024.official_vep_turnout_pct) and pd.isna(nc_2024.vep) and pd.isna(nc_2024.official_ballots_counted)
    )
    assert nc_2024.coverage == "partial" and "2 of 100 counties" in nc_2024.comparison_note
    # Delaware's roll is statewide: the official 2024 VEP turnout is set beside it.
    de_2024 = turnout.query("state == 'DE' and election_year == 2024").iloc[0]
    assert (de_2024.official_vep_turnout_pct, de_2024.vep, de_2024.official_ballots_counted) == (
        67.02,
        773_380,
        518_330,
    )
    assert pd.isna(de_2024.comparison_note)
    # Before the 2026 general is over it is not an election of the mart.
    assert 2026 not in set(range_run.mart("turnout_comparison", ELECTION_DAY)["election_year"])


def test_data_quality_reports_every_file_up_to_the_date(range_run: MartsRun):
    quality = range_run.mart("data_quality", AFTER_SECOND_SNAPSHOT)
    goodparty = quality[quality["file_name"] == "goodparty_voters_2026-10-15.csv"].set_index(
        ["measure_group", "measure"]
    )
    assert goodparty.loc[("volume", "rows_loaded"), "rows"] == 6  # the latest run, not the failed one
    assert goodparty.loc[("volume", "rows_loaded"), "pct"] == 75.0  # of 8 data lines
    assert goodparty.loc[("quarantine_reason", "impossible_age"), "rows"] == 1
    assert goodparty.loc[("duplicates", "exact_duplicate"), "rows"] == 1
    assert goodparty.loc[("duplicates", "possible_duplicate_same_name_and_email"), "rows"] == 1
    assert goodparty.loc[("completeness", "email"), "pct"] == 100.0
    assert goodparty.loc[("completeness", "county"), "pct"] == 0.0
    # The rejected file of 11-12 is reported, with its reason.
    assert "blank_field:voter_id" in set(quality.loc[quality["file_name"] == "voters_NC_2026-11-12.csv", "measure"])
    # On 11-04 only the partitions up to 11-04 exist.
    assert set(range_run.mart("data_quality", DAY_AFTER)["partition_date"].dt.strftime("%Y-%m-%d")) == {
        "2026-10-01",
        "2026-10-15",
        "2026-10-20",
    }


def test_targeting_scores_segments(range_run: MartsRun):
    targeting = range_run.mart("targeting_opportunities", DAY_AFTER)
    # Every fixture segment is far below the minimum size of 100: flagged, and never High or Medium.
    assert not targeting["meets_min_size"].any()
    assert set(targeting["priority_tier"]) == {"Low"}
    # CA|30-49|Democrat is VOT002 alone: 45, last vote 2022 (so lapsed 2 elections on 11-04),
    # registered 2008-09-22 (18 years: tenure capped). 100 * (0.30 * 1 + 0.20 * 1 + 0.10 * 1/1000).
    segment = targeting.set_index("segment_id").loc["CA|30-49|Democrat|All"]
    assert (segment.voters, segment.missed_last_voters, segment.lapsed_2_3_voters, segment.recoverable_voters) == (
        1,
        0,
        1,
        1,
    )
    assert segment.opportunity_score == 50.01


def test_rebuilding_a_past_date_gives_the_same_rows_as_the_range(range_run: MartsRun, single_run: MartsRun):
    for mart in MARTS:
        from_range = range_run.mart(mart, "2026-11-04")
        rebuilt = single_run.mart(mart, "2026-11-04")
        assert not from_range.empty or mart == "voter_changes", mart  # no changes before 11-10
        pd.testing.assert_frame_equal(from_range, rebuilt, check_exact=True, obj=mart)


def test_a_single_date_run_keeps_the_other_dates(range_run: MartsRun, single_run: MartsRun):
    for mart in MARTS:
        pd.testing.assert_frame_equal(range_run.marts[mart], single_run.marts[mart], check_exact=True, obj=mart)
