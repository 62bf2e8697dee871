"""Fast construction of Arrow text columns from numpy arrays (no Python object per value)."""

from __future__ import annotations

from functools import cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from voter_platform.generate.dates import year_month_day


def digits(numbers: np.ndarray, width: int, prefix: str = "") -> pa.StringArray:
    """Zero-padded decimal text of non-negative integers, optionally after a fixed ASCII prefix."""
    head = prefix.encode("ascii")
    buffer = fixed_width_buffer(len(numbers), len(head) + width)
    if head:
        buffer[:, : len(head)] = np.frombuffer(head, dtype=np.uint8)
    write_digits(buffer, len(head), width, numbers)
    return strings_from_buffer(buffer)


def fixed_width_buffer(count: int, width: int) -> np.ndarray:
    """A (count, width) byte matrix: row i becomes string i (see strings_from_buffer)."""
    return np.empty((count, width), dtype=np.uint8)


def write_digits(buffer: np.ndarray, start: int, width: int, numbers: np.ndarray) -> None:
    """Write `numbers` zero-padded into columns start..start+width-1 of a fixed-width buffer."""
    rest = np.asarray(numbers, dtype=np.int64)
    for position in range(start + width - 1, start - 1, -1):
        rest, digit = np.divmod(rest, 10)
        buffer[:, position] = digit + 48


def strings_from_buffer(buffer: np.ndarray) -> pa.StringArray:
    """The rows of a fixed-width byte matrix as an Arrow string array, without copying the bytes."""
    count, width = buffer.shape
    offsets = np.arange(0, (count + 1) * width, width, dtype=np.int32)
    return pa.StringArray.from_buffers(count, pa.py_buffer(offsets), pa.py_buffer(np.ascontiguousarray(buffer)))


def dictionary(indices: np.ndarray, values: pa.Array | list[str]) -> pa.DictionaryArray:
    """A column whose value i is values[indices[i]]: the writer expands it, we never do."""
    if not isinstance(values, pa.Array):
        values = pa.array(values, type=pa.string())
    return pa.DictionaryArray.from_arrays(pa.array(np.asarray(indices, dtype=np.int32)), values)


def constant(value: str, count: int) -> pa.DictionaryArray:
    return dictionary(np.zeros(count, dtype=np.int32), [value])


def integers(numbers: np.ndarray) -> pa.StringArray:
    """Plain decimal text (no padding)."""
    return pc.cast(pa.array(np.asarray(numbers, dtype=np.int64)), pa.string())


def decoded(indices: np.ndarray, values: pa.Array) -> pa.StringArray:
    """values[indices] as a plain string array (for columns that are concatenated further)."""
    return values.take(pa.array(np.asarray(indices, dtype=np.int32)))


def join(*parts: pa.Array | str) -> pa.StringArray:
    """Element-wise concatenation of string arrays and literals."""
    return pc.binary_join_element_wise(*parts, "")


def date_column(days: np.ndarray, missing: np.ndarray | None = None) -> pa.DictionaryArray:
    """Dates written ISO (YYYY-MM-DD); `missing` marks empty values.

    A dictionary column over a precomputed table of every ISO date from 1800 to 2199: the CSV writer
    then copies short strings instead of formatting each date, about twice as fast.
    """
    indices = np.asarray(days, dtype=np.int32) - _ISO_FIRST_DAY
    mask = None if missing is None else np.asarray(missing, dtype=bool)
    return pa.DictionaryArray.from_arrays(pa.array(indices, type=pa.int32(), mask=mask), _iso_dates())


_ISO_FIRST_DAY = int(np.datetime64("1800-01-01", "D").astype(np.int64))
_ISO_LAST_DAY = int(np.datetime64("2199-12-31", "D").astype(np.int64))


@cache
def _iso_dates() -> pa.StringArray:
    return pa.array(np.arange(_ISO_FIRST_DAY, _ISO_LAST_DAY + 1).astype("datetime64[D]").astype(str))


def month_day_year(days: np.ndarray) -> pa.StringArray:
    """Dates as zero-padded MM/DD/YYYY (the NCSBE style)."""
    year, month, day = year_month_day(days)
    buffer = fixed_width_buffer(len(year), 10)
    write_digits(buffer, 0, 2, month)
    write_digits(buffer, 3, 2, day)
    write_digits(buffer, 6, 4, year)
    buffer[:, 2] = buffer[:, 5] = ord("/")
    return strings_from_buffer(buffer)


def with_empty(column: pa.Array, missing: np.ndarray) -> pa.Array:
    """`column` with the values at `missing` replaced by nulls (written as empty fields)."""
    return pc.if_else(pa.array(~np.asarray(missing, dtype=bool)), column, pa.scalar(None, column.type))
