-- Pairs of different voter ids that look like the same person (flagged by the ingest, never merged).
with source as (
    select * from {{ source('raw', 'possible_duplicates') }}
),

renamed as (
    select
        partition_date,
        source_id,
        match_rule
    from source
),

final as (
    select * from renamed
)

select * from final
