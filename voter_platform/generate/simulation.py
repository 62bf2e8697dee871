"""The simulated roll through time: built as of the first snapshot, then advanced one day at a time."""

from __future__ import annotations

from concurrent.futures import Executor
from datetime import date, timedelta

import numpy as np

from voter_platform.generate import reference
from voter_platform.generate.churn import advance_one_day
from voter_platform.generate.config import ChurnRates
from voter_platform.generate.dates import SECONDS_PER_DAY, to_days
from voter_platform.generate.history import cast_votes, elections_before, mark_lapsed_inactive, reactivate_voters
from voter_platform.generate.population import draw_people, voters_per_state
from voter_platform.generate.roll import Roll
from voter_platform.generate.seeds import rng_for


class Simulation:
    """The roll as of `self.as_of`, with every general election before that date already voted."""

    def __init__(
        self, voters: int, start: date, seed: int, states: list[str], churn: ChurnRates, pool: Executor
    ) -> None:
        self.seed = seed
        self.churn = churn
        self.as_of = start
        self.roll = self._initial_roll(voters, states, pool)
        self.next_serial = int(self.roll.serial.max()) + 1 if len(self.roll) else 1
        # Each election draws from its own stream and fills its own column: they can run side by side.
        self.elections_cast = elections_before(start)
        for done in [pool.submit(cast_votes, self.roll, index, seed) for index in self.elections_cast]:
            done.result()
        mark_lapsed_inactive(rng_for(seed, "inactive"), self.roll, start)

    def _initial_roll(self, voters: int, states: list[str], pool: Executor) -> Roll:
        start_day = to_days(self.as_of)
        counts = {code: count for code, count in voters_per_state(voters, states).items() if count}

        def draw_state(code: str) -> Roll:
            people = draw_people(rng_for(self.seed, "population", code), code, counts[code], start_day)
            # Ids grow with registration date within a state, as registration numbers do.
            return people.take(np.argsort(people.registered, kind="stable"))

        parts = list(pool.map(draw_state, counts))
        roll = Roll.concat(parts)
        roll.serial = np.arange(1, len(roll) + 1, dtype=np.int64)
        return roll

    def advance_to(self, day: date) -> None:
        """Apply each day's churn up to `day`, and cast the votes of any general election passed."""
        while self.as_of < day:
            self.as_of += timedelta(days=1)
            self.roll, self.next_serial = advance_one_day(
                self.roll, to_days(self.as_of), self.churn, self.seed, self.next_serial
            )
            for election_index in elections_before(self.as_of):
                if election_index not in self.elections_cast:
                    cast_votes(self.roll, election_index, self.seed)
                    self.elections_cast.append(election_index)
                    election_day = to_days(reference.general_elections()[election_index].day)
                    stamp = election_day * SECONDS_PER_DAY + rng_for(self.seed, "reactivated", election_index).integers(
                        20 * 3600, 23 * 3600, len(self.roll)
                    )
                    reactivate_voters(self.roll, election_index, stamp)
