"""A generator run: build the roll, then for each day advance it and write that day's snapshot files."""

from __future__ import annotations

import resource
import time
from collections.abc import Callable, Iterator
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
from voter_platform.generate.writer import DelimitedFileWriter, WrittenFile


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
    simulation = Simulation(config.voters, config.start, config.seed, config.state_codes, config.churn)
    result = GenerateResult()
    for offset in range(config.days):
        day = config.start + timedelta(days=offset)
        simulation.advance_to(day)
        snapshot = Snapshot(as_of=day, elections=elections_before(day))
        written = list(_write_snapshot(config, simulation.roll, snapshot))
        result.files.extend(written)
        result.voter_records += len(simulation.roll)
        if progress:
            progress(f"{day}: {len(simulation.roll):,} voters, {len(written)} files")
    result.seconds = time.perf_counter() - started
    result.peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def _write_snapshot(config: GenerateConfig, roll: Roll, snapshot: Snapshot) -> Iterator[WrittenFile]:
    date_text = snapshot.as_of.isoformat()
    if config.format == "canonical":
        order = np.argsort(roll.state, kind="stable")  # state blocks, serial order inside each
        bounds = np.searchsorted(roll.state[order], np.arange(len(geography().state_codes) + 1))
        for code in config.state_codes:
            state_index = geography().state_index(code)
            members = order[bounds[state_index] : bounds[state_index + 1]]
            yield from _write_files(
                config,
                roll,
                members,
                snapshot,
                [
                    (
                        f"voters_{code}_{date_text}.csv",
                        formats.CANONICAL_VOTERS,
                        lambda chunk, c=code: formats.canonical_voters(chunk, c, snapshot),
                    ),
                    (
                        f"vote_history_{code}_{date_text}.csv",
                        formats.CANONICAL_HISTORY,
                        lambda chunk, c=code: formats.canonical_history(chunk, c, snapshot),
                    ),
                ],
            )
    elif config.format == "goodparty":
        yield from _write_files(
            config,
            roll,
            np.arange(len(roll)),
            snapshot,
            [
                (
                    f"goodparty_voters_{date_text}.csv",
                    formats.GOODPARTY_VOTERS,
                    lambda chunk: formats.goodparty_voters(chunk, snapshot),
                )
            ],
        )
    else:
        yield from _write_files(
            config,
            roll,
            np.arange(len(roll)),
            snapshot,
            [
                (f"ncvoter_Statewide_{date_text}.txt", formats.NCVOTER, lambda chunk: formats.ncvoter(chunk, snapshot)),
                (f"ncvhis_Statewide_{date_text}.txt", formats.NCVHIS, lambda chunk: formats.ncvhis(chunk, snapshot)),
            ],
        )


def _write_files(
    config: GenerateConfig,
    roll: Roll,
    members: np.ndarray,
    snapshot: Snapshot,
    outputs: list[tuple[str, Layout, Callable[[Roll], pa.Table]]],
) -> Iterator[WrittenFile]:
    """Write several files from the same voters, one chunk of voters at a time."""
    writers = [
        DelimitedFileWriter(
            config.out / name,
            layout,
            defect_rates=config.defects.rates,
            defect_rng=rng_for(config.seed, "defects", name),
            as_of=snapshot.as_of,
        )
        for name, layout, _ in outputs
    ]
    try:
        for start in range(0, len(members), config.chunk_size):
            chunk = roll.take(members[start : start + config.chunk_size])
            for writer, (_, _, build) in zip(writers, outputs, strict=True):
                writer.write(build(chunk))
    except BaseException:
        for writer in writers:
            writer.abort()
        raise
    for writer in writers:
        yield writer.close()
