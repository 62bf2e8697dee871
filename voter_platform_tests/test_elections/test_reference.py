"""The vendored election data reads correctly and lands in the warehouse by cycle."""

import dagster as dg
import pytest

from voter_platform.definitions import defs
from voter_platform.defs.elections.jobs import all_cycles_tags
from voter_platform.lib import reference
from voter_platform.lib.warehouse_file import open_warehouse
from voter_platform.settings import data_paths


def state_totals(results, year):
    """One total per state: MEDSL repeats `totalvotes` on every candidate row."""
    return results[results["year"] == year].groupby("state")["total_votes"].max()


def test_2020_presidential_total_counts_each_state_once():
    totals = state_totals(reference.president_results(), 2020)
    assert len(totals) == 51
    assert totals.sum() == 158_528_503


def test_north_carolina_2024_presidential_result():
    results = reference.president_results()
    nc = results[(results["year"] == 2024) & (results["state"] == "NC")].set_index("candidate")["candidate_votes"]
    assert nc["TRUMP, DONALD J."] == 2_898_423
    assert nc["HARRIS, KAMALA D."] == 2_715_375


def test_every_row_belongs_to_an_election_cycle():
    for reader in reference.REFERENCE_READERS:
        cycles = set(reader()["cycle"])
        assert cycles <= set(reference.ELECTION_CYCLES), reader.__name__


def test_calendar_has_every_federal_general_2008_to_2030():
    calendar = reference.election_calendar()
    assert calendar["year"].tolist() == list(range(2008, 2031, 2))
    assert str(calendar.loc[calendar["year"] == 2026, "election_date"].iloc[0].date()) == "2026-11-03"


@pytest.fixture(scope="module")
def loaded_warehouse():
    with dg.DagsterInstance.ephemeral() as instance:
        result = defs.resolve_job_def("elections_job").execute_in_process(instance=instance, tags=all_cycles_tags())
    assert result.success
    return data_paths()


def test_reference_job_loads_every_cycle_into_its_table(loaded_warehouse):
    with open_warehouse(loaded_warehouse, read_only=True) as connection:
        tables = {
            row[0]
            for row in connection.execute(
                "select table_name from information_schema.tables where table_schema = 'elections'"
            ).fetchall()
        }
        assert tables == {reader.__name__ for reader in reference.REFERENCE_READERS}
        assert connection.execute("select count(distinct cycle) from elections.president_results").fetchone()[0] == 13
        assert connection.execute("select count(*) from elections.election_calendar").fetchone()[0] == 12


def test_reloading_a_cycle_replaces_it(loaded_warehouse):
    def count_2024():
        with open_warehouse(loaded_warehouse, read_only=True) as connection:
            return connection.execute(
                "select count(*) from elections.president_results where cycle = '2024'"
            ).fetchone()[0]

    before = count_2024()
    with dg.DagsterInstance.ephemeral() as instance:
        assert defs.resolve_job_def("elections_job").execute_in_process(instance=instance, partition_key="2024").success
    assert count_2024() == before == 535
