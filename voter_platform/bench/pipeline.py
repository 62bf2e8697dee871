"""`voter-platform bench`: the whole pipeline at state scale, each step beside its baseline, in one run.

    generate    voters/s of the simulator (cached: the same size and seed are generated once)
    ingest      the platform's ingest vs a bare DuckDB read_csv of the same files, and vs a pandas loader
                inserting 1,000-row batches (timed on a slice, extrapolated); validation alone vs the same
                rules as one SQL query                                   -> voter_platform/bench/ingest.py
    end to end  files renamed into the landing folder -> landing sensor -> ingest_job (raw, dbt marts,
                published Parquet), through Dagster, against the sum of the bare steps
    marts       the dbt marts of one partition through Dagster vs the same compiled SQL run directly in
                one DuckDB connection                                    -> voter_platform/bench/marts.py
    publish     the published snapshot of the partition: seconds and bytes
    dashboard   first page load and filter callbacks, server-side        -> voter_platform/bench/dashboard.py

Every timed step runs in a fresh process (peak memory is its own), `repeats` times; the median counts.
The input is one state's roll (a real state file is one state), `days` consecutive daily snapshots; the
steps use the last day's files, earlier days are loaded first (untimed) so the marts see real churn.
"""

from __future__ import annotations

import json
import os
import platform as host
import shutil
import statistics
import sys
import time
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from importlib import metadata
from pathlib import Path
from typing import Any

from voter_platform.bench.process import peaks, run_phase
from voter_platform.lib.landing import QUIET_ENV_VAR, UNFINISHED_LINE_ENV_VAR
from voter_platform.settings import warehouse_encrypted

BENCH_START = date(2026, 11, 2)
# Targets of issue 7, checked and printed beside the numbers.
TARGETS = {
    "ingest_vs_bare": 2.0,
    "pandas_vs_ingest": 20.0,
    "end_to_end_vs_bare_read": 3.0,
    "end_to_end_peak_mb": 4096,
    "dashboard_p95_ms": 300,
}


@dataclass(frozen=True)
class BenchConfig:
    voters: int
    days: int = 1
    state: str = "NC"
    seed: int = 1
    repeats: int = 3
    interactions: int = 36
    out: Path = Path("bench")

    @property
    def last_day(self) -> date:
        return BENCH_START + timedelta(days=self.days - 1)

    @property
    def input_dir(self) -> Path:
        """Generated files are cached per size, days, state and seed."""
        return self.out / "inputs" / f"canonical-{self.state}-{self.voters}-voters-{self.days}-days-seed{self.seed}"


# ---------------------------------------------------------------------------------------------------------
# The run


def run_bench(config: BenchConfig) -> dict[str, Any]:
    config.out.mkdir(parents=True, exist_ok=True)
    generated = _generated_input(config)
    last_day_files = _files_of(config.input_dir, config.last_day)
    print(f"input: {len(last_day_files)} files of {config.last_day}, {_mb(last_day_files):,.0f} MB", flush=True)

    from voter_platform.bench.ingest import bench_ingest

    ingest_runs = []
    for attempt in range(config.repeats):
        ingest_runs.append(
            bench_ingest(last_day_files, partition_date=config.last_day, work_dir=config.out, echo=False)
        )
        print(
            f"ingest {attempt + 1}/{config.repeats}: platform {ingest_runs[-1]['platform']['seconds']:.1f} s, "
            f"bare read {ingest_runs[-1]['bare_duckdb_read_csv']['seconds']:.1f} s",
            flush=True,
        )

    end_to_end_runs = []
    for attempt in range(config.repeats):
        end_to_end_runs.append(_phase("end_to_end", config))
        print(f"end to end {attempt + 1}/{config.repeats}: {end_to_end_runs[-1]['seconds']:.1f} s", flush=True)
    # The last end-to-end run left a built data directory: the marts, publish and dashboard steps use it.
    marts_runs = [_phase("marts", config) for _ in range(config.repeats)]
    publish_runs = [_phase("publish", config) for _ in range(config.repeats)]

    from voter_platform.bench.dashboard import bench_dashboard

    dashboard = bench_dashboard(
        _work_data_dir(config) / "published", interactions=config.interactions, seed=config.seed
    )
    results = _assemble(config, generated, ingest_runs, end_to_end_runs, marts_runs, publish_runs, dashboard)
    _write(config.out, results)
    print(format_table(results))
    print(f"\nwritten: {config.out / 'bench.json'} and {config.out / 'bench.md'}")
    return results


def _generated_input(config: BenchConfig) -> dict[str, Any]:
    """Generate the input once per size, days, state and seed; later runs reuse it and its figures."""
    record = config.input_dir / "generate.json"
    if record.exists():
        print(f"input: cached in {config.input_dir}", flush=True)
        return json.loads(record.read_text())
    shutil.rmtree(config.input_dir, ignore_errors=True)
    generated = _phase("generate", config)
    record.write_text(json.dumps(generated, indent=2))
    return generated


def _files_of(folder: Path, day: date) -> list[Path]:
    # The history file first: a voters file and its history form one snapshot, loaded together.
    return sorted(folder.glob(f"*_{day.isoformat()}.csv"), key=lambda path: not path.name.startswith("vote_history"))


def _work_data_dir(config: BenchConfig) -> Path:
    return (config.out / "work").resolve()


# ---------------------------------------------------------------------------------------------------------
# Phases, each run in a fresh process: `python -m voter_platform.bench.pipeline PHASE CONFIG_JSON`


def _phase(name: str, config: BenchConfig) -> dict[str, Any]:
    payload = json.dumps({**asdict(config), "out": str(config.out.resolve())})
    environment = {**os.environ, "VOTER_PLATFORM_DATA": str(_work_data_dir(config))}
    environment.pop("DAGSTER_HOME", None)
    # The bench's files are complete when they land (renamed in): the sensor's quiet periods for files a writer may
    # still be writing are settings, not work, like its polling interval. Left at 60 s, the end-to-end step would
    # time a minute of waiting.
    environment.update({QUIET_ENV_VAR: "0", UNFINISHED_LINE_ENV_VAR: "0"})
    return run_phase("voter_platform.bench.pipeline", name, payload, env=environment)


def _generate_phase(config: BenchConfig) -> dict[str, Any]:
    from voter_platform.generate.config import GenerateConfig
    from voter_platform.generate.run import generate

    result = generate(
        GenerateConfig(
            voters=config.voters,
            start=BENCH_START,
            days=config.days,
            format="canonical",
            out=config.input_dir,
            seed=config.seed,
            states=(config.state,),
        )
    )
    return {
        "voters": result.voter_records,
        "seconds": round(result.seconds, 2),
        "voters_per_second": round(result.voters_per_second),
        "bytes": result.bytes_written,
        **peaks(),
    }


def _end_to_end_phase(config: BenchConfig) -> dict[str, Any]:
    """A fresh data dir: reference and earlier days loaded untimed, then the last day's files land.

    Timed from the moment the files are renamed into the landing folder until the partition is
    published: two landing-sensor ticks (a file must look the same twice) and the run they request,
    executed in this process against the platform's own Dagster instance. The daemon's polling
    interval (30 s between ticks) is not included: it is a setting, not work.
    """
    from voter_platform.settings import configure_environment

    work = _work_data_dir(config)
    shutil.rmtree(work, ignore_errors=True)
    paths = configure_environment()

    import dagster as dg

    from voter_platform.definitions import defs
    from voter_platform.defs.elections.jobs import all_cycles_tags
    from voter_platform.lib.publish import MANIFEST_FILE

    quiet = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
    with dg.DagsterInstance.get() as instance:
        assert (
            defs.resolve_job_def("elections_job")
            .execute_in_process(tags=all_cycles_tags(), run_config=quiet, instance=instance)
            .success
        )
        for offset in range(config.days - 1):
            earlier = BENCH_START + timedelta(days=offset)
            for source in _files_of(config.input_dir, earlier):
                os.link(source, paths.landing / source.name)
            assert (
                defs.resolve_job_def("ingest_job")
                .execute_in_process(partition_key=earlier.isoformat(), run_config=quiet, instance=instance)
                .success
            )

        sensor, repository = defs.resolve_sensor_def("landing_sensor"), defs.get_repository_def()
        started = time.perf_counter()
        for source in _files_of(config.input_dir, config.last_day):
            staged = paths.landing / f".{source.name}.tmp"
            os.link(source, staged)  # a hard link: "copying" costs nothing, the rename is what lands
            staged.rename(paths.landing / source.name)
        cursor, requests = None, []
        while not requests:  # the first tick notes the files, the next one requests their run
            tick = sensor.evaluate_tick(
                dg.build_sensor_context(
                    instance=instance, cursor=cursor, resources=defs.resources, repository_def=repository
                )
            )
            cursor, requests = tick.cursor, [r for r in tick.run_requests if r.partition_key]
        for request in requests:
            result = defs.resolve_job_def("ingest_job").execute_in_process(
                partition_key=request.partition_key,
                run_config={**request.run_config, **quiet},
                tags=request.tags,
                instance=instance,
                raise_on_error=False,
            )
            assert result.success, "the ingest run failed"
        seconds = time.perf_counter() - started
    manifest = json.loads((paths.published / MANIFEST_FILE).read_text())
    assert manifest["latest"] == config.last_day.isoformat(), "the partition was not published"
    return {"seconds": round(seconds, 2), **peaks()}


def _marts_phase(config: BenchConfig) -> dict[str, Any]:
    from voter_platform.bench.marts import compare_marts

    return compare_marts(config.last_day.isoformat())


def _publish_phase(config: BenchConfig) -> dict[str, Any]:
    from voter_platform.lib.publish import min_cell_size_from_env, publish_date
    from voter_platform.lib.warehouse_file import open_warehouse
    from voter_platform.settings import configure_environment

    paths = configure_environment()
    started = time.perf_counter()
    with open_warehouse(paths) as connection:
        publication = publish_date(connection, paths.published, config.last_day, min_cell_size_from_env())
    return {
        "seconds": round(time.perf_counter() - started, 2),
        "bytes": sum(published.bytes for published in publication.files),
        "rows": publication.rows,
        **peaks(),
    }


PHASES = {
    "generate": _generate_phase,
    "end_to_end": _end_to_end_phase,
    "marts": _marts_phase,
    "publish": _publish_phase,
}


# ---------------------------------------------------------------------------------------------------------
# Results


def _median(runs: list[dict], *keys: str) -> float:
    values = []
    for run in runs:
        value = run
        for key in keys:
            value = value[key]
        values.append(value)
    return round(statistics.median(values), 3)


def _ratio(numerator: float, denominator: float) -> float:
    return round(numerator / denominator, 2) if denominator else float("nan")


def _assemble(config, generated, ingest_runs, end_to_end_runs, marts_runs, publish_runs, dashboard) -> dict:
    ingest_s = _median(ingest_runs, "platform", "seconds")
    bare_s = _median(ingest_runs, "bare_duckdb_read_csv", "seconds")
    pandas_s = _median(ingest_runs, "pandas_1000_row_batches", "extrapolated_seconds")
    marts_s = _median(marts_runs, "dagster_seconds")
    direct_marts_s = _median(marts_runs, "direct_models_seconds")
    publish_s = _median(publish_runs, "seconds")
    end_to_end_s = _median(end_to_end_runs, "seconds")
    bare_sum = round(bare_s + direct_marts_s + publish_s, 3)
    end_to_end_peak = max(max(run["peak_rss_mb"], run["peak_rss_mb_children"]) for run in end_to_end_runs)
    last_day_files = _files_of(config.input_dir, config.last_day)
    steps = {
        "generate": {
            "voters_per_second": generated["voters_per_second"],
            "seconds": generated["seconds"],
            "peak_rss_mb": generated["peak_rss_mb"],
        },
        "ingest": {
            "seconds": ingest_s,
            "peak_rss_mb": max(run["platform"]["peak_rss_mb"] for run in ingest_runs),
            "baseline_bare_read_csv_seconds": bare_s,
            "baseline_pandas_1000_row_batches_seconds_extrapolated": pandas_s,
            "ratio_to_bare": _ratio(ingest_s, bare_s),
            "pandas_ratio_to_platform": _ratio(pandas_s, ingest_s),
        },
        "validation": {
            "pandera_seconds": _median(ingest_runs, "validation", "pandera_seconds"),
            "baseline_one_sql_query_seconds": _median(ingest_runs, "validation", "sql_seconds"),
            "records": ingest_runs[-1]["validation"]["records"],
        },
        "marts": {
            "seconds": marts_s,
            "peak_rss_mb": max(
                max(run["peak_rss_mb_dagster_process"], run["peak_rss_mb_dbt_process"]) for run in marts_runs
            ),
            "baseline_direct_sql_seconds": direct_marts_s,
            "baseline_peak_rss_mb": max(run["peak_rss_mb_direct"] for run in marts_runs),
            "ratio_to_direct_sql": _ratio(marts_s, direct_marts_s),
        },
        "publish": {"seconds": publish_s, "bytes": publish_runs[-1]["bytes"], "rows": publish_runs[-1]["rows"]},
        "end_to_end": {
            "seconds": end_to_end_s,
            "peak_rss_mb": end_to_end_peak,
            "baseline_sum_of_bare_steps_seconds": bare_sum,
            "ratio_to_sum_of_bare_steps": _ratio(end_to_end_s, bare_sum),
            "ratio_to_bare_read": _ratio(end_to_end_s, bare_s),
        },
        "dashboard": {
            "first_load_seconds": dashboard["first_load_s"],
            "callback_p50_ms": dashboard["callbacks"]["p50_ms"],
            "callback_p95_ms": dashboard["callbacks"]["p95_ms"],
            "callbacks_timed": dashboard["callbacks"]["count"],
            "published_bytes": dashboard["published_bytes"],
        },
    }
    targets = {
        "ingest <= 2x bare read": steps["ingest"]["ratio_to_bare"] <= TARGETS["ingest_vs_bare"],
        "ingest >= 20x faster than pandas batches": steps["ingest"]["pandas_ratio_to_platform"]
        >= TARGETS["pandas_vs_ingest"],
        "end to end <= 3x bare read": steps["end_to_end"]["ratio_to_bare_read"] <= TARGETS["end_to_end_vs_bare_read"],
        "end to end peak <= 4 GB": end_to_end_peak <= TARGETS["end_to_end_peak_mb"],
        "dashboard p95 <= 300 ms": steps["dashboard"]["callback_p95_ms"] <= TARGETS["dashboard_p95_ms"],
    }
    return {
        "command": f"voter-platform bench --voters {config.voters} --days {config.days} --state {config.state} "
        f"--seed {config.seed} --repeats {config.repeats}" + ("" if warehouse_encrypted() else " --no-encryption"),
        "input": {
            "voters": generated["voters"],
            "state": config.state,
            "days": config.days,
            "snapshot_date": config.last_day.isoformat(),
            "files": [path.name for path in last_day_files],
            "bytes": sum(path.stat().st_size for path in last_day_files),
        },
        "repeats": config.repeats,
        "machine": machine_info(),
        "steps": steps,
        "targets_met": targets,
        "runs": {
            "ingest": ingest_runs,
            "end_to_end": end_to_end_runs,
            "marts": marts_runs,
            "publish": publish_runs,
            "dashboard": dashboard,
        },
    }


def machine_info() -> dict[str, Any]:
    memory_kb = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
    )
    packages = ["dagster", "dagster-dbt", "dbt-core", "dbt-duckdb", "duckdb", "pandas", "polars", "pandera", "dash"]
    return {
        # The warehouse as the platform writes it (encrypted), or not (`--no-encryption`): what encryption costs.
        "warehouse_encrypted": warehouse_encrypted(),
        "cores": os.cpu_count(),
        "memory_gb": round(memory_kb / 2**20, 1),
        "python": host.python_version(),
        "platform": host.platform(),
        "load_average_at_end": [round(value, 2) for value in os.getloadavg()],
        "versions": {package: metadata.version(package) for package in packages},
    }


def _mb(paths: list[Path]) -> float:
    return sum(path.stat().st_size for path in paths) / 1e6


def table_rows(results: dict) -> list[tuple[str, str, str, str]]:
    """(step, platform, baseline, ratio) rows of the summary table."""
    steps = results["steps"]
    ingest, marts, e2e, dash = steps["ingest"], steps["marts"], steps["end_to_end"], steps["dashboard"]
    validation = steps["validation"]
    return [
        ("generate", f"{steps['generate']['voters_per_second']:,} voters/s", "—", "—"),
        (
            "ingest (parse, type, validate, dedup, quarantine, write)",
            f"{ingest['seconds']:.1f} s, peak {ingest['peak_rss_mb']:,.0f} MB",
            f"bare read_csv {ingest['baseline_bare_read_csv_seconds']:.1f} s; pandas 1,000-row batches "
            f"{ingest['baseline_pandas_1000_row_batches_seconds_extrapolated']:.0f} s (extrapolated)",
            f"{ingest['ratio_to_bare']:.2f}x bare; pandas {ingest['pandas_ratio_to_platform']:.0f}x slower",
        ),
        (
            "validation alone",
            f"{validation['pandera_seconds']:.2f} s (pandera, polars)",
            f"one SQL query {validation['baseline_one_sql_query_seconds']:.2f} s",
            f"{_ratio(validation['pandera_seconds'], validation['baseline_one_sql_query_seconds']):.2f}x",
        ),
        (
            "marts for one partition",
            f"{marts['seconds']:.1f} s, peak {marts['peak_rss_mb']:,.0f} MB",
            f"direct SQL {marts['baseline_direct_sql_seconds']:.1f} s, peak {marts['baseline_peak_rss_mb']:,.0f} MB",
            f"{marts['ratio_to_direct_sql']:.2f}x",
        ),
        ("publish", f"{steps['publish']['seconds']:.1f} s, {steps['publish']['bytes'] / 1e6:.1f} MB", "—", "—"),
        (
            "end to end through Dagster (landing -> published)",
            f"{e2e['seconds']:.1f} s, peak {e2e['peak_rss_mb']:,.0f} MB",
            f"sum of bare steps {e2e['baseline_sum_of_bare_steps_seconds']:.1f} s",
            f"{e2e['ratio_to_sum_of_bare_steps']:.2f}x bare steps; {e2e['ratio_to_bare_read']:.2f}x bare read",
        ),
        (
            "dashboard callbacks",
            f"p50 {dash['callback_p50_ms']:.0f} ms / p95 {dash['callback_p95_ms']:.0f} ms; "
            f"first load {dash['first_load_seconds']:.2f} s",
            "—",
            "—",
        ),
    ]


def text_table(rows: list[tuple[str, ...]]) -> list[str]:
    """Rows as left-aligned columns, the first row the headings, a rule of dashes under it."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    line = "  ".join(f"{{:<{width}}}" for width in widths)
    return [
        line.format(*rows[0]),
        line.format(*("-" * width for width in widths)),
        *(line.format(*row) for row in rows[1:]),
    ]


def format_table(results: dict) -> str:
    rows = [("step", "platform", "baseline (same input, same run)", "ratio"), *table_rows(results)]
    machine = results["machine"]
    out = [
        f"{results['input']['voters']:,} voters ({results['input']['state']}), "
        f"{results['input']['bytes'] / 1e6:,.0f} MB; "
        f"{machine['cores']} cores, {machine['memory_gb']} GB; median of {results['repeats']}",
        "",
        *text_table(rows),
        "",
        "targets: "
        + "; ".join(f"{name}: {'met' if met else 'NOT met'}" for name, met in results["targets_met"].items()),
    ]
    return "\n".join(out)


def encryption_label(machine: dict) -> str:
    encrypted = machine.get("warehouse_encrypted", True)
    return "warehouse encrypted" if encrypted else "warehouse NOT encrypted (--no-encryption)"


def format_markdown(results: dict) -> str:
    machine = results["machine"]
    versions = ", ".join(f"{name} {version}" for name, version in machine["versions"].items())
    lines = [
        f"### {results['input']['voters']:,} voters ({results['input']['state']}, "
        f"{results['input']['bytes'] / 1e6:,.0f} MB of CSV)",
        "",
        f"`{results['command']}` — {machine['cores']} cores, {machine['memory_gb']} GB, Python {machine['python']}; "
        f"{versions}; {encryption_label(machine)}. Median of {results['repeats']} runs; load average at the end "
        f"{machine['load_average_at_end']}.",
        "",
        "| step | platform | baseline (same input, same run) | ratio |",
        "|---|---|---|---|",
        *(f"| {' | '.join(row)} |" for row in table_rows(results)),
        "",
        "Targets: "
        + "; ".join(f"{name}: **{'met' if met else 'not met'}**" for name, met in results["targets_met"].items())
        + ".",
    ]
    return "\n".join(lines) + "\n"


def _write(out: Path, results: dict) -> None:
    (out / "bench.json").write_text(json.dumps(results, indent=2, default=str))
    (out / "bench.md").write_text(format_markdown(results))


def main(argv: list[str] | None = None) -> int:
    """Phase entry point: `python -m voter_platform.bench.pipeline PHASE CONFIG_JSON` prints one JSON line."""
    name, payload = (argv or sys.argv[1:])[:2]
    fields = json.loads(payload)
    config = BenchConfig(**{**fields, "out": Path(fields["out"])})
    print(json.dumps(PHASES[name](config)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
