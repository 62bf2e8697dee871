-- Where the recoverable voters are: segments of state x age group x party (gender 'All'), and the
-- same cut by gender, ranked by the opportunity score
--   100 * (0.40 * share who missed only the last election + 0.30 * share lapsed 2-3 elections
--          + 0.20 * min(avg tenure years / 10, 1) + 0.10 * min(voters / 1000, 1))
-- (weights and caps are dbt vars). Lapsed 2-3 = the Occasional tier. Segments smaller than
-- min_segment_size are flagged, rank after every segment that meets it, and are always priority Low.
-- score_rank is 1 for the best segment of the analysis date at the same level (all genders, or
-- a gender cut).
with segments as (
    select * from {{ ref('int_voter_segments') }}
),

counted as (
    select
        analysis_date,
        state,
        age_group,
        party,
        case when grouping(gender) = 1 then 'All' else gender end as gender,
        sum(voters) as voters,
        sum(voters) filter (where engagement_tier = 'Missed Last Election') as missed_last_voters,
        sum(voters) filter (where engagement_tier = 'Occasional') as lapsed_2_3_voters,
        sum(voters_with_tenure) as voters_with_tenure,
        sum(tenure_days_sum) as tenure_days_sum
    from segments
    group by grouping sets (
        (analysis_date, state, age_group, party),
        (analysis_date, state, age_group, party, gender)
    )
),

measured as (
    select
        analysis_date,
        state,
        age_group,
        party,
        gender,
        cast(voters as bigint) as voters,
        cast(coalesce(missed_last_voters, 0) as bigint) as missed_last_voters,
        cast(coalesce(lapsed_2_3_voters, 0) as bigint) as lapsed_2_3_voters,
        tenure_days_sum / 365.25 / nullif(voters_with_tenure, 0) as avg_tenure_years,
        voters >= {{ var('min_segment_size') }} as meets_min_size
    from counted
),

scored as (
    select
        *,
        missed_last_voters + lapsed_2_3_voters as recoverable_voters,
        {{ opportunity_score('missed_last_voters * 1.0 / voters', 'lapsed_2_3_voters * 1.0 / voters', 'avg_tenure_years', 'voters') }} as opportunity_score
    from measured
),

final as (
    select
        analysis_date,
        state || '|' || age_group || '|' || party || '|' || gender as segment_id,
        state,
        age_group,
        party,
        gender,
        voters,
        missed_last_voters,
        lapsed_2_3_voters,
        recoverable_voters,
        {{ pct('missed_last_voters', 'voters') }} as missed_last_pct,
        {{ pct('lapsed_2_3_voters', 'voters') }} as lapsed_2_3_pct,
        round(avg_tenure_years, 2) as avg_tenure_years,
        opportunity_score,
        cast(rank() over (
            partition by analysis_date, gender = 'All'
            order by meets_min_size desc, opportunity_score desc
        ) as integer) as score_rank,
        {{ priority_tier('opportunity_score', 'meets_min_size') }} as priority_tier,
        meets_min_size
    from scored
)

select * from final
order by analysis_date, gender <> 'All', score_rank, segment_id
