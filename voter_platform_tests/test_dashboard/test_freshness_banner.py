"""When the newest published date is older than VOTER_PLATFORM_MAX_DATA_AGE_DAYS, the page says so above
everything else, with the data's age; fresh data shows no banner."""

import json
from datetime import date

from voter_platform.bench.dashboard import default_values
from voter_platform.dashboard.layout import manifest_data
from voter_platform.lib.freshness import MAX_AGE_ENV_VAR, today_utc
from voter_platform_tests.dashboard_users import dashboard_app, nc_client

FRESHNESS = "..freshness.children...freshness.style.."


def test_stale_data_shows_its_age_in_a_banner_and_fresh_data_none(published_dir, monkeypatch):
    app = dashboard_app(published_dir)
    latest = json.loads((published_dir / "manifest.json").read_text())["latest"]
    age = (today_utc() - date.fromisoformat(latest)).days
    client = nc_client(app)  # every user sees it, whatever their scope

    monkeypatch.setenv(MAX_AGE_ENV_VAR, "1")
    _, response = client.callback(FRESHNESS, default_values(manifest_data(app.store)))
    assert response["freshness"]["style"] == {"display": "block"}
    text = json.dumps(response["freshness"]["children"])
    assert "Stale data." in text
    assert f"This data is {age} days old: the newest published date is {latest}" in text

    monkeypatch.setenv(MAX_AGE_ENV_VAR, str(age))
    _, response = client.callback(FRESHNESS, default_values(manifest_data(app.store)))
    assert response["freshness"]["style"] == {"display": "none"} and response["freshness"]["children"] == []
