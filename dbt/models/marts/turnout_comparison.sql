-- Turnout computed from the voter file beside the official turnout of the voting-eligible
-- population (US Elections Project), per state and federal general election held before the
-- analysis date. file_turnout_pct = voted / (voted + did_not_vote): voters whose participation
-- the file cannot know are left out, never counted as non-voters.
with participation as (
    select * from {{ ref('int_participation_by_segment') }}
),

official as (
    select * from {{ ref('stg_vep_turnout') }}
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
        cast(coalesce(official.vep_turnout_total_ballots_pct, official.vep_turnout_highest_office_pct) as double) as official_vep_turnout_pct,
        cast(official.total_ballots_counted as bigint) as official_ballots_counted,
        cast(official.vep as bigint) as vep
    from by_state
    left join official
        on by_state.state = official.state
        and by_state.election_year = official.election_year
)

select * from final
order by analysis_date, state, election_date
