-- The counties of each snapshot the run's analysis dates use: one row per source, snapshot, state
-- and county name as loaded (null = voters without a county), with the voters loaded there and the
-- reference county it is (null when the name is not a county of the state in the reference).
-- Every loaded voter counts, removed ones too: a county extract lists its removed voters under
-- their county as well. The coverage models aggregate it per snapshot and per state and date.
with snapshots_used as (
    select distinct source_id, snapshot_date from {{ ref('int_snapshots_as_of_date') }}
),

reference as (
    select * from {{ ref('stg_reference_counties') }}
),

snapshot_counties as (
    select
        voters.source_id,
        voters.snapshot_date,
        voters.state,
        voters.county,
        count(*) as voters_loaded
    from {{ ref('stg_voters') }} as voters
    inner join snapshots_used
        on voters.source_id = snapshots_used.source_id
        and voters.snapshot_date = snapshots_used.snapshot_date
    group by voters.source_id, voters.snapshot_date, voters.state, voters.county
),

final as (
    select
        snapshot_counties.source_id,
        snapshot_counties.snapshot_date,
        snapshot_counties.state,
        snapshot_counties.county,
        cast(snapshot_counties.voters_loaded as bigint) as voters_loaded,
        reference.county_fips,
        reference.registered_voters as county_registered_voters
    from snapshot_counties
    left join reference
        on snapshot_counties.state = reference.state
        and {{ county_key('snapshot_counties.county') }} = reference.county_key
)

select * from final
