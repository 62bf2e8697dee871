"""The dbt-duckdb plugin that opens the encrypted warehouse for dbt (dbt/profiles.yml, `plugins:`).

dbt-duckdb connects to its profile's `path`; an encrypted file cannot be opened that way. So the profile's path is
`:memory:`, and this plugin, before dbt-duckdb attaches anything, attaches the warehouse the platform's one way
(`lib/warehouse_file.attach_warehouse`: httpfs from its wheel, the key from `VOTER_PLATFORM_WAREHOUSE_KEY` or
`<data>/warehouse_key`, a pre-encryption warehouse migrated) as `voter_platform`, the profile's `database`. The
profile's own `attach:` entry for that alias then finds it attached (`ATTACH IF NOT EXISTS`) and does nothing.

The key is read here, in dbt's process, from where the platform keeps it: it is never in the profile, on dbt's
command line or in its environment as a dbt variable, so neither `dbt debug` nor dbt's logs can print it.

Plugin config (profiles.yml): `data_dir`, the platform's data directory.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import duckdb
from dbt.adapters.duckdb.plugins import BasePlugin

from voter_platform.lib.warehouse_file import WAREHOUSE_CATALOG, attach_warehouse, spill_config
from voter_platform.settings import DataPaths


class Plugin(BasePlugin):
    def initialize(self, plugin_config: dict[str, Any]) -> None:
        self.paths = DataPaths(Path(plugin_config["data_dir"]).expanduser().resolve())

    def update_connection_config(self, creds, config: dict[str, Any]) -> None:
        # Spill beside the warehouse, encrypted (an in-memory connection would spill into ./.tmp in clear).
        config.update(spill_config(self.paths))

    def configure_connection(self, conn) -> None:
        # The profile's `retries.connect_attempts` now guards this ATTACH (connecting in memory cannot meet a lock):
        # a reader briefly holding the file does not fail the run. Same backoff as dbt-duckdb's (1, 2, 4, ... s).
        attempts = self.creds.retries.connect_attempts if self.creds and self.creds.retries else 1
        for attempt in range(attempts):
            try:
                attach_warehouse(conn, self.paths)
                return
            except duckdb.IOException:
                if attempt + 1 >= attempts:
                    raise
                time.sleep(2**attempt)

    def configure_cursor(self, cursor) -> None:
        # Each dbt thread's cursor starts on the in-memory catalog: make the warehouse current there too.
        cursor.execute(f"USE {WAREHOUSE_CATALOG}")
