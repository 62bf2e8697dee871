-- The slowly-changing voter dimension (SCD type 2) across accepted snapshots up to the run's last
-- analysis date: one row per voter and version, a version being a run of consecutive snapshots in
-- which the tracked attributes (state, county, party, registration, name) stay the same.
--
-- valid_from is the first snapshot of the version; valid_to the first snapshot in which it no
-- longer holds - the voter changed, or is absent - and null while it is current. A voter absent
-- from a snapshot and back later starts a new version after the gap.
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
        snapshots.next_snapshot_date
    from {{ ref('stg_voters') }} as voters
    inner join snapshots
        on voters.source_id = snapshots.source_id
        and voters.snapshot_date = snapshots.snapshot_date
),

compared as (
    select
        *,
        coalesce(
            lag(snapshot_date) over by_voter is distinct from previous_snapshot_date
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
        -- the snapshot after the version's last one: where it stopped holding (null = current)
        snapshots.next_snapshot_date as valid_to,
        versions.last_seen_snapshot_date
    from versions
    inner join snapshots
        on versions.source_id = snapshots.source_id
        and versions.last_seen_snapshot_date = snapshots.snapshot_date
)

select * from final
