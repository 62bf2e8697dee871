"""Contract-shaped mart tables fabricated in DuckDB, for the publish tests and the dashboard benchmark.

The real marts come from dbt over ingested voter files. To measure the dashboard at the scale of a 5M-voter
snapshot, or to test publishing without running the whole pipeline, this module fabricates the ten mart
tables of the shared contract (`marts.voter_snapshot` ... `marts.roll_coverage`) from a synthetic roll
of N voters built in SQL:

- states are weighted and their party mix taken from the real 2016 party-registration table in
  `data/reference`; a state without party registration has the party of a primary ballot where it is one of
  the `primary_ballot_states` (party basis 'primary_ballot', as Ohio's file gives it: ~40% of voters, the rest
  'Unknown'), else every voter as party 'Unknown' (party basis 'none');
- official presidential margins and VEP turnout are the real vendored figures;
- age, gender, engagement tier, tenure and vote history are drawn from deterministic hashes of the voter
  number and the seed, so the same arguments give the same tables, and each voter's history agrees with
  its tier (a 'Missed Last Election' voter did not vote in the last general but voted before).

Every analysis date is a slightly different roll (new registrations appended, a few removals), so voter
changes and day-to-day differences are real. Nothing here is a real person; there are no names at all.

Every state's roll is statewide, except the `partial_states`: their roll is a one-county extract (the state's
largest county in the 2016 reference), labelled "1 of N counties" and, as in the real marts, never compared
with the statewide presidential result or VEP turnout.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import duckdb

from voter_platform.settings import REFERENCE_DIR

MART_COLUMNS: dict[str, str] = {
    "voter_snapshot": """analysis_date date, state varchar, county varchar, party varchar, age_group varchar,
        gender varchar, engagement_tier varchar, voters bigint""",
    "engagement_segments": """analysis_date date, state varchar, party varchar, age_group varchar,
        gender varchar, engagement_tier varchar, tier_order integer, voters bigint, avg_tenure_years double,
        share_of_state_pct double""",
    "partisan_trends": """analysis_date date, election_date date, election_year integer, state varchar,
        party varchar, gender varchar, age_group varchar, registered_voters bigint, voted bigint,
        did_not_vote bigint, history_unknown bigint, turnout_pct double, known_history_pct double""",
    "targeting_opportunities": """analysis_date date, segment_id varchar, state varchar, age_group varchar,
        party varchar, party_basis varchar, gender varchar, voters bigint, history_known_voters bigint,
        missed_last_voters bigint, lapsed_2_3_voters bigint,
        recoverable_voters bigint, missed_last_pct double, lapsed_2_3_pct double, avg_tenure_years double,
        opportunity_score double, score_rank integer, priority_tier varchar, meets_min_size boolean""",
    "state_summary": """analysis_date date, state varchar, state_name varchar, voters bigint,
        democrat_voters bigint, republican_voters bigint, independent_voters bigint, other_party_voters bigint,
        unknown_party_voters bigint, party_basis varchar, party_basis_label varchar,
        democrat_pct double, republican_pct double, independent_pct double,
        registration_margin_pts double, registration_lean varchar, presidential_year integer,
        presidential_margin_pts double, presidential_lean varchar, pct_age_18_29 double,
        pct_age_30_49 double, pct_age_50_64 double, pct_age_65_plus double, pct_current double,
        pct_missed_last double, pct_occasional double, pct_infrequent double, pct_dormant double,
        pct_never_voted double, history_known_voters bigint, recoverable_voters bigint, recoverable_pct double,
        engagement_opportunity_score double, latest_file_turnout_pct double,
        latest_official_vep_turnout_pct double, turnout_election_year integer, pct_history_unknown double,
        coverage varchar,
        counties_present integer, counties_recognised integer, counties_in_state integer,
        coverage_registered_share_pct double, coverage_label varchar, comparison_note varchar""",
    "turnout_comparison": """analysis_date date, state varchar, election_year integer, election_date date,
        registered_voters bigint, voted bigint, did_not_vote bigint, history_unknown bigint,
        file_turnout_pct double, official_vep_turnout_pct double, official_ballots_counted bigint,
        vep bigint, coverage varchar, coverage_label varchar, comparison_note varchar""",
    "voter_changes": """analysis_date date, change_date date, state varchar, change_type varchar,
        from_value varchar, to_value varchar, voters bigint""",
    "data_quality": """analysis_date date, partition_date date, file_name varchar, source_id varchar,
        file_format varchar, measure_group varchar, measure varchar, rows bigint, pct double""",
    "registration_trends": """analysis_date date, state varchar, registration_year integer, party varchar,
        gender varchar, age_group varchar, voters bigint""",
    "roll_coverage": """analysis_date date, state varchar, source_id varchar, snapshot_date date,
        file_format varchar, history_coverage varchar, voters_loaded bigint, voters_without_county bigint,
        counties_present integer, counties_recognised integer, counties_in_state integer,
        registered_share_pct double, source_coverage varchar, state_sources integer,
        state_counties_present integer, state_counties_recognised integer, state_registered_share_pct double,
        coverage varchar, coverage_label varchar, comparison_note varchar""",
}

# New registrations per day and removals per day, as fractions of the roll.
_DAILY_GROWTH = 0.0015
_DAILY_REMOVAL = 0.0008


def create_synthetic_marts(
    connection: duckdb.DuckDBPyConnection,
    voters: int,
    analysis_dates: Sequence[date],
    *,
    states: Sequence[str] | None = None,
    partial_states: Sequence[str] = (),
    primary_ballot_states: Sequence[str] = ("OH",),
    seed: int = 7,
) -> None:
    """Create (or refresh for these dates) the ten mart tables for a synthetic roll of about `voters` voters.

    `analysis_dates` are the snapshot dates, oldest first; the roll grows and changes from one to the next.
    `states` limits the roll to some states (small test fixtures stay dense enough to have real cells);
    `partial_states` are one-county extracts instead of statewide rolls; `primary_ballot_states` (states without
    party registration) have the party of a primary ballot.
    Calling again with a later date adds that date and leaves the others untouched.
    """
    if not analysis_dates:
        raise ValueError("at least one analysis date is needed")
    dates = sorted(analysis_dates)
    connection.execute("create schema if not exists marts")
    for mart, columns in MART_COLUMNS.items():
        connection.execute(f"create table if not exists marts.{mart} ({columns})")
    _create_reference(connection, states, partial_states, primary_ballot_states)
    for day in dates:
        day_index = (day - dates[0]).days
        _create_roll(connection, voters, day, day_index, seed)
        for mart in MART_COLUMNS:
            connection.execute(f"delete from marts.{mart} where analysis_date = ?", [day])
        _insert_marts(connection, day, dates[0], seed)
        connection.execute("drop table if exists synthetic_voters; drop table if exists synthetic_history")


def _csv(name: str) -> str:
    return "'" + str(REFERENCE_DIR / name).replace("'", "''") + "'"


def _create_reference(
    connection: duckdb.DuckDBPyConnection,
    states: Sequence[str] | None,
    partial_states: Sequence[str] = (),
    primary_ballot_states: Sequence[str] = (),
) -> None:
    """States with their real size, party mix and party basis, 2024 presidential margin and VEP turnout history,
    counties and coverage (a partial state's roll is its largest county)."""
    state_filter = ""
    if states:
        state_filter = "where StateAbbr in (" + ", ".join(f"'{s}'" for s in states if s.isalpha()) + ")"
    partial = "(" + ", ".join([f"'{s}'" for s in partial_states if s.isalpha()] or ["''"]) + ")"
    primary_ballot = "(" + ", ".join([f"'{s}'" for s in primary_ballot_states if s.isalpha()] or ["''"]) + ")"
    connection.execute(
        f"""
        create or replace temp table synthetic_states as
        with registration as (
            select StateAbbr as state, StateName as state_name, has_party_registration, Total::double as total,
                   coalesce(D, 0) / Total as p_democrat, coalesce(R, 0) / Total as p_republican,
                   coalesce(L, 0) / Total as p_libertarian, coalesce(G, 0) / Total as p_green,
                   coalesce(O, 0) / Total as p_other
            from read_csv({_csv("party_registration_state_2016_11_d4d.csv")}, nullstr = ['', 'NA'])
            {state_filter}
        ),
        counties as (
            select StateAbbr as state, count(*)::integer as counties_in_state,
                   upper(arg_max(CountyName, Total)) as largest_county,
                   round(100.0 * max(Total) / sum(Total), 2) as largest_county_share_pct
            from read_csv({_csv("party_registration_county_d4d_2004_2016.csv")}, nullstr = ['', 'NA'])
            where Year = 2016 and Month = 11
            group by StateAbbr
        ),
        weighted as (
            select registration.*, sum(total) over (order by state) / sum(total) over () as cumulative_hi,
                   (sum(total) over (order by state) - total) / sum(total) over () as cumulative_lo,
                   case when state in {partial} then 1
                        else greatest(3, round(30 * sqrt(total / 1e6)))::integer end as counties,
                   state in {partial} as is_partial,
                   case when has_party_registration then 'registration'
                        when state in {primary_ballot} then 'primary_ballot' else 'none' end as party_basis,
                   counties.counties_in_state, counties.largest_county, counties.largest_county_share_pct
            from registration join counties using (state)
        ),
        president as (
            select state_po as state,
                   100.0 * (sum(votes) filter (where party_simplified = 'DEMOCRAT')
                            - sum(votes) filter (where party_simplified = 'REPUBLICAN')) / sum(votes) as margin
            from read_csv({_csv("medsl_president_state_2024.csv")}, nullstr = ['', 'NA'])
            group by state_po
        )
        select weighted.*, president.margin as presidential_margin_pts
        from weighted left join president using (state)
        """
    )
    connection.execute(
        f"""
        create or replace temp table synthetic_elections as
        select calendar.year::integer as election_year, calendar.election_date::date as election_date,
               calendar.president_on_ballot::boolean as presidential
        from read_csv({_csv("federal_general_election_dates_2008_2030.csv")}) calendar
        where calendar.year <= 2024
        """
    )
    connection.execute(
        f"""
        create or replace temp table synthetic_official as
        select year::integer as election_year, state_abv as state,
               coalesce(vep_turnout_total_ballots_pct, vep_turnout_highest_office_pct)::double as vep_turnout_pct,
               coalesce(total_ballots_counted, vote_for_highest_office)::bigint as ballots, vep::bigint as vep
        from read_csv({_csv("turnout_vep_by_state_2008_2024.csv")}, nullstr = ['', 'NA'])
        where state_abv <> 'US'
        """
    )


def _uniform(name: str, seed: int) -> str:
    """SQL: a uniform [0, 1) draw that depends only on the voter number, the seed and `name`."""
    return f"((hash(i, {seed}, '{name}') % 1000003) / 1000003.0)"


def _create_roll(connection: duckdb.DuckDBPyConnection, voters: int, day: date, day_index: int, seed: int) -> None:
    """The synthetic roll as of `day`: voter i exists when registered by then and not yet removed."""
    on_roll = voters + int(voters * _DAILY_GROWTH * day_index)
    removed_share = _DAILY_REMOVAL * day_index
    u = lambda name: _uniform(name, seed)  # noqa: E731 - a local shorthand for the SQL below
    connection.execute(
        f"""
        create or replace temp table synthetic_voters as
        with drawn as (
            select i, {u("state")} as u_state, {u("county")} as u_county, {u("party")} as u_party,
                   {u("age")} as u_age, {u("gender")} as u_gender, {u("tier")} as u_tier,
                   {u("tenure")} as u_tenure, {u("history")} as u_history,
                   i >= {voters} as registered_in_window
            from range({on_roll}) voters(i)
            where {u("removed")} >= {removed_share}
        ),
        placed as (
            select drawn.*, s.state, s.has_party_registration, s.party_basis, s.counties, s.is_partial,
                   s.largest_county, s.p_democrat, s.p_republican, s.p_libertarian, s.p_green, s.p_other
            from drawn join synthetic_states s on drawn.u_state >= s.cumulative_lo and drawn.u_state < s.cumulative_hi
        ),
        described as (
            select i, state, party_basis, registered_in_window, u_history,
                   case when is_partial then largest_county
                        else 'County ' || lpad((1 + floor(u_county * u_county * counties))::integer::varchar, 3, '0')
                   end as county,
                   case
                       when party_basis = 'primary_ballot' and u_party < 0.24 then 'Republican'
                       when party_basis = 'primary_ballot' and u_party < 0.40 then 'Democrat'
                       when not has_party_registration then 'Unknown'
                       when u_party < p_democrat then 'Democrat'
                       when u_party < p_democrat + p_republican then 'Republican'
                       when u_party < p_democrat + p_republican + p_libertarian then 'Libertarian'
                       when u_party < p_democrat + p_republican + p_libertarian + p_green then 'Green'
                       when u_party < p_democrat + p_republican + p_libertarian + p_green + p_other then 'Other'
                       when u_party < 0.995 then 'Independent'
                       else 'Unknown'
                   end as party,
                   case when u_age < 0.19 then '18-29' when u_age < 0.52 then '30-49' when u_age < 0.78 then '50-64'
                        when u_age < 0.995 then '65+' else 'Unknown' end as age_group,
                   case when u_gender < 0.52 then 'Female' when u_gender < 0.975 then 'Male'
                        when u_gender < 0.98 then 'Other' else 'Unknown' end as gender,
                   u_tier, u_tenure
            from placed
        )
        select *,
               -- Older voters vote more: shift the tier draw by age group.
               case
                   when registered_in_window then 'Never Voted'
                   when u_tier * age_shift < 0.56 then 'Current'
                   when u_tier * age_shift < 0.66 then 'Missed Last Election'
                   when u_tier * age_shift < 0.77 then 'Occasional'
                   when u_tier * age_shift < 0.85 then 'Infrequent'
                   when u_tier * age_shift < 0.93 then 'Dormant'
                   else 'Never Voted'
               end as engagement_tier,
               case when registered_in_window then 0.0
                    else round(u_tenure * tenure_span, 1) end as tenure_years
        from (
            select *,
                   case age_group when '18-29' then 1.25 when '30-49' then 1.05 when '50-64' then 0.92
                                  when '65+' then 0.82 else 1.0 end as age_shift,
                   case age_group when '18-29' then 10 when '30-49' then 25 when '50-64' then 40
                                  when '65+' then 55 else 30 end as tenure_span
            from described
        )
        """
    )
    connection.execute(
        """
        update synthetic_voters set
            engagement_tier = case when age_group = '18-29' and engagement_tier = 'Dormant' then 'Infrequent'
                                   else engagement_tier end
        """
    )
    connection.execute(
        f"""
        alter table synthetic_voters add column registration_year integer;
        update synthetic_voters set registration_year = {day.year} - floor(tenure_years)::integer;
        """
    )
    # One row per voter and general election they were registered for: voted, did not, or unknown
    # (about 6% of the roll comes from a source that only records a last vote date).
    connection.execute(
        f"""
        create or replace temp table synthetic_history as
        with elections as (
            select *, row_number() over (order by election_date desc) - 1 as elections_ago
            from synthetic_elections where election_date < date '{day.isoformat()}'
        )
        select v.state, v.party, v.gender, v.age_group, e.election_year, e.election_date,
               case
                   when v.u_history < 0.06 then 'unknown'
                   when ((hash(v.i, e.election_year, {seed}) % 1000) / 1000.0) < (
                       case v.engagement_tier
                           when 'Current' then case when e.elections_ago = 0 then 1.0
                                                    when e.presidential then 0.88 else 0.7 end
                           when 'Missed Last Election' then case when e.elections_ago = 0 then 0.0
                                                                 when e.elections_ago <= 2 then 0.85 else 0.6 end
                           when 'Occasional' then case when e.elections_ago = 0 then 0.0
                                                       when e.presidential then 0.55 else 0.35 end
                           when 'Infrequent' then case when e.elections_ago <= 1 then 0.0 else 0.22 end
                           when 'Dormant' then case when e.elections_ago < 4 then 0.0 else 0.45 end
                           else 0.0
                       end) then 'voted'
                   else 'did_not_vote'
               end as outcome
        from synthetic_voters v
        join elections e on e.election_year >= v.registration_year
        """
    )


def _insert_marts(connection: duckdb.DuckDBPyConnection, day: date, first_day: date, seed: int) -> None:
    d = f"date '{day.isoformat()}'"
    tier_order = (
        "case engagement_tier when 'Current' then 1 when 'Missed Last Election' then 2 when 'Occasional' then 3 "
        "when 'Infrequent' then 4 when 'Dormant' then 5 else 6 end"
    )
    connection.execute(
        f"""
        insert into marts.voter_snapshot
        select {d}, state, county, party, age_group, gender, engagement_tier, count(*)
        from synthetic_voters group by all;

        insert into marts.engagement_segments
        select {d}, state, party, age_group, gender, engagement_tier, {tier_order}, count(*), avg(tenure_years),
               100.0 * count(*) / sum(count(*)) over (partition by state)
        from synthetic_voters group by state, party, age_group, gender, engagement_tier;

        insert into marts.registration_trends
        select {d}, state, registration_year, party, gender, age_group, count(*)
        from synthetic_voters group by all;

        insert into marts.partisan_trends
        select {d}, election_date, election_year, state, party, gender, age_group, count(*),
               count(*) filter (where outcome = 'voted'), count(*) filter (where outcome = 'did_not_vote'),
               count(*) filter (where outcome = 'unknown'),
               100.0 * count(*) filter (where outcome = 'voted')
                   / nullif(count(*) filter (where outcome <> 'unknown'), 0),
               100.0 * count(*) filter (where outcome <> 'unknown') / count(*)
        from synthetic_history group by election_date, election_year, state, party, gender, age_group;

        insert into marts.turnout_comparison
        select {d}, h.state, h.election_year, h.election_date, count(*),
               count(*) filter (where outcome = 'voted'), count(*) filter (where outcome = 'did_not_vote'),
               count(*) filter (where outcome = 'unknown'),
               100.0 * count(*) filter (where outcome = 'voted')
                   / nullif(count(*) filter (where outcome <> 'unknown'), 0),
               case when not any_value(s.is_partial) then any_value(o.vep_turnout_pct) end,
               case when not any_value(s.is_partial) then any_value(o.ballots) end,
               case when not any_value(s.is_partial) then any_value(o.vep) end,
               {
            _coverage_columns(
                "any_value(s.is_partial)", "any_value(s.counties_in_state)", "any_value(s.largest_county_share_pct)"
            )
        }
        from synthetic_history h
        join synthetic_states s on s.state = h.state
        left join synthetic_official o on o.state = h.state and o.election_year = h.election_year
        group by h.state, h.election_year, h.election_date;
        """
    )
    _insert_coverage(connection, d)
    _insert_targeting(connection, d)
    _insert_state_summary(connection, d, day)
    _insert_changes(connection, d, day, first_day, seed)
    _insert_data_quality(connection, d, day, first_day, seed)


def _insert_targeting(connection: duckdb.DuckDBPyConnection, d: str) -> None:
    connection.execute(
        f"""
        insert into marts.targeting_opportunities
        with segments as (
            select state, age_group, party, any_value(party_basis) as party_basis,
                   case when grouping(gender) = 1 then 'All' else gender end as gender,
                   count(*) as voters,
                   count(*) filter (where engagement_tier = 'Missed Last Election') as missed_last_voters,
                   count(*) filter (where engagement_tier = 'Occasional') as lapsed_2_3_voters,
                   avg(tenure_years) as avg_tenure_years
            from synthetic_voters
            group by grouping sets ((state, age_group, party), (state, age_group, party, gender))
        ),
        scored as (
            select *, missed_last_voters + lapsed_2_3_voters as recoverable_voters,
                   100.0 * missed_last_voters / voters as missed_last_pct,
                   100.0 * lapsed_2_3_voters / voters as lapsed_2_3_pct,
                   round(least(100, 100 * (0.7 * missed_last_voters + 0.3 * lapsed_2_3_voters) / voters / 0.25
                         * sqrt(least(1.0, voters / 500.0))), 1) as opportunity_score
            from segments
        )
        select {d}, concat_ws('|', state, age_group, party, gender), state, age_group,
               party, party_basis, gender, voters, voters, missed_last_voters, lapsed_2_3_voters, recoverable_voters,
               missed_last_pct,
               lapsed_2_3_pct, avg_tenure_years, opportunity_score,
               -- Ranked within its level (all genders, or the gender cuts), as the real mart does.
               rank() over (partition by gender = 'All' order by voters >= 10 desc, opportunity_score desc)::integer,
               case when voters < 10 then 'Low'
                    when percent_rank() over (partition by gender = 'All' order by opportunity_score desc) < 0.2
                        then 'High'
                    when percent_rank() over (partition by gender = 'All' order by opportunity_score desc) < 0.5
                        then 'Medium'
                    else 'Low' end,
               voters >= 10
        from scored
        """
    )


def _coverage_columns(is_partial: str, counties_in_state: str, share_pct: str, label_first: bool = True) -> str:
    """SQL: coverage, coverage_label, comparison_note of a state's roll, as the real marts word them
    (state_summary has its county counts between the coverage and its label: label_first=False leaves the
    coverage out)."""
    coverage = f"case when {is_partial} then 'partial' else 'full' end, " if label_first else ""
    return (
        coverage
        + f"""case when {is_partial} then '1 of ' || {counties_in_state} || ' counties' else 'statewide' end,
               case when {is_partial} then 'Not compared with statewide figures: the roll covers 1 of '
                    || {counties_in_state} || ' counties (' || round({share_pct}, 1)
                    || '% of the state''s registered voters).'
               end"""
    )


def _insert_coverage(connection: duckdb.DuckDBPyConnection, d: str) -> None:
    """One source per state: its counties present among the real counties of the state."""
    connection.execute(
        f"""
        insert into marts.roll_coverage
        with loaded as (
            select state, count(*) as voters, count(distinct county)::integer as counties
            from synthetic_voters group by state
        )
        select {d}, s.state, 'canonical:' || s.state, {d}, 'canonical', 'per_election', l.voters, 0,
               case when s.is_partial then 1 else s.counties_in_state end,
               case when s.is_partial then 1 else s.counties_in_state end,
               s.counties_in_state,
               case when s.is_partial then s.largest_county_share_pct else 100.0 end,
               case when s.is_partial then 'partial' else 'full' end,
               1,
               case when s.is_partial then 1 else s.counties_in_state end,
               case when s.is_partial then 1 else s.counties_in_state end,
               case when s.is_partial then s.largest_county_share_pct else 100.0 end,
               {_coverage_columns("s.is_partial", "s.counties_in_state", "s.largest_county_share_pct")}
        from synthetic_states s join loaded l using (state)
        """
    )


def _lean(margin: str) -> str:
    return (
        f"case when {margin} is null then null when {margin} > 10 then 'Strong D' when {margin} > 5 then 'Lean D' "
        f"when {margin} >= 2 then 'Competitive D' when {margin} > -2 then 'Highly Competitive' "
        f"when {margin} >= -5 then 'Competitive R' when {margin} >= -10 then 'Lean R' else 'Strong R' end"
    )


def _insert_state_summary(connection: duckdb.DuckDBPyConnection, d: str, day: date) -> None:
    connection.execute(
        f"""
        insert into marts.state_summary
        with counts as (
            select state, count(*) as voters,
                   count(*) filter (where party = 'Democrat') as democrat_voters,
                   count(*) filter (where party = 'Republican') as republican_voters,
                   count(*) filter (where party = 'Independent') as independent_voters,
                   count(*) filter (where party in ('Libertarian', 'Green', 'Other')) as other_party_voters,
                   count(*) filter (where party = 'Unknown') as unknown_party_voters,
                   count(*) filter (where engagement_tier in ('Missed Last Election', 'Occasional'))
                       as recoverable_voters,
                   avg((age_group = '18-29')::int) * 100 as pct_age_18_29,
                   avg((age_group = '30-49')::int) * 100 as pct_age_30_49,
                   avg((age_group = '50-64')::int) * 100 as pct_age_50_64,
                   avg((age_group = '65+')::int) * 100 as pct_age_65_plus,
                   avg((engagement_tier = 'Current')::int) * 100 as pct_current,
                   avg((engagement_tier = 'Missed Last Election')::int) * 100 as pct_missed_last,
                   avg((engagement_tier = 'Occasional')::int) * 100 as pct_occasional,
                   avg((engagement_tier = 'Infrequent')::int) * 100 as pct_infrequent,
                   avg((engagement_tier = 'Dormant')::int) * 100 as pct_dormant,
                   avg((engagement_tier = 'Never Voted')::int) * 100 as pct_never_voted
            from synthetic_voters group by state
        ),
        latest_turnout as (
            select state, arg_max(file_turnout_pct, election_date) as file_turnout_pct,
                   arg_max(election_year, election_date) as turnout_election_year
            from marts.turnout_comparison where analysis_date = {d} group by state
        ),
        official as (
            select state, arg_max(vep_turnout_pct, election_year) as vep_turnout_pct
            from synthetic_official group by state
        ),
        margins as (
            select c.*, s.state_name, s.has_party_registration, s.party_basis, s.is_partial, s.counties_in_state,
                   s.largest_county_share_pct,
                   case when not s.is_partial then s.presidential_margin_pts end as presidential_margin_pts,
                   case when s.has_party_registration
                        then 100.0 * (democrat_voters - republican_voters) / voters end as registration_margin_pts
            from counts c join synthetic_states s using (state)
        )
        select {d}, m.state, m.state_name, voters, democrat_voters, republican_voters, independent_voters,
               other_party_voters, unknown_party_voters, party_basis,
               case party_basis when 'registration' then 'registered party'
                                when 'primary_ballot' then 'party from primary ballots' else 'party not recorded' end,
               case when party_basis <> 'none' then 100.0 * democrat_voters / voters end,
               case when party_basis <> 'none' then 100.0 * republican_voters / voters end,
               case when party_basis <> 'none' then 100.0 * independent_voters / voters end,
               registration_margin_pts,
               case when has_party_registration then {_lean("registration_margin_pts")}
                    else 'No party registration' end,
               case when not is_partial then 2024 end, presidential_margin_pts, {_lean("presidential_margin_pts")},
               pct_age_18_29, pct_age_30_49, pct_age_50_64, pct_age_65_plus, pct_current, pct_missed_last,
               pct_occasional, pct_infrequent, pct_dormant, pct_never_voted, voters, recoverable_voters,
               100.0 * recoverable_voters / voters, round(least(100, 100.0 * recoverable_voters / voters / 0.4), 1),
               t.file_turnout_pct, case when not is_partial then o.vep_turnout_pct end, t.turnout_election_year, 0.0,
               case when is_partial then 'partial' else 'full' end,
               case when is_partial then 1 else counties_in_state end,
               case when is_partial then 1 else counties_in_state end,
               counties_in_state,
               case when is_partial then largest_county_share_pct else 100.0 end,
               {_coverage_columns("is_partial", "counties_in_state", "largest_county_share_pct", label_first=False)}
        from margins m left join latest_turnout t using (state) left join official o using (state)
        """
    )


def _insert_changes(connection: duckdb.DuckDBPyConnection, d: str, day: date, first_day: date, seed: int) -> None:
    """One row per change day (each snapshot day after the first, up to this date), state and change."""
    connection.execute(
        f"""
        insert into marts.voter_changes
        with days as (
            select unnest(generate_series(date '{first_day.isoformat()}' + 1, {d}, interval 1 day))::date as change_date
        ),
        states as (select state, count(*) as voters from synthetic_voters group by state),
        base as (
            select change_date, state, voters,
                   (hash(state, change_date, {seed}) % 1000) / 1000.0 as u
            from days cross join states
        ),
        switches as (
            select * from (values ('Democrat', 'Independent', 0.30), ('Republican', 'Independent', 0.25),
                                  ('Independent', 'Democrat', 0.15), ('Independent', 'Republican', 0.15),
                                  ('Democrat', 'Republican', 0.08), ('Republican', 'Democrat', 0.07))
                          s(from_value, to_value, share)
        )
        select {d}, change_date, state, 'new_registration', null, null,
               round(voters * {_DAILY_GROWTH} * (0.8 + 0.4 * u))::bigint from base
        union all
        select {d}, change_date, state, 'removed', null, null,
               round(voters * {_DAILY_REMOVAL} * (0.7 + 0.6 * u))::bigint from base
        union all
        select {d}, change_date, state, 'moved', null, null, round(voters * 0.0006 * (0.5 + u))::bigint from base
        union all
        select {d}, change_date, state, 'name_change', null, null, round(voters * 0.0002 * (0.5 + u))::bigint from base
        union all
        select {d}, change_date, state, 'party_switch', from_value, to_value,
               round(voters * 0.0004 * share * (0.5 + u))::bigint
        from base cross join switches
        """
    )
    connection.execute(f"delete from marts.voter_changes where analysis_date = {d} and voters = 0")


def _insert_data_quality(connection: duckdb.DuckDBPyConnection, d: str, day: date, first_day: date, seed: int) -> None:
    """Per landing file (one per state and snapshot day up to this date): volume, quarantine reasons, duplicates."""
    connection.execute(
        f"""
        insert into marts.data_quality
        with files as (
            select change_date as partition_date, state,
                   'voters_' || state || '_' || strftime(change_date, '%Y-%m-%d') || '.csv' as file_name,
                   voters, (hash(state, change_date, {seed}, 'dq') % 1000) / 1000.0 as u
            from (select unnest(generate_series(date '{first_day.isoformat()}', {d}, interval 1 day))::date
                         as change_date)
            cross join (select state, count(*) as voters from synthetic_voters group by state)
        ),
        reasons as (
            select * from (values ('impossible_age', 0.0004), ('impossible_date:birth_date', 0.0003),
                                  ('blank_required_field:voter_id', 0.0002), ('non_utf8', 0.0001),
                                  ('repeated_header', 0.0)) r(reason, share)
        ),
        quarantined as (
            select partition_date, file_name, state, reason,
                   case when reason = 'repeated_header' then (u > 0.7)::int
                        else round(voters * share * (0.5 + u)) end::bigint as rows
            from files cross join reasons
        ),
        totals as (
            select f.partition_date, f.file_name, f.state, f.voters, sum(q.rows) as quarantined,
                   round(f.voters * 0.0005 * any_value(f.u))::bigint as superseded, any_value(f.u) as u
            from files f join quarantined q using (partition_date, file_name, state)
            group by f.partition_date, f.file_name, f.state, f.voters
        )
        select {d}, partition_date, file_name, 'canonical:' || state, 'canonical', 'volume', measure, rows,
               case when measure in ('lines_read', 'header_lines', 'blank_lines') then null
                    else 100.0 * rows / (voters + quarantined + superseded) end
        from totals, lateral (select * from (values ('lines_read', voters + quarantined + superseded + 1),
                                                    ('header_lines', 1), ('blank_lines', 0),
                                                    ('rows_loaded', voters), ('rows_quarantined', quarantined),
                                                    ('rows_superseded', superseded), ('rows_recovered', 0))
                              m(measure, rows))
        union all
        select {d}, q.partition_date, q.file_name, 'canonical:' || q.state, 'canonical', 'quarantine_reason',
               q.reason, q.rows, 100.0 * q.rows / (t.voters + t.quarantined + t.superseded)
        from quarantined q join totals t using (partition_date, file_name, state)
        where q.rows > 0
        union all
        select {d}, partition_date, file_name, 'canonical:' || state, 'canonical', 'duplicates', 'exact_duplicate',
               superseded, 100.0 * superseded / (voters + quarantined + superseded)
        from totals
        union all
        select {d}, partition_date, file_name, 'canonical:' || state, 'canonical', 'completeness', 'email',
               round(voters * (0.55 + 0.2 * u))::bigint, 55 + 20 * u
        from totals
        """
    )
