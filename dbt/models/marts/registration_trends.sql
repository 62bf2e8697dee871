-- Registered voters as of the analysis date by the year they registered, state, party, gender and
-- age group: when the roll of that date joined (registration_year null = registration date unknown).
with voters as (
    select * from {{ ref('int_voters_with_party') }}
),

final as (
    select
        analysis_date,
        state,
        registration_year,
        party,
        gender,
        age_group,
        count(*) as voters
    from voters
    group by analysis_date, state, registration_year, party, gender, age_group
)

select * from final
order by analysis_date, state, registration_year nulls first, party, gender, age_group
