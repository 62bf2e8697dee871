"""The dashboard in headless Chromium (dash_duo): load, filter, drill down, download, live refresh.

Screenshots go to artifacts/ (git-ignored) for a person to look at.
"""

import io
import shutil
import time
from pathlib import Path

import pandas as pd
import pytest
from selenium.webdriver.common.actions.action_builder import ActionBuilder

from voter_platform.dashboard.callbacks import resolve_view, targeting_rows
from voter_platform.dashboard.layout import CHARTS, TABLE_PAGE_SIZE
from voter_platform.lib.publish import MANIFEST_FILE
from voter_platform_tests.dashboard_users import ADMIN, NC_ANALYST, dashboard_app
from voter_platform_tests.published_fixtures import SECOND_DATE
from voter_platform_tests.test_dashboard.test_scope import nc_only, numbers_in, other_states_numbers
from voter_platform_tests.waiting import wait_until

pytestmark = pytest.mark.browser

LATEST = SECOND_DATE.isoformat()


def _start(dash_duo, app, port, login=ADMIN):
    """Start the app, log in through its login form as a person does, and wait for the dashboard to load."""
    dash_duo.start_server(app, navigate=False, port=port)
    log_in(dash_duo, login)
    # Headless Chromium saves downloads only when told where.
    dash_duo.driver.execute_cdp_cmd(
        "Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": dash_duo.download_path}
    )


def log_in(dash_duo, login) -> None:
    dash_duo.driver.get(dash_duo.server.url + "/")  # redirected to the login form
    dash_duo.wait_for_element("#login-button", timeout=20)
    dash_duo.find_element("#name").send_keys(login.name)
    dash_duo.find_element("#password").send_keys(login.password)
    dash_duo.find_element("#login-button").click()
    dash_duo.server_url = dash_duo.server.url  # waits for the dashboard's page to load


def _table_cells(dash_duo, column: str) -> list[str]:
    """The text of one column of the targeting table (AG Grid) on the page shown, top to bottom."""
    # Read in one script, so that a re-render (a sort, new data) cannot change the rows half-way through.
    return dash_duo.driver.execute_script(
        "return Array.from(document.querySelectorAll('#targeting-table .ag-center-cols-container .ag-row'))"
        "  .sort((a, b) => Number(a.getAttribute('row-index')) - Number(b.getAttribute('row-index')))"
        "  .map(row => row.querySelector(`[col-id='${arguments[0]}']`).innerText);",
        column,
    )


def _wait_for_every_chart(dash_duo, timeout=30):
    for chart_id in CHARTS:
        dash_duo.wait_for_element(f"#{chart_id} .js-plotly-plot .main-svg", timeout=timeout)


def _traces(dash_duo, chart_id) -> list[dict]:
    return dash_duo.driver.execute_script(
        "const graph = document.querySelector(arguments[0] + ' .js-plotly-plot');"
        "return graph && graph.data ? graph.data.map(t => ({name: t.name || null, n: (t.x || []).length,"
        " x: Array.from(t.x || []).map(String)})) : null;",
        f"#{chart_id}",
    )


def _full_page_screenshot(dash_duo, path: Path) -> None:
    height = dash_duo.driver.execute_script("return document.documentElement.scrollHeight")
    dash_duo.driver.set_window_size(1440, min(height + 40, 6000))
    time.sleep(1.0)  # plotly redraws on resize
    dash_duo.driver.save_screenshot(str(path))
    dash_duo.driver.set_window_size(1440, 1800)


def _click_map_tile(dash_duo, state: str) -> None:
    """A real mouse click on a state's tile, at the pixel plotly draws it (computed from the axes)."""
    graph = dash_duo.find_element("#chart-map .js-plotly-plot")
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", graph)
    x, y = dash_duo.driver.execute_script(
        """
        const graph = arguments[0], code = arguments[1];
        const trace = graph.data[1];
        let row = -1, column = -1;
        trace.customdata.forEach((cells, r) => cells.forEach((cell, c) => {
            if (cell === code) { row = r; column = c; }
        }));
        const layout = graph._fullLayout, box = graph.getBoundingClientRect();
        return [box.left + layout.xaxis._offset + layout.xaxis.l2p(column),
                box.top + layout.yaxis._offset + layout.yaxis.l2p(row)];
        """,
        graph,
        state,
    )
    actions = ActionBuilder(dash_duo.driver)
    actions.pointer_action.move_to_location(int(x), int(y))
    actions.pointer_action.pause(0.3)
    actions.pointer_action.click()
    actions.perform()


def test_page_loads_with_every_chart_insights_and_the_banner(dash_duo, app, free_port, artifacts, store):
    _start(dash_duo, app, free_port)
    dash_duo.wait_for_contains_text("#banner", LATEST, timeout=20)
    dash_duo.wait_for_contains_text("#banner", "2025-01-09 06:30:00 UTC")
    _wait_for_every_chart(dash_duo)
    for chart_id in CHARTS:
        assert wait_until(lambda chart=chart_id: _traces(dash_duo, chart), message=f"{chart_id} data")
    dash_duo.wait_for_contains_text("#insights", "missed only the last election")
    wait_until(lambda: len(_table_cells(dash_duo, "state")) == TABLE_PAGE_SIZE, message="a page of table rows")
    # A click on a header sorts every row by that column's numbers (suppressed counts, shown '<10', first).
    view = resolve_view(store, "latest")
    voters = targeting_rows(view).voters.sort_values(na_position="first").head(TABLE_PAGE_SIZE)
    expected = [f"<{view.min_cell_size}" if pd.isna(count) else f"{count:,.0f}" for count in voters]
    dash_duo.find_element('#targeting-table .ag-header-cell[col-id="voters"]').click()
    wait_until(lambda: _table_cells(dash_duo, "voters") == expected, message="the table sorted by voters")
    assert "Traceback" not in dash_duo.driver.page_source
    assert dash_duo.get_logs() == [], "browser console errors"
    _full_page_screenshot(dash_duo, artifacts / "dashboard.png")


def test_a_filter_changes_the_charts(dash_duo, app, free_port):
    _start(dash_duo, app, free_port)
    _wait_for_every_chart(dash_duo)
    wait_until(lambda: len(_traces(dash_duo, "chart-party") or []) == 7, message="7 party traces")
    dash_duo.select_dcc_dropdown("#f-party", value="Democrat")
    wait_until(
        lambda: [t["name"] for t in _traces(dash_duo, "chart-party")] == ["Democrat"],
        message="only Democrats in the party chart",
    )
    wait_until(
        lambda: [t["name"] for t in _traces(dash_duo, "chart-registrations")] == ["Democrat"],
        message="only Democrats in registrations",
    )
    dash_duo.wait_for_contains_text("#table-count", "segments")
    wait_until(lambda: set(_table_cells(dash_duo, "party")) == {"Democrat"}, message="only Democrats in the table")


def test_clicking_a_state_on_the_map_drills_into_it_and_back(dash_duo, app, free_port, artifacts, published_dir):
    counties = pd.read_parquet(published_dir / LATEST / "voter_snapshot.parquet")
    pennsylvania_counties = set(counties[counties.state == "PA"].county)
    _start(dash_duo, app, free_port)
    _wait_for_every_chart(dash_duo)
    wait_until(lambda: _traces(dash_duo, "chart-map"), message="map data")
    _click_map_tile(dash_duo, "PA")
    dash_duo.wait_for_contains_text("#drill", "Pennsylvania", timeout=15)
    dash_duo.wait_for_contains_text("#f-state", "Pennsylvania")
    wait_until(
        lambda: pennsylvania_counties >= set(_traces(dash_duo, "chart-party")[0]["x"]) != set(),
        message="party chart by county",
    )
    dash_duo.wait_for_contains_text("#chart-party", "By county in Pennsylvania")
    _full_page_screenshot(dash_duo, artifacts / "dashboard_drilled_pa.png")
    dash_duo.find_element("#back").click()
    wait_until(lambda: not dash_duo.find_element("#drill").is_displayed(), message="drill bar hidden")
    dash_duo.wait_for_contains_text("#f-state", "All states")
    wait_until(lambda: "PA" in _traces(dash_duo, "chart-party")[0]["x"], message="party chart by state")


def test_the_csv_download_arrives_with_the_filtered_rows(dash_duo, app, free_port, store):
    _start(dash_duo, app, free_port)
    _wait_for_every_chart(dash_duo)
    # The fixture's North Carolina roll is one county: the filter and the drill bar say so.
    dash_duo.select_dcc_dropdown("#f-state", value="North Carolina (NC, 1 of 100 counties)")
    dash_duo.select_dcc_dropdown("#f-gender", value="Female")
    dash_duo.wait_for_contains_text("#drill", "North Carolina (1 of 100 counties)")
    expected = targeting_rows(resolve_view(store, "latest", "NC", None, None, None, "Female"))
    dash_duo.wait_for_text_to_equal("#table-count", f"{len(expected):,} segments")
    dash_duo.find_element("#download-button").click()
    folder = Path(dash_duo.download_path)
    [path] = wait_until(lambda: list(folder.glob("*.csv")), message="downloaded CSV")
    assert path.name == f"targeting_{LATEST}_NC_Female.csv"
    downloaded = pd.read_csv(io.StringIO(path.read_text()), float_precision="round_trip")
    pd.testing.assert_frame_equal(downloaded, expected, check_dtype=False)


def test_an_empty_dashboard_says_so_then_shows_the_first_publish(
    dash_duo, tmp_path, free_port, session_published, artifacts
):
    published = tmp_path / "published"
    _start(dash_duo, dashboard_app(published), free_port)
    dash_duo.wait_for_contains_text("#status", "Nothing has been published yet", timeout=20)
    assert not dash_duo.find_element("#content").is_displayed()
    assert "Traceback" not in dash_duo.driver.page_source
    dash_duo.driver.save_screenshot(str(artifacts / "dashboard_nothing_published.png"))
    # The first publish lands (files first, manifest last), while the page is open.
    shutil.copytree(session_published, published, ignore=shutil.ignore_patterns(MANIFEST_FILE))
    shutil.copyfile(session_published / MANIFEST_FILE, published / MANIFEST_FILE)
    dash_duo.wait_for_contains_text("#banner", LATEST, timeout=20)
    wait_until(lambda: dash_duo.find_element("#content").is_displayed(), message="content shown")
    _wait_for_every_chart(dash_duo)
    wait_until(lambda: len(_traces(dash_duo, "chart-party") or []) == 7, message="party chart filled")
    assert not dash_duo.find_element("#status").is_displayed()


def test_a_user_scoped_to_north_carolina_sees_only_north_carolina(dash_duo, app, free_port, store, artifacts):
    forbidden = other_states_numbers(store)
    _start(dash_duo, app, free_port, login=NC_ANALYST)
    _wait_for_every_chart(dash_duo)
    dash_duo.wait_for_contains_text("#f-state", "North Carolina")
    dash_duo.wait_for_contains_text("#drill", "North Carolina (1 of 100 counties)")
    expected = targeting_rows(resolve_view(nc_only(store), "latest", "NC"))
    dash_duo.wait_for_text_to_equal("#table-count", f"{len(expected):,} segments")
    dash_duo.wait_for_contains_text("#kpis", f"{_nc_voters(store):,}")
    dash_duo.wait_for_contains_text("#chart-party", "By county in North Carolina")
    # The state filter offers North Carolina and nothing else, not even 'All states'.
    dash_duo.find_element("#f-state").click()
    offered = dash_duo.find_element(".dash-dropdown-options").text.split("\n")
    dash_duo.find_element("#f-state").click()
    assert offered == ["North Carolina (NC, 1 of 100 counties)"]
    # A click on Pennsylvania's tile leads nowhere.
    _click_map_tile(dash_duo, "PA")
    time.sleep(1.5)
    assert "Pennsylvania" not in dash_duo.find_element("#drill").text
    assert set(_table_cells(dash_duo, "state")) == {"NC"}
    # No number of another state: not in the charts' data, not in the text of the page.
    shown = _numbers_on_page(dash_duo)
    assert not shown & forbidden, sorted(shown & forbidden)[:10]
    assert dash_duo.get_logs() == [], "browser console errors (a Content-Security-Policy refusal would be one)"
    _full_page_screenshot(dash_duo, artifacts / "dashboard_scoped_nc.png")
    dash_duo.find_element("#logout").click()
    dash_duo.wait_for_element("#login-button", timeout=10)


def _nc_voters(store) -> int:
    cube = store.table(LATEST, "engagement_segments")
    return int(
        cube[
            (cube.state == "NC")
            & (cube.party == "All")
            & (cube.age_group == "All")
            & (cube.gender == "All")
            & (cube.engagement_tier == "All")
        ].voters.iloc[0]
    )


def _numbers_on_page(dash_duo) -> set[int]:
    """The numbers the page shows: the charts' data (not their axis ticks) and the text of everything else."""
    values = dash_duo.driver.execute_script(
        "const out = [];"
        "const add = v => { if (v === null || v === undefined) return;"
        "  if (typeof v === 'number') out.push(v);"
        "  else if (typeof v === 'string') out.push(v);"
        "  else if (typeof v === 'object' && typeof v.length === 'number') Array.from(v).forEach(add); };"
        "document.querySelectorAll('.js-plotly-plot').forEach(graph => (graph.data || []).forEach(trace =>"
        "  ['x', 'y', 'z', 'text', 'customdata', 'hovertext'].forEach(key => add(trace[key]))));"
        "document.querySelectorAll('#banner, .filter-bar, #drill, #kpis, #insights, #targeting-table')"
        "  .forEach(part => out.push(part.innerText));"
        "return out;"
    )
    return numbers_in(values)
