"""`voter-platform-dbt`: dbt, as a process that dies with the process that started it.

dagster-dbt starts dbt with a plain `subprocess.Popen`: when a run's process is killed (`kill -9`, the machine's
OOM killer), its dbt goes on alone, holding and writing the warehouse while the run is marked failed and the next
one starts. The platform's dbt resource therefore runs this launcher instead of `dbt` (defs/resources.py): it asks
Linux to send it SIGKILL when its parent dies (prctl PR_SET_PDEATHSIG, kept across exec), then replaces itself with
this environment's `dbt`, same arguments, same process.

Plain Python, standard library only (it starts before every dbt invocation).
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from pathlib import Path

PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """SIGKILL this process when the process that started it exits (Linux; elsewhere, nothing)."""
    if not sys.platform.startswith("linux"):
        return
    parent = os.getppid()
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        return
    if os.getppid() != parent:  # the parent died before the request was in place
        os._exit(1)


def exec_with_parent_death(argv: list[str]) -> None:
    """Become `argv` (searched on PATH), dying with the current parent."""
    die_with_parent()
    os.execvp(argv[0], argv)


def main() -> None:
    dbt = Path(sys.executable).parent / "dbt"
    exec_with_parent_death([str(dbt) if dbt.exists() else "dbt", *sys.argv[1:]])


if __name__ == "__main__":
    main()
