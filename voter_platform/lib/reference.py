"""Readers for the vendored election reference data (data/reference/, see SOURCES.md there).

Each reader returns one tidy table with a `cycle` column: the even election year the row belongs to,
as a string, because the Dagster election assets are partitioned by cycle and the DuckDB I/O manager
replaces a partition with `WHERE cycle IN (...)`.

The files are read with DuckDB (typed, BOM-tolerant) rather than pandas, and every reader keeps the
publisher's grain: one row per candidate and state (or district), never a pre-summed total. The
traps in MEDSL data are handled downstream in dbt, where the rules are tested: `totalvotes` repeats
on every candidate row, and the 2024 files split some states by vote mode.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb
import pandas as pd

from voter_platform.settings import REFERENCE_DIR

FIRST_CYCLE = 1976
LAST_CYCLE = 2030
ELECTION_CYCLES = [str(year) for year in range(FIRST_CYCLE, LAST_CYCLE + 1, 2)]

# Two-digit years round up to their cycle: registration counted in 2015 belongs to the 2016 cycle.
_CYCLE_OF_YEAR = "cast(year + (year % 2) as varchar)"


def _query(sql: str, **files: str) -> pd.DataFrame:
    """Run `sql` over reference files, each visible as a view named by its keyword.

    Every value is typed from the whole file (the publishers' columns are sparse) and both `NA` and
    the empty string read as null.
    """
    with duckdb.connect() as connection:
        for view, file_name in files.items():
            path = str(REFERENCE_DIR / file_name).replace("'", "''")
            connection.execute(
                f"create view {view} as select * from read_csv('{path}', sample_size = -1, nullstr = ['NA', ''])"
            )
        return connection.sql(sql).df()


def president_results() -> pd.DataFrame:
    """MEDSL presidential returns by state and candidate, 1976–2020 and 2024."""
    return _query(
        f"""
        select {_CYCLE_OF_YEAR} as cycle, year::integer as year, state_po as state, state as state_name,
               candidate, party_detailed, party_simplified, writein::boolean as writein,
               'TOTAL' as vote_mode, candidatevotes::bigint as candidate_votes,
               totalvotes::bigint as total_votes, false as unofficial
        from older
        union all by name
        select {_CYCLE_OF_YEAR} as cycle, year::integer as year, state_po as state, state as state_name,
               candidate, party_detailed, party_simplified, writein::boolean as writein,
               coalesce(mode, 'TOTAL') as vote_mode, votes::bigint as candidate_votes,
               totalvotes::bigint as total_votes, unofficial::boolean as unofficial
        from recent
        order by year, state, candidate_votes desc
        """,
        older="medsl_president_state_1976_2020.csv",
        recent="medsl_president_state_2024.csv",
    )


def senate_results() -> pd.DataFrame:
    """MEDSL U.S. Senate returns by state and candidate (general, special and runoff), 1976–2024."""
    return _query(
        f"""
        select {_CYCLE_OF_YEAR} as cycle, year::integer as year, state_po as state, state as state_name,
               upper(stage) as stage, special::boolean as special, candidate, party_detailed,
               party_simplified, writein::boolean as writein, upper(mode) as vote_mode,
               candidatevotes::bigint as candidate_votes, totalvotes::bigint as total_votes,
               unofficial::boolean as unofficial
        from older
        union all by name
        select {_CYCLE_OF_YEAR} as cycle, year::integer as year, state_po as state, state as state_name,
               upper(stage) as stage, special::boolean as special, candidate, party_detailed,
               party_simplified, writein::boolean as writein, upper(mode) as vote_mode,
               votes::bigint as candidate_votes, totalvotes::bigint as total_votes,
               unofficial::boolean as unofficial
        from recent
        order by year, state, stage, candidate_votes desc
        """,
        older="medsl_senate_state_1976_2020.csv",
        recent="medsl_senate_state_2024.csv",
    )


def house_results() -> pd.DataFrame:
    """MEDSL U.S. House returns by district and candidate, 1976–2020."""
    return _query(
        f"""
        select {_CYCLE_OF_YEAR} as cycle, year::integer as year, state_po as state, state as state_name,
               district::integer as district, upper(stage) as stage, coalesce(runoff, false) as runoff,
               special::boolean as special, candidate, party, writein::boolean as writein,
               upper(mode) as vote_mode, candidatevotes::bigint as candidate_votes,
               totalvotes::bigint as total_votes, unofficial::boolean as unofficial,
               fusion_ticket::boolean as fusion_ticket
        from house
        order by year, state, district, candidate_votes desc
        """,
        house="medsl_house_district_1976_2020.csv",
    )


def vep_turnout() -> pd.DataFrame:
    """Voting-eligible-population turnout by state (and the US), 2008–2024, US Elections Project."""
    return _query(
        f"""
        select {_CYCLE_OF_YEAR} as cycle, year::integer as year, state_abv as state, state as state_name,
               total_ballots_counted::bigint as total_ballots_counted,
               vote_for_highest_office::bigint as vote_for_highest_office, vep::bigint as vep,
               vap::bigint as vap, vep_turnout_total_ballots_pct::double as vep_turnout_total_ballots_pct,
               vep_turnout_highest_office_pct::double as vep_turnout_highest_office_pct, note
        from turnout
        order by year, state
        """,
        turnout="turnout_vep_by_state_2008_2024.csv",
    )


def election_calendar() -> pd.DataFrame:
    """Federal general election dates 2008–2030 (computed from the statutory rule)."""
    return _query(
        f"""
        select {_CYCLE_OF_YEAR} as cycle, year::integer as year, election_date::date as election_date,
               election_type, cycle as cycle_type, president_on_ballot::boolean as president_on_ballot,
               us_senate_class_up::integer as senate_class_up, status
        from calendar
        order by election_date
        """,
        calendar="federal_general_election_dates_2008_2030.csv",
    )


def party_registration() -> pd.DataFrame:
    """Registered voters by party and state, summed from the Data4Democracy county table.

    States without party registration report everyone under N (no party); `has_party_registration`
    says which is which. Snapshots before the first cycle (one state, 1959–1974) are outside the
    cycle partitions and are not loaded.
    """
    return _query(
        f"""
        select {_CYCLE_OF_YEAR} as cycle, year::integer as year, month::integer as month,
               StateAbbr as state, StateName as state_name,
               sum(D)::bigint as democratic, sum(R)::bigint as republican,
               sum(L)::bigint as libertarian, sum(G)::bigint as green, sum(O)::bigint as other,
               sum(N)::bigint as no_party, sum(Total)::bigint as total,
               (sum(D) is not null or sum(R) is not null) as has_party_registration
        from registration
        where year >= {FIRST_CYCLE - 1}
        group by all
        order by year, month, state
        """,
        registration="party_registration_county_d4d_2004_2016.csv",
    )


# The tables the election reference assets are generated from: asset name = reader name.
REFERENCE_READERS: list[Callable[[], pd.DataFrame]] = [
    president_results,
    senate_results,
    house_results,
    vep_turnout,
    election_calendar,
    party_registration,
]
