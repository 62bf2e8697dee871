-- Registered voters in each engagement tier (federal general elections missed since the last vote),
-- by state, party, age group and gender, with average registration tenure and the segment's share
-- of its state's voters.
with segments as (
    select * from {{ ref('int_voter_segments') }}
),

rolled_up as (
    select
        analysis_date,
        state,
        party,
        age_group,
        gender,
        engagement_tier,
        tier_order,
        sum(voters) as voters,
        sum(voters_with_tenure) as voters_with_tenure,
        sum(tenure_days_sum) as tenure_days_sum
    from segments
    group by analysis_date, state, party, age_group, gender, engagement_tier, tier_order
),

final as (
    select
        analysis_date,
        state,
        party,
        age_group,
        gender,
        engagement_tier,
        cast(tier_order as integer) as tier_order,
        cast(voters as bigint) as voters,
        round(tenure_days_sum / 365.25 / nullif(voters_with_tenure, 0), 2) as avg_tenure_years,
        {{ pct('voters', 'sum(voters) over (partition by analysis_date, state)') }} as share_of_state_pct
    from rolled_up
)

select * from final
order by analysis_date, state, party, age_group, gender, tier_order
