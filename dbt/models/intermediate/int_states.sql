-- USPS codes and full names of the states, DC and the territories (seed states: the one list the
-- dashboard reads too).
with states as (
    select * from {{ ref('states') }}
),

final as (
    select state, state_name
    from states
)

select * from final
