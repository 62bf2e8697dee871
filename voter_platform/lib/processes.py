"""Is a run's process still alive? (Linux /proc; plain Python.)

A pid alone is not enough: after a reboot or a long time, another process may have the same number. A process
counts as the run's only if it exists, is not a zombie, and started no later than the run did.
"""

from __future__ import annotations

import os
from pathlib import Path

# A process started this long after the run did is another process with a recycled pid.
START_SLACK_SECONDS = 5.0


def _boot_time() -> float | None:
    try:
        for line in Path("/proc/stat").read_text().splitlines():
            if line.startswith("btime "):
                return float(line.split()[1])
    except OSError:
        return None
    return None


def process_started_at(pid: int) -> tuple[float | None, str | None]:
    """(start time as epoch seconds, state letter) of a process from /proc, (None, None) when unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None, None
    # The command name (field 2) is in parentheses and may hold spaces: split after its closing one.
    fields = stat.rsplit(")", 1)[1].split()
    state, start_ticks = fields[0], int(fields[19])
    boot = _boot_time()
    started = boot + start_ticks / os.sysconf("SC_CLK_TCK") if boot is not None else None
    return started, state


def is_alive(pid: int, since: float | None = None) -> bool:
    """Whether `pid` is a live process that started no later than `since` (epoch seconds, when given)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists, owned by someone else
    started, state = process_started_at(pid)
    if state == "Z":  # killed, not yet reaped by its parent
        return False
    # A pid started after the run began is another process that reuses the number.
    return not (since is not None and started is not None and started > since + START_SLACK_SECONDS)
