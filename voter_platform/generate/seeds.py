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
