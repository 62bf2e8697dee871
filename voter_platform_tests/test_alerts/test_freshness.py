"""The published snapshot is expected every day: when the newest published date is older than
VOTER_PLATFORM_MAX_DATA_AGE_DAYS, the freshness check fails and one stale alert reaches each channel."""

from __future__ import annotations

import json
from datetime import date, timedelta

import dagster as dg
import pytest

from voter_platform.defs.alerts.freshness import FRESHNESS_CHECK_NAME, freshness_sensor, published_recently
from voter_platform.lib.freshness import MAX_AGE_ENV_VAR, freshness_of, max_age_days_from_env, today_utc
from voter_platform_tests.test_alerts.conftest import UI_URL


@pytest.fixture
def published(tmp_path, monkeypatch):
    monkeypatch.setenv("VOTER_PLATFORM_DATA", str(tmp_path))
    monkeypatch.setenv(MAX_AGE_ENV_VAR, "2")
    folder = tmp_path / "published"
    folder.mkdir()
    return folder


def _publish(folder, *days: date) -> None:
    dates = sorted(day.isoformat() for day in days)
    manifest = {"latest": dates[-1], "dates": dates, "published_at": {d: f"{d}T01:00:00+00:00" for d in dates}}
    (folder / "manifest.json").write_text(json.dumps(manifest))


def test_the_age_rule():
    today = date(2026, 12, 7)
    assert not freshness_of("2026-12-05", today, 2).stale
    stale = freshness_of("2026-12-04", today, 2)
    assert stale.stale and stale.age_days == 3
    assert stale.sentence() == (
        "The newest published date is 2026-12-04 (3 days old): stale, expected at most 2 days old."
    )
    assert freshness_of(None, today, 2).stale
    assert max_age_days_from_env({}) == 1 and max_age_days_from_env({MAX_AGE_ENV_VAR: "7"}) == 7
    with pytest.raises(ValueError, match="VOTER_PLATFORM_MAX_DATA_AGE_DAYS='a week': expected a whole number"):
        max_age_days_from_env({MAX_AGE_ENV_VAR: "a week"})


def test_the_check_fails_when_the_newest_published_date_is_too_old(published):
    today = today_utc()
    _publish(published, today - timedelta(days=5), today - timedelta(days=3))
    result = published_recently()
    assert not result.passed and result.severity == dg.AssetCheckSeverity.ERROR
    assert f"The newest published date is {today - timedelta(days=3)} (3 days old): stale" in result.description
    _publish(published, today - timedelta(days=3), today - timedelta(days=2))
    assert published_recently().passed


def test_the_sensor_records_the_check_and_alerts_once_per_stale_date(published, receivers):
    today = today_utc()
    old = today - timedelta(days=4)
    _publish(published, old)
    with dg.instance_for_test() as instance:
        first = freshness_sensor(dg.build_sensor_context(instance=instance))
        [evaluation] = first.asset_events
        assert evaluation.check_name == FRESHNESS_CHECK_NAME and not evaluation.passed
        assert len(receivers.slack) == 1 and len(receivers.emails) == 1
        text = receivers.slack[0]["text"]
        assert (
            receivers.emails[0]["Subject"].strip()
            == f"[voter-platform] Published data is stale: newest date {old} (4 days old)"
        )
        assert f"Date: {old}" in text
        assert f"Reason: the newest published date is {old}, 4 days before {today}" in text
        assert "What to do: Check that the daily schedule and the landing sensor are running" in text
        assert f"Automation: {UI_URL}/automation" in text

        # Ten minutes later, still stale: nothing new is sent or recorded.
        again = freshness_sensor(dg.build_sensor_context(instance=instance, cursor=first.cursor))
        assert again.asset_events == [] and len(receivers.slack) == 1 and len(receivers.emails) == 1

        # Today's date is published: the check passes again, and no message.
        _publish(published, old, today)
        fresh = freshness_sensor(dg.build_sensor_context(instance=instance, cursor=again.cursor))
        [evaluation] = fresh.asset_events
        assert evaluation.passed and len(receivers.slack) == 1


def test_before_the_first_publish_the_check_fails_but_nobody_is_paged(published, receivers):
    with dg.instance_for_test() as instance:
        result = freshness_sensor(dg.build_sensor_context(instance=instance))
    [evaluation] = result.asset_events
    assert not evaluation.passed and evaluation.description.startswith("Nothing has been published yet")
    assert receivers.slack == [] and receivers.emails == []
