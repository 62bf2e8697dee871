"""Where the platform keeps its data, derived from one setting.

`VOTER_PLATFORM_DATA` (default `./data`, relative to the current directory) is the only knob.
Everything else hangs off it:

    <data>/landing/      voter files are dropped here (watched by the landing sensor)
    <data>/warehouse/    the DuckDB warehouse file (raw, reference, marts) and the key salt
    <data>/published/    Parquet snapshots the dashboard reads
    <data>/dagster_home/ Dagster's instance (runs, schedules, sensor cursors), seeded from dagster.yaml
    <data>/users.json    the dashboard's users, their password hashes and state scopes (0600)
    <data>/dashboard_secret_key  signs the dashboard's login sessions (0600), unless set in the environment
    <data>/warehouse_key the key the warehouse file is encrypted with (0600), unless set in the environment

The vendored, version-controlled inputs (real election reference data, samples, layouts) live in
the repository's own `data/` folder and do not move with the setting.
"""

from __future__ import annotations

import os
import secrets
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

DATA_ENV_VAR = "VOTER_PLATFORM_DATA"
DEFAULT_DATA_DIR = "data"

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt"
DAGSTER_YAML_TEMPLATE = REPO_ROOT / "dagster.yaml"
REFERENCE_DIR = REPO_ROOT / "data" / "reference"
SAMPLES_DIR = REPO_ROOT / "data" / "samples"
LAYOUTS_DIR = REPO_ROOT / "data" / "layouts"

WAREHOUSE_FILE_NAME = "voter_platform.duckdb"
SALT_FILE_NAME = "voter_key_salt"
# dbt reads the salt from the environment, so it never appears on a logged command line.
SALT_ENV_VAR = "VOTER_PLATFORM_KEY_SALT"
USERS_FILE_NAME = "users.json"
DASHBOARD_SECRET_FILE_NAME = "dashboard_secret_key"
DASHBOARD_SECRET_ENV_VAR = "VOTER_PLATFORM_DASHBOARD_SECRET"
WAREHOUSE_KEY_FILE_NAME = "warehouse_key"
WAREHOUSE_KEY_ENV_VAR = "VOTER_PLATFORM_WAREHOUSE_KEY"
# `off` opens the warehouse without encryption: for measuring what encryption costs (`voter-platform bench
# --no-encryption`, on a data directory of its own), never for a warehouse holding a real roll.
WAREHOUSE_ENCRYPTION_ENV_VAR = "VOTER_PLATFORM_WAREHOUSE_ENCRYPTION"


class DataDirError(Exception):
    """The data-dir setting points somewhere the platform cannot use."""


@dataclass(frozen=True)
class DataPaths:
    """Every path the platform writes, derived from the data root."""

    root: Path

    @property
    def landing(self) -> Path:
        return self.root / "landing"

    @property
    def warehouse_dir(self) -> Path:
        return self.root / "warehouse"

    @property
    def warehouse(self) -> Path:
        return self.warehouse_dir / WAREHOUSE_FILE_NAME

    @property
    def published(self) -> Path:
        return self.root / "published"

    @property
    def dagster_home(self) -> Path:
        return self.root / "dagster_home"

    @property
    def salt_file(self) -> Path:
        return self.warehouse_dir / SALT_FILE_NAME

    @property
    def warehouse_key_file(self) -> Path:
        # In the data root, not beside the warehouse: a copy of the warehouse folder does not carry its key.
        return self.root / WAREHOUSE_KEY_FILE_NAME

    @property
    def users_file(self) -> Path:
        return self.root / USERS_FILE_NAME

    @property
    def dashboard_secret_file(self) -> Path:
        return self.root / DASHBOARD_SECRET_FILE_NAME

    def ensure(self) -> DataPaths:
        """Create the folders, or raise DataDirError naming the path that is unusable."""
        if self.root.exists() and not self.root.is_dir():
            raise DataDirError(f"{DATA_ENV_VAR}={self.root} is a file, not a directory")
        for folder in (self.root, self.landing, self.warehouse_dir, self.published, self.dagster_home):
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise DataDirError(f"cannot create {folder} ({DATA_ENV_VAR}={self.root}): {error.strerror}") from error
            if not os.access(folder, os.W_OK):
                raise DataDirError(f"{folder} is not writable ({DATA_ENV_VAR}={self.root})")
        return self


def whole_number_from_env(name: str, default: int, unit: str, environ=None) -> int:
    """A setting that is a whole number of `unit` (days, seconds), 0 or more: its default when unset, else
    ValueError naming the setting and its value."""
    text = ((os.environ if environ is None else environ).get(name) or "").strip()
    if not text:
        return default
    try:
        number = int(text)
    except ValueError:
        number = -1
    if number < 0:
        raise ValueError(f"{name}={text!r}: expected a whole number of {unit}, 0 or more")
    return number


def data_paths() -> DataPaths:
    """The data paths for the current environment (absolute, not created)."""
    return DataPaths(Path(os.environ.get(DATA_ENV_VAR) or DEFAULT_DATA_DIR).expanduser().resolve())


def voter_key_salt(paths: DataPaths) -> str:
    """The salt that turns voter ids into published keys.

    Generated once per data directory and kept beside the warehouse, so rebuilding a partition gives
    the same keys while two installations never share them.
    """
    return generated_secret(paths.salt_file, nbytes=16)


def dashboard_secret_key(paths: DataPaths) -> str:
    """The key that signs the dashboard's session cookies: `VOTER_PLATFORM_DASHBOARD_SECRET`, else one generated
    once per data directory, so a restart keeps everyone logged in and two installations never share it."""
    return os.environ.get(DASHBOARD_SECRET_ENV_VAR) or generated_secret(paths.dashboard_secret_file, nbytes=32)


def warehouse_key(paths: DataPaths) -> str:
    """The key the warehouse file is encrypted with (lib/warehouse_file.py): `VOTER_PLATFORM_WAREHOUSE_KEY`, else
    one generated once per data directory into `<data>/warehouse_key` (0600). Losing it loses the warehouse."""
    return os.environ.get(WAREHOUSE_KEY_ENV_VAR) or generated_secret(paths.warehouse_key_file, nbytes=32)


def warehouse_encrypted(environ=None) -> bool:
    """False only when `VOTER_PLATFORM_WAREHOUSE_ENCRYPTION=off` (the bench's measurement without encryption)."""
    text = ((os.environ if environ is None else environ).get(WAREHOUSE_ENCRYPTION_ENV_VAR) or "on").strip().lower()
    if text not in ("on", "off"):
        raise ValueError(f"{WAREHOUSE_ENCRYPTION_ENV_VAR}={text!r}: expected on or off")
    return text == "on"


def generated_secret(path: Path, nbytes: int) -> str:
    """The secret kept in `path`, generated at random the first time, readable by its owner only (0600).

    Written under a private name and linked into place, so two processes starting together agree on one
    secret and neither ever reads a half-written file.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_hex(nbytes))
        try:
            os.link(draft, path)
        except FileExistsError:  # another process was first: its secret counts
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()


def configure_environment() -> DataPaths:
    """Create the data folders and point Dagster and dbt at them.

    Called by every entry point (the Dagster code location, the CLI) before anything else, so that
    `VOTER_PLATFORM_DATA` is absolute for dbt subprocesses, the voter-key salt is in the environment
    and DAGSTER_HOME has the repo's instance configuration.
    """
    paths = data_paths().ensure()
    os.environ[DATA_ENV_VAR] = str(paths.root)
    os.environ[SALT_ENV_VAR] = voter_key_salt(paths)
    # dbt and dagster are console scripts of this environment; find them even when it is not activated.
    scripts = str(Path(sys.executable).parent)
    if scripts not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = scripts + os.pathsep + os.environ.get("PATH", "")
    if not os.environ.get("DAGSTER_HOME"):
        # Our default instance: keep its dagster.yaml identical to the repo's. A DAGSTER_HOME set by
        # the user (e.g. one configured for Postgres) is theirs and is left alone.
        os.environ["DAGSTER_HOME"] = str(paths.dagster_home)
        instance_yaml = paths.dagster_home / "dagster.yaml"
        if not instance_yaml.exists() or instance_yaml.read_bytes() != DAGSTER_YAML_TEMPLATE.read_bytes():
            shutil.copyfile(DAGSTER_YAML_TEMPLATE, instance_yaml)
    return paths
