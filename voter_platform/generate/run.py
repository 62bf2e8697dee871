"""A generator run: build the roll, then for each day advance it and write that day's snapshot files."""

from __future__ import annotations

import resource
import shutil
import time
from collections import Counter, deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np
import pyarrow as pa

from voter_platform.generate import formats, reference, state_files
from voter_platform.generate.config import GenerateConfig
from voter_platform.generate.formats import Layout, Snapshot
from voter_platform.generate.history import elections_before
from voter_platform.generate.packaging import package, staging_folder
from voter_platform.generate.population import geography
from voter_platform.generate.roll import Roll
from voter_platform.generate.seeds import rng_for
from voter_platform.generate.simulation import Simulation
from voter_platform.generate.writer import DelimitedFileWriter, WrittenFile, render

# Two cores is the target machine: one thread renders while the other renders or writes.
WORKERS = 2
# Chunks rendered ahead of the writer: enough to keep both threads busy, few enough to bound memory.
CHUNKS_IN_FLIGHT = 4


@dataclass
class GenerateResult:
    files: list[WrittenFile] = field(default_factory=list)
    voter_records: int = 0  # voters written, summed over snapshots
    seconds: float = 0.0
    peak_rss_mb: float = 0.0

    @property
    def voters_per_second(self) -> float:
        return self.voter_records / self.seconds if self.seconds else 0.0

    @property
    def bytes_written(self) -> int:
        return sum(item.bytes for item in self.files)

    def summary(self) -> str:
        defects = sum(item.defects for item in self.files)
        return (
            f"{self.voter_records:,} voter records in {len(self.files)} files ({self.bytes_written / 1e6:,.1f} MB, "
            f"{defects:,} defects) in {self.seconds:.1f} s: {self.voters_per_second:,.0f} voters/s; "
            f"peak memory {self.peak_rss_mb:,.0f} MB"
        )


def generate(config: GenerateConfig, progress: Callable[[str], None] | None = None) -> GenerateResult:
    """Write `config.days` daily snapshots into `config.out`; same config and seed, same bytes."""
    started = time.perf_counter()
    config.out.mkdir(parents=True, exist_ok=True)
    result = GenerateResult()
    former = None
    if config.former_voters:
        former = (config.defects.rate("removed_voter"), config.defects.rate("denied_voter"))
    with ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="generate") as pool:
        simulation = Simulation(
            config.voters,
            config.start,
            config.seed,
            config.state_codes,
            config.churn,
            pool,
            counties=config.county_indices,
            former=former,
        )
        for offset in range(config.days):
            day = config.start + timedelta(days=offset)
            simulation.advance_to(day)
            snapshot = Snapshot(
                as_of=day, elections=elections_before(day), traits=config.defects.traits, seed=config.seed
            )
            written = _write_snapshot(config, simulation.file_records(), snapshot, pool)
            result.files.extend(written)
            result.voter_records += len(simulation.roll)
            if progress:
                progress(f"{day}: {len(simulation.roll):,} voters, {len(written)} files")
    result.seconds = time.perf_counter() - started
    result.peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


@dataclass(frozen=True)
class _FilePlan:
    """One output file: its name, layout, which voters (positions in the roll) and how a chunk becomes a table
    (or a table and the trait code of each row)."""

    name: str
    layout: Layout
    members: np.ndarray
    build: Callable[[Roll], pa.Table | tuple[pa.Table, np.ndarray]]
    group: str  # files of one group (a state's voters and history) are renamed into place together
    facts: dict = field(default_factory=dict)  # what the file is, for its facts file (see _facts)
    archive: str | None = None  # --package zip: the archive the file goes into


def _file_plans(config: GenerateConfig, roll: Roll, snapshot: Snapshot) -> list[_FilePlan]:
    everyone = np.arange(len(roll))

    def name(layout_id: str, state: str | None = None, part: str | None = None) -> str:
        """The file name the registry layout's file_template gives (without its date for --undated-names)."""
        return state_files.file_name(layout_id, snapshot.as_of, part, state=state, dated=not config.undated_names)

    if config.is_state_format:
        state = config.state_codes

        def facts_of(members: np.ndarray, layout: Layout, layout_id: str) -> dict:
            facts = _facts(config, roll, members, snapshot, layout, state, config.county_indices)
            facts.pop("records_by_status", None)  # the file's truth says what it holds
            return facts

        return [
            _FilePlan(item.name, item.layout, item.members, item.build, item.group, item.facts, item.archive)
            for item in state_files.file_plans(config, roll, snapshot.as_of, snapshot.elections, facts_of)
        ]
    if config.format == "goodparty":
        return [
            _FilePlan(name("goodparty"), formats.GOODPARTY_VOTERS, everyone,
                      lambda chunk: formats.goodparty_voters(chunk, snapshot), "goodparty",
                      _facts(config, roll, everyone, snapshot, formats.GOODPARTY_VOTERS, config.state_codes)),
        ]  # fmt: skip
    if config.format == "ncsbe_vr_snapshot":
        return _with_history(config, [
            _FilePlan(name("nc_vr_snapshot"), formats.VR_SNAPSHOT, everyone,
                      lambda chunk: formats.vr_snapshot(chunk, snapshot), "NC",
                      _facts(config, roll, everyone, snapshot, formats.VR_SNAPSHOT, ["NC"])),
            _FilePlan(name("nc_ncvhis", part="_Statewide"), formats.NCVHIS, everyone,
                      lambda chunk: formats.ncvhis(chunk, snapshot), "NC",
                      _facts(config, roll, everyone, snapshot, formats.NCVHIS, ["NC"])),
        ])  # fmt: skip
    if config.format == "ncsbe":
        # A county extract is one pair of files per county, named by its NCSBE county id as the board does.
        extracts = [("_Statewide", everyone, None)]
        if config.county_indices is not None:
            ids = reference.nc_counties()
            names = geography().county_names
            extracts = [(str(ids[names[county]].county_id), np.flatnonzero(roll.county == county), (county,))
                        for county in config.county_indices]  # fmt: skip
        plans = []
        for suffix, members, counties in extracts:
            plans += _with_history(config, [
                _FilePlan(name("nc_ncvoter", part=suffix), formats.NCVOTER, members,
                          lambda chunk: formats.ncvoter(chunk, snapshot), f"NC{suffix}",
                          _facts(config, roll, members, snapshot, formats.NCVOTER, ["NC"], counties)),
                _FilePlan(name("nc_ncvhis", part=suffix), formats.NCVHIS, members,
                          lambda chunk: formats.ncvhis(chunk, snapshot), f"NC{suffix}",
                          _facts(config, roll, members, snapshot, formats.NCVHIS, ["NC"], counties)),
            ])  # fmt: skip
        return plans
    order = np.argsort(roll.state, kind="stable")  # state blocks, serial order inside each
    bounds = np.searchsorted(roll.state[order], np.arange(len(geography().state_codes) + 1))
    plans = []
    for code in config.state_codes:
        state_index = geography().state_index(code)
        members = order[bounds[state_index] : bounds[state_index + 1]]
        plans += _with_history(config, [
            _FilePlan(name("canonical_voters", code), formats.CANONICAL_VOTERS, members,
                      lambda chunk, code=code: formats.canonical_voters(chunk, code, snapshot), code,
                      _facts(config, roll, members, snapshot, formats.CANONICAL_VOTERS, [code], config.county_indices)),
            _FilePlan(name("canonical_vote_history", code), formats.CANONICAL_HISTORY, members,
                      lambda chunk, code=code: formats.canonical_history(chunk, code, snapshot), code,
                      _facts(config, roll, members, snapshot, formats.CANONICAL_HISTORY, [code],
                             config.county_indices)),
        ])  # fmt: skip
    return plans


def _with_history(config: GenerateConfig, pair: list[_FilePlan]) -> list[_FilePlan]:
    """A voters file and its history file, or (a drop without history) the voters file alone; each
    plan's facts name the other file of the pair."""
    voters, history = pair
    if not config.history:
        voters.facts["history_file"] = None
        return [voters]
    voters.facts["history_file"] = history.name
    history.facts["voters_file"] = voters.name
    return pair


def _facts(
    config: GenerateConfig,
    roll: Roll,
    members: np.ndarray,
    snapshot: Snapshot,
    layout: Layout,
    states: list[str],
    counties: tuple[int, ...] | None = None,
) -> dict:
    """What a file is, for `_manifest/<file>.facts.json`: format, date, coverage and, for a voters file,
    its records by registration status (as rendered, before line defects). Nothing without a manifest."""
    if not config.writes_manifest:
        return {}
    geo = geography()
    facts = {
        "format": config.format,
        "layout": layout.name,
        "record_kind": layout.record_kind,
        "snapshot_date": snapshot.as_of.isoformat(),
        "states": list(states),
    }
    if len(states) == 1:
        state_index = geo.state_index(states[0])
        in_state = len(reference.states()[states[0]].counties)
        first = int(geo.state_first_county[state_index])
        present = sorted(counties) if counties is not None else list(range(first, first + in_state))
        coverage = {
            "state": states[0],
            "counties": [geo.county_names[county] for county in present],
            "counties_in_state": in_state,
            "complete": len(present) == in_state,
        }
        if states[0] == "NC":
            ids = reference.nc_counties()
            coverage["county_ids"] = [ids[geo.county_names[county]].county_id for county in present]
        facts["coverage"] = coverage
    else:
        facts["coverage"] = {"states": len(states), "complete": None}
    if layout.record_kind == "voters":
        status = np.bincount(roll.status[members], minlength=4)
        facts["records_by_status"] = dict(
            zip(("ACTIVE", "INACTIVE", "REMOVED", "DENIED"), map(int, status), strict=True)
        )
    return facts


def _write_snapshot(
    config: GenerateConfig, roll: Roll, snapshot: Snapshot, pool: ThreadPoolExecutor
) -> list[WrittenFile]:
    """Write every file of one day: chunks are built and rendered in worker threads, written here in order.

    Rendering (numpy and Arrow kernels, which release the GIL) runs ahead by a few chunks; appending,
    defect injection (a per-file random stream) and renaming happen in file order in this thread,
    so the bytes do not depend on thread timing.
    """
    plans = _file_plans(config, roll, snapshot)
    folder = config.out if config.package == "none" else staging_folder(config.out)
    for plan in plans:
        if config.package != "none" and plan.facts:
            plan.facts["packaged_in"] = plan.archive or f"{plan.name}.gz"
    writers: dict[str, DelimitedFileWriter] = {}
    in_flight: deque[tuple[_FilePlan, bool, Future]] = deque()
    written: list[WrittenFile] = []

    def render_chunk(plan: _FilePlan, positions: np.ndarray) -> tuple[pa.Buffer, int, np.ndarray | None, bool]:
        built = plan.build(roll.take(_as_slice(positions)))
        table, traits = built if isinstance(built, tuple) else (built, None)
        # A file whose lines are not edited gets its final bytes here, in parallel (UTF-16 for VR_Snapshot).
        file_bytes = not writers[plan.name].edits_lines
        return *render(table, plan.layout, file_bytes=file_bytes), traits, file_bytes

    def _writer(plan: _FilePlan) -> DelimitedFileWriter:
        if plan.name not in writers:
            folder.mkdir(parents=True, exist_ok=True)
            writers[plan.name] = DelimitedFileWriter(
                folder / plan.name,
                plan.layout,
                defect_rates=config.defects.rates,
                defect_rng=rng_for(config.seed, "defects", plan.name),
                as_of=snapshot.as_of,
                manifest=config.writes_manifest,
                facts=plan.facts,
                bom=config.bom,
            )
        return writers[plan.name]

    unfinished = Counter(plan.group for plan in plans)

    def finish_oldest() -> None:
        plan, last_chunk, future = in_flight.popleft()
        writers[plan.name].write_rendered(*future.result())
        if last_chunk:
            unfinished[plan.group] -= 1
            if not unfinished[plan.group]:
                # A group's files appear together, history first: a state's voters file never lands
                # before its vote history does.
                group = [member for member in plans if member.group == plan.group]
                written.extend(writers[member.name].close() for member in reversed(group))

    try:
        for plan in plans:
            _writer(plan)  # opened in file order, before any of its chunks is rendered
            size = max(1, config.chunk_size // plan.layout.chunk_divisor)
            starts = range(0, max(len(plan.members), 1), size)
            for start in starts:
                positions = plan.members[start : start + size]
                in_flight.append((plan, start == starts[-1], pool.submit(render_chunk, plan, positions)))
                while len(in_flight) > CHUNKS_IN_FLIGHT:
                    finish_oldest()
        while in_flight:
            finish_oldest()
    except BaseException:
        for future in (item[2] for item in in_flight):
            future.cancel()
        for writer in writers.values():
            if not writer.closed:
                writer.abort()
        raise
    if config.package != "none":
        written = package(
            written, {plan.name: plan.archive for plan in plans}, config.package, config.out, snapshot.as_of
        )
        shutil.rmtree(folder, ignore_errors=True)
    return written


def _as_slice(positions: np.ndarray) -> slice | np.ndarray:
    """A run of consecutive positions as a slice, so taking the chunk makes views instead of copies."""
    if len(positions) and positions[-1] - positions[0] + 1 == len(positions) and np.all(np.diff(positions) == 1):
        return slice(int(positions[0]), int(positions[-1]) + 1)
    return positions
