-- The party basis of each state's roll on each analysis date of the run (macro party_basis): whether
-- its party numbers are registered parties (registration), the parties of primary ballots in a
-- state without party registration (primary_ballot), or neither (none), with the counts it rests on.
-- One row per analysis date and state.
with voters as (
    select * from {{ ref('int_voters_as_of_date') }}
),

counted as (
    select
        analysis_date,
        state,
        count(*) as voters,
        count(*) filter (where registered_party <> 'Unknown') as registered_party_voters,
        count(*) filter (where primary_ballot_party <> 'Unknown') as primary_ballot_party_voters
    from voters
    group by analysis_date, state
),

final as (
    select
        analysis_date,
        state,
        cast(voters as bigint) as voters,
        cast(registered_party_voters as bigint) as registered_party_voters,
        cast(primary_ballot_party_voters as bigint) as primary_ballot_party_voters,
        {{ party_basis('voters', 'registered_party_voters', 'primary_ballot_party_voters') }} as party_basis
    from counted
)

select
    *,
    {{ party_basis_label('party_basis') }} as party_basis_label
from final
