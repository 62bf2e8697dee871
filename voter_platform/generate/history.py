"""Who voted in each federal general election: a persistent propensity calibrated to real turnout.

Each voter carries a latent score `propensity` ~ N(0, 1) for life. In election e their score is

    z = sqrt(RHO) * propensity + sqrt(1 - RHO) * noise_e + age_shift(age at e)

and they vote when z is above a threshold solved per state and election so that, among the voters
on the roll who were registered and 18 or older on election day, the share voting equals the
state's real VEP turnout for that year (exactly, up to one voter). With RHO = 0.75 participation is
a habit: someone who voted in the last two generals very likely votes again, someone who skipped
them very likely skips again; it is not a coin flip per election.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from voter_platform.generate import reference
from voter_platform.generate.dates import add_years, to_days
from voter_platform.generate.population import geography
from voter_platform.generate.reference import AGE_BAND_EDGES
from voter_platform.generate.roll import (
    ACTIVE,
    DID_NOT_VOTE,
    INACTIVE,
    REASON_NOT_RETURNED,
    REASON_UNDELIVERABLE,
    REASON_VERIFIED,
    Roll,
)
from voter_platform.generate.seeds import rng_for

RHO = 0.75
ADULT_AGE = AGE_BAND_EDGES[0]
# Share of elections in which a voter uses their habitual method rather than a fresh choice.
METHOD_HABIT = 0.75

# National mix of voting methods per general (IN_PERSON, EARLY, MAIL, ABSENTEE, PROVISIONAL).
# Approximate: 2022 and 2024 follow the Census CPS / EAC figures quoted in their releases (2022:
# 31.8% by mail, 47.1% before Election Day; 2024: 37.4% Election Day, 35.2% early in person, 30.3%
# mail); earlier years follow the same sources' trend. Later years reuse the last of their kind.
METHOD_SHARES_BY_YEAR = {
    2008: (0.62, 0.17, 0.10, 0.09, 0.02),
    2010: (0.64, 0.14, 0.11, 0.09, 0.02),
    2012: (0.60, 0.18, 0.12, 0.08, 0.02),
    2014: (0.62, 0.14, 0.14, 0.08, 0.02),
    2016: (0.55, 0.22, 0.15, 0.07, 0.01),
    2018: (0.57, 0.20, 0.16, 0.06, 0.01),
    2020: (0.28, 0.26, 0.40, 0.05, 0.01),
    2022: (0.52, 0.16, 0.27, 0.04, 0.01),
    2024: (0.37, 0.32, 0.26, 0.04, 0.01),
}
# States that vote (almost) entirely by mail, from the first general in which they did.
ALL_MAIL_SINCE = {"OR": 2008, "WA": 2012, "CO": 2014, "UT": 2020, "HI": 2020}
ALL_MAIL_SHARES = (0.03, 0.03, 0.90, 0.03, 0.01)

# Voters who skipped the last two generals are often moved to inactive by list maintenance.
INACTIVE_SHARE_OF_LAPSED = 0.35


def elections_before(day: date) -> list[int]:
    """Indices (into reference.general_elections()) of the generals held before `day`."""
    return [index for index, election in enumerate(reference.general_elections()) if election.day < day]


def cast_votes(roll: Roll, election_index: int, seed: int, stream: str = "election") -> None:
    """Fill `roll.votes[:, election_index]` for everyone on the roll (in place).

    Voters whose registration was cancelled on or before election day (former voters) do not vote;
    `stream` names the random stream (the roll's, or the former voters' own).
    """
    election = reference.general_elections()[election_index]
    election_day = to_days(election.day)
    rng = rng_for(seed, stream, election_index)
    # Born on or before this day = 18 or older on election day.
    eligible = (roll.birth <= add_years(election_day, -ADULT_AGE)) & (roll.registered < election_day)
    eligible &= roll.cancelled > election_day
    score = np.sqrt(RHO) * roll.propensity + np.sqrt(1 - RHO) * rng.standard_normal(len(roll), dtype=np.float32)
    score += _age_shift(roll.birth, election_day)
    voted = np.zeros(len(roll), dtype=bool)
    codes = geography().state_codes
    order = np.argsort(roll.state, kind="stable")
    bounds = np.searchsorted(roll.state[order], np.arange(len(codes) + 1))
    for state_index in np.unique(roll.state):
        members = order[bounds[state_index] : bounds[state_index + 1]]
        members = members[eligible[members]]
        target = reference.turnout_target_pct(codes[state_index], election.year) / 100
        voters = round(target * len(members))
        if voters == 0:
            continue
        # The `voters` highest scores vote: turnout equals the target to one voter.
        top = np.argpartition(score[members], len(members) - voters)[len(members) - voters :]
        voted[members[top]] = True
    roll.votes[:, election_index] = np.where(voted, _voting_methods(rng, roll, election.year), DID_NOT_VOTE)


def _age_shift(birth: np.ndarray, on_day: int) -> np.ndarray:
    """The Census turnout shift of each voter's age band on `on_day` (band found from birth-date cut-offs)."""
    bands = reference.turnout_shift_by_age_band()
    # Latest birth date of each band (its lowest age), oldest band first so the cut-offs ascend.
    cutoffs = np.array([add_years(on_day, -low) for low, _ in reversed(bands)])
    shifts = np.array([shift for _, shift in reversed(bands)] + [bands[0][1]], dtype=np.float32)
    return shifts[np.searchsorted(cutoffs, birth, side="left")]


def _voting_methods(rng: np.random.Generator, roll: Roll, year: int) -> np.ndarray:
    """A method per voter: the habitual one most of the time, by the year's (and state's) mix."""
    known = sorted(METHOD_SHARES_BY_YEAR)
    same_kind = [known_year for known_year in known if known_year % 4 == year % 4 and known_year <= year]
    shares = np.array(METHOD_SHARES_BY_YEAR[same_kind[-1]])
    draw = np.where(rng.random(len(roll)) < METHOD_HABIT, roll.method_habit, rng.random(len(roll), dtype=np.float32))
    method = np.searchsorted(np.cumsum(shares / shares.sum())[:-1], draw, side="right")
    for state, since in ALL_MAIL_SINCE.items():
        in_state = roll.state == geography().state_index(state)
        if year >= since and in_state.any():
            method[in_state] = np.searchsorted(np.cumsum(ALL_MAIL_SHARES)[:-1], draw[in_state], side="right")
    return (method + 1).astype(np.uint8)


def last_voted_index(votes: np.ndarray, elections: list[int]) -> np.ndarray:
    """Index of each voter's latest election voted among `elections` (ascending), -1 when none."""
    if not elections:
        return np.full(len(votes), -1, dtype=np.int64)
    window = votes[:, elections] != DID_NOT_VOTE
    from_end = np.argmax(window[:, ::-1], axis=1)
    latest = np.asarray(elections)[len(elections) - 1 - from_end]
    return np.where(window.any(axis=1), latest, -1)


def mark_lapsed_inactive(rng: np.random.Generator, roll: Roll, as_of: date) -> None:
    """List maintenance: some voters who skipped the last two generals become INACTIVE (in place)."""
    recent = elections_before(as_of)[-2:]
    if len(recent) < 2:
        return
    first_of_two = to_days(reference.general_elections()[recent[0]].day)
    lapsed = (roll.votes[:, recent] == DID_NOT_VOTE).all(axis=1) & (roll.registered < first_of_two)
    inactive = lapsed & (rng.random(len(roll)) < INACTIVE_SHARE_OF_LAPSED)
    roll.status[inactive] = INACTIVE
    roll.reason[inactive] = np.where(rng.random(int(inactive.sum())) < 0.7, REASON_NOT_RETURNED, REASON_UNDELIVERABLE)


def reactivate_voters(roll: Roll, election_index: int, updated_seconds: np.ndarray) -> None:
    """Inactive voters who just voted are active again, with a fresh `updated` stamp (in place)."""
    back = (roll.status == INACTIVE) & (roll.votes[:, election_index] != DID_NOT_VOTE)
    roll.status[back] = ACTIVE
    roll.reason[back] = REASON_VERIFIED
    roll.updated[back] = updated_seconds[back]
