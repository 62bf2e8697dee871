-- Where the recoverable voters are: segments of state x age group x party (gender 'All'), and the
-- same cut by gender, ranked by the opportunity score
--   100 * (0.40 * share who missed only the last election + 0.30 * share lapsed 2-3 elections
--          + 0.20 * min(avg tenure years / 10, 1) + 0.10 * min(voters / 1000, 1))
-- (weights and caps are dbt vars). Lapsed 2-3 = the Occasional tier. The two shares are of the
-- segment's voters whose history is known (history_known_voters: every tier but History Unknown,
-- the voters of a roll loaded without vote history): a voter whose participation is unknown is
-- neither recoverable nor not. A segment without any such voter has no score (null). Segments with
-- fewer than min_segment_size voters of known history are flagged, rank after every segment that
-- meets it, and are always priority Low. score_rank is 1 for the best segment of the analysis date
-- at the same level (all genders, or a gender cut); party is under the state's party_basis.
-- A table built before opportunity_score could be null loses its NOT NULL (macros/migrations.sql).
{{ config(pre_hook="{{ drop_not_null('opportunity_score') }}") }}

with segments as (
    select * from {{ ref('int_voter_segments') }}
),

counted as (
    select
        analysis_date,
        state,
        age_group,
        party,
        {{ rolled_up('gender') }} as gender,
        min(party_basis) as party_basis,
        sum(voters) as voters,
        sum(voters) filter (where engagement_tier <> 'History Unknown') as history_known_voters,
        sum(voters) filter (where engagement_tier = 'Missed Last Election') as missed_last_voters,
        sum(voters) filter (where engagement_tier = 'Occasional') as lapsed_2_3_voters,
        sum(voters_with_tenure) as voters_with_tenure,
        sum(tenure_days_sum) as tenure_days_sum
    from segments
    group by grouping sets (  -- noqa: PRS
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
        party_basis,
        cast(voters as bigint) as voters,
        cast(coalesce(history_known_voters, 0) as bigint) as history_known_voters,
        cast(coalesce(missed_last_voters, 0) as bigint) as missed_last_voters,
        cast(coalesce(lapsed_2_3_voters, 0) as bigint) as lapsed_2_3_voters,
        tenure_days_sum / 365.25 / nullif(voters_with_tenure, 0) as avg_tenure_years,
        coalesce(history_known_voters, 0) >= {{ var('min_segment_size') }} as meets_min_size
    from counted
),

scored as (
    select
        *,
        missed_last_voters + lapsed_2_3_voters as recoverable_voters,
        case
            when history_known_voters > 0
                then {{ opportunity_score(
                    'missed_last_voters * 1.0 / history_known_voters',
                    'lapsed_2_3_voters * 1.0 / history_known_voters',
                    'avg_tenure_years',
                    'voters'
                ) }}
        end as opportunity_score
    from measured
),

final as (
    select
        analysis_date,
        state || '|' || age_group || '|' || party || '|' || gender as segment_id,
        state,
        age_group,
        party,
        party_basis,
        gender,
        voters,
        history_known_voters,
        missed_last_voters,
        lapsed_2_3_voters,
        recoverable_voters,
        {{ pct('missed_last_voters', 'history_known_voters') }} as missed_last_pct,
        {{ pct('lapsed_2_3_voters', 'history_known_voters') }} as lapsed_2_3_pct,
        round(avg_tenure_years, 2) as avg_tenure_years,
        opportunity_score,
        cast(rank() over (
            partition by analysis_date, gender = '{{ rollup_all_label() }}'
            order by meets_min_size desc, opportunity_score desc nulls last
        ) as integer) as score_rank,
        {{ priority_tier('opportunity_score', 'meets_min_size') }} as priority_tier,
        meets_min_size
    from scored
)

select * from final
order by analysis_date, gender <> '{{ rollup_all_label() }}', score_rank, segment_id
