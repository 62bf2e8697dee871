"""Alerts in words: what a person on call reads when a run fails, a date is blocked or the data goes stale.

One message per event, the same text on every channel (Slack, e-mail, the log): a subject line, then the date,
the files, the reason, what to do and a link to the run in the Dagster UI. Plain Python (no Dagster, no network):
`voter_platform/defs/alerts/` decides when to alert and sends; this module only words the message.

No PII in any message. What goes in: file names, dates, counts, rates, rule and step names, and reasons the
platform wrote itself (its failure descriptions never quote a value from a file: `lib/ingest/formats.py`,
`lib/blocked.py`). An error the platform did not word (an exception from a library) may quote a value from a
line, so it is never copied: the message names its kind, and its root cause when it is one of the known
faults of a machine (`lib/causes.py`: disk full, permission denied, a locked warehouse).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from voter_platform.lib.blocked import WHAT_TO_DO as BLOCKED_WHAT_TO_DO
from voter_platform.lib.blocked import describe_blocked_date

SUBJECT_PREFIX = "[voter-platform]"
# A reason longer than this is cut (an unknown header lists every accepted format): the run has it all.
MAX_REASON_CHARS = 900
FILES_LISTED = 10

RUN_FAILED_WHAT_TO_DO = (
    "Open the run (link below) for the failing step and its log; a file that was rejected is named with its line "
    "and rule in the reason. Fix the file and drop it again under the same name, or fix the cause and re-execute "
    "the run from the Dagster UI."
)
STALE_WHAT_TO_DO = (
    "Check that the daily schedule and the landing sensor are running (Dagster UI, Automation) and that the "
    "newest runs succeeded; a state's new voter file may not have been delivered."
)


@dataclass(frozen=True)
class Alert:
    """One event worth a message. `kind` is run_failed, blocked_date or stale."""

    kind: str
    subject: str
    reason: str
    what_to_do: str
    date: str | None = None
    files: tuple[str, ...] = ()
    run_url: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)  # aggregates only, for the log


def run_url(ui_base_url: str | None, run_id: str | None) -> str | None:
    """The run's page in the Dagster UI (`<base>/runs/<id>`), None without a base URL or a run."""
    if not ui_base_url or not run_id:
        return None
    return f"{ui_base_url.rstrip('/')}/runs/{run_id}"


def _cut(text: str, limit: int = MAX_REASON_CHARS) -> str:
    text = text.strip()
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + " … (cut here: the whole message is in the run)"


def _files_text(files: Sequence[str]) -> str:
    files = list(dict.fromkeys(files))
    if not files:
        return "-"
    more = f" and {len(files) - FILES_LISTED} more" if len(files) > FILES_LISTED else ""
    return ", ".join(files[:FILES_LISTED]) + more


def run_failed_alert(
    *,
    job_name: str,
    run_id: str,
    partition: str | None,
    files: Sequence[str],
    reason: str,
    ui_base_url: str | None,
) -> Alert:
    """A run that failed for any reason but a blocked date. `reason` must be words the platform wrote (a
    Failure's description) or a root-cause sentence (lib/causes.py), never an exception's raw text."""
    what = f"{job_name} of {partition}" if partition else job_name
    return Alert(
        kind="run_failed",
        subject=f"{SUBJECT_PREFIX} Run failed: {what}" + (f" ({_files_text(files[:1])})" if files else ""),
        reason=_cut(reason),
        what_to_do=RUN_FAILED_WHAT_TO_DO,
        date=partition,
        files=tuple(files),
        run_url=run_url(ui_base_url, run_id),
        details={"job": job_name, "run_id": run_id},
    )


def blocked_date_alert(day: str, entry: Mapping[str, Any], *, run_id: str | None, ui_base_url: str | None) -> Alert:
    """A date that will not publish because a blocking check failed (lib/blocked.py's entry: aggregates only)."""
    files = [file.get("file") for snapshot in entry.get("snapshots") or [] for file in snapshot.get("files") or []]
    files = [str(name) for name in files if name]
    # The sentences of lib/blocked.py without their heading and their what-to-do (both have their own line).
    lines = describe_blocked_date(day, entry, indent="").splitlines()[1:]
    reason = " ".join(line.strip() for line in lines if line.strip() and not line.startswith("What to do:"))
    return Alert(
        kind="blocked_date",
        subject=f"{SUBJECT_PREFIX} {day} is blocked and will not be published" + (f" ({files[0]})" if files else ""),
        reason=_cut(reason or "a blocking check failed for this date"),
        what_to_do=BLOCKED_WHAT_TO_DO.removeprefix("What to do: "),
        date=day,
        files=tuple(files),
        run_url=run_url(ui_base_url, run_id),
        details={"threshold_pct": entry.get("threshold_pct")},
    )


BLOCKING_CHECK_WHAT_TO_DO = (
    "Open the run (link below): each failing check's metadata names the rows or the rule that failed. Fix the data "
    "or the model, then re-execute the run; until then the date keeps its previously published snapshot."
)


def blocking_check_alert(day: str | None, failed_checks: str, *, run_id: str, ui_base_url: str | None) -> Alert:
    """A date that will not publish because a blocking check after the raw load failed (a dbt test of error
    severity): `failed_checks` is Dagster's list of asset keys and check names."""
    return Alert(
        kind="blocked_date",
        subject=f"{SUBJECT_PREFIX} {day or 'A date'} will not be published: a blocking check failed",
        reason=_cut(failed_checks),
        what_to_do=BLOCKING_CHECK_WHAT_TO_DO,
        date=day,
        run_url=run_url(ui_base_url, run_id),
    )


def stale_alert(
    newest: str | None, age_days: int | None, max_age_days: int, *, ui_base_url: str | None, today: str
) -> Alert:
    """The published snapshot is older than the platform promises (or nothing was ever published)."""
    if newest is None:
        reason = f"nothing has been published yet (checked {today}); a snapshot is expected every day."
        subject = f"{SUBJECT_PREFIX} No published snapshot yet"
    else:
        reason = (
            f"the newest published date is {newest}, {age_days} day{'s' if age_days != 1 else ''} before {today}; "
            f"a snapshot is expected every day and at most {max_age_days} day{'s' if max_age_days != 1 else ''} old."
        )
        subject = f"{SUBJECT_PREFIX} Published data is stale: newest date {newest} ({age_days} days old)"
    return Alert(
        kind="stale",
        subject=subject,
        reason=reason,
        what_to_do=STALE_WHAT_TO_DO,
        date=newest,
        run_url=ui_base_url.rstrip("/") + "/automation" if ui_base_url else None,
        details={"max_age_days": max_age_days},
    )


def format_alert(alert: Alert) -> str:
    """The message body, the same for every channel (its first line is the subject)."""
    lines = [alert.subject, ""]
    if alert.date:
        lines.append(f"Date: {alert.date}")
    if alert.files:
        lines.append(f"Files: {_files_text(alert.files)}")
    lines.append(f"Reason: {alert.reason}")
    lines.append(f"What to do: {alert.what_to_do}")
    link_label = "Automation" if alert.kind == "stale" else "Run"
    lines.append(f"{link_label}: {alert.run_url or '(set VOTER_PLATFORM_DAGSTER_UI_URL for a link)'}")
    return "\n".join(lines)
