"""dbt run by hand (`dbt test`, `dbt compile`) on the test warehouse: the unit tests catch a changed
rule; voter keys cannot be computed without the salt, nor date-dependent models without the
analysis window. (That they pass, and every data test, is asserted on the Dagster runs.)"""

import pytest
from dagster_dbt import DbtCliResource

from voter_platform.defs.transform.project import dbt_project
from voter_platform.settings import SALT_ENV_VAR
from voter_platform_tests.test_marts.conftest import MartsRun


def _dbt(*args: str):
    return DbtCliResource(project_dir=dbt_project).cli(list(args), raise_on_error=False)


def _unit_test_statuses(invocation) -> dict[str, str]:
    invocation.wait()
    results = invocation.get_artifact("run_results.json")["results"]
    return {result["unique_id"].rsplit(".", 1)[-1]: result["status"] for result in results}


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
