"""The ingest benchmark runs end to end on small files (its numbers are printed, never asserted)."""

from __future__ import annotations

from voter_platform.bench.ingest import bench_ingest
from voter_platform.lib.ingest.formats import CANONICAL_HISTORY_HEADER, CANONICAL_VOTER_HEADER
from voter_platform_tests.test_ingest.conftest import SNAPSHOT
from voter_platform_tests.test_ingest.defect_files import canonical_voter, history_row


def test_bench_ingest_measures_every_contender(landing, tmp_path):
    voters = [canonical_voter(number, SNAPSHOT) for number in range(1, 300)]
    voters[5]["email"] = "not an email"  # a flag both rule engines must find
    voters_file = landing / f"voters_NC_{SNAPSHOT}.csv"
    voters_file.write_text(
        "\n".join([",".join(CANONICAL_VOTER_HEADER)] + [",".join(v[c] for c in CANONICAL_VOTER_HEADER) for v in voters])
        + "\n"
    )
    history = [history_row(v["voter_id"], "2024-11-05") for v in voters]
    history_file = landing / f"vote_history_NC_{SNAPSHOT}.csv"
    history_file.write_text(
        "\n".join(
            [",".join(CANONICAL_HISTORY_HEADER)] + [",".join(h[c] for c in CANONICAL_HISTORY_HEADER) for h in history]
        )
        + "\n"
    )

    results = bench_ingest(
        [voters_file, history_file], work_dir=tmp_path, pandas_slice_lines=50, echo=False, isolate=False
    )
    assert results["platform"]["reconciles"]
    assert results["platform"]["lines"] == 600
    assert results["bare_duckdb_read_csv"]["rows"] == 598
    assert results["pandas_1000_row_batches"]["slice_lines"] == 50
    # Pandera and the same rules in SQL agree on the loaded records (the benchmark raises otherwise).
    assert results["validation"]["failures"] == 1
    assert set(results) >= {"ratio_to_bare", "cpu_ratio_to_bare", "meets_time_target", "meets_memory_target"}
