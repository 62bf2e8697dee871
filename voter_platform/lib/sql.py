"""SQL literals built in Python: the one place a value is quoted for DuckDB (dbt's counterpart is the
macro sql_string in dbt/macros/sql_literals.sql).

Values that vary per call are passed as query parameters instead; these are for what parameters cannot
carry (file paths in COPY / read_csv, literals inside generated SQL).
"""

from __future__ import annotations

from collections.abc import Iterable


def sql_string(value: str) -> str:
    """A SQL string literal: the value in single quotes, its own single quotes doubled."""
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
