"""What a record's first field looks like, so a record can be found where a line runs into it.

When a newline is lost, or a record is cut short, the next record starts inside a field of the
line. Its first field is recognised by shape: the layout's declared `pattern` for that field, or a
pattern inferred from the file itself — the character-class shapes ("AA999999" for "BN123456") of
the first field of its first records. A free-text first field has too many shapes to infer one:
then no record is looked for, and the line is quarantined whole.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from voter_platform.lib.ingest.formats import FileLayout

SAMPLE_BYTES = 1 << 18
# A field is recognisable when this many shapes cover nearly all of its values.
MAX_SHAPES = 12
MIN_COVERAGE = 0.99


def value_shape(value: str) -> str:
    """Letters as A, digits as 9, anything else as itself: "VOT001" -> "AAA999"."""
    return re.sub(r"[0-9]", "9", re.sub(r"[A-Za-z]", "A", value))


def shape_regex(shape: str) -> str:
    """The regex of one shape: runs of letters and digits with their exact lengths."""
    parts = []
    for run in re.finditer(r"A+|9+|[^A9]", shape):
        text = run.group()
        if text[0] == "A":
            parts.append(f"[A-Za-z]{{{len(text)}}}")
        elif text[0] == "9":
            parts.append(f"\\d{{{len(text)}}}")
        else:
            parts.append(re.escape(text))
    return "".join(parts)


def inferred_pattern(values: list[str]) -> str | None:
    """A regex matching the shapes of nearly all `values`, or None when they have no common shape."""
    shapes = Counter(value_shape(value) for value in values if value)
    total = sum(shapes.values())
    if not total:
        return None
    common = shapes.most_common(MAX_SHAPES)
    if sum(count for _, count in common) < MIN_COVERAGE * total:
        return None
    # Longest shapes first: a suffix search then prefers the whole field.
    ordered = sorted((shape for shape, _ in common), key=len, reverse=True)
    return "|".join(shape_regex(shape) for shape in ordered)


@dataclass(frozen=True)
class RecordShapes:
    """Regexes of what a record's first field and its voter id look like (None: unknown)."""

    start: str | None
    voter_id: str | None


def record_shapes(layout: FileLayout, path: Path, encoding: str) -> RecordShapes:
    """The shapes of the layout's first field and voter id: declared, or inferred from the file's
    first records."""

    def declared(position: int | None) -> str | None:
        if position is None:
            return None
        name = layout.header_fields[position - 1]
        source = next((source for source in layout.spec.fields if name in source.names), None)
        return source.pattern if source is not None else None

    id_position = layout.source_position("voter_id")
    start, voter_id = declared(1), declared(id_position)
    if start is None or (voter_id is None and id_position is not None):
        rows = _first_records(layout, path, encoding)
        start = start or inferred_pattern([row[0].strip() for row in rows])
        if voter_id is None and id_position is not None:
            voter_id = inferred_pattern([row[id_position - 1].strip() for row in rows])
    return RecordShapes(start, voter_id)


def _first_records(layout: FileLayout, path: Path, encoding: str) -> list[list[str]]:
    with path.open("rb") as handle:
        head = handle.read(SAMPLE_BYTES)
    text = head.decode("utf-8" if encoding == "utf-8" else "latin-1", errors="replace")
    lines = text.splitlines()[layout.header_lines : -1]  # the last line may be cut by the sample
    delimiter = layout.spec.text.delimiter or ","
    reader = csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter)
    return [row for row in reader if len(row) == layout.field_count]
