{{ config(alias='targeting_opportunities') }}
-- The mart's own segments (state x age group x party with gender 'All', and their gender cuts) as they
-- are, with their score, rank and priority; rollups over state, age group and party are added for the
-- charts, with counts summed and the score weighted by voters (rollups have no rank or priority). Shares
-- are of the voters whose history is known, as in the mart; party_basis is kept where the rows share one
-- (a state's rows), null over states of different bases.
with segments as (
    select * from {{ ref('targeting_opportunities') }}
    where {{ in_analysis_window('analysis_date') }}
),

rolled as (
    select
        analysis_date,
        {{ rolled_up('state') }} as state,
        {{ rolled_up('age_group') }} as age_group,
        {{ rolled_up('party') }} as party,
        gender,
        case when min(party_basis) = max(party_basis) then min(party_basis) end as party_basis,
        cast(sum(voters) as bigint) as voters,
        cast(sum(history_known_voters) as bigint) as history_known_voters,
        cast(sum(missed_last_voters) as bigint) as missed_last_voters,
        cast(sum(lapsed_2_3_voters) as bigint) as lapsed_2_3_voters,
        cast(sum(recoverable_voters) as bigint) as recoverable_voters,
        {{ voter_weighted_average('avg_tenure_years') }} as avg_tenure_years,
        {{ voter_weighted_average('opportunity_score') }} as opportunity_score,
        grouping(state, age_group, party) = 0 as is_segment
    from segments
    group by analysis_date, gender, cube(state, age_group, party)
),

final as (
    select
        rolled.analysis_date,
        case when rolled.is_segment then segments.segment_id end as segment_id,
        rolled.state,
        rolled.age_group,
        rolled.party,
        rolled.party_basis,
        rolled.gender,
        rolled.voters,
        rolled.history_known_voters,
        rolled.missed_last_voters,
        rolled.lapsed_2_3_voters,
        rolled.recoverable_voters,
        100.0 * rolled.missed_last_voters / nullif(rolled.history_known_voters, 0) as missed_last_pct,
        100.0 * rolled.lapsed_2_3_voters / nullif(rolled.history_known_voters, 0) as lapsed_2_3_pct,
        rolled.avg_tenure_years,
        rolled.opportunity_score,
        segments.score_rank,
        segments.priority_tier,
        rolled.is_segment
    from rolled
    left join segments
        on rolled.is_segment
        and rolled.analysis_date = segments.analysis_date
        and rolled.state = segments.state
        and rolled.age_group = segments.age_group
        and rolled.party = segments.party
        and rolled.gender = segments.gender
)

select * from final
