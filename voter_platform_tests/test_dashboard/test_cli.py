"""`voter-platform dashboard` as a user starts it."""

import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from voter_platform.cli import main


def test_the_command_serves_the_published_snapshot(published_dir, free_port):
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "voter-platform"), "dashboard", "--port", str(free_port),
         "--published", str(published_dir)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{free_port}/_dash-layout", timeout=5) as response:
                    layout = response.read().decode()
                break
            except OSError:
                assert process.poll() is None, process.stdout.read()
                assert time.monotonic() < deadline, "the dashboard did not start within 60 s"
                time.sleep(0.5)
        assert '"latest":"2025-01-08"' in layout
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_a_published_path_that_is_a_file_is_refused(tmp_path, capsys):
    not_a_folder = tmp_path / "manifest.json"
    not_a_folder.write_text("{}")
    assert main(["dashboard", "--published", str(not_a_folder)]) == 2
    assert "is not a directory" in capsys.readouterr().err
