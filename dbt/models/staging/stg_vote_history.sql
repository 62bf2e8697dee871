-- One row per voter per election they voted in, as loaded (per_election sources only).
with source as (
    select * from {{ source('raw', 'vote_history') }}
),

renamed as (
    select
        source_id,
        partition_date as snapshot_date,
        file_name,
        voter_id,
        election_date,
        election_type,
        voting_method,
        party_ballot
    from source
),

final as (
    select * from renamed
)

select * from final
