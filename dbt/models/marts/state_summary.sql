-- One row per state and analysis date: the roll's composition by party, age and engagement tier;
-- partisan lean from the registration margin beside the lean of the latest official presidential
-- result; the recoverable voters (missed the last election + lapsed 2-3) and the state's
-- engagement opportunity score (the targeting formula over the whole state); turnout computed
-- from the file beside the official VEP turnout of the same election.
--
-- Coverage (int_state_coverage): the statewide figures (the presidential result, official VEP
-- turnout) are set beside the roll only where the roll is statewide (coverage 'full'). For a county
-- extract or a roll without counties they are null and comparison_note says why: one county's
-- lean is not the state's.
--
-- Lean labels from a margin in points (D - R): Strong > 10, Lean 5-10, Competitive 2-5, Highly
-- Competitive < 2 (vars). Party counts follow the state's party basis (int_party_basis): registered
-- parties, or in a state without party registration the parties of primary ballots (party_basis
-- primary_ballot, e.g. Ohio). A registration margin and lean are drawn only from registered parties
-- (party_basis registration); elsewhere they are null / 'No party registration'.
--
-- Recoverable share and engagement opportunity score are over the voters whose vote history is known
-- (history_known_voters): a roll loaded without vote history (tier History Unknown) does not lower
-- them. The tier percentages (pct_current ... pct_never_voted, pct_history_unknown) are of the whole
-- roll and add up to 100.
{%- set registration_basis = "party_basis.party_basis = 'registration'" %}
{%- set statewide = "coalesce(coverage.coverage = 'full', false)" %}

with segments as (
    select * from {{ ref('int_voter_segments') }}
),

coverage as (
    select * from {{ ref('int_state_coverage') }}
),

states as (
    select * from {{ ref('int_states') }}
),

calendar as (
    select * from {{ ref('stg_election_calendar') }}
),

analysis_dates as (
    select * from {{ ref('int_analysis_dates') }}
),

party_basis as (
    select * from {{ ref('int_party_basis') }}
),

composition as (
    select
        analysis_date,
        state,
        sum(voters) as voters,
        coalesce(sum(voters) filter (where party = 'Democrat'), 0) as democrat_voters,
        coalesce(sum(voters) filter (where party = 'Republican'), 0) as republican_voters,
        coalesce(sum(voters) filter (where party = 'Independent'), 0) as independent_voters,
        coalesce(sum(voters) filter (where party in ('Libertarian', 'Green', 'Other')), 0) as other_party_voters,
        coalesce(sum(voters) filter (where party = 'Unknown'), 0) as unknown_party_voters,
        coalesce(sum(voters) filter (where age_group = '18-29'), 0) as age_18_29_voters,
        coalesce(sum(voters) filter (where age_group = '30-49'), 0) as age_30_49_voters,
        coalesce(sum(voters) filter (where age_group = '50-64'), 0) as age_50_64_voters,
        coalesce(sum(voters) filter (where age_group = '65+'), 0) as age_65_plus_voters,
        coalesce(sum(voters) filter (where engagement_tier = 'Current'), 0) as current_voters,
        coalesce(sum(voters) filter (where engagement_tier = 'Missed Last Election'), 0) as missed_last_voters,
        coalesce(sum(voters) filter (where engagement_tier = 'Occasional'), 0) as occasional_voters,
        coalesce(sum(voters) filter (where engagement_tier = 'Infrequent'), 0) as infrequent_voters,
        coalesce(sum(voters) filter (where engagement_tier = 'Dormant'), 0) as dormant_voters,
        coalesce(sum(voters) filter (where engagement_tier = 'Never Voted'), 0) as never_voted_voters,
        coalesce(sum(voters) filter (where engagement_tier = 'History Unknown'), 0) as history_unknown_voters,
        coalesce(sum(voters) filter (where engagement_tier <> 'History Unknown'), 0) as history_known_voters,
        sum(voters_with_tenure) as voters_with_tenure,
        sum(tenure_days_sum) as tenure_days_sum
    from segments
    group by analysis_date, state
),

-- the latest presidential election held before the analysis date, per state
latest_presidential as (
    select analysis_date, state, election_year, margin_pts, lean
    from (
        select
            analysis_dates.analysis_date,
            results.state,
            results.election_year,
            results.margin_pts,
            results.lean,
            row_number() over (
                partition by analysis_dates.analysis_date, results.state
                order by results.election_year desc
            ) as recency
        from analysis_dates
        inner join calendar
            on calendar.president_on_ballot
            and analysis_dates.analysis_date > calendar.election_date
        inner join {{ ref('int_president_results_by_state') }} as results
            on calendar.election_year = results.election_year
    ) as ranked
    where recency = 1
),

-- the latest federal general for which the file knows participation (else simply the latest)
latest_file_turnout as (
    select analysis_date, state, election_year, voted, did_not_vote
    from (
        select
            *,
            row_number() over (
                partition by analysis_date, state
                order by voted + did_not_vote > 0 desc, election_date desc
            ) as recency
        from (
            select
                analysis_date, state, election_date, election_year,
                sum(voted) as voted, sum(did_not_vote) as did_not_vote
            from {{ ref('int_participation_by_segment') }}
            group by analysis_date, state, election_date, election_year
        ) as by_election
    ) as ranked
    where recency = 1
),

official_turnout as (
    select * from {{ ref('stg_vep_turnout') }}
),

final as (
    select
        composition.analysis_date,
        composition.state,
        coalesce(states.state_name, composition.state) as state_name,
        cast(composition.voters as bigint) as voters,
        cast(composition.democrat_voters as bigint) as democrat_voters,
        cast(composition.republican_voters as bigint) as republican_voters,
        cast(composition.independent_voters as bigint) as independent_voters,
        cast(composition.other_party_voters as bigint) as other_party_voters,
        cast(composition.unknown_party_voters as bigint) as unknown_party_voters,
        party_basis.party_basis,
        party_basis.party_basis_label,
        {{ pct('composition.democrat_voters', 'composition.voters') }} as democrat_pct,
        {{ pct('composition.republican_voters', 'composition.voters') }} as republican_pct,
        {{ pct('composition.independent_voters', 'composition.voters') }} as independent_pct,
        case
            when {{ registration_basis }}
                then {{ pct('composition.democrat_voters - composition.republican_voters', 'composition.voters') }}
        end as registration_margin_pts,
        case
            when {{ registration_basis }}
                then {{ lean_label(
                    '100.0 * (composition.democrat_voters - composition.republican_voters) / composition.voters'
                ) }}
            else 'No party registration'
        end as registration_lean,
        case when {{ statewide }} then cast(latest_presidential.election_year as integer) end as presidential_year,
        case when {{ statewide }} then round(latest_presidential.margin_pts, 2) end as presidential_margin_pts,
        case when {{ statewide }} then latest_presidential.lean end as presidential_lean,
        {{ pct('composition.age_18_29_voters', 'composition.voters') }} as pct_age_18_29,
        {{ pct('composition.age_30_49_voters', 'composition.voters') }} as pct_age_30_49,
        {{ pct('composition.age_50_64_voters', 'composition.voters') }} as pct_age_50_64,
        {{ pct('composition.age_65_plus_voters', 'composition.voters') }} as pct_age_65_plus,
        {{ pct('composition.current_voters', 'composition.voters') }} as pct_current,
        {{ pct('composition.missed_last_voters', 'composition.voters') }} as pct_missed_last,
        {{ pct('composition.occasional_voters', 'composition.voters') }} as pct_occasional,
        {{ pct('composition.infrequent_voters', 'composition.voters') }} as pct_infrequent,
        {{ pct('composition.dormant_voters', 'composition.voters') }} as pct_dormant,
        {{ pct('composition.never_voted_voters', 'composition.voters') }} as pct_never_voted,
        cast(composition.history_known_voters as bigint) as history_known_voters,
        cast(composition.missed_last_voters + composition.occasional_voters as bigint) as recoverable_voters,
        {{ pct('composition.missed_last_voters + composition.occasional_voters', 'composition.history_known_voters') }}
            as recoverable_pct,
        case
            when composition.history_known_voters > 0
                then {{ opportunity_score(
                    'composition.missed_last_voters * 1.0 / composition.history_known_voters',
                    'composition.occasional_voters * 1.0 / composition.history_known_voters',
                    'composition.tenure_days_sum / 365.25 / nullif(composition.voters_with_tenure, 0)',
                    'composition.voters'
                ) }}
        end as engagement_opportunity_score,
        cast(latest_file_turnout.election_year as integer) as turnout_election_year,
        {{ pct('latest_file_turnout.voted', 'latest_file_turnout.voted + latest_file_turnout.did_not_vote') }}
            as latest_file_turnout_pct,
        case
            when {{ statewide }}
                then cast(
                    coalesce(
                        official_turnout.vep_turnout_total_ballots_pct, official_turnout.vep_turnout_highest_office_pct
                    ) as double
                )
        end as latest_official_vep_turnout_pct,
        {{ pct('composition.history_unknown_voters', 'composition.voters') }} as pct_history_unknown,
        coalesce(coverage.coverage, 'unknown') as coverage,
        coverage.counties_present,
        coverage.counties_recognised,
        coverage.counties_in_state,
        coverage.registered_share_pct as coverage_registered_share_pct,
        coalesce(coverage.coverage_label, 'coverage unknown') as coverage_label,
        case
            when not {{ statewide }}
                then coalesce(
                    coverage.comparison_note,
                    'Not compared with statewide figures: the coverage of the roll is unknown.'
                )
        end as comparison_note
    from composition
    left join coverage
        on composition.analysis_date = coverage.analysis_date
        and composition.state = coverage.state
    left join party_basis
        on composition.analysis_date = party_basis.analysis_date
        and composition.state = party_basis.state
    left join states
        on composition.state = states.state
    left join latest_presidential
        on composition.analysis_date = latest_presidential.analysis_date
        and composition.state = latest_presidential.state
    left join latest_file_turnout
        on composition.analysis_date = latest_file_turnout.analysis_date
        and composition.state = latest_file_turnout.state
    left join official_turnout
        on latest_file_turnout.state = official_turnout.state
        and latest_file_turnout.election_year = official_turnout.election_year
)

select * from final
order by analysis_date, state
