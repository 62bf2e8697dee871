-- Loaded voter snapshots, one row per source and snapshot date, accepted or not.
with source as (
    select * from {{ source('raw', 'snapshots') }}
),

renamed as (
    select
        source_id,
        partition_date as snapshot_date,
        file_format,
        voters_file,
        history_file,
        history_coverage,
        voters_loaded,
        history_rows_loaded,
        rows_quarantined,
        quarantine_rate_pct,
        accepted as is_accepted,
        loaded_at
    from source
),

final as (
    select * from renamed
)

select * from final
