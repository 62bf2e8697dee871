"""Small DuckDB helpers shared by the ingest modules."""

from __future__ import annotations

import duckdb


def run(connection: duckdb.DuckDBPyConnection, sql: str, parameters: object = None) -> list[tuple]:
    """Execute a statement and consume its result.

    DuckDB refuses new work on a connection while an earlier result is unread, so statements run
    for their effect are always drained here.
    """
    return connection.execute(sql, parameters).fetchall()


def first(connection: duckdb.DuckDBPyConnection, sql: str, parameters: object = None) -> tuple | None:
    """The first row of a query (or None), with the result fully consumed."""
    rows = run(connection, sql, parameters)
    return rows[0] if rows else None


def scalar(connection: duckdb.DuckDBPyConnection, sql: str, parameters: object = None) -> object:
    """The single value of a one-row, one-column query."""
    row = first(connection, sql, parameters)
    return None if row is None else row[0]


# A value of each NOT NULL column type, for the row that only exists to be deleted.
_PLACEHOLDERS = {
    "BIGINT": "0",
    "BOOLEAN": "false",
    "DATE": "date '0001-01-01'",
    "DOUBLE": "0",
    "INTEGER": "0",
    "TINYINT": "0",
    "TIMESTAMP": "timestamp '0001-01-01'",
    "VARCHAR": "''",
    "VARCHAR[]": "[]::varchar[]",
}


def prime_appends(connection: duckdb.DuckDBPyConnection, table: str, marker: dict[str, str] | None = None) -> None:
    """Append one row to `table` and delete it again: from then on, large appends stay visible.

    DuckDB (2.0) loses track of a large append (more than a row group, 122,880 rows) into a table whose
    first append in the transaction was empty (an INSERT of no rows, or a CREATE TABLE AS of none):
    scans, GROUP BYs and UPDATEs no longer see those rows until the commit, though count(*) does. After
    one real append the table's transaction-local storage is never empty again. `marker` (column ->
    SQL value) is the row: values no real row has, and every NOT NULL column (by default a placeholder
    for each NOT NULL column of the table).

    The price: a deleted row in a table's transaction-local storage makes the commit write that
    table's new rows one by one (about 3 s for 3.5M rows), so large tables are primed only when a read
    actually left them empty (see load.py).
    """
    if marker is None:
        schema, name = table.split(".")
        required = run(
            connection,
            "select column_name, data_type from duckdb_columns() "
            "where schema_name = $schema and table_name = $name and not is_nullable",
            {"schema": schema, "name": name},
        )
        marker = {column: _PLACEHOLDERS[data_type] for column, data_type in required}
    run(connection, f"insert into {table} ({', '.join(marker)}) values ({', '.join(marker.values())})")
    run(
        connection,
        f"delete from {table} where {' and '.join(f'{column} = {value}' for column, value in marker.items())}",
    )
