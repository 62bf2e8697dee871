"""Vectorised calendar arithmetic on dates stored as int32 days since 1970-01-01 (Arrow's date32)."""

from __future__ import annotations

from datetime import date

import numpy as np

EPOCH = date(1970, 1, 1)
SECONDS_PER_DAY = 86_400


def to_days(day: date) -> int:
    return (day - EPOCH).days


def from_days(days: int) -> date:
    return date.fromordinal(EPOCH.toordinal() + int(days))


def year_month_day(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    as_dates = np.asarray(days, dtype="int64").astype("datetime64[D]")
    years = as_dates.astype("datetime64[Y]")
    months = as_dates.astype("datetime64[M]")
    year = years.astype(np.int64) + 1970
    month = (months - years.astype("datetime64[M]")).astype(np.int64) + 1
    day = (as_dates - months.astype("datetime64[D]")).astype(np.int64) + 1
    return year, month, day


def age_on(birth_days: np.ndarray, on_days: np.ndarray | int) -> np.ndarray:
    """Completed years of age on a date (birthday counted on the day itself)."""
    birth_year, birth_month, birth_day = year_month_day(birth_days)
    year, month, day = year_month_day(np.broadcast_to(on_days, np.shape(birth_days)))
    before_birthday = (month < birth_month) | ((month == birth_month) & (day < birth_day))
    return (year - birth_year - before_birthday).astype(np.int16)


def add_years(days: np.ndarray | int, years: np.ndarray | int) -> np.ndarray:
    """Same month and day `years` later (element-wise); 29 February becomes 1 March in a common year."""
    as_dates = np.asarray(days, dtype="int64").astype("datetime64[D]")
    months = as_dates.astype("datetime64[M]")
    day_of_month = as_dates - months.astype("datetime64[D]")
    month_shift = (12 * np.asarray(years, dtype=np.int64)).astype("timedelta64[M]")
    shifted = (months + month_shift).astype("datetime64[D]") + day_of_month
    return shifted.astype(np.int64).astype(np.int32)
