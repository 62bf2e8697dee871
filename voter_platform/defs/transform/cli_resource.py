"""The dbt CLI resource, without the start-up work dagster-dbt does in the run process.

Two private hooks of dagster-dbt 0.29 (the version is pinned) are replaced, each worth seconds per
run on our machines (measured by voter_platform/bench/marts.py):

* `_cli_version` runs `dbt --version` in a subprocess before every invocation to tell dbt Core
  from dbt Fusion. The executable is this environment's dbt, so the installed dbt-core's version
  answers without starting a second Python.
* `_initialize_dbt_core_adapter` configures a dbt adapter inside the Dagster process for
  `fetch_row_counts()` / `fetch_column_metadata()`, which query the warehouse while dbt runs.
  With DuckDB's single writer that is what this platform must not do (the dbt asset reads row
  counts and schemas after dbt has exited), so no adapter is built.
"""

from collections.abc import Sequence
from functools import cached_property
from importlib.metadata import version as installed_version

from dagster_dbt import DbtCliResource
from packaging import version


class WarehouseDbtCliResource(DbtCliResource):
    """`DbtCliResource` for a dbt Core installed in this environment, against a single-writer DuckDB."""

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(installed_version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:  # type: ignore[override]
        return None
