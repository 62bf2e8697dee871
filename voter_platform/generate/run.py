"""A generator run: build the roll, then for each day advance it and write that day's snapshot files."""

from __future__ import annotations

import resource
import time
from collections import Counter, deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np
import pyarrow as pa

from voter_platform.generate import formats
from voter_platform.generate.config import GenerateConfig
from voter_platform.generate.formats import Layout, Snapshot
from voter_platform.generate.history import elections_before
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
    with ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="generate") as pool:
        simulation = Simulation(config.voters, config.start, config.seed, config.state_codes, config.churn, pool)
        for offset in range(config.days):
            day = config.start + timedelta(days=offset)
            simulation.advance_to(day)
            snapshot = Snapshot(as_of=day, elections=elections_before(day))
            written = _write_snapshot(config, simulation.roll, snapshot, pool)
            result.files.extend(written)
            result.voter_records += len(simulation.roll)
            if progress:
                progress(f"{day}: {len(simulation.roll):,} voters, {len(written)} files")
    result.seconds = time.perf_counter() - started
    result.peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


@dataclass(frozen=True)
class _FilePlan:
    """One output file: its name, layout, which voters (positions in the roll) and how a chunk becomes a table."""

    name: str
    layout: Layout
    members: np.ndarray
    build: Callable[[Roll], pa.Table]
    group: str  # files of one group (a state's voters and history) are renamed into place together


def _file_plans(config: GenerateConfig, roll: Roll, snapshot: Snapshot) -> list[_FilePlan]:
    day = snapshot.as_of.isoformat()
    everyone = np.arange(len(roll))
    if config.format == "goodparty":
        return [
            _FilePlan(f"goodparty_voters_{day}.csv", formats.GOODPARTY_VOTERS, everyone,
                      lambda chunk: formats.goodparty_voters(chunk, snapshot), "goodparty"),
        ]  # fmt: skip
    if config.format == "ncsbe":
        return [
            _FilePlan(f"ncvoter_Statewide_{day}.txt", formats.NCVOTER, everyone,
                      lambda chunk: formats.ncvoter(chunk, snapshot), "NC"),
            _FilePlan(f"ncvhis_Statewide_{day}.txt", formats.NCVHIS, everyone,
                      lambda chunk: formats.ncvhis(chunk, snapshot), "NC"),
        ]  # fmt: skip
    order = np.argsort(roll.state, kind="stable")  # state blocks, serial order inside each
    bounds = np.searchsorted(roll.state[order], np.arange(len(geography().state_codes) + 1))
    plans = []
    for code in config.state_codes:
        state_index = geography().state_index(code)
        members = order[bounds[state_index] : bounds[state_index + 1]]
        plans += [
            _FilePlan(f"voters_{code}_{day}.csv", formats.CANONICAL_VOTERS, members,
                      lambda chunk, code=code: formats.canonical_voters(chunk, code, snapshot), code),
            _FilePlan(f"vote_history_{code}_{day}.csv", formats.CANONICAL_HISTORY, members,
                      lambda chunk, code=code: formats.canonical_history(chunk, code, snapshot), code),
        ]  # fmt: skip
    return plans


def _write_snapshot(
    config: GenerateConfig, roll: Roll, snapshot: Snapshot, pool: ThreadPoolExecutor
) -> list[WrittenFile]:
    """Write every file of one day: chunks are built and rendered in worker threads, written here in order.

    Rendering (numpy and Arrow kernels, which release the GIL) runs ahead by a few chunks; appending,
    defect injection (a per-file random stream) and renaming happen in file order in this thread,
    so the bytes do not depend on thread timing.
    """
    plans = _file_plans(config, roll, snapshot)
    writers: dict[str, DelimitedFileWriter] = {}
    in_flight: deque[tuple[_FilePlan, bool, Future]] = deque()
    written: list[WrittenFile] = []

    def render_chunk(plan: _FilePlan, positions: np.ndarray) -> tuple[pa.Buffer, int]:
        return render(plan.build(roll.take(_as_slice(positions))), plan.layout)

    def _writer(plan: _FilePlan) -> DelimitedFileWriter:
        if plan.name not in writers:
            writers[plan.name] = DelimitedFileWriter(
                config.out / plan.name,
                plan.layout,
                defect_rates=config.defects.rates,
                defect_rng=rng_for(config.seed, "defects", plan.name),
                as_of=snapshot.as_of,
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
            starts = range(0, max(len(plan.members), 1), config.chunk_size)
            for start in starts:
                positions = plan.members[start : start + config.chunk_size]
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
    return written


def _as_slice(positions: np.ndarray) -> slice | np.ndarray:
    """A run of consecutive positions as a slice, so taking the chunk makes views instead of copies."""
    if len(positions) and positions[-1] - positions[0] + 1 == len(positions) and np.all(np.diff(positions) == 1):
        return slice(int(positions[0]), int(positions[-1]) + 1)
    return positions
