-- The candidates of a state (and vote mode) add up to its published total, to within 1% (MEDSL
-- totals include a few scattered and blank votes). A larger gap is a mistyped row: add it to
-- seeds/medsl_president_errata.csv with its evidence.
{{ config(severity='warn') }}

select election_year, state, vote_mode, max(total_votes) as total_votes, sum(candidate_votes) as candidate_votes
from {{ ref('stg_president_results') }}
group by election_year, state, vote_mode
having abs(sum(candidate_votes) - max(total_votes)) > 0.01 * max(total_votes)
