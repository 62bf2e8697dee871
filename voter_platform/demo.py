"""Demo data for `voter-platform up`: put sample voter files into an empty landing folder.

The demo is a simulated national roll of about 100,000 voters in the canonical layout, one
snapshot a day on 2026-11-02, 11-03 and 11-04 (so the 3 November general election appears in the
last day's history and the roll churns between days), with the light defect profile the ingest has
to cope with; North Carolina is not in it, but arrives as one county's NCSBE extract (Wake,
`ncvoter92` + `ncvhis92`, the same three days) shaped like a real county file (the realistic
profile: ~9% removed voters with blanked addresses, denied and confidential voters, placeholder
dates), so the platform shows a partially covered state. Ohio is not in it either, but arrives as the
Secretary of State ships it: the Statewide Voter File in its official layout (four gzipped parts
SWVF_1_22.txt.gz ... SWVF_67_88.txt.gz, one column per election, no party registration: the party
of the last primary ballot), landed on the last demo day, so the dashboard shows a state whose
party comes from primary ballots beside states with registration. Plus the original case-study
file `goodparty_voters.csv` exactly as it was given. It is deterministic (fixed seed) and takes a
few seconds.
"""

from __future__ import annotations

import os
import shutil
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from voter_platform.settings import SAMPLES_DIR, DataPaths

GOODPARTY_SAMPLE = SAMPLES_DIR / "goodparty_voters.csv"
DEMO_VOTERS = 100_000
DEMO_START = date(2026, 11, 2)
DEMO_DAYS = 3
DEMO_SEED = 20261103
DEMO_DEFECTS = "light"
# North Carolina comes as one county's extract only: the state the demo shows as partially covered.
DEMO_PARTIAL_STATE = "NC"
DEMO_COUNTIES = ("92",)  # NCSBE county id of Wake
DEMO_COUNTY_VOTERS = 5_000
DEMO_COUNTY_DEFECTS = "realistic"
# Ohio comes in its official layout: a state without party registration, read from the state's own files.
DEMO_STATE_FILE = "oh_swvf"
DEMO_STATE_FILE_STATE = "OH"
DEMO_STATE_FILE_VOTERS = 8_000
DEMO_STATE_FILE_PACKAGE = "gz"


def seed_demo_data(paths: DataPaths) -> list[Path]:
    """Seed the landing folder when it holds no files; return what was written (nothing otherwise)."""
    if any(path.is_file() for path in paths.landing.iterdir()):
        return []
    from voter_platform.generate.config import DefectRates, GenerateConfig
    from voter_platform.generate.reference import states
    from voter_platform.generate.run import generate

    national = generate(
        GenerateConfig(
            voters=DEMO_VOTERS,
            start=DEMO_START,
            days=DEMO_DAYS,
            format="canonical",
            out=paths.landing,
            seed=DEMO_SEED,
            states=tuple(code for code in states() if code not in (DEMO_PARTIAL_STATE, DEMO_STATE_FILE_STATE)),
            defects=DefectRates.parse(DEMO_DEFECTS),
        )
    )
    county = generate(
        GenerateConfig(
            voters=DEMO_COUNTY_VOTERS,
            start=DEMO_START,
            days=DEMO_DAYS,
            format="ncsbe",
            out=paths.landing,
            seed=DEMO_SEED,
            counties=DEMO_COUNTIES,
            defects=DefectRates.parse(DEMO_COUNTY_DEFECTS),
        )
    )
    written = [item.path for item in national.files + county.files]
    written += _seed_state_files(paths)
    sample = _copy_atomically(GOODPARTY_SAMPLE, paths.landing / GOODPARTY_SAMPLE.name)
    # The case-study file ends without a line end, which the landing sensor takes for a file still being
    # written until it has been quiet for a grace period (lib/landing.py). It is a finished file: it counts
    # as delivered at the start of today (the date it loads under is unchanged), so the demo need not wait.
    start_of_today = datetime.combine(datetime.now(UTC).date(), time(), tzinfo=UTC).timestamp()
    os.utime(sample, (start_of_today, start_of_today))
    written.append(sample)
    return written


def _seed_state_files(paths: DataPaths) -> list[Path]:
    """Ohio's SWVF parts, landed on the last demo day. Their names carry no date (as the state's), so the
    platform dates them by the day they landed: their modification time is set to that day."""
    from voter_platform.generate.config import GenerateConfig
    from voter_platform.generate.run import generate

    last_day = DEMO_START + timedelta(days=DEMO_DAYS - 1)
    result = generate(
        GenerateConfig(
            voters=DEMO_STATE_FILE_VOTERS,
            start=last_day,
            days=1,
            format=DEMO_STATE_FILE,
            out=paths.landing,
            seed=DEMO_SEED,
            states=(DEMO_STATE_FILE_STATE,),
            package=DEMO_STATE_FILE_PACKAGE,
        )
    )
    landed = datetime.combine(last_day, time(12), tzinfo=UTC).timestamp()
    for item in result.files:
        os.utime(item.path, (landed, landed))
    return [item.path for item in result.files]


def _copy_atomically(source: Path, target: Path) -> Path:
    """Copy under a temporary name the sensor ignores, then rename: no one sees half a file."""
    temporary = target.with_name(f".{target.name}.tmp")
    shutil.copyfile(source, temporary)
    temporary.rename(target)
    return target
