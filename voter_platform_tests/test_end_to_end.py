"""The whole platform on generated files: landing folder -> raw -> marts -> published -> dashboard.

The other test packages check each stage on hand-made inputs; this one runs the real thing once, the
way `voter-platform build` does, on a small generated roll that spans the 2026-11-03 general election
plus the original case-study file, and checks what a user would look at. North Carolina comes from a
one-county NCSBE extract (Wake, county 92: `ncvoter92` / `ncvhis92`), cut from a generated statewide file
the way a user would, so the state is partial everywhere and compared with nothing statewide.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from voter_platform.dashboard.callbacks import CHART_BUILDERS, chart_figure, insight_list, resolve_view
from voter_platform.dashboard.data import PublishedStore
from voter_platform.dashboard.figures import note_text
from voter_platform.definitions import defs
from voter_platform.defs.elections.jobs import all_cycles_tags
from voter_platform.defs.resources import build_resources
from voter_platform.demo import GOODPARTY_SAMPLE
from voter_platform.generate.config import DefectRates, GenerateConfig
from voter_platform.generate.run import generate
from voter_platform.lib.landing import scan_landing
from voter_platform.lib.publish import ALL
from voter_platform.lib.warehouse_file import open_warehouse
from voter_platform.settings import DATA_ENV_VAR, REFERENCE_DIR, DataPaths

QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
ELECTION_DAY, DAY_AFTER = "2026-11-03", "2026-11-04"
# The case-study file has no date in its name: it belongs to the day it landed.
GOODPARTY_LANDED = pd.Timestamp("2026-11-04 15:00", tz="UTC").timestamp()


def write_county_extract(statewide: Path, extract: Path, county: bytes = b'"WAKE"') -> None:
    """The header and the lines of one county of a tab-delimited NCSBE file (county_desc is the 2nd column)."""
    with statewide.open("rb") as lines, extract.open("wb") as out:
        out.write(next(lines))
        out.writelines(line for line in lines if line.split(b"\t")[1] == county)


def run_job(definitions: dg.Definitions, name: str, **kwargs) -> dg.ExecuteInProcessResult:
    return definitions.resolve_job_def(name).execute_in_process(raise_on_error=False, run_config=QUIET, **kwargs)


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory):
    """A private data dir, filled and built as `voter-platform build` would."""
    paths = DataPaths(tmp_path_factory.mktemp("end-to-end")).ensure()
    previous = os.environ.get(DATA_ENV_VAR)
    os.environ[DATA_ENV_VAR] = str(paths.root)  # dbt, a subprocess, finds the warehouse through it
    try:
        generate(
            GenerateConfig(
                voters=6_000,
                start=pd.Timestamp(ELECTION_DAY).date(),
                days=2,
                format="canonical",
                out=paths.landing,
                seed=11,
                defects=DefectRates.parse("light"),
            )
        )
        for statewide_nc in paths.landing.glob("*_NC_*.csv"):
            statewide_nc.unlink()  # North Carolina's roll is a county extract instead
        ncsbe = tmp_path_factory.mktemp("ncsbe")
        generate(
            GenerateConfig(
                voters=3_000, start=pd.Timestamp(ELECTION_DAY).date(), days=2, format="ncsbe", out=ncsbe, seed=11
            )
        )
        for statewide in sorted(ncsbe.glob("nc*_Statewide_*.txt")):
            kind, _, day = statewide.stem.split("_")
            write_county_extract(statewide, paths.landing / f"{kind}92_{day}.txt")
        goodparty = paths.landing / GOODPARTY_SAMPLE.name
        shutil.copyfile(GOODPARTY_SAMPLE, goodparty)
        os.utime(goodparty, (GOODPARTY_LANDED, GOODPARTY_LANDED))

        definitions = dg.Definitions(
            assets=list(defs.assets),
            jobs=list(defs.jobs),
            resources=build_resources(str(paths.root)),
            executor=dg.in_process_executor,
        )
        results = {"elections": run_job(definitions, "elections_job", tags=all_cycles_tags())}
        for partition in sorted({landing_file.partition_key for landing_file in scan_landing(paths.landing)}):
            results[partition] = run_job(definitions, "ingest_job", partition_key=partition)
        yield paths, results
    finally:
        if previous is None:
            os.environ.pop(DATA_ENV_VAR, None)
        else:
            os.environ[DATA_ENV_VAR] = previous


def query(paths: DataPaths, sql: str) -> pd.DataFrame:
    with open_warehouse(paths, read_only=True) as connection:
        return connection.execute(sql).df()


def test_every_run_succeeds_and_every_check_with_error_severity_passes(platform):
    _, results = platform
    assert list(results) == ["elections", ELECTION_DAY, DAY_AFTER]
    for name, result in results.items():
        assert result.success, name
        errors = [
            check.check_name
            for check in result.get_asset_check_evaluations()
            if not check.passed and check.severity == dg.AssetCheckSeverity.ERROR
        ]
        assert errors == [], name


def test_every_landing_line_is_accounted_for(platform):
    paths, _ = platform
    log = query(paths, "select * from raw.ingest_log")
    assert set(log.status) == {"loaded"}
    assert len(log) == len(list(scan_landing(paths.landing)))
    accounted = (
        log.header_lines
        + log.blank_lines
        + log.rows_loaded
        + log.rows_quarantined
        + log.rows_superseded
        - log.glued_lines
        + log.continuation_lines
    )
    assert (accounted == log.lines_read).all()
    assert log.rows_quarantined.sum() > 0  # the light defect profile did put bad lines in


def test_the_marts_count_every_registered_voter_of_the_latest_snapshots(platform):
    paths, _ = platform
    raw = query(
        paths,
        f"""
        select count(*) as voters from raw.voters join raw.snapshots using (source_id, partition_date)
        where accepted and partition_date = (select max(partition_date) from raw.snapshots s
                                             where s.source_id = voters.source_id and s.partition_date <= '{DAY_AFTER}')
          and coalesce(registration_status, '') not in ('REMOVED', 'DENIED')""",
    )
    marts = query(paths, f"select sum(voters) as voters from marts.voter_snapshot where analysis_date = '{DAY_AFTER}'")
    assert int(marts.voters.item()) == int(raw.voters.item())


def test_the_day_after_the_election_the_2026_voters_are_current(platform):
    paths, _ = platform
    tiers = query(
        paths,
        """select analysis_date, engagement_tier, sum(voters) as voters
                            from marts.engagement_segments group by all""",
    ).pivot(index="engagement_tier", columns="analysis_date", values="voters")
    election_day, day_after = tiers.columns
    # On election day the last election is 2024; the next day it is 2026, and who voted in it is known.
    assert tiers.loc["Missed Last Election", day_after] > 3 * tiers.loc["Missed Last Election", election_day]
    assert tiers.loc["Never Voted", day_after] < tiers.loc["Never Voted", election_day]


def test_a_state_without_party_registration_has_no_registration_lean(platform):
    paths, _ = platform
    # Texas registers no party; the case-study file still gives a few Texans a party.
    texas = query(
        paths,
        f"""select registration_lean, registration_margin_pts, presidential_lean, coverage
                             from marts.state_summary where analysis_date = '{DAY_AFTER}' and state = 'TX'""",
    )
    assert texas.registration_lean.item() == "No party registration"
    assert pd.isna(texas.registration_margin_pts.item())
    # 6,000 simulated voters miss some of Texas's 254 counties: compared only if they hold 95% of its voters
    # (test_coverage_of_every_state_follows_from_its_counties checks which).
    assert texas.presidential_lean.item() == ("Strong R" if texas.coverage.item() == "full" else None)


def test_coverage_of_every_state_follows_from_its_counties(platform):
    """An oracle in pandas: the counties present in the loaded voters of each state, against the reference."""
    paths, _ = platform
    voters = query(
        paths,
        f"""
        select state, upper(trim(county)) as county from raw.voters join raw.snapshots using (source_id, partition_date)
        where accepted and county is not null
          and partition_date = (select max(partition_date) from raw.snapshots s
                                where s.source_id = voters.source_id and s.accepted
                                  and s.partition_date <= '{DAY_AFTER}')
        group by all""",
    )
    reference = pd.read_csv(REFERENCE_DIR / "party_registration_county_d4d_2004_2016.csv", dtype={"County": str})
    reference = reference.query("Year == 2016 and Month == 11").assign(
        key=lambda frame: frame.CountyName.str.upper().str.replace(r"[^A-Z0-9]", "", regex=True)
    )
    voters["key"] = voters.county.str.replace(r"[^A-Z0-9]", "", regex=True)
    present = voters.merge(reference, left_on=["state", "key"], right_on=["StateAbbr", "key"])
    share = 100 * present.groupby("state").Total.sum() / reference.groupby("StateAbbr").Total.sum()
    counties = reference.groupby("StateAbbr").size()
    summary = query(paths, f"select * from marts.state_summary where analysis_date = '{DAY_AFTER}'").set_index("state")
    for state, row in summary.iterrows():
        expected = (
            "full"
            if counties.get(state) == 1 or share.get(state, 0) >= 95
            else "partial"
            if share.get(state, 0) > 0
            else "unknown"
        )
        assert row.coverage == expected, (state, share.get(state))
        assert pd.isna(row.presidential_margin_pts) == (row.coverage != "full"), state
    assert summary.loc["NC", "coverage_label"] == "1 of 100 counties"
    # 6,000 simulated voters miss the smallest counties of most states; the large ones are statewide here.
    assert {"CA", "FL", "NY", "DC"} <= set(summary.index[summary.coverage == "full"])


def test_a_one_county_extract_is_partial_everywhere_and_compared_with_nothing_statewide(platform):
    paths, _ = platform
    nc = query(
        paths,
        f"""select coverage, coverage_label, registration_margin_pts, presidential_margin_pts,
                                 latest_official_vep_turnout_pct, comparison_note
                          from marts.state_summary where analysis_date = '{DAY_AFTER}' and state = 'NC'""",
    ).iloc[0]
    assert (nc.coverage, nc.coverage_label) == ("partial", "1 of 100 counties")
    assert pd.notna(nc.registration_margin_pts)  # Wake's own lean is there ...
    assert pd.isna(nc.presidential_margin_pts) and pd.isna(nc.latest_official_vep_turnout_pct)  # ... not beside NC's
    assert nc.comparison_note.startswith(
        "Not compared with statewide figures: the roll covers 1 of 100 counties (10.2%"
    )
    turnout = query(
        paths,
        f"""select count(*) filter (where official_vep_turnout_pct is not null) as compared
                               from marts.turnout_comparison where analysis_date = '{DAY_AFTER}' and state = 'NC'""",
    )
    assert turnout.compared.item() == 0
    coverage = query(paths, f"select * from marts.roll_coverage where analysis_date = '{DAY_AFTER}' and state = 'NC'")
    # Two sources hold NC voters: the Wake extract and the case-study file, which records no county.
    assert coverage[
        ["source_id", "counties_present", "counties_in_state", "source_coverage", "coverage"]
    ].values.tolist() == [
        ["goodparty:goodparty_voters", 0, 100, "unknown", "partial"],
        ["ncsbe:NC", 1, 100, "partial", "partial"],
    ]
    manifest = json.loads((paths.published / "manifest.json").read_text())
    assert manifest["coverage"][DAY_AFTER]["NC"]["label"] == "1 of 100 counties"
    store = PublishedStore(paths.published)
    texts = [insight.text for insight in insight_list(resolve_view(store, DAY_AFTER, "NC", ALL, ALL, ALL, ALL))]
    assert texts[0].startswith("North Carolina's roll leans ") and "1 of 100 counties" in texts[0]
    assert not [text for text in texts if "for president" in text or "official VEP turnout" in text]
    lean = chart_figure(store, "chart-lean", DAY_AFTER, ALL, ALL, ALL, ALL, ALL)
    assert "NC (1 of 100 counties)" in note_text(lean)


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
