{{ config(alias='registration_trends') }}
-- Voters on the roll by the year they registered, by state, party, gender and age group, each with an
-- 'All' level.
with registrations as (
    select * from {{ ref('registration_trends') }}
    where {{ in_analysis_window('analysis_date') }}
),

final as (
    select
        analysis_date,
        registration_year,
        {{ rolled_up('state') }} as state,
        {{ rolled_up('party') }} as party,
        {{ rolled_up('gender') }} as gender,
        {{ rolled_up('age_group') }} as age_group,
        cast(sum(voters) as bigint) as voters
    from registrations
    group by analysis_date, registration_year, cube(state, party, gender, age_group)
)

select * from final
