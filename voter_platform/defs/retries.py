"""Retries for what is transient, and only for that.

`TRANSIENT_RETRY_POLICY` is the `RetryPolicy` of the steps that write the warehouse (raw_voter_files, dbt_models).
Dagster's policy retries any exception but a `Failure(allow_retries=False)`, so `retry_only_transient` wraps their
compute functions and decides: a warehouse lock another process holds ("Could not set lock on file") and a landing
file that changed while it was read (its writer has not finished) are raised as they are, and retried; anything
else is permanent - a rejected file, a blocked date, a permission, a full disk, a bug - and becomes a `Failure`
that is not retried, its description the root cause in a sentence (lib/causes.py) or the error's kind and first
line with quoted values blanked (a library's error may quote a value of a file).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator

import dagster as dg

from voter_platform.lib.causes import is_transient, redacted_first_line, root_cause

# 4 attempts over ~2 minutes: a DuckDB shell closed, a killed run's process gone, a copy finished.
TRANSIENT_RETRY_POLICY = dg.RetryPolicy(
    max_retries=3, delay=15, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS
)


def retry_only_transient(compute: Callable[..., Iterator]) -> Callable[..., Iterator]:
    """Wrap an asset's compute function (a generator): transient errors stay retryable, the rest are not."""

    @functools.wraps(compute)
    def wrapped(*args, **kwargs):
        try:
            yield from compute(*args, **kwargs)
        except dg.RetryRequested:
            raise
        except dg.Failure as failure:
            if failure.allow_retries and not is_transient(failure):
                failure.allow_retries = False
            raise
        except Exception as error:
            if is_transient(error):
                raise
            description = root_cause(error) or f"{type(error).__name__}: {redacted_first_line(error)}"
            raise dg.Failure(description=description, allow_retries=False) from error

    return wrapped
