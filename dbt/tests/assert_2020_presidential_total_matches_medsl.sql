-- MEDSL's 2020 presidential vote across the states and DC is 158,528,503. A different total means
-- total_votes was summed over candidate rows or vote modes instead of taken once per state.
select election_year, sum(total_votes) as national_total_votes
from {{ ref('int_president_results_by_state') }}
where election_year = 2020
group by election_year
having sum(total_votes) <> 158528503
