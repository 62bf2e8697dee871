-- Registered voters by state, county, party, age group, gender and engagement tier: the MVP
-- question, "how many voters by state and party", at the finest grain the dashboard filters on.
with segments as (
    select * from {{ ref('int_voter_segments') }}
),

final as (
    select
        analysis_date,
        state,
        county,
        party,
        age_group,
        gender,
        engagement_tier,
        cast(sum(voters) as bigint) as voters
    from segments
    group by analysis_date, state, county, party, age_group, gender, engagement_tier
)

select * from final
order by analysis_date, state, county, party, age_group, gender, engagement_tier
