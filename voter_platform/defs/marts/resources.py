"""The dbt CLI resource: dagster-dbt's own, with this environment's dbt."""

import sys
from pathlib import Path

from dagster_dbt import DbtCliResource

from voter_platform.defs.marts.project import dbt_project


def build_dbt_resource() -> DbtCliResource:
    # dbt is a console script of this environment; named by path, it is found without PATH (make runs
    # .venv/bin/... without activating the environment).
    return DbtCliResource(project_dir=dbt_project, dbt_executable=str(Path(sys.executable).parent / "dbt"))
