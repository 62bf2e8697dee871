-- Coverage of each state's roll on each analysis date of the run.
--
-- The roll of a state as of a date is, for every source, its latest accepted snapshot on or before
-- the date, restricted to the voters it holds in that state. Sources are counted side by side (the
-- platform does not match voters across sources). The state's counties are the union of those
-- snapshots' counties: two county extracts cover two counties, and one statewide source makes the
-- state full whatever else is loaded. Coverage, its label and the note saying why no statewide
-- comparison is drawn come from the business-rule macros.
with snapshots_as_of as (
    select * from {{ ref('int_snapshots_as_of_date') }}
),

snapshot_counties as (
    select * from {{ ref('int_snapshot_counties') }}
),

state_reference as (
    select distinct state, counties_in_state, state_registered_voters from {{ ref('stg_reference_counties') }}
),

counties_on_date as (
    select
        snapshots_as_of.analysis_date,
        snapshot_counties.source_id,
        snapshot_counties.state,
        snapshot_counties.county,
        snapshot_counties.county_fips,
        snapshot_counties.county_registered_voters,
        snapshot_counties.voters_loaded
    from snapshots_as_of
    inner join snapshot_counties
        on snapshots_as_of.source_id = snapshot_counties.source_id
        and snapshots_as_of.snapshot_date = snapshot_counties.snapshot_date
),

-- the reference counties present on the date (in any source, under any spelling) count once
recognised as (
    select analysis_date, state, count(*) as counties_recognised, sum(county_registered_voters) as registered_voters
    from (
        select distinct analysis_date, state, county_fips, county_registered_voters
        from counties_on_date
        where county_fips is not null
    ) as distinct_counties
    group by analysis_date, state
),

by_state as (
    select
        analysis_date,
        state,
        count(distinct source_id) as sources,
        sum(voters_loaded) as voters_loaded,
        count(distinct county) as counties_present
    from counties_on_date
    group by analysis_date, state
),

measured as (
    select
        by_state.analysis_date,
        by_state.state,
        cast(by_state.sources as integer) as sources,
        cast(by_state.voters_loaded as bigint) as voters_loaded,
        cast(by_state.counties_present as integer) as counties_present,
        cast(coalesce(recognised.counties_recognised, 0) as integer) as counties_recognised,
        cast(state_reference.counties_in_state as integer) as counties_in_state,
        {{ pct('coalesce(recognised.registered_voters, 0)', 'state_reference.state_registered_voters') }}
            as registered_share_pct
    from by_state
    left join recognised
        on by_state.analysis_date = recognised.analysis_date
        and by_state.state = recognised.state
    left join state_reference
        on by_state.state = state_reference.state
),

with_coverage as (
    select
        *,
        {{ roll_coverage('counties_recognised', 'counties_in_state', 'registered_share_pct') }} as coverage
    from measured
),

final as (
    select
        *,
        {{ coverage_label('coverage', 'counties_recognised', 'counties_in_state') }} as coverage_label,
        {{ statewide_comparison_note('coverage', 'counties_recognised', 'counties_in_state', 'registered_share_pct') }}
            as comparison_note
    from with_coverage
)

select * from final
