"""The county reference dbt measures coverage against is exactly what data/reference/SOURCES.md says
it is: the November 2016 rows of the Data4Democracy county table."""

import pandas as pd

from voter_platform.settings import REFERENCE_DIR, REPO_ROOT

SEED = REPO_ROOT / "dbt" / "seeds" / "reference_counties_2016.csv"


def test_the_county_seed_is_the_2016_rows_of_the_vendored_county_table():
    source = pd.read_csv(REFERENCE_DIR / "party_registration_county_d4d_2004_2016.csv", dtype=str)
    derived = (
        source[(source.Year == "2016") & (source.Month == "11")][["StateAbbr", "County", "CountyName", "Total"]]
        .set_axis(["state", "county_fips", "county_name", "registered_voters"], axis=1)
        .sort_values(["state", "county_fips"])
        .reset_index(drop=True)
    )
    seed = pd.read_csv(SEED, dtype=str)
    pd.testing.assert_frame_equal(seed, derived)
    assert len(seed) == 3_141 and seed.state.nunique() == 51
    assert (seed.state == "NC").sum() == 100
