"""`voter-platform dashboard` as a user starts it: the first start creates the admin and shows its password once."""

import http.client
import os
import re
import stat
import subprocess
import sys
import time
from pathlib import Path

import requests

from voter_platform.cli import main

STARTUP_TIMEOUT_SECONDS = 60


def _start_dashboard(data_dir: Path, published_dir: Path, port: int) -> tuple[subprocess.Popen, list[str]]:
    """The command in its own data directory; returns it once it answers, with what it printed until then."""
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "voter-platform"),
            "dashboard",
            "--port",
            str(port),
            "--published",
            str(published_dir),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "VOTER_PLATFORM_DATA": str(data_dir)},
    )
    printed = []
    while not any(line.startswith("Dashboard on") for line in printed):
        line = process.stdout.readline()
        assert line, "the dashboard exited:\n" + "".join(printed)
        printed.append(line)
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while True:
        try:
            requests.get(f"http://127.0.0.1:{port}/login", timeout=5)
            return process, printed
        except requests.ConnectionError:
            assert time.monotonic() < deadline, "the dashboard did not answer within 60 s"
            time.sleep(0.5)


def _declared_150_mb_post(port: int) -> int:
    """The status of a POST announcing a 150 MB body (a few bytes sent): refused before the body is read."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.putrequest("POST", "/_dash-update-component")
        connection.putheader("Content-Type", "application/json")
        connection.putheader("Content-Length", str(150 * 1024 * 1024))
        connection.endheaders(b"{}")
        return connection.getresponse().status
    finally:
        connection.close()


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    process.wait(timeout=20)


def _log_in(base: str, name: str, password: str) -> requests.Session:
    session = requests.Session()
    token = re.search(r'name="form_token" value="([^"]+)"', session.get(base + "/login").text).group(1)
    answer = session.post(
        base + "/login", data={"name": name, "password": password, "form_token": token}, allow_redirects=False
    )
    assert answer.status_code == 302, answer.text
    return session


def test_the_first_start_prints_the_admin_password_once_and_it_opens_the_dashboard(published_dir, free_port, tmp_path):
    data_dir, base = tmp_path / "data", f"http://127.0.0.1:{free_port}"
    process, printed = _start_dashboard(data_dir, published_dir, free_port)
    try:
        [password] = re.findall(r"user 'admin', password (\S+)", "".join(printed))
        assert requests.get(base + "/_dash-layout", timeout=5).status_code == 401
        layout = _log_in(base, "admin", password).get(base + "/_dash-layout", timeout=5)
        assert layout.status_code == 200 and '"latest":"2025-01-08"' in layout.text
        assert _declared_150_mb_post(free_port) == 413
    finally:
        _stop(process)
    for secret in (data_dir / "users.json", data_dir / "dashboard_secret_key"):
        assert stat.S_IMODE(secret.stat().st_mode) == 0o600, secret
    assert password not in (data_dir / "users.json").read_text()

    process, printed = _start_dashboard(data_dir, published_dir, free_port)  # the admin exists now
    _stop(process)
    assert password not in "".join(printed) and "password" not in "".join(printed)


def test_a_published_path_that_is_a_file_is_refused(tmp_path, capsys):
    not_a_folder = tmp_path / "manifest.json"
    not_a_folder.write_text("{}")
    assert main(["dashboard", "--published", str(not_a_folder)]) == 2
    assert "is not a directory" in capsys.readouterr().err
