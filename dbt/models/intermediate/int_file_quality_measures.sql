-- Data-quality measures per ingested file, for every partition up to the run's last analysis date:
--   volume            lines read, header and blank lines, rows loaded / quarantined / superseded /
--                     recovered from glued lines, lines continuing a record (a line break inside a
--                     quoted value) (pct of data lines = lines - header - blank - continuation lines)
--   quarantine_reason lines quarantined per rule broken (a line may break several)
--   duplicates        superseded rows per reason, possible duplicate pairs per matching rule
--   completeness      share of loaded rows with a value, per column (voter and history files; a
--                     voters file whose own columns hold the history, as Ohio's, has both: each
--                     share is of its own rows, voters or history rows)
-- One row per partition, file, measure group and measure. Counts only: no values leave raw.
with ingest_log as (
    select * from {{ ref('stg_ingest_log') }}
    where partition_date <= {{ last_analysis_date() }}
        and file_name is not null
),

-- the latest run that processed each file (a re-run that found the file unchanged does not count)
latest_runs as (
    select *
    from (
        select
            *,
            row_number() over (
                partition by partition_date, file_name
                order by
                    case when status = 'unchanged' then 1 else 0 end,
                    finished_at desc nulls last,
                    started_at desc nulls last,
                    run_id desc
            ) as recency
        from ingest_log
    ) as ranked
    where recency = 1
),

files as (
    select
        partition_date,
        file_name,
        source_id,
        file_format,
        greatest(
            coalesce(lines_read, 0) - coalesce(header_lines, 0) - coalesce(blank_lines, 0)
            - coalesce(continuation_lines, 0),
            0
        ) as data_lines,
        lines_read,
        header_lines,
        blank_lines,
        rows_loaded,
        rows_quarantined,
        rows_superseded,
        rows_recovered,
        coalesce(continuation_lines, 0) as continuation_lines
    from latest_runs
),

volume as (
    select
        partition_date, file_name, 'volume' as measure_group, measure, rows,
        case
            when measure in ('lines_read', 'header_lines', 'blank_lines', 'continuation_lines') then null
            else {{ pct('rows', 'data_lines') }}
        end as pct
    from files
    unpivot (
        rows for measure in (
            lines_read, header_lines, blank_lines, continuation_lines,
            rows_loaded, rows_quarantined, rows_superseded, rows_recovered
        )
    )
),

quarantine_reasons as (
    select partition_date, file_name, reason as measure, count(*) as rows
    from (select partition_date, file_name, unnest(reasons) as reason from {{ ref('stg_quarantine') }}) as reasons
    group by partition_date, file_name, reason
),

superseded as (
    select partition_date, file_name, reason as measure, count(*) as rows
    from {{ ref('stg_superseded_records') }}
    group by partition_date, file_name, reason
),

-- possible duplicates are found per snapshot: they belong to its voters file
possible_duplicates as (
    select
        duplicates.partition_date, snapshots.voters_file as file_name,
        'possible_duplicate_' || duplicates.match_rule as measure, count(*) as rows
    from {{ ref('stg_possible_duplicates') }} as duplicates
    inner join {{ ref('stg_snapshots') }} as snapshots
        on duplicates.source_id = snapshots.source_id
        and duplicates.partition_date = snapshots.snapshot_date
    where snapshots.voters_file is not null
    group by duplicates.partition_date, snapshots.voters_file, duplicates.match_rule
),

voter_completeness as (
    select snapshot_date as partition_date, file_name, measure, rows, loaded_rows
    from (
        select
            snapshot_date,
            file_name,
            count(*) as loaded_rows,
            count(*) filter (where has_first_name) as first_name,
            count(*) filter (where has_last_name) as last_name,
            count(*) filter (where has_birth_date) as birth_date,
            count(birth_year) as birth_year,
            count(age_on_snapshot) as age,
            count(*) filter (where gender <> 'Unknown') as gender,
            count(*) filter (where registered_party <> 'Unknown') as party,
            count(*) filter (where primary_ballot_party <> 'Unknown') as primary_ballot_party,
            count(county) as county,
            count(registration_status) as registration_status,
            count(registered_date) as registered_date,
            count(last_voted_date) as last_voted_date,
            count(*) filter (where has_email) as email,
            count(*) filter (where has_phone) as phone,
            count(*) filter (where has_street_address) as street_address,
            count(*) filter (where has_zip_code) as zip_code,
            count(updated_at) as updated_at
        from {{ ref('stg_voters') }}
        where snapshot_date <= {{ last_analysis_date() }}
        group by snapshot_date, file_name
    ) as counts
    unpivot (rows for measure in (
        first_name, last_name, birth_date, birth_year, age, gender, party, primary_ballot_party, county,
        registration_status, registered_date, last_voted_date, email, phone, street_address, zip_code, updated_at
    ))
),

history_completeness as (
    select snapshot_date as partition_date, file_name, measure, rows, loaded_rows
    from (
        select
            snapshot_date,
            file_name,
            count(*) as loaded_rows,
            count(voting_method) as voting_method,
            count(party_ballot) as party_ballot
        from {{ ref('stg_vote_history') }}
        where snapshot_date <= {{ last_analysis_date() }}
        group by snapshot_date, file_name
    ) as counts
    unpivot (rows for measure in (voting_method, party_ballot))
),

counted_measures as (
    select *, cast(null as bigint) as loaded_rows, 'quarantine_reason' as measure_group from quarantine_reasons
    union all
    select *, cast(null as bigint) as loaded_rows, 'duplicates' as measure_group from superseded
    union all
    select *, cast(null as bigint) as loaded_rows, 'duplicates' as measure_group from possible_duplicates
    union all
    select *, 'completeness' as measure_group from voter_completeness
    union all
    select *, 'completeness' as measure_group from history_completeness
),

final as (
    select
        files.partition_date,
        files.file_name,
        files.source_id,
        files.file_format,
        volume.measure_group,
        volume.measure,
        volume.rows,
        volume.pct
    from files
    inner join volume
        on files.partition_date = volume.partition_date
        and files.file_name = volume.file_name
    union all
    select
        files.partition_date,
        files.file_name,
        files.source_id,
        files.file_format,
        counted_measures.measure_group,
        counted_measures.measure,
        counted_measures.rows,
        case
            -- completeness is a share of the rows loaded (of that kind); the others of the data lines
            when counted_measures.measure_group = 'completeness'
                then {{ pct('counted_measures.rows', 'counted_measures.loaded_rows') }}
            else {{ pct('counted_measures.rows', 'files.data_lines') }}
        end as pct
    from files
    inner join counted_measures
        on files.partition_date = counted_measures.partition_date
        and files.file_name = counted_measures.file_name
)

select * from final
