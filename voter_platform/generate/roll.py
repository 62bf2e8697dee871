"""The voter roll in memory: one compact numpy array per attribute, names as indices into name tables.

About 70 bytes per voter (10 million voters: well under 1 GB), so a whole state's or the nation's
roll stays in memory while files are written chunk by chunk. Nothing here is a Python object per voter.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from voter_platform.generate.reference import general_elections

# Codes of `Roll.status` and `Roll.reason`. REMOVED and DENIED records are never on the roll: they are
# the former voters and refused applicants that NC files keep (simulation.FormerVoters).
ACTIVE, INACTIVE, REMOVED, DENIED = 0, 1, 2, 3
REASON_VERIFIED, REASON_NOT_RETURNED, REASON_UNDELIVERABLE = 0, 1, 2
# Every reason, in code order: (NCSBE reason_cd, voter_status_reason_desc). The removal and denial
# reasons are those of a real NC VR_Snapshot county file.
REASONS = (
    ("AV", "VERIFIED"),
    ("IN", "CONFIRMATION NOT RETURNED"),
    ("IU", "CONFIRMATION RETURNED UNDELIVERABLE"),
    ("RD", "DECEASED"),
    ("RM", "REMOVED AFTER 2 FED GENERAL ELECTIONS IN INACTIVE STATUS"),
    ("RP", "REMOVED UNDER OLD PURGE LAW"),
    ("RL", "MOVED FROM COUNTY"),
    ("RH", "MOVED WITHIN STATE"),
    ("RS", "MOVED FROM STATE"),
    ("RT", "TEMPORARY REGISTRANT"),
    ("RF", "FELONY CONVICTION"),
    ("RG", "MERGED DUPLICATE"),
    ("DU", "VERIFICATION RETURNED UNDELIVERABLE"),
    ("DI", "UNAVAILABLE ESSENTIAL INFORMATION"),
)
REASON_DECEASED, REASON_PURGED_INACTIVE = 3, 4
REMOVAL_REASONS = tuple(range(3, 12))
DENIAL_REASONS = (12, 13)
# `Roll.cancelled` of a record that was never cancelled.
NOT_CANCELLED = np.iinfo(np.int32).max  # compares as "after any day"

# `Roll.votes[:, e]`: 0 = did not vote in general election e, else the voting method code below.
VOTING_METHODS = ("IN_PERSON", "EARLY", "MAIL", "ABSENTEE", "PROVISIONAL")
DID_NOT_VOTE = 0


@dataclass
class Roll:
    serial: np.ndarray  # int64: the voter's permanent number, source of every id format
    state: np.ndarray  # uint8: index into Geography.state_codes
    county: np.ndarray  # uint16: index into Geography.county_names
    birth: np.ndarray  # int32: days since 1970-01-01
    gender: np.ndarray  # uint8: index into population.GENDER_CODES
    race: np.ndarray  # uint8: index into population.RACE_GROUPS
    party: np.ndarray  # uint8: index into reference.PARTY_CODES; NO_PARTY where none is recorded
    first: np.ndarray  # uint16: index into NAMES.first
    middle: np.ndarray  # uint16: index into NAMES.middle (last entry = none)
    last: np.ndarray  # uint16: index into NAMES.last
    suffix: np.ndarray  # uint8: index into names.SUFFIXES (0 = none)
    street_no: np.ndarray  # uint16
    street: np.ndarray  # uint8: index into NAMES.street
    street_type: np.ndarray  # uint8: index into NAMES.street_type
    zip: np.ndarray  # int32: five-digit ZIP as a number
    phone: np.ndarray  # int16: last four digits of AAA-555-NNNN, -1 = no phone
    email_style: np.ndarray  # uint8: 0 = no email, else a local-part pattern (see formats)
    email_domain: np.ndarray  # uint8: index into NAMES.email_domain
    email_number: np.ndarray  # uint16: digits some email patterns append
    registered: np.ndarray  # int32: registration date, days since 1970-01-01
    status: np.ndarray  # uint8: ACTIVE / INACTIVE on the roll; REMOVED / DENIED among former voters
    reason: np.ndarray  # uint8: index into REASONS
    updated: np.ndarray  # int64: record last changed, seconds since 1970-01-01
    propensity: np.ndarray  # float32: persistent latent turnout score, N(0, 1)
    method_habit: np.ndarray  # float32: persistent preference for a voting method, U(0, 1)
    votes: np.ndarray | None = None  # uint8 (voters, general elections): DID_NOT_VOTE or a method code
    cancelled: np.ndarray | None = None  # int32: day the registration was cancelled (REMOVED), else NOT_CANCELLED

    def __post_init__(self) -> None:
        if self.votes is None:
            self.votes = np.zeros((len(self.serial), len(general_elections())), dtype=np.uint8)
        if self.cancelled is None:
            self.cancelled = np.full(len(self.serial), NOT_CANCELLED, dtype=np.int32)

    def __len__(self) -> int:
        return len(self.serial)

    def take(self, index: np.ndarray | slice) -> Roll:
        """The voters at `index` (integer positions, a boolean mask, or a slice: then views, not copies)."""
        return Roll(**{item.name: getattr(self, item.name)[index] for item in fields(self)})

    @staticmethod
    def concat(rolls: list[Roll]) -> Roll:
        return Roll(
            **{item.name: np.concatenate([getattr(roll, item.name) for roll in rolls]) for item in fields(Roll)}
        )
