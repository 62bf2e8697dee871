-- Coverage of each snapshot the run's analysis dates use, per state it holds voters in (a vendor
-- file may hold many states): voters loaded there, the counties present (distinct county names
-- among them), how many of those are counties of the state in the reference, the state's counties,
-- the share of the state's registered voters (2016) living in the counties present, and full /
-- partial / unknown (macro roll_coverage).
with snapshot_counties as (
    select * from {{ ref('int_snapshot_counties') }}
),

state_reference as (
    select distinct state, counties_in_state, state_registered_voters from {{ ref('stg_reference_counties') }}
),

-- the reference counties present (two spellings of one county count once)
recognised as (
    select distinct source_id, snapshot_date, state, county_fips, county_registered_voters
    from snapshot_counties
    where county_fips is not null
),

-- per snapshot and state: how many reference counties, and the registered voters living in them
covered as (
    select
        source_id, snapshot_date, state, count(*) as counties_recognised,
        sum(county_registered_voters) as registered_voters
    from recognised
    group by source_id, snapshot_date, state
),

by_state as (
    select
        source_id,
        snapshot_date,
        state,
        sum(voters_loaded) as voters_loaded,
        coalesce(sum(voters_loaded) filter (where county is null), 0) as voters_without_county,
        count(county) as counties_present
    from snapshot_counties
    group by source_id, snapshot_date, state
),

measured as (
    select
        by_state.source_id,
        by_state.snapshot_date,
        by_state.state,
        cast(by_state.voters_loaded as bigint) as voters_loaded,
        cast(by_state.voters_without_county as bigint) as voters_without_county,
        cast(by_state.counties_present as integer) as counties_present,
        cast(coalesce(covered.counties_recognised, 0) as integer) as counties_recognised,
        cast(state_reference.counties_in_state as integer) as counties_in_state,
        {{ pct('coalesce(covered.registered_voters, 0)', 'state_reference.state_registered_voters') }}
            as registered_share_pct
    from by_state
    left join covered
        on by_state.source_id = covered.source_id
        and by_state.snapshot_date = covered.snapshot_date
        and by_state.state = covered.state
    left join state_reference
        on by_state.state = state_reference.state
),

final as (
    select
        *,
        {{ roll_coverage('counties_recognised', 'counties_in_state', 'registered_share_pct') }} as coverage
    from measured
)

select * from final
