-- Registered voters as of each analysis date of the run, one row per analysis date and voter.
--
-- For each source, the voters of its latest accepted snapshot on or before the date, with what
-- moves with the date computed for that date: age, registration tenure, federal general elections
-- held since the voter's last vote and the engagement tier. An election counts once it is over:
-- on election day it is not yet "missed"; the day after, every voter who has not voted in it has
-- missed one more. Elections come from the calendar reference, never from literals.
--
-- Voters are keyed by voter_key (salted hash of source and voter id); the source's id, names and
-- birth date are read through staging views and not stored here.
--
-- Age: the exact age in whole years, from the birth date, or from the source's age on its snapshot
-- date. Where a source publishes only a birth year, age stays null (no age is made up) and the age
-- group comes from the year (macro age_from_birth_year: to within a year).
--
-- Party: the registered party and the party of the latest primary ballot are kept apart. The
-- primary-ballot party is the voters file's own (Ohio's PARTY_AFFILIATION, by the state's rule) where
-- the snapshot's file states one for any voter; otherwise the party ballot of the voter's latest
-- PRIMARY in the snapshot's vote history (a general's party column, as NC's voted_party_cd, is the
-- registration at the time, not a ballot). Which of the two a state's numbers use is its party basis
-- (int_party_basis).
with snapshots_as_of as (
    select * from {{ ref('int_snapshots_as_of_date') }}
),

snapshots_used as (
    select distinct source_id, snapshot_date, history_coverage
    from snapshots_as_of
),

-- snapshots whose voters file states a primary-ballot party (for any voter): its own rule decides
files_with_primary_ballot_party as (
    select distinct voters.source_id, voters.snapshot_date
    from {{ ref('stg_voters') }} as voters
    inner join snapshots_used
        on voters.source_id = snapshots_used.source_id
        and voters.snapshot_date = snapshots_used.snapshot_date
    where voters.primary_ballot_party <> 'Unknown'
),

federal_generals as (
    select election_date from {{ ref('stg_election_calendar') }}
),

snapshot_voters as (
    select
        voters.*,
        snapshots_used.history_coverage
    from {{ ref('stg_voters') }} as voters
    inner join snapshots_used
        on voters.source_id = snapshots_used.source_id
        and voters.snapshot_date = snapshots_used.snapshot_date
    where voters.is_registered
),

history_rows as (
    select
        history.source_id,
        history.snapshot_date,
        history.voter_id,
        history.election_date,
        case
            when history.election_type = 'PRIMARY' and history.party_ballot is not null
                then {{ party_label('history.party_ballot') }}
        end as primary_party_ballot,
        federal_generals.election_date is not null as is_federal_general
    from {{ ref('stg_vote_history') }} as history
    inner join snapshots_used
        on history.source_id = snapshots_used.source_id
        and history.snapshot_date = snapshots_used.snapshot_date
    left join federal_generals
        on history.election_date = federal_generals.election_date
),

votes_by_voter as (
    select
        source_id,
        snapshot_date,
        voter_id,
        max(election_date) as last_history_vote_date,
        {{ value_at_max('primary_party_ballot', 'election_date', 'primary_party_ballot is not null') }}
            as latest_primary_party_ballot,
        {{ date_array_agg('election_date', 'is_federal_general') }} as federal_generals_voted
    from history_rows
    group by source_id, snapshot_date, voter_id
),

voters_with_votes as (
    select
        snapshot_voters.*,
        -- the history and the voter file's own last-vote date, whichever is later (nulls ignored)
        greatest(votes_by_voter.last_history_vote_date, snapshot_voters.last_voted_date) as last_vote_date,
        coalesce(votes_by_voter.federal_generals_voted, []) as federal_generals_voted,
        case
            when files_with_primary_ballot_party.source_id is not null then snapshot_voters.primary_ballot_party
            else coalesce(votes_by_voter.latest_primary_party_ballot, 'Unknown')
        end as latest_primary_ballot_party
    from snapshot_voters
    left join votes_by_voter
        on snapshot_voters.source_id = votes_by_voter.source_id
        and snapshot_voters.snapshot_date = votes_by_voter.snapshot_date
        and snapshot_voters.voter_id = votes_by_voter.voter_id
    left join files_with_primary_ballot_party
        on snapshot_voters.source_id = files_with_primary_ballot_party.source_id
        and snapshot_voters.snapshot_date = files_with_primary_ballot_party.snapshot_date
),

-- Elections missed = generals held before the analysis date - generals held up to the last vote.
-- Both counts come from tiny lookups (per date, per distinct last-vote date), not per voter.
generals_held_before_date as (
    select
        analysis_dates.analysis_date,
        count(federal_generals.election_date) as generals_held
    from (select distinct analysis_date from snapshots_as_of) as analysis_dates
    left join federal_generals
        on analysis_dates.analysis_date > federal_generals.election_date
    group by analysis_dates.analysis_date
),

generals_through_last_vote as (
    select
        last_votes.last_vote_date,
        count(federal_generals.election_date) as generals_through
    from (
        select distinct last_vote_date from voters_with_votes
        where last_vote_date is not null
    ) as last_votes
    left join federal_generals
        on last_votes.last_vote_date >= federal_generals.election_date
    group by last_votes.last_vote_date
),

voters_on_date as (
    select
        snapshots_as_of.analysis_date,
        voters_with_votes.*,
        case
            when voters_with_votes.birth_date is not null
                then {{ whole_years_between('voters_with_votes.birth_date', 'snapshots_as_of.analysis_date') }}
            when voters_with_votes.age_on_snapshot is not null
                then voters_with_votes.age_on_snapshot
                + {{ whole_years_between('voters_with_votes.snapshot_date', 'snapshots_as_of.analysis_date') }}
        end as computed_age,
        -- a birth year alone gives no age, only the age reached in the year (for the age group)
        {{ age_from_birth_year('voters_with_votes.birth_year', 'snapshots_as_of.analysis_date') }} as age_in_year,
        case
            when voters_with_votes.registered_date <= snapshots_as_of.analysis_date
                then {{ dbt.datediff('voters_with_votes.registered_date', 'snapshots_as_of.analysis_date', 'day') }}
        end as tenure_days,
        case
            when voters_with_votes.last_vote_date is not null
                then greatest(
                    generals_held_before_date.generals_held
                    - coalesce(generals_through_last_vote.generals_through, 0),
                    0
                )
        end as federal_generals_missed
    from snapshots_as_of
    inner join voters_with_votes
        on snapshots_as_of.source_id = voters_with_votes.source_id
        and snapshots_as_of.snapshot_date = voters_with_votes.snapshot_date
    inner join generals_held_before_date
        on snapshots_as_of.analysis_date = generals_held_before_date.analysis_date
    left join generals_through_last_vote
        on voters_with_votes.last_vote_date = generals_through_last_vote.last_vote_date
),

final as (
    select
        analysis_date,
        voter_key,
        source_id,
        snapshot_date,
        history_coverage,
        state,
        county,
        registered_party,
        latest_primary_ballot_party as primary_ballot_party,
        gender,
        -- ages outside 18-120 (pre-registered minors, impossible values) are not an age group
        case when computed_age between 18 and 120 then computed_age end as age,
        cast(birth_year as integer) as birth_year,
        {{ age_group('coalesce(computed_age, age_in_year)') }} as age_group,
        registered_date,
        cast(extract(year from registered_date) as integer) as registration_year,
        tenure_days,
        last_vote_date,
        federal_generals_missed,
        {{ engagement_tier('federal_generals_missed', 'history_coverage') }} as engagement_tier,
        {{ tier_order(engagement_tier('federal_generals_missed', 'history_coverage')) }} as tier_order,
        federal_generals_voted
    from voters_on_date
)

select * from final
