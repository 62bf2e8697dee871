"""The console logger of the platform's runs: each failure told once, an expected one without a stack trace.

Dagster's default console logger prints a failed step's error with its stack trace twice: with the step's
failure, then again with the run's. Under `make run` every run worker writes that to the console, so a file with
an unknown header (an expected error, told in words by a `Failure`) scrolled two stack traces past the user.
This logger is Dagster's colored console logger with one change to those two records:

- a step that failed with a `Failure` (the platform's own words: a file rejected, a date blocked, the warehouse
  not writable): its description, no stack trace;
- a step that failed with any other exception: its error and stack trace, once;
- the run's failure: one line ("Execution of run ... failed. Steps failed: [...]"), its error said above already.

The event log (the Dagster UI) keeps everything, stack traces included.

Dagster instantiates a job's own loggers only when the run config names them (otherwise it falls back to its
colored console logger). So the code location declares this logger as `console` (defs/alerts/__init__.py) and
the runs the automation requests name it in their run config: the landing sensor's ingests and reference load,
the monthly reference reload. (A partitioned default run config cannot carry it: Dagster refuses one on jobs with
a single-run backfill policy.) Runs launched another way (the daily marts schedule, the UI's launchpad) use
Dagster's console logger; `voter-platform build` keeps the console quiet and prints its own summary.
"""

from __future__ import annotations

import logging

import dagster as dg
from dagster._core.log_manager import LOG_RECORD_METADATA_ATTR
from dagster._utils.log import create_console_logger

CONSOLE_LOGGERS = {"console": {"config": {}}}
CONSOLE_RUN_CONFIG = {"loggers": CONSOLE_LOGGERS}

RUN_FAILURE_VALUE = dg.DagsterEventType.RUN_FAILURE.value
STEP_FAILURE_VALUE = dg.DagsterEventType.STEP_FAILURE.value


class FailuresOnce(logging.Filter):
    """Rewrites the failure records as the module says; every other record passes unchanged."""

    def filter(self, record: logging.LogRecord) -> bool:
        meta = getattr(record, LOG_RECORD_METADATA_ATTR, None) or {}
        event = meta.get("dagster_event")
        if event is None or event.event_type_value not in (STEP_FAILURE_VALUE, RUN_FAILURE_VALUE):
            return True
        header = str(record.msg).split("\n\n", 1)[0]
        if event.event_type_value == RUN_FAILURE_VALUE:
            record.msg = header
        else:
            failure = event.step_failure_data.user_failure_data
            if failure is not None and failure.description:
                record.msg = f"{header}\n\n{failure.description.strip()}\n"
        record.args = ()
        return True


@dg.logger(
    {
        "log_level": dg.Field(str, is_required=False, default_value="DEBUG", description="The logger's threshold."),
        "name": dg.Field(str, is_required=False, default_value="dagster", description="The name of the logger."),
    },
    description=(
        "Dagster's colored console logger, telling each failure once and an expected one without a stack trace."
    ),
)
def console_logger(init_context: dg.InitLoggerContext) -> logging.Logger:
    logger = create_console_logger(
        name=init_context.logger_config["name"], level=init_context.logger_config["log_level"].upper()
    )
    for handler in logger.handlers:
        if not any(isinstance(existing, FailuresOnce) for existing in handler.filters):
            handler.addFilter(FailuresOnce())
    return logger
