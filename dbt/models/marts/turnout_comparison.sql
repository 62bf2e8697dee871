-- Turnout computed from the voter file beside the official turnout of the voting-eligible
-- population (US Elections Project), per state and federal general election held before the
-- analysis date. file_turnout_pct = voted / (voted + did_not_vote): voters whose participation
-- the file cannot know are left out, never counted as non-voters.
--
-- The official figures are statewide: they are set beside the file only where the state's roll is
-- statewide (int_state_coverage, coverage 'full'); for a county extract or a roll without counties
-- they are null and comparison_note says why.
{%- set statewide = "coalesce(coverage.coverage = 'full', false)" %}

with participation as (
    select * from {{ ref('int_participation_by_segment') }}
),

official as (
    select * from {{ ref('stg_vep_turnout') }}
),

coverage as (
    select * from {{ ref('int_state_coverage') }}
),

by_state as (
    select
        analysis_date,
        state,
        election_year,
        election_date,
        sum(registered_voters) as registered_voters,
        sum(voted) as voted,
        sum(did_not_vote) as did_not_vote,
        sum(history_unknown) as history_unknown
    from participation
    group by analysis_date, state, election_year, election_date
),

final as (
    select
        by_state.analysis_date,
        by_state.state,
        cast(by_state.election_year as integer) as election_year,
        by_state.election_date,
        cast(by_state.registered_voters as bigint) as registered_voters,
        cast(by_state.voted as bigint) as voted,
        cast(by_state.did_not_vote as bigint) as did_not_vote,
        cast(by_state.history_unknown as bigint) as history_unknown,
        {{ pct('by_state.voted', 'by_state.voted + by_state.did_not_vote') }} as file_turnout_pct,
        case
            when {{ statewide }}
                then cast(
                    coalesce(official.vep_turnout_total_ballots_pct, official.vep_turnout_highest_office_pct) as double
                )
        end as official_vep_turnout_pct,
        case when {{ statewide }} then cast(official.total_ballots_counted as bigint) end as official_ballots_counted,
        case when {{ statewide }} then cast(official.vep as bigint) end as vep,
        coalesce(coverage.coverage, 'unknown') as coverage,
        coalesce(coverage.coverage_label, 'coverage unknown') as coverage_label,
        case
            when not {{ statewide }}
                then coalesce(
                    coverage.comparison_note,
                    'Not compared with statewide figures: the coverage of the roll is unknown.'
                )
        end as comparison_note
    from by_state
    left join official
        on by_state.state = official.state
        and by_state.election_year = official.election_year
    left join coverage
        on by_state.analysis_date = coverage.analysis_date
        and by_state.state = coverage.state
)

select * from final
order by analysis_date, state, election_date
