"""The landing folder as a resource, so tests (and other deployments) can point the ingest anywhere."""

from pathlib import Path

import dagster as dg
from pydantic import Field

from voter_platform.lib.landing import LandingFile, scan_landing
from voter_platform.settings import DATA_ENV_VAR, DataPaths


class LandingFolder(dg.ConfigurableResource):
    """Where voter files are dropped: `<data_dir>/landing` (see settings.DataPaths)."""

    data_dir: str = Field(description=f"The platform's data directory ({DATA_ENV_VAR}).")

    @property
    def folder(self) -> Path:
        return DataPaths(Path(self.data_dir)).landing

    def files(self) -> list[LandingFile]:
        """Every candidate file, with its partition (see lib/landing.py); [] when the folder is missing."""
        return scan_landing(self.folder)
