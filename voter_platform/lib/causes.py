"""The root cause of an error, in a sentence, when it is one of the faults a machine meets.

A full disk, a read-only data directory, a warehouse another process holds: the exception that reaches the
platform is often a library's (DuckDB's IOException, dbt's exit code) with the cause deep in its text or its
chain. `root_cause` finds it and says it in words that name the path and what to do, so the run's failure, the
summary line of `voter-platform build` and the alerts carry it, not only stderr. `is_transient` says which of
them are worth a retry (only a lock another process will release; never a permission or a full disk).

The sentences quote no value from a voter file: only the platform's own paths and the operating system's words.
Plain Python.
"""

from __future__ import annotations

import errno
import os
import re
from collections.abc import Iterator
from pathlib import Path

LOCK_TEXT = "Could not set lock on file"
_PATH_IN_TEXT = re.compile(r"""(?:file|File|directory)\s+["']?(/[^"'\s:]+)""")


class WarehouseNotWritable(Exception):
    """The warehouse (or its folder) cannot be written: said before anything runs, never retried."""


class FileStillBeingWritten(Exception):
    """A landing file changed while it was read: its writer has not finished. Transient: the load is retried."""


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield error
        error = error.__cause__ or error.__context__


def _texts(error: BaseException | str) -> list[str]:
    if isinstance(error, str):
        return [error]
    return [str(link) for link in _chain(error)]


def _errnos(error: BaseException | str) -> set[int]:
    if isinstance(error, str):
        return set()
    return {link.errno for link in _chain(error) if isinstance(link, OSError) and link.errno is not None}


def _path_in(error: BaseException | str, texts: list[str]) -> str | None:
    if not isinstance(error, str):
        for link in _chain(error):
            if isinstance(link, OSError) and link.filename:
                return str(link.filename)
    for text in texts:
        match = _PATH_IN_TEXT.search(text)
        if match:
            return match.group(1)
    return None


def root_cause(error: BaseException | str) -> str | None:
    """A sentence naming the root cause when `error` (or its chain, or its text) is a known machine fault."""
    texts = _texts(error)
    joined = "\n".join(texts)
    codes = _errnos(error)
    where = _path_in(error, texts)
    at = f" ({where})" if where else ""
    if errno.ENOSPC in codes or "No space left on device" in joined:
        return (
            f"No space left on device{at}: the disk holding the data directory is full. Free space (old runs' dbt "
            "target folders, landing files already loaded) and run the date again; nothing was published for it."
        )
    if errno.EROFS in codes or "Read-only file system" in joined:
        return f"Read-only file system{at}: the data directory cannot be written. Mount it writable and run again."
    if errno.EACCES in codes or errno.EPERM in codes or "Permission denied" in joined:
        refused = "" if errno.EPERM not in codes else " (the operating system says: Operation not permitted)"
        return (
            f"Permission denied{at}{refused}: the platform cannot write there. Give the user running it write "
            "access (or point VOTER_PLATFORM_DATA elsewhere) and run again."
        )
    if LOCK_TEXT in joined:
        return (
            f"The warehouse is locked by another process{at} ({LOCK_TEXT}): a DuckDB shell, a `voter-platform build` "
            "beside `make run`, or a run that was killed. Close it; the step is retried a few times before it fails."
        )
    return None


def is_transient(error: BaseException | str) -> bool:
    """Worth a retry: a warehouse lock another process holds (and releases). A permission, a full disk, a bad
    file is not: retrying them only hides the cause."""
    joined = "\n".join(_texts(error))
    if _errnos(error) & {errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EPERM}:
        return False
    if not isinstance(error, str) and any(isinstance(link, FileStillBeingWritten) for link in _chain(error)):
        return True
    return LOCK_TEXT in joined and "Permission denied" not in joined


def redacted_first_line(error: BaseException) -> str:
    """The first line of an error with quoted values blanked: a library's error may quote a value of a file."""
    text = str(error).strip().splitlines()
    return re.sub(r"(['\"]).*?\1", r"\1…\1", text[0][:300]) if text else ""


def check_writable(path: Path) -> None:
    """Raise WarehouseNotWritable with a sentence when the database file at `path`, or its folder (where DuckDB
    writes its write-ahead log beside it), cannot be written by this process. DuckDB would otherwise fail with an
    IOException that dagster-duckdb retries for ~15 minutes before anyone is told."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            with open(path, "r+b"):
                pass
        probe = path.parent / f".write-probe-{path.name}-{os.getpid()}"
        probe.touch()
        probe.unlink()
    except OSError as error:
        raise WarehouseNotWritable(
            root_cause(error) or f"{path} cannot be written ({error.strerror or error})"
        ) from error


def failure_summary(description: str | None, error_texts: list[str]) -> str | None:
    """What a failed step says first: a known machine fault found anywhere in its description or error chain (a
    full disk deep in dbt's log lines), then the description, when the description does not say it already.
    None when there is neither a description nor a known cause (the caller decides what an unknown error shows)."""
    description = (description or "").strip()
    cause = root_cause("\n".join([description, *error_texts]))
    # "Permission denied", "No space left on device", ...: a description whose first line names it says it already.
    key = cause.split(" (")[0].split(":")[0] if cause else None
    if cause and key not in description.split("\n", 1)[0]:
        return cause + (f"\n{description}" if description else "")
    return description or None
