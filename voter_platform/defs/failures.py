"""Why a run failed, in a sentence: shared by `voter-platform build`'s summary and the failure alerts.

A step's failure is told by the platform's own words (a Failure's description) led by the root cause when a
machine fault is found anywhere in it or in its error chain (lib/causes.py: a full disk deep in dbt's log lines,
a warehouse that cannot be written). Resources start before any step: when one fails (a warehouse that cannot be
written) no step fails, and the run's RESOURCE_INIT_FAILURE event says why.
"""

from __future__ import annotations

import dagster as dg

from voter_platform.lib.causes import failure_summary

FAILURE_PREFIX = "dagster._core.definitions.events.Failure: "


def error_texts(error) -> list[str]:
    """The messages of a serialized error and of its causes, outermost first."""
    texts = []
    while error is not None:
        texts.append(error.message.strip())
        error = error.cause or error.context
    return texts


def step_failure_summary(event: dg.DagsterEvent) -> str | None:
    """The failed step's description led by its root cause; None when it has neither (an unexpected error)."""
    data = event.step_failure_data
    described = data.user_failure_data.description if data.user_failure_data else None
    return failure_summary(described, error_texts(data.error))


def resource_failure_summary(event: dg.DagsterEvent) -> str:
    """Why the run's resources could not start (the class prefix of a Failure dropped)."""
    texts = error_texts(getattr(event.event_specific_data, "error", None))
    first = texts[0].removeprefix(FAILURE_PREFIX) if texts else event.message or "the run's resources failed to start"
    return failure_summary(first, texts[1:]) or first


def resource_failures(events) -> list[dg.DagsterEvent]:
    return [event for event in events if event.event_type == dg.DagsterEventType.RESOURCE_INIT_FAILURE]
