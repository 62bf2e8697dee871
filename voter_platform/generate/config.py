"""What a generator run is asked to do: sizes, dates, format, churn and defect rates."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import date
from functools import cache
from pathlib import Path

# The formats with a writer of their own (generate/formats.py).
BESPOKE_FORMATS = ("canonical", "goodparty", "ncsbe", "ncsbe_vr_snapshot")
# The North Carolina formats: one state, NCSBE code tables, removed and denied voters on file.
NC_FORMATS = ("ncsbe", "ncsbe_vr_snapshot")
# Formats that can be cut to a few counties (they carry a county column; the others are statewide).
COUNTY_FORMATS = ("canonical", "ncsbe")
# Registry layouts written by a bespoke writer: their layout id names that format too.
BESPOKE_LAYOUTS = {
    "canonical_voters": "canonical",
    "goodparty": "goodparty",
    "nc_ncvoter": "ncsbe",
    "nc_vr_snapshot": "ncsbe_vr_snapshot",
}
# How a run packages its files: as written, each part in a .gz, or the parts of a product in a .zip.
PACKAGES = ("none", "gz", "zip")


@cache
def state_formats() -> tuple[str, ...]:
    """Every other voter layout of the registry (voter_platform/layouts), by id: written by the generic
    writer of generate/state_files.py from the layout itself."""
    from voter_platform.layouts.registry import VOTER, layouts

    return tuple(
        spec.id
        for spec in layouts().values()
        if spec.record_kind == VOTER and spec.state is not None and spec.id not in BESPOKE_LAYOUTS
    )


def formats() -> tuple[str, ...]:
    """Every value --format takes (the bespoke formats, then the registry's voter layouts)."""
    return BESPOKE_FORMATS + tuple(BESPOKE_LAYOUTS) + state_formats()


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
    # A text value (an address, a name) typed with a line break, written in quotes as RFC 4180 allows:
    # one record over two physical lines (LF or CRLF inside the value). Only where the layout has a
    # quote character and a text column with a space (the break takes a space's place).
    "quoted_line_break",
)

# Traits real files have that the line defects above do not cover (issue 10). Each is a rate key of
# --defects and a manifest kind, except the two truncated-line kinds, which write one manifest row per
# part of the line (TRUNCATED_PARTS). Record traits are decided per voter (the same voter keeps them
# from day to day); removed and denied voters are extra records, a share of the file's records.
TRAIT_KINDS = (
    "removed_voter",  # NC: status R, residential address blanked in ncvoter (kept in VR_Snapshot)
    "denied_voter",  # NC: status D
    "confidential_voter",  # NC: confidential_ind Y, residential address blanked
    "placeholder_date",  # registration date 01/01/1900, the board's "unknown"
    "registered_on_birth_date",  # registration date = birth date (layouts with a birth date)
    "registered_before_age_16",  # a registration date before the 16th birthday
    "truncated_then_record",  # a record cut short, then the next record on the same line
    "truncated_then_header",  # a record cut short, then the header line on the same line
)
RECORD_TRAITS = TRAIT_KINDS[:6]
TRUNCATED_KINDS = TRAIT_KINDS[6:]
# Manifest rows of a truncated line, in this order on that line: the cut record (its voter id), then
# either the complete record that follows it (its voter id) or the header's text (no detail).
TRUNCATED_PARTS = ("truncated_record", "record_after_truncated", "header_after_truncated")
# The traps of the states' own files (data/layouts/states/README.md), for the registry layouts. Rate keys
# of --defects; the first two are per voter and listed by line in the manifest (detail: the column).
STATE_QUIRK_KINDS = (
    "unknown_code",  # a code outside the layout's table (party, else primary ballot party, gender, race, status)
    "year_only_birth",  # a birth year without the date, where the layout has both columns (AZ)
    "off_calendar_election",  # turnout in a GENERAL held on a February day no calendar lists
    "missing_part",  # share of the parts of a multi-part delivery left out (at least one when set)
)
STATE_FILE_TRAITS = STATE_QUIRK_KINDS[:2]
RATE_KINDS = DEFECT_KINDS + TRAIT_KINDS + STATE_QUIRK_KINDS
MANIFEST_KINDS = DEFECT_KINDS + RECORD_TRAITS + TRUNCATED_PARTS + STATE_FILE_TRAITS

# Per-line probability of each defect kind. `light` keeps every file far below the ingest's 5%
# quarantine threshold (about 0.4% of lines carry a defect, a quarter of them quarantined);
# `heavy` puts about 5.5% of lines in error, 2-3% of them unloadable: close to, but under, the threshold.
DEFECT_PROFILES = {
    "none": 0.0,
    "light": 0.0004,
    "heavy": 0.005,
}
# Shaped like a real NC county file (issue 10): about 9% of records are removed voters, a few are
# denied or confidential, a few registration dates are placeholders or implausible; no line-level
# damage, except the truncated-then-glued lines of the case-study file's corrupted revision (in the
# layouts that can carry them). Combine with line defects: `realistic,blank_field=0.001`.
REALISTIC_PROFILE = {
    "removed_voter": 0.09,
    "denied_voter": 0.005,
    "confidential_voter": 0.002,
    "placeholder_date": 0.002,
    "registered_on_birth_date": 0.0005,
    "registered_before_age_16": 0.0005,
    "truncated_then_record": 0.0005,
    "truncated_then_header": 0.0001,
}
# The traps the state notes describe (data/layouts/states/*.md), for the registry layouts: a few codes
# outside the tables, year-only births where the layout has a year beside the date, a GENERAL on a day
# no calendar lists, one part of a multi-part delivery missing, and now and then an address typed with a
# line break inside its quotes (Pennsylvania's FVE, which quotes every value, has them). No line-level
# damage: a quoted line break is one record by RFC 4180.
STATE_QUIRKS_PROFILE = {
    "unknown_code": 0.003,
    "year_only_birth": 0.05,
    "off_calendar_election": 0.08,
    "missing_part": 0.01,
    "quoted_line_break": 0.001,
}
PROFILES = (*DEFECT_PROFILES, "realistic", "state_quirks")
PROFILE_ALIASES = {"real": "realistic", "quirks": "state_quirks"}


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
    def parse(cls, text: str | None) -> ChurnRates:
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
    """Per-line probability of each defect kind, and the rate of each real-file trait (TRAIT_KINDS).

    `rates` always holds every DEFECT_KINDS key; a trait is present only when asked for.
    """

    rates: dict[str, float] = field(default_factory=lambda: dict.fromkeys(DEFECT_KINDS, 0.0))
    label: str = "none"

    @classmethod
    def parse(cls, text: str | None) -> DefectRates:
        """A profile name (none, light, heavy, realistic), one rate for every line defect kind (`0.01`),
        `kind=rate,...` pairs, or a profile followed by pairs that override it (`realistic,glued_lines=0.001`)."""
        text = (text or "none").strip()
        head, _, rest = text.partition(",")
        profile = PROFILE_ALIASES.get(head.strip(), head.strip())
        if profile in PROFILES:
            rates = _profile_rates(profile)
        elif "=" not in text:
            return cls(dict.fromkeys(DEFECT_KINDS, _rate(text, "--defects")), text)
        else:
            rates, rest = dict.fromkeys(DEFECT_KINDS, 0.0), text
        for part in rest.split(",") if rest.strip() else ():
            name, _, value = part.partition("=")
            if name.strip() not in RATE_KINDS:
                raise ConfigError(
                    f"--defects: unknown defect {name.strip()!r}; expected a profile ({', '.join(PROFILES)}) "
                    f"or one of {', '.join(RATE_KINDS)}"
                )
            rates[name.strip()] = _rate(value, f"--defects {name.strip()}")
        return cls(rates, text)

    @property
    def any(self) -> bool:
        return any(rate > 0 for rate in self.rates.values())

    def rate(self, kind: str) -> float:
        return self.rates.get(kind, 0.0)

    @property
    def traits(self) -> dict[str, float]:
        """The record traits asked for (removed, denied, confidential voters; placeholder and implausible dates)."""
        return {kind: self.rates[kind] for kind in RECORD_TRAITS if self.rates.get(kind, 0.0) > 0}

    @property
    def state_quirks(self) -> dict[str, float]:
        """The state-file traps asked for (STATE_QUIRK_KINDS)."""
        return {kind: self.rates[kind] for kind in STATE_QUIRK_KINDS if self.rates.get(kind, 0.0) > 0}


def _profile_rates(profile: str) -> dict[str, float]:
    if profile == "realistic":
        return {**dict.fromkeys(DEFECT_KINDS, 0.0), **REALISTIC_PROFILE}
    if profile == "state_quirks":
        return {**dict.fromkeys(DEFECT_KINDS, 0.0), **STATE_QUIRKS_PROFILE}
    return dict.fromkeys(DEFECT_KINDS, DEFECT_PROFILES[profile])


@dataclass(frozen=True)
class GenerateConfig:
    voters: int
    start: date
    days: int
    format: str
    out: Path
    seed: int
    states: tuple[str, ...] | None = None  # None: every state (NC only for the NC formats)
    churn: ChurnRates = field(default_factory=ChurnRates)
    defects: DefectRates = field(default_factory=DefectRates)
    chunk_size: int = 250_000
    # A county extract: only these counties (names, or NCSBE county ids for NC) of the one state simulated.
    counties: tuple[str, ...] | None = None
    history: bool = True  # False: the voters files only, dropped without their vote history
    bom: bool = True  # ncsbe_vr_snapshot: UTF-16 LE with a byte order mark (False: without)
    undated_names: bool = False  # the board's own names, without the date (ncvoter92.txt); one day only
    package: str = "none"  # PACKAGES: the files as written, each in a .gz, or a product's files in a .zip

    def __post_init__(self) -> None:
        if self.voters < 1:
            raise ConfigError("--voters must be at least 1")
        if self.days < 1:
            raise ConfigError("--days must be at least 1")
        if self.format in BESPOKE_LAYOUTS:
            object.__setattr__(self, "format", BESPOKE_LAYOUTS[self.format])
        if self.format not in formats():
            raise ConfigError(f"--format must be one of {', '.join(formats())}")
        if self.format in NC_FORMATS and self.states not in (None, ("NC",)):
            raise ConfigError(f"--format {self.format} writes North Carolina files: use --states NC (or omit --states)")
        if self.is_state_format and self.states not in (None, (self.state_layout.state,)):
            raise ConfigError(
                f"--format {self.format} writes {self.state_layout.state} files: use --states "
                f"{self.state_layout.state} (or omit --states)"
            )
        if self.package not in PACKAGES:
            raise ConfigError(f"--package must be one of {', '.join(PACKAGES)}")
        if self.package != "none" and not self.is_state_format:
            raise ConfigError(f"--package {self.package}: packaging is for the state layouts (--format oh_swvf, ...)")
        if self.states is not None:
            from voter_platform.generate.reference import states

            unknown = [code for code in self.states if code not in states()]
            if unknown or not self.states:
                raise ConfigError(f"--states: unknown state code(s) {', '.join(unknown)}; use USPS codes such as NC,PA")
        if self.counties is not None:
            if self.format not in COUNTY_FORMATS and not self.is_state_format:
                raise ConfigError(
                    f"--counties: county extracts are written in the {' and '.join(COUNTY_FORMATS)} formats "
                    f"(NCSBE publishes {self.format} files statewide only)"
                    if self.format in NC_FORMATS
                    else f"--counties: the {self.format} format has no county column; use {', '.join(COUNTY_FORMATS)}"
                )
            if len(self.state_codes) != 1:
                raise ConfigError("--counties: name the one state the counties are in with --states (e.g. --states PA)")
            self.county_indices  # noqa: B018 - resolves the names now, so an unknown one fails here
        if not self.bom and self.format != "ncsbe_vr_snapshot":
            raise ConfigError(
                "--no-bom: only the ncsbe_vr_snapshot format is UTF-16 (the others have no byte order mark)"
            )
        if self.undated_names and self.days != 1:
            raise ConfigError(
                "--undated-names: files without a date in their name would overwrite each other; use --days 1"
            )
        if self.is_state_format and self.undated_names:
            raise ConfigError("--undated-names: a state layout names its files as the state does (its file_template)")
        if self.is_state_format and self.days > 1:
            from voter_platform.generate.state_files import names_change_daily

            if not names_change_daily(self.state_layout):
                raise ConfigError(
                    f"--days: {self.format} files are named without a date ({self.state_layout.file_template}): "
                    "one day's files would overwrite the last; use --days 1"
                )

    @property
    def is_state_format(self) -> bool:
        """A registry layout written by the generic writer (generate/state_files.py)."""
        return self.format in state_formats()

    @property
    def state_layout(self):
        """The registry layout of a state format (voter_platform.layouts.registry.Layout)."""
        from voter_platform.layouts.registry import layout

        return layout(self.format)

    @property
    def state_codes(self) -> list[str]:
        """The states simulated, in USPS-code order (NC alone for the NC formats, the layout's state for a
        state format)."""
        from voter_platform.generate.reference import states

        if self.format in NC_FORMATS:
            return ["NC"]
        if self.is_state_format:
            return [self.state_layout.state]
        return sorted(self.states) if self.states is not None else list(states())

    @property
    def county_indices(self) -> tuple[int, ...] | None:
        """The extract's counties as indices into population.geography().county_names (None: every county)."""
        if self.counties is None:
            return None
        from voter_platform.generate.population import resolve_counties

        try:
            return resolve_counties(self.state_codes[0], self.counties)
        except ValueError as error:
            raise ConfigError(f"--counties: {error}") from None

    @property
    def former_voters(self) -> bool:
        """Whether the files carry voters no longer registered (removed, denied): NC formats only."""
        return self.format in NC_FORMATS and (
            self.defects.rate("removed_voter") > 0 or self.defects.rate("denied_voter") > 0
        )

    @property
    def writes_manifest(self) -> bool:
        """A manifest per file is written when the files carry something the ingest is checked against:
        defects or traits, a county extract, a voters file without its history, or the VR_Snapshot layout."""
        return (
            self.defects.any
            or self.counties is not None
            or not self.history
            or self.format == "ncsbe_vr_snapshot"
            or self.is_state_format  # the facts hold the truth the ingest is checked against
        )


def _rate(value: str, option: str) -> float:
    try:
        rate = float(value)
    except ValueError:
        raise ConfigError(f"{option}: {value!r} is not a number") from None
    if not 0 <= rate < 1:
        raise ConfigError(f"{option}: {rate} is not a probability in [0, 1)")
    return rate
