-- Lines the ingest could not load, one row per line (raw_line, which may hold PII, stays in raw).
-- A quarantined voter record that still names its voter carries that voter's salted key: the voter
-- is unknown for that snapshot, not absent from it (see int_voter_versions).
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
        reasons,
        -- the source's id (as loaded voters carry it in stg_voters), and its salted key
        case when record_kind = 'voter' then nullif(trim(voter_id), '') end as voter_id,
        case
            when record_kind = 'voter' and nullif(trim(voter_id), '') is not null
                then {{ salted_hash(['source_id', 'trim(voter_id)']) }}
        end as voter_key
    from source
),

final as (
    select * from renamed
)

select * from final
