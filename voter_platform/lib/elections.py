"""Which election a piece of text names: a history column's header ("PRIMARY-03/15/2016",
"November2016", "2016 Gen Election Participation"), a slot's label ("GE16"), an item of a history
string. One pure function, `read_election`, used by the ingest for every history shape and by the
generator to write them back.

Dates a text does not give follow the US election-day rule: the Tuesday after the first Monday of
the month (November for a general). That is exact for a general election and an estimate otherwise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

from voter_platform.layouts.registry import ElectionText
from voter_platform.lib.vocabularies import ELECTION_TYPES

# Words that name an election type, in the order they are tried ("SECOND PRIMARY" is a runoff).
ELECTION_TYPE_WORDS = (
    ("RUNOFF", "RUNOFF"),
    ("SECOND PRIMARY", "RUNOFF"),
    ("SPECIAL", "SPECIAL"),
    ("MUNI", "MUNICIPAL"),
    ("PRIMARY", "PRIMARY"),
    ("GENERAL", "GENERAL"),
)

# The first year `untyped_election_type_sql` lists federal generals from (older elections are quarantined).
FIRST_LISTED_YEAR = 1900

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("JAN", "JANUARY"),
            ("FEB", "FEBRUARY"),
            ("MAR", "MARCH"),
            ("APR", "APRIL"),
            ("MAY",),
            ("JUN", "JUNE"),
            ("JUL", "JULY"),
            ("AUG", "AUGUST"),
            ("SEP", "SEPT", "SEPTEMBER"),
            ("OCT", "OCTOBER"),
            ("NOV", "NOVEMBER"),
            ("DEC", "DECEMBER"),
        ),
        start=1,
    )
    for name in names
}


@dataclass(frozen=True)
class Election:
    date: date
    type: str  # canonical election type
    label: str  # the text it was read from
    flags: tuple[str, ...] = ()  # estimated_election_date | election_year_only


def election_day(year: int, month: int = 11) -> date:
    """The Tuesday after the first Monday of the month."""
    first = date(year, month, 1)
    first_monday = first + timedelta(days=(7 - first.weekday()) % 7)
    return first_monday + timedelta(days=1)


def is_federal_general(day: date) -> bool:
    return day.year % 2 == 0 and day == election_day(day.year)


def type_from_words(text: str) -> str | None:
    """GENERAL / PRIMARY / ... from a description, or None when it names no type."""
    upper = text.upper()
    return next((election_type for word, election_type in ELECTION_TYPE_WORDS if word in upper), None)


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


def read_election(text: str, spec: ElectionText) -> Election | None:
    """The election `text` names under `spec`, or None when the text is not an election."""
    found = _compiled(spec.pattern).search(text.strip())
    if found is None:
        return None
    groups = {name: value for name, value in found.groupdict().items() if value}
    election_type = _type(groups.get("type"), spec)
    known = spec.dates.get(text.strip().upper())
    if known:
        day = date.fromisoformat(known)
        return Election(day, election_type or _default_type(day, spec), text.strip())
    if "date" in groups:
        try:
            day = datetime.strptime(groups["date"], spec.date_format or "%m/%d/%Y").date()
        except ValueError:
            return None
        return Election(day, election_type or _default_type(day, spec), text.strip())
    if "year" not in groups:
        return None
    year = int(groups["year"])
    if year < 100:
        year += 2000 if year < 50 else 1900
    month = _month(groups.get("month"))
    if month is None and election_type in (None, "GENERAL"):
        day = election_day(year)
        return Election(day, election_type or "GENERAL", text.strip())
    if month is None:
        return Election(date(year, 1, 1), election_type or "OTHER", text.strip(), ("election_year_only",))
    if "day" in groups:
        day = date(year, month, int(groups["day"]))
        return Election(day, election_type or _default_type(day, spec), text.strip())
    day = election_day(year, month)
    flags = () if (election_type in (None, "GENERAL") and month == 11) else ("estimated_election_date",)
    return Election(day, election_type or _default_type(day, spec), text.strip(), flags)


def _type(word: str | None, spec: ElectionText) -> str | None:
    if word is None:
        return spec.type
    mapped = {key.upper(): value for key, value in spec.types.items()}.get(word.strip().upper())
    return mapped or type_from_words(word) or (word.upper() if word.upper() in ELECTION_TYPES else "OTHER")


def _default_type(day: date, spec: ElectionText) -> str:
    return spec.type or untyped_election_type(day)


def untyped_election_type(day: date) -> str:
    """The type of an election on `day` when nothing names it: GENERAL on a federal general's date
    (the calendar types it), otherwise OTHER."""
    return "GENERAL" if is_federal_general(day) else "OTHER"


def untyped_election_type_sql(day_sql: str, last_year: int) -> str:
    """`untyped_election_type` of a DATE expression in SQL (NULL for a NULL date), for rows typed in
    DuckDB: the federal generals' days from 1900 to `last_year` are listed from `is_federal_general`."""
    generals = [
        day
        for day in (election_day(year) for year in range(FIRST_LISTED_YEAR, last_year + 1))
        if is_federal_general(day)
    ]
    listed = ", ".join(f"date '{day.isoformat()}'" for day in generals)
    # list_position, not list_contains or IN: DuckDB makes a hash join of those, which loses the fast
    # reader's row order (see records._one_of).
    return (
        f"(case when list_position([{listed}], {day_sql}) is not null then 'GENERAL' "
        f"when {day_sql} is not null then 'OTHER' end)"
    )


def _month(text: str | None) -> int | None:
    if text is None:
        return None
    if text.isdigit():
        return int(text)
    return _MONTHS.get(text.strip().upper()[:3] if text.strip().upper()[:3] in _MONTHS else text.strip().upper())


def write_election(day: date, election_type: str, spec: ElectionText) -> str:
    """The text naming an election the way `spec` reads it (its `template`): the generator's half of
    `read_election`. Raises ValueError when the layout has no template."""
    if spec.template is None:
        raise ValueError(f"no template to write elections matching {spec.pattern!r}")
    words: dict[str, str] = {}
    for word, mapped in spec.types.items():
        words.setdefault(mapped, word)
    return spec.template.format(
        date=day,
        year=day.year,
        yy=f"{day.year % 100:02d}",
        month_name=day.strftime("%B"),
        type=words.get(election_type, election_type),
    )
