"""The page: header with the publish banner, the filter bar, insights, the chart grid, the targeting table.

Built per page load (Dash calls `build_layout` for each visitor), so a new visitor gets the dates and states
published at that moment without waiting for the first refresh.
"""

from __future__ import annotations

import dash_ag_grid as dag
from dash import dcc, html

from voter_platform.dashboard.data import LATEST, DashboardDataError, PublishedStore, party_labels, state_details
from voter_platform.dashboard.figures import GRAPH_CONFIG, MAP_MEASURES
from voter_platform.dashboard.geography import state_name
from voter_platform.lib.blocked import describe_blocked_date
from voter_platform.lib.freshness import DEFAULT_MAX_AGE_DAYS, freshness_of, stale_banner_text
from voter_platform.lib.publish import AGE_GROUPS, ALL, DEFAULT_MIN_CELL_SIZE, ENGAGEMENT_TIERS, GENDERS, PARTIES

REFRESH_SECONDS = 5
TABLE_PAGE_SIZE = 15
PAGE_FONT = "Inter, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"

# What each filter is called in a chart's note.
FILTER_NAMES = {
    "f-state": "state",
    "f-party": "party",
    "f-tier": "engagement tier",
    "f-age": "age group",
    "f-gender": "gender",
}

# Chart id -> (title, what the chart shows, filters that do not apply to it). The chart is not re-rendered
# when one of those changes.
CHARTS = {
    "chart-map": ("Registered voters by state", "Click a state to drill into it.", ()),
    "chart-party": ("Party composition", "Share of each party among the segment's voters.", ()),
    "chart-engagement": ("Engagement tiers by party", "How recently each party's voters last voted.", ()),
    "chart-turnout": (
        "Turnout by general election, 2008–2024",
        "Voted ÷ (voted + did not vote) from the file's history, beside official VEP turnout where "
        "the roll is statewide.",
        ("f-tier",),
    ),
    "chart-gender": (
        "Partisanship by gender over registration year",
        "D − R margin among voters with a recorded party, by the year they registered "
        "(the filtered party's share when a party is chosen).",
        ("f-tier",),
    ),
    "chart-registrations": (
        "Registrations by year",
        "Voters on today's roll by the year they registered.",
        ("f-tier",),
    ),
    "chart-opportunity": (
        "Opportunity score by age group and party",
        "0–100: weighs voters who missed only the last election, lapsed 2–3 elections, tenure and "
        "size. Summed over states weighted by voters.",
        ("f-tier",),
    ),
    "chart-lean": (
        "Registration lean vs. official presidential margin",
        "Each state whose roll is statewide and whose party is registered: the segment's D − R "
        "registration margin against the official result.",
        ("f-party",),
    ),
    "chart-changes": (
        "Voter changes over time",
        "New, removed, moved and switched voters per snapshot day.",
        ("f-party", "f-tier", "f-age", "f-gender"),
    ),
    "chart-quality": (
        "Data quality: rows loaded and quarantined per file",
        "Most recent landing files up to the analysis date.",
        ("f-state", "f-party", "f-tier", "f-age", "f-gender"),
    ),
}

TARGETING_COLUMNS = [
    ("score_rank", "Rank", "int"),
    ("state", "State", "text"),
    ("age_group", "Age group", "text"),
    ("party", "Party", "text"),
    ("party_basis", "Party basis", "text"),
    ("gender", "Gender", "text"),
    ("voters", "Voters", "int"),
    ("missed_last_voters", "Missed last", "int"),
    ("lapsed_2_3_voters", "Lapsed 2–3", "int"),
    ("recoverable_voters", "Recoverable", "int"),
    ("missed_last_pct", "Missed last %", "pct"),
    ("lapsed_2_3_pct", "Lapsed 2–3 %", "pct"),
    ("avg_tenure_years", "Avg. years registered", "pct"),
    ("opportunity_score", "Score", "pct"),
    ("priority_tier", "Priority", "text"),
    ("coverage", "Coverage of the state", "text"),
]


def _options(values, all_label: str) -> list[dict]:
    return [{"label": all_label, "value": ALL}] + [{"label": value, "value": value} for value in values]


def date_options(dates, latest) -> list[dict]:
    newest = [{"label": f"Latest ({latest})", "value": LATEST}] if latest else []
    return newest + [{"label": day, "value": day} for day in sorted(dates, reverse=True)]


def state_options(states, coverage_labels: dict[str, str] | None = None, every_state: bool = True) -> list[dict]:
    """'North Carolina (NC)', or 'North Carolina (NC, 1 of 100 counties)' when its roll is not statewide (and
    'Ohio (OH, party from primary ballots)' given the party basis: `coverage_labels` may be `View.labels`).
    'All states' comes first, unless the user is scoped to some states (`every_state` False)."""
    coverage_labels = coverage_labels or {}

    def label(code: str) -> str:
        detail = f"{code}, {coverage_labels[code]}" if code in coverage_labels else code
        return f"{state_name(code)} ({detail})"

    every = [{"label": "All states", "value": ALL}] if every_state else []
    return every + [{"label": label(code), "value": code} for code in states]


def blocked_notice(blocked: dict) -> list:
    """One box per blocked date, newest first: which file, how much was quarantined, why, and what to do."""
    boxes = []
    for day in sorted(blocked, reverse=True):
        heading, *details = blocked[day].splitlines()
        boxes.append(
            html.Div(
                className="status-box blocked",
                children=[
                    html.H2(heading),
                    html.Ul([html.Li(line.strip()) for line in details if line.strip()]),
                ],
            )
        )
    return boxes


def _account(signed_in_as: str | None, logout_path: str) -> list:
    """'Signed in as NAME' and a log-out button (a form posting to the logout URL), when someone is signed in."""
    if not signed_in_as:
        return []
    return [
        html.Form(
            className="account",
            action=logout_path,
            method="post",
            children=[
                html.Span(f"Signed in as {signed_in_as}", className="muted small"),
                html.Button("Log out", id="logout", type="submit", className="button secondary"),
            ],
        )
    ]


def _filter(label: str, component) -> html.Div:
    return html.Div(className="filter", children=[html.Label(label, htmlFor=component.id), component])


def _dropdown(component_id: str, options, value=ALL) -> dcc.Dropdown:
    return dcc.Dropdown(id=component_id, options=options, value=value, clearable=False, searchable=True)


def _card(chart_id: str, controls=None, wide: bool = False) -> html.Section:
    title, description, ignored = CHARTS[chart_id]
    ignored_names = ", ".join(FILTER_NAMES[component] for component in ignored)
    note = f"Not filtered by {ignored_names}." if ignored else "Follows every filter."
    header = [html.Div([html.H2(title), html.P(description, className="card-description")])]
    if controls is not None:
        header.append(html.Div(controls, className="card-controls"))
    return html.Section(
        className="card wide" if wide else "card",
        children=[
            html.Div(header, className="card-header"),
            dcc.Loading(dcc.Graph(id=chart_id, config=GRAPH_CONFIG), type="dot", color="#94a3b8", delay_show=400),
            html.P(note, className="card-note", id=f"{chart_id}-note"),
        ],
    )


# Formatters run in the browser (dash-ag-grid evaluates them without eval(), so the page's Content-Security-Policy
# holds). A count of 12345 shows as '12,345'; a share as '12.3'. A suppressed count (null) shows as '<N', an
# unknown share as '—'; sorting still orders the numbers, not the text.
_COUNT_FORMAT = "params.value == null ? '<{min_cell_size}' : d3.format(',.0f')(params.value)"
_SHARE_FORMAT = "params.value == null ? '—' : d3.format('.1f')(params.value)"
# The 'High' priority stands out.
_PRIORITY_STYLE = {
    "styleConditions": [{"condition": "params.value == 'High'", "style": {"color": "#9b2c2c", "fontWeight": "600"}}]
}


def table_columns(min_cell_size: int) -> list[dict]:
    """Targeting table columns (AG Grid column definitions); numbers right-aligned, a suppressed count shown as
    '<N' rather than a blank."""
    columns = []
    for column, name, kind in TARGETING_COLUMNS:
        spec = {"field": column, "headerName": name}
        if kind == "int":
            spec.update(
                type="numericColumn",
                valueFormatter={"function": _COUNT_FORMAT.format(min_cell_size=min_cell_size)},
            )
        elif kind == "pct":
            spec.update(type="numericColumn", valueFormatter={"function": _SHARE_FORMAT})
        if column == "priority_tier":
            spec.update(cellStyle=_PRIORITY_STYLE)
        columns.append(spec)
    return columns


def targeting_table() -> dag.AgGrid:
    """The targeting segments: sortable by any column, 15 rows a page, the page's font and a quiet header. The
    rows and columns come from the `show_table` callback (columns too: the '<N' of suppressed counts follows the
    date's minimum cell size)."""
    theme = (
        "themeQuartz.withParams({"
        f'fontFamily: "{PAGE_FONT}", fontSize: 13, headerFontWeight: 600, headerBackgroundColor: "#f8fafc", '
        "spacing: 5, wrapperBorderRadius: 0, wrapperBorder: false, columnBorder: false"
        "})"
    )
    return dag.AgGrid(
        id="targeting-table",
        columnDefs=table_columns(DEFAULT_MIN_CELL_SIZE),
        rowData=[],
        defaultColDef={"sortable": True, "resizable": True, "suppressMovable": True},
        # Every column as wide as its content (scrolling sideways on a narrow screen), all of them rendered.
        columnSize="autoSize",
        dashGridOptions={
            "theme": {"function": theme},
            "pagination": True,
            "paginationPageSize": TABLE_PAGE_SIZE,
            "paginationPageSizeSelector": False,
            "domLayout": "autoHeight",
            "suppressColumnVirtualisation": True,
            "suppressCellFocus": True,
            # Rows move at once when sorted (no animation).
            "animateRows": False,
            # Plain text: an HTML template (overlayNoRowsTemplate) is refused by dash-ag-grid as a script risk.
            "localeText": {"noRowsToShow": "No segment in this selection."},
        },
        # With domLayout autoHeight the grid is as tall as its page of rows: no fixed height.
        style={"height": None},
    )


def manifest_data(store: PublishedStore) -> dict:
    """What the page keeps of the manifest: enough to notice a new publish and list the dates, the dates
    that were blocked (each as the sentences of lib/blocked.py), and how old the newest date is when that is
    older than the platform promises (`stale`, lib/freshness.py; it changes at midnight, so the page notices)."""
    blocked = {day: describe_blocked_date(day, entry) for day, entry in store.blocked_dates().items()}
    try:
        manifest = store.manifest()
    except DashboardDataError as error:
        return {"version": None, "dates": [], "latest": None, "error": str(error), "blocked": blocked, "stale": None}
    # The version (mtime in ns) travels as a string: as a JSON number the browser would round it.
    return {
        "version": str(manifest.version),
        "dates": list(manifest.dates),
        "latest": manifest.latest,
        "error": None,
        "blocked": blocked,
        "stale": _stale_text(manifest.latest),
    }


def _stale_text(latest: str | None) -> str | None:
    try:
        freshness = freshness_of(latest)
    except ValueError:  # a VOTER_PLATFORM_MAX_DATA_AGE_DAYS that is no number: the promised day still holds
        freshness = freshness_of(latest, max_age_days=DEFAULT_MAX_AGE_DAYS)
    return stale_banner_text(freshness)


def stale_notice(text: str | None) -> tuple[list, dict]:
    """The banner over the page when the newest published date is older than promised: (children, style)."""
    if not text:
        return [], {"display": "none"}
    return [html.Strong("Stale data. "), html.Span(text)], {"display": "block"}


def build_layout(store: PublishedStore, signed_in_as: str | None = None, logout_path: str = "/logout") -> html.Div:
    """The page as `store` lets its reader see it (their scope); with who is signed in and a way to log out."""
    manifest = manifest_data(store)
    every_state = store.sees_every_state()
    try:
        states = store.states(manifest["latest"]) if manifest["latest"] else []
        labels = store.manifest().coverage_labels(manifest["latest"]) if manifest["latest"] else {}
    except DashboardDataError:
        states, labels = [], {}
    try:
        parties = party_labels(store.table(manifest["latest"], "state_summary")) if manifest["latest"] else {}
    except DashboardDataError:
        parties = {}
    labels = state_details(labels, parties)
    return html.Div(
        className="page",
        children=[
            dcc.Store(id="manifest", data=manifest),
            dcc.Interval(id="refresh", interval=REFRESH_SECONDS * 1000),
            dcc.Download(id="download"),
            html.Header(
                className="header",
                children=[
                    html.Div(
                        [
                            html.H1("Voter roll dashboard"),
                            html.P(
                                "Who is registered, who votes, who lapsed, where the recoverable voters are, "
                                "how the roll changed, and how it compares with official results.",
                                className="subtitle",
                            ),
                        ]
                    ),
                    html.Div(id="banner", className="banner"),
                    *_account(signed_in_as, logout_path),
                ],
            ),
            html.Div(id="freshness", className="stale-banner", role="alert", style={"display": "none"}),
            html.Div(id="status", className="status"),
            html.Main(
                id="content",
                children=[
                    html.Div(
                        className="filter-bar",
                        children=[
                            _filter(
                                "Analysis date",
                                _dropdown("f-date", date_options(manifest["dates"], manifest["latest"]), LATEST),
                            ),
                            # A user scoped to some states has no 'All states': the page opens on the first of theirs.
                            _filter(
                                "State",
                                _dropdown(
                                    "f-state",
                                    state_options(states, labels, every_state),
                                    ALL if every_state or not states else states[0],
                                ),
                            ),
                            _filter("Party", _dropdown("f-party", _options(PARTIES, "All parties"))),
                            _filter("Engagement tier", _dropdown("f-tier", _options(ENGAGEMENT_TIERS, "All tiers"))),
                            _filter("Age group", _dropdown("f-age", _options(AGE_GROUPS, "All ages"))),
                            _filter("Gender", _dropdown("f-gender", _options(GENDERS, "All genders"))),
                            html.Button("Reset filters", id="reset", className="button secondary"),
                        ],
                    ),
                    html.Div(
                        id="drill",
                        className="drill",
                        children=[
                            html.Span(id="drill-text"),
                            html.Button(
                                "← Back to all states",
                                id="back",
                                className="button",
                                style=None if every_state else {"display": "none"},
                            ),
                        ],
                        style={"display": "none"},
                    ),
                    html.Div(id="kpis", className="kpis"),
                    html.Section(
                        className="card insights",
                        children=[
                            html.H2("What stands out"),
                            html.Ul(id="insights"),
                        ],
                    ),
                    html.Div(
                        className="grid",
                        children=[
                            _card(
                                "chart-map",
                                controls=_filter(
                                    "Colour by",
                                    dcc.Dropdown(
                                        id="map-measure",
                                        options=[{"label": m.label, "value": key} for key, m in MAP_MEASURES.items()],
                                        value="voters",
                                        clearable=False,
                                        searchable=False,
                                    ),
                                ),
                            ),
                            _card("chart-party"),
                            _card("chart-engagement"),
                            _card("chart-turnout"),
                            _card("chart-gender"),
                            _card("chart-registrations"),
                            _card("chart-opportunity"),
                            _card("chart-lean"),
                            _card("chart-changes"),
                            _card("chart-quality"),
                        ],
                    ),
                    html.Section(
                        className="card wide",
                        children=[
                            html.Div(
                                className="card-header",
                                children=[
                                    html.Div(
                                        [
                                            html.H2("Targeting segments"),
                                            html.P(
                                                "State × age group × party segments ranked by opportunity score "
                                                "(the gender cut when a gender is chosen); missed-last and lapsed "
                                                "shares are of the voters whose history is known. Sort by any "
                                                "column; the download has every filtered row.",
                                                className="card-description",
                                            ),
                                        ]
                                    ),
                                    html.Div(
                                        className="card-controls",
                                        children=[
                                            html.Span(id="table-count", className="muted"),
                                            html.Button("Download CSV", id="download-button", className="button"),
                                        ],
                                    ),
                                ],
                            ),
                            targeting_table(),
                        ],
                    ),
                ],
            ),
            html.Footer(className="footer", id="footer"),
        ],
    )
