"""`voter-platform up`: prepare, seed demo data, then run the Dagster UI and the dashboard together.

Both servers run in their own process groups (`dg dev` ignores SIGTERM for a while when it is not
a group leader); on Ctrl-C or SIGTERM both groups are stopped, forcefully after a grace period, so no
process is left behind.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from voter_platform.cli.common import configured_data
from voter_platform.settings import REPO_ROOT

STOP_GRACE_SECONDS = 15


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "up",
        help="start the Dagster UI and the dashboard side by side (seeds demo data when landing is empty)",
        description=(
            "Put demo voter files into the landing folder when it is empty, then start `dg dev` (UI, daemon: "
            "landing sensor and schedules; it prepares the dbt manifest) and the Dash dashboard. "
            "Ctrl-C stops both."
        ),
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface both servers listen on (default %(default)s)")
    parser.add_argument("--dagster-port", type=int, default=3000, help="Dagster UI port (default %(default)s)")
    parser.add_argument("--dashboard-port", type=int, default=8050, help="dashboard port (default %(default)s)")
    parser.add_argument("--no-demo", action="store_true", help="do not seed demo files into an empty landing folder")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    paths = configured_data("up")
    if paths is None:
        return 2

    from voter_platform.demo import seed_demo_data

    if not args.no_demo:
        seeded = seed_demo_data(paths)
        if seeded:
            print(f"Seeded {len(seeded)} demo file(s) into {paths.landing}")
    fail_runs_left_by_dead_processes()

    bin_dir = Path(sys.executable).parent
    servers = {
        # dg dev also prepares the dbt manifest when the code location loads (DbtProject.prepare_if_dev).
        "Dagster UI": [
            str(bin_dir / "dg"),
            "dev",
            "-w",
            str(REPO_ROOT / "workspace.yaml"),
            "-h",
            args.host,
            "-p",
            str(args.dagster_port),
        ],
        "Dashboard": [
            str(bin_dir / "voter-platform"),
            "dashboard",
            "--host",
            args.host,
            "--port",
            str(args.dashboard_port),
        ],
    }
    # Run from DAGSTER_HOME: Dagster warns about any other dagster.yaml in its working directory (the
    # repo's template), although the instance it uses is the one in DAGSTER_HOME.
    environment = {
        **os.environ,
        # Alerts link to the run in the UI this command starts (unless the user says where the UI is reached).
        "VOTER_PLATFORM_DAGSTER_UI_URL": os.environ.get("VOTER_PLATFORM_DAGSTER_UI_URL")
        or f"http://{args.host}:{args.dagster_port}",
    }
    # Ctrl-C (SIGINT) and SIGTERM both stop the servers; installed before they start, because a signal a
    # parent set to "ignore" (a shell starting `make run &` in a script ignores SIGINT) stays ignored in
    # every program started from here, and a server that ignores SIGTERM is only stopped by the kill.
    # A caught signal is not inherited: the servers start with the default, and stop when told.
    signal.signal(signal.SIGINT, _interrupted)
    signal.signal(signal.SIGTERM, _interrupted)
    processes = {
        name: subprocess.Popen(command, cwd=os.environ["DAGSTER_HOME"], env=environment, start_new_session=True)
        for name, command in servers.items()
    }

    print()
    print(f"  Dagster UI:  http://{args.host}:{args.dagster_port}")
    print(
        f"  Dashboard:   http://{args.host}:{args.dashboard_port}  (log in: on its first start the dashboard prints "
        "the admin's password here, once)"
    )
    print(f"  Landing:     {paths.landing}  (drop voter files here)")
    print("  Ctrl-C stops both.")
    print()

    try:
        while all(process.poll() is None for process in processes.values()):
            time.sleep(0.5)
        exited = [name for name, process in processes.items() if process.poll() is not None]
        print(f"{', '.join(exited)} exited; stopping the rest.", file=sys.stderr)
        status = 1
    except KeyboardInterrupt:
        status = 0
    finally:
        stop_all(processes)
    return status


def _interrupted(signum, frame):  # the signal handler's signature; neither is needed
    raise KeyboardInterrupt


def stop_all(processes: dict[str, subprocess.Popen]) -> None:
    """SIGTERM every process group, then SIGKILL whatever is still alive after the grace period.

    A second Ctrl-C while they stop is ignored: it used to interrupt this very cleanup, leaving the
    servers running without the command that started them (holding their ports and the warehouse)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    print(f"Stopping the servers (at most {STOP_GRACE_SECONDS} s) ...", file=sys.stderr)
    for process in processes.values():
        _signal_group(process, signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for name, process in processes.items():
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
        if process.poll() is None:
            print(f"{name} did not stop within {STOP_GRACE_SECONDS} s: killed.", file=sys.stderr)
        _signal_group(process, signal.SIGKILL)  # its children too, whether or not it stopped


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signum)


def fail_runs_left_by_dead_processes() -> None:
    """Register the warehouse pool in the instance (one writer at a time from the first run, defs/instance.py).
    And: a run whose process was killed (or a machine restarted) stays STARTED and holds the warehouse pool: mark
    it failed with the reason before the daemon starts, so the runs queued behind it go ahead."""
    import dagster as dg

    from voter_platform.defs.dead_runs import fail_dead_runs
    from voter_platform.defs.instance import ensure_warehouse_pool

    with dg.DagsterInstance.get() as instance:
        ensure_warehouse_pool(instance)
        for run_id in fail_dead_runs(instance):
            print(f"Run {run_id} was in progress in a process that is gone: marked failed (run its date again).")
