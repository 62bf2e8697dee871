"""One partition, one transaction: re-running is safe, the same bytes are not loaded twice, a killed
run leaves nothing half-written."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from voter_platform.lib.ingest import PartitionFailed
from voter_platform_tests.test_ingest.conftest import SNAPSHOT, rows
from voter_platform_tests.test_ingest.conftest import ingest as ingest_with_options
from voter_platform_tests.test_ingest.defect_files import canonical_history_with_defects, canonical_voters_with_defects

RAW_CONTENT = {
    "voters": "select * exclude (partition_date) from raw.voters order by source_id, line_number, voter_id",
    "vote_history": "select * from raw.vote_history order by source_id, line_number, voter_id",
    "quarantine": "select * from raw.quarantine order by file_name, line_number, reasons",
    "superseded_records": "select * from raw.superseded_records order by file_name, line_number",
    "possible_duplicates": "select * from raw.possible_duplicates order by all",
    "snapshots": "select * exclude (run_id, loaded_at) from raw.snapshots order by all",
}


def ingest(connection, files, partition_date=SNAPSHOT, **options):
    """The defect fixtures quarantine about 10% of their records on purpose: allow that here."""
    options.setdefault("quarantine_threshold_pct", 20.0)
    return ingest_with_options(connection, files, partition_date, **options)


def raw_content(connection) -> dict[str, list[tuple]]:
    return {table: connection.execute(sql).fetchall() for table, sql in RAW_CONTENT.items()}


@pytest.fixture
def pair(landing: Path) -> list[Path]:
    voters = canonical_voters_with_defects(SNAPSHOT)
    return [voters.write(landing), canonical_history_with_defects(voters, SNAPSHOT).write(landing)]


def test_the_same_files_again_are_unchanged_and_change_nothing(warehouse, pair):
    ingest(warehouse, pair)
    before = raw_content(warehouse)
    again = ingest(warehouse, pair)
    assert [file.status for file in again.files] == ["unchanged", "unchanged"]
    assert all(file.reconciles for file in again.files)  # counts reported from the run that loaded them
    assert raw_content(warehouse) == before
    assert rows(warehouse, "select status, count(*) from raw.ingest_log group by all order by all") == [
        ("loaded", 2),
        ("unchanged", 2),
    ]


def test_forced_reload_gives_the_same_rows(warehouse, pair):
    ingest(warehouse, pair)
    before = raw_content(warehouse)
    reloaded = ingest(warehouse, pair, force_reload=True)
    assert [file.status for file in reloaded.files] == ["loaded", "loaded"]
    assert raw_content(warehouse) == before


def test_same_content_on_a_later_date_is_a_duplicate_drop(warehouse, pair, landing):
    ingest(warehouse, pair)
    later = SNAPSHOT + timedelta(days=1)
    copy = landing / f"voters_NC_{later}.csv"
    copy.write_bytes(pair[0].read_bytes())
    outcome = ingest(warehouse, [copy], partition_date=later)
    (file,) = outcome.files
    assert file.status == "duplicate_drop"
    assert f"same content as the canonical:NC snapshot of {SNAPSHOT}" in file.message
    assert outcome.snapshots == []
    assert rows(warehouse, "select partition_date from raw.snapshots") == [(SNAPSHOT,)]


def test_a_corrected_file_replaces_the_partition_rows(warehouse, pair):
    ingest(warehouse, pair)
    text = pair[0].read_text(encoding="latin-1").replace("Lovelace", "Byron")
    pair[0].write_bytes(text.encode("latin-1"))
    outcome = ingest(warehouse, pair)
    assert [file.status for file in outcome.files] == ["loaded", "unchanged"]
    assert rows(warehouse, "select count(*) from raw.voters where last_name = 'Lovelace'") == [(0,)]
    assert rows(warehouse, "select count(*) from raw.voters where last_name = 'Byron'")[0][0] > 0
    assert rows(warehouse, "select count(*), count(distinct (line_number, voter_id)) from raw.voters")[0] == (
        outcome.files[0].rows_loaded,
        outcome.files[0].rows_loaded,
    )


def test_two_voter_files_for_one_source_and_date_fail_the_partition(warehouse, pair, landing):
    second = landing / f"voters_NC_{SNAPSHOT}_fixed.csv"
    second.write_bytes(pair[0].read_bytes())
    with pytest.raises(PartitionFailed, match="2 voter files for source canonical:NC on one date"):
        ingest(warehouse, [pair[0], second])


def test_history_without_its_voters_file_waits_for_it(warehouse, pair):
    alone = ingest(warehouse, [pair[1]])
    (file,) = alone.files
    assert file.status == "rejected" and "without a voters file" in file.message
    assert rows(warehouse, "select count(*) from raw.vote_history") == [(0,)]
    both = ingest(warehouse, pair)
    assert [file.status for file in both.files] == ["loaded", "loaded"]
    assert both.snapshots[0].history_file == pair[1].name


def test_history_arriving_after_its_voters_completes_the_snapshot(warehouse, pair):
    first = ingest(warehouse, [pair[0]])
    assert first.snapshots[0].history_file is None
    second = ingest(warehouse, pair)
    assert [file.status for file in second.files] == ["unchanged", "loaded"]
    assert second.snapshots[0].history_file == pair[1].name
    assert second.snapshots[0].history_rows_loaded == second.files[1].rows_loaded


def test_quarantine_rate_above_the_threshold_rejects_the_snapshot(warehouse, pair):
    outcome = ingest(warehouse, pair, quarantine_threshold_pct=1.0)
    (snapshot,) = outcome.snapshots
    assert not snapshot.accepted and "threshold 1%" in snapshot.message
    assert [file.status for file in outcome.files] == ["rejected", "rejected"]
    # The rows stay for inspection; dbt reads only accepted snapshots.
    assert rows(warehouse, "select accepted from raw.snapshots") == [(False,)]
    assert rows(warehouse, "select count(*) from raw.voters")[0][0] > 0
    accepted = ingest(warehouse, pair, quarantine_threshold_pct=20.0)
    assert accepted.snapshots[0].accepted


# --- the threshold over the parts of a delivery (lib/blocked.judged) ---------------------------------

_COUNTY_FILES = {"ALA": "ALA_20261120.txt", "BAK": "BAK_20261120.txt", "BAY": "BAY_20261120.txt"}


def _county_parts(landing: Path, **counts: tuple[int, int]) -> list[Path]:
    """Headerless county parts (synthetic layout test_headerless), county code -> (good, bad): `good`
    records, then `bad` lines cut short (quarantined as wrong_field_count). Ids and placeholder text only."""
    paths = []
    for county, (good, bad) in counts.items():
        base = {"ALA": 1, "BAK": 2, "BAY": 3}[county] * 100_000_000
        lines = [f"{county}\t{base + number:010d}\tNAME\t5\t05/01/1970\tDEM\n" for number in range(good)]
        lines += [f"{county}\t{base + good + number:010d}\tNAME\t5\n" for number in range(bad)]
        path = landing / _COUNTY_FILES[county]
        path.write_text("".join(lines), encoding="utf-8")
        paths.append(path)
    return paths


def test_one_bad_line_in_a_small_part_does_not_block_the_delivery(layouts, warehouse, landing):
    """7 records, 1 quarantined (14%) in one county part; the parts together 1 of 207 (0.48%): accepted."""
    files = _county_parts(landing, ALA=(150, 0), BAK=(6, 1), BAY=(50, 0))
    outcome = ingest_with_options(warehouse, files)
    (snapshot,) = outcome.snapshots
    assert snapshot.accepted, snapshot.message
    assert [file.status for file in outcome.files] == ["loaded"] * 3
    small = next(file for file in outcome.files if file.file_name == _COUNTY_FILES["BAK"])
    assert (small.rows_quarantined, small.records) == (1, 7) and small.reconciles
    assert snapshot.quarantine_rate_pct == pytest.approx(100 * 1 / 207, abs=1e-3)


def test_parts_together_over_the_threshold_block_the_delivery(layouts, warehouse, landing):
    """No part reaches 100 records, so none is judged on its own; together 7 of 103 (6.80%): refused,
    the message naming the parts judged as one file."""
    files = _county_parts(landing, ALA=(60, 4), BAK=(6, 1), BAY=(30, 2))
    outcome = ingest_with_options(warehouse, files)
    (snapshot,) = outcome.snapshots
    assert not snapshot.accepted
    assert snapshot.message == (
        "6.80% of the records of the 3 voters parts together (ALA_20261120.txt and 2 more) were quarantined "
        "(threshold 5%; 3 parts of one delivery are judged as one file)"
    )
    assert [file.status for file in outcome.files] == ["rejected"] * 3


def test_a_part_of_a_hundred_records_is_also_judged_on_its_own(layouts, warehouse, landing):
    """The parts together are at 0.48%, but one part of 100 records has 10 quarantined: refused for that part."""
    files = _county_parts(landing, ALA=(90, 10), BAK=(1000, 0), BAY=(1000, 0))
    outcome = ingest_with_options(warehouse, files)
    (snapshot,) = outcome.snapshots
    assert not snapshot.accepted
    assert snapshot.message.startswith("10.00% of the records of ALA_20261120.txt were quarantined (threshold 5%; ")
    assert snapshot.quarantine_rate_pct == pytest.approx(10.0)


def test_a_delivery_of_one_small_file_is_judged_on_its_own(layouts, warehouse, landing):
    """A single file is judged as before, whatever its size: 1 of 7 records quarantined is over 5%."""
    outcome = ingest_with_options(warehouse, _county_parts(landing, BAK=(6, 1)))
    (snapshot,) = outcome.snapshots
    assert not snapshot.accepted
    assert snapshot.message.startswith("14.29% of the records of BAK_20261120.txt were quarantined (threshold 5%; ")


def test_a_run_killed_during_the_write_leaves_the_previous_state(tmp_path, pair):
    database = tmp_path / "killed.duckdb"
    started = tmp_path / "writing"
    script = textwrap.dedent(
        f"""
        import time, duckdb
        from datetime import date
        from pathlib import Path
        from voter_platform.lib.ingest import IngestOptions, InputFile, ingest_partition

        def stall():
            Path({str(started)!r}).touch()
            time.sleep(120)

        with duckdb.connect({str(database)!r}) as connection:
            ingest_partition(connection, date.fromisoformat({SNAPSHOT.isoformat()!r}),
                             [InputFile(Path(p)) for p in {[str(path) for path in pair]!r}],
                             options=IngestOptions(quarantine_threshold_pct=20.0), before_commit=stall)
        """
    )
    process = subprocess.Popen([sys.executable, "-c", script], env={**os.environ})
    try:
        deadline = time.monotonic() + 60
        while not started.exists():
            assert process.poll() is None, "the ingest process ended before writing"
            assert time.monotonic() < deadline, "the ingest never reached the write"
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    with duckdb.connect(str(database)) as connection:
        # Every row of the killed run was inside its transaction: none survived.
        for table in ("voters", "vote_history", "quarantine", "snapshots", "ingest_log"):
            assert connection.execute(f"select count(*) from raw.{table}").fetchall() == [(0,)], table
        rerun = ingest(connection, pair)
        assert [file.status for file in rerun.files] == ["loaded", "loaded"]
        after_rerun = raw_content(connection)
    with duckdb.connect(str(tmp_path / "clean.duckdb")) as clean:
        ingest(clean, pair)
        assert after_rerun == raw_content(clean)


@pytest.mark.parametrize("inline_limit", [4096, 2])
def test_line_numbers_survive_a_parallel_read_of_a_large_file(warehouse, landing, monkeypatch, inline_limit):
    """Each record names its own line; refused lines are scattered through the file."""
    import random

    from voter_platform.lib.ingest import lines as lines_module
    from voter_platform.lib.ingest.formats import CANONICAL_VOTER_HEADER
    from voter_platform_tests.test_ingest.defect_files import canonical_voter

    monkeypatch.setattr(lines_module, "INLINE_RENUMBER_LIMIT", inline_limit)  # 2: renumber after the insert
    generator = random.Random(11)
    total = 150_000
    refused = set(generator.sample(range(2, total + 1), 40))
    out = [",".join(CANONICAL_VOTER_HEADER)]
    for line in range(2, total + 1):
        record = dict(
            canonical_voter(line, SNAPSHOT), voter_id=f"L{line}", state="North Carolina" if line in refused else "NC"
        )
        out.append(",".join(record[column] for column in CANONICAL_VOTER_HEADER))
    path = landing / f"voters_NC_{SNAPSHOT}.csv"
    path.write_text("\n".join(out) + "\n")
    (file,) = ingest(warehouse, [path]).files
    assert (file.rows_loaded, file.reconciles) == (total - 1, True)
    mismatched = rows(warehouse, "select count(*) from raw.voters where line_number <> substr(voter_id, 2)::bigint")
    assert mismatched == [(0,)]


def test_a_placeholder_email_shared_by_many_is_not_a_person(warehouse, landing):
    from voter_platform.lib.ingest.formats import CANONICAL_VOTER_HEADER
    from voter_platform_tests.test_ingest.defect_files import canonical_voter

    records = [dict(canonical_voter(number, SNAPSHOT), email="none@none.com") for number in range(1, 200)]
    records += [
        dict(canonical_voter(number, SNAPSHOT), email="twins@example.org", first_name="Ada", last_name="Twin")
        for number in (500, 501)
    ]
    path = landing / f"voters_NC_{SNAPSHOT}.csv"
    path.write_text(
        "\n".join(
            [",".join(CANONICAL_VOTER_HEADER)] + [",".join(r[c] for c in CANONICAL_VOTER_HEADER) for r in records]
        )
        + "\n"
    )
    ingest(warehouse, [path])
    assert rows(warehouse, "select voter_id, other_voter_id, match_rule from raw.possible_duplicates") == [
        ("NC0000500", "NC0000501", "same_name_and_email")
    ]
