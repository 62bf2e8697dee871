-- Official presidential result per state and election year, done right:
--   * total_votes repeats on every candidate row: it is taken once per state (and vote mode),
--     never summed over candidates;
--   * a state reported by vote mode (2024 files) counts its TOTAL rows when it has them, else the
--     sum over its modes (Arizona's 2024 rows carry mode NA, read as TOTAL);
--   * a candidate on several party lines (New York fusion tickets) counts all their lines for the
--     major party of any of them.
-- margin_pts = (Democrat - Republican) / total votes * 100, so positive leans D.
with results as (
    select * from {{ ref('stg_president_results') }}
),

with_mode_coverage as (
    select
        *,
        bool_or(vote_mode = 'TOTAL') over (partition by election_year, state) as state_reports_total
    from results
),

counted_rows as (
    select * from with_mode_coverage
    where vote_mode = 'TOTAL' or not state_reports_total
),

mode_totals as (
    select election_year, state, vote_mode, max(total_votes) as mode_total_votes
    from counted_rows
    group by election_year, state, vote_mode
),

state_totals as (
    select election_year, state, sum(mode_total_votes) as total_votes
    from mode_totals
    group by election_year, state
),

candidates as (
    select
        election_year,
        state,
        candidate,
        case
            when bool_or(party_simplified = 'DEMOCRAT') then 'Democrat'
            when bool_or(party_simplified = 'REPUBLICAN') then 'Republican'
        end as major_party,
        sum(candidate_votes) as votes
    from counted_rows
    where candidate is not null
    group by election_year, state, candidate
),

party_votes as (
    select
        election_year,
        state,
        coalesce(sum(votes) filter (where major_party = 'Democrat'), 0) as democrat_votes,
        coalesce(sum(votes) filter (where major_party = 'Republican'), 0) as republican_votes
    from candidates
    group by election_year, state
),

state_names as (
    select election_year, state, min(state_name) as state_name, bool_or(is_unofficial) as is_unofficial
    from results
    group by election_year, state
),

margins as (
    select
        state_totals.election_year,
        state_totals.state,
        state_names.state_name,
        state_totals.total_votes,
        party_votes.democrat_votes,
        party_votes.republican_votes,
        100.0
        * (party_votes.democrat_votes - party_votes.republican_votes)
        / nullif(state_totals.total_votes, 0) as margin_pts,
        coalesce(state_names.is_unofficial, false) as is_unofficial
    from state_totals
    inner join party_votes
        on state_totals.election_year = party_votes.election_year
        and state_totals.state = party_votes.state
    inner join state_names
        on state_totals.election_year = state_names.election_year
        and state_totals.state = state_names.state
),

final as (
    select
        election_year,
        state,
        state_name,
        total_votes,
        democrat_votes,
        republican_votes,
        margin_pts,
        {{ lean_label('margin_pts') }} as lean,
        is_unofficial
    from margins
)

select * from final
