-- Every county of the reference (November 2016) with its match key and registered voters, and
-- each state's county count and registered total: what a roll's coverage is measured against.
with counties as (
    select * from {{ ref('reference_counties_2016') }}
),

final as (
    select
        state,
        county_fips,
        county_name,
        {{ county_key('county_name') }} as county_key,
        registered_voters,
        count(*) over (partition by state) as counties_in_state,
        sum(registered_voters) over (partition by state) as state_registered_voters
    from counties
)

select * from final
