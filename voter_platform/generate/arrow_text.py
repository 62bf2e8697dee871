"""Fast construction of Arrow text columns from numpy arrays (no Python object per value)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from voter_platform.generate.dates import year_month_day


def digits(numbers: np.ndarray, width: int, prefix: str = "") -> pa.StringArray:
    """Zero-padded decimal text of non-negative integers, optionally after a fixed ASCII prefix."""
    numbers = np.asarray(numbers, dtype=np.int64)
    count = len(numbers)
    head = prefix.encode("ascii")
    row = len(head) + width
    buffer = np.empty((count, row), dtype=np.uint8)
    if head:
        buffer[:, : len(head)] = np.frombuffer(head, dtype=np.uint8)
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    buffer[:, len(head) :] = (numbers[:, None] // powers) % 10 + ord("0")
    offsets = np.arange(0, (count + 1) * row, row, dtype=np.int32)
    return pa.StringArray.from_buffers(count, pa.py_buffer(offsets), pa.py_buffer(buffer.tobytes()))


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


def date_column(days: np.ndarray, missing: np.ndarray | None = None) -> pa.Array:
    """Dates written ISO (YYYY-MM-DD); `missing` marks empty values."""
    mask = None if missing is None else np.asarray(missing, dtype=bool)
    return pa.array(np.asarray(days, dtype=np.int32), type=pa.int32(), mask=mask).cast(pa.date32())


def month_day_year(days: np.ndarray) -> pa.StringArray:
    """Dates as zero-padded MM/DD/YYYY (the NCSBE style)."""
    year, month, day = year_month_day(days)
    count = len(year)
    buffer = np.empty((count, 10), dtype=np.uint8)
    buffer[:, 0], buffer[:, 1] = month // 10 + 48, month % 10 + 48
    buffer[:, 2] = buffer[:, 5] = ord("/")
    buffer[:, 3], buffer[:, 4] = day // 10 + 48, day % 10 + 48
    for position, power in enumerate((1000, 100, 10, 1)):
        buffer[:, 6 + position] = (year // power) % 10 + 48
    offsets = np.arange(0, (count + 1) * 10, 10, dtype=np.int32)
    return pa.StringArray.from_buffers(count, pa.py_buffer(offsets), pa.py_buffer(buffer.tobytes()))


def with_empty(column: pa.Array, missing: np.ndarray) -> pa.Array:
    """`column` with the values at `missing` replaced by nulls (written as empty fields)."""
    return pc.if_else(pa.array(~np.asarray(missing, dtype=bool)), column, pa.scalar(None, column.type))
