-- Registered voters as of each analysis date, counted by the finest segment any mart reports:
-- state, county, party, gender, age group and engagement tier. Marts roll up from here instead of
-- re-reading the voter-level table. Tenure is kept as a sum of whole days (exact, so averages are
-- the same on every rebuild). party is under the state's party basis (int_voters_with_party), which
-- rides along (one value per state and date: it adds no rows).
with voters as (
    select * from {{ ref('int_voters_with_party') }}
),

final as (
    select
        analysis_date,
        state,
        coalesce(county, 'Unknown') as county,
        party,
        party_basis,
        gender,
        age_group,
        engagement_tier,
        tier_order,
        count(*) as voters,
        count(tenure_days) as voters_with_tenure,
        coalesce(sum(tenure_days), 0) as tenure_days_sum
    from voters
    group by
        analysis_date,
        state,
        coalesce(county, 'Unknown'),
        party,
        party_basis,
        gender,
        age_group,
        engagement_tier,
        tier_order
)

select * from final
