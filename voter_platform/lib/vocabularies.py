"""The platform's vocabularies and the spellings of its own layouts that map onto them.

One place for every "what does this source value mean" decision, so the SQL adapters, the pandera
rules and the tests agree. Keys are compared upper-cased and trimmed.
"""

from __future__ import annotations

import csv

import yaml

from voter_platform.settings import DBT_PROJECT_DIR


# The vocabularies the marts, the ingest and the dashboard share are data with one home: dbt seeds
# (dbt/seeds/*.csv), which the dbt models join and this module reads, and dbt vars (dbt_project.yml).
def _seed(name: str) -> list[dict[str, str]]:
    with (DBT_PROJECT_DIR / "seeds" / f"{name}.csv").open(newline="", encoding="utf-8") as rows:
        return list(csv.DictReader(rows))


def _dbt_var(name: str) -> object:
    return yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))["vars"][name]


# USPS codes -> names of the states, DC and the territories (seed states).
JURISDICTION_NAMES = {row["state"]: row["state_name"] for row in _seed("states")}
# The 50 states and DC: the jurisdictions the election reference covers.
STATE_NAMES = {row["state"]: row["state_name"] for row in _seed("states") if row["jurisdiction"] != "territory"}
STATE_CODES = tuple(STATE_NAMES)

# Source spelling (upper case) -> USPS code: the codes themselves, full names, and the usual
# written-out variants ("Washington DC").
STATE_SPELLINGS = {
    **{code: code for code in STATE_NAMES},
    **{name.upper(): code for code, name in STATE_NAMES.items()},
    "WASHINGTON DC": "DC",
    "WASHINGTON D.C.": "DC",
    "D.C.": "DC",
}

# Every party label of the marts, in display order (seed party_labels), and the parties a source can
# record (all but Unknown: no party recorded).
_PARTY_ROWS = sorted(_seed("party_labels"), key=lambda row: int(row["party_order"]))
PARTY_LABELS = tuple(row["party"] for row in _PARTY_ROWS)
PARTIES = tuple(row["party"] for row in _PARTY_ROWS if row["is_recorded_party"] == "true")

# The engagement tiers in tier order (seed engagement_tiers).
ENGAGEMENT_TIERS = tuple(
    row["engagement_tier"] for row in sorted(_seed("engagement_tiers"), key=lambda row: int(row["tier_order"]))
)

# The label of a rolled-up level ('All') in the published tables.
ROLLUP_ALL_LABEL = str(_dbt_var("rollup_all_label"))

# Source spelling (upper case) -> party. Unaffiliated voters are Independent; any other recorded
# party is Other (flagged when the spelling is not one we know).
PARTY_SPELLINGS = {
    **dict.fromkeys(("DEM", "D", "DEMOCRAT", "DEMOCRATIC", "DEMOCRATIC PARTY"), "Democrat"),
    **dict.fromkeys(("REP", "R", "REPUBLICAN", "REPUBLICAN PARTY", "GOP"), "Republican"),
    **dict.fromkeys(("LIB", "L", "LIBERTARIAN", "LIBERTARIAN PARTY"), "Libertarian"),
    **dict.fromkeys(("GRE", "GRN", "G", "GREEN", "GREEN PARTY"), "Green"),
    **dict.fromkeys(
        (
            "UNA",
            "UNAFFILIATED",
            "NPA",
            "NO PARTY",
            "NO PARTY AFFILIATION",
            "NONE",
            "IND",
            "I",
            "INDEPENDENT",
            "NONPARTISAN",
            "NON-PARTISAN",
            "DECLINE TO STATE",
            "DTS",
        ),
        "Independent",
    ),
    # NC's smaller recognised parties, and the generic label.
    **dict.fromkeys(("CST", "NLB", "JFA", "WTP", "OTH", "OTHER", "CONSTITUTION"), "Other"),
}

GENDERS = ("F", "M", "X", "U")
GENDER_SPELLINGS = {
    "F": "F",
    "FEMALE": "F",
    "W": "F",
    "WOMAN": "F",
    "M": "M",
    "MALE": "M",
    "MAN": "M",
    "X": "X",
    "NONBINARY": "X",
    "NON-BINARY": "X",
    "OTHER": "X",
    "U": "U",
    "UNKNOWN": "U",
    "UNDESIGNATED": "U",
}

REGISTRATION_STATUSES = ("ACTIVE", "INACTIVE", "REMOVED", "DENIED", "TEMPORARY")
# NC status codes (layout_ncvoter.txt) and descriptions.
REGISTRATION_STATUS_SPELLINGS = {
    **{status: status for status in REGISTRATION_STATUSES},
    "A": "ACTIVE",
    "I": "INACTIVE",
    "R": "REMOVED",
    "D": "DENIED",
    "S": "TEMPORARY",
}

ELECTION_TYPES = ("GENERAL", "PRIMARY", "RUNOFF", "SPECIAL", "MUNICIPAL", "OTHER")

VOTING_METHODS = ("IN_PERSON", "EARLY", "ABSENTEE", "MAIL", "PROVISIONAL", "OTHER")
# NC ncvhis voting_method values (SOURCES.md in data/layouts) and the canonical spellings.
VOTING_METHOD_SPELLINGS = {
    **{method: method for method in VOTING_METHODS},
    "IN-PERSON": "IN_PERSON",
    "IN PERSON": "IN_PERSON",
    "ELECTION DAY IN-PERSON": "IN_PERSON",
    "ELECTION DAY": "IN_PERSON",
    "CURBSIDE": "IN_PERSON",
    "ABSENTEE ONESTOP": "EARLY",
    "EARLY VOTING IN-PERSON": "EARLY",
    "ONE STOP": "EARLY",
    "ABSENTEE CURBSIDE": "EARLY",
    "EARLY VOTING": "EARLY",
    "ABSENTEE BY MAIL": "MAIL",
    "BY MAIL": "MAIL",
    "MAIL-IN": "MAIL",
    "TRANSFER": "OTHER",
}


RACES = (
    "White",
    "Black",
    "Hispanic",
    "Asian",
    "American Indian",
    "Pacific Islander",
    "Two or More",
    "Other",
    "Unknown",
)
# Spellings of the canonical layout and the usual descriptions; state codes live in their layouts.
RACE_SPELLINGS = {
    **{race.upper(): race for race in RACES},
    "WHITE, NOT HISPANIC": "White",
    "CAUCASIAN": "White",
    "BLACK OR AFRICAN AMERICAN": "Black",
    "AFRICAN AMERICAN": "Black",
    "BLACK, NOT HISPANIC": "Black",
    "LATINO": "Hispanic",
    "HISPANIC OR LATINO": "Hispanic",
    "ASIAN OR PACIFIC ISLANDER": "Asian",
    "AMERICAN INDIAN OR ALASKA NATIVE": "American Indian",
    "NATIVE AMERICAN": "American Indian",
    "NATIVE HAWAIIAN OR PACIFIC ISLANDER": "Pacific Islander",
    "MULTIRACIAL": "Two or More",
    "MULTI-RACIAL": "Two or More",
    "TWO OR MORE RACES": "Two or More",
    "UNDESIGNATED": "Unknown",
    "UNKNOWN": "Unknown",
}

ETHNICITIES = ("Hispanic", "Not Hispanic", "Unknown")
ETHNICITY_SPELLINGS = {
    **{value.upper(): value for value in ETHNICITIES},
    "HISPANIC OR LATINO": "Hispanic",
    "LATINO": "Hispanic",
    "NOT HISPANIC OR NOT LATINO": "Not Hispanic",
    "NOT HISPANIC OR LATINO": "Not Hispanic",
    "NON-HISPANIC": "Not Hispanic",
    "UNDESIGNATED": "Unknown",
}

# A yes/no indicator (e.g. NC's confidential_ind), as the canonical boolean's text.
FLAGS = ("true", "false")
FLAG_SPELLINGS = {
    "Y": "true",
    "YES": "true",
    "TRUE": "true",
    "1": "true",
    "N": "false",
    "NO": "false",
    "FALSE": "false",
    "0": "false",
}

# Canonical column -> its vocabulary (what a code table may map to).
CANONICAL_VALUES = {
    "gender": GENDERS,
    "race": RACES,
    "ethnicity": ETHNICITIES,
    "party": PARTIES,
    "primary_ballot_party": PARTIES,
    "party_ballot": PARTIES,
    "registration_status": REGISTRATION_STATUSES,
    "election_type": ELECTION_TYPES,
    "voting_method": VOTING_METHODS,
    "confidential": FLAGS,
}

# Canonical column -> (the platform's own spellings, vocabulary, catch-all for an unknown value).
# The catch-all is what a value outside the vocabulary is loaded as (flagged unknown_<column>);
# None keeps no value.
PLATFORM_SPELLINGS = {
    "gender": (GENDER_SPELLINGS, GENDERS, "U"),
    "race": (RACE_SPELLINGS, RACES, "Other"),
    "ethnicity": (ETHNICITY_SPELLINGS, ETHNICITIES, "Unknown"),
    "party": (PARTY_SPELLINGS, PARTIES, "Other"),
    "primary_ballot_party": (PARTY_SPELLINGS, PARTIES, "Other"),
    "party_ballot": (PARTY_SPELLINGS, PARTIES, "Other"),
    "registration_status": (REGISTRATION_STATUS_SPELLINGS, REGISTRATION_STATUSES, None),
    "election_type": ({value: value for value in ELECTION_TYPES}, ELECTION_TYPES, "OTHER"),
    "voting_method": (VOTING_METHOD_SPELLINGS, VOTING_METHODS, "OTHER"),
    "confidential": (FLAG_SPELLINGS, FLAGS, None),
}
