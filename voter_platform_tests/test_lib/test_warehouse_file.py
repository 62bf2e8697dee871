"""The warehouse is encrypted at rest (lib/warehouse_file.py): no voter name on disk, the key kept 0600 and reused,
the environment's key first, a wrong key said in a sentence, an old unencrypted warehouse migrated."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from voter_platform.cli import main as cli_main
from voter_platform.defs.resources import Warehouse
from voter_platform.lib.warehouse import ensure_raw_tables
from voter_platform.lib.warehouse_file import (
    WAREHOUSE_CATALOG,
    WarehouseKeyError,
    file_is_encrypted,
    httpfs_extension_path,
    open_warehouse,
)
from voter_platform.settings import WAREHOUSE_ENCRYPTION_ENV_VAR, WAREHOUSE_KEY_ENV_VAR, DataPaths
from voter_platform_tests.published_fixtures import PLANTED_VOTERS, open_fixture_warehouse, warehouse_paths

ENV_KEY = "a key from the environment, with a quote ' in it"


@pytest.fixture(autouse=True)
def no_key_in_environment(monkeypatch):
    monkeypatch.delenv(WAREHOUSE_KEY_ENV_VAR, raising=False)


@pytest.fixture
def paths(tmp_path) -> DataPaths:
    return DataPaths(tmp_path / "data")


def _bytes_on_disk(paths: DataPaths) -> bytes:
    """The warehouse file and whatever DuckDB keeps beside it (write-ahead log, spill files)."""
    found = b""
    for path in sorted(paths.warehouse_dir.rglob("*")):
        if path.is_file() and path.name.startswith(paths.warehouse.name):
            found += path.read_bytes()
    return found


def _write_voter(connection: duckdb.DuckDBPyConnection, last_name: str) -> None:
    """The raw tables, and a voter's name in a table of its own (raw.voters wants a whole record)."""
    ensure_raw_tables(connection)
    connection.execute("create table if not exists raw.names (last_name varchar)")
    connection.execute("insert into raw.names values (?)", [last_name])


def test_the_warehouse_file_holds_no_readable_voter_name(fixture_warehouse, tmp_path):
    """After an ingest and a dbt build (the fixture warehouse), the planted names are in raw.voters but nowhere in
    the file's bytes; the same data written without encryption shows them (so the grep can see a name)."""
    names = [last.upper() for _, last, _ in PLANTED_VOTERS] + [first.upper() for first, _, _ in PLANTED_VOTERS]
    with open_fixture_warehouse(fixture_warehouse) as connection:
        stored = {
            value
            for row in connection.execute("select first_name, last_name from raw.voters").fetchall()
            for value in row
            if value
        }
        assert set(names) <= {value.upper() for value in stored}
        stored_names = [value for value in stored if value.upper() in names]
        marts = connection.execute("select count(*) from marts.voter_snapshot").fetchone()[0]
        assert marts > 0, "the dbt build wrote the marts into the encrypted file"
        # The grep itself, on the same data written without encryption: it finds the names.
        plain = tmp_path / "plain.duckdb"
        connection.execute(f"attach '{plain}' as plain")
        connection.execute(f"copy from database {WAREHOUSE_CATALOG} to plain")
        connection.execute("detach plain")
    assert all(name.encode() in plain.read_bytes() for name in stored_names)
    on_disk = _bytes_on_disk(warehouse_paths(fixture_warehouse))
    assert on_disk
    for name in stored_names:
        assert name.encode() not in on_disk, name
    assert file_is_encrypted(fixture_warehouse) is True


def test_dbt_logs_and_artifacts_never_hold_the_key(fixture_warehouse):
    """The fixture's dbt build (profile, plugin, every model) leaves logs and target files: none holds the key."""
    paths = warehouse_paths(fixture_warehouse)
    key = paths.warehouse_key_file.read_text().strip()
    written = [path for folder in ("dbt-logs", "dbt-target") for path in (paths.root / folder).rglob("*")]
    assert any(path.name == "dbt.log" for path in written)
    for path in written:
        if path.is_file():
            assert key.encode() not in path.read_bytes(), path


def test_the_key_is_generated_once_owner_only_and_reused(paths):
    with open_warehouse(paths) as connection:
        _write_voter(connection, "ABERCROMBIE")
    key_file = paths.warehouse_key_file
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_text().strip()
    assert len(key) == 64
    with open_warehouse(paths, read_only=True) as connection:
        assert connection.execute("select last_name from raw.names").fetchall() == [("ABERCROMBIE",)]
    assert key_file.read_text().strip() == key
    assert file_is_encrypted(paths.warehouse) is True


def test_the_environment_key_wins_over_the_file(paths, monkeypatch):
    monkeypatch.setenv(WAREHOUSE_KEY_ENV_VAR, ENV_KEY)
    with open_warehouse(paths) as connection:
        _write_voter(connection, "ABERCROMBIE")
    assert not paths.warehouse_key_file.exists(), "no key file is written while the environment gives the key"
    monkeypatch.delenv(WAREHOUSE_KEY_ENV_VAR)
    with pytest.raises(WarehouseKeyError):  # the generated file's key is another key
        open_warehouse(paths)
    monkeypatch.setenv(WAREHOUSE_KEY_ENV_VAR, ENV_KEY)
    with open_warehouse(paths, read_only=True) as connection:
        assert connection.execute("select count(*) from raw.names").fetchone() == (1,)


def test_a_wrong_key_is_a_sentence_naming_the_setting(paths, monkeypatch, capsys):
    with open_warehouse(paths) as connection:
        _write_voter(connection, "ABERCROMBIE")
    monkeypatch.setenv(WAREHOUSE_KEY_ENV_VAR, ENV_KEY)
    with pytest.raises(WarehouseKeyError) as error:
        open_warehouse(paths)
    message = str(error.value)
    assert message.startswith(f"The warehouse key does not open {paths.warehouse}: {WAREHOUSE_KEY_ENV_VAR}")
    assert "load the landing files again" in message
    assert ENV_KEY not in message and "Traceback" not in message

    # A run says the same sentence, at once, not retried.
    with pytest.raises(dg.Failure) as failure, Warehouse(data_dir=str(paths.root)).get_connection():
        pass
    assert failure.value.description == message
    assert failure.value.allow_retries is False

    # So does the command line, without a stack trace.
    monkeypatch.setenv("VOTER_PLATFORM_DATA", str(paths.root))
    assert cli_main(["sql", "select count(*) from raw.names"]) == 2
    captured = capsys.readouterr()
    assert f"voter-platform sql: {message}" in captured.err
    assert "Traceback" not in captured.err and ENV_KEY not in captured.out + captured.err


def test_an_unencrypted_warehouse_is_migrated_on_first_open(paths):
    paths.warehouse_dir.mkdir(parents=True)
    with duckdb.connect(str(paths.warehouse)) as connection:  # a warehouse written before encryption
        _write_voter(connection, "FEATHERSTONEHAUGH")
        connection.execute("create schema marts")
        connection.execute("create view marts.nc as select count(*) as voters from raw.names")
    assert b"FEATHERSTONEHAUGH" in _bytes_on_disk(paths)
    assert file_is_encrypted(paths.warehouse) is False

    with open_warehouse(paths) as connection:
        assert connection.execute("select last_name from raw.names").fetchall() == [("FEATHERSTONEHAUGH",)]
        assert connection.execute("select voters from marts.nc").fetchall() == [(1,)]
        primary_keys = connection.execute(
            "select table_name from duckdb_constraints() where constraint_type = 'PRIMARY KEY' "
            f"and database_name = '{WAREHOUSE_CATALOG}' and schema_name = 'raw' order by all"
        ).fetchall()
        assert ("snapshots",) in primary_keys
    assert file_is_encrypted(paths.warehouse) is True
    assert b"FEATHERSTONEHAUGH" not in _bytes_on_disk(paths)
    assert sorted(path.name for path in paths.warehouse_dir.iterdir()) == [paths.warehouse.name]


def test_connections_spill_encrypted_beside_the_warehouse(paths):
    with open_warehouse(paths) as connection:
        settings = dict(
            connection.execute(
                "select name, value from duckdb_settings() where name in ('temp_directory', 'temp_file_encryption')"
            ).fetchall()
        )
        assert connection.execute("select current_database()").fetchone() == (WAREHOUSE_CATALOG,)
    assert settings == {"temp_directory": f"{paths.warehouse}.tmp", "temp_file_encryption": "true"}


def test_the_httpfs_extension_comes_from_its_wheel():
    path = httpfs_extension_path()
    assert path.is_file() and path.name == "httpfs.duckdb_extension"
    assert f"v{duckdb.__version__}" in path.parts


def test_the_resource_opens_the_encrypted_warehouse(paths):
    with Warehouse(data_dir=str(paths.root)).get_connection() as connection:
        _write_voter(connection, "ABERCROMBIE")
        assert connection.execute("select current_database()").fetchone() == (WAREHOUSE_CATALOG,)
    assert file_is_encrypted(paths.warehouse) is True
    assert os.stat(paths.warehouse).st_size > 0
    assert not Path(f"{paths.warehouse}.wal").exists()


def test_encryption_off_is_for_measuring_and_never_opens_an_encrypted_warehouse(paths, monkeypatch, tmp_path):
    """`voter-platform bench --no-encryption` (VOTER_PLATFORM_WAREHOUSE_ENCRYPTION=off) writes a plain warehouse of
    its own data directory; an encrypted one is refused with a sentence, not opened or rewritten."""
    with open_warehouse(paths) as connection:
        _write_voter(connection, "ABERCROMBIE")
    monkeypatch.setenv(WAREHOUSE_ENCRYPTION_ENV_VAR, "off")
    with pytest.raises(WarehouseKeyError, match=f"unset {WAREHOUSE_ENCRYPTION_ENV_VAR}"):
        open_warehouse(paths)
    assert file_is_encrypted(paths.warehouse) is True

    plain = DataPaths(tmp_path / "bench-work")
    with open_warehouse(plain) as connection:
        _write_voter(connection, "ABERCROMBIE")
    assert file_is_encrypted(plain.warehouse) is False
    assert b"ABERCROMBIE" in _bytes_on_disk(plain)
