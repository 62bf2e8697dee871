-- What happened to every ingested file of every partition up to the analysis date: lines read and
-- loaded, quarantined by reason, duplicates, and completeness per column. Rejected files are
-- included: that is where to look when a snapshot was not accepted.
with measures as (
    select * from {{ ref('int_file_quality_measures') }}
),

analysis_dates as (
    select * from {{ ref('int_analysis_dates') }}
),

final as (
    select
        analysis_dates.analysis_date,
        measures.partition_date,
        measures.file_name,
        measures.source_id,
        measures.file_format,
        measures.measure_group,
        measures.measure,
        cast(measures.rows as bigint) as rows,
        measures.pct
    from analysis_dates
    inner join measures
        on analysis_dates.analysis_date >= measures.partition_date
)

select * from final
order by analysis_date, partition_date, file_name, measure_group, measure
