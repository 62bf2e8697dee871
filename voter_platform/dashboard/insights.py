"""Insight sentences computed from the published tables, each with the numbers it rests on.

Every sentence follows the filter bar and is built from rollup rows that were not suppressed; a sentence
whose numbers are suppressed is simply not offered. Each insight carries its parts so the page can set the
numbers in bold (and so a test can check the number against the table).

A state whose roll is not statewide (a county extract) is named with its coverage ("North Carolina (1 of 100
counties)"), and no sentence sets its numbers beside a statewide result: `not_compared` says why instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from voter_platform.dashboard.data import Filters, pick, state_label, targeting_segments
from voter_platform.dashboard.figures import PARTY_PLURALS
from voter_platform.dashboard.geography import state_name
from voter_platform.lib.publish import ALL, PARTIES

GENDER_ADJECTIVES = {"Female": "female", "Male": "male", "Other": "other-gender", "Unknown": "unknown-gender"}


@dataclass(frozen=True)
class Insight:
    """A sentence as parts; a part marked True is a number to emphasise."""

    parts: tuple[tuple[str, bool], ...]
    weight: float  # how much it matters, for ordering (voters concerned)

    @property
    def text(self) -> str:
        return "".join(part for part, _ in self.parts)


def _group(party: str, filters: Filters) -> str:
    """'female Democrats aged 18-29' — the people a sentence is about."""
    words = [GENDER_ADJECTIVES[filters.gender]] if filters.gender != ALL else []
    words.append(PARTY_PLURALS[party])
    if filters.age_group != ALL:
        words.append(f"aged {filters.age_group}")
    return " ".join(words)


def missed_last_election(
    cube: pd.DataFrame, filters: Filters, labels: dict[str, str] | None = None, top: int = 2
) -> list[Insight]:
    """'Pennsylvania has 12,500 Democrats who missed only the last election (9.8% of them).'"""
    parties = [party for party in PARTIES if party != "Unknown"] if filters.party == ALL else [filters.party]
    rows = pick(
        cube,
        age_group=filters.age_group,
        gender=filters.gender,
        party=parties,
        engagement_tier=["Missed Last Election", ALL],
        state=filters.state if filters.is_drilled else None,
    )
    rows = rows[rows.state != ALL]
    if rows.empty:
        return []
    table = rows.pivot(index=["state", "party"], columns="engagement_tier", values="voters")
    table.columns = table.columns.astype(str)
    if "Missed Last Election" not in table:
        return []
    table = table.dropna(subset=["Missed Last Election"])
    table = table[table["Missed Last Election"] > 0].sort_values("Missed Last Election", ascending=False).head(top)
    insights = []
    for (state, party), row in table.iterrows():
        missed = row["Missed Last Election"]
        share = 100.0 * missed / row[ALL] if pd.notna(row.get(ALL)) and row[ALL] else None
        parts = [
            (f"{state_label(str(state), labels or {})} has ", False),
            (f"{missed:,.0f}", True),
            (f" {_group(str(party), filters)} who missed only the last election", False),
        ]
        if share is not None:
            parts += [(" (", False), (f"{share:.1f}%", True), (" of them)", False)]
        insights.append(Insight((*parts, (".", False)), weight=float(missed)))
    return insights


def top_segment(targeting: pd.DataFrame, filters: Filters, labels: dict[str, str] | None = None) -> list[Insight]:
    """The best-ranked targeting segment in the filtered selection."""
    rows = targeting_segments(targeting, filters)
    rows = rows[rows.opportunity_score.notna()]
    if rows.empty:
        return []
    best = rows.sort_values(["opportunity_score", "recoverable_voters"], ascending=False).iloc[0]
    who = PARTY_PLURALS[str(best.party)]
    if str(best.gender) != ALL:
        who = f"{GENDER_ADJECTIVES[str(best.gender)]} {who}"
    parts = [
        ("Top segment: ", False),
        (f"{who} aged {best.age_group} in {state_label(str(best.state), labels or {})}", False),
        (" — opportunity score ", False),
        (f"{best.opportunity_score:.0f}", True),
    ]
    if pd.notna(best.recoverable_voters):
        parts += [(", ", False), (f"{best.recoverable_voters:,.0f}", True), (" recoverable voters", False)]
    if pd.notna(best.missed_last_pct):
        parts += [(", ", False), (f"{best.missed_last_pct:.0f}%", True), (" missed only the last election", False)]
    return [Insight((*parts, (".", False)), weight=float(best.recoverable_voters or 0))]


def _lean(margin: float) -> str:
    return f"D+{margin:.1f}" if margin >= 0 else f"R+{-margin:.1f}"


def registration_vs_result(summary: pd.DataFrame, filters: Filters) -> list[Insight]:
    """The state whose roll leans furthest from how it voted for president (statewide rolls only: the mart holds
    no presidential result beside a county extract)."""
    rows = summary[summary.registration_margin_pts.notna() & summary.presidential_margin_pts.notna()]
    if filters.is_drilled:
        rows = rows[rows.state.astype(str) == filters.state]
    if rows.empty:
        return []
    gaps = (rows.presidential_margin_pts - rows.registration_margin_pts).abs()
    row = rows.loc[gaps.idxmax()]
    year = int(row.presidential_year) if pd.notna(row.presidential_year) else ""
    parts = (
        (f"{state_name(str(row.state))}'s roll leans ", False),
        (_lean(row.registration_margin_pts), True),
        (" but it voted ", False),
        (_lean(row.presidential_margin_pts), True),
        (f" for president in {year}: a ", False),
        (f"{gaps.max():.1f}-point", True),
        (" gap.", False),
    )
    return [Insight(parts, weight=float(row.voters or 0) if pd.notna(row.voters) else 0.0)]


def turnout_against_official(turnout: pd.DataFrame, filters: Filters) -> list[Insight]:
    """File turnout in the latest general election against the official VEP turnout, where the roll is statewide
    (all states together: the states whose roll is statewide, summed alike on both sides)."""
    rows = pick(turnout, state=filters.state)
    rows = rows[rows.file_turnout_pct.notna() & rows.official_vep_turnout_pct.notna()]
    if rows.empty:
        return []
    latest = rows.sort_values("election_date").iloc[-1]
    states = int(latest.states) if "states" in latest and pd.notna(latest.states) else None
    if filters.is_drilled:
        where = state_name(filters.state)
    elif states is not None:
        where = f"the {states} state{'s' if states != 1 else ''} with a statewide roll"
    else:
        where = "the states in the file"
    parts = (
        (f"In {int(latest.election_year)}, ", False),
        (f"{latest.file_turnout_pct:.1f}%", True),
        (f" of registered voters in {where} whose history is known voted, against ", False),
        (f"{latest.official_vep_turnout_pct:.1f}%", True),
        (" official VEP turnout.", False),
    )
    return [Insight(parts, weight=float(latest.voted or 0) if pd.notna(latest.voted) else 0.0)]


def latest_changes(changes: pd.DataFrame, filters: Filters, labels: dict[str, str] | None = None) -> list[Insight]:
    """New registrations and removals on the most recent change day."""
    rows = pick(changes, state=filters.state, from_value=ALL, to_value=ALL)
    if rows.empty:
        return []
    day = rows.change_date.max()
    counts = {str(row.change_type): row.voters for row in rows[rows.change_date == day].itertuples()}
    added, removed = counts.get("new_registration"), counts.get("removed")
    if added is None or removed is None or pd.isna(added) or pd.isna(removed):
        return []
    where = f" in {state_label(filters.state, labels or {})}" if filters.is_drilled else ""
    parts = (
        (f"On {pd.Timestamp(day):%Y-%m-%d}{where}: ", False),
        (f"{added:,.0f}", True),
        (" new registrations and ", False),
        (f"{removed:,.0f}", True),
        (" removals (net ", False),
        (f"{added - removed:+,.0f}", True),
        (").", False),
    )
    return [Insight(parts, weight=float(added + removed))]


def not_compared(summary: pd.DataFrame, filters: Filters) -> list[Insight]:
    """Why a state's numbers are not set beside its statewide results: its roll is not statewide.

    Drilled into such a state: "North Carolina's roll leans D+10.9. Not compared with statewide figures: the roll
    covers 1 of 100 counties (10.2% of the state's registered voters)." (the mart's own note). Over all states:
    which states are left out of every comparison.
    """
    if "coverage" not in summary or "comparison_note" not in summary:
        return []
    rows = summary[summary.coverage.astype(str) != "full"]
    if filters.is_drilled:
        rows = rows[rows.state.astype(str) == filters.state]
    if rows.empty:
        return []
    if filters.is_drilled:
        row = rows.iloc[0]
        if pd.notna(row.registration_margin_pts):
            parts = [
                (f"{state_name(filters.state)}'s roll leans ", False),
                (_lean(row.registration_margin_pts), True),
                (f". {row.comparison_note}", False),
            ]
        else:
            parts = [(f"{state_name(filters.state)} — {row.comparison_note}", False)]
        return [Insight(tuple(parts), weight=float("inf"))]
    named = ", ".join(f"{state_name(str(row.state))} ({row.coverage_label})" for row in rows.itertuples())
    return [
        Insight(
            (
                (
                    f"Not compared with statewide results (presidential vote, VEP turnout), because the roll is "
                    f"not statewide: {named}.",
                    False,
                ),
            ),
            weight=float("inf"),
        )
    ]
