"""How the roll changes from one day's snapshot to the next.

Every change between snapshot D-1 and snapshot D is dated D-1 (registration date, `updated`): the
file dated D shows the roll as of that morning. Rates are per voter per day (config.ChurnRates):

- removals: moved out of state, deceased, list maintenance; older and inactive voters more often;
- moves between counties of the same state (new address and ZIP);
- party switches (states with party registration only), to a party drawn from the state's shares;
- name changes, mostly women taking a spouse's surname;
- new registrations, drawn from the state's joint model but skewed young.
"""

from __future__ import annotations

import numpy as np

from voter_platform.generate.config import ChurnRates
from voter_platform.generate.dates import SECONDS_PER_DAY, age_on
from voter_platform.generate.names import NAMES
from voter_platform.generate.population import draw_address, draw_people, geography, model_for
from voter_platform.generate.reference import NO_PARTY
from voter_platform.generate.roll import (
    INACTIVE,
    REASON_DECEASED,
    REASON_PURGED_INACTIVE,
    REASONS,
    REMOVED,
    Roll,
)
from voter_platform.generate.seeds import rng_for

# Relative removal risk: inactive registrations are purged, the very old die.
_REMOVAL_WEIGHT_INACTIVE = 3.0
_REMOVAL_WEIGHT_OVER_80 = 3.0
_NAME_CHANGE_FEMALE_SHARE = 0.85


# Why the voters removed by churn were removed (NCSBE reasons, see roll.REASONS): list maintenance of
# inactive voters, deaths of the very old, moves and the rest (approximate shares).
_OTHER_REMOVAL_REASONS = {"RL": 0.30, "RH": 0.25, "RS": 0.20, "RD": 0.15, "RF": 0.04, "RG": 0.04, "RT": 0.02}


def advance_one_day(
    roll: Roll,
    day: int,
    rates: ChurnRates,
    seed: int,
    next_serial: int,
    *,
    counties: tuple[int, ...] | None = None,
    keep_removed: bool = False,
) -> tuple[Roll, int, Roll | None]:
    """The roll as of `day` (days since epoch) from the roll as of the day before; new serials follow `next_serial`.

    Also returns the voters removed that day, marked REMOVED (with a reason and the cancellation date),
    when `keep_removed` (NC files keep them); `counties` keeps moves and new voters inside a county extract.
    """
    rng = rng_for(seed, "churn", day)
    changed_at = (day - 1) * SECONDS_PER_DAY

    removal_weight = 1 + (_REMOVAL_WEIGHT_INACTIVE - 1) * (roll.status == INACTIVE)
    removal_weight = removal_weight + (_REMOVAL_WEIGHT_OVER_80 - 1) * (age_on(roll.birth, day) >= 80)
    removal_probability = rates.removed * removal_weight / removal_weight.mean()
    stays = rng.random(len(roll)) >= removal_probability
    removed = _mark_removed(roll.take(~stays), rng_for(seed, "removal", day), day) if keep_removed else None
    roll = roll.take(stays)

    _move(roll, rng, rng.random(len(roll)) < rates.moved, changed_at, counties)
    _switch_party(roll, rng, rng.random(len(roll)) < rates.party_switch, changed_at, counties)
    name_weight = np.where(roll.gender == 0, _NAME_CHANGE_FEMALE_SHARE, 1 - _NAME_CHANGE_FEMALE_SHARE)
    name_probability = rates.name_change * name_weight / name_weight.mean()
    _change_surname(roll, rng, rng.random(len(roll)) < name_probability, changed_at)

    new_people = []
    codes = geography().state_codes
    per_state = np.bincount(roll.state, minlength=len(codes))
    for state_index in np.flatnonzero(per_state):
        count = int(rng.binomial(per_state[state_index], rates.new))
        if count:
            people = draw_people(
                rng_for(seed, "new", day, state_index),
                codes[state_index],
                count,
                day,
                new_registrations=True,
                counties=counties,
            )
            people.serial = np.arange(next_serial, next_serial + count, dtype=np.int64)
            next_serial += count
            new_people.append(people)
    if new_people:
        roll = Roll.concat([roll, *new_people])
    return roll, next_serial, removed


def _mark_removed(gone: Roll, rng: np.random.Generator, day: int) -> Roll:
    """Voters taken off the roll on `day - 1`, as the next day's NC file shows them: status REMOVED."""
    codes = [code for code, _ in REASONS]
    other = np.array([codes.index(code) for code in _OTHER_REMOVAL_REASONS], dtype=np.uint8)
    shares = np.array(list(_OTHER_REMOVAL_REASONS.values()))
    reason = other[rng.choice(len(other), size=len(gone), p=shares / shares.sum())]
    reason = np.where(gone.status == INACTIVE, REASON_PURGED_INACTIVE, reason)
    reason = np.where(age_on(gone.birth, day) >= 80, REASON_DECEASED, reason)
    gone.status = np.full(len(gone), REMOVED, dtype=np.uint8)
    gone.reason = reason.astype(np.uint8)
    gone.cancelled = np.full(len(gone), day - 1, dtype=np.int32)
    gone.updated = (day - 1) * SECONDS_PER_DAY + rng.integers(8 * 3600, 18 * 3600, len(gone))
    return gone


def _stamp(roll: Roll, rng: np.random.Generator, who: np.ndarray, changed_at: int) -> None:
    roll.updated[who] = changed_at + rng.integers(8 * 3600, 18 * 3600, len(who))


def _move(
    roll: Roll, rng: np.random.Generator, mask: np.ndarray, changed_at: int, counties: tuple[int, ...] | None
) -> None:
    who = np.flatnonzero(mask)
    if not len(who):
        return
    geo = geography()
    new_county = roll.county[who].copy()
    for state_index in np.unique(roll.state[who]):
        movers = roll.state[who] == state_index
        shares = model_for(geo.state_codes[state_index], counties).county_shares
        first = geo.state_first_county[state_index]
        drawn = first + rng.choice(len(shares), size=int(movers.sum()), p=shares)
        # Redraw once where the draw is the current county (a move within a one-county state stays put).
        again = drawn == roll.county[who][movers]
        drawn[again] = first + rng.choice(len(shares), size=int(again.sum()), p=shares)
        new_county[movers] = drawn
    roll.county[who] = new_county
    for name, values in draw_address(rng, new_county).items():
        getattr(roll, name)[who] = values
    _stamp(roll, rng, who, changed_at)


def _switch_party(
    roll: Roll, rng: np.random.Generator, mask: np.ndarray, changed_at: int, counties: tuple[int, ...] | None
) -> None:
    who = np.flatnonzero(mask & (roll.party != NO_PARTY))
    if not len(who):
        return
    geo = geography()
    for state_index in np.unique(roll.state[who]):
        switchers = who[roll.state[who] == state_index]
        shares = model_for(geo.state_codes[state_index], counties).party_shares
        # A new party in proportion to the state's registration, never the current one.
        probabilities = np.tile(shares, (len(switchers), 1))
        probabilities[np.arange(len(switchers)), roll.party[switchers]] = 0
        cumulative = np.cumsum(probabilities, axis=1)
        draw = rng.random(len(switchers)) * cumulative[:, -1]
        roll.party[switchers] = (draw[:, None] >= cumulative).sum(axis=1).astype(np.uint8)
    _stamp(roll, rng, who, changed_at)


def _change_surname(roll: Roll, rng: np.random.Generator, mask: np.ndarray, changed_at: int) -> None:
    who = np.flatnonzero(mask)
    if not len(who):
        return
    new_last = NAMES.draw_last(rng, len(who))
    same = new_last == roll.last[who]
    new_last[same] = (new_last[same] + 1) % len(NAMES.last)
    roll.last[who] = new_last
    _stamp(roll, rng, who, changed_at)
