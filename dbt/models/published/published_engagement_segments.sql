{{ config(alias='engagement_segments') }}
-- The main cube of the dashboard: every combination of its five filters (state, party, age group,
-- gender, engagement tier), each with an 'All' level, and the share of the state's voters.
with segments as (
    select * from {{ ref('engagement_segments') }}
    where {{ in_analysis_window('analysis_date') }}
),

tiers as (
    select * from {{ ref('engagement_tiers') }}
),

cube_of_filters as (
    select
        analysis_date,
        {{ rolled_up('state') }} as state,
        {{ rolled_up('party') }} as party,
        {{ rolled_up('age_group') }} as age_group,
        {{ rolled_up('gender') }} as gender,
        {{ rolled_up('engagement_tier') }} as engagement_tier,
        cast(sum(voters) as bigint) as voters,
        {{ voter_weighted_average('avg_tenure_years') }} as avg_tenure_years
    from segments
    group by analysis_date, cube(state, party, age_group, gender, engagement_tier)
),

final as (
    select
        cube_of_filters.analysis_date,
        cube_of_filters.state,
        cube_of_filters.party,
        cube_of_filters.age_group,
        cube_of_filters.gender,
        cube_of_filters.engagement_tier,
        tiers.tier_order,
        cube_of_filters.voters,
        cube_of_filters.avg_tenure_years,
        -- Of the state's own row with every other filter at 'All' (the national row for state 'All').
        100.0 * cube_of_filters.voters / max(
            case
                when cube_of_filters.party = '{{ rollup_all_label() }}'
                    and cube_of_filters.age_group = '{{ rollup_all_label() }}'
                    and cube_of_filters.gender = '{{ rollup_all_label() }}'
                    and cube_of_filters.engagement_tier = '{{ rollup_all_label() }}'
                    then cube_of_filters.voters
            end
        ) over (partition by cube_of_filters.analysis_date, cube_of_filters.state) as share_of_state_pct
    from cube_of_filters
    left join tiers
        on cube_of_filters.engagement_tier = tiers.engagement_tier
)

select * from final
