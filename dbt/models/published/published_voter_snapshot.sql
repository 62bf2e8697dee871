{{ config(alias='voter_snapshot') }}
-- County detail for the drill-down: party x engagement tier per county, with 'All' levels of both.
-- Age and gender are not crossed with county here: at that grain almost every cell would be small and
-- suppressed.
with snapshot as (
    select
        analysis_date,
        state,
        coalesce(county, 'Unknown') as county,
        party,
        engagement_tier,
        voters
    from {{ ref('voter_snapshot') }}
    where {{ in_analysis_window('analysis_date') }}
),

final as (
    select
        analysis_date,
        state,
        county,
        {{ rolled_up('party') }} as party,
        {{ rolled_up('engagement_tier') }} as engagement_tier,
        cast(sum(voters) as bigint) as voters
    from snapshot
    group by analysis_date, state, county, cube(party, engagement_tier)
)

select * from final
