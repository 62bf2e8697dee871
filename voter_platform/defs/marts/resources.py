"""The dbt CLI resource: dagster-dbt's own, with this environment's dbt, and one private hook replaced.

The one exception to "dagster-dbt's public API only": `_cli_version`. Before every invocation
dagster-dbt runs `dbt --version` in a subprocess, to tell dbt Core from dbt Fusion. That is a second
Python starting and importing dbt, before dbt itself starts, on every run: 3.2 s of CPU (median of 5,
whole process; 7.8 s wall on the shared 2-core machine), against about 42 s of CPU for the whole marts
step at 1M voters (`voter-platform bench`, marts step). The dbt this resource runs is the dbt-core
installed in this environment (dbt_executable below), so its version is read from the installed
package instead. dagster-dbt is pinned (pyproject.toml); test_dbt_resource.py fails if the hook is
renamed or the answer differs from what dbt itself says.
"""

import sys
from functools import cached_property
from importlib.metadata import version as installed_version
from pathlib import Path

from dagster_dbt import DbtCliResource
from packaging import version

from voter_platform.defs.marts.project import dbt_project


class InstalledDbtCliResource(DbtCliResource):
    """`DbtCliResource` for the dbt Core installed beside this Python."""

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(installed_version("dbt-core"))


# dbt as a process that dies with the run that started it (lib/dbt_child.py); plain dbt where the console
# script is not installed (an environment set up before it existed).
DBT_CHILD = Path(sys.executable).parent / "voter-platform-dbt"


def build_dbt_resource() -> DbtCliResource:
    # dbt is a console script of this environment; named by path, it is found without PATH (make runs
    # .venv/bin/... without activating the environment).
    executable = DBT_CHILD if DBT_CHILD.exists() else Path(sys.executable).parent / "dbt"
    return InstalledDbtCliResource(project_dir=dbt_project, dbt_executable=str(executable))
