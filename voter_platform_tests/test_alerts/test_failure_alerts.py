"""A failed run and a blocked date each reach the on-call person as exactly one message on every configured channel
(a local Slack webhook and a local SMTP server here): file, date, reason, what to do, a link to the run, and no
value from the voter file."""

from __future__ import annotations

import logging
from datetime import date

import dagster as dg
import pytest

from voter_platform.defs.alerts.channels import AlertChannels, send_alert
from voter_platform.defs.alerts.sensors import FAILURE_SENSOR_NAME, failure_alert_sensor
from voter_platform.defs.ingest.assets import raw_key, raw_voter_files
from voter_platform.defs.partitions import analysis_date_partitions
from voter_platform.defs.resources import build_resources
from voter_platform.lib.alerts import run_failed_alert
from voter_platform.lib.ingest.formats import CANONICAL_VOTER_HEADER
from voter_platform_tests.test_alerts.conftest import UI_URL
from voter_platform_tests.test_ingest.defect_files import canonical_voter

DAY = date(2025, 10, 6)


@dg.asset(
    deps=[raw_key("voters")], partitions_def=analysis_date_partitions, backfill_policy=dg.BackfillPolicy.single_run()
)
def marts_stand_in() -> dg.MaterializeResult:
    return dg.MaterializeResult()


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("VOTER_PLATFORM_DATA", str(tmp_path))
    (tmp_path / "landing").mkdir()
    return tmp_path


def _run_and_alert(data_dir, files: list[str]) -> dg.DagsterRun:
    """Run the raw step as the landing sensor would (its files in the run config), let it fail, and hand the
    failure to the alert sensor as the daemon would."""
    with dg.instance_for_test() as instance:
        result = dg.materialize(
            [raw_voter_files, marts_stand_in],
            resources=build_resources(str(data_dir)),
            partition_key=DAY.isoformat(),
            run_config={"ops": {"raw_voter_files": {"config": {"files": files}}}},
            instance=instance,
            raise_on_error=False,
        )
        assert not result.success
        run = instance.get_run_by_id(result.run_id)
        context = dg.build_run_status_sensor_context(
            sensor_name=FAILURE_SENSOR_NAME,
            dagster_event=result.get_run_failure_event(),
            dagster_instance=instance,
            dagster_run=run,
        ).for_run_failure()
        failure_alert_sensor(context)
        return run


def _write(path, header: list[str], records: list[dict[str, str]], extra_lines: list[str] = ()) -> None:
    lines = [",".join(header)] + [",".join(record.get(column, "") for column in header) for record in records]
    path.write_text("\n".join([*lines, *extra_lines]) + "\n")


def _no_pii(text: str, voters: list[dict[str, str]]) -> None:
    for voter in voters:
        for column in ("first_name", "last_name", "street_address", "email", "phone", "birth_date"):
            assert voter[column] not in text, f"{column} of a voter appears in the alert"


def test_a_failed_run_sends_one_message_per_channel_with_file_date_reason_and_link(data_dir, receivers):
    voters = [canonical_voter(number, DAY, "OR") for number in range(1, 6)]
    name = f"roll_{DAY}.csv"
    # The header is not one the platform knows; the records under it carry names and addresses.
    header = ["id", "given", "family", "addr", "mail", "tel", "dob"]
    records = [
        dict(
            zip(
                header,
                [
                    v["voter_id"],
                    v["first_name"],
                    v["last_name"],
                    v["street_address"],
                    v["email"],
                    v["phone"],
                    v["birth_date"],
                ],
                strict=True,
            )
        )
        for v in voters
    ]
    _write(data_dir / "landing" / name, header, records)

    run = _run_and_alert(data_dir, [name])

    assert len(receivers.slack) == 1 and len(receivers.emails) == 1
    slack_text = receivers.slack[0]["text"]
    [email_body] = receivers.email_bodies()
    assert slack_text.strip() == email_body.replace("\r\n", "\n").strip()
    email = receivers.emails[0]
    assert email["Subject"].strip().startswith("[voter-platform] Run failed:") and name in email["Subject"]
    assert email["To"] == "oncall@example.test, data@example.test"
    assert f"Date: {DAY}" in slack_text
    assert f"Files: {name}" in slack_text
    assert "Reason: raw_voter_files:" in slack_text and "line 1 is not a header the platform knows" in slack_text
    assert "`voter-platform layouts` lists" in slack_text
    assert "What to do: " in slack_text
    assert f"Run: {UI_URL}/runs/{run.run_id}" in slack_text
    _no_pii(slack_text, voters)


def test_a_blocked_date_sends_one_blocked_message_not_a_second_run_failure(data_dir, receivers):
    voters = [canonical_voter(number, DAY, "OR") for number in range(1, 41)]
    name = f"voters_OR_{DAY}.csv"
    _write(data_dir / "landing" / name, list(CANONICAL_VOTER_HEADER), voters, ["not,a,voter,line"] * 6)

    run = _run_and_alert(data_dir, [name])

    assert len(receivers.slack) == 1 and len(receivers.emails) == 1
    text = receivers.slack[0]["text"]
    assert (
        receivers.emails[0]["Subject"].strip()
        == f"[voter-platform] {DAY} is blocked and will not be published ({name})"
    )
    assert f"Date: {DAY}" in text and f"Files: {name}" in text
    assert f"{name}: 6 of 46 records quarantined (13.04%), above the 5% threshold." in text
    assert "Top reasons: wrong_field_count 6." in text
    assert "What to do: raw.quarantine lists every quarantined line" in text
    assert f"Run: {UI_URL}/runs/{run.run_id}" in text
    assert "Run failed" not in text
    _no_pii(text, voters)


def test_an_unexpected_error_is_named_by_its_kind_never_by_its_text():
    """A library's exception may quote a value of the file: the alert names the step and the kind only, unless the
    cause is a known machine fault, which is said in a sentence."""
    from dagster._core.events import DagsterEvent, DagsterEventType, StepFailureData
    from dagster._utils.error import SerializableErrorInfo

    from voter_platform.defs.alerts.sensors import step_failure_reason

    def failure(message: str, cls_name: str) -> DagsterEvent:
        return DagsterEvent(
            event_type_value=DagsterEventType.STEP_FAILURE.value,
            job_name="ingest_job",
            step_key="raw_voter_files",
            event_specific_data=StepFailureData(
                error=SerializableErrorInfo(message, [], cls_name), user_failure_data=None
            ),
        )

    leaked = step_failure_reason(
        failure("ConversionException: Could not convert string 'Zebulon' to DATE", "ConversionException")
    )
    assert "Zebulon" not in leaked and "ConversionException" in leaked and "raw_voter_files" in leaked
    disk = step_failure_reason(
        failure('IOException: IO Error: Could not write file "/d/w.duckdb.wal": No space left on device', "IOException")
    )
    assert disk.startswith("raw_voter_files: No space left on device (/d/w.duckdb.wal)")


def test_without_channels_the_alert_goes_to_the_log_only(caplog, monkeypatch):
    for name in ("SLACK_WEBHOOK_URL", "SLACK_TOKEN", "SMTP_HOST", "EMAIL_TO"):
        monkeypatch.delenv(f"VOTER_PLATFORM_ALERT_{name}", raising=False)
    channels = AlertChannels.from_env()
    assert channels.configured() == []
    alert = run_failed_alert(
        job_name="ingest_job", run_id="abc", partition=str(DAY), files=["x.csv"], reason="r", ui_base_url=None
    )
    logger = logging.getLogger("alerts-test")
    with caplog.at_level(logging.INFO, logger="alerts-test"):
        assert send_alert(alert, channels, logger) == {}
    assert "Run failed: ingest_job of 2025-10-06 (x.csv)" in caplog.text


def test_a_channel_that_cannot_deliver_is_logged_and_the_others_still_get_the_message(receivers, monkeypatch, caplog):
    monkeypatch.setenv("VOTER_PLATFORM_ALERT_SLACK_WEBHOOK_URL", "http://127.0.0.1:9/nothing-listens-here")
    alert = run_failed_alert(
        job_name="ingest_job", run_id="abc", partition=str(DAY), files=["x.csv"], reason="r", ui_base_url=UI_URL
    )
    logger = logging.getLogger("alerts-test")
    with caplog.at_level(logging.INFO, logger="alerts-test"):
        outcome = send_alert(alert, AlertChannels.from_env(), logger)
    assert outcome["email"] == "sent" and outcome["slack webhook"].startswith("failed: ")
    assert len(receivers.emails) == 1 and receivers.slack == []
    assert "could not be sent by slack webhook" in caplog.text


def test_a_blocking_check_after_the_raw_load_sends_one_will_not_publish_message(receivers):
    """A dbt test of error severity fails: the date's published snapshot is not built; one message says which check."""

    @dg.asset(
        key=["marts", "voter_snapshot"],
        partitions_def=analysis_date_partitions,
        check_specs=[
            dg.AssetCheckSpec("not_null_voter_snapshot_state", asset=["marts", "voter_snapshot"], blocking=True)
        ],
    )
    def voter_snapshot():
        yield dg.Output(None)
        yield dg.AssetCheckResult(check_name="not_null_voter_snapshot_state", passed=False)

    @dg.asset(deps=[voter_snapshot], partitions_def=analysis_date_partitions)
    def published_snapshot() -> None:
        return None

    with dg.instance_for_test() as instance:
        result = dg.materialize(
            [voter_snapshot, published_snapshot], partition_key=str(DAY), instance=instance, raise_on_error=False
        )
        assert not result.success
        context = dg.build_run_status_sensor_context(
            sensor_name=FAILURE_SENSOR_NAME,
            dagster_event=result.get_run_failure_event(),
            dagster_instance=instance,
            dagster_run=instance.get_run_by_id(result.run_id),
        ).for_run_failure()
        failure_alert_sensor(context)

    assert len(receivers.slack) == 1 and len(receivers.emails) == 1
    text = receivers.slack[0]["text"]
    assert text.startswith(f"[voter-platform] {DAY} will not be published: a blocking check failed")
    assert (
        "Reason: 1 blocking asset check failed with ERROR severity:\n"
        "marts/voter_snapshot: not_null_voter_snapshot_state" in text
    )
    assert f"Run: {UI_URL}/runs/{result.run_id}" in text


def test_a_dbt_failure_keeps_its_sentence_but_not_a_quoted_value():
    from dagster._core.events import DagsterEvent, DagsterEventType, StepFailureData
    from dagster._core.execution.plan.objects import UserFailureData
    from dagster._utils.error import SerializableErrorInfo

    from voter_platform.defs.alerts.sensors import step_failure_reason

    description = (
        "The dbt CLI process with command\n\n`dbt build`\n\nfailed with exit code `1`.\n\n"
        "Errors parsed from dbt logs:\n"
        "Conversion Error: Could not convert string 'Zebulon' to INT32"
    )
    event = DagsterEvent(
        event_type_value=DagsterEventType.STEP_FAILURE.value,
        job_name="ingest_job",
        step_key="dbt_models",
        event_specific_data=StepFailureData(
            error=SerializableErrorInfo(description, [], "DagsterDbtCliRuntimeError"),
            user_failure_data=UserFailureData(label="intentional-failure", description=description),
        ),
    )
    reason = step_failure_reason(event)
    assert "Zebulon" not in reason
    assert "Could not convert string '…' to INT32" in reason and reason.startswith("dbt_models: The dbt CLI process")
