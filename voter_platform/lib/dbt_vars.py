"""The dbt vars for a run, computed from the Dagster partition window (pure, unit-tested)."""

from __future__ import annotations

from datetime import date, datetime, timedelta


def dbt_vars_for_window(start: datetime | date, end: datetime | date) -> dict[str, str]:
    """Vars for analysis dates in the half-open window [start, end) of a daily partition range.

    dbt models see inclusive first/last dates: a single partition 2026-11-03 gives
    first = last = 2026-11-03, never the next day's start.
    """
    first = start.date() if isinstance(start, datetime) else start
    end_day = end.date() if isinstance(end, datetime) else end
    last = end_day - timedelta(days=1)
    if last < first:
        raise ValueError(f"empty analysis window [{first}, {end_day})")
    return {
        "first_analysis_date": first.isoformat(),
        "last_analysis_date": last.isoformat(),
    }
