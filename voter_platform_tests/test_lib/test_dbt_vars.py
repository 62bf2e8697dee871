"""The dbt analysis window from a Dagster partition window: inclusive dates, never the next day's start."""

from datetime import UTC, date, datetime

import pytest

from voter_platform.lib.dbt_vars import analysis_window, dbt_env_for_window


def test_one_partition_is_one_inclusive_date():
    window = (datetime(2026, 11, 3, tzinfo=UTC), datetime(2026, 11, 4, tzinfo=UTC))
    assert analysis_window(*window) == (date(2026, 11, 3), date(2026, 11, 3))
    assert dbt_env_for_window(*window) == {
        "VOTER_PLATFORM_FIRST_ANALYSIS_DATE": "2026-11-03",
        "VOTER_PLATFORM_LAST_ANALYSIS_DATE": "2026-11-03",
    }


def test_a_range_ends_the_day_before_the_window_end():
    assert dbt_env_for_window(date(2026, 11, 1), date(2026, 11, 8)) == {
        "VOTER_PLATFORM_FIRST_ANALYSIS_DATE": "2026-11-01",
        "VOTER_PLATFORM_LAST_ANALYSIS_DATE": "2026-11-07",
    }


def test_an_empty_window_is_an_error():
    with pytest.raises(ValueError, match="empty analysis window"):
        dbt_env_for_window(date(2026, 11, 3), date(2026, 11, 3))
