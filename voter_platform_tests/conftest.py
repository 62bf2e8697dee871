"""Session-wide test setup: tests never touch the user's ./data or DAGSTER_HOME.

The environment is set before anything imports `voter_platform.definitions`, which reads it once.
Area-specific fixtures live in the conftest.py of each test sub-package.
"""

import os
import tempfile

SESSION_DATA_DIR = tempfile.mkdtemp(prefix="voter-platform-tests-")
os.environ["VOTER_PLATFORM_DATA"] = SESSION_DATA_DIR
os.environ.pop("DAGSTER_HOME", None)
