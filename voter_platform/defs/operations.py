"""Running it like production: what is merged into the code location beside the data assets.

- alerts for failed runs and blocked dates, the freshness check of the published snapshot and its sensor
  (defs/alerts/);
- `dead_run_sensor`: runs whose process died are failed with the reason, freeing the warehouse pool
  (defs/dead_runs.py);
- the console logger that tells a failure once, an expected one without a stack trace (defs/console.py).

The sensors and the check are collected from their modules by `load_from_defs_folder` like every other
definition; the logger, which Dagster collects only from a Definitions object, is declared here.
"""

import dagster as dg

from voter_platform.defs.console import console_logger

defs = dg.Definitions(loggers={"console": console_logger})
