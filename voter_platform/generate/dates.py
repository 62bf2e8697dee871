"""Vectorised calendar arithmetic on dates stored as int32 days since 1970-01-01 (Arrow's date32)."""

from __future__ import annotations

from datetime import date

import numpy as np

EPOCH = date(1970, 1, 1)
SECONDS_PER_DAY = 86_400


def to_days(day: date) -> int:
    return (day - EPOCH).days


def year_month_day(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Civil (year, month, day) of each date, by integer arithmetic (H. Hinnant's civil_from_days)."""
    z = np.asarray(days, dtype=np.int64) + 719_468
    era = np.floor_divide(z, 146_097)
    day_of_era = z - era * 146_097
    year_of_era = (day_of_era - day_of_era // 1460 + day_of_era // 36_524 - day_of_era // 146_096) // 365
    day_of_year = day_of_era - (365 * year_of_era + year_of_era // 4 - year_of_era // 100)
    shifted_month = (5 * day_of_year + 2) // 153
    day = day_of_year - (153 * shifted_month + 2) // 5 + 1
    month = np.where(shifted_month < 10, shifted_month + 3, shifted_month - 9)
    year = year_of_era + era * 400 + (month <= 2)
    return year, month, day


def age_on(birth_days: np.ndarray, on_days: np.ndarray | int) -> np.ndarray:
    """Completed years of age on a date (a birthday counts from the day itself; 29 February from 1 March)."""
    if np.ndim(on_days) == 0:
        # One date for everyone: count the anniversaries "on_days minus k years" on or after each birth.
        anniversaries = add_years(np.full(_MAX_YEARS + 1, on_days), -np.arange(_MAX_YEARS, -1, -1))
        return (_MAX_YEARS - np.searchsorted(anniversaries, birth_days, side="left")).astype(np.int16)
    birth_year, birth_month, birth_day = year_month_day(birth_days)
    year, month, day = year_month_day(on_days)
    before_birthday = (month * 100 + day) < (birth_month * 100 + birth_day)
    return (year - birth_year - before_birthday).astype(np.int16)


_MAX_YEARS = 200


def days_from_civil(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 of civil dates (the inverse of year_month_day, H. Hinnant's days_from_civil)."""
    year = np.asarray(year, dtype=np.int64) - (np.asarray(month) <= 2)
    era = np.floor_divide(year, 400)
    year_of_era = year - era * 400
    day_of_year = (153 * np.where(month > 2, month - 3, month + 9) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146_097 + day_of_era - 719_468


def add_years(days: np.ndarray | int, years: np.ndarray | int) -> np.ndarray:
    """Same month and day `years` later (element-wise); 29 February becomes 1 March in a common year."""
    year, month, day = year_month_day(days)
    year = year + np.asarray(years, dtype=np.int64)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    moved = (month == 2) & (day == 29) & ~leap
    shifted = days_from_civil(year, np.where(moved, 3, month), np.where(moved, 1, day))
    return shifted.astype(np.int32)
