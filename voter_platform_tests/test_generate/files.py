"""Reading generated files back as a reader of the file would: lines, fields, the manifest and the facts."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path

from voter_platform.generate import formats
from voter_platform.generate.formats import Layout
from voter_platform.generate.writer import facts_path, manifest_path

LAYOUT_OF = {
    "voters_": formats.CANONICAL_VOTERS,
    "vote_history_": formats.CANONICAL_HISTORY,
    "goodparty_voters": formats.GOODPARTY_VOTERS,
    "ncvoter": formats.NCVOTER,
    "ncvhis": formats.NCVHIS,
    "VR_Snapshot": formats.VR_SNAPSHOT,
}


def layout_of(path: Path) -> Layout:
    return next(layout for prefix, layout in LAYOUT_OF.items() if path.name.startswith(prefix))


def lines_of(path: Path, layout: Layout | None = None) -> list[str]:
    """The file's physical lines as text, without line ends; lines[0] is line 1 (the header)."""
    layout = layout or layout_of(path)
    data = path.read_bytes()
    if data.startswith(b"\xff\xfe"):
        data = data[2:]
    text = data.decode(layout.file_encoding)
    assert text.endswith(layout.line_ending), path.name
    return text[: -len(layout.line_ending)].split(layout.line_ending)


def fields_of(layout: Layout, line: str) -> list[str]:
    values = line.split(layout.delimiter)
    if layout.quote_all:
        return [value[1:-1] if len(value) >= 2 and value[0] == value[-1] == '"' else value for value in values]
    return values


def records(path: Path) -> tuple[Layout, list[str], list[dict[str, str]]]:
    """(layout, lines, one dict per line from line 2 on: column -> value as written)."""
    layout = layout_of(path)
    lines = lines_of(path, layout)
    return layout, lines, [dict(zip(layout.columns, fields_of(layout, line), strict=False)) for line in lines[1:]]


def manifest_rows(path: Path) -> list[dict[str, str]]:
    with manifest_path(path).open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert all(row["file_name"] == path.name for row in rows)
    return rows


def manifest_by_kind(path: Path) -> dict[str, dict[int, str]]:
    """defect -> {line number: detail}."""
    by_kind: dict[str, dict[int, str]] = defaultdict(dict)
    for row in manifest_rows(path):
        by_kind[row["defect"]][int(row["line_number"])] = row["detail"]
    return by_kind


def facts_of(path: Path) -> dict:
    return json.loads(facts_path(path).read_text(encoding="utf-8"))
