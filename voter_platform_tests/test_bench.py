"""`voter-platform bench` at a tiny size: every step runs through the real code paths and reports.

Timings are not asserted (that is what the benchmark itself is for); what is asserted is that the
command completes, measures every step beside its baseline, writes its JSON and Markdown, and
prints no voter data.
"""

import csv
import itertools
import json
import os
import subprocess
import sys

import pytest

STEPS_AND_FIELDS = {
    "generate": ["voters_per_second", "seconds", "peak_rss_mb"],
    "ingest": [
        "seconds",
        "peak_rss_mb",
        "baseline_bare_read_csv_seconds",
        "baseline_pandas_1000_row_batches_seconds_extrapolated",
        "ratio_to_bare",
        "pandas_ratio_to_platform",
    ],
    "validation": ["pandera_seconds", "baseline_one_sql_query_seconds", "records"],
    "marts": ["seconds", "peak_rss_mb", "baseline_direct_sql_seconds", "baseline_peak_rss_mb", "ratio_to_direct_sql"],
    "publish": ["seconds", "bytes", "rows"],
    "end_to_end": [
        "seconds",
        "peak_rss_mb",
        "baseline_sum_of_bare_steps_seconds",
        "ratio_to_sum_of_bare_steps",
        "ratio_to_bare_read",
    ],
    "dashboard": ["first_load_seconds", "callback_p50_ms", "callback_p95_ms", "callbacks_timed", "published_bytes"],
}


def run_bench(data_dir, *arguments: str, timeout: int) -> subprocess.CompletedProcess:
    """`voter-platform bench ARGUMENTS` in a fresh process, on its own data directory and Dagster home."""
    env = {**os.environ, "VOTER_PLATFORM_DATA": str(data_dir)}
    env.pop("DAGSTER_HOME", None)
    return subprocess.run(
        [sys.executable, "-m", "voter_platform.cli", "bench", *arguments],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )


@pytest.fixture(scope="module")
def bench_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("bench")
    completed = run_bench(
        root / "data",
        "--voters",
        "1500",
        "--repeats",
        "1",
        "--interactions",
        "4",
        "--out",
        str(root / "bench"),
        timeout=900,
    )
    return completed, root / "bench"


def test_bench_measures_every_step_beside_its_baseline(bench_run):
    completed, out = bench_run
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    results = json.loads((out / "bench.json").read_text())
    assert results["input"]["voters"] == 1500
    for step, fields in STEPS_AND_FIELDS.items():
        for field in fields:
            value = results["steps"][step][field]
            assert isinstance(value, (int, float)) and value >= 0, f"{step}.{field} = {value!r}"
    assert results["steps"]["marts"]["seconds"] > 0 and results["steps"]["ingest"]["seconds"] > 0
    assert results["steps"]["validation"]["records"] == results["input"]["voters"]  # the voters file, not history
    assert set(results["targets_met"]) == {
        "ingest <= 2x bare read",
        "ingest >= 20x faster than pandas batches",
        "end to end <= 3x bare read",
        "end to end peak <= 4 GB",
        "dashboard p95 <= 300 ms",
    }
    assert results["machine"]["cores"] >= 1 and "dagster" in results["machine"]["versions"]


def test_bench_prints_and_writes_the_table(bench_run):
    completed, out = bench_run
    assert completed.returncode == 0
    for heading in ("marts for one partition", "end to end through Dagster", "dashboard callbacks", "targets:"):
        assert heading in completed.stdout
    markdown = (out / "bench.md").read_text()
    assert markdown.startswith("### 1,500 voters (NC")
    assert "| marts for one partition |" in markdown


def test_bench_output_carries_no_voter_data(bench_run):
    completed, out = bench_run
    inputs = next((out / "inputs").iterdir())
    with next(inputs.glob("voters_*.csv")).open(encoding="utf-8", newline="") as voters_file:
        voters = list(itertools.islice(csv.DictReader(voters_file), 200))
    written = completed.stdout + completed.stderr + (out / "bench.json").read_text() + (out / "bench.md").read_text()
    for voter in voters:
        assert f"{voter['first_name']} {voter['last_name']}" not in written
        assert voter["voter_id"] not in written
        if voter["street_address"]:
            assert voter["street_address"] not in written


def test_bench_formats_prints_each_pattern_beside_the_canonical_layout(tmp_path):
    """`bench --formats`: each chosen layout generated, ingested (every line accounted for) and set beside canonical."""
    completed = run_bench(
        tmp_path / "data",
        "--voters",
        "800",
        "--repeats",
        "1",
        "--formats",
        "oh_swvf,fl_voter_extract",
        "--out",
        str(tmp_path / "bench"),
        timeout=600,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    results = json.loads((tmp_path / "bench" / "layouts" / "layouts.json").read_text())
    rows = {row["layout"]: row for row in results["layouts"]}
    assert list(rows) == ["canonical", "oh_swvf", "fl_voter_extract"]
    assert rows["canonical"]["ratio_to_canonical"] == rows["canonical"]["ratio_per_record_to_canonical"] == 1.0
    for row in rows.values():
        assert row["reconciles"] and row["rows_quarantined"] == 0 and row["seconds"] > 0
    # Ohio's four county-range parts; Florida's per-county parts (a county without voters at this size has none).
    assert rows["oh_swvf"]["files"] == 4 and rows["fl_voter_extract"]["files"] > 50
    table = completed.stdout.split("vs canonical", 1)[1]
    assert all(layout in table for layout in rows)
    assert "| oh_swvf | OH |" in (tmp_path / "bench" / "layouts" / "layouts.md").read_text()


def test_bench_formats_refuses_an_unknown_layout(tmp_path):
    completed = run_bench(
        tmp_path / "data", "--voters", "10", "--formats", "zz_nothing", "--out", str(tmp_path), timeout=120
    )
    assert completed.returncode == 2
    assert "'zz_nothing' is not a layout id" in completed.stderr and "Traceback" not in completed.stderr
