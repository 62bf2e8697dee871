"""What the callbacks return for a choice of filters, checked against the published tables themselves."""

import io
import logging

import pandas as pd
import pytest

from voter_platform.dashboard import callbacks, figures
from voter_platform.dashboard.callbacks import chart_figure, clicked_state, resolve_view, targeting_rows
from voter_platform.dashboard.data import Filters, pick
from voter_platform.dashboard.figures import note_text
from voter_platform.lib.publish import ALL, PARTIES
from voter_platform_tests.published_fixtures import FIRST_DATE, FIXTURE_STATES, SECOND_DATE

EVERYONE = ("latest", ALL, ALL, ALL, ALL, ALL)


def _trace(figure, name):
    [trace] = [trace for trace in figure.data if trace.name == name]
    return trace


def test_party_filter_narrows_the_party_composition_to_that_party(store):
    everyone = chart_figure(store, "chart-party", *EVERYONE)
    democrats = chart_figure(store, "chart-party", "latest", ALL, "Democrat", ALL, ALL, ALL)
    assert {trace.name for trace in everyone.data} == {
        "Democrat",
        "Republican",
        "Libertarian",
        "Green",
        "Independent",
        "Other",
        "Unknown",
    }
    assert [trace.name for trace in democrats.data] == ["Democrat"]
    # The share is the Democrat row over the state's 'All' row of the same segment, as published.
    cube = store.table(SECOND_DATE.isoformat(), "engagement_segments")
    segment = dict(age_group=ALL, gender=ALL, engagement_tier=ALL)
    pa_democrats = pick(cube, state="PA", party="Democrat", **segment).voters.item()
    pa_everyone = pick(cube, state="PA", party=ALL, **segment).voters.item()
    pa = list(_trace(democrats, "Democrat").x).index("PA")
    assert _trace(democrats, "Democrat").y[pa] == pytest.approx(100 * pa_democrats / pa_everyone)


def test_age_and_gender_filters_change_the_numbers_not_just_the_labels(store):
    everyone = chart_figure(store, "chart-engagement", *EVERYONE)
    young_women = chart_figure(store, "chart-engagement", "latest", ALL, ALL, ALL, "18-29", "Female")
    assert list(_trace(everyone, "Current").y) != list(_trace(young_women, "Current").y)
    cube = store.table(SECOND_DATE.isoformat(), "engagement_segments")
    current = pick(cube, state=ALL, party=ALL, age_group="18-29", gender="Female", engagement_tier="Current")
    total = pick(cube, state=ALL, party=ALL, age_group="18-29", gender="Female", engagement_tier=ALL)
    all_parties = list(_trace(young_women, "Current").x).index("All parties")
    assert _trace(young_women, "Current").y[all_parties] == pytest.approx(
        100 * current.voters.item() / total.voters.item()
    )


def test_state_filter_moves_turnout_and_the_official_line_to_that_state(store):
    national = chart_figure(store, "chart-turnout", *EVERYONE)
    pennsylvania = chart_figure(store, "chart-turnout", "latest", "PA", ALL, ALL, ALL, ALL)
    official = _trace(pennsylvania, "Official VEP turnout (Pennsylvania)")
    turnout = store.table(SECOND_DATE.isoformat(), "turnout_comparison")
    expected = pick(turnout, state="PA").sort_values("election_year")
    assert list(official.x) == list(expected.election_year)
    assert list(official.y) == pytest.approx(list(expected.official_vep_turnout_pct))
    assert list(_trace(national, "All parties (file)").y) != list(_trace(pennsylvania, "All parties (file)").y)


def test_engagement_tier_filter_applies_where_it_can_and_the_map_says_when_it_cannot(store):
    dormant = chart_figure(store, "chart-map", "latest", ALL, ALL, "Dormant", ALL, ALL, measure="voters")
    everyone = chart_figure(store, "chart-map", *EVERYONE, measure="voters")
    assert list(dormant.data[1].z.ravel()) != list(everyone.data[1].z.ravel())
    missed = chart_figure(store, "chart-map", "latest", ALL, ALL, "Dormant", ALL, ALL, measure="missed")
    assert "engagement tier filter not applied" in note_text(missed)


def test_map_values_are_the_cube_rows_and_suppressed_states_say_so(store):
    view = resolve_view(store, "latest", ALL, "Green", ALL, ALL, ALL)
    cube = view.table("engagement_segments")
    values = figures.map_values(cube, view.filters, "voters")
    rows = pick(cube, party="Green", age_group=ALL, gender=ALL, engagement_tier=ALL)
    rows = rows[rows.state != ALL]
    assert values.dropna().to_dict() == rows.dropna(subset=["voters"]).set_index("state").voters.to_dict()
    figure = figures.us_map(cube, view.filters, "voters", view.min_cell_size)
    hover = " ".join(str(text) for text in figure.data[0].hovertext.ravel())
    assert "Wyoming</b><br>fewer than 10 voters (suppressed)" in hover
    assert "Texas</b><br>not in the published file" in hover


def test_a_map_click_becomes_the_state_filter_and_nothing_else_does():
    assert clicked_state({"points": [{"customdata": "PA", "x": 8, "y": 3}]}) == "PA"
    assert clicked_state({"points": [{"customdata": ""}]}) is None
    assert clicked_state({"points": [{"customdata": "<img src=x onerror=alert(1)>"}]}) is None
    assert clicked_state(None) is None


def test_drilling_into_a_state_shows_its_counties(store):
    figure = chart_figure(store, "chart-party", "latest", "PA", ALL, ALL, ALL, ALL)
    counties = pick(store.table(SECOND_DATE.isoformat(), "voter_snapshot"), state="PA", party=ALL, engagement_tier=ALL)
    assert set(_trace(figure, "Democrat").x) <= set(counties.county.astype(str))
    assert "By county in Pennsylvania" in note_text(figure)


def test_unknown_filter_values_mean_all_and_unknown_dates_mean_latest(store):
    view = resolve_view(store, "../../etc/passwd", "<script>", "Whig", "Sometimes", "12-17", "Robot")
    assert view.analysis_date == SECOND_DATE.isoformat()
    assert view.filters == Filters()
    assert resolve_view(store, FIRST_DATE.isoformat()).analysis_date == FIRST_DATE.isoformat()


def test_the_analysis_date_filter_switches_the_data(store):
    latest = callbacks.kpis(resolve_view(store, *EVERYONE))
    first = callbacks.kpis(resolve_view(store, FIRST_DATE.isoformat(), ALL, ALL, ALL, ALL, ALL))
    assert latest[0][1] != first[0][1]  # the roll grew between the two snapshots
    changes = chart_figure(store, "chart-changes", FIRST_DATE.isoformat(), ALL, ALL, ALL, ALL, ALL)
    assert "No changes yet" in changes.layout.annotations[0].text


def test_targeting_table_follows_the_filters(store):
    everyone = targeting_rows(resolve_view(store, *EVERYONE))
    assert set(everyone.gender) == {ALL} and set(everyone.state) == set(FIXTURE_STATES)
    assert list(everyone.score_rank) == sorted(everyone.score_rank)
    women_in_pa = targeting_rows(resolve_view(store, "latest", "PA", ALL, ALL, ALL, "Female"))
    assert set(women_in_pa.state) == {"PA"} and set(women_in_pa.gender) == {"Female"}
    published = store.table(SECOND_DATE.isoformat(), "targeting_opportunities")
    expected = published[published.is_segment & (published.state == "PA") & (published.gender == "Female")]
    assert len(women_in_pa) == len(expected)


def test_csv_export_is_exactly_the_filtered_table(store, app):
    view = resolve_view(store, "latest", ALL, "Democrat", ALL, ALL, ALL)
    exported = pd.read_csv(io.StringIO(callbacks.targeting_csv(view)), float_precision="round_trip")
    shown = targeting_rows(view)
    assert len(exported) == len(shown) > 0
    pd.testing.assert_frame_equal(exported, shown, check_dtype=False)
    assert set(exported.party) == {"Democrat"}


def test_insights_quote_the_published_numbers(store):
    view = resolve_view(store, "latest", ALL, "Democrat", ALL, ALL, ALL)
    found = callbacks.insight_list(view)
    texts = [insight.text for insight in found]
    # The fixture's North Carolina roll is one county: said first, and never compared with a statewide result.
    assert texts[0] == (
        "Not compared with statewide results (presidential vote, VEP turnout), because the roll is "
        "not statewide: North Carolina (1 of 100 counties)."
    )
    first_missed = next(text for text in texts if "missed only the last election" in text)
    cube = view.table("engagement_segments")
    missed = pick(cube, party="Democrat", age_group=ALL, gender=ALL, engagement_tier="Missed Last Election")
    missed = missed[missed.state != ALL].sort_values("voters", ascending=False).iloc[0]
    assert first_missed.startswith(f"{figures.state_name(missed.state)} has {missed.voters:,.0f} Democrats")
    assert all("Republican" not in text.split("voted")[0] for text in texts if "missed only" in text)
    assert any("official VEP turnout" in text for text in texts)
    bold = [part for insight in found for part, emphasised in insight.parts if emphasised]
    assert f"{missed.voters:,.0f}" in bold


@pytest.mark.parametrize("chart_id", list(callbacks.CHART_BUILDERS))
@pytest.mark.parametrize(
    "filters",
    [
        EVERYONE,
        ("latest", "WY", "Green", "Dormant", "18-29", "Other"),
        (FIRST_DATE.isoformat(), "GA", "Democrat", ALL, "65+", "Male"),
    ],
)
def test_every_chart_draws_or_explains_for_any_filter_combination(store, chart_id, filters, caplog):
    with caplog.at_level(logging.ERROR, logger=callbacks.logger.name):
        figure = chart_figure(store, chart_id, *filters, measure="margin")
    # A chart that raised is shown as a message too ("could not be drawn", see the server log) so that the page
    # stays up; here that is a failure, not an explanation.
    failures = [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR]
    assert not failures, f"{chart_id} raised: {failures} {caplog.text}"
    assert figures.has_values(figure) or figure.layout.annotations, f"{chart_id} is blank without a word"
    figure.to_plotly_json()


@pytest.mark.parametrize("chart_id", list(callbacks.CHART_BUILDERS))
def test_every_chart_draws_the_published_numbers_for_everyone(store, chart_id):
    """With no filter every chart has data to draw: a message (no data, suppressed, an error) would be a bug."""
    figure = chart_figure(store, chart_id, *EVERYONE, measure="voters")
    assert figures.has_values(figure), (chart_id, [note.text for note in figure.layout.annotations])


def test_party_plurals_cover_every_party():
    assert set(PARTIES) <= set(figures.PARTY_PLURALS)


def test_a_file_name_landing_again_on_another_day_is_its_own_bar(store):
    quality = store.table(SECOND_DATE.isoformat(), "data_quality")
    quality = quality[quality.file_name.astype(str).str.startswith("voters_PA_")].copy()
    quality["file_name"] = "goodparty_voters.csv"  # the same name on every snapshot day
    figure = figures.data_quality(quality)
    [loaded] = [trace for trace in figure.data if trace.name == "Loaded"]
    assert len(loaded.y) == len(set(loaded.y)) == quality.partition_date.nunique()
    assert all(label.endswith("· goodparty_voters.csv") for label in loaded.y)
