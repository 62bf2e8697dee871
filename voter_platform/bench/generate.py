"""Benchmark of the voter-file generator: voters per second (with vote history) and peak memory."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from voter_platform.generate.config import GenerateConfig
from voter_platform.generate.run import generate

BENCH_START = date(2026, 11, 2)


def bench_generate(voters: int, out_dir: Path, seed: int = 1) -> dict:
    """Generate one canonical snapshot of `voters` voters (all states, with history) into `out_dir`.

    Returns the measured figures; the caller prints them and removes `out_dir`. Peak memory is the
    process's resident-set high-water mark (ru_maxrss), so run it in a fresh process for a clean figure.
    """
    result = generate(
        GenerateConfig(voters=voters, start=BENCH_START, days=1, format="canonical", out=Path(out_dir), seed=seed)
    )
    return {
        "stage": "generate",
        "voters": result.voter_records,
        "files": len(result.files),
        "megabytes_written": round(result.bytes_written / 1e6, 1),
        "seconds": round(result.seconds, 2),
        "voters_per_second": round(result.voters_per_second),
        "peak_rss_mb": round(result.peak_rss_mb),
    }
