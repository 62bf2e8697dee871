"""What a generator run is asked to do: sizes, dates, format, churn and defect rates."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import date
from pathlib import Path

FORMATS = ("canonical", "goodparty", "ncsbe")

# Every defect the generator can inject (the manifest vocabulary shared with the ingest).
DEFECT_KINDS = (
    "blank_field",
    "state_name",
    "malformed_email",
    "impossible_age",
    "impossible_date",
    "exact_duplicate",
    "conflicting_duplicate",
    "glued_lines",
    "repeated_header",
    "trailing_empty_columns",
    "non_utf8",
)

# Per-line probability of each defect kind. `light` keeps every file far below the ingest's 5%
# quarantine threshold (about 0.4% of lines carry a defect, a quarter of them quarantined);
# `heavy` puts about 5.5% of lines in error, 2-3% of them unloadable: close to, but under, the threshold.
DEFECT_PROFILES = {
    "none": 0.0,
    "light": 0.0004,
    "heavy": 0.005,
}


class ConfigError(ValueError):
    """An option value the generator cannot use; the message says which and why."""


@dataclass(frozen=True)
class ChurnRates:
    """Daily probability, per voter on the roll, of each change between consecutive snapshots.

    Defaults give roughly 15% new registrations and 11% removals a year, 7% county moves, 2% party
    switches and 1% name changes: the order of magnitude of US list maintenance (EAC EAVS reports
    removals of 8-12% of the roll per two-year cycle plus the turnover of moves), not a fitted figure.
    """

    new: float = 0.0004
    removed: float = 0.0003
    moved: float = 0.0002
    party_switch: float = 0.00005
    name_change: float = 0.00003

    @classmethod
    def parse(cls, text: str | None) -> "ChurnRates":
        """`new=0.0005,removed=0.0003` -> rates (unnamed kinds keep their defaults)."""
        rates = cls()
        if not text:
            return rates
        known = {item.name for item in fields(cls)}
        changes = {}
        for part in text.split(","):
            name, _, value = part.partition("=")
            name = name.strip().replace("-", "_")
            if name not in known:
                raise ConfigError(f"--churn: unknown kind {name!r}; expected one of {', '.join(sorted(known))}")
            changes[name] = _rate(value, f"--churn {name}")
        return replace(rates, **changes)


@dataclass(frozen=True)
class DefectRates:
    """Per-line probability of each defect kind."""

    rates: dict[str, float] = field(default_factory=lambda: dict.fromkeys(DEFECT_KINDS, 0.0))
    label: str = "none"

    @classmethod
    def parse(cls, text: str | None) -> "DefectRates":
        """A profile name (none, light, heavy), one rate for every kind (`0.01`), or `kind=rate,...`."""
        text = (text or "none").strip()
        if text in DEFECT_PROFILES:
            return cls(dict.fromkeys(DEFECT_KINDS, DEFECT_PROFILES[text]), text)
        if "=" not in text:
            return cls(dict.fromkeys(DEFECT_KINDS, _rate(text, "--defects")), text)
        rates = dict.fromkeys(DEFECT_KINDS, 0.0)
        for part in text.split(","):
            name, _, value = part.partition("=")
            if name.strip() not in rates:
                raise ConfigError(
                    f"--defects: unknown defect {name.strip()!r}; expected one of {', '.join(DEFECT_KINDS)}"
                )
            rates[name.strip()] = _rate(value, f"--defects {name.strip()}")
        return cls(rates, text)

    @property
    def any(self) -> bool:
        return any(rate > 0 for rate in self.rates.values())


@dataclass(frozen=True)
class GenerateConfig:
    voters: int
    start: date
    days: int
    format: str
    out: Path
    seed: int
    states: tuple[str, ...] | None = None  # None: every state (NC only for ncsbe)
    churn: ChurnRates = field(default_factory=ChurnRates)
    defects: DefectRates = field(default_factory=DefectRates)
    chunk_size: int = 250_000

    def __post_init__(self) -> None:
        if self.voters < 1:
            raise ConfigError("--voters must be at least 1")
        if self.days < 1:
            raise ConfigError("--days must be at least 1")
        if self.format not in FORMATS:
            raise ConfigError(f"--format must be one of {', '.join(FORMATS)}")
        if self.format == "ncsbe" and self.states not in (None, ("NC",)):
            raise ConfigError("--format ncsbe writes North Carolina files: use --states NC (or omit --states)")
        if self.states is not None:
            from voter_platform.generate.reference import states

            unknown = [code for code in self.states if code not in states()]
            if unknown or not self.states:
                raise ConfigError(f"--states: unknown state code(s) {', '.join(unknown)}; use USPS codes such as NC,PA")

    @property
    def state_codes(self) -> list[str]:
        """The states simulated, in USPS-code order (NC alone for ncsbe)."""
        from voter_platform.generate.reference import states

        if self.format == "ncsbe":
            return ["NC"]
        return sorted(self.states) if self.states is not None else list(states())


def _rate(value: str, option: str) -> float:
    try:
        rate = float(value)
    except ValueError:
        raise ConfigError(f"{option}: {value!r} is not a number") from None
    if not 0 <= rate < 1:
        raise ConfigError(f"{option}: {rate} is not a probability in [0, 1)")
    return rate
