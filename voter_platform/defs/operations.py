"""Running it like production: what is merged into the code location beside the data assets.

- alerts for failed runs and blocked dates, the freshness check of the published snapshot and its sensor
  (defs/alerts/);
- `dead_run_sensor`: runs whose process died are failed with the reason, freeing the warehouse pool
  (defs/dead_runs.py);
- the console logger that tells a failure once, an expected one without a stack trace (defs/console.py).

`operations_definitions()` is merged by `voter_platform/definitions.py` (a function: Dagster allows one
Definitions object at the module scope of a code location).
"""

import dagster as dg

from voter_platform.defs.alerts.freshness import freshness_sensor, published_recently
from voter_platform.defs.alerts.sensors import failure_alert_sensor
from voter_platform.defs.console import console_logger
from voter_platform.defs.dead_runs import dead_run_sensor


def operations_definitions() -> dg.Definitions:
    return dg.Definitions(
        asset_checks=[published_recently],
        sensors=[failure_alert_sensor, freshness_sensor, dead_run_sensor],
        loggers={"console": console_logger},
    )
