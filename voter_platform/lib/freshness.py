"""How old the published data is, against what the platform promises: a snapshot every day.

The newest date in `<data>/published/manifest.json` is compared with today (UTC, the calendar of the
partitions): older than `VOTER_PLATFORM_MAX_DATA_AGE_DAYS` days (default 1: yesterday's date is still fresh,
the day before yesterday's is stale) and the data is stale. The Dagster freshness check and its alert
(`defs/alerts/freshness.py`) and the dashboard's banner use this one function, so they agree.

Plain Python (the dashboard imports it).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from voter_platform.settings import whole_number_from_env

MAX_AGE_ENV_VAR = "VOTER_PLATFORM_MAX_DATA_AGE_DAYS"
DEFAULT_MAX_AGE_DAYS = 1
MANIFEST_FILE = "manifest.json"


def max_age_days_from_env(environ: Mapping[str, str] | None = None) -> int:
    """The number of days the newest published date may lag today; a setting that is no whole number >= 0
    raises ValueError naming it."""
    return whole_number_from_env(MAX_AGE_ENV_VAR, DEFAULT_MAX_AGE_DAYS, "days", environ)


def today_utc() -> date:
    return datetime.now(UTC).date()


@dataclass(frozen=True)
class Freshness:
    newest: date | None  # the newest published date (None: nothing published)
    today: date
    max_age_days: int

    @property
    def age_days(self) -> int | None:
        return None if self.newest is None else (self.today - self.newest).days

    @property
    def stale(self) -> bool:
        return self.newest is None or self.age_days > self.max_age_days

    def sentence(self) -> str:
        limit = f"at most {self.max_age_days} day{'s' if self.max_age_days != 1 else ''} old"
        if self.newest is None:
            return f"Nothing has been published yet; a snapshot is expected every day ({limit})."
        age = self.age_days
        age_text = "today" if age == 0 else f"{age} day{'s' if age != 1 else ''} old"
        verdict = "stale" if self.stale else "fresh"
        return f"The newest published date is {self.newest} ({age_text}): {verdict}, expected {limit}."


def freshness_of(latest: str | None, today: date | None = None, max_age_days: int | None = None) -> Freshness:
    return Freshness(
        newest=date.fromisoformat(latest) if latest else None,
        today=today or today_utc(),
        max_age_days=max_age_days_from_env() if max_age_days is None else max_age_days,
    )


def latest_published(published_dir: Path | str) -> str | None:
    """The newest date the manifest lists (None when nothing is published); a corrupt manifest raises ValueError."""
    path = Path(published_dir) / MANIFEST_FILE
    if not path.exists():
        return None
    manifest = json.loads(path.read_text())
    dates = manifest.get("dates") or []
    return manifest.get("latest") or (max(dates) if dates else None)


def stale_banner_text(freshness: Freshness) -> str | None:
    """The dashboard's words for stale data (None when fresh)."""
    if not freshness.stale or freshness.newest is None:
        return None
    age = freshness.age_days
    return (
        f"This data is {age} day{'s' if age != 1 else ''} old: the newest published date is {freshness.newest} and "
        f"a new snapshot is expected every day. The numbers below describe the roll as of {freshness.newest}."
    )
