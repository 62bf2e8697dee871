"""Benchmark step: the marts of one analysis date through Dagster, beside the same SQL run directly.

`compare_marts(date)` works on the warehouse already in VOTER_PLATFORM_DATA (the pipeline bench's work
directory, voter_platform/bench/pipeline.py):

* Dagster: `marts_job` for the partition, in a fresh process (definitions, dbt build with all data
  tests, metadata queries), with an in-memory Dagster instance. The time runs from the start of
  its process: importing the code location, the run, dbt's start-up and parse, every test.
* Direct: the compiled SQL of every model in DAG order (`dbt compile` for the same date), in one
  DuckDB connection in a fresh process (views and tables re-created, marts' dates deleted and
  inserted), then every data test.

Each phase runs in its own process so its peak resident memory is its own (for the Dagster phase, the
dbt subprocess that holds DuckDB is reported separately).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import date, timedelta
from graphlib import TopologicalSorter
from pathlib import Path
from typing import Any

from voter_platform.bench.process import peak_rss_mb, peaks, run_phase

_QUIET = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}


def compare_marts(analysis_date: str) -> dict[str, Any]:
    """Both ways of building the marts of `analysis_date` over the warehouse already in
    VOTER_PLATFORM_DATA (the pipeline bench's work directory), once each, each in a fresh process.

    The SQL is compiled for that date once per data directory; the caller repeats and takes the median.
    """
    from voter_platform.settings import configure_environment

    paths = configure_environment()
    if not (_compile_target(paths.root) / f"manifest-{analysis_date}.json").exists():
        _compile(paths.root, analysis_date)
    direct = run_phase("voter_platform.bench.marts", "direct", analysis_date)
    dagster = run_phase("voter_platform.bench.marts", "dagster", analysis_date)
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


def _compile(data_root: Path, analysis_date: str) -> None:
    """`dbt compile` for the date into a target directory of its own; its manifest is kept per date."""
    from voter_platform.settings import DBT_PROJECT_DIR

    target = _compile_target(data_root)
    subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), "compile", "--quiet", "--target-path", str(target)],
        cwd=DBT_PROJECT_DIR,
        env={**os.environ, **_window_env(analysis_date)},
        check=True,
    )
    (target / "manifest.json").replace(target / f"manifest-{analysis_date}.json")


def _compile_target(data_root: Path) -> Path:
    return data_root / "bench-compiled"


def _window_env(analysis_date: str) -> dict[str, str]:
    from voter_platform.lib.dbt_vars import dbt_env_for_window

    day = date.fromisoformat(analysis_date)
    return dbt_env_for_window(day, day + timedelta(days=1))


# ---------------------------------------------------------------------------------------------
# Phases (each in its own process)


def _dagster_phase(analysis_date: str) -> dict[str, Any]:
    """marts_job for the partition in an in-memory Dagster instance (the orchestration alone)."""
    import dagster as dg

    started = time.perf_counter()
    from voter_platform.definitions import defs

    with dg.DagsterInstance.ephemeral() as instance:
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
        "dbt_step_seconds": round(step_seconds[0], 2) if step_seconds else None,
        "success": result.success,
        "checks": len(result.get_asset_check_evaluations()),
        **peaks(),
    }


def _direct_phase(analysis_date: str) -> dict[str, Any]:
    """The compiled SQL of the same run, in DAG order, in one DuckDB connection."""
    from voter_platform.lib.warehouse_file import open_warehouse
    from voter_platform.settings import data_paths

    paths = data_paths()
    manifest = json.loads((_compile_target(paths.root) / f"manifest-{analysis_date}.json").read_text())
    nodes = manifest["nodes"]
    models = [uid for uid in _dag_order(nodes) if nodes[uid]["resource_type"] == "model"]
    tests = [uid for uid, node in nodes.items() if node["resource_type"] == "test"]

    connection = open_warehouse(paths)
    try:
        started = time.perf_counter()
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
                connection.execute(f"delete from {relation} where analysis_date = '{analysis_date}'")
                connection.execute(f"insert into {relation} by name {sql}")
                connection.execute("commit")
        # dbt's process writes its changes to the database file when it ends; so does this one.
        connection.execute("checkpoint")
        models_seconds = time.perf_counter() - started

        started = time.perf_counter()
        for uid in tests:
            connection.execute(f"select count(*) from ({nodes[uid]['compiled_code']}) as test_rows").fetchone()
        tests_seconds = time.perf_counter() - started
    finally:
        connection.close()

    return {
        "models_seconds": round(models_seconds, 2),
        "tests_seconds": round(tests_seconds, 2),
        "tests": len(tests),
        "peak_rss_mb": round(peak_rss_mb()),
    }


def _dag_order(nodes: dict[str, Any]) -> list[str]:
    graph = {
        uid: [dep for dep in node.get("depends_on", {}).get("nodes", []) if dep in nodes] for uid, node in nodes.items()
    }
    return list(TopologicalSorter(graph).static_order())


PHASES = {"dagster": _dagster_phase, "direct": _direct_phase}


def main(argv: list[str] | None = None) -> int:
    """Phase entry point: `python -m voter_platform.bench.marts PHASE ANALYSIS_DATE` prints one JSON line."""
    name, analysis_date = (argv or sys.argv[1:])[:2]
    print(json.dumps(PHASES[name](analysis_date)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
