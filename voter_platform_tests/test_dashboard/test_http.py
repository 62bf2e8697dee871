"""The app over HTTP, request by request as the browser sends them (Flask test client)."""

import base64
import io
import json

import pandas as pd

from voter_platform.bench.dashboard import default_values
from voter_platform.dashboard.layout import manifest_data
from voter_platform.lib.publish import ALL
from voter_platform_tests.dashboard_users import admin_client, dashboard_app
from voter_platform_tests.published_fixtures import FIRST_DATE, PLANTED_PII, PUBLISHED_AT, SECOND_DATE

FILTER_COMBINATIONS = [
    {},
    {"f-state": "PA"},
    {"f-state": "PA", "f-party": "Democrat", "f-gender": "Female"},
    {"f-date": FIRST_DATE.isoformat(), "f-tier": "Missed Last Election", "f-age": "18-29"},
    {"f-state": "WY", "f-party": "Green"},
]


def _values(app, **changes):
    values = default_values(manifest_data(app.store))
    values.update({(component, "value"): value for component, value in changes.items()})
    return values


def _all_responses(client, values) -> list[bytes]:
    bodies = []
    for spec in client.callbacks:
        _, status, body = client.callback_raw(spec["output"], values)
        assert status in (200, 204), f"{spec['output']}: HTTP {status} {body[:200]!r}"
        bodies.append(body)
    return bodies


def test_no_voter_name_or_email_in_any_response(app):
    client = admin_client(app)
    bodies = [client.get(path)[1] for path in ("/", "/_dash-layout", "/_dash-dependencies")]
    for changes in FILTER_COMBINATIONS:
        values = _values(app, **changes)
        values[("download-button", "n_clicks")] = 1
        values[("chart-map", "clickData")] = {"points": [{"customdata": "PA"}]}
        bodies += _all_responses(client, values)
    assert len(bodies) > 50
    for body in bodies:
        for value in PLANTED_PII:
            assert value.encode() not in body, value


def test_the_page_shows_the_dates_and_publish_time(app):
    client = admin_client(app)
    _, response = client.callback("..banner.children...f-state.options...footer.children..", _values(app))
    banner = json.dumps(response["banner"]["children"])
    assert SECOND_DATE.isoformat() in banner and PUBLISHED_AT.strftime("%Y-%m-%d %H:%M:%S UTC") in banner
    _, response = client.callback("..status.children...status.style...content.style...f-date.options..", _values(app))
    assert [option["value"] for option in response["f-date"]["options"]] == [
        "latest",
        SECOND_DATE.isoformat(),
        FIRST_DATE.isoformat(),
    ]


def test_before_the_first_publish_every_request_answers_with_a_plain_message(tmp_path):
    app = dashboard_app(tmp_path / "nothing-here")
    client = admin_client(app)
    assert b"Voter roll dashboard" in client.get("/")[1]
    bodies = _all_responses(client, _values(app))
    assert all(b"Traceback" not in body and b"Internal Server Error" not in body for body in bodies)
    _, status = client.callback("..status.children...status.style...content.style...f-date.options..", _values(app))
    assert "Nothing has been published yet" in json.dumps(status["status"]["children"])
    assert status["content"]["style"] == {"display": "none"}
    _, chart = client.callback("chart-party.figure", _values(app))
    assert "Nothing has been published yet" in chart["chart-party"]["figure"]["layout"]["annotations"][0]["text"]


def test_an_unreadable_file_blanks_only_its_charts_with_a_message(app, published_dir):
    (published_dir / SECOND_DATE.isoformat() / "registration_trends.parquet").write_bytes(b"not parquet")
    client = admin_client(app)
    values = _values(app)
    _, broken = client.callback("chart-registrations.figure", values)
    message = broken["chart-registrations"]["figure"]["layout"]["annotations"][0]["text"]
    assert f"registration_trends.parquet for {SECOND_DATE} could not be read" in message
    _, fine = client.callback("chart-party.figure", values)
    assert len(fine["chart-party"]["figure"]["data"]) == 7


def test_typed_or_forged_values_are_data_never_markup(app):
    client = admin_client(app)
    hostile = "<script>alert('x')</script>"
    values = _values(app, **{"f-state": hostile, "f-party": "' or 1=1 --", "f-date": "../../etc/passwd"})
    values[("chart-map", "clickData")] = {"points": [{"customdata": hostile}]}
    for body in _all_responses(client, values):
        assert b"<script>" not in body and b"1=1" not in body and b"passwd" not in body
    _, chart = client.callback("chart-party.figure", values)
    assert len(chart["chart-party"]["figure"]["data"]) == 7  # treated as 'All'


def test_downloaded_csv_is_the_table_as_filtered(app):
    client = admin_client(app)
    for changes in ({"f-party": "Democrat"}, {"f-state": "NC", "f-gender": "Male", "f-age": "30-49"}):
        values = _values(app, **changes)
        values[("download-button", "n_clicks")] = 1
        _, table = client.callback(
            "..targeting-table.rowData...targeting-table.columnDefs...targeting-table.paginationGoTo...table-count.children..",
            values,
        )
        _, download = client.callback("download.data", values)
        content = download["download"]["data"]["content"]
        if download["download"]["data"].get("base64"):
            content = base64.b64decode(content).decode()
        exported = pd.read_csv(io.StringIO(content), float_precision="round_trip")
        shown = pd.DataFrame(table["targeting-table"]["rowData"])
        assert len(exported) == len(shown) > 0
        pd.testing.assert_frame_equal(exported, shown, check_dtype=False)
        assert download["download"]["data"]["filename"].startswith(f"targeting_{SECOND_DATE}")
        for column, value in changes.items():
            field = {"f-party": "party", "f-state": "state", "f-gender": "gender", "f-age": "age_group"}[column]
            assert set(exported[field]) == {value}


def test_reset_and_back_clear_the_filters(app):
    client = admin_client(app)
    navigate = "..f-state.value...f-party.value...f-tier.value...f-age.value...f-gender.value...chart-map.clickData.."
    values = _values(app)
    values[("chart-map", "clickData")] = {"points": [{"customdata": "NC"}]}
    spec = next(spec for spec in client.callbacks if spec["output"] == navigate)
    assert [item["id"] for item in spec["inputs"]] == ["chart-map", "back", "reset"]
    _, clicked = client.callback(navigate, values, changed=["chart-map.clickData"])
    assert clicked["f-state"]["value"] == "NC" and clicked["chart-map"]["clickData"] is None
    assert sorted(clicked) == ["chart-map", "f-state"]  # the other filters stay as they are
    values[("back", "n_clicks")] = 1
    _, back = client.callback(navigate, values, changed=["back.n_clicks"])
    assert back["f-state"]["value"] == ALL and sorted(back) == ["chart-map", "f-state"]
    values[("reset", "n_clicks")] = 1
    _, reset = client.callback(navigate, values, changed=["reset.n_clicks"])
    assert {
        component: reset[component]["value"] for component in ("f-state", "f-party", "f-tier", "f-age", "f-gender")
    } == dict.fromkeys(("f-state", "f-party", "f-tier", "f-age", "f-gender"), ALL)
