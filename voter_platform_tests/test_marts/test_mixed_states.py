"""A mix of states in one data directory (issue 11), as a user of the marts would see it on 2026-11-13: Ohio (no
party registration: the party of primary ballots; statewide), a Florida county extract (registration, long
history), Oregon (statewide, birth years only, no vote history), a Georgia county extract (no registration, birth
years only, primary ballots in the history) beside North Carolina's county extract. The rolls are those of
mixed_states.py; every number below is derived by hand from its rules."""

import pandas as pd
import pytest

from voter_platform_tests.test_marts.conftest import MartsRun
from voter_platform_tests.test_marts.mixed_states import MIXED_SNAPSHOT

DAY = "2026-11-13"


@pytest.fixture(scope="module")
def summary(range_run: MartsRun) -> pd.DataFrame:
    return range_run.mart("state_summary", DAY).set_index("state")


def _voters(run: MartsRun, state: str) -> pd.DataFrame:
    voters = run.voters_as_of_date
    return voters[(voters.analysis_date == pd.Timestamp(DAY)) & (voters.state == state)]


def _tiers(run: MartsRun, state: str) -> dict[str, int]:
    segments = run.mart("engagement_segments", DAY)
    return segments[segments.state == state].groupby("engagement_tier")["voters"].sum().to_dict()


def test_each_state_counts_its_registered_voters(summary):
    assert summary.loc[["OH", "FL", "OR", "GA", "NC"], "voters"].to_dict() == {
        "OH": 88,
        "FL": 4,
        "OR": 36,
        "GA": 5,
        "NC": 9,
    }


def test_the_party_basis_of_each_state(summary):
    assert summary.party_basis.to_dict() == {
        "OH": "primary_ballot",
        "GA": "primary_ballot",  # no party registration; primary ballots known
        "FL": "registration",
        "OR": "registration",
        "NC": "registration",
        "DE": "registration",
        "CA": "registration",
        "TX": "registration",
        "NY": "registration",  # the case-study file gives a party
    }
    assert summary.loc["OH", "party_basis_label"] == "party from primary ballots"
    assert summary.loc["FL", "party_basis_label"] == "registered party"


def test_ohio_is_counted_by_primary_ballot_never_by_an_invented_registration(range_run: MartsRun, summary):
    ohio = _voters(range_run, "OH")
    assert (ohio.registered_party == "Unknown").all()  # Ohio registers no party: none is made up
    # PARTY_AFFILIATION: 22 R, 22 D; the 22 voters with only a 2016 Democratic primary ballot are unaffiliated by
    # Ohio's own rule (the file's blank wins over the older ballot in the history).
    assert ohio.primary_ballot_party.value_counts().to_dict() == {"Unknown": 44, "Republican": 22, "Democrat": 22}
    oh = summary.loc["OH"]
    assert (oh.democrat_voters, oh.republican_voters, oh.unknown_party_voters) == (22, 22, 44)
    # A registration lean is never drawn from primary ballots, even from a statewide roll.
    assert pd.isna(oh.registration_margin_pts) and oh.registration_lean == "No party registration"
    assert oh.coverage_label == "statewide" and oh.presidential_year == 2024
    targeting = range_run.mart("targeting_opportunities", DAY).query("state == 'OH'")
    assert set(targeting.party_basis) == {"primary_ballot"}
    assert set(targeting.party) == {"Democrat", "Republican", "Unknown"}
    # One snapshot, no registration: no party switch is ever reported for Ohio.
    assert range_run.mart("voter_changes", DAY).query("state == 'OH'").empty


def test_georgia_takes_the_primary_ballot_party_from_its_vote_history(range_run: MartsRun, summary):
    georgia = _voters(range_run, "GA").set_index("voter_key")
    assert sorted(georgia.primary_ballot_party) == ["Democrat", "Republican", "Unknown", "Unknown", "Unknown"]
    ga = summary.loc["GA"]
    assert (ga.democrat_voters, ga.republican_voters, ga.unknown_party_voters) == (1, 1, 3)
    assert ga.coverage_label == "1 of 159 counties" and pd.isna(ga.presidential_margin_pts)


def test_a_birth_year_gives_age_groups_never_an_age(range_run: MartsRun, summary):
    # Georgia: born 2008, 2006, 1996, 1997, 2007 -> 18, 20, 30, 29, 19 in 2026 (to within a year).
    georgia = _voters(range_run, "GA")
    assert georgia.age.isna().all() and georgia.birth_year.notna().all()
    assert georgia.age_group.value_counts().to_dict() == {"18-29": 4, "30-49": 1}
    assert (summary.loc["GA", "pct_age_18_29"], summary.loc["GA", "pct_age_30_49"]) == (80.0, 20.0)
    # Oregon: born 1950..1985 -> 12 aged 65+, 15 aged 50-64, 9 aged 30-49.
    oregon = _voters(range_run, "OR")
    assert oregon.age.isna().all()
    assert oregon.age_group.value_counts().to_dict() == {"50-64": 15, "65+": 12, "30-49": 9}
    # Ohio's file has birth dates: exact ages.
    assert _voters(range_run, "OH").age.notna().all()


def test_at_least_18_on_election_day_from_the_birth_year(range_run: MartsRun):
    turnout = range_run.mart("turnout_comparison", DAY).query("state == 'GA'").set_index("election_year")
    # 2024: born 2008 (16) and 2007 (17) could not vote; of the three who could, one voted.
    assert tuple(turnout.loc[2024, ["registered_voters", "voted", "did_not_vote", "history_unknown"]]) == (3, 1, 2, 0)
    # 2026: all five were 18 or more by the year; the snapshot (11-05) knows the 11-03 election.
    assert tuple(turnout.loc[2026, ["registered_voters", "voted", "did_not_vote", "history_unknown"]]) == (5, 2, 3, 0)
    # Their age group on election day, from the year too: 18 (born 2006), 28 (1996) and 27 (1997).
    trends = range_run.mart("partisan_trends", DAY).query("state == 'GA' and election_year == 2024")
    assert trends.groupby("age_group", observed=True)["registered_voters"].sum().to_dict() == {"18-29": 3}


def test_history_unknown_is_not_did_not_vote_and_voted_is_counted(range_run: MartsRun, summary):
    assert _tiers(range_run, "OR") == {"History Unknown": 36}
    assert _tiers(range_run, "OH") == {"Current": 44, "Missed Last Election": 44}
    assert _tiers(range_run, "FL") == {"Current": 1, "Dormant": 1, "Occasional": 1, "Never Voted": 1}
    assert _tiers(range_run, "GA") == {"Never Voted": 1, "Missed Last Election": 1, "Current": 2, "Occasional": 1}
    turnout = range_run.mart("turnout_comparison", DAY).set_index(["state", "election_year"])
    oregon = turnout.loc[("OR", 2024)]
    assert (oregon.voted, oregon.did_not_vote, oregon.history_unknown) == (0, 0, 36)
    # Oregon's roll is statewide: the official turnout is set beside it, the file's own is unknown (not 0%).
    assert pd.isna(oregon.file_turnout_pct) and oregon.official_vep_turnout_pct > 0
    assert (turnout.loc[("OH", 2026), "file_turnout_pct"], turnout.loc[("OH", 2024), "file_turnout_pct"]) == (
        50.0,
        100.0,
    )
    # Florida's history reaches back to 2008: the two voters registered by then both voted.
    assert tuple(turnout.loc[("FL", 2008), ["registered_voters", "voted"]]) == (2, 2)
    assert summary.loc["OR", "pct_history_unknown"] == 100.0 and summary.loc["OR", "pct_never_voted"] == 0.0


def test_unknown_history_is_left_out_of_the_recoverable_shares(range_run: MartsRun, summary):
    oregon = summary.loc["OR"]
    assert oregon.history_known_voters == 0
    assert pd.isna(oregon.recoverable_pct) and pd.isna(oregon.engagement_opportunity_score)
    targeting = range_run.mart("targeting_opportunities", DAY)
    oregon_segments = targeting.query("state == 'OR'")
    assert (oregon_segments.history_known_voters == 0).all() and oregon_segments.opportunity_score.isna().all()
    assert set(oregon_segments.priority_tier) == {"Low"}
    # Segments without a score rank after every scored one.
    scored = targeting[(targeting.gender == "All") & targeting.opportunity_score.notna()]
    unscored = targeting[(targeting.gender == "All") & targeting.opportunity_score.isna()]
    assert unscored.score_rank.min() > scored.score_rank.max()
    # Georgia (all history known): 1 missed last + 1 lapsed 2-3 of 5.
    ga = summary.loc["GA"]
    assert (ga.history_known_voters, ga.recoverable_voters, ga.recoverable_pct) == (5, 2, 40.0)


def test_each_states_coverage_source_by_source(range_run: MartsRun):
    coverage = range_run.mart("roll_coverage", DAY).set_index("state")
    labels = coverage.coverage_label.to_dict()
    assert {state: labels[state] for state in ("OH", "FL", "OR", "GA", "NC")} == {
        "OH": "statewide",
        "FL": "2 of 67 counties",
        "OR": "statewide",
        "GA": "1 of 159 counties",
        "NC": "3 of 100 counties",
    }
    assert coverage.loc["OR", "history_coverage"] == "none" and coverage.loc["OH", "history_coverage"] == "per_election"
    assert (coverage.loc[["OH", "FL", "OR", "GA"], "snapshot_date"] == pd.Timestamp(MIXED_SNAPSHOT)).all()


def test_data_quality_shows_what_each_file_records(range_run: MartsRun):
    quality = range_run.mart("data_quality", DAY)
    completeness = quality[quality.measure_group == "completeness"].set_index(["file_name", "measure"])["pct"]
    ohio, oregon = "SWVF_1_88_2026-11-05.txt", "OR_voters_2026-11-05.txt"
    assert completeness[(ohio, "party")] == 0.0 and completeness[(ohio, "primary_ballot_party")] == 50.0
    assert completeness[(oregon, "birth_date")] == 0.0 and completeness[(oregon, "birth_year")] == 100.0
