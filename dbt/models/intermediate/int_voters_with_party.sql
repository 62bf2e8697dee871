-- The roll of each analysis date (int_voters_as_of_date) with the party each voter is counted under:
-- the state's party basis on the date (int_party_basis) picks the registered party or the party of
-- the latest primary ballot (macro party_of_basis). The marts' party dimension comes from here.
-- A view: the join to one small row per state and date is cheaper to repeat than to store.
{{ config(materialized='view') }}

with voters as (
    select * from {{ ref('int_voters_as_of_date') }}
),

bases as (
    select analysis_date, state, party_basis from {{ ref('int_party_basis') }}
),

final as (
    select
        voters.*,
        bases.party_basis,
        {{ party_of_basis('bases.party_basis', 'voters.registered_party', 'voters.primary_ballot_party') }} as party
    from voters
    inner join bases
        on voters.analysis_date = bases.analysis_date
        and voters.state = bases.state
)

select * from final
