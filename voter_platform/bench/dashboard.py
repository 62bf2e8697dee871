"""Dashboard benchmark: first page load and filter callbacks, timed server-side.

    python -m voter_platform.bench.dashboard                       # fabricate a 5M-voter snapshot, measure
    python -m voter_platform.bench.dashboard --published DIR       # measure an existing published folder

`bench_dashboard(published_dir)` drives the app through Flask's test client exactly as the browser does
(the same `/_dash-update-component` requests with the same payloads), so the numbers are the server's
work per request: reading Parquet on a cold cache, picking rollup rows, building figures, serialising JSON.
Browser rendering time is not included. Targets: p95 <= 300 ms per callback, first load <= 2 s.

`fabricate_published` builds the published files of a synthetic roll of N voters (5M by default) with the
real publish code over contract-shaped marts, so the files have the size and shape a real 5M-voter
snapshot gives (the dashboard's cost depends on the published aggregates, not on the voters themselves).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import secrets
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from pathlib import Path

import duckdb

from voter_platform.bench.synthetic_marts import create_synthetic_marts
from voter_platform.dashboard.auth import LOGIN_PATH
from voter_platform.dashboard.callbacks import FILTER_IDS
from voter_platform.lib.publish import (
    AGE_GROUPS,
    ALL,
    ENGAGEMENT_TIERS,
    GENDERS,
    PARTIES,
    min_cell_size_from_env,
    publish_date,
    update_manifest,
)

BENCH_DATES = (date(2025, 1, 6), date(2025, 1, 7))


class DashClient:
    """Sends the requests the Dash renderer sends and times each one.

    In-process through Flask's test client by default; over HTTP when `base_url` is given (a live server).
    """

    def __init__(self, app, base_url: str | None = None, login: tuple[str, str] | None = None):
        self.app = app
        self.base_url = base_url
        if base_url:
            import requests

            self.session = requests.Session()
        else:
            self.client = app.server.test_client()
        self.callbacks = list(app._callback_list)  # the same list the page's /_dash-dependencies serves
        if login:
            self.login(*login)

    def login(self, name: str, password: str) -> int:
        """Log in through the login form as a browser does (the form's one-time token first); the HTTP status
        of the answer (302 to the dashboard when the password is right)."""
        _, _, page = self._send("GET", LOGIN_PATH)
        token = re.search(rb'name="form_token" value="([^"]+)"', page).group(1).decode()
        _, status, _ = self._send("POST", LOGIN_PATH, form={"name": name, "password": password, "form_token": token})
        return status

    def _send(
        self, method: str, path: str, body: dict | None = None, form: dict | None = None
    ) -> tuple[float, int, bytes]:
        started = time.perf_counter()
        if self.base_url:
            response = self.session.request(
                method, self.base_url + path, json=body, data=form, timeout=30, allow_redirects=False
            )
            status, content = response.status_code, response.content
        else:
            response = self.client.open(path, method=method, json=body, data=form)
            status, content = response.status_code, response.data
        return time.perf_counter() - started, status, content

    def get(self, path: str) -> tuple[float, bytes]:
        elapsed, status, content = self._send("GET", path)
        if status != 200:
            raise RuntimeError(f"GET {path}: HTTP {status}")
        return elapsed, content

    def payload(self, output: str, values: dict[tuple[str, str], object], changed: list[str] | None = None) -> dict:
        """The request body the renderer posts for the callback whose output key is `output`.

        `changed` lists the "id.property" inputs that triggered it (default: all of its inputs).
        """
        spec = next(spec for spec in self.callbacks if spec["output"] == output)

        def fill(items: Iterable[dict]) -> list[dict]:
            return [
                {"id": item["id"], "property": item["property"], "value": values.get((item["id"], item["property"]))}
                for item in items
            ]

        outputs = [{"id": key.split(".")[0], "property": key.split(".")[1]} for key in output.strip(".").split("...")]
        return {
            "output": output,
            "outputs": outputs if output.startswith("..") else outputs[0],
            "inputs": fill(spec["inputs"]),
            "state": fill(spec["state"]),
            "changedPropIds": changed or [f"{item['id']}.{item['property']}" for item in spec["inputs"]],
        }

    def callback_raw(
        self, output: str, values: dict[tuple[str, str], object], changed: list[str] | None = None
    ) -> tuple[float, int, bytes]:
        return self._send("POST", "/_dash-update-component", self.payload(output, values, changed))

    def callback(
        self, output: str, values: dict[tuple[str, str], object], changed: list[str] | None = None
    ) -> tuple[float, dict]:
        """Fire a callback; returns (seconds, {component: {property: value}}) ({} when nothing changed)."""
        elapsed, status, content = self.callback_raw(output, values, changed)
        if status == 204:  # no_update everywhere
            return elapsed, {}
        if status != 200:
            raise RuntimeError(f"callback {output}: HTTP {status}: {content[:300]!r}")
        return elapsed, json.loads(content)["response"]

    def callbacks_on(self, component: str, prop: str = "value") -> list[str]:
        """Output keys of the callbacks a change of `component.prop` fires."""
        return [
            spec["output"]
            for spec in self.callbacks
            if any(item["id"] == component and item["property"] == prop for item in spec["inputs"])
        ]

    def initial_callbacks(self) -> list[str]:
        return [spec["output"] for spec in self.callbacks if not spec.get("prevent_initial_call")]


def default_values(manifest: dict) -> dict[tuple[str, str], object]:
    values = {(component, "value"): ALL for component in FILTER_IDS}
    values[("f-date", "value")] = "latest"
    values[("map-measure", "value")] = "voters"
    values[("manifest", "data")] = manifest
    return values


def _percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


def _summary(seconds: list[float]) -> dict:
    milliseconds = [1000 * value for value in seconds]
    return {
        "count": len(milliseconds),
        "p50_ms": round(statistics.median(milliseconds), 1),
        "p95_ms": round(_percentile(milliseconds, 0.95), 1),
        "max_ms": round(max(milliseconds), 1),
    }


def bench_dashboard(published_dir: Path | str, interactions: int = 36, seed: int = 1) -> dict:
    """Time the first page load (cold cache) and `interactions` filter changes, server-side.

    Each interaction changes one control (a filter, the analysis date, the map measure or a map click) to
    a random value and fires every callback the browser would fire for it; each callback is one timed
    request. Returns p50/p95/max per callback overall and per output, and the first-load total.
    """
    from voter_platform.dashboard.app import create_app
    from voter_platform.dashboard.layout import manifest_data
    from voter_platform.dashboard.users import UserFile, generate_password

    scratch = Path(tempfile.mkdtemp(prefix="bench-dashboard-users-"))
    users, password = UserFile(scratch / "users.json"), generate_password()
    users.add("bench", password, admin=True)  # every state: the heaviest page
    started = time.perf_counter()
    app = create_app(published_dir, users, secrets.token_hex(32))
    server_start = time.perf_counter() - started
    client = DashClient(app, login=("bench", password))
    # The first visitor's page load: page, layout, dependencies, then every initial callback on a cold cache.
    started = time.perf_counter()
    first_load = {}
    first_load["page_s"], _ = client.get("/")
    first_load["layout_s"], _ = client.get("/_dash-layout")
    first_load["dependencies_s"], _ = client.get("/_dash-dependencies")
    manifest = manifest_data(app.store)
    if manifest["error"]:
        raise RuntimeError(f"nothing to measure in {published_dir}: {manifest['error']}")
    values = default_values(manifest)
    initial = {}
    for output in client.initial_callbacks():
        initial[output], _ = client.callback(output, values)
    first_load["initial_callbacks_s"] = sum(initial.values())
    first_load_total = time.perf_counter() - started

    states = app.store.states(manifest["latest"])
    choices = {
        "f-state": [ALL, *states],
        "f-party": [ALL, *PARTIES],
        "f-tier": [ALL, *ENGAGEMENT_TIERS],
        "f-age": [ALL, *AGE_GROUPS],
        "f-gender": [ALL, *GENDERS],
        "f-date": ["latest", *manifest["dates"]],
        "map-measure": ["voters", "share", "margin", "current", "missed", "inactive", "tenure"],
    }
    rng = random.Random(seed)
    per_output: dict[str, list[float]] = defaultdict(list)
    per_interaction: list[float] = []
    for _ in range(interactions):
        component = rng.choice([*choices, "chart-map"])
        if component == "chart-map":
            # A click on a state tile: the navigation callback, then everything the new state fires.
            click = {"points": [{"customdata": rng.choice(states)}]}
            elapsed, response = client.callback(
                next(key for key in client.callbacks_on("chart-map", "clickData")), {("chart-map", "clickData"): click}
            )
            per_output["navigate (map click)"].append(elapsed)
            values[("f-state", "value")] = response["f-state"]["value"]
            fired, total = client.callbacks_on("f-state"), elapsed
        else:
            values[(component, "value")] = rng.choice(choices[component])
            fired, total = client.callbacks_on(component), 0.0
        for output in fired:
            elapsed, _ = client.callback(output, values)
            per_output[output].append(elapsed)
            total += elapsed
        per_interaction.append(total)

    every_callback = [value for samples in per_output.values() for value in samples]
    return {
        "published_dir": str(published_dir),
        "published_bytes": sum(path.stat().st_size for path in Path(published_dir).rglob("*.parquet")),
        "server_start_s": round(server_start, 3),
        "first_load_s": round(first_load_total, 3),
        "first_load_parts_s": {key: round(value, 3) for key, value in first_load.items()},
        "first_load_slowest_callbacks_ms": {
            key: round(1000 * value, 1) for key, value in sorted(initial.items(), key=lambda item: -item[1])[:5]
        },
        "interactions": interactions,
        "callbacks": _summary(every_callback),
        "interaction_total_sequential": _summary(per_interaction),
        "per_callback": {output: _summary(samples) for output, samples in sorted(per_output.items())},
    }


def fabricate_published(
    published_dir: Path,
    voters: int = 5_000_000,
    dates: Iterable[date] = BENCH_DATES,
    min_cell_size: int | None = None,
) -> dict:
    """Publish the snapshot of a synthetic roll of `voters` voters into `published_dir`; returns timings."""
    dates = sorted(dates)
    min_cell_size = min_cell_size or min_cell_size_from_env()
    timings = {}
    # A file-backed database, so the vote-history cross join can spill instead of exhausting memory.
    with (
        tempfile.TemporaryDirectory(prefix="bench-marts-") as scratch,
        duckdb.connect(str(Path(scratch) / "bench.duckdb")) as connection,
    ):
        started = time.perf_counter()
        create_synthetic_marts(connection, voters, dates)
        timings["fabricate_marts_s"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        for day in dates:
            update_manifest(published_dir, [publish_date(connection, published_dir, day, min_cell_size)])
        timings["publish_s"] = round(time.perf_counter() - started, 1)
    return timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--published", type=Path, help="measure this published folder instead of fabricating one")
    parser.add_argument("--voters", type=int, default=5_000_000, help="size of the fabricated roll (default 5M)")
    parser.add_argument("--interactions", type=int, default=36)
    parser.add_argument("--keep", type=Path, help="fabricate into this folder and keep it")
    args = parser.parse_args(argv)
    if args.published:
        result = bench_dashboard(args.published, interactions=args.interactions)
    else:
        with tempfile.TemporaryDirectory(prefix="bench-published-") as scratch:
            target = args.keep or Path(scratch)
            target.mkdir(parents=True, exist_ok=True)
            fabricated = fabricate_published(target, voters=args.voters)
            result = {"voters": args.voters, **fabricated, **bench_dashboard(target, interactions=args.interactions)}
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
