"""Simulated voter files: daily full-roll snapshots with vote history, calibrated on real public data.

    from voter_platform.generate import GenerateConfig, generate
    generate(GenerateConfig(voters=100_000, start=date(2026, 11, 2), days=3, format="canonical",
                            out=Path("landing"), seed=7, defects=DefectRates.parse("light")))

Modules, in the order data flows through them:

    reference    the real figures (registration by state/county/party, CPS age mix, Pew tilts, VEP turnout,
                 calendar, NC layout and labels) read from data/reference and data/layouts
    population   per-state joint model (IPF) of county x party x age x gender, and draws of people from it
    roll         the roll as compact numpy arrays (names are indices into built-in name tables)
    history      persistent turnout propensity calibrated per state and election; voting methods
    churn        daily changes: new registrations, removals, moves, party switches, name changes
    simulation   the roll through time, a county extract's counties only, and the removed and denied
                 voters NC files keep beside the roll
    formats      canonical, goodparty, ncsbe and VR_Snapshot layouts: a chunk of the roll -> an Arrow
                 table, with the real-file traits of each record (removed, confidential, placeholder dates)
    state_elections  the primaries and specials a state file lists beside the federal generals, and who voted
    state_files  any voter layout of the registry (voter_platform/layouts), written from the layout itself:
                 the state's codes, dates, parts and history shape, and the truth of each file
    packaging    --package gz|zip: the files as states deliver them
    defects      line-level defect injection (glued and truncated lines, ...) and the manifest
    writer       chunked, atomic (temp name + rename) delimited-file writing, the manifest and facts files
    run          a whole run: days x files (county extracts, voters-only drops), rendered in worker
                 threads, written in order
"""

import importlib

__all__ = ["ChurnRates", "DefectRates", "GenerateConfig", "GenerateResult", "generate"]
_HOME = {
    "ChurnRates": "config",
    "DefectRates": "config",
    "GenerateConfig": "config",
    "GenerateResult": "run",
    "generate": "run",
}


def __getattr__(name: str):
    # Lazy, so that `voter-platform --help` and the other subcommands do not load numpy and Arrow.
    if name in _HOME:
        return getattr(importlib.import_module(f"{__name__}.{_HOME[name]}"), name)
    raise AttributeError(name)
