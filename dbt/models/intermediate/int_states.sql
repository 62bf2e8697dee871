-- USPS state codes and names (50 states and DC), from the official turnout reference.
with turnout as (
    select * from {{ ref('stg_vep_turnout') }}
),

final as (
    select state, min(state_name) as state_name
    from turnout
    where state <> 'US'
    group by state
)

select * from final
