"""Pure figure builders: published tables + filters in, plotly figures out. No I/O, no Dash.

Every builder picks the rollup rows its filters name (see `data.pick`) rather than summing rows, so a
suppressed cell shows as a gap ("fewer than N voters"), never as a silently smaller total. Labels that come
from data files (county and file names) are HTML-escaped, because plotly renders a subset of HTML in text.

A state whose roll is not statewide (a county extract) carries its coverage wherever its numbers are shown
("North Carolina (1 of 100 counties)"), and is never set beside a statewide figure (official results, VEP
turnout): the marts hold none for it, and the charts say why. A state whose party is not the registered party (no
party registration: the party of primary ballots, or none recorded) is named as such on every chart with a party
dimension (`with_note`), and never gives a registration margin.
"""

from __future__ import annotations

import html
import textwrap
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from voter_platform.dashboard.data import Filters, party_note, pick, state_label
from voter_platform.dashboard.geography import TILE_COLUMNS, TILE_POSITIONS, TILE_ROWS, state_name
from voter_platform.lib.publish import AGE_GROUPS, ALL, CHANGE_TYPES, ENGAGEMENT_TIERS, GENDERS, PARTIES

FONT = "Inter, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"
INK = "#1f2937"
MUTED = "#6b7280"
GRID = "#e5e7eb"
EMPTY_TILE = "#eef0f3"

PARTY_COLORS = {
    "Democrat": "#2b6cb0",
    "Republican": "#c53030",
    "Libertarian": "#d69e2e",
    "Green": "#2f855a",
    "Independent": "#805ad5",
    "Other": "#718096",
    "Unknown": "#cbd5e0",
    ALL: "#1f2937",
}
TIER_COLORS = {
    "Current": "#1b7a4a",
    "Missed Last Election": "#f6ad55",
    "Occasional": "#ed8936",
    "Infrequent": "#c05621",
    "Dormant": "#9b2c2c",
    "Never Voted": "#a0aec0",
    "History Unknown": "#e2e8f0",
}
GENDER_COLORS = {"Female": "#b83280", "Male": "#2c7a7b", "Other": "#d69e2e", "Unknown": "#a0aec0"}
CHANGE_COLORS = {
    "new_registration": "#2f855a",
    "removed": "#c53030",
    "moved": "#3182ce",
    "party_switch": "#805ad5",
    "name_change": "#a0aec0",
}
CHANGE_LABELS = {
    "new_registration": "New registrations",
    "removed": "Removed",
    "moved": "Moved county",
    "party_switch": "Switched party",
    "name_change": "Changed name",
}
PARTY_PLURALS = {
    "Democrat": "Democrats",
    "Republican": "Republicans",
    "Libertarian": "Libertarians",
    "Green": "Greens",
    "Independent": "Independents",
    "Other": "voters of other parties",
    "Unknown": "voters with no recorded party",
    ALL: "voters",
}
FIRST_CYCLE, LAST_CYCLE = 2008, 2024

# No mode bar: it would sit on the legends, and the charts are for reading, not editing.
GRAPH_CONFIG = {"displayModeBar": False}


# A small template of our own: plotly's named templates carry defaults for every trace type, and copying one
# into each figure cost ~70 ms a chart.
TEMPLATE = go.layout.Template(
    layout=dict(
        paper_bgcolor="white",
        plot_bgcolor="white",
        colorway=list(PARTY_COLORS.values()),
        xaxis=dict(gridcolor=GRID, zerolinecolor=GRID, linecolor=GRID, automargin=True),
        yaxis=dict(gridcolor=GRID, zerolinecolor=GRID, linecolor=GRID, automargin=True),
    )
)


# A chart's note line holds about this many characters at a card's width; a longer note wraps (a list of
# fifteen states without party registration was cut at the card's edge).
NOTE_LINE_CHARACTERS = 88
NOTE_LINE_HEIGHT = 17
_TITLE_MARGIN = 84  # room above the plot for one note line and the legend


def _note_lines(text: str) -> list[str]:
    """A note as the lines it is shown in (a wrapped note's line breaks are undone first)."""
    return textwrap.wrap(
        text.replace("<br>", " "), width=NOTE_LINE_CHARACTERS, break_long_words=False, break_on_hyphens=False
    ) or [""]


def _extra_note_height(text: str | None) -> int:
    """Pixels a note needs beyond its first line."""
    return NOTE_LINE_HEIGHT * (len(_note_lines(text)) - 1) if text else 0


def note_text(figure: go.Figure) -> str:
    """The note above a chart as one line of text ('' without one): its wrapping undone."""
    title = figure.layout.title
    return " ".join(_note_lines(title.text)) if title and title.text else ""


def _title(text: str) -> dict:
    """A chart's title line(s): a note on what it shows, above the legend, in the muted ink."""
    lines = _note_lines(text)
    return dict(
        text="<br>".join(lines),
        x=0,
        xanchor="left",
        xref="paper",
        y=1,
        yref="container",
        yanchor="top",
        # plotly centres a title of several lines where one line would sit: half the others go above the top
        pad=dict(t=6 + NOTE_LINE_HEIGHT * (len(lines) - 1) // 2),
        font=dict(size=12.5, color=MUTED),
    )


def _layout(
    figure: go.Figure, title: str | None = None, height: int = 380, margin: dict | None = None, **extra
) -> go.Figure:
    extra_height = _extra_note_height(title)
    margin = dict(margin) if margin else dict(l=56, r=16, t=_TITLE_MARGIN if title else 12, b=44)
    margin["t"] += extra_height
    figure.update_layout(
        template=TEMPLATE,
        height=height + extra_height,
        # A title (a note on what the chart shows) sits above the legend, which sits above the plot.
        margin=margin,
        font=dict(family=FONT, size=12, color=INK),
        title=_title(title) if title else None,
        legend=dict(orientation="h", xanchor="left", x=0, title=None, traceorder="normal")
        | _legend_under(title, height + extra_height),
        hoverlabel=dict(font=dict(family=FONT)),
        **extra,
    )
    return figure


def _legend_under(title: str | None, height: int) -> dict:
    """The legend's place: its top just under the note. plotly's automargin then keeps the plot under the legend
    (a legend anchored to the plot's top grows up into a note of several lines, or over the note when it has
    many rows: the turnout chart's nine)."""
    below = 14 + NOTE_LINE_HEIGHT * len(_note_lines(title)) if title else 12
    return dict(yref="container", y=1 - below / height, yanchor="top")


def has_values(figure: go.Figure) -> bool:
    """Whether any trace has a value to draw (a trace whose values are all suppressed draws nothing)."""
    for trace in figure.data:
        if getattr(trace, "z", None) is not None:
            values = trace.z
        else:
            values = trace.x if getattr(trace, "orientation", None) == "h" else trace.y
        if values is None:
            continue
        numbers = pd.to_numeric(pd.Series(np.ravel(np.asarray(values, dtype=object))), errors="coerce")
        if numbers.notna().any():
            return True
    return False


def message_figure(message: str, height: int = 380) -> go.Figure:
    """An empty chart saying why it is empty (no data, unreadable file, not applicable)."""
    figure = go.Figure()
    figure.add_annotation(
        text=html.escape(message),
        x=0.5,
        y=0.5,
        xref="paper",
        yref="paper",
        showarrow=False,
        font=dict(size=14, color=MUTED),
        align="center",
    )
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False)
    return _layout(figure, height=height)


def with_note(figure: go.Figure, note: str | None) -> go.Figure:
    """The figure with `note` added to the line above its legend (a chart's notes: what a filter does not
    apply to, which states are not statewide, what party means). A message figure is left as it is."""
    if not note or (not figure.data and figure.layout.annotations):
        return figure
    existing = figure.layout.title.text if figure.layout.title and figure.layout.title.text else None
    top = figure.layout.margin.t or 0
    title = "; ".join(part for part in (existing, html.escape(note)) if part)
    # the lines the note adds (a chart laid out without a title line gets room for one; the map keeps its own)
    added = _extra_note_height(title) - _extra_note_height(existing)
    height = (figure.layout.height or 380) + added
    figure.update_layout(
        title=_title(title),
        margin=dict(t=(_TITLE_MARGIN if existing is None and top <= 12 else top) + added),
        height=height,
        legend=_legend_under(title, height),
    )
    return figure


def suppressed_note(min_cell_size: int) -> str:
    return f"fewer than {min_cell_size} voters (suppressed)"


def _segment(filters: Filters, *, party=True, tier=True, age=True, gender=True) -> dict:
    """Cube criteria for the filter bar's segment, dimension by dimension."""
    criteria = {}
    if party:
        criteria["party"] = filters.party
    if tier:
        criteria["engagement_tier"] = filters.engagement_tier
    if age:
        criteria["age_group"] = filters.age_group
    if gender:
        criteria["gender"] = filters.gender
    return criteria


def _by(frame: pd.DataFrame, index: str, columns: str, values: str) -> pd.DataFrame:
    """Pivot picked rollup rows (one row per cell already: nothing is aggregated)."""
    if frame.empty:
        return pd.DataFrame()
    table = frame.pivot(index=index, columns=columns, values=values)
    table.index = table.index.astype(str)
    table.columns = table.columns.astype(str)
    return table


def _share(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    return 100.0 * numerator / denominator.where(denominator > 0)


def _format_count(value, min_cell_size: int) -> str:
    return suppressed_note(min_cell_size) if pd.isna(value) else f"{value:,.0f}"


def _format_pct(value) -> str:
    return "n/a" if pd.isna(value) else f"{value:.1f}%"


def _chosen(filter_value: str, everything) -> list[str]:
    return list(everything) if filter_value == ALL else [filter_value]


# ------------------------------------------------------------------------------------------------------------
# The map
# ------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MapMeasure:
    label: str
    colorscale: str
    value_format: str
    ignores: str | None = None  # the filter this measure cannot follow
    diverging: bool = False


MAP_MEASURES = {
    "voters": MapMeasure("Registered voters", "Blues", ",.0f"),
    "share": MapMeasure("% of the state's registered voters", "Blues", ".1f"),
    "margin": MapMeasure("Registration margin D − R (pts)", "RdBu", "+.1f", ignores="party", diverging=True),
    "current": MapMeasure("% who voted in the last election", "Greens", ".1f", ignores="engagement tier"),
    "missed": MapMeasure("% who missed only the last election", "Oranges", ".1f", ignores="engagement tier"),
    "inactive": MapMeasure("% dormant or never voted", "Purples", ".1f", ignores="engagement tier"),
    # The three tier shares are of the voters whose history is known (not History Unknown), as the KPIs'.
    "tenure": MapMeasure("Average years registered", "Teal", ".1f"),
}


def map_values(
    cube: pd.DataFrame, filters: Filters, measure: str, party_labels: dict[str, str] | None = None
) -> pd.Series:
    """The chosen measure per state for the filtered segment (NaN where suppressed or not applicable: no
    registration margin where party is not the registered party, `party_labels`)."""
    states = pick(cube, **_segment(filters, party=False, tier=False))
    if measure in ("voters", "share", "tenure"):
        segment = pick(states, party=filters.party, engagement_tier=filters.engagement_tier).set_index("state")
        if measure == "voters":
            return segment["voters"]
        if measure == "tenure":
            return segment["avg_tenure_years"]
        return segment["share_of_state_pct"]
    if measure == "margin":
        return registration_margins(cube, filters, party_labels)["margin"]
    rows = pick(states, party=filters.party)
    tiers = _by(rows, "state", "engagement_tier", "voters")
    if tiers.empty:
        return pd.Series(dtype=float)
    # A tier with no row has no voters (0); a suppressed one (NaN) makes the sum unknown, not smaller.
    tiers = tiers.where(_by(rows.assign(present=1.0), "state", "engagement_tier", "present").notna(), 0.0)
    wanted = {"current": ["Current"], "missed": ["Missed Last Election"], "inactive": ["Dormant", "Never Voted"]}
    numerator = sum(tiers.get(tier, 0.0) for tier in wanted[measure])
    # Of the voters whose history is known: a roll loaded without vote history is in none of the tiers.
    unknown = tiers.get("History Unknown", 0.0)
    return _share(numerator, tiers[ALL] - unknown)


def history_unknown_states(cube: pd.DataFrame, filters: Filters) -> set[str]:
    """States where no voter of the filtered segment has a known vote history (a roll loaded without it)."""
    rows = pick(cube, **_segment(filters, tier=False), engagement_tier=[ALL, "History Unknown"])
    table = _by(rows[rows.state != ALL], "state", "engagement_tier", "voters")
    if table.empty or "History Unknown" not in table or ALL not in table:
        return set()
    return set(table.index[(table["History Unknown"] == table[ALL]) & (table[ALL] > 0)])


def registration_margins(
    cube: pd.DataFrame, filters: Filters, party_labels: dict[str, str] | None = None
) -> pd.DataFrame:
    """Per state: the filtered segment's D − R registration margin (pts) and its voters.

    The party filter does not apply. States whose party is not the registered party (`party_labels`: the party of
    primary ballots, or none recorded) have no registration margin. Empty when no state in the file records
    Democrats and Republicans.
    """
    rows = pick(cube, **_segment(filters, party=False), party=["Democrat", "Republican", ALL])
    rows = rows[~rows.state.astype(str).isin(list(party_labels or {}))]
    parties = _by(rows, "state", "party", "voters")
    if parties.empty or "Democrat" not in parties or "Republican" not in parties:
        return pd.DataFrame({"margin": pd.Series(dtype=float), "voters": pd.Series(dtype=float)})
    return pd.DataFrame(
        {"margin": _share(parties["Democrat"] - parties["Republican"], parties[ALL]), "voters": parties[ALL]}
    )


def us_map(
    cube: pd.DataFrame,
    filters: Filters,
    measure: str,
    min_cell_size: int,
    coverage_labels: dict[str, str] | None = None,
    party_labels: dict[str, str] | None = None,
) -> go.Figure:
    """Tile-grid choropleth of the states; clicking a tile drills into that state (customdata = code). A state
    whose roll is not statewide says so in its hover text and carries a mark on its tile; a state whose party is
    not the registered party has no registration margin, and says why."""
    coverage_labels = coverage_labels or {}
    party_labels = party_labels or {}
    spec = MAP_MEASURES.get(measure, MAP_MEASURES["voters"])
    values = map_values(cube, filters, measure if measure in MAP_MEASURES else "voters", party_labels)
    unknown_history = history_unknown_states(cube, filters) if measure in ("current", "missed", "inactive") else set()
    present = {str(state) for state in cube["state"].unique()} - {ALL}
    codes = np.full((TILE_ROWS, TILE_COLUMNS), "", dtype=object)
    z = np.full((TILE_ROWS, TILE_COLUMNS), np.nan)
    base = np.full((TILE_ROWS, TILE_COLUMNS), np.nan)
    hover = np.full((TILE_ROWS, TILE_COLUMNS), "", dtype=object)
    for code, (row, column) in TILE_POSITIONS.items():
        codes[row, column] = code
        base[row, column] = 0
        value = values.get(code, np.nan)
        if code not in present:
            detail = "not in the published file"
        elif pd.isna(value) and measure == "margin":
            detail = f"not available ({party_labels.get(code, 'no party registration')})"
        elif pd.isna(value) and measure in ("current", "missed", "inactive") and code in unknown_history:
            detail = "not available (vote history unknown: the roll came without it)"
        elif pd.isna(value):
            detail = suppressed_note(min_cell_size)
        else:
            z[row, column] = value
            detail = f"{spec.label}: {format(value, spec.value_format)}"
        coverage = f" ({coverage_labels[code]})" if code in coverage_labels and code in present else ""
        hover[row, column] = f"<b>{state_name(code)}</b>{coverage}<br>{detail}"
    finite = z[np.isfinite(z)]
    # A tile whose roll is not statewide is marked: "NC*".
    text = np.vectorize(lambda code: marked(code, coverage_labels) if code in present else code, otypes=[object])(codes)
    scale = dict(colorscale=spec.colorscale, reversescale=False)
    if spec.diverging and finite.size:
        bound = max(abs(finite.min()), abs(finite.max()), 1)
        scale.update(zmin=-bound, zmax=bound)
    figure = go.Figure()
    for layer, showscale in ((base, False), (z, True)):
        figure.add_trace(
            go.Heatmap(
                z=layer,
                customdata=codes,
                text=text,
                hovertext=hover,
                texttemplate="%{text}",
                hovertemplate="%{hovertext}<extra></extra>",
                xgap=4,
                ygap=4,
                showscale=showscale,
                **(scale if showscale else dict(colorscale=[[0, EMPTY_TILE], [1, EMPTY_TILE]], zmin=0, zmax=1)),
                colorbar=dict(title=dict(text=spec.label, side="right"), thickness=12, len=0.8),
                textfont=dict(size=11),
            )
        )
    if filters.state in TILE_POSITIONS:
        row, column = TILE_POSITIONS[filters.state]
        figure.add_shape(
            type="rect", x0=column - 0.5, x1=column + 0.5, y0=row - 0.5, y1=row + 0.5, line=dict(color=INK, width=3)
        )
    figure.update_xaxes(visible=False, range=[-0.6, TILE_COLUMNS - 0.4], fixedrange=True)
    figure.update_yaxes(visible=False, autorange="reversed", scaleanchor="x", fixedrange=True)
    notes = [f"{spec.ignores} filter not applied to this measure"] if spec.ignores else []
    partial = partial_note(coverage_labels, present)
    if partial:
        notes.append(partial)
    return _layout(figure, title="; ".join(notes) or None, height=400, margin=dict(l=8, r=8, t=30, b=8))


def marked(code: str, coverage_labels: dict[str, str]) -> str:
    """A state's code where space is short, marked when its roll is not statewide: "NC*"."""
    return f"{code}*" if code in coverage_labels else code


def partial_note(coverage_labels: dict[str, str], shown) -> str | None:
    """What the mark of `marked` means for the states shown: "* not statewide: NC 1 of 100 counties"."""
    partial = sorted(code for code in coverage_labels if code in {str(state) for state in shown})
    if not partial:
        return None
    return "* not statewide: " + ", ".join(f"{code} {coverage_labels[code]}" for code in partial)


# ------------------------------------------------------------------------------------------------------------
# Composition charts
# ------------------------------------------------------------------------------------------------------------


def party_composition(
    cube: pd.DataFrame,
    counties: pd.DataFrame,
    filters: Filters,
    min_cell_size: int,
    coverage_labels: dict[str, str] | None = None,
) -> go.Figure:
    """Share of each party per state; drilled into a state, per county (top 30 by voters)."""
    coverage_labels = coverage_labels or {}
    parties = _chosen(filters.party, PARTIES)
    if filters.is_drilled:
        rows = pick(counties, state=filters.state, engagement_tier=filters.engagement_tier)
        table = _by(rows, "county", "party", "voters")
        title = f"By county in {state_label(filters.state, coverage_labels)} — top 30 counties by voters"
        if table.empty or ALL not in table:
            return message_figure(f"No county detail published for {state_name(filters.state)}")
        table = table.sort_values(ALL, ascending=False).head(30)
        labels = [html.escape(str(county)) for county in table.index]
    else:
        rows = pick(cube, **_segment(filters, party=False))
        table = _by(rows, "state", "party", "voters")
        title = None
        if table.empty or ALL not in table:
            return message_figure("No voters in this segment")
        table = table[table.index != ALL].sort_values(ALL, ascending=False)
        # Fifty bars side by side: "SD*" (explained in the note), not "SD (47 of 66 counties)".
        labels = [marked(code, coverage_labels) for code in table.index]
        title = partial_note(coverage_labels, table.index)
    figure = go.Figure()
    for party in parties:
        if party not in table:
            continue
        share = _share(table[party], table[ALL])
        counts = [_format_count(value, min_cell_size) for value in table[party]]
        figure.add_trace(
            go.Bar(
                x=labels,
                y=share,
                name=party,
                marker_color=PARTY_COLORS[party],
                customdata=counts,
                hovertemplate=f"%{{x}} · {party}: %{{y:.1f}}%<br>%{{customdata}} voters<extra></extra>",
            )
        )
    figure.update_layout(barmode="stack")
    figure.update_yaxes(title="% of registered voters", ticksuffix="%")
    figure.update_xaxes(tickangle=-45 if filters.is_drilled else 0, tickfont=dict(size=10))
    return _layout(figure, title=title)


def engagement_by_party(cube: pd.DataFrame, filters: Filters, min_cell_size: int) -> go.Figure:
    """Engagement tier mix of each party (100% bars)."""
    rows = pick(cube, state=filters.state, age_group=filters.age_group, gender=filters.gender)
    table = _by(rows, "party", "engagement_tier", "voters")
    if table.empty or ALL not in table:
        return message_figure("No voters in this segment")
    parties = [party for party in _chosen(filters.party, PARTIES) if party in table.index]
    if filters.party == ALL:
        parties.append(ALL)
    table = table.reindex(parties)
    labels = ["All parties" if party == ALL else party for party in parties]
    figure = go.Figure()
    for tier in _chosen(filters.engagement_tier, ENGAGEMENT_TIERS):
        if tier not in table:
            continue
        counts = [_format_count(value, min_cell_size) for value in table[tier]]
        figure.add_trace(
            go.Bar(
                x=labels,
                y=_share(table[tier], table[ALL]),
                name=tier,
                marker_color=TIER_COLORS[tier],
                customdata=counts,
                hovertemplate=f"%{{x}} · {tier}: %{{y:.1f}}%<br>%{{customdata}} voters<extra></extra>",
            )
        )
    figure.update_layout(barmode="stack")
    figure.update_yaxes(title="% of the party's voters", ticksuffix="%")
    return _layout(figure)


# ------------------------------------------------------------------------------------------------------------
# Turnout and registration over time
# ------------------------------------------------------------------------------------------------------------


def _charted_generals(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of the charted general elections (2008–2024), one per series and year.

    Where a year has more than one election date, the latest is kept (the November general).
    """
    frame = frame[frame.election_year.between(FIRST_CYCLE, LAST_CYCLE)]
    series = [column for column in frame.columns if column in ("state", "party", "gender", "age_group")]
    return frame.sort_values("election_date").drop_duplicates([*series, "election_year"], keep="last")


def turnout_by_cycle(trends: pd.DataFrame, turnout: pd.DataFrame, filters: Filters) -> go.Figure:
    """File turnout per general election by party, beside the official VEP turnout (for a statewide roll only:
    all states together means the states whose roll is statewide)."""
    rows = _charted_generals(
        pick(
            trends,
            state=filters.state,
            gender=filters.gender,
            age_group=filters.age_group,
            party=[*_chosen(filters.party, PARTIES), ALL],
        )
    )
    if rows.empty:
        return message_figure("No general elections 2008–2024 in the voter file's history")
    figure = go.Figure()
    for party in [*_chosen(filters.party, PARTIES), ALL]:
        line = rows[rows.party == party].sort_values("election_year")
        if line.empty or line.turnout_pct.isna().all():
            continue
        is_total = party == ALL
        figure.add_trace(
            go.Scatter(
                x=line.election_year,
                y=line.turnout_pct,
                mode="lines+markers",
                name="All parties (file)" if is_total else party,
                line=dict(color=PARTY_COLORS[party], width=3 if is_total else 2),
                hovertemplate=f"{'All parties' if is_total else party} %{{x}}: %{{y:.1f}}%<extra></extra>",
            )
        )
    official = _charted_generals(pick(turnout, state=filters.state)).sort_values("election_year")
    title = None
    if filters.is_drilled and "comparison_note" in official and official.comparison_note.notna().any():
        title = "No official VEP turnout beside it: " + _lower_first(str(official.comparison_note.dropna().iloc[-1]))
    elif not filters.is_drilled and "coverage" in turnout:
        partial = sorted({str(state) for state in turnout.state[turnout.coverage.astype(str) != "full"]} - {ALL})
        if partial:
            title = f"Official line: statewide rolls only (not {', '.join(partial)})"
    if not official.empty and official.official_vep_turnout_pct.notna().any():
        where = state_name(filters.state) if filters.is_drilled else "states with a statewide roll"
        figure.add_trace(
            go.Scatter(
                x=official.election_year,
                y=official.official_vep_turnout_pct,
                mode="lines+markers",
                name=f"Official VEP turnout ({where})",
                line=dict(color=INK, dash="dash", width=2),
                marker=dict(symbol="diamond"),
                hovertemplate="Official VEP %{x}: %{y:.1f}%<extra></extra>",
            )
        )
    figure.update_xaxes(dtick=2, range=[FIRST_CYCLE - 0.5, LAST_CYCLE + 0.5], title="General election")
    figure.update_yaxes(title="Turnout", ticksuffix="%", rangemode="tozero")
    return _layout(figure, title=title)


def _lower_first(text: str) -> str:
    """'Not compared with ...' -> 'not compared with ...' (to follow a colon)."""
    return text[:1].lower() + text[1:]


def partisanship_by_gender(registrations: pd.DataFrame, filters: Filters) -> go.Figure:
    """D − R margin (or the filtered party's share) among voters with a recorded party, by registration year."""
    rows = pick(
        registrations,
        state=filters.state,
        age_group=filters.age_group,
        gender=_chosen(filters.gender, GENDERS),
        party=None,
    )
    rows = rows[rows.registration_year.notna()]
    if rows.empty:
        return message_figure("No registrations in this segment")
    table = rows.pivot(index=["gender", "registration_year"], columns="party", values="voters")
    table.columns = table.columns.astype(str)
    if ALL not in table:
        return message_figure("No registrations in this segment")
    unknown = table["Unknown"].fillna(0) if "Unknown" in table else 0.0
    recorded = table[ALL] - unknown
    if filters.party == ALL:
        if "Democrat" not in table or "Republican" not in table or not (recorded > 0).any():
            return message_figure("No party registration here: partisanship by registration is not available")
        values = _share(table["Democrat"] - table["Republican"], recorded)
        axis_title, hover = "Margin D − R (pts)", "%{y:+.1f} pts"
    elif filters.party == "Unknown":
        values = _share(table["Unknown"] if "Unknown" in table else table[ALL] * 0, table[ALL])
        axis_title, hover = "% with no recorded party", "%{y:.1f}%"
    else:
        if filters.party not in table or not (recorded > 0).any():
            return message_figure(f"No {PARTY_PLURALS[filters.party]} registered in this segment")
        values = _share(table[filters.party], recorded)
        axis_title, hover = f"% {filters.party} (of voters with a party)", "%{y:.1f}%"
    values = values.reset_index(name="value")
    figure = go.Figure()
    for gender in _chosen(filters.gender, GENDERS):
        line = values[(values.gender == gender) & values.value.notna()].sort_values("registration_year")
        if line.empty:
            continue
        figure.add_trace(
            go.Scatter(
                x=line.registration_year,
                y=line.value,
                mode="lines",
                name=gender,
                line=dict(color=GENDER_COLORS[gender], width=2),
                visible=True if filters.gender != ALL or gender in ("Female", "Male") else "legendonly",
                hovertemplate=f"{gender}, registered %{{x}}: {hover}<extra></extra>",
            )
        )
    if filters.party == ALL:
        figure.add_hline(y=0, line=dict(color=MUTED, width=1))
    figure.update_xaxes(title="Year registered")
    figure.update_yaxes(title=axis_title)
    return _layout(figure)


def registrations_by_year(registrations: pd.DataFrame, filters: Filters, min_cell_size: int) -> go.Figure:
    """Voters on the roll by the year they registered, stacked by party."""
    rows = pick(
        registrations,
        state=filters.state,
        gender=filters.gender,
        age_group=filters.age_group,
        party=_chosen(filters.party, PARTIES),
    )
    rows = rows[rows.registration_year.notna()]  # voters without a registration date have no bar
    if rows.empty:
        return message_figure("No registrations in this segment")
    table = _by(rows, "registration_year", "party", "voters")
    # Parquet's nullable integers arrive as floats ("1941.0") once the unknown year is in the column.
    table.index = table.index.astype(float).astype(int)
    table = table.sort_index()
    figure = go.Figure()
    for party in _chosen(filters.party, PARTIES):
        if party not in table or table[party].isna().all():
            continue
        counts = [_format_count(value, min_cell_size) for value in table[party]]
        figure.add_trace(
            go.Bar(
                x=table.index,
                y=table[party],
                name=party,
                marker_color=PARTY_COLORS[party],
                customdata=counts,
                hovertemplate=f"{party}, registered %{{x}}: %{{customdata}}<extra></extra>",
            )
        )
    figure.update_layout(barmode="stack", bargap=0.1)
    figure.update_xaxes(title="Year registered")
    figure.update_yaxes(title="Voters on today's roll")
    return _layout(figure)


# ------------------------------------------------------------------------------------------------------------
# Targeting and comparison with results
# ------------------------------------------------------------------------------------------------------------


def opportunity_heatmap(targeting: pd.DataFrame, filters: Filters, min_cell_size: int) -> go.Figure:
    """Opportunity score by age group x party (voter-weighted over states when no state is chosen)."""
    ages = _chosen(filters.age_group, AGE_GROUPS)
    parties = _chosen(filters.party, PARTIES)
    rows = pick(targeting, state=filters.state, gender=filters.gender, age_group=ages, party=parties)
    if rows.empty:
        return message_figure("No targeting segments in this selection")
    scores = _by(rows, "age_group", "party", "opportunity_score").reindex(index=ages, columns=parties)
    voters = _by(rows, "age_group", "party", "recoverable_voters").reindex(index=ages, columns=parties)
    keep_rows = scores.notna().any(axis=1) | (len(ages) == 1)
    keep_columns = scores.notna().any(axis=0) | (len(parties) == 1)
    scores, voters = scores.loc[keep_rows, keep_columns], voters.loc[keep_rows, keep_columns]
    hover = np.vectorize(lambda count: _format_count(count, min_cell_size), otypes=[object])(voters.to_numpy())
    figure = go.Figure(
        go.Heatmap(
            z=scores.to_numpy(),
            x=list(scores.columns),
            y=list(scores.index),
            colorscale="YlOrRd",
            zmin=0,
            text=np.where(
                np.isnan(scores.to_numpy(dtype=float)), "", np.round(scores.to_numpy(dtype=float)).astype(str)
            ),
            texttemplate="%{text}",
            customdata=hover,
            xgap=2,
            ygap=2,
            colorbar=dict(title=dict(text="Score", side="right"), thickness=12),
            hovertemplate="%{y} · %{x}<br>Opportunity score %{z:.1f}<br>Recoverable voters: %{customdata}"
            "<extra></extra>",
        )
    )
    figure.update_yaxes(title="Age group", autorange="reversed")
    figure.update_xaxes(title="Party", side="bottom")
    return _layout(figure)


def lean_vs_result(
    cube: pd.DataFrame, summary: pd.DataFrame, filters: Filters, party_labels: dict[str, str] | None = None
) -> go.Figure:
    """Registration margin of the filtered segment against the official presidential margin, per state. A state
    whose party is not the registered party (the party of primary ballots, or none) is not drawn: a primary
    electorate is no registration lean. The note names those states."""
    party_labels = party_labels or {}
    margins = registration_margins(cube, filters, party_labels)
    present = {str(state) for state in cube.state.unique()} - {ALL}
    # grouped by what party is there: "party from primary ballots: OH, TX; party not recorded: AL, GA, ..."
    not_registration = _lower_first(party_note(party_labels, present) or "")
    if margins.empty:
        if not_registration:
            return message_figure("No registration lean to compare: " + not_registration)
        return message_figure("No state in the file has party registration")
    official = summary.assign(state=summary.state.astype(str)).set_index("state")
    if "coverage_label" not in official:
        official = official.assign(coverage="full", coverage_label="statewide")
    frame = margins.rename(columns={"margin": "registration", "voters": "total"}).join(
        official[["presidential_margin_pts", "presidential_year", "registration_lean", "coverage", "coverage_label"]],
        how="inner",
    )
    no_party_registration = frame.registration_lean.astype(str).eq("No party registration")
    skipped = int(no_party_registration.sum())
    # A county extract's registration is no match for the state's result: not drawn, and named.
    not_statewide = ~no_party_registration & frame.coverage.astype(str).ne("full")
    not_compared = [f"{code} ({frame.coverage_label[code]})" for code in frame.index[not_statewide]]
    frame = frame[
        ~no_party_registration & ~not_statewide & frame.registration.notna() & frame.presidential_margin_pts.notna()
    ]
    if frame.empty:
        if not_compared:
            return message_figure(
                "Not compared with the statewide presidential result: the roll is not statewide in "
                + ", ".join(not_compared)
            )
        return message_figure("No state with both a registration margin and a presidential result here")
    year = int(frame.presidential_year.dropna().max()) if frame.presidential_year.notna().any() else ""
    selected = frame.index == filters.state
    size = 10 + 30 * np.sqrt(frame.total.fillna(0) / max(frame.total.max(), 1))
    figure = go.Figure()
    bound = float(np.nanmax(np.abs(frame[["registration", "presidential_margin_pts"]].to_numpy()))) + 5
    figure.add_trace(
        go.Scatter(
            x=[-bound, bound],
            y=[-bound, bound],
            mode="lines",
            hoverinfo="skip",
            line=dict(color=MUTED, dash="dot", width=1),
            name="Registration = result",
        )
    )
    figure.add_trace(
        go.Scatter(
            x=frame.registration,
            y=frame.presidential_margin_pts,
            mode="markers+text",
            text=list(frame.index),
            textposition="top center",
            textfont=dict(size=10, color=MUTED),
            name="States",
            customdata=[state_name(code) for code in frame.index],
            marker=dict(
                size=size,
                color=frame.presidential_margin_pts,
                colorscale="RdBu",
                cmid=0,
                showscale=False,
                opacity=np.where(selected | (filters.state == ALL), 0.85, 0.3),
                line=dict(color=np.where(selected, INK, "white"), width=np.where(selected, 3, 1)),
            ),
            hovertemplate="<b>%{customdata}</b><br>Registration D − R: %{x:+.1f} pts<br>"
            f"{year} president D − R: %{{y:+.1f}} pts<extra></extra>",
        )
    )
    figure.update_xaxes(title="Registration margin D − R (pts, voter file)", zeroline=True, range=[-bound, bound])
    figure.update_yaxes(title=f"{year} presidential margin D − R (pts, official)", zeroline=True, range=[-bound, bound])
    if not_registration:
        notes = ["no registration lean, not shown: " + not_registration]
    else:
        notes = [f"{skipped} state(s) without party registration not shown"] if skipped else []
    if not_compared:
        notes.append("not statewide, not compared: " + ", ".join(not_compared))
    return _layout(figure, title="; ".join(notes) or None, showlegend=False)


# ------------------------------------------------------------------------------------------------------------
# Changes and data quality
# ------------------------------------------------------------------------------------------------------------


def voter_changes(changes: pd.DataFrame, filters: Filters, min_cell_size: int) -> go.Figure:
    """Voters added, removed, moved, switched per change day."""
    rows = pick(changes, state=filters.state, from_value=ALL, to_value=ALL)
    if rows.empty:
        return message_figure("No changes yet: the first snapshot has no earlier one to compare with")
    table = _by(rows, "change_date", "change_type", "voters").sort_index()
    figure = go.Figure()
    for change in CHANGE_TYPES:
        if change not in table:
            continue
        counts = [_format_count(value, min_cell_size) for value in table[change]]
        figure.add_trace(
            go.Bar(
                x=pd.to_datetime(table.index),
                y=table[change],
                name=CHANGE_LABELS[change],
                marker_color=CHANGE_COLORS[change],
                customdata=counts,
                hovertemplate=f"{CHANGE_LABELS[change]} on %{{x|%Y-%m-%d}}: %{{customdata}}<extra></extra>",
            )
        )
    figure.update_layout(barmode="group", bargap=0.15)
    figure.update_xaxes(title="Snapshot date", type="date", tickformat="%b %d, %Y")
    figure.update_yaxes(title="Voters")
    return _layout(figure)


def data_quality(quality: pd.DataFrame, max_files: int = 12) -> go.Figure:
    """Rows loaded, and lines quarantined by reason, for the most recent landing files."""
    if quality.empty:
        return message_figure("No file has been ingested up to this date")
    # A file is a (snapshot date, name) pair: the same name can land again on another day.
    quality = quality.assign(
        file=pd.to_datetime(quality.partition_date).dt.strftime("%Y-%m-%d") + " · " + quality.file_name.astype(str)
    )
    files = (
        quality[["partition_date", "file"]]
        .drop_duplicates()
        .sort_values(["partition_date", "file"], ascending=[False, True])
        .head(max_files)
    )
    names = list(files.file)
    rows = quality[quality.file.isin(names)]
    volume = _by(pick(rows, measure_group="volume"), "file", "measure", "rows").reindex(names)
    reasons = _by(pick(rows, measure_group="quarantine_reason"), "file", "measure", "rows").reindex(names)
    labels = [html.escape(name) for name in names]
    figure = make_subplots(
        rows=1,
        cols=2,
        shared_yaxes=True,
        horizontal_spacing=0.04,
        subplot_titles=("Rows loaded", "Lines quarantined, by reason"),
    )
    for measure, color in (("rows_loaded", "#2f855a"), ("rows_superseded", "#a0aec0")):
        if measure in volume:
            label = measure.replace("rows_", "")
            figure.add_trace(
                go.Bar(
                    y=labels,
                    x=volume[measure],
                    orientation="h",
                    name=label.capitalize(),
                    marker_color=color,
                    hovertemplate=f"%{{y}}<br>%{{x:,}} rows {label}<extra></extra>",
                ),
                row=1,
                col=1,
            )
    palette = ["#c53030", "#dd6b20", "#d69e2e", "#805ad5", "#3182ce", "#718096", "#b83280", "#2c7a7b"]
    for index, reason in enumerate(reasons.columns if not reasons.empty else []):
        figure.add_trace(
            go.Bar(
                y=labels,
                x=reasons[reason],
                orientation="h",
                name=html.escape(reason),
                marker_color=palette[index % len(palette)],
                hovertemplate="%{y}<br>%{x:,} lines: " + html.escape(reason) + "<extra></extra>",
            ),
            row=1,
            col=2,
        )
    if reasons.empty or reasons.fillna(0).to_numpy().sum() == 0:
        figure.add_annotation(
            text="No line quarantined",
            x=0.78,
            y=0.5,
            xref="paper",
            yref="paper",
            showarrow=False,
            font=dict(color=MUTED),
        )
    figure.update_layout(barmode="stack")
    figure.update_yaxes(autorange="reversed", tickfont=dict(size=10))
    _layout(figure, height=max(300, 80 + 26 * len(names)))
    figure.update_layout(margin=dict(l=8, r=16, t=48, b=36), legend=dict(yref="paper", y=-0.12, yanchor="top"))
    figure.update_yaxes(automargin=True)
    for annotation in figure.layout.annotations:
        annotation.font = dict(size=12, color=MUTED)
    return figure
