"""Ingest benchmark: the platform's ingest beside the alternatives, on the same files.

    bench_ingest([voters.csv, vote_history.csv]) -> dict   (and prints a table)

Each measurement runs in its own fresh process (so peak memory is its own) against a fresh
DuckDB file:

* platform ingest: `ingest_partition` of all the files (pre-pass, parse, type, validate, dedup,
  quarantine, write, in one transaction), wall and CPU seconds and peak RSS;
* bare DuckDB: `CREATE TABLE .. AS SELECT * FROM read_csv(file)` for each file (the floor: no
  checks at all);
* the take-home loader: pandas reading 1,000-row chunks and inserting each into DuckDB, timed on a
  slice of the first voters file and extrapolated linearly (labelled "extrapolated");
* validation alone: the pandera rules (polars backend, record batches) over the staged voter
  records, beside the same rules written as one SQL query; both must find the same failures.

Targets (issue 4): platform <= 2x the bare read, peak memory <= 3 GB.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from voter_platform.bench.process import peak_rss_mb
from voter_platform.lib.sql import sql_string

TARGET_RATIO = 2.0
TARGET_PEAK_MB = 3 * 1024
PANDAS_BATCH_ROWS = 1_000


def bench_ingest(
    files: Sequence[Path | str],
    *,
    partition_date: date | None = None,
    work_dir: Path | None = None,
    pandas_slice_lines: int = 20_000,
    echo: bool = True,
    isolate: bool = True,
) -> dict:
    """Measure the ingest of `files` (one partition) against the alternatives; return the numbers.

    `isolate=False` runs every measurement in this process (quicker to start, but peak memory is then
    the process's, not each contender's): for smoke tests only.
    """
    measure = _in_fresh_process if isolate else _measured
    paths = [Path(file).resolve() for file in files]
    snapshot = partition_date or _as_of(paths)
    with tempfile.TemporaryDirectory(prefix="bench-ingest-", dir=work_dir) as folder:
        work = Path(folder)
        platform = measure(_platform_ingest, paths, snapshot, work / "platform")
        bare = measure(_bare_read, paths, work / "bare.duckdb")
        voters_file = _voters_file(paths)
        pandas_loader = measure(_pandas_batches, paths, voters_file, pandas_slice_lines, work / "pandas.duckdb")
        validation = measure(_validation_alone, voters_file, snapshot, work / "validation.duckdb")
    results = {
        "files": [path.name for path in paths],
        "bytes": sum(path.stat().st_size for path in paths),
        "partition_date": snapshot.isoformat(),
        "platform": platform,
        "bare_duckdb_read_csv": bare,
        "pandas_1000_row_batches": pandas_loader,
        "validation": validation,
        "ratio_to_bare": round(platform["seconds"] / bare["seconds"], 2),
        # On a shared machine wall time depends on the neighbours; CPU seconds less so.
        "cpu_ratio_to_bare": round(platform["cpu_seconds"] / bare["cpu_seconds"], 2),
        "target_ratio": TARGET_RATIO,
        "target_peak_mb": TARGET_PEAK_MB,
    }
    results["meets_time_target"] = results["ratio_to_bare"] <= TARGET_RATIO
    results["meets_memory_target"] = platform["peak_rss_mb"] <= TARGET_PEAK_MB
    if echo:
        print(format_results(results))
    return results


def format_results(results: dict) -> str:
    platform, bare = results["platform"], results["bare_duckdb_read_csv"]
    pandas_loader, validation = results["pandas_1000_row_batches"], results["validation"]
    lines = [
        f"ingest benchmark: {', '.join(results['files'])} ({results['bytes'] / 1e6:,.0f} MB, "
        f"{platform['lines']:,} lines, partition {results['partition_date']})",
        f"  {'':34s} {'wall s':>9s} {'cpu s':>9s} {'peak MB':>9s}",
        _row("platform ingest", platform),
        _row("bare DuckDB read_csv -> table", bare),
        f"  {'pandas 1,000-row batches':34s} {pandas_loader['extrapolated_seconds']:9.1f} {'':>9s} {'':>9s}"
        f"  extrapolated from {pandas_loader['slice_lines']:,} lines ({pandas_loader['slice_seconds']:.2f} s)",
        f"  platform / bare = {results['ratio_to_bare']:.2f}x wall, {results['cpu_ratio_to_bare']:.2f}x cpu "
        f"(target <= {results['target_ratio']:g}x: "
        f"{'met' if results['meets_time_target'] else 'NOT met'}); peak {platform['peak_rss_mb']:,.0f} MB "
        f"(target <= {results['target_peak_mb']:,} MB: {'met' if results['meets_memory_target'] else 'NOT met'})",
        f"  validation of {validation['records']:,} voter records: "
        f"pandera-polars {validation['pandera_seconds']:.2f} s, "
        f"same rules as one SQL query {validation['sql_seconds']:.2f} s "
        f"({validation['failures']:,} failures each)",
    ]
    return "\n".join(lines)


def _row(label: str, measure: dict) -> str:
    return f"  {label:34s} {measure['seconds']:9.1f} {measure['cpu_seconds']:9.1f} {measure['peak_rss_mb']:9,.0f}"


def _as_of(paths: list[Path]) -> date:
    from voter_platform.lib.landing import describe

    return date.fromisoformat(describe(paths[0]).partition_key)


# --- isolated measurements ------------------------------------------------------------------------


def _in_fresh_process(function, *args) -> dict:
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        return pool.apply(_measured, (function, *args))


def _measured(function, *args) -> dict:
    started, cpu_started = time.perf_counter(), time.process_time()
    result = function(*args) or {}
    return {
        "seconds": round(time.perf_counter() - started, 3),
        "cpu_seconds": round(time.process_time() - cpu_started, 3),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        **result,
    }


def _platform_ingest(paths: list[Path], snapshot: date, data_dir: Path, state_hint: str | None = None) -> dict:
    """The ingest into the warehouse of the data directory `data_dir`, opened as the platform opens it (encrypted,
    unless VOTER_PLATFORM_WAREHOUSE_ENCRYPTION=off: `voter-platform bench --no-encryption`).

    `state_hint`: the state a landing subfolder would name (landing/FL/...), for headerless layouts."""
    from voter_platform.lib.ingest import InputFile, ingest_partition
    from voter_platform.lib.warehouse_file import open_warehouse
    from voter_platform.settings import DataPaths

    with open_warehouse(DataPaths(data_dir)) as connection:
        outcome = ingest_partition(
            connection, snapshot, [InputFile(path, state_hint=state_hint) for path in paths], run_id="bench"
        )
        connection.execute("checkpoint").fetchall()
    return {
        "lines": sum(file.lines_read for file in outcome.files),
        "rows_loaded": sum(file.rows_loaded for file in outcome.files),
        # Vote-history rows read from the voters files' own columns (history columns, slots, strings).
        "history_rows_derived": sum(file.history_rows_derived or 0 for file in outcome.files),
        "rows_quarantined": sum(file.rows_quarantined for file in outcome.files),
        "reconciles": all(file.reconciles for file in outcome.files),
    }


def _bare_read(paths: list[Path], database: Path) -> dict:
    import duckdb

    with duckdb.connect(str(database)) as connection:
        rows = 0
        for index, path in enumerate(paths):
            connection.execute(
                f"create table file_{index} as select * from read_csv({sql_string(str(path))})"
            ).fetchall()
            rows += connection.execute(f"select count(*) from file_{index}").fetchall()[0][0]
        connection.execute("checkpoint").fetchall()
    return {"rows": rows}


def _voters_file(paths: list[Path]) -> Path:
    """The first file whose header is a voter format (the validation and pandas slice use voter rows)."""
    from voter_platform.lib.ingest.formats import VOTER, detect_layout
    from voter_platform.lib.ingest.prepass import read_header_line

    for path in paths:
        if detect_layout(read_header_line(path), path.name).spec.record_kind == VOTER:
            return path
    raise ValueError(f"no voters file among {[path.name for path in paths]}")


def _pandas_batches(paths: list[Path], voters_file: Path, slice_lines: int, database: Path) -> dict:
    """The original take-home shape: pandas chunks of 1,000 rows, each inserted into the database.

    Timed on the first `slice_lines` lines of the voters file and extrapolated to every line of the
    benchmark's files (the loader is linear: one insert per 1,000 rows).
    """
    import duckdb
    import pandas as pd

    total_lines = sum(_count_lines(path) for path in paths)
    with duckdb.connect(str(database)) as connection:
        started = time.perf_counter()
        loaded = 0
        for chunk in pd.read_csv(voters_file, chunksize=PANDAS_BATCH_ROWS, dtype=str, nrows=slice_lines):
            if loaded == 0:
                connection.execute("create table voters as select * from chunk limit 0").fetchall()
            connection.execute("insert into voters select * from chunk").fetchall()
            loaded += len(chunk)
        elapsed = time.perf_counter() - started
    return {
        "slice_lines": loaded,
        "slice_seconds": round(elapsed, 3),
        "extrapolated_seconds": round(elapsed / max(loaded, 1) * total_lines, 1),
    }


def _count_lines(path: Path) -> int:
    from voter_platform.lib.ingest.prepass import count_lines

    return count_lines(path)


def _validation_alone(path: Path, snapshot: date, database: Path) -> dict:
    """Pandera (as the platform runs it) vs the same rules as one DuckDB query, on loaded voter rows."""
    import duckdb

    from voter_platform.lib.ingest import IngestOptions, InputFile, ingest_partition
    from voter_platform.lib.ingest.records import earliest_birth_date_sql
    from voter_platform.lib.ingest.schemas import validate_records

    with duckdb.connect(str(database)) as connection:
        ingest_partition(connection, snapshot, [InputFile(path)], options=IngestOptions(quarantine_threshold_pct=100))
        relation = (
            f"select *, 0::tinyint as part, {earliest_birth_date_sql(snapshot)} as earliest_birth_date from raw.voters"
        )
        records = connection.execute("select count(*) from raw.voters").fetchall()[0][0]
        started = time.perf_counter()
        validation = validate_records(connection, [relation], "voter", snapshot)
        pandera_seconds = time.perf_counter() - started
        started = time.perf_counter()
        sql_failures = connection.execute(rules_as_sql(relation, snapshot)).fetchall()
        sql_seconds = time.perf_counter() - started
    pandera_failures = validation.failures.height
    if len(sql_failures) != pandera_failures:
        raise RuntimeError(f"the SQL rules found {len(sql_failures)} failures, pandera {pandera_failures}")
    return {
        "records": records,
        "pandera_seconds": round(pandera_seconds, 3),
        "sql_seconds": round(sql_seconds, 3),
        "failures": pandera_failures,
    }


def rules_as_sql(relation: str, snapshot: date) -> str:
    """The voter rules of schemas.py as one SQL query over `relation` (for this comparison only: the
    platform's rules live in the pandera models). Returns (line_number, part, rule) per failure."""
    from voter_platform.lib import vocabularies as vocab
    from voter_platform.lib.ingest.schemas import EMAIL_PATTERN, ZIP_PATTERN
    from voter_platform.lib.sql import sql_tuple

    snap = f"date '{snapshot.isoformat()}'"
    rules = {
        "missing_voter_id": "voter_id is null or voter_id = ''",
        "missing_state": "state is null or state = ''",
        "unknown_state": f"state <> '' and state not in {sql_tuple(vocab.STATE_CODES)}",
        "age_out_of_range": f"age not between 16 and 120 or {snapshot.year} - birth_year not between 15 and 121",
        "birth_date_after_snapshot": f"birth_date > {snap}",
        "placeholder_birth_date": "birth_date in (date '1800-01-01', date '1900-01-01')",
        "placeholder_registered_date": "registered_date in (date '1800-01-01', date '1900-01-01')",
        "placeholder_last_voted_date": "last_voted_date in (date '1800-01-01', date '1900-01-01')",
        "registered_date_after_snapshot": f"registered_date > {snap}",
        "registered_date_before_1900": "registered_date < date '1900-01-01'",
        "registration_before_age_16": (
            "registered_date < earliest_birth_date + interval 16 year and registered_date >= date '1900-01-01'"
            " and registered_date not in (date '1800-01-01', date '1900-01-01')"
        ),
        "last_voted_date_after_snapshot": f"last_voted_date > {snap}",
        "last_voted_date_before_1900": "last_voted_date < date '1900-01-01'",
        "updated_at_after_snapshot": f"updated_at::date > {snap}",
        "invalid_email": f"not regexp_matches(email, '{EMAIL_PATTERN}')",
        "unknown_party": f"party not in {sql_tuple(vocab.PARTIES)}",
        "unknown_primary_ballot_party": f"primary_ballot_party not in {sql_tuple(vocab.PARTIES)}",
        "unknown_gender": f"gender not in {sql_tuple(vocab.GENDERS)}",
        "unknown_race": f"race not in {sql_tuple(vocab.RACES)}",
        "unknown_ethnicity": f"ethnicity not in {sql_tuple(vocab.ETHNICITIES)}",
        "unknown_registration_status": f"registration_status not in {sql_tuple(vocab.REGISTRATION_STATUSES)}",
        "last_voted_before_registration": "last_voted_date < registered_date",
        "invalid_zip_code": f"not regexp_matches(zip_code, '{ZIP_PATTERN}')",
    }
    checks = ", ".join(f"case when coalesce({condition}, false) then '{rule}' end" for rule, condition in rules.items())
    return f"""
        select line_number, part, rule from (
            select line_number, part, unnest(list_filter([{checks}], lambda x: x is not null)) as rule
            from ({relation})
        )
    """


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path, help="voter file first, then its vote history")
    parser.add_argument("--partition", type=date.fromisoformat, help="snapshot date (default: from the file name)")
    parser.add_argument("--pandas-slice-lines", type=int, default=20_000)
    args = parser.parse_args(argv)
    bench_ingest(args.files, partition_date=args.partition, pandas_slice_lines=args.pandas_slice_lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
