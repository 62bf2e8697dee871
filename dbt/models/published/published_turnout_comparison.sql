{{ config(alias='turnout_comparison') }}
-- Per state (the mart's rows, with the state's coverage), and an 'All' row that compares like with like:
-- the file and the official figures summed over the same states, those whose roll is statewide. A county
-- extract has no official figures (they describe the whole state) and stays out of it; `states` says how
-- many states a row sums.
with comparison as (
    select * from {{ ref('turnout_comparison') }}
    where {{ in_analysis_window('analysis_date') }}
),

per_state as (
    select
        analysis_date,
        state,
        election_year,
        election_date,
        registered_voters,
        voted,
        did_not_vote,
        history_unknown,
        file_turnout_pct,
        official_vep_turnout_pct,
        official_ballots_counted,
        vep,
        1 as states,
        coverage,
        coverage_label,
        comparison_note
    from comparison
),

statewide_rolls as (
    select
        analysis_date,
        '{{ rollup_all_label() }}' as state,
        election_year,
        election_date,
        cast(sum(registered_voters) as bigint) as registered_voters,
        cast(sum(voted) as bigint) as voted,
        cast(sum(did_not_vote) as bigint) as did_not_vote,
        cast(sum(history_unknown) as bigint) as history_unknown,
        100.0 * sum(voted) / nullif(sum(voted) + sum(did_not_vote), 0) as file_turnout_pct,
        100.0 * sum(official_ballots_counted) filter (where vep is not null)
        / nullif(sum(vep) filter (where official_ballots_counted is not null), 0) as official_vep_turnout_pct,
        cast(sum(official_ballots_counted) as bigint) as official_ballots_counted,
        cast(sum(vep) as bigint) as vep,
        cast(count(*) as integer) as states,
        'full' as coverage,
        'states with a statewide roll' as coverage_label,
        cast(null as varchar) as comparison_note
    from comparison
    where coverage = 'full'
    group by analysis_date, election_year, election_date
),

final as (
    select * from per_state
    union all
    select * from statewide_rolls
)

select * from final
