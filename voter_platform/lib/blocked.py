"""Blocked dates: a snapshot date whose voter file was not accepted, told in words a user can act on.

When a file of a date has more of its records quarantined than the threshold (5% by default), its snapshot is
not accepted, the blocking `quarantine_rate` check fails and that date's marts are neither built nor published.
The threshold guards against a broken or wrongly recognised file, so it is applied to what a file of the delivery
is (`judged`): a single file on its own; the parts of a multi-part delivery (all its county voters files; all its
county history files) together, as one file, and a part on its own only from `PART_JUDGED_ALONE_FROM_RECORDS`
records (one bad line in a 7-record county file is noise; the part still counts in its kind's total).
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
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the dashboard imports this module and must not load the ingest (DuckDB)
    from voter_platform.lib.ingest.results import PartitionOutcome

BLOCKED_DATES_FILE = "blocked_dates.json"
TOP_REASONS = 5
# A part of a multi-part delivery is judged against the threshold on its own only when it holds at least this
# many records; every part counts in the total of its kind's parts, which is judged as one file.
PART_JUDGED_ALONE_FROM_RECORDS = 100
_KIND_WORDS = {"voter": "voters", "vote_history": "vote history", "election_map": "election map"}

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


@dataclass(frozen=True)
class Judged:
    """What the quarantine threshold is applied to: one file, or the parts of one record kind together."""

    name: str  # the file's, or "the 254 voters parts together (VR_1_20261208.txt and 253 more)"
    kind: str
    records: int
    quarantined: int
    files: tuple[str, ...]
    reasons: Mapping[str, int] = field(default_factory=dict)
    part_alone: bool = False  # one part of several, judged on its own (it holds enough records)

    @property
    def rate_pct(self) -> float:
        return 100.0 * self.quarantined / self.records if self.records else 0.0

    @property
    def together(self) -> bool:
        return len(self.files) > 1


def judged(files: Iterable[tuple[str, str, int, int, Mapping[str, int]]]) -> list[Judged]:
    """The files and groups of parts of one snapshot the threshold is applied to, from its files' (name, record
    kind, records, quarantined, quarantine reasons): per record kind, a kind of one file is that file; a kind of
    several (the parts of a delivery) is its parts together, and each part of at least
    PART_JUDGED_ALONE_FROM_RECORDS records on its own."""
    by_kind: dict[str, list[tuple[str, str, int, int, Mapping[str, int]]]] = {}
    for row in files:
        by_kind.setdefault(row[1], []).append(row)
    units: list[Judged] = []
    for kind, rows in by_kind.items():
        rows.sort(key=lambda row: row[0])
        if len(rows) == 1:
            name, _, records, quarantined, reasons = rows[0]
            units.append(Judged(name, kind, records, quarantined, (name,), dict(reasons)))
            continue
        reasons: Counter[str] = Counter()
        for row in rows:
            reasons.update(row[4])
        word = _KIND_WORDS.get(kind, kind)
        units.append(
            Judged(
                f"the {len(rows)} {word} parts together ({rows[0][0]} and {len(rows) - 1} more)",
                kind,
                sum(row[2] for row in rows),
                sum(row[3] for row in rows),
                tuple(row[0] for row in rows),
                dict(reasons),
            )
        )
        units += [
            Judged(name, kind, records, quarantined, (name,), dict(reasons), part_alone=True)
            for name, _, records, quarantined, reasons in rows
            if records >= PART_JUDGED_ALONE_FROM_RECORDS
        ]
    return units


def worst(units: list[Judged]) -> Judged | None:
    """The unit with the highest quarantine rate (the first of equals), None when there is none."""
    return max(units, key=lambda unit: unit.rate_pct, default=None)


def over_threshold_sentence(unit: Judged, threshold_pct: float) -> str:
    """Why a snapshot is not accepted for its quarantine, naming the worst file (or parts) and the rule."""
    how = (
        f"{len(unit.files)} parts of one delivery are judged as one file"
        if unit.together
        else f"a part of {PART_JUDGED_ALONE_FROM_RECORDS:,} records or more is also judged on its own"
        if unit.part_alone
        else "a file is judged on its own"
    )
    return f"{unit.rate_pct:.2f}% of the records of {unit.name} were quarantined (threshold {threshold_pct:g}%; {how})"


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
        units = judged(
            (file.file_name, file.record_kind, file.records, file.rows_quarantined, file.quarantine_reasons)
            for file in files
            if file.record_kind is not None
        )
        # A part judged on its own is told only when it is over the threshold (it is in its parts' total).
        shown = [unit for unit in units if not unit.part_alone or unit.rate_pct > outcome.quarantine_threshold_pct]
        snapshots.append(
            {
                "source_id": snapshot.source_id,
                "quarantine_rate_pct": round(float(snapshot.quarantine_rate_pct), 2),
                "reason": snapshot.message,
                "no_voter_records": snapshot.voters_loaded == 0,
                "files": [
                    {
                        "file": unit.name,
                        "kind": unit.kind,
                        "parts": len(unit.files),
                        "records": unit.records,
                        "quarantined": unit.quarantined,
                        "quarantine_rate_pct": round(unit.rate_pct, 2),
                        "top_reasons": [
                            [reason, int(count)]
                            for reason, count in sorted(unit.reasons.items(), key=lambda item: (-item[1], item[0]))[
                                :TOP_REASONS
                            ]
                        ],
                        "other_reasons": max(len(unit.reasons) - TOP_REASONS, 0),
                    }
                    for unit in shown
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
                lines.append(
                    f"{indent}{file.get('file')}: no voter records "
                    f"({'no part has a record' if int(file.get('parts') or 1) > 1 else 'a header line and no record'})."
                )
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
