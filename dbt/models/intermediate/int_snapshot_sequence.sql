-- Accepted snapshots up to the run's last analysis date, in order per source: each with the
-- snapshot before and after it. Voter changes are differences between consecutive snapshots.
with accepted_snapshots as (
    select * from {{ ref('stg_snapshots') }}
    where is_accepted
        and snapshot_date <= {{ last_analysis_date() }}
),

final as (
    select
        source_id,
        snapshot_date,
        lag(snapshot_date) over (partition by source_id order by snapshot_date) as previous_snapshot_date,
        lead(snapshot_date) over (partition by source_id order by snapshot_date) as next_snapshot_date
    from accepted_snapshots
)

select * from final
