-- How the roll changed: per change day and state, new registrations, removals, moves (county from
-- -> to), party switches (party from -> to) and name changes, from consecutive accepted snapshots.
-- Each analysis date carries every change day up to and including it.
with events as (
    select * from {{ ref('int_voter_change_events') }}
),

analysis_dates as (
    select * from {{ ref('int_analysis_dates') }}
),

daily as (
    select change_date, state, change_type, from_value, to_value, count(*) as voters
    from events
    group by change_date, state, change_type, from_value, to_value
),

final as (
    select
        analysis_dates.analysis_date,
        daily.change_date,
        daily.state,
        daily.change_type,
        daily.from_value,
        daily.to_value,
        cast(daily.voters as bigint) as voters
    from analysis_dates
    inner join daily
        on analysis_dates.analysis_date >= daily.change_date
)

select * from final
order by analysis_date, change_date, state, change_type, from_value nulls first, to_value nulls first
