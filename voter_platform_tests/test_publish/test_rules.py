"""The publishing rules: rollup levels on the dbt-built fixture warehouse (checked against its marts), suppression
and the manifest on hand-made published rows.

The rollups themselves are dbt models (dbt/models/published/, with their own data and unit tests); here the
published files are compared with the marts they roll up, and suppression - which only Python does - is
checked cell by cell."""

import json
from datetime import UTC, date, datetime

import duckdb
import pandas as pd
import pytest

from voter_platform.lib import publish
from voter_platform.lib.publish import (
    ALL,
    ENGAGEMENT_SEGMENTS,
    PARTISAN_TRENDS,
    STATE_SUMMARY,
    TARGETING_OPPORTUNITIES,
    PublishError,
)
from voter_platform_tests.published_fixtures import FIRST_DATE, FIXTURE_STATES, open_fixture_warehouse

DAY = date(2025, 3, 4)
AT = datetime(2025, 3, 5, 1, 2, 3, tzinfo=UTC)


@pytest.fixture
def connection():
    """An empty warehouse with the published schema, for hand-made published rows."""
    with duckdb.connect() as connection:
        connection.execute(f"create schema {publish.PUBLISHED_SCHEMA}")
        yield connection


def _publish_one(connection, tmp_path, table, min_cell_size=10, day=DAY) -> tuple[pd.DataFrame, object]:
    publication = publish.publish_date(connection, tmp_path, day, min_cell_size, published_at=AT, tables=[table])
    return pd.read_parquet(tmp_path / day.isoformat() / table.file_name), publication


def _segments(connection, rows):
    """Hand-made rows of the published engagement cube (state, party, tier, voters, tenure; other dims 'All')."""
    connection.execute(
        """create table published.engagement_segments (analysis_date date, state varchar, party varchar,
           age_group varchar, gender varchar, engagement_tier varchar, tier_order integer, voters bigint,
           avg_tenure_years double, share_of_state_pct double)"""
    )
    for state, party, tier, voters, tenure in rows:
        connection.execute(
            "insert into published.engagement_segments values (?, ?, ?, 'All', 'All', ?, null, ?, ?, 50.0)",
            [DAY, state, party, tier, voters, tenure],
        )


def _row(frame, **dims):
    mask = pd.Series(True, index=frame.index)
    for column, value in dims.items():
        mask &= frame[column] == value
    assert mask.sum() == 1, f"expected exactly one row for {dims}, found {mask.sum()}"
    return frame[mask].iloc[0]


def test_cube_has_one_row_per_filter_combination_with_all_levels_summing_the_mart(fixture_warehouse, tmp_path):
    with open_fixture_warehouse(fixture_warehouse) as connection:
        cube, _ = _publish_one(connection, tmp_path, ENGAGEMENT_SEGMENTS, min_cell_size=1, day=FIRST_DATE)
        mart = connection.execute("select * from marts.engagement_segments where analysis_date = ?", [FIRST_DATE]).df()
    dims = ["state", "party", "age_group", "gender", "engagement_tier"]
    assert not cube.duplicated(dims).any()
    everyone = _row(cube, state=ALL, party=ALL, age_group=ALL, gender=ALL, engagement_tier=ALL)
    assert everyone.voters == mart.voters.sum() and everyone.share_of_state_pct == 100
    pa_democrats = mart[(mart.state == "PA") & (mart.party == "Democrat")]
    level = _row(cube, state="PA", party="Democrat", age_group=ALL, gender=ALL, engagement_tier=ALL)
    assert level.voters == pa_democrats.voters.sum()
    # Averages roll up weighted by voters, not as a mean of means.
    with_tenure = pa_democrats.dropna(subset=["avg_tenure_years"])
    weighted = (with_tenure.avg_tenure_years * with_tenure.voters).sum() / with_tenure.voters.sum()
    assert level.avg_tenure_years == pytest.approx(weighted, abs=1e-6)
    assert level.avg_tenure_years != pytest.approx(with_tenure.avg_tenure_years.mean(), abs=1e-3)
    # Share of the state's voters, from the state's own 'All' row.
    pa_voters = mart[mart.state == "PA"].voters.sum()
    assert level.share_of_state_pct == pytest.approx(100 * pa_democrats.voters.sum() / pa_voters)
    national_current = _row(cube, state=ALL, party=ALL, age_group=ALL, gender=ALL, engagement_tier="Current")
    assert national_current.voters == mart[mart.engagement_tier == "Current"].voters.sum()
    assert national_current.tier_order == 1 and pd.isna(everyone.tier_order)


def test_small_counts_are_nulled_and_flagged_with_what_derives_from_them_but_zero_is_kept(connection, tmp_path):
    _segments(
        connection,
        [
            ("PA", "Democrat", ALL, 100, 10.0),
            ("PA", "Green", ALL, 4, 30.0),
            ("PA", "Libertarian", ALL, 0, None),
            ("PA", ALL, ALL, 104, 10.8),
        ],
    )
    cube, publication = _publish_one(connection, tmp_path, ENGAGEMENT_SEGMENTS)
    green = _row(cube, state="PA", party="Green", age_group=ALL, gender=ALL, engagement_tier=ALL)
    assert pd.isna(green.voters) and green.suppressed
    assert pd.isna(green.avg_tenure_years) and pd.isna(green.share_of_state_pct)
    libertarian = _row(cube, state="PA", party="Libertarian", age_group=ALL, gender=ALL, engagement_tier=ALL)
    assert libertarian.voters == 0 and not libertarian.suppressed
    democrats = _row(cube, state="PA", party="Democrat", age_group=ALL, gender=ALL, engagement_tier=ALL)
    assert democrats.voters == 100 and not democrats.suppressed
    # A total that includes the small cell is kept whole (dbt rolled it up before suppression).
    everyone = _row(cube, state="PA", party=ALL, age_group=ALL, gender=ALL, engagement_tier=ALL)
    assert everyone.voters == 104 and not everyone.suppressed
    small_rows = cube[cube.party == "Green"]
    assert small_rows.voters.isna().all()
    assert publication.suppressed_cells == len(small_rows)


def test_a_total_is_suppressed_with_a_small_part_so_the_part_cannot_be_recovered(connection, tmp_path):
    connection.execute(
        """create table published.partisan_trends (analysis_date date, election_date date, election_year integer,
           state varchar, party varchar, gender varchar, age_group varchar, registered_voters bigint,
           voted bigint, did_not_vote bigint, history_unknown bigint, turnout_pct double,
           known_history_pct double)"""
    )
    connection.execute(
        "insert into published.partisan_trends values (?, date '2024-11-05', 2024, 'PA', 'Democrat', 'Female', "
        "'30-49', 85, 50, 30, 5, 62.5, 94.1)",
        [DAY],
    )
    trends, _ = _publish_one(connection, tmp_path, PARTISAN_TRENDS)
    row = _row(trends, state="PA", party="Democrat", gender="Female", age_group="30-49")
    assert pd.isna(row.history_unknown) and pd.isna(row.registered_voters)
    assert pd.isna(row.known_history_pct)
    assert row.voted == 50 and row.did_not_vote == 30
    assert row.turnout_pct == pytest.approx(62.5)
    assert row.suppressed


def test_percentages_without_a_published_numerator_are_suppressed_by_the_count_they_imply(connection, tmp_path):
    columns = ", ".join(
        f"{name} {kind}"
        for name, kind in [
            ("analysis_date", "date"),
            ("state", "varchar"),
            ("state_name", "varchar"),
            ("voters", "bigint"),
            *[(c, "bigint") for c in STATE_SUMMARY.counts if c != "voters"],
            *[(c, "double") for c in (*STATE_SUMMARY.derived, *STATE_SUMMARY.implied)],
            ("coverage", "varchar"),
            ("counties_recognised", "integer"),
            ("counties_in_state", "integer"),
            ("coverage_registered_share_pct", "double"),
            ("coverage_label", "varchar"),
            ("comparison_note", "varchar"),
        ]
    )
    connection.execute(f"create table published.state_summary ({columns})")
    connection.execute(
        "insert into published.state_summary (analysis_date, state, state_name, voters, democrat_voters, "
        "republican_voters, democrat_pct, republican_pct, registration_margin_pts, pct_age_18_29, pct_dormant) "
        "values (?, 'WY', 'Wyoming', 200, 150, 6, 75.0, 3.0, 72.0, 2.0, 40.0)",
        [DAY],
    )
    summary, _ = _publish_one(connection, tmp_path, STATE_SUMMARY)
    row = summary.iloc[0]
    assert row.voters == 200 and row.democrat_voters == 150 and row.democrat_pct == 75.0
    assert pd.isna(row.republican_voters) and pd.isna(row.republican_pct) and pd.isna(row.registration_margin_pts)
    assert pd.isna(row.pct_age_18_29)  # 2% of 200 = 4 voters
    assert row.pct_dormant == 40.0  # 80 voters
    assert row.suppressed


def test_targeting_keeps_the_marts_segments_and_adds_weighted_rollups(fixture_warehouse, tmp_path):
    with open_fixture_warehouse(fixture_warehouse) as connection:
        targeting, _ = _publish_one(connection, tmp_path, TARGETING_OPPORTUNITIES, min_cell_size=1, day=FIRST_DATE)
    segments = targeting[targeting.is_segment]
    assert segments.score_rank.notna().all() and segments.priority_tier.notna().all()
    rollups = targeting[~targeting.is_segment]
    assert rollups.score_rank.isna().all() and len(rollups) > 0
    # A state's all-ages all-parties level: counts summed, score weighted by voters over its segments.
    pa = segments[(segments.state == "PA") & (segments.gender == ALL)]
    level = _row(targeting, state="PA", age_group=ALL, party=ALL, gender=ALL)
    assert level.voters == pa.voters.sum()
    assert level.recoverable_voters == pa.recoverable_voters.sum()
    assert level.opportunity_score == pytest.approx((pa.opportunity_score * pa.voters).sum() / pa.voters.sum())
    assert level.missed_last_pct == pytest.approx(100 * pa.missed_last_voters.sum() / pa.voters.sum())


def test_min_cell_size_comes_from_the_environment_and_bad_values_name_the_setting():
    assert publish.min_cell_size_from_env({}) == 10
    assert publish.min_cell_size_from_env({"VOTER_PLATFORM_MIN_CELL_SIZE": "25"}) == 25
    with pytest.raises(PublishError, match="VOTER_PLATFORM_MIN_CELL_SIZE='ten'"):
        publish.min_cell_size_from_env({"VOTER_PLATFORM_MIN_CELL_SIZE": "ten"})
    with pytest.raises(PublishError, match="at least 1"):
        publish.min_cell_size_from_env({"VOTER_PLATFORM_MIN_CELL_SIZE": "0"})


def test_a_missing_published_table_fails_with_its_name(connection, tmp_path):
    with pytest.raises(PublishError, match=r"published\.engagement_segments.*build the dbt models first"):
        publish.publish_date(connection, tmp_path, DAY, 10, tables=[ENGAGEMENT_SEGMENTS])


def test_manifest_lists_dates_in_order_and_survives_a_corrupt_copy(connection, tmp_path):
    _segments(connection, [("PA", "Democrat", "Current", 100, 10.0)])
    first = publish.publish_date(connection, tmp_path, DAY, 10, published_at=AT, tables=[ENGAGEMENT_SEGMENTS])
    earlier = publish.publish_date(
        connection, tmp_path, date(2025, 3, 1), 10, published_at=AT, tables=[ENGAGEMENT_SEGMENTS]
    )
    publish.update_manifest(tmp_path, [first])
    manifest = publish.update_manifest(tmp_path, [earlier])
    assert manifest == {
        "latest": "2025-03-04",
        "dates": ["2025-03-01", "2025-03-04"],
        "published_at": {"2025-03-01": "2025-03-05T01:02:03+00:00", "2025-03-04": "2025-03-05T01:02:03+00:00"},
        "coverage": {},
    }
    assert json.loads((tmp_path / "manifest.json").read_text()) == manifest
    record = json.loads((tmp_path / "2025-03-04" / "_publish.json").read_text())
    assert record["rows"]["engagement_segments"] > 0 and record["min_cell_size"] == 10
    (tmp_path / "manifest.json").write_text("{ not json")
    rebuilt = publish.update_manifest(tmp_path, [])
    assert rebuilt["dates"] == ["2025-03-01", "2025-03-04"]
    assert not list(tmp_path.rglob("*.tmp"))


def test_a_state_whose_roll_is_not_statewide_is_listed_in_the_manifest_and_compared_with_nothing(
    fixture_warehouse, tmp_path
):
    with open_fixture_warehouse(fixture_warehouse) as connection:
        publication = publish.publish_date(connection, tmp_path, FIRST_DATE, 10, published_at=AT)
        [(statewide_2024, nc_2024)] = connection.execute(
            "select sum(registered_voters) filter (where coverage = 'full'),"
            " sum(registered_voters) filter (where state = 'NC')"
            " from marts.turnout_comparison where analysis_date = ? and election_year = 2024",
            [FIRST_DATE],
        ).fetchall()
    manifest = publish.update_manifest(tmp_path, [publication])
    # North Carolina's roll in the fixture is its largest county alone; every other state is statewide.
    [(state, coverage)] = manifest["coverage"][FIRST_DATE.isoformat()].items()
    assert state == "NC"
    assert (coverage["coverage"], coverage["label"], coverage["counties_present"], coverage["counties_in_state"]) == (
        "partial",
        "1 of 100 counties",
        1,
        100,
    )
    assert coverage["note"].startswith("Not compared with statewide figures: the roll covers 1 of 100 counties")
    record = json.loads((tmp_path / FIRST_DATE.isoformat() / "_publish.json").read_text())
    assert record["coverage"] == manifest["coverage"][FIRST_DATE.isoformat()]
    # The published comparisons: none for NC; the all-states turnout row sums only the statewide rolls.
    summary = pd.read_parquet(tmp_path / FIRST_DATE.isoformat() / "state_summary.parquet").set_index("state")
    assert summary.loc["NC", ["presidential_margin_pts", "latest_official_vep_turnout_pct"]].isna().all()
    assert summary.loc["PA", ["presidential_margin_pts", "latest_official_vep_turnout_pct"]].notna().all()
    turnout = pd.read_parquet(tmp_path / FIRST_DATE.isoformat() / "turnout_comparison.parquet")
    latest = turnout[turnout.election_year == 2024].set_index("state")
    statewide = latest.drop(index=[ALL, "NC"])
    assert latest.loc[ALL, "states"] == len(statewide) == len(FIXTURE_STATES) - 1
    assert latest.loc[ALL, "registered_voters"] == statewide_2024 and nc_2024 > 0
    assert pd.isna(latest.loc["NC", "official_vep_turnout_pct"]) and latest.loc["NC", "coverage"] == "partial"
    # A rebuilt manifest (from the date records) keeps the coverage.
    (tmp_path / "manifest.json").write_text("{ not json")
    assert publish.update_manifest(tmp_path, [])["coverage"] == manifest["coverage"]


def test_every_column_suppression_protects_is_in_the_contract_of_its_dbt_model():
    # A column renamed in dbt but not here would silently escape suppression.
    import yaml

    from voter_platform.settings import DBT_PROJECT_DIR

    contracts = {
        model["name"]: {column["name"] for column in model["columns"]}
        for model in yaml.safe_load((DBT_PROJECT_DIR / "models" / "published" / "_published.yml").read_text())["models"]
    }
    assert set(contracts) == {table.dbt_model for table in publish.PUBLISHED_TABLES}
    for table in publish.PUBLISHED_TABLES:
        protected = {*table.counts, *table.complements, *table.derived, *table.implied}
        protected |= {part for parts in (*table.complements.values(), *table.derived.values()) for part in parts}
        protected |= set(table.implied.values())
        assert protected <= contracts[table.dbt_model], table.name
