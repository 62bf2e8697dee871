"""The mixed states' real marts (mixed_states.py, built by dbt through Dagster) published and read by the dashboard,
request by request as the browser sends them: each state is shown with the coverage of its roll and what its
party is, a roll without history is never shown as non-voters, and every callback answers for every state.

Published with a minimum cell size of 1: the fixture's states have a handful of voters each, and what is checked
here is what the page says about them, not suppression (test_publish covers that)."""

import json
from datetime import UTC, date, datetime

import pytest

from voter_platform.bench.dashboard import default_values
from voter_platform.dashboard.callbacks import chart_figure, kpis, resolve_view
from voter_platform.dashboard.figures import note_text
from voter_platform.dashboard.layout import manifest_data
from voter_platform.lib.publish import ALL, publish_date, update_manifest
from voter_platform.lib.warehouse_file import open_warehouse
from voter_platform_tests.dashboard_users import admin_client, dashboard_app
from voter_platform_tests.test_marts.conftest import MartsRun, MartsWarehouse

DAY = date(2026, 11, 13)
STATES = ("OH", "FL", "OR", "GA", "NC", "DE", "CA", "TX", "NY")


@pytest.fixture(scope="module")
def app(marts_warehouse: MartsWarehouse, range_run: MartsRun, tmp_path_factory):
    published = tmp_path_factory.mktemp("mixed-published")
    with open_warehouse(marts_warehouse.paths, read_only=True) as connection:
        publication = publish_date(connection, published, DAY, 1, published_at=datetime(2026, 11, 14, tzinfo=UTC))
    update_manifest(published, [publication])
    return dashboard_app(published)


def _values(app, **changes):
    values = default_values(manifest_data(app.store))
    values.update({(component, "value"): value for component, value in changes.items()})
    return values


def test_the_state_filter_names_each_states_coverage_and_party(app):
    _, response = admin_client(app).callback("..banner.children...f-state.options...footer.children..", _values(app))
    options = {option["value"]: option["label"] for option in response["f-state"]["options"]}
    assert {state: options[state] for state in ("OH", "FL", "OR", "GA", "NC", "CA")} == {
        "OH": "Ohio (OH, party from primary ballots)",
        "FL": "Florida (FL, 2 of 67 counties)",
        "OR": "Oregon (OR)",
        "GA": "Georgia (GA, 1 of 159 counties, party from primary ballots)",
        "NC": "North Carolina (NC, 3 of 100 counties)",
        "CA": "California (CA, coverage unknown)",
    }


def test_drilling_into_a_state_shows_its_coverage(app):
    client = admin_client(app)
    for state, shown in (
        ("GA", "Georgia (1 of 159 counties, party from primary ballots)"),
        ("FL", "Florida (2 of 67 counties)"),
        ("OR", "Oregon"),
    ):
        _, response = client.callback("..drill.style...drill-text.children..", _values(app, **{"f-state": state}))
        assert json.dumps(response["drill-text"]["children"]).count(shown) == 1, state


def test_the_targeting_table_gives_each_segments_coverage_and_party_basis(app):
    _, response = admin_client(app).callback(
        "..targeting-table.rowData...targeting-table.columnDefs...targeting-table.paginationGoTo...table-count.children..",
        _values(app),
    )
    rows = response["targeting-table"]["rowData"]
    seen = {(row["state"], row["coverage"], row["party_basis"]) for row in rows}
    assert {entry for entry in seen if entry[0] in ("OH", "FL", "OR", "GA", "NC")} == {
        ("OH", "statewide", "party from primary ballots"),
        ("FL", "2 of 67 counties", "registered party"),
        ("OR", "statewide", "registered party"),
        ("GA", "1 of 159 counties", "party from primary ballots"),
        ("NC", "3 of 100 counties", "registered party"),
    }
    # Oregon's roll came without vote history: its segments have no score and no shares, never 0%.
    oregon = [row for row in rows if row["state"] == "OR"]
    assert all(row["opportunity_score"] is None and row["missed_last_pct"] is None for row in oregon)


def test_a_roll_without_history_shows_unknown_not_non_voters(app):
    view = resolve_view(app.store, "latest", "OR", ALL, ALL, ALL, ALL)
    headline = {label: value for label, value, _ in kpis(view)}
    assert headline["Registered voters"] == "36" and headline["Voted in the last election"] == "—"
    tiers = chart_figure(app.store, "chart-engagement", "latest", "OR", ALL, ALL, ALL, ALL)
    assert [trace.name for trace in tiers.data] == ["History Unknown"]
    missed = chart_figure(app.store, "chart-map", "latest", ALL, ALL, ALL, ALL, ALL, measure="missed")
    hover = " ".join(str(text) for text in missed.data[0].hovertext.ravel())
    assert "<b>Oregon</b><br>not available (vote history unknown" in hover
    assert "<b>Ohio</b><br>% who missed only the last election: 50.0" in hover
    # Oregon's roll is statewide: the official turnout line is drawn, the file's turnout is not (unknown).
    turnout = chart_figure(app.store, "chart-turnout", "latest", "OR", ALL, ALL, ALL, ALL)
    assert [trace.name for trace in turnout.data] == ["Official VEP turnout (Oregon)"]


def test_ohio_and_georgia_are_never_drawn_as_a_registration_lean(app):
    lean = chart_figure(app.store, "chart-lean", "latest", ALL, ALL, ALL, ALL, ALL)
    drawn = set(lean.data[1].text)
    assert "OR" in drawn and not drawn & {"OH", "GA", "FL", "NC"}
    assert "no registration lean, not shown: party from primary ballots: GA, OH" in (note_text(lean))
    party = chart_figure(app.store, "chart-party", "latest", ALL, ALL, ALL, ALL, ALL)
    assert "Party from primary ballots: GA, OH" in note_text(party)


def test_every_callback_answers_for_every_state(app):
    client = admin_client(app)
    for state in (ALL, *STATES):
        values = _values(app, **{"f-state": state})
        for spec in client.callbacks:
            _, status, body = client.callback_raw(spec["output"], values)
            assert status in (200, 204), f"{state} {spec['output']}: HTTP {status}"
            assert b"Traceback" not in body and b"could not be drawn" not in body, (state, spec["output"])
