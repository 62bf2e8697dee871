-- Official turnout of the voting-eligible population by state and federal general election year.
with source as (
    select * from {{ source('elections', 'vep_turnout') }}
),

renamed as (
    select
        year::integer as election_year,
        state,
        state_name,
        total_ballots_counted,
        vote_for_highest_office,
        vep,
        vep_turnout_total_ballots_pct,
        vep_turnout_highest_office_pct,
        note
    from source
),

final as (
    select * from renamed
)

select * from final
