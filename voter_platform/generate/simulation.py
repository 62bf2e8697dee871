"""The simulated roll through time: built as of the first snapshot, then advanced one day at a time."""

from __future__ import annotations

from concurrent.futures import Executor
from datetime import date, timedelta

import numpy as np

from voter_platform.generate import reference
from voter_platform.generate.churn import advance_one_day
from voter_platform.generate.config import ChurnRates
from voter_platform.generate.dates import SECONDS_PER_DAY, add_years, to_days
from voter_platform.generate.history import cast_votes, elections_before, mark_lapsed_inactive, reactivate_voters
from voter_platform.generate.population import draw_people, geography, voters_per_state
from voter_platform.generate.roll import DENIAL_REASONS, DENIED, DID_NOT_VOTE, REASONS, REMOVED, Roll
from voter_platform.generate.seeds import rng_for, unit_mix

# Serials of former voters start here, far above any roll serial, so every id stays unique (the NC id
# scramble is one-to-one below 26^2 * 10^6: roll serials up to 224 million are safe).
FORMER_SERIAL_BASE = 900_000_000
# NC keeps removed voters on file for ten years.
REMOVED_KEPT_DAYS = 3652
# Reasons of the removed voters already on file (reason code -> share), from a real NC VR_Snapshot county file.
_FILE_REMOVAL_REASONS = {"RD": 154, "RM": 133, "RP": 101, "RL": 96, "RH": 94, "RS": 17, "RT": 13, "RF": 12, "RG": 9}
_DENIAL_SHARES = (0.95, 0.05)  # DU verification returned undeliverable, DI unavailable essential information
_INTERLEAVE_SALT = 71


class Simulation:
    """The roll as of `self.as_of`, with every general election before that date already voted.

    With `former` = (removed share, denied share) of the file's records, it also keeps the records
    North Carolina files carry for people not (or no longer) registered: voters removed in the last
    ten years, with their past votes, and applicants denied registration; the voters churn removes
    join them. `counties` restricts everything to a county extract.
    """

    def __init__(
        self,
        voters: int,
        start: date,
        seed: int,
        states: list[str],
        churn: ChurnRates,
        pool: Executor,
        *,
        counties: tuple[int, ...] | None = None,
        former: tuple[float, float] | None = None,
    ) -> None:
        self.seed = seed
        self.churn = churn
        self.as_of = start
        self.counties = counties
        self.roll = self._initial_roll(voters, states, pool)
        self.next_serial = int(self.roll.serial.max()) + 1 if len(self.roll) else 1
        # Each election draws from its own stream and fills its own column: they can run side by side.
        self.elections_cast = elections_before(start)
        for done in [pool.submit(cast_votes, self.roll, index, seed) for index in self.elections_cast]:
            done.result()
        mark_lapsed_inactive(rng_for(seed, "inactive"), self.roll, start)
        self.former = self._former_voters(states, *former) if former else None

    def _initial_roll(self, voters: int, states: list[str], pool: Executor) -> Roll:
        start_day = to_days(self.as_of)
        counts = {code: count for code, count in voters_per_state(voters, states).items() if count}

        def draw_state(code: str) -> Roll:
            people = draw_people(
                rng_for(self.seed, "population", code), code, counts[code], start_day, counties=self.counties
            )
            # Ids grow with registration date within a state, as registration numbers do.
            return people.take(np.argsort(people.registered, kind="stable"))

        parts = list(pool.map(draw_state, counts))
        roll = Roll.concat(parts)
        roll.serial = np.arange(1, len(roll) + 1, dtype=np.int64)
        return roll

    def _former_voters(self, states: list[str], removed_share: float, denied_share: float) -> Roll:
        """Removed voters (cancelled in the last ten years) and denied applicants, as of the first snapshot.

        Shares are of the file's records, so for a roll of N: N * share / (1 - removed - denied) records each.
        A removed voter is drawn as a voter of the day of their removal (age, registration, votes until then).
        """
        start_day = to_days(self.as_of)
        on_roll = np.bincount(self.roll.state, minlength=256)
        scale = 1.0 / max(1e-9, 1.0 - removed_share - denied_share)
        parts = []
        codes = [code for code, _ in REASONS]
        for code in states:
            state_index = geography().state_index(code)
            rng = rng_for(self.seed, "former", code)
            removed_count = round(on_roll[state_index] * removed_share * scale)
            denied_count = round(on_roll[state_index] * denied_share * scale)
            if removed_count:
                removed = draw_people(rng, code, removed_count, start_day, counties=self.counties)
                before = rng.integers(1, REMOVED_KEPT_DAYS, removed_count).astype(np.int32)
                removed.birth = removed.birth - before
                removed.registered = removed.registered - before
                removed.cancelled = (start_day - before).astype(np.int32)
                removed.updated = (removed.cancelled.astype(np.int64) - 1) * SECONDS_PER_DAY + rng.integers(
                    8 * 3600, 18 * 3600, removed_count
                )
                removed.status[:] = REMOVED
                reasons = np.array([codes.index(reason) for reason in _FILE_REMOVAL_REASONS], dtype=np.uint8)
                shares = np.array(list(_FILE_REMOVAL_REASONS.values()), dtype=float)
                removed.reason = reasons[rng.choice(len(reasons), size=removed_count, p=shares / shares.sum())]
                parts.append(removed)
            if denied_count:
                denied = draw_people(rng, code, denied_count, start_day, counties=self.counties)
                # An application refused in the last three years, made after the 18th birthday.
                applied = start_day - rng.integers(1, 3 * 365, denied_count)
                denied.registered = np.maximum(applied, add_years(denied.birth, 18)).astype(np.int32)
                denied.updated = (denied.registered.astype(np.int64) + 1) * SECONDS_PER_DAY + rng.integers(
                    8 * 3600, 18 * 3600, denied_count
                )
                denied.updated = np.minimum(denied.updated, (start_day - 1) * SECONDS_PER_DAY + 18 * 3600)
                denied.status[:] = DENIED
                denied.reason = np.array(DENIAL_REASONS, dtype=np.uint8)[
                    rng.choice(len(DENIAL_REASONS), size=denied_count, p=_DENIAL_SHARES)
                ]
                parts.append(denied)
        former = Roll.concat(parts) if parts else self.roll.take(slice(0, 0))
        former.serial = FORMER_SERIAL_BASE + np.arange(len(former), dtype=np.int64)
        for index in self.elections_cast:
            cast_votes(former, index, self.seed, stream="former-election")
        former.votes[former.status == DENIED] = DID_NOT_VOTE
        return former

    def advance_to(self, day: date) -> None:
        """Apply each day's churn up to `day`, and cast the votes of any general election passed."""
        while self.as_of < day:
            self.as_of += timedelta(days=1)
            self.roll, self.next_serial, removed = advance_one_day(
                self.roll,
                to_days(self.as_of),
                self.churn,
                self.seed,
                self.next_serial,
                counties=self.counties,
                keep_removed=self.former is not None,
            )
            if removed is not None and len(removed):
                self.former = Roll.concat([self.former, removed])
            for election_index in elections_before(self.as_of):
                if election_index not in self.elections_cast:
                    cast_votes(self.roll, election_index, self.seed)
                    self.elections_cast.append(election_index)
                    election_day = to_days(reference.general_elections()[election_index].day)
                    stamp = election_day * SECONDS_PER_DAY + rng_for(self.seed, "reactivated", election_index).integers(
                        20 * 3600, 23 * 3600, len(self.roll)
                    )
                    reactivate_voters(self.roll, election_index, stamp)

    def file_records(self) -> Roll:
        """What a day's voters file holds: the roll, with the former voters (if kept) spread through it.

        Each former voter sits at a fixed pseudo-random fraction of the roll (from their serial), so
        removed records are interleaved with registered ones, as in the board's files, not appended.
        """
        if self.former is None or not len(self.former):
            return self.roll
        roll_keys = np.arange(len(self.roll), dtype=np.int64) * 2 + 1
        place = unit_mix(self.former.serial, _INTERLEAVE_SALT + (self.seed % 1_000_000) * 1_000_003)
        former_keys = np.floor(place * len(self.roll)).astype(np.int64) * 2
        order = np.argsort(np.concatenate([roll_keys, former_keys]), kind="stable")
        return Roll.concat([self.roll, self.former]).take(order)
