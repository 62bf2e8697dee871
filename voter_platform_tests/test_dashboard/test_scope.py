"""A user scoped to North Carolina never receives another state's numbers: not from the data layer, not from any
callback, whatever the request asks for (a state filter of PA, a click on PA's tile, 'All states'); an admin
sees every state."""

import base64
import io
import json
import re

import numpy as np
import pandas as pd
import pytest

from voter_platform.bench.dashboard import default_values
from voter_platform.dashboard.callbacks import chart_figure
from voter_platform.dashboard.data import EVERY_STATE, NO_STATE, Scope
from voter_platform.dashboard.geography import STATE_NAMES
from voter_platform.dashboard.layout import manifest_data
from voter_platform.lib.blocked import record_blocked_date
from voter_platform.lib.publish import ALL, PUBLISHED_TABLES
from voter_platform_tests.dashboard_users import admin_client, nc_client
from voter_platform_tests.published_fixtures import SECOND_DATE

LATEST = SECOND_DATE.isoformat()
COLOUR = re.compile(r"#[0-9a-fA-F]{3,8}|rgba?\(.*\)")
OTHER_STATES = ("AZ", "GA", "OH", "PA", "WY")  # the fixture's states besides NC
# Every way a request can ask for another state's data, or for all states.
FORGED_REQUESTS = [
    {"f-state": "PA"},
    {"f-state": ALL},
    {"f-state": "PA", "f-party": "Democrat", "f-gender": "Female"},
    {"f-state": "GA", "f-date": "2025-01-06", "f-tier": "Missed Last Election"},
]


def nc_only(store):
    return store.scoped(lambda: Scope.of({"NC"}))


def test_the_data_layer_gives_a_scoped_user_only_rows_of_their_states(store):
    scoped = nc_only(store)
    assert scoped.states(LATEST) == ["NC"]
    for table in PUBLISHED_TABLES:
        rows = scoped.table(LATEST, table.name)
        whole = store.table(LATEST, table.name)
        if "state" in whole:
            assert set(rows.state.astype(str)) == {"NC"}, table.name  # no other state, no 'All' rollup
            assert len(rows) == (whole.state == "NC").sum()
        else:  # data quality: the rows of NC's files only
            assert len(rows) and all("_NC_" in name for name in rows.file_name.astype(str)), table.name
        for column in rows.select_dtypes("category"):
            assert set(rows[column].cat.categories) <= set(whole[column].cat.categories)
            assert "PA" not in rows[column].cat.categories


def test_the_manifest_and_blocked_dates_are_scoped_too(published_dir, store):
    record_blocked_date(
        published_dir,
        "2025-01-09",
        {
            "threshold_pct": 5.0,
            "recorded_at": "2025-01-09T06:00:00+00:00",
            "snapshots": [
                {"source_id": "canonical:PA", "quarantine_rate_pct": 40.0, "reason": "too many", "files": []}
            ],
        },
    )
    assert store.manifest().coverage_labels(LATEST) == {"NC": "1 of 100 counties"}
    assert store.blocked_dates()  # an admin is told
    scoped = store.scoped(lambda: Scope.of({"PA"}))
    assert scoped.manifest().coverage_labels(LATEST) == {}
    assert scoped.blocked_dates() == {}


def test_an_admin_reads_everything_and_no_scope_reads_nothing(store):
    assert store.scoped(lambda: EVERY_STATE).states(LATEST) == ["AZ", "GA", "NC", "OH", "PA", "WY"]
    nothing = store.scoped(lambda: NO_STATE)
    assert nothing.states(LATEST) == []
    assert all(nothing.table(LATEST, table.name).empty for table in PUBLISHED_TABLES)


# ------------------------------------------------------------------------------------------------------------
# Over HTTP, as the browser asks: every callback of the page
# ------------------------------------------------------------------------------------------------------------


def other_states_numbers(store) -> set[int]:
    """Voter counts (100 or more) of the other states' rows and of the all-states totals that no North Carolina
    row holds in any column: if one reaches the NC user, another state's numbers did."""
    others, nc = set(), set()
    for table in PUBLISHED_TABLES:
        for day in store.manifest().dates:
            frame = store.table(day, table.name)
            if "state" not in frame:
                continue
            is_nc = frame.state.astype(str) == "NC"
            for column in table.counts:
                others |= _whole_numbers(frame.loc[~is_nc, column])
            nc |= _whole_numbers(frame.loc[is_nc].select_dtypes("number").stack())
    # Years are axis values in every chart, not counts.
    return {number for number in others - nc if number >= 100 and not 1900 <= number <= 2100}


def _whole_numbers(values) -> set[int]:
    numbers = pd.to_numeric(pd.Series(values), errors="coerce").dropna()
    return {round(value) for value in numbers}


def numbers_in(answer) -> set[int]:
    """Every number in a callback's answer: JSON numbers, plotly's binary arrays, and numbers written in text
    ('12,021 voters', 'Pennsylvania has 138 Democrats'); of a figure's layout only its texts (the rest is
    geometry: heights, margins, colours)."""
    found: set[int] = set()

    def walk(value):
        if isinstance(value, dict):
            if "bdata" in value and "dtype" in value:
                array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
                found.update(round(number) for number in array[np.isfinite(array)] if abs(number) < 1e12)
                return
            for key, item in value.items():
                (walk_texts if key == "layout" else walk)(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, bool) or value is None:
            return
        elif isinstance(value, (int, float)):
            if np.isfinite(value):
                found.add(round(value))
        elif isinstance(value, str) and not COLOUR.fullmatch(value):
            found.update(
                int(float(text.replace(",", "")))
                for text in re.findall(r"\d[\d,]*(?:\.\d+)?", value)
                if text.replace(",", "").replace(".", "").isdigit()
            )

    def walk_texts(value):
        if isinstance(value, dict):
            for key, item in value.items():
                (walk if key == "text" else walk_texts)(item)
        elif isinstance(value, list):
            for item in value:
                walk_texts(item)

    walk(answer)
    return found


def _answers(client, app, **changes) -> dict[str, dict]:
    """Every callback of the page for these filter values, as the server answers them."""
    values = default_values(manifest_data(app.store))
    values.update({(component, "value"): value for component, value in changes.items()})
    values[("download-button", "n_clicks")] = 1
    values[("chart-map", "clickData")] = {"points": [{"customdata": changes.get("f-state", "PA")}]}
    answers = {}
    for spec in client.callbacks:
        _, status, body = client.callback_raw(spec["output"], values)
        assert status in (200, 204), f"{spec['output']}: HTTP {status}"
        answers[spec["output"]] = json.loads(body)["response"] if status == 200 else {}
    return answers


def test_the_detector_finds_other_states_numbers_in_what_an_admin_receives(app):
    forbidden = other_states_numbers(app.store)
    assert len(forbidden) > 50
    for state in ("PA", ALL):
        seen = set().union(*map(numbers_in, _answers(admin_client(app), app, **{"f-state": state}).values()))
        assert len(seen & forbidden) >= 5, state


@pytest.mark.parametrize("request_values", FORGED_REQUESTS, ids=lambda values: ",".join(map(str, values.values())))
def test_no_callback_sends_the_nc_user_another_states_numbers(app, request_values):
    forbidden = other_states_numbers(app.store)
    answers = _answers(nc_client(app), app, **request_values)
    for output, answer in answers.items():
        if "freshness" in output:
            continue  # the stale-data banner's one number is the data's age in days, the same for every user
        if "targeting-table" in answer:  # the grid's column styling (a font weight of 600) is not data
            answer = {**answer, "targeting-table": {**answer["targeting-table"], "columnDefs": None}}
        leaked = numbers_in(answer) & forbidden
        assert not leaked, f"{output} sent {sorted(leaked)[:10]}"
    # Only the map's empty tiles name the other states ("not in the published file"); nothing else does.
    names = [STATE_NAMES[code] for code in OTHER_STATES]
    for output, answer in answers.items():
        if output != "chart-map.figure":
            text = json.dumps(answer)
            assert not [name for name in names if name in text], output


def test_the_nc_user_sees_north_carolina_in_every_filter_table_and_download(app):
    answers = _answers(nc_client(app), app, **{"f-state": "PA"})
    options = answers["..banner.children...f-state.options...footer.children.."]["f-state"]["options"]
    assert [option["value"] for option in options] == ["NC"]  # and no 'All states'
    table = answers[
        "..targeting-table.rowData...targeting-table.columnDefs...targeting-table.paginationGoTo...table-count.children.."
    ]["targeting-table"]["rowData"]
    assert table and {row["state"] for row in table} == {"NC"}
    download = answers["download.data"]["download"]["data"]
    assert download["filename"] == f"targeting_{LATEST}_NC.csv"
    assert set(pd.read_csv(io.StringIO(download["content"])).state) == {"NC"}
    kpis = json.dumps(answers["kpis.children"])
    assert "North Carolina" in kpis
    navigate = answers[
        "..f-state.value...f-party.value...f-tier.value...f-age.value...f-gender.value...chart-map.clickData.."
    ]
    assert "f-state" not in navigate  # a click on PA's tile leads nowhere


def test_the_nc_users_page_offers_only_north_carolina(app):
    client = nc_client(app)
    layout = json.loads(client._send("GET", "/_dash-layout")[2])
    state_filter = _component(layout, "f-state")
    assert state_filter["value"] == "NC" and [option["value"] for option in state_filter["options"]] == ["NC"]
    assert "Signed in as nc-analyst" in json.dumps(layout)


def _component(tree, component_id):
    if isinstance(tree, dict):
        if tree.get("props", {}).get("id") == component_id:
            return tree["props"]
        children = tree.get("props", {}).get("children")
        return _component(children, component_id)
    if isinstance(tree, list):
        for child in tree:
            found = _component(child, component_id)
            if found is not None:
                return found
    return None


def test_a_scoped_users_segments_are_ranked_among_their_own(store):
    whole = store.table(LATEST, "targeting_opportunities")
    segments = nc_only(store).table(LATEST, "targeting_opportunities").query("is_segment and gender == 'All'")
    assert segments.score_rank.min() == 1 and whole.query("state == 'NC'").score_rank.min() > 1
    national_order = whole.loc[segments.index].sort_values(["score_rank", "segment_id"]).segment_id.tolist()
    assert segments.sort_values(["score_rank", "segment_id"]).segment_id.tolist() == national_order


def test_a_date_without_any_of_the_users_states_says_so(app):
    montana_only = app.store.scoped(lambda: Scope.of({"MT"}))
    figure = chart_figure(montana_only, "chart-party", "latest")
    assert figure.layout.annotations[0].text == f"None of the states you may see is published for {LATEST}."
