"""The warehouse and published snapshots of the publish and dashboard tests, built by the platform itself.

Generated voter files (`voter_platform.generate`) are loaded by the platform's ingest
(`lib.ingest.ingest_partition`) beside the vendored election reference, then the real dbt project builds every
model - marts and published rollups - with `dbt build` (its data tests included, so a fixture that breaks a
contract or a rule fails here, not in a dashboard test). The tests therefore run on what dbt builds, never on a
hand-made imitation of it.

The roll: Pennsylvania, Georgia (no party registration: party basis 'none'), Arizona and Wyoming (small: its
cells get suppressed) as statewide canonical files on 2025-01-06 and 2025-01-08 (the roll of 01-07 is the
01-06 snapshot); North Carolina as a one-county extract (Wake: "1 of 100 counties", partial, compared with
nothing statewide); Ohio as the Secretary of State ships it (SWVF, party from primary ballots) on 2025-01-06.
Three Pennsylvania voters carry planted names and emails, which no published file or response may contain.

Building takes about a minute on a busy 2-core machine, so the result is cached under the system's temporary
folder, keyed by a hash of everything that shapes it (this module, the dbt project, the generator, the
ingest, the layouts, the election reference and the DuckDB / dbt versions): a change to any of them builds a
new one, and a half-built cache is never used (it is renamed into place only when complete).
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb

from voter_platform.lib.publish import DatePublication, publish_date, update_manifest
from voter_platform.lib.warehouse_file import open_warehouse
from voter_platform.settings import DataPaths

# Statewide canonical rolls, dense enough that most cells are real, with one small state (WY).
STATEWIDE_STATES = ("PA", "GA", "AZ", "WY")
# A one-county extract: labelled "1 of 100 counties", never compared with statewide results.
PARTIAL_STATES = ("NC",)
# Ohio registers no party: its file gives the party of primary ballots.
PRIMARY_BALLOT_STATES = ("OH",)
FIXTURE_STATES = (*STATEWIDE_STATES, *PARTIAL_STATES, *PRIMARY_BALLOT_STATES)
FIRST_DATE = date(2025, 1, 6)
SECOND_DATE = date(2025, 1, 8)
# Generated voters per roll (the statewide ones share theirs by the states' real sizes: WY gets ~150).
STATEWIDE_VOTERS = 12_000
NC_COUNTY_VOTERS = 1_500
OHIO_VOTERS = 2_500
GENERATOR_SEED = 7
# Fixed, so published files (and screenshots) do not depend on the clock.
PUBLISHED_AT = datetime(2025, 1, 9, 6, 30, tzinfo=UTC)

# Names and emails planted on three Pennsylvania voters: none of them may appear in a published file or a response.
PLANTED_VOTERS = (
    ("Zebulon", "Quackenbush", "zebulon.quackenbush@planted.example"),
    ("Philippa", "Wolstenholme", "p.wolstenholme@planted.example"),
    ("Octavius", "Featherstonehaugh", "octavius.f@planted.example"),
)
PLANTED_PII = tuple(value for voter in PLANTED_VOTERS for value in voter)

_REPO = Path(__file__).resolve().parent.parent
# What shapes the warehouse: a change in any of these builds a new one.
_INPUTS = (
    "voter_platform_tests/published_fixtures.py",
    "dbt",
    "voter_platform/generate",
    "voter_platform/lib",
    "voter_platform/layouts",
    "voter_platform/settings.py",
    "data/reference",
)
_NOT_INPUTS = {"target", "logs", "dbt_packages", "__pycache__"}
CACHE_DIR = Path(tempfile.gettempdir()) / "voter-platform-test-warehouses"
WAREHOUSE_FILE = "warehouse/voter_platform.duckdb"


def fixture_key() -> str:
    """A hash of every file that shapes the fixture warehouse, and of the DuckDB and dbt versions."""
    from importlib.metadata import version

    # "encrypted": a warehouse cached before the warehouse was encrypted is never reused (lib/warehouse_file.py).
    digest = hashlib.sha256(
        f"duckdb {duckdb.__version__} httpfs {version('duckdb-extension-httpfs')} dbt {version('dbt-core')} "
        f"{version('dbt-duckdb')} encrypted".encode()
    )
    for entry in _INPUTS:
        root = _REPO / entry
        paths = [root] if root.is_file() else sorted(root.rglob("*"))
        for path in paths:
            if path.is_file() and not _NOT_INPUTS.intersection(path.relative_to(_REPO).parts):
                digest.update(str(path.relative_to(_REPO)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:20]


def fixture_warehouse_path() -> Path:
    """The fixture warehouse (built on first use, then reused while its inputs are unchanged). Read it, never
    write it: tests that change a warehouse copy it first."""
    built = CACHE_DIR / fixture_key()
    if not (built / WAREHOUSE_FILE).exists():
        workspace = CACHE_DIR / f".building-{uuid.uuid4().hex}"
        try:
            build_data_dir(workspace)
            # Another session may have finished the same build first: theirs is identical.
            with contextlib.suppress(OSError):
                workspace.rename(built)
        finally:
            shutil.rmtree(workspace, ignore_errors=True)
    return built / WAREHOUSE_FILE


def build_data_dir(root: Path) -> Path:
    """A data directory whose warehouse holds the raw tables, the election reference and every dbt model for
    FIRST_DATE .. SECOND_DATE."""
    from voter_platform.lib.dbt_vars import dbt_env_for_window
    from voter_platform.settings import DATA_ENV_VAR, DBT_PROJECT_DIR, SALT_ENV_VAR, DataPaths, voter_key_salt

    paths = DataPaths(root).ensure()
    files_by_date = _generate_files(root / "generated")
    with open_warehouse(paths) as connection:
        _load_election_reference(connection)
        _ingest(connection, files_by_date)
    env = {
        **os.environ,
        DATA_ENV_VAR: str(root),
        SALT_ENV_VAR: voter_key_salt(paths),
        **dbt_env_for_window(FIRST_DATE, SECOND_DATE + timedelta(days=1)),
    }
    target = root / "dbt-target"
    _reuse_partial_parse(DBT_PROJECT_DIR / "target", target)
    completed = subprocess.run(
        [
            str(Path(sys.executable).parent / "dbt"),
            "build",
            "--target-path",
            str(target),
            "--log-path",
            str(root / "dbt-logs"),
        ],
        cwd=DBT_PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"dbt build of the fixture warehouse failed:\n{completed.stdout[-6000:]}{completed.stderr}")
    shutil.rmtree(root / "generated")
    return root


def _reuse_partial_parse(project_target: Path, target: Path) -> None:
    """Start from the project's partial-parse state when there is one: dbt re-parses only what changed
    (a full parse costs tens of seconds on a busy machine)."""
    state = project_target / "partial_parse.msgpack"
    if state.exists():
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(state, target / state.name)


def _generate_files(out: Path) -> dict[date, list[Path]]:
    """The voter files of each snapshot date."""
    from voter_platform.generate.config import DefectRates, GenerateConfig
    from voter_platform.generate.run import generate

    def run(folder: str, **config) -> Path:
        target = out / folder
        generate(GenerateConfig(out=target, seed=GENERATOR_SEED, **config))
        return target

    # Canonical files for every day from FIRST_DATE to SECOND_DATE (the days between are not loaded).
    daily_canonical = {"start": FIRST_DATE, "days": (SECOND_DATE - FIRST_DATE).days + 1, "format": "canonical"}
    statewide = run(
        "statewide",
        voters=STATEWIDE_VOTERS,
        states=STATEWIDE_STATES,
        defects=DefectRates.parse("light"),
        **daily_canonical,
    )
    county = run("nc-county", voters=NC_COUNTY_VOTERS, states=PARTIAL_STATES, counties=("WAKE",), **daily_canonical)
    ohio = run("ohio", voters=OHIO_VOTERS, start=FIRST_DATE, days=1, format="oh_swvf")

    def of_day(folder: Path, day: date) -> list[Path]:
        return sorted(path for path in folder.glob("*.csv") if day.isoformat() in path.name)

    files = {day: of_day(statewide, day) + of_day(county, day) for day in (FIRST_DATE, SECOND_DATE)}
    # Ohio's files carry no date in their name: they are the snapshot of the day they are loaded for.
    files[FIRST_DATE] += sorted(path for path in ohio.iterdir() if path.is_file())  # not its _manifest/
    for day in (FIRST_DATE, SECOND_DATE):
        [pennsylvania] = [path for path in files[day] if path.name.startswith("voters_PA_")]
        _plant_names(pennsylvania)
    return files


def _plant_names(voters_file: Path) -> None:
    """Give the first three voters of a canonical voters file the planted names and emails (the same voters on
    every date: the generator writes the roll in the same order)."""
    lines = voters_file.read_bytes().split(b"\n")
    header = next(csv.reader([lines[0].decode()]))
    columns = {name: header.index(name) for name in ("first_name", "last_name", "email")}
    for offset, (first, last, email) in enumerate(PLANTED_VOTERS, start=1):
        [fields] = list(csv.reader([lines[offset].decode()]))
        assert len(fields) == len(header), f"line {offset + 1} of {voters_file.name} is not a clean record"
        fields[columns["first_name"]], fields[columns["last_name"]], fields[columns["email"]] = first, last, email
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="").writerow(fields)
        lines[offset] = buffer.getvalue().encode()
    voters_file.write_bytes(b"\n".join(lines))


def _load_election_reference(connection: duckdb.DuckDBPyConnection) -> None:
    """The vendored election tables, as the election_reference assets store them (schema `elections`)."""
    from voter_platform.lib.reference import REFERENCE_READERS

    connection.execute("create schema if not exists elections")
    for reader in REFERENCE_READERS:
        frame = reader()  # noqa: F841 - read by DuckDB's replacement scan below
        connection.execute(f"create or replace table elections.{reader.__name__} as select * from frame")


def _ingest(connection: duckdb.DuckDBPyConnection, files_by_date: dict[date, list[Path]]) -> None:
    from voter_platform.lib.ingest import InputFile, ingest_partition
    from voter_platform.lib.warehouse import ensure_raw_tables

    ensure_raw_tables(connection)
    for day, paths in sorted(files_by_date.items()):
        outcome = ingest_partition(connection, day, [InputFile(path) for path in paths], run_id="test-fixture")
        assert all(file.reconciles for file in outcome.files), day


def warehouse_paths(warehouse: Path) -> DataPaths:
    """The data directory of a warehouse file (`<data>/warehouse/voter_platform.duckdb`), where its key is."""
    return DataPaths(Path(warehouse).parent.parent)


def open_fixture_warehouse(warehouse: Path, read_only: bool = True) -> duckdb.DuckDBPyConnection:
    """The warehouse file `warehouse` opened with its data directory's key (it is encrypted)."""
    return open_warehouse(warehouse_paths(warehouse), read_only=read_only)


def copy_fixture_warehouse(warehouse: Path, data_dir: Path) -> Path:
    """A copy of the fixture warehouse, with its key, as the warehouse of the data directory `data_dir`."""
    source, target = warehouse_paths(warehouse), DataPaths(Path(data_dir))
    target.warehouse_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source.warehouse, target.warehouse)
    shutil.copyfile(source.warehouse_key_file, target.warehouse_key_file)
    target.warehouse_key_file.chmod(0o600)
    return target.warehouse


def publish_fixture(
    warehouse: Path,
    published_dir: Path,
    dates: Sequence[date] = (FIRST_DATE, SECOND_DATE),
    min_cell_size: int = 10,
) -> list[DatePublication]:
    """Publish `dates` from the fixture warehouse with the library functions (no Dagster)."""
    publications = []
    with open_fixture_warehouse(warehouse) as connection:
        for day in dates:
            publication = publish_date(connection, published_dir, day, min_cell_size, published_at=PUBLISHED_AT)
            update_manifest(published_dir, [publication])
            publications.append(publication)
    return publications
