"""Files packaged as states deliver them (`generate --package`): each file gzipped (`SWVF_1_22.txt.gz`,
as Ohio's recent pulls), or the files of a product in one zip (`Voter_Extract_20261120.zip` holding
Florida's 67 county files; the layout's `archive_template`, else `<layout id>_<YYYYMMDD>.zip`).

The files are written into a hidden staging folder (the landing sensor never looks there), then each
archive is written under a temporary name and renamed into place, and the staged files are removed.
Archives are byte-for-byte reproducible: members carry the snapshot date, gzip no timestamp.
"""

from __future__ import annotations

import gzip
import os
import shutil
import zipfile
from datetime import date
from pathlib import Path

from voter_platform.generate.writer import MANIFEST_DIR, WrittenFile, temporary_path

STAGING_DIR = ".packaging"
COPY_BYTES = 16 << 20


def staging_folder(out: Path) -> Path:
    return out / STAGING_DIR


def package(
    files: list[WrittenFile], archives: dict[str, str | None], how: str, out: Path, as_of: date
) -> list[WrittenFile]:
    """Package staged `files` (archives: file name -> its zip) into `out`; the written archives.

    `how`: "gz" (each file into <name>.gz) or "zip" (the files of each archive name together). The
    manifest and facts of each file move to `out/_manifest/` under the member's name.
    """
    written: list[WrittenFile] = []
    if how == "gz":
        for item in files:
            target = out / f"{item.path.name}.gz"
            _gzip(item.path, target)
            written.append(
                WrittenFile(target, item.lines, target.stat().st_size, item.defects, item.manifest, item.facts)
            )
    else:
        by_archive: dict[str, list[WrittenFile]] = {}
        for item in files:
            by_archive.setdefault(archives[item.path.name] or f"{item.path.stem}.zip", []).append(item)
        for name, members in by_archive.items():
            target = out / name
            _zip(members, target, as_of)
            written.append(
                WrittenFile(
                    target,
                    sum(m.lines for m in members),
                    target.stat().st_size,
                    sum(m.defects for m in members),
                    None,
                    None,
                )
            )
    for item in files:
        for side in (item.manifest, item.facts):
            if side is not None and side.exists():
                (out / MANIFEST_DIR).mkdir(parents=True, exist_ok=True)
                os.replace(side, out / MANIFEST_DIR / side.name)
        item.path.unlink()
    return [_with_manifest_moved(item, out) for item in written]


def _with_manifest_moved(item: WrittenFile, out: Path) -> WrittenFile:
    moved = {side: out / MANIFEST_DIR / side.name for side in (item.manifest, item.facts) if side is not None}
    return WrittenFile(item.path, item.lines, item.bytes, item.defects, moved.get(item.manifest), moved.get(item.facts))


def _gzip(source: Path, target: Path) -> None:
    temporary = temporary_path(target)
    with (
        source.open("rb") as reader,
        temporary.open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as writer,
    ):
        shutil.copyfileobj(reader, writer, COPY_BYTES)
    os.replace(temporary, target)


def _zip(members: list[WrittenFile], target: Path, as_of: date) -> None:
    temporary = temporary_path(target)
    with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for item in members:
            info = zipfile.ZipInfo(item.path.name, date_time=(as_of.year, as_of.month, as_of.day, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            with item.path.open("rb") as reader, archive.open(info, "w") as writer:
                shutil.copyfileobj(reader, writer, COPY_BYTES)
    os.replace(temporary, target)
