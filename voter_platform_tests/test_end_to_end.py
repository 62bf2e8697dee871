"""The whole platform on generated files: landing folder -> raw -> marts -> published -> dashboard.

The other test packages check each stage on hand-made inputs; this one runs the real thing once, the
way `voter-platform build` does, on a small generated roll that spans the 2026-11-03 general election
plus the original case-study file, and checks what a user would look at.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest

from voter_platform.dashboard.callbacks import CHART_BUILDERS, chart_figure
from voter_platform.dashboard.data import PublishedStore
from voter_platform.definitions import defs
from voter_platform.defs.automation.schedules import all_cycles_tags
from voter_platform.defs.resources import build_resources
from voter_platform.demo import GOODPARTY_SAMPLE
from voter_platform.generate.config import DefectRates, GenerateConfig
from voter_platform.generate.run import generate
from voter_platform.lib.landing import scan_landing
from voter_platform.lib.publish import ALL
from voter_platform.settings import DATA_ENV_VAR, DataPaths

QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
ELECTION_DAY, DAY_AFTER = "2026-11-03", "2026-11-04"
# The case-study file has no date in its name: it belongs to the day it landed.
GOODPARTY_LANDED = pd.Timestamp("2026-11-04 15:00", tz="UTC").timestamp()


def run_job(definitions: dg.Definitions, name: str, **kwargs) -> dg.ExecuteInProcessResult:
    return definitions.resolve_job_def(name).execute_in_process(raise_on_error=False, run_config=QUIET, **kwargs)


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory):
    """A private data dir, filled and built as `voter-platform build` would."""
    paths = DataPaths(tmp_path_factory.mktemp("end-to-end")).ensure()
    previous = os.environ.get(DATA_ENV_VAR)
    os.environ[DATA_ENV_VAR] = str(paths.root)  # dbt, a subprocess, finds the warehouse through it
    try:
        generate(GenerateConfig(voters=6_000, start=pd.Timestamp(ELECTION_DAY).date(), days=2, format="canonical",
                                out=paths.landing, seed=11, defects=DefectRates.parse("light")))
        goodparty = paths.landing / GOODPARTY_SAMPLE.name
        shutil.copyfile(GOODPARTY_SAMPLE, goodparty)
        os.utime(goodparty, (GOODPARTY_LANDED, GOODPARTY_LANDED))

        definitions = dg.Definitions(assets=list(defs.assets), jobs=list(defs.jobs), resources=build_resources(paths),
                                     executor=dg.in_process_executor)
        results = {"elections": run_job(definitions, "election_reference_job", tags=all_cycles_tags())}
        for partition in sorted({landing_file.partition_key for landing_file in scan_landing(paths.landing)}):
            results[partition] = run_job(definitions, "ingest_job", partition_key=partition)
        yield paths, results
    finally:
        if previous is None:
            os.environ.pop(DATA_ENV_VAR, None)
        else:
            os.environ[DATA_ENV_VAR] = previous


def query(paths: DataPaths, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(paths.warehouse), read_only=True) as connection:
        return connection.execute(sql).df()


def test_every_run_succeeds_and_every_check_with_error_severity_passes(platform):
    _, results = platform
    assert list(results) == ["elections", ELECTION_DAY, DAY_AFTER]
    for name, result in results.items():
        assert result.success, name
        errors = [check.check_name for check in result.get_asset_check_evaluations()
                  if not check.passed and check.severity == dg.AssetCheckSeverity.ERROR]
        assert errors == [], name


def test_every_landing_line_is_accounted_for(platform):
    paths, _ = platform
    log = query(paths, "select * from raw.ingest_log")
    assert set(log.status) == {"loaded"}
    assert len(log) == len([f for f in scan_landing(paths.landing)])
    accounted = (log.header_lines + log.blank_lines + log.rows_loaded + log.rows_quarantined
                 + log.rows_superseded - log.glued_lines)
    assert (accounted == log.lines_read).all()
    assert log.rows_quarantined.sum() > 0  # the light defect profile did put bad lines in


def test_the_marts_count_every_registered_voter_of_the_latest_snapshots(platform):
    paths, _ = platform
    raw = query(paths, f"""
        select count(*) as voters from raw.voters join raw.snapshots using (source_id, partition_date)
        where accepted and partition_date = (select max(partition_date) from raw.snapshots s
                                             where s.source_id = voters.source_id and s.partition_date <= '{DAY_AFTER}')
          and coalesce(registration_status, '') not in ('REMOVED', 'DENIED')""")
    marts = query(paths, f"select sum(voters) as voters from marts.voter_snapshot where analysis_date = '{DAY_AFTER}'")
    assert int(marts.voters.item()) == int(raw.voters.item())


def test_the_day_after_the_election_the_2026_voters_are_current(platform):
    paths, _ = platform
    tiers = query(paths, """select analysis_date, engagement_tier, sum(voters) as voters
                            from marts.engagement_segments group by all""").pivot(
        index="engagement_tier", columns="analysis_date", values="voters")
    election_day, day_after = tiers.columns
    # On election day the last election is 2024; the next day it is 2026, and who voted in it is known.
    assert tiers.loc["Missed Last Election", day_after] > 3 * tiers.loc["Missed Last Election", election_day]
    assert tiers.loc["Never Voted", day_after] < tiers.loc["Never Voted", election_day]


def test_a_state_without_party_registration_has_no_registration_lean(platform):
    paths, _ = platform
    # Texas registers no party; the case-study file still gives a few Texans a party.
    texas = query(paths, f"""select registration_lean, registration_margin_pts, presidential_lean
                             from marts.state_summary where analysis_date = '{DAY_AFTER}' and state = 'TX'""")
    assert texas.registration_lean.item() == "No party registration"
    assert pd.isna(texas.registration_margin_pts.item())
    assert texas.presidential_lean.item() == "Strong R"


def test_published_files_hold_no_voter_names_or_emails(platform):
    paths, _ = platform
    emails = set(query(paths, "select distinct email from raw.voters where email is not null").email)
    names = set(query(paths, "select distinct first_name || ' ' || last_name as name from raw.voters").name.dropna())
    published = list(paths.published.rglob("*.parquet"))
    assert len(published) >= 2 * 9
    for file in published:
        table = pd.read_parquet(file)
        text_columns = table.select_dtypes(include="object")
        values = set(text_columns.astype(str).to_numpy().ravel())
        assert not values & emails, file
        assert not values & names, file
        assert not {"first_name", "last_name", "email", "birth_date", "street_address"} & set(table.columns), file


@pytest.mark.parametrize(
    "filters",
    [
        ("latest", ALL, ALL, ALL, ALL, ALL),
        (DAY_AFTER, "NC", "Democrat", ALL, ALL, ALL),
        (ELECTION_DAY, "TX", ALL, "Missed Last Election", "30-49", "Female"),
    ],
)
def test_every_chart_draws_from_the_real_published_marts(platform, filters):
    paths, _ = platform
    store = PublishedStore(paths.published)
    for chart_id in CHART_BUILDERS:
        figure = chart_figure(store, chart_id, *filters)
        messages = " ".join(annotation.text or "" for annotation in figure.layout.annotations)
        assert "could not be drawn" not in messages, (chart_id, filters)
