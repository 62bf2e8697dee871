"""The dashboard keeps answering while the pipeline publishes a new date, then shows it."""

import json
import threading
import time

import dagster as dg
from werkzeug.serving import make_server

from voter_platform.bench.dashboard import default_values
from voter_platform.defs.publish.assets import published_snapshot
from voter_platform.defs.resources import PublishedFolder, Warehouse
from voter_platform_tests.dashboard_users import admin_client, dashboard_app
from voter_platform_tests.published_fixtures import (
    FIRST_DATE,
    PLANTED_PII,
    SECOND_DATE,
    copy_fixture_warehouse,
    publish_fixture,
)

# Built in the fixture warehouse, not yet published when the dashboard starts.
NEW_DATE = SECOND_DATE
WATCHED_CALLBACKS = (
    "manifest.data",
    "..banner.children...f-state.options...footer.children..",
    "chart-map.figure",
    "chart-party.figure",
    "chart-turnout.figure",
    "..targeting-table.rowData...targeting-table.columnDefs...targeting-table.paginationGoTo...table-count.children..",
    "insights.children",
)


def test_requests_never_fail_during_a_publish_and_the_new_date_appears(
    tmp_path, monkeypatch, fixture_warehouse, free_port
):
    data = tmp_path / "data"
    warehouse = copy_fixture_warehouse(fixture_warehouse, data)
    publish_fixture(warehouse, data / "published", dates=[FIRST_DATE])
    monkeypatch.setenv("VOTER_PLATFORM_DATA", str(data))

    app = dashboard_app(data / "published")
    server = make_server("127.0.0.1", free_port, app.server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    client = admin_client(app, base_url=f"http://127.0.0.1:{free_port}")

    outcome = {}

    def publish():
        outcome["started"] = time.monotonic()
        outcome["result"] = dg.materialize(
            [published_snapshot],
            partition_key=NEW_DATE.isoformat(),
            resources={
                "warehouse": Warehouse(data_dir=str(data)),
                "published": PublishedFolder(data_dir=str(data)),
            },
        )
        outcome["finished"] = time.monotonic()

    responses: list[tuple[float, str, int, bytes]] = []
    values = default_values({"version": None, "dates": [], "latest": None, "error": None})
    values[("refresh", "n_intervals")] = 1
    publisher = threading.Thread(target=publish)
    try:
        publisher.start()
        rounds_after = 0
        while publisher.is_alive() or rounds_after < 3:
            rounds_after += 0 if publisher.is_alive() else 1
            for path in ("/", "/_dash-layout"):
                started = time.monotonic()
                _, status, body = client._send("GET", path)
                responses.append((started, path, status, body))
            for output in WATCHED_CALLBACKS:
                started = time.monotonic()
                _, status, body = client.callback_raw(output, values)
                responses.append((started, output, status, body))
                if output == "manifest.data" and status == 200:
                    # As the page does: keep a new manifest when one comes back (no_update sends none).
                    changed = json.loads(body)["response"].get("manifest")
                    if changed:
                        values[("manifest", "data")] = changed["data"]
    finally:
        publisher.join(timeout=120)
        server.shutdown()

    assert outcome["result"].success
    failed = [
        (what, status, body[:200])
        for _, what, status, body in responses
        if status not in (200, 204) or b"Traceback" in body or b"could not be read" in body
    ]
    assert failed == []
    during = [what for started, what, _, _ in responses if outcome["started"] <= started <= outcome["finished"]]
    assert len(during) >= 10, f"only {len(during)} requests overlapped the publish"
    for _, what, _, body in responses:
        for value in PLANTED_PII:
            assert value.encode() not in body, (value, what)

    assert values[("manifest", "data")]["latest"] == NEW_DATE.isoformat()
    _, banner = admin_client(app).callback(WATCHED_CALLBACKS[1], values)
    assert NEW_DATE.isoformat() in str(banner["banner"]["children"])
