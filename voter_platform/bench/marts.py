"""Benchmark: build every mart for one analysis date, through Dagster and as plain SQL.

    python -m voter_platform.bench.marts --voters 1000000 [--data-dir /tmp/marts-bench]

Steps (only 3 and 4 are timed):

1. A synthetic roll of N voters with full per-election history (federal generals and primaries
   2008-2024, participation drawn per voter) is written straight into `raw.*` by DuckDB SQL, with
   the real election reference loaded by its Dagster job.
2. One untimed Dagster run creates every table (and warms the OS file cache); `dbt compile` writes
   the SQL of the same run to a separate target directory.
3. Dagster: `marts_job` for the partition, in a fresh process (definitions, dbt build with all
   data and unit tests, metadata queries), with an in-memory Dagster instance; once more at the
   end with the platform's SQLite instance, whose event writes are reported separately.
4. Direct: the compiled SQL of every model in DAG order, in one DuckDB connection in a fresh
   process (views and tables re-created, marts' dates deleted and inserted), then every data test.

Each timed phase runs in its own process so its peak resident memory is its own (for the Dagster
phase, the dbt subprocess that holds DuckDB is reported separately); phases 3 and 4 alternate
`--repeats` times and the best of each counts (the machine is shared). The Dagster time runs from
the start of its process: importing the code location, the run, dbt's start-up and parse, every
data and unit test, the metadata queries. Target: Dagster <= 1.5x the direct SQL of the models.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from datetime import date, timedelta
from graphlib import TopologicalSorter
from pathlib import Path
from typing import Any

ANALYSIS_DATE = "2026-11-04"
SNAPSHOT_DATE = "2026-10-01"
SOURCE_ID = "canonical:BENCH"
STATES = ("CA", "TX", "FL", "NY", "PA", "NC", "GA", "OH", "MI", "AZ")
_QUIET = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}


def bench_marts(
    voters: int = 1_000_000, data_dir: str | Path = "/tmp/voter-platform-bench-marts", repeats: int = 2
) -> dict[str, Any]:
    """Build the fixture, time both ways of building the marts, print and return the numbers.

    Each way runs `repeats` times, alternating, and the best time counts: the machine is shared,
    and the minimum is the least disturbed measurement of the same work.
    """
    os.environ["VOTER_PLATFORM_DATA"] = str(Path(data_dir).resolve())
    from voter_platform.settings import configure_environment

    paths = configure_environment()  # also puts the voter-key salt in the environment
    env = dict(os.environ)
    started = time.perf_counter()
    fixture = _phase("fixture", voters, env)
    print(f"fixture: {fixture['voters']:,} voters, {fixture['history_rows']:,} history rows "
          f"in {time.perf_counter() - started:.1f} s", flush=True)
    warm_up = _phase("dagster", voters, env, ANALYSIS_DATE)
    if not warm_up["success"]:
        raise RuntimeError("the warm-up Dagster run failed; see its output above")
    _compile(paths.root, env, ANALYSIS_DATE)
    directs, dagsters = [], []
    for _ in range(repeats):
        directs.append(_phase("direct", voters, env, ANALYSIS_DATE))
        dagsters.append(_phase("dagster", voters, env, ANALYSIS_DATE))
        print(f"direct {directs[-1]['models_seconds']} s (+ tests {directs[-1]['tests_seconds']} s), "
              f"dagster {dagsters[-1]['seconds']} s", flush=True)
    direct = min(directs, key=lambda phase: phase["models_seconds"])
    dagster = min(dagsters, key=lambda phase: phase["seconds"])
    # Once more with the platform's own instance: its SQLite event log is written for every
    # materialization and check result (about three writes per dbt test).
    with_sqlite = _phase("dagster", voters, env, ANALYSIS_DATE, "--instance", "platform")
    print(f"dagster with the SQLite instance {with_sqlite['seconds']} s", flush=True)

    results = {
        "voters": fixture["voters"],
        "history_rows": fixture["history_rows"],
        "analysis_date": ANALYSIS_DATE,
        "dagster_seconds": dagster["seconds"],
        "dagster_seconds_all": [phase["seconds"] for phase in dagsters],
        "dagster_dbt_step_seconds": dagster["dbt_step_seconds"],
        "dagster_sqlite_instance_seconds": with_sqlite["seconds"],
        "direct_models_seconds_all": [phase["models_seconds"] for phase in directs],
        "dagster_success": dagster["success"],
        "dagster_dbt_checks": dagster["checks"],
        "direct_models_seconds": direct["models_seconds"],
        "direct_tests_seconds": direct["tests_seconds"],
        "direct_data_tests": direct["tests"],
        "ratio_to_direct_models": round(dagster["seconds"] / direct["models_seconds"], 2),
        "dagster_cpu_seconds": min(phase["cpu_seconds"] for phase in dagsters),
        "direct_models_cpu_seconds": min(phase["models_cpu_seconds"] for phase in directs),
        "cpu_ratio_to_direct_models": round(
            min(phase["cpu_seconds"] for phase in dagsters) / min(phase["models_cpu_seconds"] for phase in directs), 2
        ),
        "ratio_to_direct_models_and_tests": round(
            dagster["seconds"] / (direct["models_seconds"] + direct["tests_seconds"]), 2
        ),
        "peak_rss_mb_dagster_process": dagster["peak_rss_mb"],
        "peak_rss_mb_dbt_process": dagster["peak_rss_mb_children"],
        "peak_rss_mb_direct": direct["peak_rss_mb"],
        "warehouse_mb": round(paths.warehouse.stat().st_size / 2**20),
    }
    print(json.dumps(results, indent=2))
    return results


def compare_marts(analysis_date: str) -> dict[str, Any]:
    """Both ways of building the marts of `analysis_date` over the warehouse already in
    VOTER_PLATFORM_DATA (the pipeline bench's work directory), once each, each in a fresh process.

    The SQL is compiled for that date once per data directory; the caller repeats and takes the median.
    """
    from voter_platform.settings import configure_environment

    paths = configure_environment()
    env = dict(os.environ)
    if not (_compile_target(paths.root) / f"manifest-{analysis_date}.json").exists():
        _compile(paths.root, env, analysis_date)
    direct = _phase("direct", 0, env, analysis_date)
    dagster = _phase("dagster", 0, env, analysis_date)
    if not dagster["success"]:
        raise RuntimeError(f"marts_job for {analysis_date} failed; see its output above")
    return {
        "dagster_seconds": dagster["seconds"],
        "dagster_dbt_step_seconds": dagster["dbt_step_seconds"],
        "dagster_dbt_checks": dagster["checks"],
        "direct_models_seconds": direct["models_seconds"],
        "direct_tests_seconds": direct["tests_seconds"],
        "peak_rss_mb_dagster_process": dagster["peak_rss_mb"],
        "peak_rss_mb_dbt_process": dagster["peak_rss_mb_children"],
        "peak_rss_mb_direct": direct["peak_rss_mb"],
    }


def _phase(name: str, voters: int, env: dict[str, str], analysis_date: str, *options: str) -> dict[str, Any]:
    """Run one phase in a fresh Python process; it prints its result as the last line of JSON."""
    completed = subprocess.run(
        [sys.executable, "-m", "voter_platform.bench.marts", "--phase", name, "--voters", str(voters),
         "--date", analysis_date, *options],
        env=env, check=True, stdout=subprocess.PIPE, text=True,
    )
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _compile(data_root: Path, env: dict[str, str], analysis_date: str) -> None:
    """`dbt compile` for the date into a target directory of its own; its manifest is kept per date."""
    from voter_platform.settings import DBT_PROJECT_DIR

    target = _compile_target(data_root)
    subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), "compile", "--quiet", "--target-path", str(target)],
        cwd=DBT_PROJECT_DIR, env={**env, **_window_env(analysis_date)}, check=True,
    )
    (target / "manifest.json").replace(target / f"manifest-{analysis_date}.json")


def _compile_target(data_root: Path) -> Path:
    return data_root / "bench-compiled"


def _window_env(analysis_date: str) -> dict[str, str]:
    from voter_platform.lib.dbt_vars import dbt_env_for_window

    day = date.fromisoformat(analysis_date)
    return dbt_env_for_window(day, day + timedelta(days=1))


def _peak_rss_mb(who: int) -> int:
    return round(resource.getrusage(who).ru_maxrss / 1024)  # kilobytes on Linux


def _cpu_seconds() -> float:
    """CPU time (user + system) of this process and its finished children (dbt). Unlike wall
    time it hardly depends on what else the shared machine is doing."""
    usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    return round(sum(u.ru_utime + u.ru_stime for u in usage), 2)


# ---------------------------------------------------------------------------------------------
# Phases (each in its own process)


def _fixture_phase(voters: int) -> dict[str, Any]:
    import dagster as dg
    import duckdb

    from voter_platform.definitions import defs
    from voter_platform.defs.automation.schedules import all_cycles_tags
    from voter_platform.lib.warehouse import ensure_raw_tables
    from voter_platform.settings import data_paths

    elections = defs.resolve_job_def("election_reference_job").execute_in_process(
        tags=all_cycles_tags(), run_config=_QUIET, instance=dg.DagsterInstance.ephemeral()
    )
    assert elections.success
    with duckdb.connect(str(data_paths().warehouse)) as connection:
        ensure_raw_tables(connection)
        write_synthetic_roll(connection, voters)
        history_rows = connection.execute("select count(*) from raw.vote_history").fetchone()[0]
    return {"voters": voters, "history_rows": history_rows}


def _dagster_phase(instance_kind: str, analysis_date: str) -> dict[str, Any]:
    """marts_job for the partition: in an in-memory instance (the orchestration alone), or in the
    platform's instance under DAGSTER_HOME (SQLite event log), as a run launched from the UI."""
    import dagster as dg

    started = time.perf_counter()
    from voter_platform.definitions import defs

    instance = dg.DagsterInstance.get() if instance_kind == "platform" else dg.DagsterInstance.ephemeral()
    with instance:
        result = defs.resolve_job_def("marts_job").execute_in_process(
            partition_key=analysis_date, run_config=_QUIET, raise_on_error=False, instance=instance
        )
    seconds = time.perf_counter() - started
    step_seconds = [
        event.event_specific_data.duration_ms / 1000
        for event in result.all_events
        if event.event_type_value == "STEP_SUCCESS" and event.step_key == "dbt_models"
    ]
    return {
        "seconds": round(seconds, 2),
        "cpu_seconds": _cpu_seconds(),
        "dbt_step_seconds": round(step_seconds[0], 2) if step_seconds else None,
        "success": result.success,
        "checks": len(result.get_asset_check_evaluations()),
        "peak_rss_mb": _peak_rss_mb(resource.RUSAGE_SELF),
        "peak_rss_mb_children": _peak_rss_mb(resource.RUSAGE_CHILDREN),
    }


def _direct_phase(analysis_date: str) -> dict[str, Any]:
    """The compiled SQL of the same run, in DAG order, in one DuckDB connection."""
    import duckdb

    from voter_platform.settings import data_paths

    paths = data_paths()
    manifest = json.loads((_compile_target(paths.root) / f"manifest-{analysis_date}.json").read_text())
    nodes = manifest["nodes"]
    models = [uid for uid in _dag_order(nodes) if nodes[uid]["resource_type"] == "model"]
    tests = [uid for uid, node in nodes.items() if node["resource_type"] == "test"]
    first = last = analysis_date

    connection = duckdb.connect(str(paths.warehouse))
    try:
        started, cpu_started = time.perf_counter(), _cpu_seconds()
        for uid in models:
            node = nodes[uid]
            relation = f'"{node["schema"]}"."{node["alias"]}"'
            sql = node["compiled_code"]
            materialized = node["config"]["materialized"]
            if materialized == "view":
                connection.execute(f"create or replace view {relation} as {sql}")
            elif materialized == "table":
                connection.execute(f"create or replace table {relation} as {sql}")
            else:  # incremental: the marts' own strategy, delete the run's dates then insert
                connection.execute("begin")
                connection.execute(f"delete from {relation} where analysis_date between '{first}' and '{last}'")
                connection.execute(f"insert into {relation} by name {sql}")
                connection.execute("commit")
        # dbt's process writes its changes to the database file when it ends; so does this one.
        connection.execute("checkpoint")
        models_seconds = time.perf_counter() - started
        models_cpu_seconds = _cpu_seconds() - cpu_started

        started = time.perf_counter()
        for uid in tests:
            connection.execute(f"select count(*) from ({nodes[uid]['compiled_code']}) as test_rows").fetchone()
        tests_seconds = time.perf_counter() - started
    finally:
        connection.close()

    return {
        "models_seconds": round(models_seconds, 2),
        "models_cpu_seconds": round(models_cpu_seconds, 2),
        "tests_seconds": round(tests_seconds, 2),
        "tests": len(tests),
        "peak_rss_mb": _peak_rss_mb(resource.RUSAGE_SELF),
    }


def _dag_order(nodes: dict[str, Any]) -> list[str]:
    graph = {uid: [dep for dep in node.get("depends_on", {}).get("nodes", []) if dep in nodes] for uid, node in nodes.items()}
    return list(TopologicalSorter(graph).static_order())


# ---------------------------------------------------------------------------------------------
# The synthetic roll


def write_synthetic_roll(connection, voters: int) -> None:
    """N voters of one canonical source with per-election history, as one accepted snapshot.

    Everything is drawn from `hash(voter number, salt)` so the same N gives the same rows. Each
    voter has a propensity to vote; participation in each federal general and primary 2008-2024
    after their registration (and 18th birthday) follows it, generals more often than primaries.
    """
    states = ", ".join(f"'{state}'" for state in STATES)
    connection.execute("delete from raw.voters where source_id = ?", [SOURCE_ID])
    connection.execute("delete from raw.vote_history where source_id = ?", [SOURCE_ID])
    connection.execute("delete from raw.snapshots where source_id = ?", [SOURCE_ID])
    connection.execute("delete from raw.ingest_log where source_id = ?", [SOURCE_ID])
    connection.execute(f"""
        create or replace temp table bench_people as
        select
            i,
            'B' || lpad(cast(i as varchar), 9, '0') as voter_id,
            date '1935-01-01' + cast(hash(i, 1) % 26000 as integer) as birth_date,
            [{states}][1 + cast(hash(i, 2) % {len(STATES)} as integer)] as state,
            'COUNTY ' || cast(hash(i, 3) % 60 as varchar) as county,
            case when hash(i, 4) % 100 < 36 then 'Democrat' when hash(i, 4) % 100 < 66 then 'Republican'
                 when hash(i, 4) % 100 < 68 then 'Libertarian' when hash(i, 4) % 100 < 69 then 'Green'
                 when hash(i, 4) % 100 < 72 then 'Other' when hash(i, 4) % 100 < 90 then 'Independent' end as party,
            case when hash(i, 5) % 100 < 51 then 'F' when hash(i, 5) % 100 < 98 then 'M'
                 when hash(i, 5) % 100 < 99 then 'X' else 'U' end as gender,
            case when hash(i, 6) % 100 < 90 then 'ACTIVE' when hash(i, 6) % 100 < 99 then 'INACTIVE' else 'REMOVED' end
                as registration_status,
            cast(hash(i, 7) % 100 as integer) as propensity
        from range({voters}) as numbers(i)
    """)
    connection.execute(f"""
        create or replace temp table bench_people_registered as
        select *,
            least(greatest(cast(birth_date + interval 18 year as date), date '1972-01-01')
                  + cast(hash(i, 8) % 9000 as integer), date '{SNAPSHOT_DATE}') as registered_date
        from bench_people
    """)
    elections = ", ".join(
        [f"(date '{year}-11-{day:02d}', 'GENERAL', 0)" for year, day in
         ((2008, 4), (2010, 2), (2012, 6), (2014, 4), (2016, 8), (2018, 6), (2020, 3), (2022, 8), (2024, 5))]
        + [f"(date '{year}-05-{day:02d}', 'PRIMARY', 35)" for year, day in
           ((2008, 6), (2010, 4), (2012, 8), (2014, 6), (2016, 3), (2018, 8), (2020, 3), (2022, 17), (2024, 5))]
    )
    connection.execute(f"""
        insert into raw.vote_history (partition_date, source_id, file_name, line_number, voter_id, election_date, election_type, election_label, voting_method, party_ballot)
        select date '{SNAPSHOT_DATE}', '{SOURCE_ID}', 'vote_history_bench.csv', 1 + row_number() over (),
               people.voter_id, elections.election_date, elections.election_type,
               elections.election_type || ' ' || strftime(elections.election_date, '%m/%d/%Y'),
               ['IN_PERSON', 'EARLY', 'MAIL', 'ABSENTEE'][1 + cast(hash(people.i, elections.election_date) % 4 as integer)],
               null
        from bench_people_registered as people
        cross join (values {elections}) as elections(election_date, election_type, primary_penalty)
        where elections.election_date >= people.registered_date
          and elections.election_date >= people.birth_date + interval 18 year
          and hash(people.i, elections.election_date, 9) % 100 + elections.primary_penalty < people.propensity
    """)
    connection.execute(f"""
        insert into raw.voters
        select date '{SNAPSHOT_DATE}', '{SOURCE_ID}', 'voters_bench.csv', people.i + 2, people.voter_id,
               'First' || (people.i % 4099), null, 'Last' || (people.i % 15013), null,
               'v' || people.i || '@example.org', null, people.i || ' Main St', 'CITY', lpad(cast(people.i % 99999 as varchar), 5, '0'),
               people.birth_date, year(people.birth_date), date_sub('year', people.birth_date, date '{SNAPSHOT_DATE}'),
               people.gender, null, null, people.state, people.county, people.party, people.registration_status,
               null, people.registered_date, votes.last_vote, timestamp '2026-09-30 12:00:00',
               md5(people.voter_id), []
        from bench_people_registered as people
        left join (
            select voter_id, max(election_date) as last_vote
            from raw.vote_history where source_id = '{SOURCE_ID}' group by voter_id
        ) as votes using (voter_id)
    """)
    history_rows = connection.execute("select count(*) from raw.vote_history where source_id = ?", [SOURCE_ID]).fetchone()[0]
    connection.execute(
        "insert into raw.snapshots (source_id, partition_date, file_format, voters_file, history_file, history_coverage, voters_loaded, history_rows_loaded, rows_quarantined, quarantine_rate_pct, accepted, run_id, loaded_at) values (?, ?, 'canonical', 'voters_bench.csv', 'vote_history_bench.csv', "
        "'per_election', ?, ?, 0, 0.0, true, 'bench', timestamp '2026-10-01 06:00:00')",
        [SOURCE_ID, SNAPSHOT_DATE, voters, history_rows],
    )
    connection.execute(
        "insert into raw.ingest_log (run_id, partition_date, file_name, file_format, source_id, status, lines_read, "
        "header_lines, blank_lines, rows_loaded, rows_quarantined, rows_superseded, rows_recovered, started_at, finished_at) "
        "values ('bench', ?, 'voters_bench.csv', 'canonical', ?, 'loaded', ?, 1, 0, ?, 0, 0, 0, "
        "timestamp '2026-10-01 05:00:00', timestamp '2026-10-01 06:00:00'), "
        "('bench', ?, 'vote_history_bench.csv', 'canonical', ?, 'loaded', ?, 1, 0, ?, 0, 0, 0, "
        "timestamp '2026-10-01 05:00:00', timestamp '2026-10-01 06:00:00')",
        [SNAPSHOT_DATE, SOURCE_ID, voters + 1, voters, SNAPSHOT_DATE, SOURCE_ID, history_rows + 1, history_rows],
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--voters", type=int, default=1_000_000)
    parser.add_argument("--data-dir", default="/tmp/voter-platform-bench-marts")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--phase", choices=["fixture", "dagster", "direct"], help=argparse.SUPPRESS)
    parser.add_argument("--instance", choices=["ephemeral", "platform"], default="ephemeral", help=argparse.SUPPRESS)
    parser.add_argument("--date", default=ANALYSIS_DATE, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.phase is None:
        bench_marts(voters=args.voters, data_dir=args.data_dir, repeats=args.repeats)
        return 0
    phase = {
        "fixture": lambda: _fixture_phase(args.voters),
        "dagster": lambda: _dagster_phase(args.instance, args.date),
        "direct": lambda: _direct_phase(args.date),
    }
    print(json.dumps(phase[args.phase]()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
