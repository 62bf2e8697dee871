-- Lines loaded once but not twice: exact duplicates and older conflicting versions of a voter.
with source as (
    select * from {{ source('raw', 'superseded_records') }}
),

renamed as (
    select
        partition_date,
        source_id,
        file_name,
        line_number,
        record_kind,
        kept_line_number,
        reason
    from source
),

final as (
    select * from renamed
)

select * from final
