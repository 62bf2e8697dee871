"""The analysis window of a dbt run, computed from the Dagster partition window (pure, unit-tested).

dbt receives the window as two environment variables, not as `--vars`: dbt re-parses the whole
project whenever `--vars` differ from its previous invocation (every run, as the date moves), while
environment variables that the models read only when they execute (dbt/macros/analysis_window.sql)
leave its partial-parse state valid from one run to the next.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

FIRST_ANALYSIS_DATE_ENV = "VOTER_PLATFORM_FIRST_ANALYSIS_DATE"
LAST_ANALYSIS_DATE_ENV = "VOTER_PLATFORM_LAST_ANALYSIS_DATE"


def analysis_window(start: datetime | date, end: datetime | date) -> tuple[date, date]:
    """The inclusive first and last analysis dates of the half-open window [start, end) of a daily
    partition range: a single partition 2026-11-03 gives (2026-11-03, 2026-11-03), never the next
    day's start."""
    first = start.date() if isinstance(start, datetime) else start
    end_day = end.date() if isinstance(end, datetime) else end
    last = end_day - timedelta(days=1)
    if last < first:
        raise ValueError(f"empty analysis window [{first}, {end_day})")
    return first, last


def dbt_env_for_window(start: datetime | date, end: datetime | date) -> dict[str, str]:
    """The environment variables that give dbt the analysis dates of the window [start, end)."""
    first, last = analysis_window(start, end)
    return {FIRST_ANALYSIS_DATE_ENV: first.isoformat(), LAST_ANALYSIS_DATE_ENV: last.isoformat()}
