"""Session-wide test setup: tests never touch the user's ./data or DAGSTER_HOME.

The environment is set before anything imports `voter_platform.definitions`, which reads it once.
Area-specific fixtures live in the conftest.py of each test sub-package; the fixture warehouse that the
publish and dashboard tests share lives here, so a run builds it once.
"""

import os
import tempfile

import pytest

SESSION_DATA_DIR = tempfile.mkdtemp(prefix="voter-platform-tests-")
os.environ["VOTER_PLATFORM_DATA"] = SESSION_DATA_DIR
os.environ.pop("DAGSTER_HOME", None)
# Files written by a test are finished when written: no quiet period (its rules are tested with explicit values in
# test_ingest/test_sensor.py).
os.environ["VOTER_PLATFORM_LANDING_QUIET_SECONDS"] = "0"
os.environ["VOTER_PLATFORM_LANDING_UNFINISHED_LINE_SECONDS"] = "0"

from voter_platform_tests.published_fixtures import build_warehouse  # noqa: E402 - after the environment is set


@pytest.fixture(scope="session")
def fixture_warehouse(tmp_path_factory):
    """The contract marts of two dates for five states, plus PII-bearing raw rows (built once: ~2 s), shared by
    the publish and dashboard tests."""
    return build_warehouse(tmp_path_factory.mktemp("warehouse") / "warehouse.duckdb")
