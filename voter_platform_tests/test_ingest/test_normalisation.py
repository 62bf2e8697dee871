"""Spellings and formats from the wild end up in one vocabulary; unknown ones are flagged, not lost."""

from __future__ import annotations

from datetime import date, timedelta

import duckdb

from voter_platform.lib.elections import untyped_election_type, untyped_election_type_sql
from voter_platform.lib.ingest.formats import CANONICAL_HISTORY_HEADER, CANONICAL_VOTER_HEADER
from voter_platform_tests.test_ingest.conftest import SNAPSHOT, ingest, rows
from voter_platform_tests.test_ingest.defect_files import canonical_voter, history_row


def write(path, header, records):
    lines = [",".join(header)] + [",".join(record.get(column, "") for column in header) for record in records]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_voter_spellings(warehouse, landing):
    variants = [
        {"party": "DEM", "gender": "female", "state": "texas", "registration_status": "A", "zip_code": "27517.0"},
        {"party": "Whig", "gender": "Q", "state": " NC ", "registration_status": "PENDING", "zip_code": "2751"},
        {"party": "UNA", "registered_date": "3/7/2001", "updated_at": "11/19/2026 8:05:09", "county": "wake"},
        {"party": "", "birth_date": "19800105", "last_voted_date": "##/##/####"},
    ]
    records = []
    for number, changes in enumerate(variants, start=1):
        record = canonical_voter(number, SNAPSHOT)
        record.update(changes)
        records.append(record)
    path = write(landing / f"voters_NC_{SNAPSHOT}.csv", CANONICAL_VOTER_HEADER, records)
    (file,) = ingest(warehouse, [path]).files
    assert (file.rows_loaded, file.rows_quarantined) == (4, 0)
    loaded = rows(
        warehouse,
        """select party, gender, state, registration_status, zip_code, registered_date, updated_at, county,
                  birth_date, last_voted_date, quality_flags
           from raw.voters order by line_number""",
    )
    # voters_NC_…: every record is North Carolina's; a state column saying otherwise is flagged.
    assert loaded[0][:5] == ("Democrat", "F", "NC", "ACTIVE", "27517")
    assert loaded[0][10] == ["state_column_mismatch"]
    assert loaded[1][:5] == ("Other", "U", "NC", None, "2751")
    assert sorted(loaded[1][10]) == [
        "invalid_zip_code",
        "unknown_gender",
        "unknown_party",
        "unknown_registration_status",
    ]
    assert (loaded[2][0], loaded[2][5], str(loaded[2][6]), loaded[2][7]) == (
        "Independent",
        date(2001, 3, 7),
        "2026-11-19 08:05:09",
        "WAKE",
    )
    assert (loaded[3][0], loaded[3][8], loaded[3][9], loaded[3][10]) == (None, date(1980, 1, 5), None, ["masked_date"])


def test_history_spellings(warehouse, landing):
    voters = write(landing / f"voters_NC_{SNAPSHOT}.csv", CANONICAL_VOTER_HEADER, [canonical_voter(1, SNAPSHOT)])
    history = [
        history_row("NC0000001", "2020-11-03", "EARLY VOTING IN-PERSON"),
        dict(history_row("NC0000001", "2022-11-08", "carrier pigeon"), election_type="general"),
        dict(history_row("NC0000001", "2024-03-05"), election_type="referendum", party_ballot="REP"),
        # A blank type is typed as if the file had no type field: by the day (a federal general's), unflagged.
        dict(history_row("NC0000001", "2024-11-05"), election_type=""),
        dict(history_row("NC0000001", "2025-04-01"), election_type=""),
    ]
    path = write(landing / f"vote_history_NC_{SNAPSHOT}.csv", CANONICAL_HISTORY_HEADER, history)
    outcome = ingest(warehouse, [voters, path])
    assert outcome.files[1].rows_loaded == 5
    assert rows(
        warehouse,
        "select election_type, voting_method, party_ballot, quality_flags from raw.vote_history order by line_number",
    ) == [
        ("GENERAL", "EARLY", None, []),
        ("GENERAL", "OTHER", None, ["unknown_voting_method"]),
        ("OTHER", "IN_PERSON", "Republican", ["unknown_election_type"]),
        ("GENERAL", "IN_PERSON", None, []),
        ("OTHER", "IN_PERSON", None, []),
    ]


def test_the_untyped_election_rule_says_the_same_in_sql():
    """A history row nothing types is typed in SQL by the rule `read_election` applies in Python."""
    days = [date(2014, 1, 1) + timedelta(days=offset) for offset in range(0, 13 * 366)]
    connection = duckdb.connect()
    typed = connection.execute(
        f"select day, {untyped_election_type_sql('day', 2026)} from (select unnest($days)::date as day) order by day",
        {"days": days},
    ).fetchall()
    assert typed == [(day, untyped_election_type(day)) for day in days]
    assert {day for day, election_type in typed if election_type == "GENERAL"} == {
        date(2014, 11, 4),
        date(2016, 11, 8),
        date(2018, 11, 6),
        date(2020, 11, 3),
        date(2022, 11, 8),
        date(2024, 11, 5),
        date(2026, 11, 3),
    }
    assert connection.execute(f"select {untyped_election_type_sql('null::date', 2026)}").fetchall() == [(None,)]
