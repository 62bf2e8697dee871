"""The command line as a user meets it: help texts, an empty landing folder, a bad data setting."""

import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from voter_platform.cli import SUBCOMMANDS, main

VOTER_PLATFORM = [sys.executable, "-m", "voter_platform.cli"]


def run_cli(*args: str, data_dir: Path | str) -> subprocess.CompletedProcess:
    env = {**os.environ, "VOTER_PLATFORM_DATA": str(data_dir)}
    env.pop("DAGSTER_HOME", None)
    return subprocess.run([*VOTER_PLATFORM, *args], capture_output=True, text=True, env=env, timeout=600)


def subcommand_names() -> list[str]:
    return [module.__name__.rsplit(".", 1)[-1] for module in SUBCOMMANDS]


@pytest.mark.parametrize("command", subcommand_names())
def test_every_subcommand_explains_itself(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    help_text = capsys.readouterr().out
    assert f"usage: voter-platform {command}" in help_text
    # A description beyond the usage line: what the command does.
    assert len(help_text.split("\n\n", 2)[1].split()) >= 8


def test_build_with_an_empty_landing_folder_says_there_is_nothing_to_build(tmp_path):
    result = run_cli("build", data_dir=tmp_path / "data")
    assert result.returncode == 0, result.stderr
    assert f"Nothing to build: no voter files in {tmp_path / 'data' / 'landing'}" in result.stdout


def test_build_with_a_data_setting_that_is_a_file_fails_naming_the_path(tmp_path):
    not_a_folder = tmp_path / "data.txt"
    not_a_folder.write_text("oops")
    result = run_cli("build", data_dir=not_a_folder)
    assert result.returncode != 0
    assert str(not_a_folder) in result.stderr
    assert "Traceback" not in result.stderr


def test_build_with_an_unwritable_data_setting_fails_naming_the_path(tmp_path):
    blocked = tmp_path / "blocked"
    blocked.mkdir()
    (blocked / "landing").write_text("a file where the landing folder should be")
    result = run_cli("build", data_dir=blocked)
    assert result.returncode != 0
    assert str(blocked / "landing") in result.stderr
    assert "Traceback" not in result.stderr


def test_build_with_an_unknown_file_fails_naming_the_file_and_the_formats_expected(tmp_path):
    landing = tmp_path / "data" / "landing"
    landing.mkdir(parents=True)
    (landing / "mystery_2026-11-05.csv").write_text("foo,bar,baz\n1,2,3\n")
    result = run_cli("build", data_dir=tmp_path / "data")
    assert result.returncode == 1
    summary = result.stdout
    assert "2026-11-05           FAILED" in summary
    assert "mystery_2026-11-05.csv: unknown_format: line 1 is not a header the platform knows" in summary
    assert "layouts `voter-platform layouts` lists (the platform's own voters file: voter_id," in summary


def test_build_with_a_file_dated_after_today_names_it_and_builds_nothing_for_it(tmp_path):
    landing = tmp_path / "data" / "landing"
    landing.mkdir(parents=True)
    tomorrow = (date.today() + timedelta(days=2)).isoformat()  # after today in any time zone
    (landing / f"voters_NC_{tomorrow}.csv").write_text("foo,bar\n1,2\n")
    result = run_cli("build", data_dir=tmp_path / "data")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert (
        f"voters_NC_{tomorrow}.csv: snapshot date {tomorrow} (from its file name) is outside the analysis dates"
        in result.stderr
    )
    assert "Building 0 partition(s)" in result.stdout


def test_build_with_a_blocked_date_prints_the_file_rate_reasons_and_what_to_do_without_a_traceback(tmp_path):
    landing = tmp_path / "data" / "landing"
    landing.mkdir(parents=True)
    from voter_platform.lib.ingest.formats import CANONICAL_VOTER_HEADER
    from voter_platform_tests.test_ingest.defect_files import canonical_voter

    good = [
        ",".join(canonical_voter(number, date(2026, 11, 5), "OR")[column] for column in CANONICAL_VOTER_HEADER)
        for number in range(1, 41)
    ]
    lines = [",".join(CANONICAL_VOTER_HEADER), *good, *["not,a,voter,line"] * 6]
    (landing / "voters_OR_2026-11-05.csv").write_text("\n".join(lines) + "\n")
    result = run_cli("build", data_dir=tmp_path / "data")
    assert result.returncode == 1
    assert "2026-11-05           BLOCKED" in result.stdout
    assert "2026-11-05 is blocked: its marts were not built and nothing was published for it." in result.stdout
    assert "voters_OR_2026-11-05.csv: 6 of 46 records quarantined (13.04%), above the 5% threshold." in result.stdout
    assert "Top reasons: wrong_field_count 6." in result.stdout
    assert "What to do: raw.quarantine lists every quarantined line" in result.stdout
    for noise in ("Traceback", "Stack Trace", "DagsterAssetCheckFailedError", "dagster._core"):
        assert noise not in result.stdout and noise not in result.stderr, noise
    # The dashboard learns it from the published folder.
    assert "voters_OR_2026-11-05.csv" in (tmp_path / "data" / "published" / "blocked_dates.json").read_text()
