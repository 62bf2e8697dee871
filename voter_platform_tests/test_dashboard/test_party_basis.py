"""What the dashboard says about a state whose party is not a registration.

The fixture's Ohio registers no party: its voters are counted by the party of their latest primary ballot (party
basis 'primary_ballot'); Georgia registers none and its file records none ('none'). Wherever their party numbers
are shown the page says so, and neither is ever drawn as a registration lean.
"""

from voter_platform.dashboard import callbacks, figures
from voter_platform.dashboard.callbacks import chart_figure, kpis, resolve_view, targeting_rows
from voter_platform.dashboard.figures import note_text
from voter_platform.dashboard.layout import state_options
from voter_platform.lib.publish import ALL

EVERYONE = ("latest", ALL, ALL, ALL, ALL, ALL)
OHIO = ("latest", "OH", ALL, ALL, ALL, ALL)


def test_ohio_is_labelled_party_from_primary_ballots_in_the_filter_and_the_drill_bar(store):
    view = resolve_view(store, *EVERYONE)
    assert view.party_labels == {"OH": "party from primary ballots", "GA": "party not recorded"}
    options = {
        option["value"]: option["label"] for option in state_options(store.states(view.analysis_date), view.labels)
    }
    assert options["OH"] == "Ohio (OH, party from primary ballots)"
    assert options["GA"] == "Georgia (GA, party not recorded)"
    assert options["NC"] == "North Carolina (NC, 1 of 100 counties)" and options["PA"] == "Pennsylvania (PA)"
    assert resolve_view(store, *OHIO).state_label("OH") == "Ohio (party from primary ballots)"


def test_every_chart_with_a_party_says_what_party_means_where_it_is_not_registered(store):
    for chart in ("chart-party", "chart-engagement", "chart-turnout", "chart-opportunity", "chart-registrations"):
        figure = chart_figure(store, chart, *EVERYONE)
        assert "Party from primary ballots: OH" in note_text(figure), chart
        assert "party not recorded: GA" in note_text(figure), chart
        drilled = chart_figure(store, chart, *OHIO)
        assert "Party from primary ballots: OH" in note_text(drilled), chart
        assert "GA" not in note_text(drilled), chart
    pennsylvania = chart_figure(store, "chart-engagement", "latest", "PA", ALL, ALL, ALL, ALL)
    assert not note_text(pennsylvania)  # registered parties: nothing to say


def test_no_registration_lean_is_drawn_from_primary_ballots(store):
    view = resolve_view(store, *EVERYONE)
    figure = figures.us_map(
        view.table("engagement_segments"),
        view.filters,
        "margin",
        view.min_cell_size,
        view.coverage_labels,
        view.party_labels,
    )
    hover = " ".join(str(text) for text in figure.data[0].hovertext.ravel())
    assert "<b>Ohio</b><br>not available (party from primary ballots)" in hover
    assert "<b>Georgia</b><br>not available (party not recorded)" in hover
    assert "<b>Pennsylvania</b><br>Registration margin D − R (pts):" in hover
    lean = chart_figure(store, "chart-lean", *EVERYONE)
    assert "OH" not in list(lean.data[1].text) and "PA" in list(lean.data[1].text)
    assert "no registration lean, not shown: party from primary ballots: OH; party not recorded: GA" in (
        note_text(lean)
    )


def test_the_targeting_table_and_its_download_carry_the_party_basis(store):
    rows = targeting_rows(resolve_view(store, *EVERYONE))
    assert set(rows[rows.state == "OH"].party_basis) == {"party from primary ballots"}
    assert set(rows[rows.state == "PA"].party_basis) == {"registered party"}
    assert set(rows[rows.state == "NC"].coverage) == {"1 of 100 counties"}
    exported = callbacks.targeting_csv(resolve_view(store, *OHIO))
    assert "party from primary ballots" in exported.splitlines()[1]


def test_sentences_and_headline_numbers_about_ohio_say_whose_party_it_is(store):
    view = resolve_view(store, "latest", "OH", "Republican", ALL, ALL, ALL)
    texts = [insight.text for insight in callbacks.insight_list(view)]
    assert any(text.startswith("Ohio (party from primary ballots) has ") and "Republicans" in text for text in texts)
    [registered] = [note for label, _, note in kpis(view) if label == "Registered voters"]
    assert registered == "in Ohio (party from primary ballots)"


def test_a_long_party_note_wraps_above_the_chart_instead_of_running_off_the_card(store):
    """Fifteen states without party registration: the note is shown whole, on as many lines as it needs, and
    the chart grows by those lines instead of squeezing its plot."""
    states = ["AL", "AR", "GA", "HI", "IL", "IN", "MI", "MN", "MO", "MS", "MT", "ND", "SC", "TX", "VT"]
    note = "Party not recorded: " + ", ".join(states) + "; party from primary ballots: OH"
    plain = chart_figure(store, "chart-party", *EVERYONE)
    noted = figures.with_note(chart_figure(store, "chart-party", *EVERYONE), note)
    lines = noted.layout.title.text.split("<br>")
    assert len(lines) >= 2 and all(len(line) <= figures.NOTE_LINE_CHARACTERS for line in lines)
    assert note in note_text(noted)
    grown = figures.NOTE_LINE_HEIGHT * (len(lines) - len(plain.layout.title.text.split("<br>")))
    assert noted.layout.height == plain.layout.height + grown
    assert noted.layout.margin.t == plain.layout.margin.t + grown
