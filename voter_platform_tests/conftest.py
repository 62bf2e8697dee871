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

from voter_platform.defs.marts.project import prepare_manifest  # noqa: E402 - after the environment is set
from voter_platform.settings import configure_environment  # noqa: E402
from voter_platform_tests.published_fixtures import build_warehouse  # noqa: E402

configure_environment()
prepare_manifest()


@pytest.fixture(scope="session")
def fixture_warehouse(tmp_path_factory):
    """The contract marts of two dates for five states, plus PII-bearing raw rows (built once: ~2 s), shared by
    the publish and dashboard tests."""
    return build_warehouse(tmp_path_factory.mktemp("warehouse") / "warehouse.duckdb")
