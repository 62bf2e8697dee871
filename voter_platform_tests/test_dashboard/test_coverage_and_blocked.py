"""What the dashboard says about a roll that is not statewide, and about a date that was blocked.

The fixture's North Carolina roll is one county (1 of 100): wherever a North Carolina number is shown it says
so, and nothing sets it beside a statewide result. A blocked date is recorded by the raw asset in the published
folder; the page names it, with its file, quarantine rate, reasons and what to do, instead of waiting for it.
"""

import json
from datetime import date

from voter_platform.bench.dashboard import default_values
from voter_platform.dashboard import callbacks, figures
from voter_platform.dashboard.callbacks import chart_figure, resolve_view, targeting_rows
from voter_platform.dashboard.figures import note_text
from voter_platform.dashboard.layout import manifest_data, state_options
from voter_platform.lib.blocked import record_blocked_date
from voter_platform.lib.publish import ALL
from voter_platform_tests.dashboard_users import admin_client, dashboard_app

NC = ("latest", "NC", ALL, ALL, ALL, ALL)
EVERYONE = ("latest", ALL, ALL, ALL, ALL, ALL)
BLOCKED_DAY = date(2025, 1, 10)
BLOCKED_ENTRY = {
    "threshold_pct": 5.0,
    "recorded_at": "2025-01-10T08:00:00+00:00",
    "snapshots": [
        {
            "source_id": "ncsbe:NC",
            "quarantine_rate_pct": 9.41,
            "reason": "9.41% of the records of ncvoter92_2025-01-10.txt were quarantined (threshold 5%)",
            "files": [
                {
                    "file": "ncvoter92_2025-01-10.txt",
                    "records": 31_207,
                    "quarantined": 2_937,
                    "quarantine_rate_pct": 9.41,
                    "top_reasons": [["missing_state", 2_901], ["wrong_field_count", 36]],
                    "other_reasons": 0,
                }
            ],
        }
    ],
}


def test_the_partial_state_is_labelled_on_the_map_the_filter_and_the_drill_down(store):
    view = resolve_view(store, *EVERYONE)
    assert view.coverage_labels == {"NC": "1 of 100 counties"}
    figure = figures.us_map(
        view.table("engagement_segments"), view.filters, "voters", view.min_cell_size, view.coverage_labels
    )
    hover = " ".join(str(text) for text in figure.data[0].hovertext.ravel())
    assert "<b>North Carolina</b> (1 of 100 counties)<br>Registered voters:" in hover
    assert "<b>Pennsylvania</b><br>" in hover
    assert "NC*" in list(figure.data[1].text.ravel()) and "PA" in list(figure.data[1].text.ravel())
    assert "not statewide: NC 1 of 100 counties" in note_text(figure)
    states = store.states(view.analysis_date)
    options = {option["value"]: option["label"] for option in state_options(states, view.coverage_labels)}
    assert options["NC"] == "North Carolina (NC, 1 of 100 counties)" and options["PA"] == "Pennsylvania (PA)"
    party = chart_figure(store, "chart-party", *EVERYONE)
    assert "NC*" in list(party.data[0].x) and "PA" in list(party.data[0].x)
    assert "* not statewide: NC 1 of 100 counties" in note_text(party)


def test_no_statewide_comparison_is_drawn_for_the_partial_state(store):
    lean = chart_figure(store, "chart-lean", *EVERYONE)
    assert "NC" not in list(lean.data[1].text)  # the statewide rolls only
    assert "not statewide, not compared: NC (1 of 100 counties)" in note_text(lean)
    drilled_lean = chart_figure(store, "chart-lean", *NC)
    assert [trace.text for trace in drilled_lean.data[1:]] == [tuple(lean.data[1].text)]  # NC stays out
    turnout = chart_figure(store, "chart-turnout", *NC)
    assert not [trace for trace in turnout.data if trace.name.startswith("Official VEP turnout")]
    assert note_text(turnout).startswith(
        "No official VEP turnout beside it: not compared with statewide figures: the roll covers 1 of 100 counties"
    )
    national = chart_figure(store, "chart-turnout", *EVERYONE)
    assert [trace.name for trace in national.data if trace.name.startswith("Official")] == [
        "Official VEP turnout (states with a statewide roll)"
    ]
    texts = [insight.text for insight in callbacks.insight_list(resolve_view(store, *NC))]
    assert texts[0].startswith("North Carolina's roll leans ")
    assert ". Not compared with statewide figures: the roll covers 1 of 100 counties (" in texts[0]
    assert not [text for text in texts if "voted" in text and "for president" in text]
    assert not [text for text in texts if "official VEP turnout" in text]


def test_the_drill_text_kpis_and_table_name_the_coverage(store):
    view = resolve_view(store, *NC)
    kpis = {label: note for label, _, note in callbacks.kpis(view)}
    assert kpis["Registered voters"] == "in North Carolina (1 of 100 counties)"
    rows = targeting_rows(view)
    assert len(rows) > 0 and set(rows.coverage) == {"1 of 100 counties"}
    assert set(targeting_rows(resolve_view(store, "latest", "PA", ALL, ALL, ALL, ALL)).coverage) == {"statewide"}


def test_a_blocked_date_is_named_with_its_file_rate_reasons_and_what_to_do(published_dir):
    record_blocked_date(published_dir, BLOCKED_DAY, BLOCKED_ENTRY)
    app = dashboard_app(published_dir)
    client = admin_client(app)
    values = default_values(manifest_data(app.store))
    _, response = client.callback("..status.children...status.style...content.style...f-date.options..", values)
    text = json.dumps(response["status"]["children"])
    assert response["status"]["style"] == {"display": "block"} and response["content"]["style"] == {"display": "block"}
    assert "2025-01-10 is blocked: its marts were not built and nothing was published for it." in text
    assert "ncvoter92_2025-01-10.txt: 2,937 of 31,207 records quarantined (9.41%), above the 5% threshold." in text
    assert "Top reasons: missing_state 2,901, wrong_field_count 36." in text
    assert "What to do: raw.quarantine lists every quarantined line" in text
    # Fixed and dropped again: the date is accepted, the notice goes.
    record_blocked_date(published_dir, BLOCKED_DAY, None)
    _, response = client.callback(
        "..status.children...status.style...content.style...f-date.options..", default_values(manifest_data(app.store))
    )
    assert response["status"]["style"] == {"display": "none"}


def test_when_every_date_was_blocked_the_page_says_so_instead_of_waiting(tmp_path):
    published = tmp_path / "published"
    record_blocked_date(published, BLOCKED_DAY, BLOCKED_ENTRY)
    app = dashboard_app(published)
    client = admin_client(app)
    _, response = client.callback(
        "..status.children...status.style...content.style...f-date.options..", default_values(manifest_data(app.store))
    )
    text = json.dumps(response["status"]["children"])
    assert "every date loaded so far was blocked" in text
    assert "2025-01-10 is blocked" in text and "missing_state 2,901" in text
    assert response["content"]["style"] == {"display": "none"}
