"""`voter-platform up` (what `make run` runs): both servers answer, and Ctrl-C leaves nothing behind."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

STARTUP_TIMEOUT_SECONDS = 240


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


def processes_using(data_dir: Path) -> list[int]:
    """Every live process whose environment points at this data dir (the servers and their children)."""
    marker = f"VOTER_PLATFORM_DATA={data_dir}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if marker in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
        except OSError:  # gone meanwhile, or not ours to read
            continue
    return found


def started_in_the_background() -> None:
    """What a shell does to a job it starts with `&` in a script: Ctrl-C and SIGTERM ignored."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


def test_up_serves_dagster_and_the_dashboard_and_ctrl_c_stops_both(tmp_path):
    """Started as a background job (`make run &`: signals it inherits ignored) and stopped with Ctrl-C pressed
    twice, as people do: both servers stop when told, none has to be killed, nothing is left running. (The
    servers inherited the ignored signals and were only killed after the grace period; a second Ctrl-C cut the
    cleanup short and left them running, holding their ports.)"""
    data_dir = tmp_path / "data"
    dagster_port, dashboard_port = free_port(), free_port()
    environment = {**os.environ, "VOTER_PLATFORM_DATA": str(data_dir)}
    environment.pop("DAGSTER_HOME", None)
    up = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "voter_platform.cli",
            "up",
            "--no-demo",
            "--dagster-port",
            str(dagster_port),
            "--dashboard-port",
            str(dashboard_port),
        ],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        preexec_fn=started_in_the_background,
    )
    dagster_ui = f"http://127.0.0.1:{dagster_port}/server_info"
    dashboard = f"http://127.0.0.1:{dashboard_port}/"
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while not (answers(dagster_ui) and answers(dashboard)):
            assert up.poll() is None, f"voter-platform up exited early:\n{up.stdout.read()}"
            assert time.monotonic() < deadline, "the servers did not come up in time"
            time.sleep(2)
        assert processes_using(data_dir), "the servers should be running now"
    finally:
        up.send_signal(signal.SIGINT)  # what Ctrl-C sends
        time.sleep(1)
        up.send_signal(signal.SIGINT)  # and again, while the servers stop
        output, _ = up.communicate(timeout=90)

    assert up.returncode == 0, output
    assert "killed" not in output, output
    assert f"Dagster UI:  http://127.0.0.1:{dagster_port}" in output
    assert f"Dashboard:   http://127.0.0.1:{dashboard_port}" in output
    # The console stays readable: no superseded-command notice, no rejected warning filter.
    assert "SupersessionWarning" not in output and "Invalid -W option" not in output
    time.sleep(1)
    assert processes_using(data_dir) == []
    assert not answers(dagster_ui) and not answers(dashboard)
