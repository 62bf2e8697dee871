"""The warehouse resources: dagster-duckdb's, with the warehouse checked for writability before connecting.

dagster-duckdb retries `duckdb.connect` ten times with exponential backoff (~17 minutes in all) on any
IOException: right for a lock another process will release, wrong for a read-only file or folder, which is then
retried silently and never said. Both resources here check first (lib/causes.check_writable) and fail the step at
once with a sentence naming the path and "Permission denied" (or "Read-only file system", "No space left on
device"), as a Failure that no retry policy retries.
"""

from contextlib import contextmanager

import dagster as dg
from dagster_duckdb import DuckDBResource
from dagster_duckdb_pandas import DuckDBPandasIOManager

from voter_platform.lib.causes import WarehouseNotWritable, check_writable


def ensure_writable(database: str) -> None:
    try:
        check_writable(database)
    except WarehouseNotWritable as error:
        raise dg.Failure(description=f"The warehouse cannot be written: {error}", allow_retries=False) from error


class WarehouseResource(DuckDBResource):
    """`DuckDBResource` that says at once when the warehouse cannot be written."""

    @contextmanager
    def get_connection(self):
        ensure_writable(self.database)
        with super().get_connection() as connection:
            yield connection


class WarehouseIOManager(DuckDBPandasIOManager):
    """`DuckDBPandasIOManager` that says at once when the warehouse cannot be written."""

    def create_io_manager(self, context):
        ensure_writable(self.database)
        return super().create_io_manager(context)
