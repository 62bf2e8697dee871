-- How much of each state the roll of the analysis date covers, source by source: for every source
-- whose latest accepted snapshot on or before the date has voters in the state, the snapshot used,
-- its counties present among the state's counties and the share of the state's registered voters
-- (2016) living there; beside it the state's coverage over all its sources (int_state_coverage),
-- which decides whether statewide comparisons are drawn.
with snapshots_as_of as (
    select * from {{ ref('int_snapshots_as_of_date') }}
),

snapshot_coverage as (
    select * from {{ ref('int_snapshot_coverage') }}
),

state_coverage as (
    select * from {{ ref('int_state_coverage') }}
),

final as (
    select
        snapshots_as_of.analysis_date,
        snapshot_coverage.state,
        snapshots_as_of.source_id,
        snapshots_as_of.snapshot_date,
        snapshots_as_of.file_format,
        snapshots_as_of.history_coverage,
        snapshot_coverage.voters_loaded,
        snapshot_coverage.voters_without_county,
        snapshot_coverage.counties_present,
        snapshot_coverage.counties_recognised,
        snapshot_coverage.counties_in_state,
        snapshot_coverage.registered_share_pct,
        snapshot_coverage.coverage as source_coverage,
        state_coverage.sources as state_sources,
        state_coverage.counties_present as state_counties_present,
        state_coverage.counties_recognised as state_counties_recognised,
        state_coverage.registered_share_pct as state_registered_share_pct,
        state_coverage.coverage,
        state_coverage.coverage_label,
        state_coverage.comparison_note
    from snapshots_as_of
    inner join snapshot_coverage
        on snapshots_as_of.source_id = snapshot_coverage.source_id
        and snapshots_as_of.snapshot_date = snapshot_coverage.snapshot_date
    inner join state_coverage
        on snapshots_as_of.analysis_date = state_coverage.analysis_date
        and snapshot_coverage.state = state_coverage.state
)

select * from final
order by analysis_date, state, source_id
