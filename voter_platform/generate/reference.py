"""The real public figures the simulator is calibrated on (data/reference/, see SOURCES.md there).

Everything here is small and read once per run with the standard csv module:

- registered voters per state and per county, by party (Data4Democracy, November 2016);
- party identification by age and by gender (Pew Research Center, registered voters / adults);
- the age mix of registered voters (Census CPS Voting and Registration Supplement, derived below);
- VEP turnout per state and general election (US Elections Project), the federal election calendar,
  and the real NCSBE `election_desc` labels;
- the NC county codes, parsed from the official layout file (column names and order: the layout registry).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from itertools import pairwise
from pathlib import Path
from statistics import NormalDist

import numpy as np

from voter_platform.settings import LAYOUTS_DIR, REFERENCE_DIR

# Party registration categories of the Data4Democracy table, in our fixed index order.
PARTY_CODES = ("D", "R", "L", "G", "O", "N")
PARTY_NAMES = ("Democrat", "Republican", "Libertarian", "Green", "Other", "Independent")
NO_PARTY = len(PARTY_CODES)  # index used for "no party recorded" (states without party registration)

# Age bands the population model works in. Edges chosen so that both the Census bands (18-24,
# 25-34, ...) and the Pew bands (18-24, 25-29, 30-39, ...) are unions of model bands.
AGE_BAND_EDGES = (18, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75, 80, 105)
MAX_AGE = AGE_BAND_EDGES[-1] - 1
# Inside the open-ended 75+ band the Census gives one number; spread it with a density that falls by
# e^-1 every 8 years of age (an approximation of the shape of US life tables, not a published figure).
OLD_AGE_DECAY_YEARS = 8.0


@dataclass(frozen=True)
class County:
    state: str
    name: str  # as in the Data4Democracy table, e.g. "New Hanover"
    fips: str
    party_counts: np.ndarray  # registered voters by PARTY_CODES (zeros where the state has none)

    @property
    def total(self) -> float:
        return float(self.party_counts.sum())


@dataclass(frozen=True)
class State:
    code: str
    name: str
    has_party_registration: bool
    registered: int
    counties: tuple[County, ...]


@cache
def states() -> dict[str, State]:
    """Every state and DC with its counties, in USPS-code order."""
    state_rows = {row["StateAbbr"]: row for row in _read("party_registration_state_2016_11_d4d.csv")}
    counties: dict[str, list[County]] = {code: [] for code in state_rows}
    for row in _read("party_registration_county_d4d_2004_2016.csv"):
        if row["Year"] != "2016" or row["Month"] != "11":
            continue
        counts = np.array([float(row[code] or 0) for code in PARTY_CODES])
        counties[row["StateAbbr"]].append(County(row["StateAbbr"], row["CountyName"], row["County"], counts))
    result = {}
    for code in sorted(state_rows):
        row = state_rows[code]
        result[code] = State(
            code=code,
            name=row["StateName"],
            has_party_registration=row["has_party_registration"] == "True",
            registered=int(row["Total"]),
            counties=tuple(sorted(counties[code], key=lambda county: county.fips)),
        )
    return result


def single_year_age_weights() -> np.ndarray:
    """Relative weight of each single year of age 18..MAX_AGE among registered voters."""
    ages = np.arange(AGE_BAND_EDGES[0], MAX_AGE + 1)
    weights = np.zeros(len(ages))
    for band, share in registrant_age_shares_by_census_band().items():
        low, high = band
        in_band = (ages >= low) & (ages <= (high if high is not None else MAX_AGE))
        shape = np.ones(in_band.sum())
        if high is None:
            shape = np.exp(-(ages[in_band] - low) / OLD_AGE_DECAY_YEARS)
        weights[in_band] = share * shape / shape.sum()
    return weights / weights.sum()


def age_band_shares() -> np.ndarray:
    """Share of registered voters in each model age band (sums to 1)."""
    weights = single_year_age_weights()
    ages = np.arange(AGE_BAND_EDGES[0], MAX_AGE + 1)
    return np.array([weights[(ages >= low) & (ages < high)].sum() for low, high in pairwise(AGE_BAND_EDGES)])


@cache
def registrant_age_shares_by_census_band() -> dict[tuple[int, int | None], float]:
    """Share of registered voters per Census age band today (derived, see SOURCES.md).

    The CPS 2008 table gives registered and citizens per band, hence a registration rate by age. The
    2022 release only gives two shares of the citizen voting-age population (18-29 and 65+). We
    rescale the 2008 citizen age structure so that those two groups (and, by difference, 30-64) take
    their 2022 shares, apply the 2008 registration rates, and normalise. 25-34 is split evenly at 30.
    """
    rows = _read("census_cps_registration_by_age.csv")
    citizens: dict[tuple[int, int | None], float] = {}
    registered: dict[tuple[int, int | None], float] = {}
    cvap_2022: dict[str, float] = {}
    for row in rows:
        band = (int(row["age_min"]), int(row["age_max"]) if row["age_max"] else None)
        if row["age_group"] == "Total":
            continue
        if row["measure"] == "citizen_population":
            citizens[band] = float(row["value"])
        elif row["measure"] == "registered":
            registered[band] = float(row["value"])
        elif row["measure"] == "cvap_share":
            cvap_2022[row["age_group"]] = float(row["value"]) / 100
    # Split 25-34 at 30 so that 18-29 is a union of bands.
    split_citizens, split_rate = {}, {}
    for band, count in citizens.items():
        rate = registered[band] / count
        if band == (25, 34):
            for half in ((25, 29), (30, 34)):
                split_citizens[half], split_rate[half] = count / 2, rate
        else:
            split_citizens[band], split_rate[band] = count, rate

    def group(band):
        low = band[0]
        return "18 to 29" if low < 30 else ("65+" if low >= 65 else "30 to 64")

    total = sum(split_citizens.values())
    share_2008 = dict.fromkeys(("18 to 29", "30 to 64", "65+"), 0.0)
    for band, count in split_citizens.items():
        share_2008[group(band)] += count / total
    share_2022 = dict(cvap_2022)
    share_2022["30 to 64"] = 1 - share_2022["18 to 29"] - share_2022["65+"]
    registered_now = {
        band: count / total * share_2022[group(band)] / share_2008[group(band)] * split_rate[band]
        for band, count in split_citizens.items()
    }
    norm = sum(registered_now.values())
    return {band: value / norm for band, value in sorted(registered_now.items())}


@cache
def turnout_shift_by_age_band() -> tuple[tuple[int, float], ...]:
    """(lowest age, shift of the latent turnout score) per Census age band, youngest first (probit scale).

    From the same CPS 2008 table: the probit of each band's voting rate among citizens minus the
    probit of the overall rate, so young voters sit lower and 65-74 highest, as the Census reports.
    """
    citizens, voted = {}, {}
    for row in _read("census_cps_registration_by_age.csv"):
        if row["year"] != "2008":
            continue
        band = "total" if row["age_group"] == "Total" else int(row["age_min"])
        if row["measure"] == "citizen_population":
            citizens[band] = float(row["value"])
        elif row["measure"] == "voted":
            voted[band] = float(row["value"])
    probit = NormalDist().inv_cdf
    overall = probit(voted["total"] / citizens["total"])
    return tuple(
        (low, probit(voted[low] / citizens[low]) - overall)
        for low in sorted(band for band in citizens if band != "total")
    )


@dataclass(frozen=True)
class PartyTilt:
    """Multipliers on the odds of registering D or R, by model age band and by gender (F, M, X, U)."""

    by_age_band: np.ndarray  # shape (n_age_bands, n_parties)
    by_gender: np.ndarray  # shape (4, n_parties)


@cache
def party_tilt() -> PartyTilt:
    """Pew party identification (with leaners) relative to all registered voters.

    Age: the published 2023 rows for registered voters, ratio of each band's D (R) share to the
    total's. Gender: the NPORS 2025 adults rows marked `derived` in the file (a symmetric split of the
    published 12-point gap); the file says they are not published figures, and so do we. Only D and
    R are tilted: Pew has no age or gender figures for minor parties or unaffiliated registrants.
    """
    rows = _read("pew_party_identification_reference.csv")
    total = next(row for row in rows if row["group_dimension"] == "total" and row["year"] == "2023")
    total_d, total_r = float(total["dem_or_lean_dem_pct"]), float(total["rep_or_lean_rep_pct"])
    pew_age = {}
    for row in rows:
        if row["group_dimension"] == "age" and row["value_type"] == "published":
            low = int(re.match(r"(\d+)", row["group"])[1])
            pew_age[low] = (float(row["dem_or_lean_dem_pct"]) / total_d, float(row["rep_or_lean_rep_pct"]) / total_r)
    pew_lows = sorted(pew_age)
    by_age = np.ones((len(AGE_BAND_EDGES) - 1, len(PARTY_CODES)))
    for band, low in enumerate(AGE_BAND_EDGES[:-1]):
        pew_low = max(candidate for candidate in pew_lows if candidate <= low)
        by_age[band, 0], by_age[band, 1] = pew_age[pew_low]
    gender_rows = {
        row["group"]: row for row in rows if row["group_dimension"] == "gender" and row["value_type"] == "derived"
    }
    adults = next(row for row in rows if row["group_dimension"] == "total" and row["population"] == "U.S. adults")
    adult_d, adult_r = float(adults["dem_or_lean_dem_pct"]), float(adults["rep_or_lean_rep_pct"])
    by_gender = np.ones((4, len(PARTY_CODES)))
    for index, label in ((0, "Women (approx)"), (1, "Men (approx)")):
        row = gender_rows[label]
        by_gender[index, 0] = float(row["dem_or_lean_dem_pct"]) / adult_d
        by_gender[index, 1] = float(row["rep_or_lean_rep_pct"]) / adult_r
    return PartyTilt(by_age_band=by_age, by_gender=by_gender)


@dataclass(frozen=True)
class Election:
    day: date
    year: int
    presidential: bool


@cache
def general_elections() -> tuple[Election, ...]:
    """Federal general elections from the statutory calendar (2008-2030)."""
    return tuple(
        Election(date.fromisoformat(row["election_date"]), int(row["year"]), row["president_on_ballot"] == "TRUE")
        for row in _read("federal_general_election_dates_2008_2030.csv")
    )


@cache
def vep_turnout_pct() -> dict[tuple[str, int], float]:
    """(state, year) -> VEP turnout in percent: highest-office rate where published, else total ballots."""
    result = {}
    for row in _read("turnout_vep_by_state_2008_2024.csv"):
        if row["state_abv"] == "US":
            continue
        value = row["vep_turnout_highest_office_pct"] or row["vep_turnout_total_ballots_pct"]
        result[(row["state_abv"], int(row["year"]))] = float(value)
    return result


def turnout_target_pct(state: str, year: int) -> float:
    """Turnout the simulator reproduces for a state and general election year.

    Held elections use the real figure. An election without one (2026 onwards) uses the latest real
    election of the same kind: midterms the 2022 rate, presidential years the 2024 rate.
    """
    table = vep_turnout_pct()
    if (state, year) in table:
        return table[(state, year)]
    known = sorted(
        known_year for known_state, known_year in table if known_state == state and known_year % 4 == year % 4
    )
    return table[(state, known[-1])]


@cache
def nc_election_labels() -> dict[date, str]:
    """The real NCSBE label of each general election held on a federal general election date.

    The vendored labels cover 2016-2025; earlier and future ones follow the same `MM/DD/YYYY GENERAL`
    pattern the real file uses.
    """
    federal_days = {election.day for election in general_elections()}
    labels = {}
    for row in _read("nc_election_descriptions_2016_2025.csv"):
        day = date.fromisoformat(row["election_date"])
        if day in federal_days and row["election_desc"].endswith(" GENERAL"):
            labels.setdefault(day, row["election_desc"])
    for day in federal_days:
        labels.setdefault(day, f"{day:%m/%d/%Y} GENERAL")
    return dict(sorted(labels.items()))


@dataclass(frozen=True)
class NcCounty:
    county_id: int
    name: str  # NCSBE county_desc spelling, e.g. "NEW HANOVER"


@cache
def nc_counties() -> dict[str, NcCounty]:
    """NC county codes from the official layout, keyed by the Data4Democracy county name.

    The layout's code table squeezes two names ("NEWHANOVER") and prints Yancey's id 100 as "00"
    because its column is two characters wide; the real files spell "NEW HANOVER" and use 100.
    """
    text = (LAYOUTS_DIR / "nc_layout_ncvoter.txt").read_text(encoding="latin-1")
    table = text.split("County identification number codes", 1)[1]
    codes = {}
    for name, code in re.findall(r"^([A-Z][A-Z ]*?)\s+(\d{1,3})\s*$", table, flags=re.M):
        codes[name.replace(" ", "")] = 100 if code == "00" else int(code)
    result = {}
    for county in states()["NC"].counties:
        key = county.name.upper().replace(" ", "")
        result[county.name] = NcCounty(codes[key], county.name.upper())
    return result


def _read(file_name: str) -> list[dict[str, str]]:
    path: Path = REFERENCE_DIR / file_name
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))
