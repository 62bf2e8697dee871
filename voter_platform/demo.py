"""Demo data for `voter-platform up`: put sample voter files into an empty landing folder."""

from __future__ import annotations

import shutil
from pathlib import Path

from voter_platform.settings import SAMPLES_DIR, DataPaths

GOODPARTY_SAMPLE = SAMPLES_DIR / "goodparty_voters.csv"


def seed_demo_data(paths: DataPaths) -> list[Path]:
    """Seed the landing folder when it holds no files; return what was written (nothing otherwise)."""
    if any(path.is_file() for path in paths.landing.iterdir()):
        return []
    return [_copy_atomically(GOODPARTY_SAMPLE, paths.landing / GOODPARTY_SAMPLE.name)]


def _copy_atomically(source: Path, target: Path) -> Path:
    """Copy under a temporary name the sensor ignores, then rename: no one sees half a file."""
    temporary = target.with_name(f".{target.name}.tmp")
    shutil.copyfile(source, temporary)
    temporary.rename(target)
    return target
