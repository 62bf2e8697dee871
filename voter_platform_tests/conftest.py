"""Session-wide test setup: tests never touch the user's ./data or DAGSTER_HOME.

The test session sets itself up as the `voter-platform` commands do: its own data directory (and the
Dagster instance in it), then the dbt manifest when the dbt project changed since it was parsed.
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

from voter_platform.defs.marts.project import prepare_manifest  # noqa: E402 - after the environment is set
from voter_platform.settings import configure_environment  # noqa: E402
from voter_platform_tests.published_fixtures import fixture_warehouse_path  # noqa: E402

configure_environment()
prepare_manifest()


@pytest.fixture(scope="session")
def fixture_warehouse():
    """A warehouse built by the platform from generated files - raw rows with names and emails, every dbt model
    for 2025-01-06 .. 01-08 - shared by the publish and dashboard tests (about a minute the first time, then
    cached while its inputs are unchanged; see published_fixtures.py). Read-only: copy it to change it."""
    return fixture_warehouse_path()
