"""The simulated roll against the real reference data, at a sample size where the figures mean something.

Tolerances: party shares of states with at least 5,000 simulated voters within 2 points (sampling
error there is under 0.7 points); national age bands within 1 point of the derived Census mix;
turnout per state and election within 2 points (the brief's bar) for states with 1,000+ eligible
voters; gender 52-54% women.
"""

from __future__ import annotations

import csv

import duckdb
import numpy as np
import pytest

from voter_platform.generate import reference
from voter_platform_tests.test_generate.conftest import load_canonical, small_run


def test_voters_per_state_follow_real_registration(warehouse):
    counts = dict(warehouse.execute("select state, count(*) from voters group by state").fetchall())
    states = reference.states()
    total_registered = sum(state.registered for state in states.values())
    total = sum(counts.values())
    assert set(counts) == set(states)
    for code, state in states.items():
        expected = total * state.registered / total_registered
        assert abs(counts[code] - expected) <= 1, code


def test_party_shares_match_each_states_registration(warehouse):
    rows = warehouse.execute(
        """
        select state, count(*) as voters,
               avg((party = 'Democrat')::int) as d, avg((party = 'Republican')::int) as r,
               avg((party = 'Independent')::int) as n, avg((party is null)::int) as no_party
        from voters group by state
        """
    ).fetchall()
    checked = 0
    for state, voters, dem, rep, independent, no_party in rows:
        reference_state = reference.states()[state]
        if not reference_state.has_party_registration:
            assert no_party == 1.0, f"{state} has no party registration: its file carries no party"
            continue
        assert no_party == 0.0
        if voters < 5_000:
            continue
        totals = sum(county.party_counts for county in reference_state.counties)
        shares = totals / totals.sum()
        for simulated, code in ((dem, "D"), (rep, "R"), (independent, "N")):
            real = shares[reference.PARTY_CODES.index(code)]
            assert simulated == pytest.approx(real, abs=0.02), f"{state} {code}: {simulated:.3f} vs {real:.3f}"
        checked += 1
    assert checked >= 6  # CA, FL, NY, PA, NC and NJ are large enough


def test_age_bands_follow_the_census_registrant_mix(warehouse):
    ages = warehouse.execute(
        "select date_diff('year', birth_date, date '2026-11-03') - "
        "(strftime(birth_date, '%m%d') > '1103')::int as age from voters"
    ).fetchnumpy()["age"]
    assert ages.min() >= 18 and ages.max() <= reference.MAX_AGE
    derived = reference.registrant_age_shares_by_census_band()
    for (low, high), share in derived.items():
        simulated = np.mean((ages >= low) & (ages <= (high if high is not None else 200)))
        assert simulated == pytest.approx(share, abs=0.01), f"ages {low}-{high}"


def test_party_leans_by_age_and_gender_as_pew_reports(warehouse):
    """Younger registrants lean Democratic and older Republican; women lean Democratic."""
    by_age = dict(
        warehouse.execute(
            """
            select case when date_diff('year', birth_date, date '2026-11-03') < 30 then 'young'
                        when date_diff('year', birth_date, date '2026-11-03') >= 65 then 'old' end as band,
                   avg((party = 'Democrat')::int) / avg((party in ('Democrat', 'Republican'))::int)
            from voters where party is not null group by band
            """
        ).fetchall()
    )
    assert by_age["young"] - by_age["old"] > 0.08
    by_gender = dict(
        warehouse.execute(
            "select gender, avg((party = 'Democrat')::int) / avg((party in ('Democrat', 'Republican'))::int) "
            "from voters where party is not null and gender in ('F', 'M') group by gender"
        ).fetchall()
    )
    assert by_gender["F"] - by_gender["M"] > 0.08
    women = warehouse.execute("select avg((gender = 'F')::int) from voters").fetchone()[0]
    assert 0.52 <= women <= 0.54


def test_registration_dates_are_consistent_with_age_and_snapshot(warehouse):
    row = warehouse.execute(
        """
        select count(*) filter (where registered_date < birth_date + interval 18 year),
               count(*) filter (where registered_date >= date '2026-11-03'),
               count(*) filter (where updated_at >= timestamp '2026-11-03'),
               count(*) filter (where updated_at < registered_date)
        from voters
        """
    ).fetchone()
    assert row == (0, 0, 0, 0)


def test_counties_are_the_states_real_counties_in_proportion(warehouse):
    simulated = set(warehouse.execute("select distinct state, county from voters").fetchall())
    real = {(code, county.name) for code, state in reference.states().items() for county in state.counties}
    assert simulated <= real
    california = dict(
        warehouse.execute(
            "select county, count(*) / sum(count(*)) over () from voters where state = 'CA' group by county"
        ).fetchall()
    )
    counties = {county.name: county.total for county in reference.states()["CA"].counties}
    for name in ("Los Angeles", "San Diego", "Orange"):
        assert california[name] == pytest.approx(counties[name] / sum(counties.values()), abs=0.015), name


def test_turnout_per_state_and_election_matches_vep_turnout(warehouse):
    rows = warehouse.execute(
        """
        with elections as (select distinct election_date from history),
        eligible as (
            select v.state, e.election_date, count(*) as eligible
            from voters v cross join elections e
            where v.registered_date < e.election_date and v.birth_date + interval 18 year <= e.election_date
            group by all
        ),
        voted as (select state, election_date, count(*) as voted from history group by all)
        select state, year(election_date), eligible, coalesce(voted, 0) / eligible
        from eligible left join voted using (state, election_date)
        """
    ).fetchall()
    years = {year for _, year, _, _ in rows}
    assert years == {2008, 2010, 2012, 2014, 2016, 2018, 2020, 2022, 2024}
    checked = 0
    for state, year, eligible, turnout in rows:
        if eligible < 1_000:
            continue
        target = reference.turnout_target_pct(state, year) / 100
        assert turnout == pytest.approx(target, abs=0.02), f"{state} {year}: {turnout:.3f} vs {target:.3f}"
        checked += 1
    assert checked > 150


def test_participation_is_a_habit_not_a_coin_flip(warehouse):
    rows = dict(
        warehouse.execute(
            """
            with votes as (
                select voter_id,
                       bool_or(year(election_date) = 2016) as v2016,
                       bool_or(year(election_date) = 2020) as v2020,
                       bool_or(year(election_date) = 2024) as v2024
                from history group by voter_id
            )
            select case when v.v2016 and v.v2020 then 'habitual'
                        when not coalesce(v.v2016, false) and not coalesce(v.v2020, false) then 'lapsed' end as kind,
                   avg(coalesce(v.v2024, false)::int)
            from voters r left join votes v using (voter_id)
            where r.registered_date < date '2016-01-01' and r.birth_date < date '1996-01-01'
            group by kind
            """
        ).fetchall()
    )
    assert rows["habitual"] > 0.85
    assert rows["lapsed"] < 0.30


def test_last_voted_date_agrees_with_history(warehouse):
    mismatches = warehouse.execute(
        """
        select count(*) from voters v
        left join (select voter_id, max(election_date) as latest from history group by voter_id) h using (voter_id)
        where v.last_voted_date is distinct from h.latest
        """
    ).fetchone()[0]
    assert mismatches == 0


def test_an_election_passed_adds_its_history_rows(tmp_path):
    """The 2026-11-03 general is in the 11-04 file (at about the 2022 turnout), not in the 11-03 file."""
    small_run(tmp_path, "canonical", voters=30_000, days=2, states=("CA", "TX", "FL", "NY"))
    connection = duckdb.connect()
    load_canonical(connection, tmp_path, "2026-11-03", "_eve")
    load_canonical(connection, tmp_path, "2026-11-04", "_after")
    assert (
        connection.execute("select count(*) from history_eve where election_date >= date '2026-01-01'").fetchone()[0]
        == 0
    )
    turnout = dict(
        connection.execute(
            """
            select v.state, count(h.voter_id) / count(*)
            from voters_after v
            left join history_after h on h.voter_id = v.voter_id and h.election_date = date '2026-11-03'
            where v.registered_date < date '2026-11-03' group by v.state
            """
        ).fetchall()
    )
    for state, simulated in turnout.items():
        # The 2026 target is the state's 2022 VEP turnout.
        assert simulated == pytest.approx(reference.turnout_target_pct(state, 2022) / 100, abs=0.02), state
    latest = connection.execute("select max(last_voted_date) from voters_after").fetchone()[0]
    assert str(latest) == "2026-11-03"
    # Inactive voters who voted are active again.
    reactivated = connection.execute(
        """
        select count(*) from voters_after v join history_after h using (voter_id)
        where h.election_date = date '2026-11-03' and v.registration_status = 'INACTIVE'
        """
    ).fetchone()[0]
    assert reactivated == 0


def test_about_three_percent_of_voters_have_an_accented_name(canonical_run):
    config, _ = canonical_run
    voters = accented = 0
    for path in config.out.glob("voters_*.csv"):
        with path.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                voters += 1
                accented += not (row["first_name"] + row["last_name"]).isascii()
    assert 0.02 < accented / voters < 0.04
