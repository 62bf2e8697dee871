"""The elections a state's own file lists, and who voted in each.

The roll votes in the federal generals (history.py). A state's file also lists elections outside
the federal calendar, and so do the generated state files: a primary in June of every even year
and a special election in August of every odd year, each dated by the election-day rule (the
Tuesday after the first Monday of the month), so a layout whose header gives only the month and
year (WI's `June2022`) still names the day. The `state_quirks` profile adds a GENERAL held on a
February day no calendar lists (Ohio labels some non-November elections GENERAL-).

Who voted in an election outside the roll is derived from each voter's persistent turnout
propensity and serial, never drawn per file, so a voter's participation is the same in every
format, every part and every day. Everything is computed per election over whole arrays of voters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from statistics import NormalDist

import numpy as np

from voter_platform.generate import reference
from voter_platform.generate.dates import add_years, to_days
from voter_platform.generate.history import METHOD_SHARES_BY_YEAR, RHO
from voter_platform.generate.reference import NO_PARTY, PARTY_NAMES
from voter_platform.generate.roll import DID_NOT_VOTE, VOTING_METHODS, Roll
from voter_platform.generate.seeds import mix
from voter_platform.lib.elections import election_day
from voter_platform.lib.vocabularies import PARTIES
from voter_platform.lib.vocabularies import VOTING_METHODS as METHOD_VOCABULARY

PRIMARY_MONTH = 6
SPECIAL_MONTH = 8
OFF_CALENDAR_MONTH = 2
# Share of the eligible voters who vote (approximate: US primaries draw about a quarter of
# registrants, stand-alone specials about a tenth).
PRIMARY_TURNOUT = 0.27
SPECIAL_TURNOUT = 0.12
# In an open primary, a voter without a major-party registration takes a Democratic ballot with this
# probability (a Republican one otherwise).
DEMOCRATIC_BALLOT_SHARE = 0.5
# Ohio's party affiliation: the party of the latest partisan primary ballot in the current and the two
# previous calendar years.
PRIMARY_BALLOT_YEARS = 2
ADULT_AGE = 18

_NO_VALUE = -1
_SALT = 1_000_003


@dataclass(frozen=True)
class FileElection:
    """One election a state file lists."""

    day: date
    type: str  # canonical election type (vocabularies.ELECTION_TYPES)
    general: int | None = None  # index into reference.general_elections(): its votes are the roll's
    turnout: float = 0.0  # elections outside the roll: the share of eligible voters who vote

    @property
    def label(self) -> str:
        """How a description names it: the year and the type word (read back by the type words)."""
        return f"{self.day.year} {self.type} ELECTION"


def file_elections(as_of: date, generals: list[int], off_calendar_turnout: float = 0.0) -> tuple[FileElection, ...]:
    """The elections held before `as_of` that a state file lists, oldest first: the federal generals
    `generals` (indices), a June primary of each even year and an August special of each odd year
    from the first general's year on, and (with `off_calendar_turnout`) a GENERAL on a February day
    of the latest odd year before `as_of`."""
    calendar = reference.general_elections()
    elections = [FileElection(calendar[index].day, "GENERAL", general=index) for index in generals]
    if not elections:
        return ()
    first_year = min(election.day.year for election in elections)
    for year in range(first_year, as_of.year + 1):
        if year % 2 == 0:
            elections.append(FileElection(election_day(year, PRIMARY_MONTH), "PRIMARY", turnout=PRIMARY_TURNOUT))
        else:
            elections.append(FileElection(election_day(year, SPECIAL_MONTH), "SPECIAL", turnout=SPECIAL_TURNOUT))
    if off_calendar_turnout > 0:
        odd_years = [
            year
            for year in range(first_year, as_of.year + 1)
            if year % 2 and election_day(year, OFF_CALENDAR_MONTH) < as_of
        ]
        if odd_years:
            day = election_day(odd_years[-1], OFF_CALENDAR_MONTH)
            elections.append(FileElection(day, "GENERAL", turnout=off_calendar_turnout))
    return tuple(sorted((election for election in elections if election.day < as_of), key=lambda e: (e.day, e.type)))


@dataclass(frozen=True)
class Participation:
    """Who voted in each file election: arrays of shape (voters, elections)."""

    voted: np.ndarray  # bool
    method: np.ndarray  # int8: index into vocabularies.VOTING_METHODS, -1 where not voted
    ballot_party: np.ndarray  # int8: index into vocabularies.PARTIES (primaries), else -1

    def take(self, rows: np.ndarray) -> Participation:
        """The participation of the voters at `rows`."""
        return Participation(self.voted[rows], self.method[rows], self.ballot_party[rows])

    def latest_primary_party(self, elections: tuple[FileElection, ...], as_of: date) -> np.ndarray:
        """Ohio's party affiliation: the ballot party of each voter's latest primary in the current and
        the two previous calendar years (index into PARTIES), -1 when none."""
        party = np.full(len(self.voted), _NO_VALUE, dtype=np.int8)
        for column, election in enumerate(elections):  # oldest first: a later primary overwrites
            if election.type == "PRIMARY" and election.day.year >= as_of.year - PRIMARY_BALLOT_YEARS:
                took = self.voted[:, column] & (self.ballot_party[:, column] >= 0)
                party[took] = self.ballot_party[took, column]
        return party

    def latest_vote_day(self, elections: tuple[FileElection, ...]) -> tuple[np.ndarray, np.ndarray]:
        """(days since 1970 of each voter's latest election voted, mask of voters who never voted)."""
        days = np.array([to_days(election.day) for election in elections], dtype=np.int32)
        if not len(days):
            return np.zeros(len(self.voted), dtype=np.int32), np.ones(len(self.voted), dtype=bool)
        latest = np.where(self.voted, days[None, :], np.iinfo(np.int32).min).max(axis=1)
        never = ~self.voted.any(axis=1)
        return np.where(never, 0, latest).astype(np.int32), never


# The roll's method codes (1-based, roll.VOTING_METHODS) as vocabulary indices.
_ROLL_METHOD = np.array([_NO_VALUE] + [METHOD_VOCABULARY.index(method) for method in VOTING_METHODS], dtype=np.int8)
# The roll's party indices (reference.PARTY_CODES, then NO_PARTY) as vocabulary indices.
_ROLL_PARTY = np.array([PARTIES.index(name) for name in PARTY_NAMES] + [_NO_VALUE], dtype=np.int8)
_MAJOR_OR_MINOR = [PARTIES.index(name) for name in ("Democrat", "Republican", "Libertarian", "Green")]


def roll_party(chunk: Roll) -> np.ndarray:
    """Each voter's registered party as an index into vocabularies.PARTIES (-1: none recorded)."""
    return _ROLL_PARTY[np.minimum(chunk.party, NO_PARTY)]


def participation(chunk: Roll, elections: tuple[FileElection, ...], seed: int) -> Participation:
    """Who voted in each election, how, and with which party's primary ballot."""
    count = len(chunk)
    voted = np.zeros((count, len(elections)), dtype=bool)
    method = np.full((count, len(elections)), _NO_VALUE, dtype=np.int8)
    ballot = np.full((count, len(elections)), _NO_VALUE, dtype=np.int8)
    registered_party = roll_party(chunk)
    habits: dict[int, np.ndarray] = {}  # by the year whose mix of methods applies
    for column, election in enumerate(elections):
        if election.general is not None:
            codes = chunk.votes[:, election.general]
            voted[:, column] = codes != DID_NOT_VOTE
            method[:, column] = _ROLL_METHOD[codes]
            continue
        day = to_days(election.day)
        salt = (day * _SALT + seed % 1_000_000) % (1 << 40)
        eligible = (chunk.birth <= add_years(day, -ADULT_AGE)) & (chunk.registered < day) & (chunk.cancelled > day)
        score = np.sqrt(RHO) * chunk.propensity + np.sqrt(1 - RHO) * _normal(chunk.serial, salt)
        took_part = eligible & (score > NormalDist().inv_cdf(1 - election.turnout))
        voted[:, column] = took_part
        mix_year = _method_mix_year(election.day.year)
        if mix_year not in habits:
            habits[mix_year] = _habitual_method(chunk, mix_year)
        method[:, column] = np.where(took_part, habits[mix_year], _NO_VALUE)
        if election.type == "PRIMARY":
            leaning = np.where(
                mix(chunk.serial, salt + 7) / float(1 << 31) < DEMOCRATIC_BALLOT_SHARE,
                PARTIES.index("Democrat"),
                PARTIES.index("Republican"),
            )
            own = np.isin(registered_party, _MAJOR_OR_MINOR)
            ballot[:, column] = np.where(took_part, np.where(own, registered_party, leaning), _NO_VALUE)
    return Participation(voted, method, ballot)


def _normal(serial: np.ndarray, salt: int) -> np.ndarray:
    """A standard normal number per voter serial (Box-Muller over two hashes)."""
    first = (mix(serial, salt) + 0.5) / float(1 << 31)
    second = mix(serial, salt + 1) / float(1 << 31)
    return (np.sqrt(-2.0 * np.log(first)) * np.cos(2.0 * np.pi * second)).astype(np.float32)


def _method_mix_year(year: int) -> int:
    """The general whose mix of voting methods an election of `year` follows: the latest of the same kind."""
    known = sorted(METHOD_SHARES_BY_YEAR)
    same_kind = [known_year for known_year in known if known_year % 4 == year % 4 and known_year <= year] or known[:1]
    return same_kind[-1]


def _habitual_method(chunk: Roll, mix_year: int) -> np.ndarray:
    """The voter's habitual method in the mix of voting methods of `mix_year` (vocabulary indices)."""
    shares = np.array(METHOD_SHARES_BY_YEAR[mix_year])
    roll_method = np.searchsorted(np.cumsum(shares / shares.sum())[:-1], chunk.method_habit, side="right") + 1
    return _ROLL_METHOD[roll_method]
