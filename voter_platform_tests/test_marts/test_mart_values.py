"""What a user of the marts would notice, on the hand-made snapshots of raw_fixture.py and the real
election reference. Expected numbers are derived by hand from the fixture's tables."""

import pandas as pd
import pytest

from voter_platform_tests.test_marts.conftest import MARTS, MartsRun, MartsWarehouse

ELECTION_DAY = "2026-11-03"
DAY_AFTER = "2026-11-04"
AFTER_SECOND_SNAPSHOT = "2026-11-13"  # NC snapshot of 11-10 accepted, the one of 11-12 rejected


def _tier_counts(run: MartsRun, analysis_date: str, state: str) -> dict[str, int]:
    segments = run.mart("engagement_segments", analysis_date)
    return segments[segments["state"] == state].groupby("engagement_tier")["voters"].sum().to_dict()


def test_engagement_tiers_sit_on_their_boundaries(range_run: MartsRun):
    # NC, last votes 2024 / 2022 / 2024 primary / 2020 / 2018 / 2016 / 2012 / 2010 / none:
    # 0, 1, 1, 2, 3, 4, 6, 7 generals missed, and one voter who never voted.
    assert _tier_counts(range_run, ELECTION_DAY, "NC") == {
        "Current": 1, "Missed Last Election": 2, "Occasional": 2, "Infrequent": 2, "Dormant": 1, "Never Voted": 1,
    }


def test_the_day_after_an_election_every_voter_has_missed_one_more(range_run: MartsRun):
    voters = range_run.voters_as_of_date.set_index(["voter_key", "analysis_date"])["federal_generals_missed"]
    on_election_day = voters.xs(pd.Timestamp(ELECTION_DAY), level="analysis_date")
    day_after = voters.xs(pd.Timestamp(DAY_AFTER), level="analysis_date")
    voted_once = on_election_day.dropna().index
    assert len(voted_once) == 12  # 15 registered voters, three without any vote on record
    assert (day_after[voted_once] == on_election_day[voted_once] + 1).all()
    assert _tier_counts(range_run, DAY_AFTER, "NC") == {
        "Missed Last Election": 1, "Occasional": 3, "Infrequent": 2, "Dormant": 2, "Never Voted": 1,
    }


def test_the_day_before_an_election_nothing_moves(range_run: MartsRun):
    assert _tier_counts(range_run, "2026-11-02", "NC") == _tier_counts(range_run, ELECTION_DAY, "NC")


def test_every_mart_counts_the_voters_on_the_roll(range_run: MartsRun):
    # 9 registered NC voters (one REMOVED is not) + 6 goodparty voters, on every date before the
    # second NC snapshot; on 11-13 the second snapshot (9 registered) replaces the first.
    for analysis_date, expected in ((ELECTION_DAY, 15), (DAY_AFTER, 15), (AFTER_SECOND_SNAPSHOT, 15)):
        for mart in ("voter_snapshot", "engagement_segments", "state_summary", "registration_trends"):
            assert range_run.mart(mart, analysis_date)["voters"].sum() == expected, (mart, analysis_date)
        targeting = range_run.mart("targeting_opportunities", analysis_date)
        assert targeting.loc[targeting["gender"] == "All", "voters"].sum() == expected
        assert targeting.loc[targeting["gender"] != "All", "voters"].sum() == expected


def test_a_rejected_snapshot_is_never_used(range_run: MartsRun):
    # The 11-12 NC snapshot (one voter) was rejected: 11-13 still describes the 11-10 roll.
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


def test_partisan_lean_from_real_results(range_run: MartsRun):
    summary = range_run.mart("state_summary", DAY_AFTER).set_index("state")
    assert (summary["presidential_year"] == 2024).all()
    # NC 2024: Harris 2,715,375 - Trump 2,898,423 over 5,699,141 votes = -3.21 points.
    assert summary.loc["NC", "presidential_margin_pts"] == pytest.approx(-3.21, abs=0.005)
    assert summary.loc["NC", "presidential_lean"] == "Competitive R"
    assert summary.loc["CA", "presidential_lean"] == "Strong D"
    assert summary.loc["TX", "presidential_lean"] == "Strong R"
    assert summary.loc["NY", "presidential_lean"] == "Strong D"
    # Registration: 4 Democrats, 2 Republicans among 9 NC voters = +22.22 points.
    assert summary.loc["NC", "registration_margin_pts"] == pytest.approx(22.22)
    assert summary.loc["NC", "registration_lean"] == "Strong D"
    assert summary.loc["NC", "state_name"] == "North Carolina"


def test_official_results_are_counted_once_per_state(marts_warehouse: MartsWarehouse, range_run: MartsRun):
    results = marts_warehouse.query("select * from intermediate.int_president_results_by_state")
    national = results.groupby("election_year")["total_votes"].sum()
    assert national[2020] == 158_528_503
    nc_2024 = results.query("election_year == 2024 and state == 'NC'").iloc[0]
    assert (nc_2024.republican_votes, nc_2024.democrat_votes, nc_2024.total_votes) == (2_898_423, 2_715_375, 5_699_141)
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


def test_file_turnout_beside_official_turnout(range_run: MartsRun):
    nc_2024 = range_run.mart("turnout_comparison", DAY_AFTER).query("state == 'NC' and election_year == 2024").iloc[0]
    # 9 NC voters could vote in 2024; one did (the others' histories stop earlier).
    assert (nc_2024.registered_voters, nc_2024.voted, nc_2024.did_not_vote, nc_2024.history_unknown) == (9, 1, 8, 0)
    assert nc_2024.file_turnout_pct == pytest.approx(11.11)
    assert nc_2024.official_vep_turnout_pct == pytest.approx(70.32)
    assert nc_2024.vep == 8_140_132
    # Before the 2026 general is over it is not an election of the mart.
    assert 2026 not in set(range_run.mart("turnout_comparison", ELECTION_DAY)["election_year"])


def test_data_quality_reports_every_file_up_to_the_date(range_run: MartsRun):
    quality = range_run.mart("data_quality", AFTER_SECOND_SNAPSHOT)
    goodparty = quality[quality["file_name"] == "goodparty_voters_2026-10-15.csv"].set_index(["measure_group", "measure"])
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
    assert set(range_run.mart("data_quality", DAY_AFTER)["partition_date"].dt.strftime("%Y-%m-%d")) == {"2026-10-01", "2026-10-15"}


def test_targeting_scores_segments(range_run: MartsRun):
    targeting = range_run.mart("targeting_opportunities", DAY_AFTER)
    # Every fixture segment is far below the minimum size of 100: flagged, and never High or Medium.
    assert not targeting["meets_min_size"].any()
    assert set(targeting["priority_tier"]) == {"Low"}
    # CA|30-49|Democrat is VOT002 alone: 45, last vote 2022 (so lapsed 2 elections on 11-04),
    # registered 2008-09-22 (18 years: tenure capped). 100 * (0.30 * 1 + 0.20 * 1 + 0.10 * 1/1000).
    segment = targeting.set_index("segment_id").loc["CA|30-49|Democrat|All"]
    assert (segment.voters, segment.missed_last_voters, segment.lapsed_2_3_voters, segment.recoverable_voters) == (1, 0, 1, 1)
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
