-- The slowly-changing voter dimension (SCD type 2) across accepted snapshots up to the run's last
-- analysis date: one row per voter and version, a version being a run of consecutive snapshots in
-- which the tracked attributes (state, county, party, registration, name) stay the same.
--
-- valid_from is the first snapshot of the version; valid_to the first snapshot in which it no
-- longer holds - the voter changed, or is absent - and null while it is current. A voter absent
-- from a snapshot and back later starts a new version after the gap.
--
-- Changes are computed only between records the platform could read. A voter whose record is in
-- the quarantine of a snapshot (same source, matched by voter id) and was not loaded from another
-- line is unknown that day, not absent: the snapshot is skipped for that voter. Present, then
-- quarantined, then present again is one continuous stay (no removal, no new registration; what
-- changed meanwhile is seen on the day the record is readable again); present, then quarantined,
-- then absent from a readable snapshot is a removal on that snapshot; quarantined in the latest
-- snapshot leaves the version current.
with snapshots as (
    select * from {{ ref('int_snapshot_sequence') }}
),

voter_rows as (
    select
        voters.voter_key,
        voters.source_id,
        voters.snapshot_date,
        voters.state,
        voters.county,
        voters.party,
        voters.is_registered,
        voters.name_hash,
        snapshots.previous_snapshot_date,
        true as is_read
    from {{ ref('stg_voters') }} as voters
    inner join snapshots
        on voters.source_id = snapshots.source_id
        and voters.snapshot_date = snapshots.snapshot_date
),

quarantined as (
    select distinct voter_key, source_id, partition_date as snapshot_date
    from {{ ref('stg_quarantine') }}
    where voter_key is not null
),

-- the voter's record could not be read in this snapshot (its attributes are unknown: null)
unreadable_rows as (
    select
        quarantined.voter_key,
        quarantined.source_id,
        quarantined.snapshot_date,
        voter_rows.state,
        voter_rows.county,
        voter_rows.party,
        voter_rows.is_registered,
        voter_rows.name_hash,
        snapshots.previous_snapshot_date,
        false as is_read
    from quarantined
    inner join snapshots
        on quarantined.source_id = snapshots.source_id
        and quarantined.snapshot_date = snapshots.snapshot_date
    left join voter_rows
        on quarantined.voter_key = voter_rows.voter_key
        and quarantined.snapshot_date = voter_rows.snapshot_date
    where voter_rows.voter_key is null
),

observations as (
    select * from voter_rows
    union all
    select * from unreadable_rows
),

-- A stay: consecutive snapshots of the source in each of which the voter is present or unreadable.
-- A snapshot that could be read without the voter ends it.
stay_breaks as (
    select
        *,
        coalesce(lag(snapshot_date) over by_voter = previous_snapshot_date, false) as continues_stay
    from observations
    window by_voter as (partition by voter_key order by snapshot_date)
),

stays as (
    select
        *,
        sum(case when continues_stay then 0 else 1 end) over (
            partition by voter_key order by snapshot_date rows between unbounded preceding and current row
        ) as stay_number
    from stay_breaks
),

stay_bounds as (
    select
        voter_key,
        stay_number,
        min(source_id) as source_id,
        min(snapshot_date) as stay_started,
        max(snapshot_date) as stay_last_snapshot_date
    from stays
    group by voter_key, stay_number
),

-- within a stay, each readable record against the previous readable one
compared as (
    select
        *,
        coalesce(
            lag(state) over by_stay is distinct from state
            or lag(county) over by_stay is distinct from county
            or lag(party) over by_stay is distinct from party
            or lag(is_registered) over by_stay is distinct from is_registered
            or lag(name_hash) over by_stay is distinct from name_hash
            or lag(snapshot_date) over by_stay is null,
            true
        ) as starts_version
    from stays
    where is_read
    window by_stay as (partition by voter_key, stay_number order by snapshot_date)
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
        min(stay_number) as stay_number,
        min(source_id) as source_id,
        min(state) as state,
        min(county) as county,
        min(party) as party,
        bool_and(is_registered) as is_registered,
        min(name_hash) as name_hash,
        min(snapshot_date) as valid_from,
        max(snapshot_date) as last_seen_snapshot_date
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
        -- where it stopped holding: the next version of the same stay, else the first snapshot after
        -- the stay (the voter absent from a readable snapshot); null = current
        coalesce(
            lead(versions.valid_from) over (partition by versions.voter_key, versions.stay_number order by versions.valid_from),
            snapshots.next_snapshot_date
        ) as valid_to,
        versions.last_seen_snapshot_date,
        stay_bounds.stay_started
    from versions
    inner join stay_bounds
        on versions.voter_key = stay_bounds.voter_key
        and versions.stay_number = stay_bounds.stay_number
    inner join snapshots
        on stay_bounds.source_id = snapshots.source_id
        and stay_bounds.stay_last_snapshot_date = snapshots.snapshot_date
)

select * from final
