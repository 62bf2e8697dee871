"""Resources shared by every domain, all pointing into the one data directory."""

import sys
from pathlib import Path

from voter_platform.defs.ingest.resources import LandingFolder

# Every step that writes the DuckDB warehouse declares this pool, limited to one run at a time in the instance
# (defs/instance.py), because DuckDB allows a single writing process per database file.
from voter_platform.defs.instance import WAREHOUSE_POOL  # noqa: F401 - imported from here by the assets
from voter_platform.defs.transform.cli_resource import WarehouseDbtCliResource
from voter_platform.defs.transform.project import dbt_project
from voter_platform.defs.warehouse_resources import WarehouseIOManager, WarehouseResource
from voter_platform.settings import DataPaths

# dbt through a launcher that makes it die with the run's process (lib/dbt_child.py); plain dbt where the
# environment was installed before the launcher existed (run `make env` to get it).
DBT_CHILD = Path(sys.executable).parent / "voter-platform-dbt"


def build_resources(paths: DataPaths) -> dict[str, object]:
    warehouse = str(paths.warehouse)
    return {
        "warehouse": WarehouseResource(database=warehouse),
        # Modest Python tables (election reference, summaries) go through the I/O manager; the
        # multi-million-row raw tables are written by SQL through `warehouse`.
        "io_manager": WarehouseIOManager(database=warehouse),
        "dbt": WarehouseDbtCliResource(
            project_dir=dbt_project, dbt_executable=str(DBT_CHILD) if DBT_CHILD.exists() else "dbt"
        ),
        # The folder the landing sensor watches (a resource, so tests can point it anywhere).
        "landing": LandingFolder(path=str(paths.landing)),
    }
