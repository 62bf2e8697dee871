"""Hand-made raw snapshots for the mart tests, written straight into the `raw.*` contract tables.

Two sources around the 2026 midterm (election day 2026-11-03):

* ``canonical:NC`` (per-election history), snapshots 2026-10-01 and 2026-11-10, and a snapshot on
  2026-11-12 that the ingest rejected (it must never be used). Each voter of the first snapshot sits
  on one engagement-tier boundary; between the two accepted snapshots one voter switches party, one
  moves county, one is removed, one is added and one changes name.
  The record of NC05 could not be read on 11-10 (it is in the quarantine, not in raw.voters) and is
  clean again in a third accepted snapshot, 2026-11-11, otherwise the same roll as 11-10.
* ``goodparty:goodparty_voters`` (last vote only), snapshot 2026-10-15, voters in CA, TX and NY: no
  county, so the coverage of those states is unknown.
* ``canonical:DE`` (a voters file loaded without vote history: history_coverage none), snapshot
  2026-10-20, one voter in each of Delaware's three counties: a statewide roll.

North Carolina's roll covers 2 (then 3) of its 100 counties: a county extract, partial.

From 2026-11-05, four more states' rolls (mixed_states.py): Ohio (no party registration, the party of primary
ballots, statewide), a Florida county extract, Oregon (statewide, birth years only, no vote history) and a Georgia
county extract (no party registration, birth years only, primary ballots in the history).

Every expectation the tests assert is derived by hand from the tables below.
"""

from __future__ import annotations

from datetime import date, datetime

from voter_platform.lib.warehouse import ensure_raw_tables
from voter_platform.lib.warehouse_file import open_warehouse
from voter_platform.settings import DataPaths
from voter_platform_tests.test_marts.mixed_states import mixed_state_rows

NC = "canonical:NC"
GOODPARTY = "goodparty:goodparty_voters"
DE = "canonical:DE"

FIRST_NC_SNAPSHOT = date(2026, 10, 1)
SECOND_NC_SNAPSHOT = date(2026, 11, 10)
THIRD_NC_SNAPSHOT = date(2026, 11, 11)
REJECTED_NC_SNAPSHOT = date(2026, 11, 12)
GOODPARTY_SNAPSHOT = date(2026, 10, 15)
DE_SNAPSHOT = date(2026, 10, 20)

# NC05's line in the 11-10 voters file was quarantined: unknown that day, not removed.
UNREADABLE_ON_SECOND_SNAPSHOT = "NC05"

# voter_id, party, county, birth_date, registered_date, status, federal generals / other elections voted
_NC_FIRST = [
    # Current until the 2026 general is over, then Missed Last Election.
    ("NC01", "Democrat", "WAKE", date(1990, 5, 10), date(2010, 1, 15), "ACTIVE", ["2024-11-05", "2020-11-03"]),
    ("NC02", "Republican", "DURHAM", date(1970, 2, 1), date(2000, 6, 1), "ACTIVE", ["2022-11-08"]),  # missed 1
    ("NC03", "Democrat", "WAKE", date(1960, 8, 20), date(1995, 3, 3), "ACTIVE", ["2020-11-03"]),  # missed 2
    ("NC04", "Unaffiliated", "WAKE", date(1985, 12, 1), date(2005, 9, 9), "INACTIVE", ["2018-11-06"]),  # missed 3
    ("NC05", "Republican", "WAKE", date(1950, 1, 1), date(1980, 1, 1), "ACTIVE", ["2016-11-08"]),  # missed 4
    ("NC06", "Libertarian", "DURHAM", date(1975, 7, 4), date(2001, 1, 1), "ACTIVE", ["2012-11-06"]),  # missed 6
    ("NC07", None, "DURHAM", date(1940, 3, 3), date(1970, 1, 1), "ACTIVE", ["2010-11-02"]),  # missed 7
    ("NC08", "Democrat", "WAKE", date(2004, 1, 2), date(2023, 5, 5), "ACTIVE", []),  # never voted
    ("NC09", "Republican", "WAKE", date(1980, 1, 1), date(2000, 1, 1), "REMOVED", ["2024-11-05"]),  # not registered
    (
        "NC10",
        "Democrat",
        "DURHAM",
        date(1999, 11, 3),
        date(2018, 1, 1),
        "ACTIVE",
        ["2024-03-05"],
    ),  # primary only: missed 1
]

# The same roll five weeks later: NC01 voted in 2026 and switched to Independent, NC02 moved to
# ORANGE, NC03 is gone, NC04 changed name, NC11 registered.
_NC_SECOND = [
    (
        "NC01",
        "Independent",
        "WAKE",
        date(1990, 5, 10),
        date(2010, 1, 15),
        "ACTIVE",
        ["2026-11-03", "2024-11-05", "2020-11-03"],
    ),
    ("NC02", "Republican", "ORANGE", date(1970, 2, 1), date(2000, 6, 1), "ACTIVE", ["2022-11-08"]),
    ("NC04", "Unaffiliated", "WAKE", date(1985, 12, 1), date(2005, 9, 9), "INACTIVE", ["2018-11-06"]),
    ("NC05", "Republican", "WAKE", date(1950, 1, 1), date(1980, 1, 1), "ACTIVE", ["2016-11-08"]),
    ("NC06", "Libertarian", "DURHAM", date(1975, 7, 4), date(2001, 1, 1), "ACTIVE", ["2012-11-06"]),
    ("NC07", None, "DURHAM", date(1940, 3, 3), date(1970, 1, 1), "ACTIVE", ["2010-11-02"]),
    ("NC08", "Democrat", "WAKE", date(2004, 1, 2), date(2023, 5, 5), "ACTIVE", ["2026-11-03"]),
    ("NC09", "Republican", "WAKE", date(1980, 1, 1), date(2000, 1, 1), "REMOVED", ["2024-11-05"]),
    ("NC10", "Democrat", "DURHAM", date(1999, 11, 3), date(2018, 1, 1), "ACTIVE", ["2024-03-05"]),
    ("NC11", "Green", "ORANGE", date(2008, 10, 1), date(2026, 10, 20), "ACTIVE", []),
]

# A rejected snapshot (over the quarantine threshold): one voter, nobody else. Never used.
_NC_REJECTED = [
    ("NC99", "Republican", "WAKE", date(1980, 1, 1), date(2000, 1, 1), "ACTIVE", []),
]

# voter_id, state, party, gender, age on the snapshot date, registered_date, last_voted_date
GOODPARTY_VOTERS = [
    ("VOT001", "CA", "Independent", "M", 34, date(2015, 3, 15), date(2024, 11, 5)),
    ("VOT002", "CA", "Democrat", "F", 45, date(2008, 9, 22), date(2022, 11, 8)),
    ("VOT003", "CA", "Republican", "F", 67, date(1998, 1, 10), date(2020, 11, 3)),
    ("VOT004", "TX", "Democrat", "M", 29, date(2018, 6, 30), None),
    ("VOT005", "TX", "Republican", "F", 52, date(2001, 4, 1), date(2024, 11, 5)),
    ("VOT006", "NY", "Democrat", "U", 19, date(2025, 2, 1), None),
]

# The same people under a different name on the second snapshot (the hash of the name changes).
_RENAMED = {"NC04": ("Pat", "Newname")}

# voter_id, county, party, gender, birth_date, registered_date: no vote history was loaded with them.
DE_VOTERS = [
    ("DE01", "KENT", "Democrat", "F", date(1970, 4, 4), date(1995, 5, 5)),
    ("DE02", "NEW CASTLE", "Republican", "M", date(1980, 6, 6), date(2004, 7, 7)),
    ("DE03", "SUSSEX", "Democrat", "F", date(1990, 8, 8), date(2012, 9, 9)),
]


def _nc_voter_rows(snapshot: date, voters: list, file_name: str) -> list[tuple]:
    rows = []
    for line, (voter_id, party, county, birth, registered, status, votes) in enumerate(voters, start=2):
        first, last = ("Pat", "Oldname") if voter_id == "NC04" else ("Alex", f"Voter{voter_id}")
        if snapshot >= SECOND_NC_SNAPSHOT and voter_id in _RENAMED:
            first, last = _RENAMED[voter_id]
        age = snapshot.year - birth.year - ((snapshot.month, snapshot.day) < (birth.month, birth.day))
        last_voted = max((date.fromisoformat(vote) for vote in votes), default=None)
        rows.append(
            (
                snapshot,
                NC,
                file_name,
                line,
                voter_id,
                first,
                None,
                last,
                None,
                f"{voter_id.lower()}@example.org",
                None,
                "1 Main St",
                "RALEIGH",
                "27601",
                birth,
                birth.year,
                age,
                "F" if line % 2 else "M",
                None,
                None,
                "NC",
                county,
                None if party == "Unaffiliated" else party,
                status,
                None,
                registered,
                last_voted,
                datetime(2026, 1, 1),
                f"fp-{voter_id}",
                [],
            )
        )
    return rows


def _de_voter_rows() -> list[tuple]:
    rows = []
    for line, (voter_id, county, party, gender, birth, registered) in enumerate(DE_VOTERS, start=2):
        age = DE_SNAPSHOT.year - birth.year - ((DE_SNAPSHOT.month, DE_SNAPSHOT.day) < (birth.month, birth.day))
        rows.append(
            (
                DE_SNAPSHOT,
                DE,
                "voters_DE_2026-10-20.csv",
                line,
                voter_id,
                "Kim",
                None,
                f"Voter{voter_id}",
                None,
                None,
                None,
                "2 Main St",
                "DOVER",
                "19901",
                birth,
                birth.year,
                age,
                gender,
                None,
                None,
                "DE",
                county,
                party,
                "ACTIVE",
                None,
                registered,
                None,
                datetime(2026, 1, 1),
                f"fp-{voter_id}",
                [],
            )
        )
    return rows


def _nc_history_rows(snapshot: date, voters: list, file_name: str) -> list[tuple]:
    rows = []
    line = 2
    for voter_id, *_, votes in voters:
        for vote in votes:
            election_type = "PRIMARY" if vote.endswith("03-05") else "GENERAL"
            rows.append(
                (
                    snapshot,
                    NC,
                    file_name,
                    line,
                    voter_id,
                    date.fromisoformat(vote),
                    election_type,
                    None,
                    "IN_PERSON",
                    None,
                )
            )
            line += 1
    return rows


def _goodparty_voter_rows() -> list[tuple]:
    rows = []
    for line, (voter_id, state, party, gender, age, registered, last_voted) in enumerate(GOODPARTY_VOTERS, start=2):
        rows.append(
            (
                GOODPARTY_SNAPSHOT,
                GOODPARTY,
                "goodparty_voters_2026-10-15.csv",
                line,
                voter_id,
                "Sam",
                None,
                "Doe",
                None,
                f"{voter_id.lower()}@example.org",
                None,
                None,
                None,
                None,
                None,
                None,
                age,
                gender,
                None,
                None,
                state,
                None,
                party,
                None,
                None,
                registered,
                last_voted,
                datetime(2026, 1, 1),
                f"fp-{voter_id}",
                [],
            )
        )
    return rows


def _snapshot_row(
    source_id, snapshot, file_format, voters_file, history_file, coverage, voters, history, accepted, quarantined=None
):
    quarantined = (0 if accepted else 40) if quarantined is None else quarantined
    return (
        source_id,
        snapshot,
        file_format,
        voters_file,
        history_file,
        coverage,
        voters,
        history,
        quarantined,
        100.0 * quarantined / (voters + quarantined),
        accepted,
        "fixture-run",
        datetime(2026, 12, 1),
    )


# The contract's columns; the ingest may add more (nullable) after them.
SNAPSHOT_COLUMNS = (
    "source_id, partition_date, file_format, voters_file, history_file, history_coverage, voters_loaded, "
    "history_rows_loaded, rows_quarantined, quarantine_rate_pct, accepted, run_id, loaded_at"
)
VOTER_COLUMNS = (
    "partition_date, source_id, file_name, line_number, voter_id, first_name, middle_name, last_name, name_suffix,"
    " email, phone, street_address, city, zip_code, birth_date, birth_year, age, gender, race, ethnicity, state,"
    " county, party, registration_status, status_reason, registered_date, last_voted_date, updated_at,"
    " record_fingerprint, quality_flags"
)
MIXED_VOTER_COLUMNS = VOTER_COLUMNS + ", primary_ballot_party"
HISTORY_COLUMNS = (
    "partition_date, source_id, file_name, line_number, voter_id, election_date, election_type, election_label, "
    "voting_method, party_ballot"
)
QUARANTINE_COLUMNS = "partition_date, source_id, file_name, line_number, record_kind, voter_id, reasons, raw_line"
INGEST_LOG_COLUMNS = (
    "run_id, partition_date, file_name, file_format, source_id, status, lines_read, header_lines, blank_lines,"
    " rows_loaded, rows_quarantined, rows_superseded, rows_recovered, started_at, finished_at"
)
# started_at, finished_at of each ingest run: the fixture's run is the latest.
_RUN_TIMES = {
    "older-run": (datetime(2026, 10, 15, 1, 0), datetime(2026, 10, 15, 1, 5)),
    "fixture-run": (datetime(2026, 10, 16, 1, 0), datetime(2026, 10, 16, 1, 5)),
}


def write_raw_fixture(paths: DataPaths) -> None:
    """Replace the raw tables' content with the fixture (idempotent) in the warehouse of `paths`."""
    with open_warehouse(paths) as connection:
        ensure_raw_tables(connection)
        raw_tables = connection.execute(
            "select table_name from information_schema.tables where table_schema = 'raw' and table_type = 'BASE TABLE'"
        ).fetchall()
        for (table,) in raw_tables:
            connection.execute(f"delete from raw.{table}")

        snapshots, voter_rows, history_rows, log_rows = [], [], [], []
        for snapshot, voters, accepted in (
            (FIRST_NC_SNAPSHOT, _NC_FIRST, True),
            (SECOND_NC_SNAPSHOT, _NC_SECOND, True),
            (THIRD_NC_SNAPSHOT, _NC_SECOND, True),
            (REJECTED_NC_SNAPSHOT, _NC_REJECTED, False),
        ):
            voters_file, history_file = f"voters_NC_{snapshot}.csv", f"vote_history_NC_{snapshot}.csv"
            voters_loaded = _nc_voter_rows(snapshot, voters, voters_file)
            history_loaded = _nc_history_rows(snapshot, voters, history_file)
            unreadable = 0
            if snapshot == SECOND_NC_SNAPSHOT:
                voters_loaded = [row for row in voters_loaded if row[4] != UNREADABLE_ON_SECOND_SNAPSHOT]
                history_loaded = [row for row in history_loaded if row[4] != UNREADABLE_ON_SECOND_SNAPSHOT]
                unreadable = 1
            voter_rows += voters_loaded
            history_rows += history_loaded
            snapshots.append(
                _snapshot_row(
                    NC,
                    snapshot,
                    "canonical",
                    voters_file,
                    history_file,
                    "per_election",
                    len(voters_loaded),
                    len(history_loaded),
                    accepted,
                    quarantined=unreadable or None,
                )
            )
            quarantined = (0 if accepted else 40) + unreadable
            log_rows.append(
                (
                    "fixture-run",
                    snapshot,
                    voters_file,
                    "canonical",
                    NC,
                    "loaded" if accepted else "rejected",
                    len(voters_loaded) + 1 + quarantined,
                    1,
                    0,
                    len(voters_loaded),
                    quarantined,
                    0,
                    0,
                )
            )
            log_rows.append(
                (
                    "fixture-run",
                    snapshot,
                    history_file,
                    "canonical",
                    NC,
                    "loaded" if accepted else "rejected",
                    len(history_loaded) + 1,
                    1,
                    0,
                    len(history_loaded),
                    0,
                    0,
                    0,
                )
            )

        de_rows = _de_voter_rows()
        voter_rows += de_rows
        snapshots.append(
            _snapshot_row(DE, DE_SNAPSHOT, "canonical", "voters_DE_2026-10-20.csv", None, "none", len(de_rows), 0, True)
        )
        log_rows.append(
            (
                "fixture-run",
                DE_SNAPSHOT,
                "voters_DE_2026-10-20.csv",
                "canonical",
                DE,
                "loaded",
                len(de_rows) + 1,
                1,
                0,
                len(de_rows),
                0,
                0,
                0,
            )
        )

        goodparty_rows = _goodparty_voter_rows()
        voter_rows += goodparty_rows
        snapshots.append(
            _snapshot_row(
                GOODPARTY,
                GOODPARTY_SNAPSHOT,
                "goodparty",
                "goodparty_voters_2026-10-15.csv",
                None,
                "last_vote_only",
                len(goodparty_rows),
                0,
                True,
            )
        )
        # The goodparty file had one more line, quarantined, and one exact duplicate.
        log_rows.append(
            (
                "fixture-run",
                GOODPARTY_SNAPSHOT,
                "goodparty_voters_2026-10-15.csv",
                "goodparty",
                GOODPARTY,
                "loaded",
                len(goodparty_rows) + 3,
                1,
                0,
                len(goodparty_rows),
                1,
                1,
                0,
            )
        )
        # An earlier run of the same file; the latest run is the one reported.
        log_rows.append(
            (
                "older-run",
                GOODPARTY_SNAPSHOT,
                "goodparty_voters_2026-10-15.csv",
                "goodparty",
                GOODPARTY,
                "failed",
                3,
                1,
                0,
                0,
                2,
                0,
                0,
            )
        )

        mixed_snapshots, mixed_voters, mixed_history, mixed_log = mixed_state_rows()
        snapshots += mixed_snapshots
        history_rows += mixed_history
        log_rows += mixed_log

        connection.executemany(
            f"insert into raw.snapshots ({SNAPSHOT_COLUMNS}) values ({', '.join('?' * 13)})", snapshots
        )
        connection.executemany(
            f"insert into raw.voters ({MIXED_VOTER_COLUMNS}) values ({', '.join('?' * 31)})", mixed_voters
        )
        connection.executemany(f"insert into raw.voters ({VOTER_COLUMNS}) values ({', '.join('?' * 30)})", voter_rows)
        connection.executemany(
            f"insert into raw.vote_history ({HISTORY_COLUMNS}) values ({', '.join('?' * 10)})", history_rows
        )
        connection.executemany(
            f"insert into raw.ingest_log ({INGEST_LOG_COLUMNS}) values ({', '.join('?' * 15)})",
            [(*row, *_RUN_TIMES[row[0]]) for row in log_rows],
        )
        connection.execute(
            f"""insert into raw.quarantine ({QUARANTINE_COLUMNS}) values
               (date '2026-10-15', ?, 'goodparty_voters_2026-10-15.csv', 5, 'voter', 'VOT900', ['impossible_age'], 'x'),
               (date '2026-11-12', ?, 'voters_NC_2026-11-12.csv', 3, 'voter', 'NC98', ['blank_field:voter_id'], 'x'),
               (date '2026-11-10', ?, 'voters_NC_2026-11-10.csv', 5, 'voter', ?, ['impossible_date:birth_date'],
                'x')""",
            [GOODPARTY, NC, NC, UNREADABLE_ON_SECOND_SNAPSHOT],
        )
        connection.execute(
            """insert into raw.superseded_records
               (partition_date, source_id, file_name, line_number, record_kind, voter_id, kept_line_number, reason)
               values
               (date '2026-10-15', ?, 'goodparty_voters_2026-10-15.csv', 8, 'voter', 'VOT002', 3, 'exact_duplicate')""",
            [GOODPARTY],
        )
        connection.execute(
            """insert into raw.possible_duplicates values
               (date '2026-10-15', ?, 'VOT001', 'VOT006', 'same_name_and_email')""",
            [GOODPARTY],
        )
