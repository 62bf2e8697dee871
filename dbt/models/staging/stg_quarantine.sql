-- Lines the ingest could not load, one row per line (raw_line, which may hold PII, stays in raw).
with source as (
    select * from {{ source('raw', 'quarantine') }}
),

renamed as (
    select
        partition_date,
        source_id,
        file_name,
        line_number,
        record_kind,
        reasons
    from source
),

final as (
    select * from renamed
)

select * from final
