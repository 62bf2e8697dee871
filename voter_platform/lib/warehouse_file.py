"""The warehouse file, encrypted at rest: the one way Python (and dbt, lib/dbt_warehouse.py) opens it.

`<data>/warehouse/voter_platform.duckdb` holds the voter roll (names, addresses, birth dates), so DuckDB encrypts
it (AES-GCM) with the key `settings.warehouse_key` gives: `VOTER_PLATFORM_WAREHOUSE_KEY`, else one generated once
into `<data>/warehouse_key` (0600). The write-ahead log is encrypted with the file; the spill files of a query
larger than memory (`<warehouse>.tmp/`) are too, because every connection sets `temp_file_encryption`.

An encrypted database is attached, not connected to: an in-memory connection loads the httpfs extension (its
crypto module is what lets DuckDB write an encrypted file; the binary ships in the `duckdb-extension-httpfs`
wheel, no download), `ATTACH '<file>' AS voter_platform (ENCRYPTION_KEY '…')` and `USE voter_platform`, so
unqualified names (`raw.voters`) work as before and the catalog is the one dbt addresses (`voter_platform.marts.…`,
the file's stem).

A warehouse written before encryption is migrated the first time it is opened: copied into a new encrypted file
(`COPY FROM DATABASE`) that then replaces it (one rename). The key never appears in an error: a wrong key is said
in a sentence that names the setting, and any DuckDB message that could quote the ATTACH is scrubbed.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

import duckdb

from voter_platform.lib.sql import sql_string
from voter_platform.settings import (
    WAREHOUSE_ENCRYPTION_ENV_VAR,
    WAREHOUSE_FILE_NAME,
    WAREHOUSE_KEY_ENV_VAR,
    DataPaths,
    warehouse_encrypted,
    warehouse_key,
)

# The catalog the warehouse is attached as: the file's stem, which is also dbt-duckdb's database name.
WAREHOUSE_CATALOG = Path(WAREHOUSE_FILE_NAME).stem
HTTPFS_DISTRIBUTION = "duckdb-extension-httpfs"


class WarehouseKeyError(Exception):
    """The warehouse cannot be opened with the key the platform has (wrong, or the file is not what was expected).

    Permanent: retrying it changes nothing. The message names the setting, never the key."""


def httpfs_extension_path() -> Path:
    """The httpfs extension binary inside the installed `duckdb-extension-httpfs` wheel, for this DuckDB."""
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        files = distribution(HTTPFS_DISTRIBUTION).files or []
    except PackageNotFoundError as error:
        raise WarehouseKeyError(
            f"The Python package {HTTPFS_DISTRIBUTION} is not installed: DuckDB needs its httpfs extension to write "
            "the encrypted warehouse. Run `make env` (or `uv sync`) to install the locked dependencies."
        ) from error
    wanted = f"v{duckdb.__version__}/httpfs.duckdb_extension"
    for file in files:
        if str(file).endswith(wanted):
            return Path(file.locate()).resolve()
    raise WarehouseKeyError(
        f"{HTTPFS_DISTRIBUTION} has no httpfs extension for DuckDB {duckdb.__version__}: install the same version "
        f"of both (pyproject.toml pins them together)."
    )


def spill_config(paths: DataPaths) -> dict[str, Any]:
    """Where a warehouse connection spills (beside the file, as a file-backed connection would) and that it encrypts
    what it spills. An in-memory connection would otherwise spill into `.tmp` under the current directory."""
    return {"temp_directory": f"{paths.warehouse}.tmp", "temp_file_encryption": warehouse_encrypted()}


def open_warehouse(
    paths: DataPaths, *, read_only: bool = False, config: dict[str, Any] | None = None
) -> duckdb.DuckDBPyConnection:
    """A connection to the warehouse of `paths`, opened with its key, the warehouse the current catalog.

    `config`: DuckDB settings for the connection (dagster-duckdb's `connection_config`). Raises WarehouseKeyError
    (a sentence) when the key does not open it; DuckDB's IOException when another process holds it."""
    connection = duckdb.connect(config={**spill_config(paths), **(config or {})})
    try:
        attach_warehouse(connection, paths, read_only=read_only)
    except BaseException:
        connection.close()
        raise
    return connection


def attach_warehouse(connection: duckdb.DuckDBPyConnection, paths: DataPaths, *, read_only: bool = False) -> None:
    """Attach the warehouse to `connection` as `voter_platform` (encrypted with its key) and make it current.

    The one place the key meets DuckDB. A warehouse written before encryption is migrated first."""
    paths.warehouse_dir.mkdir(parents=True, exist_ok=True)
    key = warehouse_key(paths) if warehouse_encrypted() else None
    if key:  # unencrypted (the bench's measurement) needs no crypto: any DuckDB version can run it
        load_httpfs(connection)
    options = [f"ENCRYPTION_KEY {sql_string(key)}"] if key else []
    if read_only:
        options.append("READ_ONLY")
    attach = f"ATTACH {sql_string(str(paths.warehouse))} AS {WAREHOUSE_CATALOG}"
    if options:
        attach += f" ({', '.join(options)})"
    try:
        _execute(connection, attach, key)
    except (duckdb.CatalogException, duckdb.InvalidInputException):
        encrypted = file_is_encrypted(paths.warehouse)
        if encrypted is None:  # not about the key: DuckDB's own error says what
            raise
        if not (key and encrypted is False):
            raise WarehouseKeyError(_key_sentence(paths, key)) from None
        migrate_to_encrypted(paths, key)
        _execute(connection, attach, key)
    connection.execute(f"USE {WAREHOUSE_CATALOG}")


def load_httpfs(connection: duckdb.DuckDBPyConnection) -> None:
    """Load httpfs from the wheel's binary (signed; nothing is downloaded). Without it DuckDB reads an encrypted
    file but refuses to write one."""
    connection.execute(f"LOAD {sql_string(str(httpfs_extension_path()))}")


def file_is_encrypted(path: Path) -> bool | None:
    """Whether the DuckDB file at `path` is encrypted, as DuckDB itself reports it; None when there is no file or
    DuckDB cannot tell (another process holds it, it is no DuckDB file)."""
    if not Path(path).exists():
        return None
    with duckdb.connect() as probe:
        try:
            probe.execute(f"ATTACH {sql_string(str(path))} AS probe (READ_ONLY)")
        except duckdb.CatalogException:
            # "Cannot open encrypted database ... without a key": the one refusal of a keyless read-only attach
            # that is about the file's encryption (a lock is an IOException, a foreign file an IOException too).
            return True
        except duckdb.Error:
            return None
        row = probe.execute("select encrypted from duckdb_databases() where database_name = 'probe'").fetchone()
        return bool(row[0]) if row else None


def migrate_to_encrypted(paths: DataPaths, key: str) -> None:
    """Replace an unencrypted warehouse by an encrypted copy of it: every schema, table, view, macro and sequence
    (`COPY FROM DATABASE`), written under a private name beside it, then renamed over it in one step. The old
    file is checkpointed first, so nothing waiting in its write-ahead log is left behind."""
    warehouse = paths.warehouse
    draft = warehouse.with_name(f".{warehouse.name}.encrypting-{os.getpid()}-{secrets.token_hex(4)}")
    try:
        with duckdb.connect(config=spill_config(paths)) as connection:
            load_httpfs(connection)
            connection.execute(f"ATTACH {sql_string(str(warehouse))} AS plain")
            connection.execute("CHECKPOINT plain")
            _execute(
                connection, f"ATTACH {sql_string(str(draft))} AS encrypted (ENCRYPTION_KEY {sql_string(key)})", key
            )
            connection.execute("COPY FROM DATABASE plain TO encrypted")
            connection.execute("DETACH encrypted")
            connection.execute("DETACH plain")
        with open(draft, "rb") as file:
            os.fsync(file.fileno())
        os.replace(draft, warehouse)
    finally:
        for leftover in (draft, Path(f"{draft}.wal")):
            leftover.unlink(missing_ok=True)
    Path(f"{warehouse}.wal").unlink(missing_ok=True)  # checkpointed above: nothing of the plain file remains


def _key_sentence(paths: DataPaths, key: str | None) -> str:
    if key is None:
        return (
            f"The warehouse {paths.warehouse} is encrypted, and {WAREHOUSE_ENCRYPTION_ENV_VAR}=off asks to open it "
            f"without a key: unset {WAREHOUSE_ENCRYPTION_ENV_VAR}."
        )
    where = (
        f"{WAREHOUSE_KEY_ENV_VAR} (set in the environment)"
        if os.environ.get(WAREHOUSE_KEY_ENV_VAR)
        else f"the key file {paths.warehouse_key_file} ({WAREHOUSE_KEY_ENV_VAR} is not set)"
    )
    return (
        f"The warehouse key does not open {paths.warehouse}: {where} holds another key than the one it was "
        f"encrypted with. Set {WAREHOUSE_KEY_ENV_VAR} to the key it was written with. If that key is lost, so is "
        "the warehouse: move the file away and load the landing files again (raw tables and marts are rebuilt "
        "from them)."
    )


def _execute(connection: duckdb.DuckDBPyConnection, sql: str, key: str | None) -> None:
    """Run a statement that holds the key; an error that quotes it (DuckDB's parser quotes the statement) is raised
    again with the key blanked."""
    try:
        connection.execute(sql)
        return
    except duckdb.Error as error:
        kind, text = type(error), str(error)
        if not (key and key in text):
            raise
    raise kind(text.replace(key, "…"))  # outside the except block: the original is not chained to it
