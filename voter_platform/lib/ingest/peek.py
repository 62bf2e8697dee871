"""A look inside a landed file for its snapshot date, when its name carries none.

Some products say their as-of date in every record (NCSBE's VR_Snapshot: `snapshot_dt`); the
layout marks that field as `snapshot_date`. Only the first record is read.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

from voter_platform.lib.ingest.formats import UnknownFormatError, detect_layout
from voter_platform.lib.ingest.prepass import HEADER_PEEK_BYTES, decoded_head


def snapshot_date_in_file(path: Path) -> date | None:
    """The snapshot date the file's first record states, or None (no such field, or unreadable)."""
    try:
        lines = re.split(r"\r\n|\n|\r", decoded_head(path, HEADER_PEEK_BYTES), maxsplit=2)
    except OSError:
        return None
    if len(lines) < 2:
        return None
    try:
        layout = detect_layout(lines[0], path.name)
    except UnknownFormatError:
        return None
    found = layout.source_fields("snapshot_date")
    if not found or layout.spec.is_fixed_width:
        return None
    source, position = found[0]
    values = lines[layout.header_lines].split(layout.spec.text.delimiter)
    if position > len(values):
        return None
    text = values[position - 1].strip().strip(layout.spec.text.quote or "")
    try:
        return datetime.strptime(text, layout.spec.date_format_of(source)).date()
    except ValueError:
        return None
