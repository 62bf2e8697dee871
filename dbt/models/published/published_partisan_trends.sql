{{ config(alias='partisan_trends') }}
-- Turnout per election by state, party, gender and age group, each with an 'All' level. Turnout is of
-- the voters whose history is known; known_history_pct says how many that is.
with trends as (
    select * from {{ ref('partisan_trends') }}
    where {{ in_analysis_window('analysis_date') }}
),

final as (
    select
        analysis_date,
        election_date,
        election_year,
        {{ rolled_up('state') }} as state,
        {{ rolled_up('party') }} as party,
        {{ rolled_up('gender') }} as gender,
        {{ rolled_up('age_group') }} as age_group,
        cast(sum(registered_voters) as bigint) as registered_voters,
        cast(sum(voted) as bigint) as voted,
        cast(sum(did_not_vote) as bigint) as did_not_vote,
        cast(sum(history_unknown) as bigint) as history_unknown,
        100.0 * sum(voted) / nullif(sum(voted) + sum(did_not_vote), 0) as turnout_pct,
        100.0 * (sum(voted) + sum(did_not_vote)) / nullif(sum(registered_voters), 0) as known_history_pct
    from trends
    group by analysis_date, election_date, election_year, cube(state, party, gender, age_group)
)

select * from final
