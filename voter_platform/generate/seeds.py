"""Independent, reproducible random streams: one per purpose, derived from the run's seed.

Each part of the simulation (a state's population, an election, a day's churn, a file chunk's
defects) draws from its own stream keyed by names and numbers, so the same seed gives the same
bytes whatever order the parts run in, and changing one part does not shift the others.
"""

from __future__ import annotations

import zlib

import numpy as np


def rng_for(seed: int, *keys: str | int) -> np.random.Generator:
    spawn_key = tuple(zlib.crc32(key.encode()) if isinstance(key, str) else int(key) for key in keys)
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(entropy=seed, spawn_key=spawn_key)))


def mix(serial: np.ndarray, salt: int) -> np.ndarray:
    """A deterministic pseudo-random number in [0, 2**31) per voter serial, for attributes the roll does not
    store (a voter keeps the same value from day to day and across formats)."""
    value = (np.asarray(serial).astype(np.uint64) + np.uint64(salt)) * np.uint64(0x9E3779B97F4A7C15)
    return (value >> np.uint64(33)).astype(np.int64)


def unit_mix(serial: np.ndarray, salt: int) -> np.ndarray:
    """`mix` scaled to [0, 1)."""
    return mix(serial, salt) / float(1 << 31)
