"""Each timed bench step runs in a fresh Python process, so that its peak memory is its own.

A step is `python -m <module> PHASE ARGUMENT`; it prints its figures as one JSON object on the last line
of its output, which `run_phase` returns.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from collections.abc import Mapping
from typing import Any


def run_phase(module: str, phase: str, argument: str, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Run `python -m module phase argument` (with `env`, default this process's); return its last JSON line."""
    command = [sys.executable, "-m", module, phase, argument]
    completed = subprocess.run(command, env=env, stdout=subprocess.PIPE, text=True)
    lines = completed.stdout.strip().splitlines()
    if completed.returncode != 0 or not lines:
        raise RuntimeError(f"bench step {phase!r} failed (exit {completed.returncode}); its output is above")
    return json.loads(lines[-1])


def peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    """Resident-set high-water mark in MB, of this process or (RUSAGE_CHILDREN) its largest finished child."""
    return resource.getrusage(who).ru_maxrss / 1024  # kilobytes on Linux


def peaks() -> dict[str, int]:
    """Peak resident memory of this process and of its largest finished child (dbt), in MB."""
    return {
        "peak_rss_mb": round(peak_rss_mb()),
        "peak_rss_mb_children": round(peak_rss_mb(resource.RUSAGE_CHILDREN)),
    }
