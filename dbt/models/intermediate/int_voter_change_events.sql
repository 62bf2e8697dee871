-- Voter changes between consecutive accepted snapshots, read off the SCD2 voter dimension: one row
-- per voter, change date and kind of change. The change date is the snapshot in which the change
-- is first seen.
--   new_registration  registered in this snapshot, absent or unregistered in the one before
--                     (the first snapshot of a source is the baseline: nothing is "new" in it)
--   removed           registered in the snapshot before, absent or unregistered (REMOVED/DENIED) now
-- A snapshot in which the voter's record was quarantined is skipped for that voter (unknown, not
-- absent: see int_voter_versions), so changes compare records the platform could read.
--   moved             county (or state) changed; from/to = county
--   party_switch      party changed; from/to = party
--   name_change       name changed (seen through the salted name hash; no names here)
-- A value missing on either side (a blank field in one file) is missing data, not a change.
with versions as (
    select * from {{ ref('int_voter_versions') }}
),

first_snapshots as (
    select source_id, min(snapshot_date) as first_snapshot_date
    from {{ ref('int_snapshot_sequence') }}
    group by source_id
),

with_neighbours as (
    select
        versions.*,
        first_snapshots.first_snapshot_date,
        lag(versions.valid_to) over by_voter as previous_valid_to,
        lag(versions.state) over by_voter as previous_state,
        lag(versions.county) over by_voter as previous_county,
        lag(versions.party) over by_voter as previous_party,
        lag(versions.is_registered) over by_voter as previous_is_registered,
        lag(versions.name_hash) over by_voter as previous_name_hash,
        lead(versions.valid_from) over by_voter as next_valid_from,
        lead(versions.is_registered) over by_voter as next_is_registered
    from versions
    inner join first_snapshots
        on versions.source_id = first_snapshots.source_id
    window by_voter as (partition by versions.voter_key order by versions.valid_from)
),

-- versions that directly follow another one of the same voter: their differences are changes
continued as (
    select * from with_neighbours
    where previous_valid_to = valid_from
),

new_registrations as (
    select
        voter_key, source_id, state, valid_from as change_date, 'new_registration' as change_type,
        cast(null as varchar) as from_value, cast(null as varchar) as to_value
    from with_neighbours
    where is_registered
        and (
            -- the first version after an absence, the voter first on the roll (readable or not) after
            -- the baseline: a voter whose record was quarantined in the baseline is no registration
            (previous_valid_to is distinct from valid_from and observed_from > first_snapshot_date)
            -- or registered again, continuing the version before
            or (previous_valid_to = valid_from and not previous_is_registered)
        )
),

removals as (
    select
        voter_key, source_id, state, valid_to as change_date, 'removed' as change_type,
        cast(null as varchar) as from_value, cast(null as varchar) as to_value
    from with_neighbours
    where is_registered
        and valid_to is not null
        and (next_valid_from is distinct from valid_to or not next_is_registered)
),

moves as (
    select
        voter_key, source_id, state, valid_from as change_date, 'moved' as change_type,
        previous_county as from_value, county as to_value
    from continued
    where previous_county <> county
        or previous_state <> state
),

party_switches as (
    select
        voter_key, source_id, state, valid_from as change_date, 'party_switch' as change_type,
        previous_party as from_value, party as to_value
    from continued
    where previous_party <> party
),

name_changes as (
    select
        voter_key, source_id, state, valid_from as change_date, 'name_change' as change_type,
        cast(null as varchar) as from_value, cast(null as varchar) as to_value
    from continued
    where previous_name_hash <> name_hash
),

final as (
    select * from new_registrations
    union all
    select * from removals
    union all
    select * from moves
    union all
    select * from party_switches
    union all
    select * from name_changes
)

select * from final
