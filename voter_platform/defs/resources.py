"""Resources shared by every domain, each configured with the data directory and resolved at run time.

The code location passes `dg.EnvVar("VOTER_PLATFORM_DATA")`: the value is read in the process that
runs (the run worker, the sensor's code server), not when the definitions are imported, so loading
them never depends on, nor creates, a data directory. Tests pass a path of their own. Folders are
created on first use.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
from dagster._core.storage.db_io_manager import DbIOManager
from dagster._utils.backoff import backoff
from dagster_duckdb import DuckDBResource
from dagster_duckdb.io_manager import DuckDbClient
from dagster_duckdb_pandas import DuckDBPandasIOManager
from pydantic import Field

from voter_platform.defs.ingest.resources import LandingFolder

# Every step that writes the DuckDB warehouse declares this pool, limited to one run at a time in the instance
# (defs/instance.py), because DuckDB allows a single writing process per database file.
from voter_platform.defs.instance import WAREHOUSE_POOL  # noqa: F401 - imported from here by the assets
from voter_platform.defs.marts.resources import build_dbt_resource
from voter_platform.lib.causes import WarehouseNotWritable, check_writable
from voter_platform.lib.warehouse_file import WarehouseKeyError, open_warehouse
from voter_platform.settings import DATA_ENV_VAR, DataPaths

_DATA_DIR_DESCRIPTION = f"The platform's data directory ({DATA_ENV_VAR}); see voter_platform/settings.py."


def ensure_writable(database: str) -> None:
    """Fail the step at once, not retried, when the warehouse cannot be written.

    dagster-duckdb retries `duckdb.connect` ten times with exponential backoff (~17 minutes in all) on any
    IOException: right for a lock another process will release, wrong for a read-only file or folder, which is
    then retried silently and never said. The sentence names the path and "Permission denied" (or "Read-only
    file system", "No space left on device")."""
    try:
        check_writable(database)
    except WarehouseNotWritable as error:
        raise dg.Failure(description=f"The warehouse cannot be written: {error}", allow_retries=False) from error


class Warehouse(DuckDBResource):
    """The DuckDB warehouse of a data directory: `<data_dir>/warehouse/voter_platform.duckdb`, encrypted."""

    data_dir: str = Field(description=_DATA_DIR_DESCRIPTION)
    # DuckDBResource's own field, unused: the path derives from data_dir when the resource is used.
    database: str = Field(default="", description="Derived from data_dir.")

    @property
    def paths(self) -> DataPaths:
        return DataPaths(Path(self.data_dir))

    @contextmanager
    def get_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """The warehouse opened with its key (lib/warehouse_file.py), the warehouse the current catalog.

        DuckDBResource connects to its `database` path, which cannot open an encrypted file; this opens it the
        platform's one way, with dagster-duckdb's own retries (ten, backing off) while another process holds the
        lock. A wrong key is a failure said in a sentence, never retried."""
        self.paths.warehouse_dir.mkdir(parents=True, exist_ok=True)
        ensure_writable(str(self.paths.warehouse))
        try:
            connection = backoff(
                fn=open_warehouse,
                retry_on=(RuntimeError, duckdb.IOException),
                args=[self.paths],
                kwargs={"config": {"custom_user_agent": "dagster", **self.connection_config}},
                max_retries=10,
            )
        except WarehouseKeyError as error:
            raise dg.Failure(description=str(error), allow_retries=False) from None
        try:
            yield connection
        finally:
            connection.close()


class WarehouseIOManager(DuckDBPandasIOManager):
    """Modest Python tables (election reference, summaries) stored in the warehouse of a data directory."""

    data_dir: str = Field(description=_DATA_DIR_DESCRIPTION)
    database: str = Field(default="", description="Derived from data_dir.")

    def create_io_manager(self, context) -> DbIOManager:
        ensure_writable(str(DataPaths(Path(self.data_dir)).warehouse))
        return DbIOManager(
            db_client=_WarehouseClient(),
            database=str(DataPaths(Path(self.data_dir)).warehouse),
            schema=self.schema_,
            type_handlers=self.type_handlers(),
            default_load_type=self.default_load_type(),
            io_manager_name="DuckDBIOManager",
        )


class _WarehouseClient(DuckDbClient):
    """dagster-duckdb's client, connecting to the warehouse of the I/O manager's data_dir.

    dagster-duckdb's own client reads the path from the I/O manager's `database` config, which cannot
    be derived from another field; this is the one place that knows the file's name under data_dir.
    """

    @staticmethod
    @contextmanager
    def connect(context, _):
        config = context.resource_config
        with Warehouse(
            data_dir=config["data_dir"], connection_config=config["connection_config"]
        ).get_connection() as c:
            yield c


class PublishedFolder(dg.ConfigurableResource):
    """Where the dashboard's Parquet snapshots and the blocked-dates record go: `<data_dir>/published`."""

    data_dir: str = Field(description=_DATA_DIR_DESCRIPTION)

    @property
    def folder(self) -> Path:
        return DataPaths(Path(self.data_dir)).published


def build_resources(data_dir: str) -> dict[str, object]:
    """Every resource of the platform for one data directory (a path, or `dg.EnvVar(DATA_ENV_VAR)`)."""
    return {
        "warehouse": Warehouse(data_dir=data_dir),
        # The multi-million-row raw tables are written by SQL through `warehouse`.
        "io_manager": WarehouseIOManager(data_dir=data_dir),
        "dbt": build_dbt_resource(),
        # The folder the landing sensor watches (a resource, so tests can point it anywhere).
        "landing": LandingFolder(data_dir=data_dir),
        "published": PublishedFolder(data_dir=data_dir),
    }


# The code location's resources and executor (collected by load_from_defs_folder from this module).
defs = dg.Definitions(
    resources=build_resources(dg.EnvVar(DATA_ENV_VAR)),
    # Steps run one after another in the run's process: 2x faster start-up than a process per step,
    # and never two writers on the DuckDB file from the same run.
    executor=dg.in_process_executor,
)
