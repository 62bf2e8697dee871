-- The slowly-changing voter dimension (SCD type 2) across accepted snapshots up to the run's last
-- analysis date: one row per voter and version, a version being a run of consecutive snapshots in
-- which the tracked attributes (state, county, party, registration, name) stay the same.
--
-- valid_from is the first snapshot of the version; valid_to the first snapshot in which it no
-- longer holds - the voter changed, or is absent - and null while it is current. A voter absent
-- from a snapshot and back later starts a new version after the gap.
--
-- Changes are computed only between records the platform could read. A voter whose record is in
-- the quarantine of a snapshot (same source and voter id) and was not loaded from another line is
-- unknown that day, not absent: the snapshot is skipped for that voter. Present, quarantined,
-- present again is one continuous stay (no removal, no new registration; what changed meanwhile is
-- seen on the day the record is readable again); present, quarantined, then absent from a readable
-- snapshot ends the version on that snapshot; quarantined in the latest snapshot leaves it current.
--
-- Quarantined voters are few: their unreadable snapshots are grouped into runs (a small table), and
-- the voters' rows only look a run up by key - the big table is sorted once, as without them.
with snapshots as (
    select * from {{ ref('int_snapshot_sequence') }}
),

-- the voter's record was quarantined in the snapshot and no other line of it was loaded
unreadable as (
    select distinct
        quarantine.voter_key,
        quarantine.source_id,
        quarantine.partition_date as snapshot_date,
        snapshots.previous_snapshot_date
    from {{ ref('stg_quarantine') }} as quarantine
    inner join snapshots
        on quarantine.source_id = snapshots.source_id
        and quarantine.partition_date = snapshots.snapshot_date
    where quarantine.voter_key is not null
        and not exists (
            select 1
            from {{ ref('stg_voters') }} as loaded
            where loaded.source_id = quarantine.source_id
                and loaded.snapshot_date = quarantine.partition_date
                and loaded.voter_id = quarantine.voter_id
        )
),

-- consecutive unreadable snapshots of a voter form a run
unreadable_breaks as (
    select
        *,
        coalesce(
            lag(snapshot_date) over (partition by voter_key order by snapshot_date) = previous_snapshot_date, false
        )
            as continues_run
    from unreadable
),

unreadable_numbered as (
    select
        *,
        sum(case when continues_run then 0 else 1 end) over (
            partition by voter_key order by snapshot_date rows between unbounded preceding and current row
        ) as run_number
    from unreadable_breaks
),

unreadable_runs as (
    select
        runs.voter_key,
        runs.run_started,
        runs.run_ended,
        first_snapshot.previous_snapshot_date as before_run,
        last_snapshot.next_snapshot_date as after_run
    from (
        select
            voter_key, min(source_id) as source_id, min(snapshot_date) as run_started, max(snapshot_date) as run_ended
        from unreadable_numbered
        group by voter_key, run_number
    ) as runs
    inner join snapshots as first_snapshot
        on runs.source_id = first_snapshot.source_id
        and runs.run_started = first_snapshot.snapshot_date
    inner join snapshots as last_snapshot
        on runs.source_id = last_snapshot.source_id
        and runs.run_ended = last_snapshot.snapshot_date
),

voter_rows as (
    select
        voters.voter_key,
        voters.source_id,
        voters.snapshot_date,
        voters.state,
        voters.county,
        -- the registered party: a party switch is a change of registration (a state without party
        -- registration has none; another primary ballot is not a switch)
        voters.registered_party as party,
        voters.is_registered,
        voters.name_hash,
        -- the snapshot this record follows: the one before, or before the unreadable run right before it
        case when runs.voter_key is not null then runs.before_run else snapshots.previous_snapshot_date end
            as previous_readable_snapshot_date,
        -- the voter was on the roll from here: this snapshot, or the unreadable run right before it
        coalesce(runs.run_started, voters.snapshot_date) as observed_from
    from {{ ref('stg_voters') }} as voters
    inner join snapshots
        on voters.source_id = snapshots.source_id
        and voters.snapshot_date = snapshots.snapshot_date
    left join unreadable_runs as runs
        on voters.voter_key = runs.voter_key
        and snapshots.previous_snapshot_date = runs.run_ended
),

compared as (
    select
        *,
        coalesce(
            lag(snapshot_date) over by_voter is distinct from previous_readable_snapshot_date
            or lag(state) over by_voter is distinct from state
            or lag(county) over by_voter is distinct from county
            or lag(party) over by_voter is distinct from party
            or lag(is_registered) over by_voter is distinct from is_registered
            or lag(name_hash) over by_voter is distinct from name_hash,
            true
        ) as starts_version
    from voter_rows
    window by_voter as (partition by voter_key order by snapshot_date)
),

numbered as (
    select
        *,
        sum(case when starts_version then 1 else 0 end) over (
            partition by voter_key order by snapshot_date rows between unbounded preceding and current row
        ) as version_number
    from compared
),

versions as (
    select
        voter_key,
        cast(version_number as integer) as version_number,
        min(source_id) as source_id,
        min(state) as state,
        min(county) as county,
        min(party) as party,
        bool_and(is_registered) as is_registered,
        min(name_hash) as name_hash,
        min(snapshot_date) as valid_from,
        max(snapshot_date) as last_seen_snapshot_date,
        min(observed_from) as observed_from
    from numbered
    group by voter_key, version_number
),

final as (
    select
        versions.voter_key,
        versions.version_number,
        versions.source_id,
        versions.state,
        versions.county,
        versions.party,
        versions.is_registered,
        versions.name_hash,
        versions.valid_from,
        -- the first readable snapshot after the version's last one: where it stopped holding (null =
        -- current); unreadable snapshots right after it are skipped
        case when runs.voter_key is not null then runs.after_run else snapshots.next_snapshot_date end as valid_to,
        versions.last_seen_snapshot_date,
        versions.observed_from
    from versions
    inner join snapshots
        on versions.source_id = snapshots.source_id
        and versions.last_seen_snapshot_date = snapshots.snapshot_date
    left join unreadable_runs as runs
        on versions.voter_key = runs.voter_key
        and snapshots.next_snapshot_date = runs.run_started
)

select * from final
