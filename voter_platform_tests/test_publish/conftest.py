import pytest

from voter_platform_tests.published_fixtures import build_warehouse


@pytest.fixture(scope="session")
def fixture_warehouse(tmp_path_factory):
    """The contract marts of two dates for five states, plus PII-bearing raw rows (built once: ~2 s)."""
    return build_warehouse(tmp_path_factory.mktemp("warehouse") / "warehouse.duckdb")
