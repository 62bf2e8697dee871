"""Resources shared by every domain, all pointing into the one data directory."""

from voter_platform.defs.ingest.resources import LandingFolder
from voter_platform.defs.transform.cli_resource import WarehouseDbtCliResource
from voter_platform.defs.transform.project import dbt_project
from voter_platform.defs.warehouse_resources import WarehouseIOManager, WarehouseResource
from voter_platform.settings import DataPaths

# Every step that writes the DuckDB warehouse declares this pool; dagster.yaml limits it to one run
# at a time, because DuckDB allows a single writing process per database file.
WAREHOUSE_POOL = "warehouse"


def build_resources(paths: DataPaths) -> dict[str, object]:
    warehouse = str(paths.warehouse)
    return {
        "warehouse": WarehouseResource(database=warehouse),
        # Modest Python tables (election reference, summaries) go through the I/O manager; the
        # multi-million-row raw tables are written by SQL through `warehouse`.
        "io_manager": WarehouseIOManager(database=warehouse),
        "dbt": WarehouseDbtCliResource(project_dir=dbt_project),
        # The folder the landing sensor watches (a resource, so tests can point it anywhere).
        "landing": LandingFolder(path=str(paths.landing)),
    }
