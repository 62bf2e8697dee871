-- Federal general elections, one row per election date.
with source as (
    select * from {{ source('elections', 'election_calendar') }}
),

renamed as (
    select
        cast(election_date as date) as election_date,
        cast(year as integer) as election_year,
        election_type,
        cycle_type,
        president_on_ballot,
        senate_class_up,
        status = 'HELD' as is_held
    from source
),

final as (
    select * from renamed
)

select * from final
