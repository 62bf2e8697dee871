"""What is in the landing folder: each file, its snapshot date (= partition) and its format.

Shared by the landing sensor and `voter-platform build`, so both map a file to the same partition.
A file's as-of date comes from its name when it carries one (`voters_NC_2026-11-20.csv`,
`VR_Snapshot_20210215.txt`), else from its content where the layout states one in every record
(VR_Snapshot's snapshot_dt), otherwise from the day it landed (its modification time, UTC).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

# ISO (2026-11-20, 2026_11_20) or compact (20261120) dates, not glued to other digits.
_DATE_IN_NAME = re.compile(r"(?<!\d)(20\d{2}|19\d{2})[-_]?(0[1-9]|1[0-2])[-_]?(0[1-9]|[12]\d|3[01])(?!\d)")

# Names the platform itself writes while copying, and editor/OS droppings.
_IGNORED_PREFIXES = (".", "~", "_")
_IGNORED_SUFFIXES = (".tmp", ".part", ".partial", ".crdownload", ".swp")


@dataclass(frozen=True)
class LandingFile:
    path: Path
    size: int
    mtime: float
    partition_key: str
    date_source: str  # "file name", "file content" or "modification time"
    name: str = ""  # the path below the landing folder, e.g. FL/ALA_20260101.txt (default: the file name)

    def __post_init__(self) -> None:
        if not self.name:
            object.__setattr__(self, "name", self.path.name)

    @property
    def state_hint(self) -> str | None:
        """The state a state subfolder (landing/FL/...) says the file is of."""
        return state_of_folder(self.name)

    @property
    def run_key(self) -> str:
        """Name + mtime + size: an untouched file never runs twice; a corrected one runs again."""
        return f"{self.name}:{self.mtime_ns}:{self.size}"

    @property
    def mtime_ns(self) -> int:
        return int(self.mtime * 1_000_000_000)


def as_of_date_from_name(name: str) -> date | None:
    """The snapshot date written in a file name, or None when it has none (or an impossible one)."""
    for match in _DATE_IN_NAME.finditer(name):
        try:
            return date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            continue
    return None


def name_without_date(name: str) -> str:
    """The name with its snapshot date taken out (unchanged when it has none)."""
    return _DATE_IN_NAME.sub("", name) if as_of_date_from_name(name) else name


def landed_on(mtime: float) -> date:
    return datetime.fromtimestamp(mtime, tz=UTC).date()


def is_candidate(path: Path) -> bool:
    """Regular files that are not hidden, temporary or still being written under a temp name."""
    name = path.name
    return path.is_file() and not name.startswith(_IGNORED_PREFIXES) and not name.lower().endswith(_IGNORED_SUFFIXES)


def state_of_folder(relative_name: str) -> str | None:
    """ "FL/ALA_20260101.txt" -> "FL": a landing subfolder named by a USPS code says the state."""
    from voter_platform.lib.vocabularies import STATE_CODES

    parts = Path(relative_name).parts
    return parts[0].upper() if len(parts) == 2 and parts[0].upper() in STATE_CODES else None


def describe(path: Path, root: Path | None = None) -> LandingFile:
    from voter_platform.lib.ingest.peek import snapshot_date_in_file  # the ingest imports this module

    stat = path.stat()
    as_of, date_source = as_of_date_from_name(path.name), "file name"
    if as_of is None:
        as_of, date_source = snapshot_date_in_file(path), "file content"
    if as_of is None:
        as_of, date_source = landed_on(stat.st_mtime), "modification time"
    return LandingFile(
        path=path,
        size=stat.st_size,
        mtime=stat.st_mtime,
        partition_key=as_of.isoformat(),
        date_source=date_source,
        name=path.relative_to(root).as_posix() if root is not None else path.name,
    )


# --- is a file finished? ---------------------------------------------------------------------------------------
# Two equal looks 30 s apart are not enough: a writer that pauses longer (a slow network copy, an export between
# two tables) leaves a half-written file that looks settled. A file is taken only once it has not changed for the
# quiet period, and a text file whose last line has no line end is taken as still being written until it has not
# changed for the unfinished-line grace period (a file can end without one: it is then loaded after that).

QUIET_ENV_VAR = "VOTER_PLATFORM_LANDING_QUIET_SECONDS"
DEFAULT_QUIET_SECONDS = 60
UNFINISHED_LINE_ENV_VAR = "VOTER_PLATFORM_LANDING_UNFINISHED_LINE_SECONDS"
DEFAULT_UNFINISHED_LINE_SECONDS = 600
_BINARY_SUFFIXES = (".gz", ".zip", ".xlsx", ".xls")


@dataclass(frozen=True)
class SettleRules:
    quiet_seconds: int = DEFAULT_QUIET_SECONDS
    unfinished_line_seconds: int = DEFAULT_UNFINISHED_LINE_SECONDS

    @classmethod
    def from_env(cls, environ=None) -> SettleRules:
        from voter_platform.settings import whole_number_from_env

        return cls(
            whole_number_from_env(QUIET_ENV_VAR, DEFAULT_QUIET_SECONDS, "seconds", environ),
            whole_number_from_env(UNFINISHED_LINE_ENV_VAR, DEFAULT_UNFINISHED_LINE_SECONDS, "seconds", environ),
        )


def ends_mid_line(path: Path) -> bool:
    """Whether a text file's last line has no line end (UTF-16 too); False for archives and empty files."""
    if path.name.lower().endswith(_BINARY_SUFFIXES):
        return False
    with open(path, "rb") as file:
        head = file.read(2)
        file.seek(0, 2)
        size = file.tell()
        if size == 0:
            return False
        file.seek(max(size - 2, 0))
        tail = file.read(2)
    if head in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16: a line end is two bytes, one of them NUL
        return not any(byte in b"\r\n" for byte in tail)
    return tail[-1:] not in (b"\n", b"\r")


def still_being_written(file: LandingFile, now: float, rules: SettleRules) -> str | None:
    """Why `file` does not look finished yet (a sentence), or None when it does."""
    quiet = now - file.mtime
    if quiet < rules.quiet_seconds:
        return f"changed {max(quiet, 0):.0f} s ago (quiet period {rules.quiet_seconds} s)"
    try:
        unfinished = quiet < rules.unfinished_line_seconds and ends_mid_line(file.path)
    except OSError:
        return None  # gone or unreadable: the run says so
    if unfinished:
        return (
            f"its last line has no line end: still being written? (taken as it is {rules.unfinished_line_seconds} s "
            "after its last change)"
        )
    return None


def scan_landing(folder: Path) -> list[LandingFile]:
    """Every candidate file in the landing folder and its state subfolders (landing/FL/...), sorted
    by partition then name. Other subfolders (the platform's own, a user's archive) are not read.

    A file that disappears while being looked at is simply not listed.
    """
    from voter_platform.lib.vocabularies import STATE_CODES

    paths = sorted(folder.iterdir()) if folder.is_dir() else []
    for subfolder in [path for path in paths if path.is_dir() and path.name.upper() in STATE_CODES]:
        paths += sorted(subfolder.iterdir())
    files = []
    for path in paths:
        try:
            if is_candidate(path):
                files.append(describe(path, folder))
        except FileNotFoundError:
            continue
    return sorted(files, key=lambda landing_file: (landing_file.partition_key, landing_file.name))
