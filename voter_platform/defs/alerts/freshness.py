"""Freshness of the published snapshot: a check on `published_snapshot`, evaluated by a sensor, with an alert.

Why a custom check rather than `build_last_update_freshness_checks` / `FreshnessPolicy`: those measure when an
asset was last *materialized*, and `published_snapshot` is materialized whenever any date is rebuilt (a backfill of
last year republishes last year). What the platform promises is that the newest *published date* is at most
`VOTER_PLATFORM_MAX_DATA_AGE_DAYS` days old, which is in `manifest.json` (lib/freshness.py, shared with the
dashboard's banner).

- `published_recently`: the asset check (executable from the UI: Checks → Execute). It is left out of the
  ingest and marts jobs (defs/ingest/jobs.py, defs/marts/jobs.py), whose runs it would otherwise mark with a
  failed check for any backfill of old dates.
- `freshness_sensor`: every 10 minutes, evaluates the same rule without launching a run, records the result as
  that check's evaluation when it changes (so the asset page shows it), and sends one stale alert per newest
  date that went stale (cursor), through the channels of `channels.py`; none before anything was published (a new
  installation loading its first files).
"""

from __future__ import annotations

import json

import dagster as dg

from voter_platform.defs.alerts.channels import AlertChannels, send_alert
from voter_platform.lib.alerts import stale_alert
from voter_platform.lib.freshness import Freshness, freshness_of, latest_published
from voter_platform.settings import data_paths

PUBLISHED_KEY = dg.AssetKey("published_snapshot")
FRESHNESS_CHECK_NAME = "published_recently"
FRESHNESS_CHECK_KEY = dg.AssetCheckKey(PUBLISHED_KEY, FRESHNESS_CHECK_NAME)
FRESHNESS_SENSOR_INTERVAL_SECONDS = 600


def current_freshness() -> Freshness:
    return freshness_of(latest_published(data_paths().published))


def _metadata(freshness: Freshness) -> dict[str, object]:
    return {
        "newest_published_date": str(freshness.newest) if freshness.newest else None,
        "age_days": freshness.age_days,
        "max_age_days": freshness.max_age_days,
        "checked_on": str(freshness.today),
    }


@dg.asset_check(
    asset=PUBLISHED_KEY,
    name=FRESHNESS_CHECK_NAME,
    description=(
        "The newest published date is at most VOTER_PLATFORM_MAX_DATA_AGE_DAYS days (default 1) before today "
        "(UTC): a snapshot is expected every day. Evaluated every 10 minutes by freshness_sensor."
    ),
)
def published_recently() -> dg.AssetCheckResult:
    freshness = current_freshness()
    return dg.AssetCheckResult(
        passed=not freshness.stale,
        severity=dg.AssetCheckSeverity.ERROR,
        description=freshness.sentence(),
        metadata=_metadata(freshness),
    )


@dg.sensor(
    name="freshness_sensor",
    minimum_interval_seconds=FRESHNESS_SENSOR_INTERVAL_SECONDS,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Checks every 10 minutes that the newest published date is recent enough (check published_recently) and "
        "sends one alert when it goes stale."
    ),
)
def freshness_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
    cursor = json.loads(context.cursor) if context.cursor else {}
    freshness = current_freshness()
    state = {"newest": str(freshness.newest), "age_days": freshness.age_days, "stale": freshness.stale}
    events = []
    if cursor.get("state") != state:
        events.append(
            dg.AssetCheckEvaluation(
                asset_key=PUBLISHED_KEY,
                check_name=FRESHNESS_CHECK_NAME,
                passed=not freshness.stale,
                severity=dg.AssetCheckSeverity.ERROR,
                description=freshness.sentence(),
                metadata=_metadata(freshness),
            )
        )
    alerted = cursor.get("alerted_for")
    # Before the first publish (a new installation loading its first files) the check fails, but nobody is paged.
    if freshness.stale and freshness.newest is not None and alerted != str(freshness.newest):
        channels = AlertChannels.from_env()
        alert = stale_alert(
            str(freshness.newest) if freshness.newest else None,
            freshness.age_days,
            freshness.max_age_days,
            ui_base_url=channels.dagster_ui_url,
            today=str(freshness.today),
        )
        send_alert(alert, channels, context.log)
        alerted = str(freshness.newest)
    elif not freshness.stale:
        alerted = None
    return dg.SensorResult(
        asset_events=events,
        cursor=json.dumps({"state": state, "alerted_for": alerted}),
        skip_reason=None if events else freshness.sentence(),
    )
