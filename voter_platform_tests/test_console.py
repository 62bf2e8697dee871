"""A failed run's console output tells each failure once; an expected failure (the platform's own words) without a
stack trace. The code location's jobs use this console logger."""

from __future__ import annotations

import dagster as dg

from voter_platform.defs.console import CONSOLE_RUN_CONFIG, console_logger

DESCRIPTION = "voters_OR_2025-10-06.csv: unknown_format: line 1 is not a header the platform knows"


@dg.op
def rejects_a_file():
    raise dg.Failure(description=DESCRIPTION)


@dg.op
def breaks():
    raise ZeroDivisionError("an unexpected error")


@dg.job(logger_defs={"console": console_logger}, config=CONSOLE_RUN_CONFIG)
def expected_failure():
    rejects_a_file()


@dg.job(logger_defs={"console": console_logger}, config=CONSOLE_RUN_CONFIG)
def unexpected_failure():
    breaks()


def test_an_expected_failure_is_told_once_in_words_without_a_stack_trace(capfd):
    assert not expected_failure.execute_in_process(raise_on_error=False).success
    err = capfd.readouterr().err
    assert err.count(DESCRIPTION) == 1
    assert "Stack Trace" not in err and "Traceback" not in err
    assert "RUN_FAILURE - Execution of run for \"expected_failure\" failed. Steps failed: ['rejects_a_file']." in err


def test_an_unexpected_error_keeps_one_stack_trace(capfd):
    assert not unexpected_failure.execute_in_process(raise_on_error=False).success
    err = capfd.readouterr().err
    assert err.count("Stack Trace") == 1
    assert err.count("ZeroDivisionError: an unexpected error") == 1


def test_the_code_location_declares_it():
    from voter_platform.definitions import defs

    for name in ("ingest_job", "marts_job", "elections_job"):
        assert defs.resolve_job_def(name).loggers["console"] is console_logger
