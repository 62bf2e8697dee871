-- What happened to each file in each ingest run.
with source as (
    select * from {{ source('raw', 'ingest_log') }}
),

renamed as (
    select
        run_id,
        partition_date,
        file_name,
        file_format,
        source_id,
        status,
        lines_read,
        header_lines,
        blank_lines,
        rows_loaded,
        rows_quarantined,
        rows_superseded,
        rows_recovered,
        continuation_lines,
        started_at,
        finished_at
    from source
),

final as (
    select * from renamed
)

select * from final
