"""Four more state rolls for the mart tests, loaded beside raw_fixture.py's NC, case-study and DE sources: a mix of
states in one data directory, each shaped as its official file is (issue 11), all with snapshot date 2026-11-05
(after the 2026 general of 11-03, so the earlier analysis dates of raw_fixture.py are untouched).

* ``oh:OH`` - Ohio's statewide voter file: no party registration (``party`` empty), the party of the latest
  primary ballot in PARTY_AFFILIATION (``primary_ballot_party``), per-election history read from the file's own
  election columns (with each primary's party ballot). One voter in each of the 88 counties: statewide.
  Voter ``OH{i:03d}`` (i = 0..87) lives in the i-th county (alphabetical) and
    - i % 4 == 0: PARTY_AFFILIATION R (a 2026-05-05 Republican primary ballot in the history),
    - i % 4 == 1: PARTY_AFFILIATION D (a 2026-05-05 Democratic primary ballot),
    - i % 4 == 2: no affiliation, though the history holds a 2016-03-15 Democratic primary ballot (older than
      Ohio's two-year rule: the file's own blank wins, the voter has no primary-ballot party),
    - i % 4 == 3: no affiliation, no primary;
  every voter voted in the 2024 general, the even ones in the 2026 general too. 22 R, 22 D, 44 Unknown by
  primary ballot; 44 Current and 44 Missed Last Election after the 2026 general.
* ``fl:FL`` - a Florida county extract (Leon and Miami-Dade: 2 of 67 counties), registered parties, a long
  per-election history (2008 on).
* ``or:OR`` - Oregon's statewide list (one voter in each of its 36 counties), registered parties, a birth year
  only, loaded without any vote history (history_coverage none): every voter's history is unknown.
* ``ga:GA`` - a Georgia county extract (Fulton: 1 of 159 counties): no party registration, a birth year only,
  and a per-election history whose primaries carry the party ballot - the primary-ballot party comes from the
  history.

Every expectation the tests assert is derived by hand from the rules and tables below.
"""

from __future__ import annotations

import csv
from datetime import date, datetime

from voter_platform.settings import DBT_PROJECT_DIR

MIXED_SNAPSHOT = date(2026, 11, 5)
OH, FL, OR, GA = "oh:OH", "fl:FL", "or:OR", "ga:GA"


def _counties(state: str) -> list[str]:
    with open(DBT_PROJECT_DIR / "seeds" / "reference_counties_2016.csv", newline="") as handle:
        return sorted(row["county_name"].upper() for row in csv.DictReader(handle) if row["state"] == state)


OH_COUNTIES = _counties("OH")  # 88
OR_COUNTIES = _counties("OR")  # 36


def _oh_voter(i: int) -> dict:
    primary = {0: "Republican", 1: "Democrat"}.get(i % 4)
    votes = [("2024-11-05", "GENERAL", None)] + ([("2026-11-03", "GENERAL", None)] if i % 2 == 0 else [])
    if primary:
        votes.append(("2026-05-05", "PRIMARY", primary))
    if i % 4 == 2:
        votes.append(("2016-03-15", "PRIMARY", "Democrat"))
    return dict(
        voter_id=f"OH{i:03d}",
        county=OH_COUNTIES[i],
        party=None,
        primary_ballot_party=primary,
        birth_date=date(1960 + i % 40, 3, 1),
        birth_year=None,
        gender="F" if i % 2 else "M",
        registered_date=date(2000, 1, 1),
        votes=votes,
    )


# voter_id, party, county, registered, votes (general elections 2008-2026 and primaries)
_FL_VOTERS = [
    (
        "FL01",
        "Democrat",
        "LEON",
        date(2004, 2, 2),
        [
            f"{year}-11-{day:02d}"
            for year, day in (
                (2008, 4),
                (2010, 2),
                (2012, 6),
                (2014, 4),
                (2016, 8),
                (2018, 6),
                (2020, 3),
                (2022, 8),
                (2024, 5),
                (2026, 3),
            )
        ],
    ),  # Current
    ("FL02", "Republican", "MIAMI-DADE", date(1990, 5, 5), ["2008-11-04", "2010-11-02", "2012-11-06"]),  # Dormant (7)
    ("FL03", "Republican", "LEON", date(2016, 9, 9), ["2020-11-03", "2022-11-08"]),  # Occasional (2)
    ("FL04", "Independent", "MIAMI-DADE", date(2021, 1, 1), []),  # Never Voted
]


def _fl_voter(voter_id, party, county, registered, votes) -> dict:
    return dict(
        voter_id=voter_id,
        county=county,
        party=party,
        primary_ballot_party=None,
        birth_date=date(1970, 6, 1),
        birth_year=None,
        gender="F",
        registered_date=registered,
        votes=[(vote, "GENERAL", None) for vote in votes],
    )


def _or_voter(i: int) -> dict:
    # Birth years 1950..1985: on 2026-11-13 aged (by the year) 76..41 - 65+ for i <= 11, 50-64 for 12..26,
    # 30-49 for 27..35.
    return dict(
        voter_id=f"OR{i:02d}",
        county=OR_COUNTIES[i],
        party=("Democrat", "Republican", "Independent")[i % 3],
        primary_ballot_party=None,
        birth_date=None,
        birth_year=1950 + i,
        gender="M" if i % 2 else "F",
        registered_date=date(2010, 1, 1),
        votes=[],
    )


# voter_id, birth year, registered, votes (date, type, party ballot). Fulton county; no registered party.
_GA_VOTERS = [
    ("GA01", 2008, date(2026, 6, 1), []),  # 18 by the year: 18-29; Never Voted
    ("GA02", 2006, date(2024, 1, 10), [("2024-05-21", "PRIMARY", "Republican"), ("2024-11-05", "GENERAL", None)]),
    ("GA03", 1996, date(2015, 3, 3), [("2026-05-19", "PRIMARY", "Democrat"), ("2026-11-03", "GENERAL", None)]),
    ("GA04", 1997, date(2015, 3, 3), [("2020-11-03", "GENERAL", None)]),  # Occasional (missed 2022, 2024, 2026)
    ("GA05", 2007, date(2025, 2, 2), [("2026-11-03", "GENERAL", None)]),  # 17 in 2024: not counted for it
]


def _ga_voter(voter_id, birth_year, registered, votes) -> dict:
    return dict(
        voter_id=voter_id,
        county="FULTON",
        party=None,
        primary_ballot_party=None,
        birth_date=None,
        birth_year=birth_year,
        gender="F",
        registered_date=registered,
        votes=votes,
    )


ROLLS = {
    # source: (state, file format, voters file, history file, history coverage, voters)
    OH: (
        "OH",
        "oh",
        "SWVF_1_88_2026-11-05.txt",
        "SWVF_1_88_2026-11-05.txt",
        "per_election",
        [_oh_voter(i) for i in range(len(OH_COUNTIES))],
    ),
    FL: (
        "FL",
        "fl",
        "LEO_DAD_20261105.txt",
        "LEO_DAD_H_20261105.txt",
        "per_election",
        [_fl_voter(*voter) for voter in _FL_VOTERS],
    ),
    OR: ("OR", "or", "OR_voters_2026-11-05.txt", None, "none", [_or_voter(i) for i in range(len(OR_COUNTIES))]),
    GA: (
        "GA",
        "ga",
        "Fulton_2026-11-05.txt",
        "Fulton_history_2026-11-05.txt",
        "per_election",
        [_ga_voter(*voter) for voter in _GA_VOTERS],
    ),
}


def mixed_state_rows() -> tuple[list[tuple], list[tuple], list[tuple], list[tuple]]:
    """(snapshot rows, voter rows, vote-history rows, ingest-log rows) in the column orders of
    MIXED_SNAPSHOT_COLUMNS, MIXED_VOTER_COLUMNS, HISTORY_COLUMNS and INGEST_LOG_COLUMNS (raw_fixture.py)."""
    snapshots, voters, history, log = [], [], [], []
    for source, (state, file_format, voters_file, history_file, coverage, rolls) in ROLLS.items():
        history_rows = 0
        for line, voter in enumerate(rolls, start=2):
            birth = voter["birth_date"]
            age = (
                MIXED_SNAPSHOT.year
                - birth.year
                - ((MIXED_SNAPSHOT.month, MIXED_SNAPSHOT.day) < (birth.month, birth.day))
                if birth
                else None
            )
            general_votes = [date.fromisoformat(day) for day, kind, _ in voter["votes"] if kind == "GENERAL"]
            voters.append(
                (
                    MIXED_SNAPSHOT,
                    source,
                    voters_file,
                    line,
                    voter["voter_id"],
                    "Robin",
                    None,
                    f"Mixed{voter['voter_id']}",
                    None,
                    None,
                    None,
                    "3 Elm St",
                    "TOWN",
                    "00000",
                    birth,
                    voter["birth_year"] or (birth.year if birth else None),
                    age,
                    voter["gender"],
                    None,
                    None,
                    state,
                    voter["county"],
                    voter["party"],
                    "ACTIVE",
                    None,
                    voter["registered_date"],
                    max(general_votes, default=None),
                    datetime(2026, 11, 1),
                    f"fp-{voter['voter_id']}",
                    [],
                    voter["primary_ballot_party"],
                )
            )
            for day, kind, party_ballot in voter["votes"]:
                history_rows += 1
                history.append(
                    (
                        MIXED_SNAPSHOT,
                        source,
                        history_file or voters_file,
                        line,
                        voter["voter_id"],
                        date.fromisoformat(day),
                        kind,
                        None,
                        "IN_PERSON",
                        party_ballot,
                    )
                )
        snapshots.append(
            (
                source,
                MIXED_SNAPSHOT,
                file_format,
                voters_file,
                history_file,
                coverage,
                len(rolls),
                history_rows,
                0,
                0.0,
                True,
                "fixture-run",
                datetime(2026, 12, 1),
            )
        )
        log.append(
            (
                "fixture-run",
                MIXED_SNAPSHOT,
                voters_file,
                file_format,
                source,
                "loaded",
                len(rolls) + 1,
                1,
                0,
                len(rolls),
                0,
                0,
                0,
            )
        )
        if history_file and history_file != voters_file:
            log.append(
                (
                    "fixture-run",
                    MIXED_SNAPSHOT,
                    history_file,
                    file_format,
                    source,
                    "loaded",
                    history_rows + 1,
                    1,
                    0,
                    history_rows,
                    0,
                    0,
                    0,
                )
            )
    return snapshots, voters, history, log
