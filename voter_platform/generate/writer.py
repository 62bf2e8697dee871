"""Writing delimited files chunk by chunk, under a temporary name renamed only when complete.

A folder watcher (the landing sensor) ignores names starting with "." and ending ".tmp", so it never
sees half a file: the data goes to `.<name>.tmp`, the defect manifest is written first (also
atomically) under `_manifest/`, then the data file is renamed into place.
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from voter_platform.generate.defects import DefectInjector
from voter_platform.generate.formats import Layout

MANIFEST_DIR = "_manifest"
MANIFEST_COLUMNS = ("file_name", "line_number", "defect", "detail")


@dataclass(frozen=True)
class WrittenFile:
    path: Path
    lines: int  # physical lines, header included
    bytes: int
    defects: int
    manifest: Path | None


def temporary_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.tmp")


def manifest_path(path: Path) -> Path:
    return path.parent / MANIFEST_DIR / f"{path.name}.defects.csv"


def render(table: pa.Table, layout: Layout) -> tuple[pa.Buffer | bytes, int]:
    """A table as text lines in the layout's encoding, without header, and their count.

    Thread-safe, and mostly outside the GIL (Arrow's writer, the codecs), so chunks render in parallel.
    """
    options = pacsv.WriteOptions(
        include_header=False,
        delimiter=layout.delimiter,
        # Canonical and GoodParty values never contain a delimiter or a quote, so no value needs
        # quotes (RFC 4180) and Arrow refuses to write one that would; NCSBE quotes every value.
        quoting_style="all_valid" if layout.quote_all else "none",
        batch_size=32_768,
    )
    sink = pa.BufferOutputStream()
    if table.num_rows:
        pacsv.write_csv(_decode_dictionaries(table), sink, options)
    text = sink.getvalue()
    if layout.encoding != "utf-8":  # Arrow writes UTF-8; NCSBE files are latin-1
        text = str(text, "utf-8").encode(layout.encoding)
    return text, table.num_rows


def _decode_dictionaries(table: pa.Table) -> pa.Table:
    """Dictionary columns as plain strings: Arrow's CSV writer is about 3x slower on dictionaries than a
    `take` followed by writing plain strings (measured here, pyarrow 26)."""
    columns = []
    for column in table.columns:
        if pa.types.is_dictionary(column.type):
            column = pa.chunked_array(
                [chunk.dictionary.take(chunk.indices) for chunk in column.chunks], type=column.type.value_type
            )
        columns.append(column)
    return pa.table(columns, names=table.column_names)


class DelimitedFileWriter:
    """One output file: header, then rendered chunks appended in order, defects injected on the way."""

    def __init__(
        self,
        path: Path,
        layout: Layout,
        *,
        defect_rates: dict[str, float] | None = None,
        defect_rng: np.random.Generator | None = None,
        as_of: date | None = None,
    ) -> None:
        self.path = path
        self.layout = layout
        self._injector = None
        if defect_rates and any(rate > 0 for rate in defect_rates.values()):
            self._injector = DefectInjector(layout, defect_rates, defect_rng, as_of)
        self._temporary = temporary_path(path)
        self._handle = open(self._temporary, "wb")
        self._handle.write(layout.header())
        self._lines = 1  # the header

    def write_rendered(self, data: pa.Buffer | bytes, lines: int) -> None:
        """Append rendered text, injecting this file's defects. Chunks must arrive in file order."""
        if not lines:
            return
        if self._injector is not None:
            data, lines = self._injector.apply(bytes(data), first_line=self._lines + 1)
        self._handle.write(data)
        self._lines += lines

    def close(self) -> WrittenFile:
        """Finish the file: manifest first, then the data file appears under its real name."""
        self._handle.close()
        manifest = None
        defects = 0
        if self._injector is not None:
            manifest = manifest_path(self.path)
            defects = len(self._injector.rows)
            write_manifest(manifest, self.path.name, self._injector.rows)
        os.replace(self._temporary, self.path)
        return WrittenFile(self.path, self._lines, self.path.stat().st_size, defects, manifest)

    @property
    def closed(self) -> bool:
        return self._handle.closed

    def abort(self) -> None:
        self._handle.close()
        self._temporary.unlink(missing_ok=True)


def write_manifest(path: Path, file_name: str, rows) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(MANIFEST_COLUMNS)
    writer.writerows((file_name, row.line_number, row.defect, row.detail) for row in rows)
    temporary = temporary_path(path)
    temporary.write_text(buffer.getvalue(), encoding="utf-8")
    os.replace(temporary, path)
