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

Two additions keep dbt's partial parsing working from one run to the next (a full parse costs
~3 s of every run):

* `cli(..., env=...)` gives the dbt process extra environment variables: the analysis window
  travels that way instead of as `--vars`, which would invalidate the parse state of every run
  (voter_platform/lib/dbt_vars.py).
* `keep_partial_parse_state()` copies the parse state an invocation wrote back to the project's
  target folder, from where dagster-dbt seeds the next invocation's own target folder. Otherwise
  only `dbt parse` at start-up writes it, and a state parsed for another data directory (dbt
  checks the warehouse path of the profile) would cost a full parse on every run.
"""

import filecmp
import os
import shutil
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import cached_property
from importlib.metadata import version as installed_version
from pathlib import Path
from typing import Any

from dagster_dbt import DbtCliInvocation, DbtCliResource
from packaging import version

PARTIAL_PARSE_FILE = "partial_parse.msgpack"


class WarehouseDbtCliResource(DbtCliResource):
    """`DbtCliResource` for a dbt Core installed in this environment, against a single-writer DuckDB."""

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(installed_version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:  # type: ignore[override]
        return None

    def cli(self, args: Sequence[str], *, env: Mapping[str, str] | None = None, **kwargs: Any) -> DbtCliInvocation:
        """`DbtCliResource.cli`, with `env` added to the environment of the dbt process.

        dagster-dbt builds that environment from `os.environ` when it starts the process, so the
        variables are set for the duration of this call only.
        """
        with _environment(env or {}):
            return super().cli(args, **kwargs)

    def keep_partial_parse_state(self, invocation: DbtCliInvocation) -> None:
        """Make the parse state `invocation` left the one the next invocation starts from."""
        written = invocation.target_path / PARTIAL_PARSE_FILE
        # where dagster-dbt looks for it (dagster_dbt.core.dbt_cli_invocation: DBT_TARGET_PATH or target)
        kept = Path(self.project_dir) / os.environ.get("DBT_TARGET_PATH", "target") / PARTIAL_PARSE_FILE
        if not written.exists() or (kept.exists() and filecmp.cmp(written, kept, shallow=False)):
            return
        kept.parent.mkdir(parents=True, exist_ok=True)
        partial = kept.with_name(f".{PARTIAL_PARSE_FILE}.{os.getpid()}")
        shutil.copyfile(written, partial)
        os.replace(partial, kept)  # atomic: a dbt starting now reads the old state or the new one


@contextmanager
def _environment(variables: Mapping[str, str]) -> Iterator[None]:
    previous = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
