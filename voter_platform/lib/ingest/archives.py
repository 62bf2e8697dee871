"""Files as states deliver them: `.zip` archives holding the parts, `.gz` compressed text.

Each member of an archive (and the text inside a `.gz`) is unpacked into the run's work folder and
read as a file of its own, reported as `<archive>/<member>` so the log, the quarantine and the raw
rows name where a line came from. Members a layout says to skip (copies and summaries shipped beside
the data) are listed as ignored, never silently.
"""

from __future__ import annotations

import gzip
import re
import shutil
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

COPY_BYTES = 16 << 20


@dataclass(frozen=True)
class Unpacked:
    """A readable file of the run: the file itself, or a member unpacked from an archive."""

    path: Path  # where to read it
    name: str  # how it is reported: landing-relative name, or <archive>/<member>
    ignored_because: str | None = None  # a member skipped on purpose (the reason)


def is_archive(path: Path) -> bool:
    return path.suffix.lower() in (".zip", ".gz")


def unpack(path: Path, name: str, folder: Path, ignore: list[str]) -> Iterator[Unpacked]:
    """The readable files inside an archive, unpacked under `folder` (created if missing).

    `ignore`: regexes over a member's path; a match is reported as ignored. A corrupt archive raises
    OSError (zipfile.BadZipFile and gzip.BadGzipFile are OSErrors or turned into one).
    """
    folder.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".gz":
        target = folder / path.stem  # voters.txt.gz -> voters.txt
        try:
            with gzip.open(path, "rb") as reader, target.open("wb") as writer:
                shutil.copyfileobj(reader, writer, COPY_BYTES)
        except (gzip.BadGzipFile, EOFError) as error:
            raise OSError(f"not a readable gzip file ({error})") from None
        yield Unpacked(target, name)
        return
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as error:
        raise OSError(f"not a readable zip archive ({error})") from None
    with archive:
        for index, member in enumerate(info for info in archive.infolist() if not info.is_dir()):
            member_name = PurePosixPath(member.filename)
            reported = f"{name}/{member_name.as_posix()}"
            reason = next((pattern for pattern in ignore if re.search(pattern, member_name.as_posix(), re.I)), None)
            if reason is not None:
                yield Unpacked(folder / member_name.name, reported, f"the layout skips members matching {reason!r}")
                continue
            # Never trust a member's path (../../etc): each goes into its own numbered folder.
            target = folder / str(index) / member_name.name
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(member) as reader, target.open("wb") as writer:
                shutil.copyfileobj(reader, writer, COPY_BYTES)
            yield Unpacked(target, reported)
