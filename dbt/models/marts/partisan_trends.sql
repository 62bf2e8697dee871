-- Turnout in each federal general election held before the analysis date (2008 onwards; 2026 once
-- the date passes it), by state, party, gender and age group on election day. Participation that a
-- file cannot know (elections after its snapshot; before a last_vote_only source's last vote) is
-- history_unknown and stays out of turnout_pct, which is voted / (voted + did_not_vote).
with participation as (
    select * from {{ ref('int_participation_by_segment') }}
),

final as (
    select
        analysis_date,
        election_date,
        cast(election_year as integer) as election_year,
        state,
        party,
        gender,
        age_group,
        cast(registered_voters as bigint) as registered_voters,
        cast(voted as bigint) as voted,
        cast(did_not_vote as bigint) as did_not_vote,
        cast(history_unknown as bigint) as history_unknown,
        {{ pct('voted', 'voted + did_not_vote') }} as turnout_pct,
        {{ pct('voted + did_not_vote', 'registered_voters') }} as known_history_pct
    from participation
)

select * from final
order by analysis_date, election_date, state, party, gender, age_group
