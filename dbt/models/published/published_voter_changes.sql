{{ config(alias='voter_changes') }}
-- Changes of the roll per change day and type, by state and overall. Party switches keep their from/to
-- party (with 'All' levels); moves lose their county pair, which at county x county x day grain would be
-- almost all small cells.
with changes as (
    select
        analysis_date,
        change_date,
        state,
        change_type,
        case when change_type = 'party_switch' then coalesce(from_value, 'Unknown') end as from_value,
        case when change_type = 'party_switch' then coalesce(to_value, 'Unknown') end as to_value,
        voters
    from {{ ref('voter_changes') }}
    where {{ in_analysis_window('analysis_date') }}
),

final as (
    select
        analysis_date,
        change_date,
        {{ rolled_up('state') }} as state,
        change_type,
        {{ rolled_up('from_value') }} as from_value,
        {{ rolled_up('to_value') }} as to_value,
        cast(sum(voters) as bigint) as voters
    from changes
    -- sqlfluff's DuckDB dialect cannot parse GROUPING SETS
    group by grouping sets (  -- noqa: PRS
        (analysis_date, change_date, change_type, state),
        (analysis_date, change_date, change_type),
        (analysis_date, change_date, change_type, state, from_value, to_value),
        (analysis_date, change_date, change_type, from_value, to_value)
    )
    having change_type = 'party_switch' or grouping(from_value) = 1
)

select * from final
