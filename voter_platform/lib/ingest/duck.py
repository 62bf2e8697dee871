"""Small DuckDB helpers shared by the ingest modules."""

from __future__ import annotations

from collections.abc import Iterable

import duckdb


def run(connection: duckdb.DuckDBPyConnection, sql: str, parameters: object = None) -> list[tuple]:
    """Execute a statement and consume its result.

    DuckDB refuses new work on a connection while an earlier result is unread, so statements run
    for their effect are always drained here.
    """
    return connection.execute(sql, parameters).fetchall()


def sql_string(value: str) -> str:
    """A SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def sql_tuple(values: Iterable[str]) -> str:
    """A parenthesised list of string literals, for `x in (...)`."""
    return "(" + ", ".join(sql_string(value) for value in values) + ")"


def sql_list(values: Iterable[str]) -> str:
    """A DuckDB list literal of strings."""
    return "[" + ", ".join(sql_string(value) for value in values) + "]"


def sql_map(mapping: dict[str, str]) -> str:
    """A DuckDB MAP literal for `mapping` (keys and values are trusted constants)."""
    return f"map({sql_list(mapping)}, {sql_list(mapping.values())})"


def first(connection: duckdb.DuckDBPyConnection, sql: str, parameters: object = None) -> tuple | None:
    """The first row of a query (or None), with the result fully consumed."""
    rows = run(connection, sql, parameters)
    return rows[0] if rows else None


def scalar(connection: duckdb.DuckDBPyConnection, sql: str, parameters: object = None) -> object:
    """The single value of a one-row, one-column query."""
    row = first(connection, sql, parameters)
    return None if row is None else row[0]
