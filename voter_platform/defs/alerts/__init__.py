"""Alerts and freshness: who is told when a run fails, a date is blocked or the published data goes stale.

`alert_definitions()` is merged into the code location by `voter_platform/definitions.py` (a function: Dagster
allows one Definitions object at the module scope of a code location).
"""

import dagster as dg

from voter_platform.defs.alerts.freshness import freshness_sensor, published_recently
from voter_platform.defs.alerts.sensors import failure_alert_sensor


def alert_definitions() -> dg.Definitions:
    return dg.Definitions(asset_checks=[published_recently], sensors=[failure_alert_sensor, freshness_sensor])
