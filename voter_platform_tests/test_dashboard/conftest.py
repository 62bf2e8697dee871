"""Fixtures for the dashboard tests: a published snapshot of two dates, the app over it, headless Chromium."""

import logging
import shutil
import socket
from pathlib import Path

import pytest
from selenium.webdriver.chrome.options import Options

from voter_platform.dashboard.data import PublishedStore
from voter_platform.settings import REPO_ROOT
from voter_platform_tests.dashboard_users import dashboard_app
from voter_platform_tests.published_fixtures import publish_fixture

CHROMIUM = Path("/usr/bin/chromium")
# Headless, and quiet: the network is closed, and background services would flood refused connections.
CHROME_ARGUMENTS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1440,1800",
)
ARTIFACTS = REPO_ROOT / "artifacts"

# One access-log line per request drowns the test output.
logging.getLogger("werkzeug").setLevel(logging.ERROR)


def pytest_setup_options():
    """dash_duo's browser options (dash.testing hook): headless Chromium from Debian, whatever the command line."""
    options = Options()
    for argument in CHROME_ARGUMENTS:
        options.add_argument(argument)
    if CHROMIUM.exists():
        options.binary_location = str(CHROMIUM)
    return options


@pytest.fixture(scope="session")
def session_published(fixture_warehouse, tmp_path_factory):
    published = tmp_path_factory.mktemp("published")
    publish_fixture(fixture_warehouse, published)
    return published


@pytest.fixture
def published_dir(session_published, tmp_path):
    """A private copy of the published snapshot (tests may break or extend it)."""
    target = tmp_path / "published"
    shutil.copytree(session_published, target)
    return target


@pytest.fixture
def store(published_dir):
    return PublishedStore(published_dir)


@pytest.fixture
def app(published_dir):
    return dashboard_app(published_dir)


@pytest.fixture
def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def artifacts():
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
