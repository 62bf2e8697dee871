-- For each analysis date of the run and each source, the snapshot that describes the roll on that
-- date: the latest accepted snapshot on or before it. Rejected snapshots (over the quarantine
-- threshold) are never used; a source with no accepted snapshot yet has no row.
with analysis_dates as (
    select * from {{ ref('int_analysis_dates') }}
),

accepted_snapshots as (
    select * from {{ ref('stg_snapshots') }}
    where is_accepted
),

ranked as (
    select
        analysis_dates.analysis_date,
        accepted_snapshots.source_id,
        accepted_snapshots.snapshot_date,
        accepted_snapshots.file_format,
        accepted_snapshots.history_coverage,
        row_number() over (
            partition by analysis_dates.analysis_date, accepted_snapshots.source_id
            order by accepted_snapshots.snapshot_date desc
        ) as recency
    from analysis_dates
    inner join accepted_snapshots
        on analysis_dates.analysis_date >= accepted_snapshots.snapshot_date
),

final as (
    select analysis_date, source_id, snapshot_date, file_format, history_coverage
    from ranked
    where recency = 1
)

select * from final
