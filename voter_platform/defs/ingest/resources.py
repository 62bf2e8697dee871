"""The landing folder as a resource, so tests (and other deployments) can point the ingest anywhere."""

from pathlib import Path

import dagster as dg

from voter_platform.lib.landing import LandingFile, scan_landing


class LandingFolder(dg.ConfigurableResource):
    """Where voter files are dropped: `<data>/landing` by default (see settings.DataPaths)."""

    path: str

    @property
    def folder(self) -> Path:
        return Path(self.path)

    def files(self) -> list[LandingFile]:
        """Every candidate file, with its partition (see lib/landing.py); [] when the folder is missing."""
        return scan_landing(self.folder)
