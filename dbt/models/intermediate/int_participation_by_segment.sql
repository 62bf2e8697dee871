-- Participation in each federal general election held before the analysis date, counted by state,
-- party, gender and age group (age on election day). One row per analysis date, election and segment.
with participation as (
    select * from {{ ref('int_voter_participation') }}
),

final as (
    select
        analysis_date,
        election_date,
        election_year,
        state,
        party,
        gender,
        age_group,
        count(*) as registered_voters,
        count(*) filter (where participation = 'voted') as voted,
        count(*) filter (where participation = 'did_not_vote') as did_not_vote,
        count(*) filter (where participation = 'unknown') as history_unknown
    from participation
    group by analysis_date, election_date, election_year, state, party, gender, age_group
)

select * from final
