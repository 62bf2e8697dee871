"""The one private dagster-dbt hook the platform replaces (defs/marts/resources.py) still exists and agrees
with dbt."""

import subprocess

from dagster_dbt import DbtCliResource

from voter_platform.defs.marts.resources import InstalledDbtCliResource, build_dbt_resource


def test_the_replaced_hook_still_exists_in_dagster_dbt():
    # If dagster-dbt renames it, the override silently stops saving the `dbt --version` subprocess.
    assert "_cli_version" in vars(DbtCliResource)
    assert "_cli_version" in vars(InstalledDbtCliResource)


def test_the_installed_version_is_the_one_dbt_reports():
    resource = build_dbt_resource()
    reported = subprocess.run([resource.dbt_executable, "--version"], capture_output=True, text=True, check=True)
    assert f"installed: {resource._cli_version}" in reported.stdout
