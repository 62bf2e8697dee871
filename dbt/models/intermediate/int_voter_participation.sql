-- Each registered voter's participation in each federal general election held before the analysis
-- date: voted, did_not_vote or unknown. One row per analysis date, voter and election.
--
-- The "unknown history" rule: a file only knows elections before its snapshot date, a source that
-- ships only a last-vote date (history_coverage = last_vote_only) says nothing about the elections
-- before that vote, and a voters file loaded without any vote history (history_coverage = none, or
-- any coverage other than per_election and last_vote_only) says nothing at all:
--   * election on or after the snapshot date          -> unknown (the file predates its result)
--   * per_election source                             -> voted if in the history, else did_not_vote
--   * other sources, election = last vote date        -> voted
--   * other sources, election after the last vote     -> did_not_vote
--   * last_vote_only, no vote on record at all        -> did_not_vote
--   * none, no vote on record (no last-vote date)     -> unknown (never "did not vote")
--   * other sources, election before the last vote    -> unknown (never "did not vote")
-- A voter counts for an election only if they could have voted in it: registered by then (or
-- registration date unknown) and at least 18 on the day (or age unknown) - or they voted. The age on
-- the day comes from the age on the analysis date, or for a birth year alone from the year (macro
-- age_from_birth_year: a voter who turns 18 in the election's year counts, to within a year).
--
-- A view: partisan_trends aggregates it once per run; its rows are never stored.
{{ config(materialized='view') }}

with voters as (
    select * from {{ ref('int_voters_with_party') }}
),

federal_generals as (
    select election_date, election_year from {{ ref('stg_election_calendar') }}
),

voter_elections as (
    select
        voters.*,
        federal_generals.election_date,
        federal_generals.election_year,
        -- age on election day, from the age on the analysis date (to within a year), else the birth year
        coalesce(
            voters.age - {{ whole_years_between('federal_generals.election_date', 'voters.analysis_date') }},
            {{ age_from_birth_year('voters.birth_year', 'federal_generals.election_date') }}
        ) as age_at_election
    from voters
    inner join federal_generals
        on voters.analysis_date > federal_generals.election_date
),

classified as (
    select
        *,
        case
            when election_date >= snapshot_date then 'unknown'
            when {{ array_has('federal_generals_voted', 'election_date') }} or election_date = last_vote_date
                then 'voted'
            when history_coverage = 'per_election' then 'did_not_vote'
            when last_vote_date is null and history_coverage = 'last_vote_only' then 'did_not_vote'
            when last_vote_date is null then 'unknown'
            when election_date > last_vote_date then 'did_not_vote'
            else 'unknown'
        end as participation
    from voter_elections
),

final as (
    select
        analysis_date,
        election_date,
        election_year,
        voter_key,
        source_id,
        history_coverage,
        state,
        party,
        gender,
        age_at_election,
        {{ age_group('age_at_election') }} as age_group,
        participation
    from classified
    where participation = 'voted'
        or (
            (registered_date is null or registered_date <= election_date)
            and (age_at_election is null or age_at_election >= 18)
        )
)

select * from final
