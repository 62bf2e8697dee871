"""What happens when a filter changes, a state is clicked, the page refreshes, or the table is downloaded.

The functions that do the work take the store and plain values (testable without a browser or a server);
`register_callbacks` wires them to the page. Each chart has its own callback, so the charts render in
parallel and one unreadable file blanks only the charts that need it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd
import plotly.graph_objects as go
from dash import Dash, Input, Output, State, ctx, dcc, html, no_update

from voter_platform.dashboard import figures, insights
from voter_platform.dashboard.data import (
    DashboardDataError,
    Filters,
    PublishedStore,
    party_basis_labels,
    party_labels,
    party_note,
    pick,
    state_details,
    state_label,
    targeting_segments,
)
from voter_platform.dashboard.layout import (
    CHARTS,
    TARGETING_COLUMNS,
    blocked_notice,
    date_options,
    manifest_data,
    stale_notice,
    state_options,
    table_columns,
)
from voter_platform.lib.publish import ALL, DEFAULT_MIN_CELL_SIZE

logger = logging.getLogger(__name__)

FILTER_IDS = ("f-date", "f-state", "f-party", "f-tier", "f-age", "f-gender")
MAX_INSIGHTS = 6


@dataclass(frozen=True)
class View:
    """One analysis date seen through the filter bar."""

    store: PublishedStore
    analysis_date: str
    filters: Filters
    min_cell_size: int
    published_at: str | None
    # state -> '1 of 100 counties' for the date's rolls that are not statewide
    coverage_labels: dict[str, str] = field(default_factory=dict)
    # state -> 'party from primary ballots' / 'party not recorded' where party is not the registered party
    party_labels: dict[str, str] = field(default_factory=dict)
    # state -> its party basis label, every state ('registered party' included)
    party_basis_labels: dict[str, str] = field(default_factory=dict)

    def table(self, name: str) -> pd.DataFrame:
        return self.store.table(self.analysis_date, name)

    @property
    def labels(self) -> dict[str, str]:
        """State -> what is said beside its name (coverage, party basis)."""
        return state_details(self.coverage_labels, self.party_labels)

    def state_label(self, code: str, short: bool = False) -> str:
        return state_label(code, self.labels, short=short)

    def party_note(self) -> str | None:
        """What party means in the states shown (the drilled state, else every state), where it is not the
        registered party; None where it is."""
        states = [self.filters.state] if self.filters.is_drilled else self.store.states(self.analysis_date)
        return party_note(self.party_labels, states)


def resolve_view(
    store: PublishedStore, date_choice=None, state=None, party=None, tier=None, age=None, gender=None
) -> View:
    """The date and filters a request stands for, every value checked against what is published."""
    manifest = store.manifest()
    analysis_date = manifest.resolve(date_choice)
    if not store.sees_every_state() and not store.states(analysis_date):
        raise DashboardDataError(f"None of the states you may see is published for {analysis_date}.")
    filters = Filters.parse(
        state, party, tier, age, gender, states=store.states(analysis_date), every_state=store.sees_every_state()
    )
    record = store.publish_record(analysis_date)
    try:
        summary = store.table(analysis_date, "state_summary")
    except DashboardDataError:  # the charts that need it say so; the others go on without party labels
        summary = pd.DataFrame()
    return View(
        store=store,
        analysis_date=analysis_date,
        filters=filters,
        min_cell_size=int(record.get("min_cell_size") or DEFAULT_MIN_CELL_SIZE),
        published_at=manifest.published_at.get(analysis_date) or record.get("published_at"),
        coverage_labels=manifest.coverage_labels(analysis_date),
        party_labels=party_labels(summary),
        party_basis_labels=party_basis_labels(summary),
    )


# ------------------------------------------------------------------------------------------------------------
# Charts
# ------------------------------------------------------------------------------------------------------------


def _party_noted(build: Callable[[View, str | None], go.Figure]) -> Callable[[View, str | None], go.Figure]:
    """A chart with a party dimension, with what party means where it is not the registered party."""
    return lambda view, measure: figures.with_note(build(view, measure), view.party_note())


CHART_BUILDERS: dict[str, Callable[[View, str | None], go.Figure]] = {
    "chart-map": lambda view, measure: figures.with_note(
        figures.us_map(
            view.table("engagement_segments"),
            view.filters,
            measure or "voters",
            view.min_cell_size,
            view.coverage_labels,
            view.party_labels,
        ),
        view.party_note() if view.filters.party != ALL else None,
    ),
    "chart-party": _party_noted(
        lambda view, _: figures.party_composition(
            view.table("engagement_segments"),
            view.table("voter_snapshot"),
            view.filters,
            view.min_cell_size,
            view.coverage_labels,
        )
    ),
    "chart-engagement": _party_noted(
        lambda view, _: figures.engagement_by_party(view.table("engagement_segments"), view.filters, view.min_cell_size)
    ),
    "chart-turnout": _party_noted(
        lambda view, _: figures.turnout_by_cycle(
            view.table("partisan_trends"), view.table("turnout_comparison"), view.filters
        )
    ),
    "chart-gender": _party_noted(
        lambda view, _: figures.partisanship_by_gender(view.table("registration_trends"), view.filters)
    ),
    "chart-registrations": _party_noted(
        lambda view, _: figures.registrations_by_year(
            view.table("registration_trends"), view.filters, view.min_cell_size
        )
    ),
    "chart-opportunity": _party_noted(
        lambda view, _: figures.opportunity_heatmap(
            view.table("targeting_opportunities"), view.filters, view.min_cell_size
        )
    ),
    "chart-lean": lambda view, _: figures.lean_vs_result(
        view.table("engagement_segments"), view.table("state_summary"), view.filters, view.party_labels
    ),
    "chart-changes": lambda view, _: figures.voter_changes(
        view.table("voter_changes"), view.filters, view.min_cell_size
    ),
    "chart-quality": lambda view, _: figures.data_quality(view.table("data_quality")),
}


def chart_figure(store: PublishedStore, chart_id: str, *filter_values, measure: str | None = None) -> go.Figure:
    """The figure of one chart for a date choice and filter values (a plain message when data is missing)."""
    try:
        view = resolve_view(store, *filter_values)
        figure = CHART_BUILDERS[chart_id](view, measure)
    except DashboardDataError as error:
        return figures.message_figure(str(error))
    except Exception:  # a chart that cannot be drawn must not take the page down
        logger.exception("chart %s failed for %s", chart_id, filter_values)
        return figures.message_figure("This chart could not be drawn from the published data (see the server log)")
    if not figures.has_values(figure) and not figure.layout.annotations:
        return figures.message_figure(
            f"Nothing to draw: in this selection every count is under {view.min_cell_size} voters (suppressed)"
        )
    return figure


# ------------------------------------------------------------------------------------------------------------
# Targeting table, KPIs, insights, banner
# ------------------------------------------------------------------------------------------------------------


def targeting_rows(view: View) -> pd.DataFrame:
    """The targeting table exactly as shown: the mart's segments matching the filters, best first, each with
    what its party is ('registered party', 'party from primary ballots') and the coverage of its state's roll
    ('statewide', '1 of 100 counties')."""
    rows = targeting_segments(view.table("targeting_opportunities"), view.filters)
    rows = rows.sort_values(["score_rank", "state", "age_group", "party"])
    rows = rows.assign(
        party_basis=[view.party_basis_labels.get(str(state), "") for state in rows.state],
        coverage=[view.coverage_labels.get(str(state), "statewide") for state in rows.state],
    )
    columns = [column for column, _, _ in TARGETING_COLUMNS] + ["suppressed"]
    return (
        rows[columns]
        .astype(
            {
                "state": str,
                "age_group": str,
                "party": str,
                "gender": str,
                "priority_tier": str,
                "party_basis": str,
                "coverage": str,
            }
        )
        .reset_index(drop=True)
    )


def targeting_csv(view: View) -> str:
    return targeting_rows(view).to_csv(index=False)


def _pick_one(frame: pd.DataFrame, column: str, **criteria):
    rows = pick(frame, **criteria)
    return rows[column].iloc[0] if len(rows) == 1 else float("nan")


def kpis(view: View) -> list[tuple[str, str, str]]:
    """Headline numbers for the filtered segment: (label, value, note)."""
    filters = view.filters
    cube = view.table("engagement_segments")
    segment = dict(state=filters.state, party=filters.party, age_group=filters.age_group, gender=filters.gender)
    voters = _pick_one(cube, "voters", **segment, engagement_tier=filters.engagement_tier)
    all_tiers = _pick_one(cube, "voters", **segment, engagement_tier=ALL)
    current = _pick_one(cube, "voters", **segment, engagement_tier="Current")
    missed = _pick_one(cube, "voters", **segment, engagement_tier="Missed Last Election")
    recoverable = _pick_one(
        view.table("targeting_opportunities"),
        "recoverable_voters",
        state=filters.state,
        party=filters.party,
        age_group=filters.age_group,
        gender=filters.gender,
    )
    small = f"<{view.min_cell_size}"

    def count(value) -> str:
        return small if pd.isna(value) else f"{value:,.0f}"

    # Voters whose history is unknown (a file without vote history) are neither voters nor non-voters. No row
    # means no such voter; a suppressed one (NaN) makes the share unknown.
    unknown_rows = pick(cube, **segment, engagement_tier="History Unknown")
    unknown = unknown_rows.voters.iloc[0] if len(unknown_rows) == 1 else 0.0
    known_history = all_tiers - unknown
    known = pd.notna(current) and pd.notna(known_history) and known_history > 0
    current_share = f"{100 * current / known_history:.1f}%" if known else "—"
    where = (
        f"in {view.state_label(filters.state)}"
        if filters.is_drilled and filters.state in view.labels
        else "in the filtered segment"
    )
    return [
        ("Registered voters", count(voters), where),
        ("Voted in the last election", current_share, "share of the segment whose history is known"),
        ("Missed only the last election", count(missed), "most recoverable"),
        ("Recoverable voters", count(recoverable), "missed last + lapsed 2–3 elections"),
    ]


def insight_list(view: View) -> list[insights.Insight]:
    labels = view.labels
    found = [
        *insights.missed_last_election(view.table("engagement_segments"), view.filters, labels),
        *insights.top_segment(view.table("targeting_opportunities"), view.filters, labels),
        *insights.registration_vs_result(view.table("state_summary"), view.filters),
        *insights.turnout_against_official(view.table("turnout_comparison"), view.filters),
        *insights.latest_changes(view.table("voter_changes"), view.filters, labels),
    ]
    # Why a state is not compared with its statewide results comes first: it qualifies everything else.
    return [*insights.not_compared(view.table("state_summary"), view.filters), *found][:MAX_INSIGHTS]


def banner(view: View) -> list:
    published = (view.published_at or "unknown time").replace("T", " ").replace("+00:00", " UTC")
    return [
        html.Span("Analysis date ", className="muted"),
        html.Strong(view.analysis_date, id="banner-date"),
        html.Span(" · published ", className="muted"),
        html.Span(published, id="banner-published"),
        html.Br(),
        html.Span(f"Counts under {view.min_cell_size} voters are suppressed", className="muted small"),
    ]


# ------------------------------------------------------------------------------------------------------------
# Wiring
# ------------------------------------------------------------------------------------------------------------


def register_callbacks(app: Dash, store: PublishedStore) -> None:
    filter_inputs = [Input("manifest", "data")] + [Input(component, "value") for component in FILTER_IDS]

    @app.callback(
        Output("manifest", "data"),
        Input("refresh", "n_intervals"),
        State("manifest", "data"),
        prevent_initial_call=True,
    )
    def refresh_manifest(_, current):
        # Only a changed manifest re-renders the page; an unchanged one costs one stat() call.
        latest = manifest_data(store)
        return no_update if latest == current else latest

    @app.callback(
        Output("status", "children"),
        Output("status", "style"),
        Output("content", "style"),
        Output("f-date", "options"),
        Input("manifest", "data"),
    )
    def show_status(manifest):
        options = date_options(manifest.get("dates") or [], manifest.get("latest"))
        blocked = blocked_notice(manifest.get("blocked") or {})
        if manifest.get("error"):
            nothing_yet = not manifest.get("dates")
            message = html.Div(
                children=[
                    html.Div(
                        className="status-box",
                        children=[
                            html.H2("Nothing to show yet" if nothing_yet else "Data unavailable"),
                            html.P(
                                manifest["error"]
                                if not (nothing_yet and blocked)
                                else "Nothing has been published yet: every date loaded so far was blocked (below). "
                                "This page checks every few seconds and shows the data as soon as a date is published."
                            ),
                        ],
                    ),
                    *blocked,
                ]
            )
            return message, {"display": "block"}, {"display": "none"}, options
        if blocked:
            return html.Div(blocked), {"display": "block"}, {"display": "block"}, options
        return None, {"display": "none"}, {"display": "block"}, options

    @app.callback(
        Output("freshness", "children"),
        Output("freshness", "style"),
        Input("manifest", "data"),
    )
    def show_freshness(manifest):
        return stale_notice(manifest.get("stale"))

    @app.callback(
        Output("banner", "children"),
        Output("f-state", "options"),
        Output("footer", "children"),
        Input("manifest", "data"),
        Input("f-date", "value"),
    )
    def show_banner(_, date_choice):
        try:
            view = resolve_view(store, date_choice)
        except DashboardDataError:
            return None, state_options([]), None
        footer = (
            f"Reads the published snapshot only (aggregates; no voter-level data). Blank cells and '<"
            f"{view.min_cell_size}' mark counts of fewer than {view.min_cell_size} voters, suppressed "
            "to protect privacy."
        )
        options = state_options(store.states(view.analysis_date), view.labels, every_state=store.sees_every_state())
        return banner(view), options, footer

    @app.callback(
        Output("f-state", "value"),
        Output("f-party", "value"),
        Output("f-tier", "value"),
        Output("f-age", "value"),
        Output("f-gender", "value"),
        Output("chart-map", "clickData"),
        Input("chart-map", "clickData"),
        Input("back", "n_clicks"),
        Input("reset", "n_clicks"),
        prevent_initial_call=True,
    )
    def navigate(click, _back, _reset):
        unchanged = [no_update] * 4
        if ctx.triggered_id == "chart-map":
            state = clicked_state(click)
            # A tile outside the user's scope is drawn (empty) but leads nowhere. Clearing clickData lets the
            # same state be clicked again after going back.
            return (state if state and store.may_read(state) else no_update), *unchanged, None
        if ctx.triggered_id == "back":
            return home_state(store), *unchanged, None
        return home_state(store), ALL, ALL, ALL, ALL, None

    @app.callback(
        Output("drill", "style"), Output("drill-text", "children"), Input("f-state", "value"), Input("f-date", "value")
    )
    def show_drill(state, date_choice):
        try:
            view = resolve_view(store, date_choice, state)
            state, labels = view.filters.state, view.labels  # the state the charts show, whatever was asked
        except DashboardDataError:
            labels = {}
        if not state or state == ALL or not store.may_read(state):
            return {"display": "none"}, None
        return {"display": "flex"}, [
            html.Span("United States › ", className="muted"),
            html.Strong(state_label(state, labels)),
            html.Span(" — every chart shows this state's segments", className="muted"),
        ]

    for chart_id in CHART_BUILDERS:
        _register_chart(app, store, chart_id)

    @app.callback(Output("kpis", "children"), *filter_inputs)
    def show_kpis(_, *values):
        try:
            view = resolve_view(store, *values)
        except DashboardDataError:
            return None
        return [
            html.Div(
                className="kpi",
                children=[
                    html.Div(label, className="kpi-label"),
                    html.Div(value, className="kpi-value"),
                    html.Div(note, className="kpi-note"),
                ],
            )
            for label, value, note in kpis(view)
        ]

    @app.callback(Output("insights", "children"), *filter_inputs)
    def show_insights(_, *values):
        try:
            found = insight_list(resolve_view(store, *values))
        except DashboardDataError as error:
            return [html.Li(str(error))]
        if not found:
            return [html.Li("Nothing stands out in this selection.", className="muted")]
        return [html.Li([html.Strong(part) if bold else part for part, bold in insight.parts]) for insight in found]

    # A new selection starts again on the table's first page.
    @app.callback(
        Output("targeting-table", "rowData"),
        Output("targeting-table", "columnDefs"),
        Output("targeting-table", "paginationGoTo"),
        Output("table-count", "children"),
        *filter_inputs,
    )
    def show_table(_, *values):
        try:
            view = resolve_view(store, *values)
            rows = targeting_rows(view)
        except DashboardDataError as error:
            return [], table_columns(DEFAULT_MIN_CELL_SIZE), "first", str(error)
        data = rows.astype(object).where(rows.notna(), None).to_dict("records")
        return data, table_columns(view.min_cell_size), "first", f"{len(rows):,} segments"

    @app.callback(
        Output("download", "data"),
        Input("download-button", "n_clicks"),
        *[State(component, "value") for component in FILTER_IDS],
        prevent_initial_call=True,
    )
    def download(_, *values):
        try:
            view = resolve_view(store, *values)
        except DashboardDataError:
            return no_update
        filters = view.filters
        # Only validated values reach the file name.
        parts = [view.analysis_date, filters.state, filters.party, filters.age_group, filters.gender]
        name = "targeting_" + "_".join(part.replace("+", "plus").replace(" ", "-") for part in parts if part != ALL)
        return dcc.send_string(targeting_csv(view), f"{name}.csv", type="text/csv")


def home_state(store: PublishedStore) -> str:
    """Where 'back' and 'reset' lead: all states, or for a user scoped to some states the first of them (there
    is no 'All states' in their scope)."""
    if store.sees_every_state():
        return ALL
    try:
        return resolve_view(store).filters.state
    except DashboardDataError:
        return ALL


def clicked_state(click) -> str | None:
    """The state code of a map click (the tile's customdata), or None for a click outside a tile."""
    try:
        code = click["points"][0]["customdata"]
    except (TypeError, KeyError, IndexError):
        return None
    return code if isinstance(code, str) and code.isalpha() and len(code) == 2 else None


# The filters each chart follows; a chart is not re-rendered when a filter it ignores changes.
CHART_FILTERS = {
    chart_id: tuple(component for component in FILTER_IDS if component not in ignored)
    for chart_id, (_, _, ignored) in CHARTS.items()
}


def _register_chart(app: Dash, store: PublishedStore, chart_id: str) -> None:
    used = CHART_FILTERS[chart_id]
    extra = [Input("map-measure", "value")] if chart_id == "chart-map" else []

    @app.callback(
        Output(chart_id, "figure"),
        Input("manifest", "data"),
        *[Input(component, "value") for component in used],
        *extra,
    )
    def render(_, *values):
        measure = values[-1] if extra else None
        given = dict(zip(used, values[: len(used)], strict=True))
        return chart_figure(store, chart_id, *(given.get(component) for component in FILTER_IDS), measure=measure)
