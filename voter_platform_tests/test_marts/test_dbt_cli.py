"""dbt run by hand (`dbt test`, `dbt compile`) on the test warehouse: the unit tests pass and catch a
changed rule; voter keys cannot be computed without the salt, nor date-dependent models without the
analysis window. (That they pass, and every data test, is asserted on the Dagster runs.)"""

import pytest
from dagster_dbt import DbtCliResource

from voter_platform.defs.marts.project import dbt_project
from voter_platform.lib.warehouse_file import open_warehouse
from voter_platform.settings import SALT_ENV_VAR
from voter_platform_tests.test_marts.conftest import MartsRun, MartsWarehouse


def _dbt(*args: str):
    return DbtCliResource(project_dir=dbt_project).cli(list(args), raise_on_error=False)


def _unit_test_statuses(invocation) -> dict[str, str]:
    invocation.wait()
    results = invocation.get_artifact("run_results.json")["results"]
    return {result["unique_id"].rsplit(".", 1)[-1]: result["status"] for result in results}


def test_the_business_rules_pass_their_unit_tests(range_run: MartsRun):
    """dbt's unit tests, run the way dbt means them: in CI (`make test`), not in every production build."""
    statuses = _unit_test_statuses(_dbt("test", "--select", "test_type:unit"))
    assert len(statuses) >= 13
    assert set(statuses.values()) == {"pass"}, statuses


def test_a_changed_tier_boundary_fails_the_tier_unit_test(range_run: MartsRun):
    # With Occasional ending at 2 missed elections, the voter who missed 3 is no longer Occasional.
    invocation = _dbt("test", "--select", "test_type:unit", "--vars", '{"tier_occasional_max_missed": 2}')
    statuses = _unit_test_statuses(invocation)
    assert statuses.pop("engagement_tier_boundaries") == "fail"
    # The other business rules do not depend on that boundary.
    assert statuses == {
        "opportunity_score_and_priority": "pass",
        "lean_thresholds_and_vote_counting": "pass",
        "unknown_history_rule": "pass",
        "party_switch_and_move_between_two_snapshots": "pass",
        "changes_between_two_snapshots": "pass",
        "a_quarantined_record_is_unknown_not_absent": "pass",
        "changes_skip_a_snapshot_in_which_the_voter_was_quarantined": "pass",
        "coverage_of_county_extracts_and_statewide_rolls": "pass",
        "a_statewide_source_makes_the_state_full_and_extracts_add_up": "pass",
        "party_basis_boundaries": "pass",
        "party_under_the_state_basis": "pass",
        "birth_year_only_at_least_18_on_election_day": "pass",
        "targeting_shares_are_of_the_voters_of_known_history_at_every_level": "pass",
    }
    assert not invocation.is_successful()


def test_voter_keys_need_the_salt(range_run: MartsRun, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv(SALT_ENV_VAR)
    invocation = _dbt("compile", "--select", "stg_voters")
    invocation.wait()
    assert not invocation.is_successful()
    assert "VOTER_PLATFORM_KEY_SALT is not set" in str(invocation.get_error())


def test_date_dependent_models_need_the_analysis_window(range_run: MartsRun, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("VOTER_PLATFORM_LAST_ANALYSIS_DATE", "2026-11-04")
    invocation = _dbt("compile", "--select", "int_analysis_dates")
    invocation.wait()
    assert not invocation.is_successful()
    assert "VOTER_PLATFORM_FIRST_ANALYSIS_DATE is not set" in str(invocation.get_error())

    monkeypatch.setenv("VOTER_PLATFORM_FIRST_ANALYSIS_DATE", "2026-11-05")
    invocation = _dbt("compile", "--select", "int_analysis_dates")
    invocation.wait()
    assert "is after VOTER_PLATFORM_LAST_ANALYSIS_DATE 2026-11-04" in str(invocation.get_error())


def test_valid_values_reports_each_broken_rule(
    marts_warehouse: MartsWarehouse, range_run: MartsRun, monkeypatch: pytest.MonkeyPatch
):
    """One state_summary row, on a date no run built, breaking one rule of each kind."""
    bad_row = """
        insert into marts.state_summary (analysis_date, state, state_name, voters, democrat_voters, republican_voters,
            independent_voters, other_party_voters, unknown_party_voters, registration_margin_pts, registration_lean,
            presidential_year, presidential_lean, democrat_pct, coverage, party_basis, party_basis_label,
            history_known_voters, recoverable_voters, engagement_opportunity_score)
        values (date '2030-01-01', 'N1', 'Nowhere', 10, 5, 5, 0, 0, 1, 150.0, 'Lean X', 2031, null, -1.0, 'full',
                'registration', 'registered party', 10, 0, 1.0)
    """
    with open_warehouse(marts_warehouse.paths) as connection:
        connection.execute(bad_row)
    try:
        monkeypatch.setenv("VOTER_PLATFORM_FIRST_ANALYSIS_DATE", "2030-01-01")
        monkeypatch.setenv("VOTER_PLATFORM_LAST_ANALYSIS_DATE", "2030-01-01")
        invocation = _dbt("test", "--select", "state_summary_valid_values")
        invocation.wait()
        [result] = invocation.get_artifact("run_results.json")["results"]
        failures = marts_warehouse.query(result["compiled_code"])
    finally:
        with open_warehouse(marts_warehouse.paths) as connection:
            connection.execute("delete from marts.state_summary where analysis_date = date '2030-01-01'")
    assert result["status"] == "fail"
    assert dict(
        zip(failures["rule"], zip(failures["failing_rows"], failures["example_value"], strict=True), strict=True)
    ) == {
        "registration_lean is a registration_lean label": (1, "Lean X"),  # a vocabulary
        "registration_margin_pts within [-100, 100]": (1, "150.0"),  # a range
        "presidential_year <= extract(year from analysis_date)": (1, "2031"),  # a bound from the row
        "democrat_pct within [0, 100]": (1, "-1.0"),  # a percentage
        "state matches [A-Z]{2}": (1, "N1"),  # a pattern
        "party counts add up to the voters": (1, None),  # an expression
        # registration_margin_pts without a 'No party registration' lean is fine; presidential_lean may be null
    }
