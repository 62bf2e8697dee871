"""Who is on the roll: the joint distribution of county, party, age and gender per state, and draws from it.

Each state's joint distribution is fitted by iterative proportional fitting (IPF) so that it keeps
three sets of real margins exactly while carrying the Pew party-by-age and party-by-gender tilts:

- county x party counts from the Data4Democracy table (so state and county party shares are real);
- the national age mix of registered voters (Census CPS, see reference.py);
- the gender mix of registrants (about 53% women).

The seed of the fit is the product of the margins times the tilts; IPF then rescales it until every
margin matches, which preserves the tilts' odds ratios. Everything else about a person (names,
address, contact, race, registration date) is drawn conditionally on those four.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from itertools import pairwise

import numpy as np

from voter_platform.generate import reference
from voter_platform.generate.dates import SECONDS_PER_DAY, add_years
from voter_platform.generate.names import EMAIL_DOMAIN_WEIGHTS, NAMES, STREET_TYPE_WEIGHTS, SUFFIX_WEIGHTS, ZIP3_RANGES
from voter_platform.generate.reference import AGE_BAND_EDGES, NO_PARTY, PARTY_CODES
from voter_platform.generate.roll import Roll

# Gender codes in index order, and their shares among registrants. Women are 52-54% of registered
# voters in state files; X and U (undesignated) are small and vary by state (approximate values).
GENDER_CODES = ("F", "M", "X", "U")
GENDER_SHARES = np.array([0.530, 0.455, 0.002, 0.013])

# Race/ethnicity groups: approximate shares of US registered voters (no vendored source; labelled
# approximate) and Pew's party tilt where Pew publishes one (Black, Hispanic, White; registered voters).
RACE_GROUPS = (
    "White",
    "Black",
    "Hispanic",
    "Asian",
    "American Indian",
    "Pacific Islander",
    "Two or More",
    "Other",
    "Undesignated",
)
RACE_SHARES = np.array([0.655, 0.120, 0.105, 0.040, 0.008, 0.003, 0.020, 0.020, 0.029])
RACE_PARTY_TILT = {  # group -> (D multiplier, R multiplier) relative to all registered voters
    "Black": (
        83 / 49,
        13 / 48,
    ),  # R share not in the retrieved Pew text: 13 is the midpoint of its "roughly 12-14" note
    "Hispanic": (61 / 49, 35 / 48),  # R share: 100 - 61 - 4 (no lean), derived
    "White": (42 / 49, 53 / 44),  # 2019 figures against the 2019 total (49 D / 44 R)
}

# Share of registrants with an email or a phone number on file (approximate; state files vary).
EMAIL_SHARE = 0.65
PHONE_SHARE = 0.55
# Mean years since a voter's current registration (exponential); capped by the 18th birthday.
MEAN_TENURE_YEARS = 15.0
# Mean days since the record was last touched, before the first snapshot.
MEAN_DAYS_SINCE_UPDATE = 420.0


@dataclass(frozen=True)
class Geography:
    """States and counties flattened into index arrays shared by the roll and the writers."""

    state_codes: tuple[str, ...]
    county_names: tuple[str, ...]
    county_zip3: np.ndarray  # county index -> first three ZIP digits
    state_first_county: np.ndarray  # state index -> first county index

    def state_index(self, code: str) -> int:
        return self.state_codes.index(code)


@cache
def geography() -> Geography:
    states = reference.states()
    codes = tuple(states)
    county_names, county_zip3, first = [], [], []
    for code in codes:
        counties = states[code].counties
        first.append(len(county_names))
        low, high = ZIP3_RANGES[code]
        for rank, county in enumerate(counties):
            county_names.append(county.name)
            # Counties get ZIP prefixes spread over the state's range, in FIPS order.
            county_zip3.append(low + (rank * (high - low + 1)) // max(len(counties), 1))
    return Geography(
        state_codes=codes,
        county_names=tuple(county_names),
        county_zip3=np.array(county_zip3, dtype=np.int32),
        state_first_county=np.array(first, dtype=np.int32),
    )


@dataclass(frozen=True)
class StateModel:
    """The fitted joint distribution of one state, flattened over (county, party, age band, gender)."""

    state_index: int
    has_party_registration: bool
    probabilities: np.ndarray  # shape (counties, parties, age bands, genders), sums to 1
    party_shares: np.ndarray  # the state's registered party shares (for switches)
    county_shares: np.ndarray  # the state's county shares (for moves)

    @property
    def shape(self) -> tuple[int, ...]:
        return self.probabilities.shape


@cache
def state_model(state_code: str) -> StateModel:
    state = reference.states()[state_code]
    county_party = np.array([county.party_counts for county in state.counties])  # (C, P)
    county_party = county_party / county_party.sum()
    ages = reference.age_band_shares()
    tilt = reference.party_tilt()
    seed = (
        county_party[:, :, None, None]
        * ages[None, None, :, None]
        * GENDER_SHARES[None, None, None, :]
        * tilt.by_age_band.T[None, :, :, None]
        * tilt.by_gender.T[None, :, None, :]
    )
    fitted = _fit_margins(seed, county_party, ages, GENDER_SHARES)
    return StateModel(
        state_index=geography().state_index(state_code),
        has_party_registration=state.has_party_registration,
        probabilities=fitted,
        party_shares=county_party.sum(axis=0),
        county_shares=county_party.sum(axis=1),
    )


def model_for(state_code: str, counties: tuple[int, ...] | None = None) -> StateModel:
    """The state's model, or for a county extract the same model restricted to those counties.

    Restricting keeps each county's own joint distribution (party, age, gender as in the statewide
    fit) and only renormalises over the counties kept; moves and new registrations stay inside them.
    """
    model = state_model(state_code)
    if counties is None:
        return model
    return _restricted_model(state_code, counties)


@cache
def _restricted_model(state_code: str, counties: tuple[int, ...]) -> StateModel:
    model = state_model(state_code)
    first = geography().state_first_county[model.state_index]
    keep = np.zeros(model.shape[0], dtype=bool)
    keep[np.asarray(counties) - first] = True
    probabilities = np.where(keep[:, None, None, None], model.probabilities, 0.0)
    probabilities /= probabilities.sum()
    return StateModel(
        state_index=model.state_index,
        has_party_registration=model.has_party_registration,
        probabilities=probabilities,
        party_shares=probabilities.sum(axis=(0, 2, 3)),
        county_shares=probabilities.sum(axis=(1, 2, 3)),
    )


def resolve_counties(state_code: str, names: tuple[str, ...]) -> tuple[int, ...]:
    """County names of a state (any case, `New Hanover` = `NEW_HANOVER`), or for NC the NCSBE county ids
    (`92` = Wake), as sorted indices into geography().county_names. ValueError names the unknown ones."""
    geo = geography()
    first = int(geo.state_first_county[geo.state_index(state_code)])
    counties = reference.states()[state_code].counties

    def key(text: str) -> str:
        return "".join(character for character in text.upper() if character.isalnum())

    by_name = {key(county.name): first + rank for rank, county in enumerate(counties)}
    by_id = {}
    if state_code == "NC":
        ids = reference.nc_counties()
        by_id = {str(ids[county.name].county_id): first + rank for rank, county in enumerate(counties)}
    found, unknown = set(), []
    for name in names:
        name = name.strip()
        index = by_id.get(name.lstrip("0") or "0") if name.isdigit() else by_name.get(key(name))
        if index is None:
            unknown.append(name)
        else:
            found.add(index)
    if unknown or not found:
        example = ", ".join(county.name for county in counties[:3])
        ids = " or NCSBE county ids (92 = Wake)" if state_code == "NC" else ""
        raise ValueError(
            f"unknown county {', '.join(map(repr, unknown)) or '(none given)'} in {state_code}; "
            f"use its county names (e.g. {example}){ids}"
        )
    return tuple(sorted(found))


def _fit_margins(seed: np.ndarray, county_party: np.ndarray, ages: np.ndarray, genders: np.ndarray) -> np.ndarray:
    """Iterative proportional fitting of `seed` to the three margins (converges in a few rounds)."""
    fitted = seed / seed.sum()
    for _ in range(50):
        current = fitted.sum(axis=(2, 3))
        fitted *= np.divide(county_party, current, out=np.zeros_like(current), where=current > 0)[:, :, None, None]
        fitted *= (ages / fitted.sum(axis=(0, 1, 3)))[None, None, :, None]
        fitted *= (genders / fitted.sum(axis=(0, 1, 2)))[None, None, None, :]
        if np.abs(fitted.sum(axis=(2, 3)) - county_party).max() < 1e-10:
            break
    return fitted


def voters_per_state(total: int, state_codes: list[str]) -> dict[str, int]:
    """Split `total` across states in proportion to their real registration (largest remainder)."""
    registered = np.array([reference.states()[code].registered for code in state_codes], dtype=float)
    exact = total * registered / registered.sum()
    counts = np.floor(exact).astype(np.int64)
    for index in np.argsort(-(exact - counts), kind="stable")[: total - counts.sum()]:
        counts[index] += 1
    return dict(zip(state_codes, counts.tolist(), strict=True))


def draw_people(
    rng: np.random.Generator,
    state_code: str,
    count: int,
    as_of_day: int,
    *,
    new_registrations: bool = False,
    counties: tuple[int, ...] | None = None,
) -> Roll:
    """`count` people registered in a state as of a day (the day's morning: nothing after it).

    New registrations (daily churn) skew young, as first registrations do, registered the day
    before `as_of_day` with a fresh record; otherwise registration dates spread over each voter's
    adult life. `counties` restricts the draw to a county extract's counties (see model_for).
    """
    model = model_for(state_code, counties)
    probabilities = model.probabilities
    if new_registrations:
        probabilities = probabilities * _NEW_REGISTRATION_AGE_WEIGHT[None, None, :, None]
        probabilities = probabilities / probabilities.sum()
    cells = rng.choice(probabilities.size, size=count, p=probabilities.ravel())
    county_local, party, age_band, gender = np.unravel_index(cells, model.shape)
    geo = geography()

    birth = _draw_birth_days(rng, age_band, as_of_day)
    is_female = gender == 0
    party = party.astype(np.uint8)
    if not model.has_party_registration:
        party[:] = NO_PARTY
    if new_registrations:
        registered = np.full(count, as_of_day - 1, dtype=np.int32)
        updated = (as_of_day - 1) * SECONDS_PER_DAY + rng.integers(8 * 3600, 18 * 3600, count)
    else:
        registered = _draw_registration_days(rng, birth, as_of_day)
        updated_day = as_of_day - 1 - np.floor(rng.exponential(MEAN_DAYS_SINCE_UPDATE, count)).astype(np.int64)
        updated_day = np.maximum(updated_day, registered)
        updated = updated_day * SECONDS_PER_DAY + rng.integers(0, SECONDS_PER_DAY, count)

    county = (geo.state_first_county[model.state_index] + county_local).astype(np.uint16)
    has_middle = rng.random(count) < 0.85
    middle = np.where(has_middle, NAMES.draw_first(rng, is_female), NAMES.middle_none).astype(np.uint16)
    return Roll(
        serial=np.zeros(count, dtype=np.int64),  # assigned by the caller, in registration order
        state=np.full(count, model.state_index, dtype=np.uint8),
        county=county,
        birth=birth,
        gender=gender.astype(np.uint8),
        race=_draw_race(rng, party),
        party=party,
        first=NAMES.draw_first(rng, is_female),
        middle=middle,
        last=NAMES.draw_last(rng, count),
        suffix=np.where(is_female, 0, rng.choice(len(SUFFIX_WEIGHTS), size=count, p=SUFFIX_WEIGHTS)).astype(np.uint8),
        **draw_address(rng, county),
        phone=np.where(rng.random(count) < PHONE_SHARE, rng.integers(0, 10_000, count), -1).astype(np.int16),
        email_style=np.where(rng.random(count) < EMAIL_SHARE, rng.integers(1, 7, count), 0).astype(np.uint8),
        email_domain=rng.choice(len(EMAIL_DOMAIN_WEIGHTS), size=count, p=EMAIL_DOMAIN_WEIGHTS).astype(np.uint8),
        email_number=rng.integers(1, 10_000, count).astype(np.uint16),
        registered=registered,
        status=np.zeros(count, dtype=np.uint8),
        reason=np.zeros(count, dtype=np.uint8),
        updated=updated.astype(np.int64),
        propensity=rng.standard_normal(count, dtype=np.float32),
        method_habit=rng.random(count, dtype=np.float32),
    )


def draw_address(rng: np.random.Generator, county: np.ndarray) -> dict[str, np.ndarray]:
    """A residential address in each county: street, house number and ZIP (used again on a move)."""
    count = len(county)
    # House numbers: log-uniform from 1 to 9999, as on real streets where low numbers are common.
    number = np.exp(rng.uniform(0, np.log(9999), count)).astype(np.uint16)
    zip3 = geography().county_zip3[county]
    return {
        "street_no": np.maximum(number, 1),
        "street": rng.choice(len(NAMES.street_weights), size=count, p=NAMES.street_weights).astype(np.uint8),
        "street_type": rng.choice(len(STREET_TYPE_WEIGHTS), size=count, p=STREET_TYPE_WEIGHTS).astype(np.uint8),
        "zip": (zip3 * 100 + rng.integers(1, 100, count)).astype(np.int32),
    }


# First registrations are mostly young: weight of each model age band among daily new registrants,
# relative to the roll (approximate).
_NEW_REGISTRATION_AGE_WEIGHT = np.array([4.0, 2.2, 1.6, 1.2, 1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2])


def _draw_birth_days(rng: np.random.Generator, age_band: np.ndarray, as_of_day: int) -> np.ndarray:
    """Birth dates giving an age inside each person's band on `as_of_day` (at least 18 years and a day)."""
    weights = reference.single_year_age_weights()
    first_age = AGE_BAND_EDGES[0]
    ages = np.empty(len(age_band), dtype=np.int64)
    for band, (low, high) in enumerate(pairwise(AGE_BAND_EDGES)):
        members = np.flatnonzero(age_band == band)
        band_weights = weights[low - first_age : high - first_age]
        ages[members] = low + rng.choice(high - low, size=len(members), p=band_weights / band_weights.sum())
    # A point within the year of age: `age` years and 1..364 days before as_of, so the age is exact.
    birth = add_years(as_of_day, -ages) - rng.integers(1, 365, len(ages))
    # A 29 February birthday can make the 18th birthday fall on as_of itself: move it a day earlier.
    birth = np.where(add_years(birth, 18) >= as_of_day, birth - 1, birth)
    return birth.astype(np.int32)


def _draw_registration_days(rng: np.random.Generator, birth: np.ndarray, as_of_day: int) -> np.ndarray:
    """Current registration date: a recent one for most, never before the 18th birthday."""
    eighteenth = add_years(birth, 18).astype(np.int64)
    tenure_days = np.floor(rng.exponential(MEAN_TENURE_YEARS * 365.25, len(birth))).astype(np.int64)
    registered = as_of_day - 1 - tenure_days
    # Those whose draw falls before adulthood registered within a few years of turning 18.
    too_early = registered < eighteenth
    soon_after = eighteenth + np.floor(rng.exponential(2 * 365.25, len(birth))).astype(np.int64)
    registered = np.where(too_early, soon_after, registered)
    return np.clip(registered, eighteenth, as_of_day - 1).astype(np.int32)


def _draw_race(rng: np.random.Generator, party: np.ndarray) -> np.ndarray:
    """Race/ethnicity group given party (Pew's tilts for Democrats and Republicans, margins otherwise)."""
    by_party = np.tile(RACE_SHARES, (len(PARTY_CODES) + 1, 1))
    for group, (dem, rep) in RACE_PARTY_TILT.items():
        column = RACE_GROUPS.index(group)
        by_party[0, column] *= dem
        by_party[1, column] *= rep
    by_party /= by_party.sum(axis=1, keepdims=True)
    cumulative = np.cumsum(by_party, axis=1)
    draws = rng.random(len(party))
    return (draws[:, None] > cumulative[party]).sum(axis=1).astype(np.uint8).clip(0, len(RACE_GROUPS) - 1)
