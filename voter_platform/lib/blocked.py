"""Blocked dates: a snapshot date whose voter file was not accepted, told in words a user can act on.

When a file of a date has more of its records quarantined than the threshold (5% by default), its snapshot is
not accepted, the blocking `quarantine_rate` check fails and that date's marts are neither built nor published.
The raw asset then records the date here, and everyone who shows it uses the same words:

- `voter-platform build` prints `describe_blocked_date` for the date (no exception class, no stack trace);
- the raw asset fails its step with the same text, which the Dagster UI shows as the run's failure;
- `<data>/published/blocked_dates.json` holds it for the dashboard, which reads only the published folder.

What is recorded is aggregate only: file names, counts, rates and quarantine reasons (rule names such as
`missing_state`) - never a line of the file, a voter id or any value. A date whose snapshots are accepted again
(a fixed file dropped again) is removed from the file.

Plain Python: no Dagster and no DuckDB (the dashboard imports it).
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the dashboard imports this module and must not load the ingest (DuckDB)
    from voter_platform.lib.ingest.results import PartitionOutcome

BLOCKED_DATES_FILE = "blocked_dates.json"
TOP_REASONS = 5

WHAT_TO_DO = (
    "What to do: raw.quarantine lists every quarantined line with its line number and reasons (in the warehouse); "
    "fix the file and drop it again under the same name, and the date is loaded and published. If the file is right "
    "as it is, run the date again with a higher quarantine_threshold_pct (run config of raw_voter_files)."
)

WHAT_TO_DO_NO_RECORDS = (
    "What to do: check that the export that wrote the file finished (a header line alone is what an interrupted or "
    "empty export leaves), then drop the complete file again under the same name, and the date is loaded and "
    "published."
)


def blocked_entry(outcome: PartitionOutcome, recorded_at: datetime | None = None) -> dict[str, Any] | None:
    """What the dashboard and the command line need to know about a date whose snapshots were not all accepted
    (None when every snapshot of the date was accepted)."""
    rejected = [snapshot for snapshot in outcome.snapshots if not snapshot.accepted]
    if not rejected:
        return None
    snapshots = []
    for snapshot in rejected:
        files = [
            file
            for file in outcome.files
            if file.source_id == snapshot.source_id and file.record_kind is not None and file.counted
        ]
        snapshots.append(
            {
                "source_id": snapshot.source_id,
                "quarantine_rate_pct": round(float(snapshot.quarantine_rate_pct), 2),
                "reason": snapshot.message,
                "no_voter_records": snapshot.voters_loaded == 0,
                "files": [
                    {
                        "file": file.file_name,
                        "kind": file.record_kind,
                        "records": file.records,
                        "quarantined": file.rows_quarantined,
                        "quarantine_rate_pct": round(file.quarantine_rate_pct, 2),
                        "top_reasons": [
                            [reason, int(count)]
                            for reason, count in sorted(
                                file.quarantine_reasons.items(), key=lambda item: (-item[1], item[0])
                            )[:TOP_REASONS]
                        ],
                        "other_reasons": max(len(file.quarantine_reasons) - TOP_REASONS, 0),
                    }
                    for file in files
                ],
            }
        )
    return {
        "threshold_pct": float(outcome.quarantine_threshold_pct),
        "recorded_at": (recorded_at or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds"),
        "snapshots": snapshots,
    }


def describe_blocked_date(day: str | date, entry: Mapping[str, Any], indent: str = "  ") -> str:
    """The blocked date in sentences: which file, how much was quarantined, the main reasons, what to do."""
    threshold = float(entry.get("threshold_pct") or 0)
    lines = [f"{day} is blocked: its marts were not built and nothing was published for it."]
    snapshots = entry.get("snapshots") or []
    for snapshot in snapshots:
        files = snapshot.get("files") or []
        if not files:
            lines.append(
                f"{indent}{snapshot.get('source_id')}: {snapshot.get('reason') or 'the snapshot was not accepted'}."
            )
        for file in files:
            if file.get("kind", "voter") == "voter" and not int(file.get("records") or 0):
                # The cause is the missing records, not the quarantine (nothing was quarantined).
                lines.append(f"{indent}{file.get('file')}: no voter records (a header line and no record).")
                continue
            rate = float(file.get("quarantine_rate_pct") or 0)
            above = f", above the {threshold:g}% threshold" if rate > threshold else ""
            lines.append(
                f"{indent}{file.get('file')}: "
                f"{int(file.get('quarantined') or 0):,} of {int(file.get('records') or 0):,} "
                f"records quarantined ({rate:.2f}%){above}."
            )
            reasons = file.get("top_reasons") or []
            if reasons:
                listed = ", ".join(f"{reason} {int(count):,}" for reason, count in reasons)
                more = f" (and {file['other_reasons']} more)" if file.get("other_reasons") else ""
                lines.append(f"{indent}{indent}Top reasons: {listed}{more}.")
        empty = any(file.get("kind", "voter") == "voter" and not int(file.get("records") or 0) for file in files)
        if files and not empty and not any(float(file.get("quarantine_rate_pct") or 0) > threshold for file in files):
            lines.append(f"{indent}{indent}Not accepted: {snapshot.get('reason')}.")
    only_empty = snapshots and all(_has_no_voter_records(snapshot) for snapshot in snapshots)
    lines.append(f"{indent}{WHAT_TO_DO_NO_RECORDS if only_empty else WHAT_TO_DO}")
    return "\n".join(lines)


def _has_no_voter_records(snapshot: Mapping[str, Any]) -> bool:
    files = snapshot.get("files") or []
    return bool(snapshot.get("no_voter_records")) and not any(int(file.get("quarantined") or 0) for file in files)


def read_blocked_dates(published_dir: Path | str) -> dict[str, dict[str, Any]]:
    """The blocked dates recorded in the published folder ({} when none, or when the file cannot be read)."""
    try:
        content = json.loads((Path(published_dir) / BLOCKED_DATES_FILE).read_text())
        dates = content.get("dates") or {}
        return {str(day): dict(entry) for day, entry in dates.items() if isinstance(entry, Mapping)}
    except (OSError, ValueError, AttributeError, TypeError):
        return {}


def record_blocked_date(published_dir: Path | str, day: str | date, entry: Mapping[str, Any] | None) -> dict:
    """Add (entry) or remove (None) one date in `blocked_dates.json`, replaced atomically; returns its content."""
    published_dir = Path(published_dir)
    dates = read_blocked_dates(published_dir)
    key = day.isoformat() if isinstance(day, date) else str(day)
    if entry is None:
        if key not in dates and not (published_dir / BLOCKED_DATES_FILE).exists():
            return {"dates": {}}
        dates.pop(key, None)
    else:
        dates[key] = dict(entry)
    content = {"dates": {day: dates[day] for day in sorted(dates)}}
    published_dir.mkdir(parents=True, exist_ok=True)
    temporary = published_dir / f".{BLOCKED_DATES_FILE}.{uuid.uuid4().hex}.tmp"
    try:
        temporary.write_text(json.dumps(content, indent=2, sort_keys=True) + "\n")
        os.replace(temporary, published_dir / BLOCKED_DATES_FILE)
    finally:
        temporary.unlink(missing_ok=True)
    return content
