-- MEDSL presidential returns, one row per state, year, candidate, party line and vote mode.
-- total_votes repeats on every row of a state (and mode): never sum it across candidates.
-- Provably mistyped candidate rows are corrected from the errata seed (with its evidence).
with source as (
    select * from {{ source('elections', 'president_results') }}
),

errata as (
    select * from {{ ref('medsl_president_errata') }}
),

renamed as (
    select
        source.year::integer as election_year,
        source.state,
        source.state_name,
        source.candidate,
        source.party_detailed,
        source.party_simplified,
        source.writein as is_writein,
        upper(source.vote_mode) as vote_mode,
        coalesce(errata.corrected_votes, source.candidate_votes) as candidate_votes,
        errata.corrected_votes is not null as is_corrected,
        source.total_votes,
        source.unofficial as is_unofficial
    from source
    left join errata
        on source.year = errata.election_year
        and source.state = errata.state
        and source.candidate = errata.candidate
        and source.candidate_votes = errata.published_votes
),

final as (
    select * from renamed
)

select * from final
