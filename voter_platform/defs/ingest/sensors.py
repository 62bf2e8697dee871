"""The landing sensor: a file dropped in the landing folder starts the ingest of its snapshot date.

Each tick looks at every landing file (name, size, mtime; see lib/landing.py) and keeps in its cursor:

  max_mtime_ns   the newest modification time among the files it has requested (for the record)
  requested      name -> "mtime_ns:size" of every file already handed to a run
  looks          name -> "mtime_ns:size" of files seen at the previous tick but not yet requested

A file is requested once it looks the same at two consecutive ticks and looks finished: unchanged for the quiet
period, its last line ended (lib/landing.still_being_written); a date is requested once all its files are.
Comparing each file with what was requested, rather than with a time, means a late file (copied
with an old mtime) is still noticed; and a corrected file with the same name (new mtime or size) is
requested again. Names that leave the folder leave the cursor, so it stays as small as the folder.

Requests are grouped per partition: the run key is the partition plus the `name:mtime:size` of every
file in the request (run keys dedupe forever, so an untouched file never runs twice), and the run
config lists those files, so a file deleted before the run starts is reported as missing.

Before the first ingest the election reference must be in the warehouse (dbt reads it): if it has
never been materialized, the sensor requests one elections_job run for all cycles and
holds the ingest requests until it has finished (if it fails, the ingest goes ahead and the marts
report the missing reference).
"""

import json
import time
from dataclasses import dataclass, field

import dagster as dg

from voter_platform.defs.console import CONSOLE_LOGGERS, CONSOLE_RUN_CONFIG
from voter_platform.defs.elections.assets import election_reference_assets
from voter_platform.defs.elections.jobs import all_cycles_tags, elections_job
from voter_platform.defs.ingest.assets import IngestConfig
from voter_platform.defs.ingest.jobs import ingest_job
from voter_platform.defs.ingest.resources import LandingFolder
from voter_platform.defs.instance import ensure_warehouse_pool
from voter_platform.defs.partitions import ANALYSIS_DATES_TEXT, analysis_date_partitions
from voter_platform.layouts.registry import layouts
from voter_platform.lib.ingest.archives import is_archive
from voter_platform.lib.ingest.formats import UnknownFormatError, detect_layout
from voter_platform.lib.ingest.parts import named_as_part
from voter_platform.lib.ingest.prepass import read_header_line
from voter_platform.lib.landing import LandingFile, SettleRules, still_being_written

SENSOR_INTERVAL_SECONDS = 30
REFERENCE_BOOTSTRAP_RUN_KEY = "election-reference-before-first-ingest"
RAW_OP_NAME = "raw_voter_files"
_IN_FLIGHT = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
]


@dataclass
class LandingCursor:
    max_mtime_ns: int = 0
    requested: dict[str, str] = field(default_factory=dict)
    looks: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, text: str | None) -> "LandingCursor":
        if not text:
            return cls()
        data = json.loads(text)
        return cls(int(data.get("max_mtime_ns", 0)), dict(data.get("requested", {})), dict(data.get("looks", {})))

    def dump(self) -> str:
        return json.dumps(
            {"max_mtime_ns": self.max_mtime_ns, "requested": self.requested, "looks": self.looks}, sort_keys=True
        )


def signature(file: LandingFile) -> str:
    return f"{file.mtime_ns}:{file.size}"


@dataclass
class TickPlan:
    """What one tick decided: files stable enough to request, per partition, and the next cursor."""

    ready: dict[str, list[LandingFile]]  # partition -> files to list in its run
    cursor: LandingCursor
    waiting: list[str]
    reasons: dict[str, str] = field(default_factory=dict)  # file -> why it does not look finished yet
    held: dict[str, list[str]] = field(default_factory=dict)  # partition -> its files still being written


def plan_tick(
    files: list[LandingFile], cursor: LandingCursor, now: float | None = None, rules: SettleRules | None = None
) -> TickPlan:
    """Pure decision logic of a tick (no Dagster): which partitions to request, the next cursor.

    A file is settled when it looks the same as at the previous tick and has not changed for the quiet period
    (and, while the unfinished-line grace period lasts, ends with a line end: lib/landing.py). A partition is
    requested only when every one of its files is settled: a voters file waits for its vote history still being
    copied, so the two are loaded together.
    """
    now = time.time() if now is None else now
    rules = rules or SettleRules()
    present = {file.name: file for file in files}
    requested = {name: sig for name, sig in cursor.requested.items() if name in present}
    looks: dict[str, str] = {}
    changed_partitions: set[str] = set()
    waiting, reasons = [], {}
    for file in files:
        sig = signature(file)
        if requested.get(file.name) == sig:
            continue
        unfinished = still_being_written(file, now, rules)
        if cursor.looks.get(file.name) == sig and unfinished is None:
            changed_partitions.add(file.partition_key)
        else:
            looks[file.name] = sig  # first look, still changing, or not finished: look again next tick
            waiting.append(file.name)
            reasons[file.name] = unfinished or "first look, or changed since the last tick"
    ready: dict[str, list[LandingFile]] = {}
    held: dict[str, list[str]] = {}
    for partition in sorted(changed_partitions):
        of_partition = [file for file in files if file.partition_key == partition]
        unsettled = [file.name for file in of_partition if file.name in looks]
        if unsettled:
            # A companion is still being written: hold the settled files too (they stay settled in the cursor).
            for file in of_partition:
                if file.name not in looks and requested.get(file.name) != signature(file):
                    looks[file.name] = signature(file)
            held[partition] = unsettled
            continue
        # The run loads every settled file of the partition (a vote history with its voters file).
        ready[partition] = of_partition
    next_cursor = LandingCursor(cursor.max_mtime_ns, requested, looks)
    return TickPlan(ready, next_cursor, waiting, reasons, held)


def mark_requested(cursor: LandingCursor, files: list[LandingFile]) -> None:
    for file in files:
        cursor.requested[file.name] = signature(file)
        cursor.looks.pop(file.name, None)
        cursor.max_mtime_ns = max(cursor.max_mtime_ns, file.mtime_ns)


def _some(names: list[str], shown: int = 5) -> str:
    """A few names for a log line (a demo drop is hundreds of files)."""
    names = sorted(names)
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more


def run_key(partition: str, files: list[LandingFile]) -> str:
    return partition + "|" + ";".join(sorted(file.run_key for file in files))


def header_problem(file: LandingFile) -> str | None:
    """Why a file's header is not one of ours (None when it is); OSError when it cannot be read."""
    if file.size == 0:
        # A part a state wrote empty (a county without voters) is told from the other parts by the run.
        named_as_a_part = any(
            named_as_part(spec, file.path.name)
            for spec in layouts().values()
            if file.state_hint is None or spec.state == file.state_hint
        )
        return None if named_as_a_part else "the file is empty"
    if is_archive(file.path):
        return None  # its members are recognised when the run unpacks them (lib/ingest/archives.py)
    try:
        detect_layout(read_header_line(file.path), file.path.name, file.state_hint)
    except UnknownFormatError as error:
        return str(error)
    return None


def _reference_keys() -> list[dg.AssetKey]:
    return [key for assets_def in election_reference_assets for key in assets_def.keys]


def _reference_state(instance: dg.DagsterInstance) -> str:
    """loaded | running | failed | missing."""
    if all(instance.get_latest_materialization_event(key) is not None for key in _reference_keys()):
        return "loaded"
    runs = instance.get_runs(filters=dg.RunsFilter(job_name=elections_job.name), limit=1)
    if not runs:
        return "missing"
    if runs[0].status in _IN_FLIGHT:
        return "running"
    return "failed" if runs[0].status != dg.DagsterRunStatus.SUCCESS else "loaded"


@dg.sensor(
    name="landing_sensor",
    jobs=[ingest_job, elections_job],
    minimum_interval_seconds=SENSOR_INTERVAL_SECONDS,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Starts the ingest of a snapshot date when its voter files land (once each file has stopped changing).",
)
def landing_sensor(context: dg.SensorEvaluationContext, landing: LandingFolder) -> dg.SensorResult:
    ensure_warehouse_pool(context.instance)  # one writer at a time, from the first run (defs/instance.py)
    cursor = LandingCursor.parse(context.cursor)
    files = landing.files()
    plan = plan_tick(files, cursor, rules=SettleRules.from_env())
    if plan.waiting:
        context.log.info(
            f"Waiting for {len(plan.waiting)} file(s) to settle: "
            + "; ".join(f"{name}: {plan.reasons[name]}" for name in sorted(plan.waiting)[:5])
            + (f"; and {len(plan.waiting) - 5} more" if len(plan.waiting) > 5 else "")
        )
    for partition, unsettled in plan.held.items():
        context.log.info(f"{partition}: held until its other file(s) are finished: {_some(unsettled)}")
    requests = []
    for partition, partition_files in plan.ready.items():
        runnable = _readable(context, partition_files, plan.cursor)
        if not runnable:
            continue
        if not analysis_date_partitions.has_partition_key(partition):
            context.log.warning(
                f"{', '.join(file.name for file in runnable)}: snapshot date {partition} is outside "
                f"{ANALYSIS_DATES_TEXT}; not loaded"
            )
            mark_requested(plan.cursor, runnable)
            continue
        requests.append((partition, runnable))
    if not requests:
        return dg.SensorResult(cursor=plan.cursor.dump(), skip_reason=_skip_reason(plan))

    reference = _reference_state(context.instance)
    if reference in ("missing", "running"):
        # Hold the files (not marked requested) until the reference has loaded.
        for _, runnable in requests:
            for file in runnable:
                plan.cursor.looks[file.name] = signature(file)
        if reference == "running":
            return dg.SensorResult(
                cursor=plan.cursor.dump(), skip_reason="waiting for the election reference run to finish"
            )
        context.log.info("The election reference has never been loaded: requesting it before the first ingest.")
        return dg.SensorResult(
            run_requests=[
                dg.RunRequest(
                    run_key=REFERENCE_BOOTSTRAP_RUN_KEY,
                    job_name=elections_job.name,
                    tags=all_cycles_tags(),
                    run_config=CONSOLE_RUN_CONFIG,
                )
            ],
            cursor=plan.cursor.dump(),
        )
    if reference == "failed":
        context.log.warning(
            "The election reference run failed: loading voter files anyway; the marts need the reference."
        )

    run_requests = []
    for partition, runnable in requests:
        mark_requested(plan.cursor, runnable)
        names = [file.name for file in runnable]
        context.log.info(f"Requesting the ingest of {partition}: {len(names)} file(s): {_some(names)}")
        run_requests.append(
            dg.RunRequest(
                run_key=run_key(partition, runnable),
                job_name=ingest_job.name,
                partition_key=partition,
                # A request's own run config replaces the partition's: the console logger is named here too.
                run_config=dg.RunConfig(ops={RAW_OP_NAME: IngestConfig(files=names)}, loggers=CONSOLE_LOGGERS),
                tags={"voter_platform/trigger": "landing_sensor"},
            )
        )
    return dg.SensorResult(run_requests=run_requests, cursor=plan.cursor.dump())


def _readable(
    context: dg.SensorEvaluationContext, files: list[LandingFile], cursor: LandingCursor
) -> list[LandingFile]:
    """Files whose header can be read; unknown formats are logged but still requested (the run
    fails its partition with the expected formats and records the file in the ingest log)."""
    readable = []
    for file in files:
        try:
            problem = header_problem(file)
        except OSError as error:
            context.log.warning(f"{file.name}: cannot be read ({error.strerror or error}); will look again")
            cursor.looks.pop(file.name, None)
            continue
        if problem:
            context.log.warning(f"{file.name}: not a voter file the platform knows: {problem}")
        readable.append(file)
    return readable


def _skip_reason(plan: TickPlan) -> str:
    if plan.waiting:
        return f"{len(plan.waiting)} file(s) still settling"
    return "no new or changed files in the landing folder"
