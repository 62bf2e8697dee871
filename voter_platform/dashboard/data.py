"""Reading the published snapshot: the manifest, the Parquet files of a date, and the filters over them.

The dashboard reads only `<data>/published` (written by the `published_snapshot` asset): never the warehouse.
Files are cached in memory keyed by the manifest's modification time, which the publisher replaces last:
while a run rewrites a date's files the cache keeps serving the previous complete set, and the first request
after the new manifest lands reloads them.

Everything a browser sends (a date, a state, a party...) is checked against the manifest or the known labels
before it is used; an unknown value means 'All'. Nothing from a request becomes a path or a query.

Two more things come from the published folder: the coverage of each date's rolls (the manifest lists the states
whose roll is not statewide, shown as "North Carolina (1 of 100 counties)"), the party basis of each state
(state_summary: a state without party registration is counted by the party of its voters' primary ballots, shown
as "Ohio (party from primary ballots)"), and the dates that were blocked
(`blocked_dates.json`, written by the raw asset when a file had too many records quarantined), so the page can
say which dates will not be published and why instead of waiting for them.

**Scope.** Every row a request reads passes through `PublishedStore.table` (and the manifest through
`PublishedStore.manifest`), which keeps only what the requesting user's scope allows, so every chart, insight,
KPI, filter and download inherits the rule from this one place. A user scoped to states gets the rows of those
states only: the 'All states' rollups are national totals holding every other state (one subtraction away from
their numbers), so they are never served to a scoped user, who sees one of their states at a time. Files without a
state column are kept only where their rows can be attributed to the scope (data quality, by its sources' states);
the blocked-date notices name other states' files and are for admins only. An admin's scope is everything.
"""

from __future__ import annotations

import copy
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from voter_platform.dashboard.geography import state_name
from voter_platform.lib.blocked import BLOCKED_DATES_FILE, read_blocked_dates
from voter_platform.lib.publish import (
    AGE_GROUPS,
    ALL,
    ENGAGEMENT_TIERS,
    GENDERS,
    MANIFEST_FILE,
    PARTIES,
    PUBLISH_RECORD_FILE,
    PUBLISHED_TABLES,
    REGISTRATION_BASIS,
)

LATEST = "latest"
TABLE_NAMES = tuple(table.name for table in PUBLISHED_TABLES)
# Label columns read as categoricals: comparisons on them are integer comparisons.
_CATEGORY_COLUMNS = {
    "state",
    "county",
    "party",
    "age_group",
    "gender",
    "engagement_tier",
    "change_type",
    "from_value",
    "to_value",
    "measure_group",
    "measure",
    "file_name",
    "priority_tier",
    "party_basis",
}


class DashboardDataError(Exception):
    """Something about the published files a user should read as a plain sentence, not a traceback."""


class NothingPublished(DashboardDataError):
    pass


class UnreadablePublication(DashboardDataError):
    pass


@dataclass(frozen=True)
class Manifest:
    latest: str | None
    dates: tuple[str, ...]
    published_at: dict
    version: int  # the manifest file's mtime in ns: the cache key
    coverage: dict = field(default_factory=dict)  # date -> state -> coverage, for rolls that are not statewide

    def coverage_labels(self, analysis_date: str) -> dict[str, str]:
        """State -> '1 of 100 counties' (or 'coverage unknown') for the date's rolls that are not statewide."""
        states = self.coverage.get(analysis_date) or {}
        return {
            str(state): str(entry.get("label") or "coverage unknown")
            for state, entry in states.items()
            if isinstance(entry, dict)
        }

    def resolve(self, choice: str | None) -> str:
        """The analysis date a dropdown value stands for; 'latest' (or anything unknown) is the newest date."""
        if choice in self.dates:
            return choice
        if not self.latest:
            raise NothingPublished("Nothing has been published yet.")
        return self.latest


@dataclass(frozen=True)
class Scope:
    """The states a request may read: `states` None is every state (an admin); an empty set is none at all."""

    states: frozenset[str] | None

    @classmethod
    def of(cls, states: Iterable[str]) -> Scope:
        return cls(frozenset(states))

    @property
    def is_everything(self) -> bool:
        return self.states is None


EVERY_STATE = Scope(None)
NO_STATE = Scope(frozenset())


@dataclass(frozen=True)
class Filters:
    """The dashboard's filter bar: one value per dimension, 'All' meaning no filter."""

    state: str = ALL
    party: str = ALL
    engagement_tier: str = ALL
    age_group: str = ALL
    gender: str = ALL

    @classmethod
    def parse(
        cls,
        state=None,
        party=None,
        engagement_tier=None,
        age_group=None,
        gender=None,
        states: Iterable[str] = (),
        every_state: bool = True,
    ) -> Filters:
        """Filters from request values, each checked against what it may be (unknown -> 'All').

        Without `every_state` (a user scoped to some states) there is no 'All states': an unknown state is the
        first of `states`.
        """
        states = list(states)
        return cls(
            state=_allowed(state, states, default=ALL if every_state or not states else states[0]),
            party=_allowed(party, PARTIES),
            engagement_tier=_allowed(engagement_tier, ENGAGEMENT_TIERS),
            age_group=_allowed(age_group, AGE_GROUPS),
            gender=_allowed(gender, GENDERS),
        )

    def but(self, **changes: str) -> Filters:
        return replace(self, **changes)

    @property
    def is_drilled(self) -> bool:
        return self.state != ALL


def _allowed(value, allowed: Iterable[str], default: str = ALL) -> str:
    return value if isinstance(value, str) and value in set(allowed) else default


def pick(frame: pd.DataFrame, **criteria) -> pd.DataFrame:
    """Rows matching every criterion: a value (exact, 'All' included), a list of values, or None (any).

    Published tables carry 'All' rollup rows, so picking `party='All'` gives the total over parties. The
    dashboard never sums rows itself: suppressed cells would silently go missing from such a sum.
    """
    mask = pd.Series(True, index=frame.index)
    for column, wanted in criteria.items():
        if wanted is None:
            continue
        if isinstance(wanted, (list, tuple, set)):
            mask &= frame[column].isin(list(wanted))
        else:
            mask &= frame[column] == wanted
    return frame[mask]


def targeting_segments(targeting: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    """The mart's own targeting segments (not the rollups added for the charts) that match the filters.

    'All' in the state, party or age filter lists every value; the gender filter picks the level (segments
    over all genders, or one gender's cut), as the mart ranks them.
    """
    return pick(
        targeting[targeting.is_segment],
        gender=filters.gender,
        state=filters.state if filters.state != ALL else None,
        party=filters.party if filters.party != ALL else None,
        age_group=filters.age_group if filters.age_group != ALL else None,
    )


class PublishedStore:
    """The published folder, read through a small cache keyed by the manifest's modification time, as the
    scope of the current request allows (`scope`, called on every read; every state by default)."""

    def __init__(
        self, published_dir: Path | str, cache_size: int = 32, scope: Callable[[], Scope] = lambda: EVERY_STATE
    ):
        self.published_dir = Path(published_dir)
        self.cache_size = cache_size
        self.scope = scope
        self._cache: OrderedDict[tuple, object] = OrderedDict()
        self._lock = threading.Lock()

    def scoped(self, scope: Callable[[], Scope]) -> PublishedStore:
        """The same folder and cache, read within `scope` (the app's callbacks: the logged-in user's)."""
        view = copy.copy(self)
        view.scope = scope
        return view

    def sees_every_state(self) -> bool:
        return self.scope().is_everything

    def may_read(self, state: str) -> bool:
        scope = self.scope()
        return scope.is_everything or state in scope.states

    # -- manifest ------------------------------------------------------------------------------------------

    def manifest(self) -> Manifest:
        path = self.published_dir / MANIFEST_FILE
        try:
            stat = path.stat()
        except FileNotFoundError:
            raise NothingPublished(
                "Nothing has been published yet. This page checks every few seconds and shows the data as soon "
                "as the first analysis date is published."
            ) from None
        key = ("manifest", stat.st_mtime_ns, stat.st_size)
        cached = self._cached(key)
        if cached is None:
            cached = self._read_manifest(path, key, stat)
        return _within_scope(cached, self.scope())

    def _read_manifest(self, path: Path, key: tuple, stat) -> Manifest:
        try:
            content = json.loads(path.read_text())
            dates = tuple(sorted(str(day) for day in content.get("dates") or []))
            manifest = Manifest(
                latest=dates[-1] if dates else None,
                dates=dates,
                published_at=dict(content.get("published_at") or {}),
                version=stat.st_mtime_ns,
                coverage=dict(content.get("coverage") or {}),
            )
        except (OSError, ValueError, AttributeError, TypeError):
            raise UnreadablePublication(
                f"The list of published dates ({MANIFEST_FILE}) could not be read. It is rewritten by the next "
                "publish; until then there is nothing to show."
            ) from None
        if not dates:
            raise NothingPublished("Nothing has been published yet.")
        return self._store(key, manifest)

    # -- tables --------------------------------------------------------------------------------------------

    def table(self, analysis_date: str, name: str) -> pd.DataFrame:
        """One published table of a date listed in the manifest: the rows the request's scope may read."""
        scope = self.scope()
        whole = self._whole_table(analysis_date, name)
        if scope.is_everything:
            return whole
        key = ("scoped", self.manifest().version, analysis_date, name, scope.states)
        cached = self._cached(key)
        if cached is not None:
            return cached
        return self._store(key, self._rows_within(scope, analysis_date, name, whole))

    def _rows_within(self, scope: Scope, analysis_date: str, name: str, frame: pd.DataFrame) -> pd.DataFrame:
        """The rows of states in the scope ('All' rollups included nowhere: they sum every state); a table
        without a state column keeps the rows of sources whose states are all in the scope, or none."""
        if "state" in frame:
            kept = frame[frame["state"].isin(scope.states)]
        elif "source_id" in frame:
            kept = frame[frame["source_id"].isin(self._sources_within(scope, analysis_date))]
        else:
            kept = frame.iloc[0:0]
        # Categories of other states would still be listed by a groupby or a pivot: drop them.
        categories = [column for column in kept.columns if isinstance(kept[column].dtype, pd.CategoricalDtype)]
        kept = kept.assign(**{column: kept[column].cat.remove_unused_categories() for column in categories})
        if "score_rank" in kept:
            # The mart ranks segments over every state: a national rank would tell how many segments elsewhere
            # score higher. Counted again over the scope's segments, in the same order (ties stay tied).
            level = (kept["gender"].astype(str) == ALL).rename("level")
            kept = kept.assign(score_rank=kept.groupby(level)["score_rank"].rank(method="min"))
        return kept

    def _sources_within(self, scope: Scope, analysis_date: str) -> set[str]:
        """The sources (voter files' origins) of the date whose rolls are all of states in the scope."""
        coverage = self._whole_table(analysis_date, "roll_coverage")
        states_by_source = coverage.groupby("source_id", observed=True)["state"].agg(
            lambda states: set(map(str, states))
        )
        return {str(source) for source, states in states_by_source.items() if states <= scope.states}

    def _whole_table(self, analysis_date: str, name: str) -> pd.DataFrame:
        manifest = self.manifest()
        if analysis_date not in manifest.dates or name not in TABLE_NAMES:
            raise UnreadablePublication(f"There is no published {name!r} for {analysis_date!r}.")
        key = ("table", manifest.version, analysis_date, name)
        cached = self._cached(key)
        if cached is not None:
            return cached
        path = self.published_dir / analysis_date / f"{name}.parquet"
        try:
            frame = pq.read_table(path).to_pandas()
        except Exception as error:  # noqa: BLE001 - any unreadable file is the same message to a user
            raise UnreadablePublication(
                f"The published file {name}.parquet for {analysis_date} could not be read "
                f"({type(error).__name__}). The other charts are unaffected; republishing the date fixes it."
            ) from None
        for column in _CATEGORY_COLUMNS.intersection(frame.columns):
            frame[column] = frame[column].astype("category")
        return self._store(key, frame)

    def publish_record(self, analysis_date: str) -> dict:
        """The `_publish.json` of a date (publish time, minimum cell size), or {} when unreadable."""
        manifest = self.manifest()
        if analysis_date not in manifest.dates:
            return {}
        key = ("record", manifest.version, analysis_date)
        cached = self._cached(key)
        if cached is not None:
            return cached
        try:
            record = json.loads((self.published_dir / analysis_date / PUBLISH_RECORD_FILE).read_text())
        except (OSError, ValueError):
            record = {}
        return self._store(key, record)

    def blocked_dates(self) -> dict[str, dict]:
        """Dates whose file was blocked (too many records quarantined): date -> what lib/blocked.py records.

        For admins only: an entry names files and counts of any state, and does not record which.
        """
        if not self.scope().is_everything:
            return {}
        path = self.published_dir / BLOCKED_DATES_FILE
        try:
            stat = path.stat()
        except FileNotFoundError:
            return {}
        key = ("blocked", stat.st_mtime_ns, stat.st_size)
        cached = self._cached(key)
        if cached is not None:
            return cached
        return self._store(key, read_blocked_dates(self.published_dir))

    def states(self, analysis_date: str) -> list[str]:
        """The states present on a date (from the engagement cube)."""
        cube = self.table(analysis_date, "engagement_segments")
        return sorted(str(state) for state in cube["state"].unique() if state != ALL)

    # -- cache ---------------------------------------------------------------------------------------------

    def _cached(self, key):
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        return None

    def _store(self, key, value):
        with self._lock:
            self._cache[key] = value
            self._cache.move_to_end(key)
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return value


def _within_scope(manifest: Manifest, scope: Scope) -> Manifest:
    """The manifest with the coverage of the scope's states only (the dates are everyone's)."""
    if scope.is_everything:
        return manifest
    coverage = {
        day: {state: entry for state, entry in states.items() if state in scope.states}
        for day, states in manifest.coverage.items()
        if isinstance(states, dict)
    }
    return replace(manifest, coverage=coverage)


def party_basis_labels(summary: pd.DataFrame) -> dict[str, str]:
    """State -> how its party numbers read ('registered party', 'party from primary ballots', 'party not
    recorded'), from the published state_summary (the mart's own label); {} for a summary published before the
    party basis existed."""
    if "party_basis_label" not in summary:
        return {}
    rows = summary[summary.party_basis_label.notna()]
    return {str(row.state): str(row.party_basis_label) for row in rows.itertuples()}


def party_labels(summary: pd.DataFrame) -> dict[str, str]:
    """The states whose party numbers are not registered parties, with their label: what is shown beside them
    ({'OH': 'party from primary ballots', 'GA': 'party not recorded'})."""
    if "party_basis" not in summary or "party_basis_label" not in summary:
        return {}
    rows = summary[summary.party_basis.notna() & (summary.party_basis.astype(str) != REGISTRATION_BASIS)]
    return {str(row.state): str(row.party_basis_label) for row in rows.itertuples()}


def party_note(labels: dict[str, str], states) -> str | None:
    """What party means for the states shown, where it is not the registered party: 'Party from primary ballots:
    GA, OH; party not recorded: TX' (None when every state shown counts registered parties)."""
    shown = sorted(state for state in {str(state) for state in states} if state in labels)
    if not shown:
        return None
    by_label: dict[str, list[str]] = {}
    for state in shown:
        by_label.setdefault(labels[state], []).append(state)
    note = "; ".join(f"{label}: {', '.join(codes)}" for label, codes in sorted(by_label.items()))
    return note[:1].upper() + note[1:]


def state_details(coverage_labels: dict[str, str], party_labels: dict[str, str]) -> dict[str, str]:
    """State -> everything said beside its name: its coverage when the roll is not statewide, its party basis when
    its party is not the registered party ('3 of 88 counties, party from primary ballots')."""
    return {
        code: ", ".join(label for label in (coverage_labels.get(code), party_labels.get(code)) if label)
        for code in sorted(set(coverage_labels) | set(party_labels))
    }


def state_label(code: str, coverage_labels: dict[str, str], short: bool = False) -> str:
    """A state as shown beside its numbers: 'North Carolina (1 of 100 counties)' when its roll is not statewide,
    else just the name ('NC (1 of 100 counties)' / 'NC' with short=True). Given `state_details`, the party basis
    is said too: 'Ohio (party from primary ballots)'."""
    name = code if short else state_name(code)
    label = coverage_labels.get(code)
    return f"{name} ({label})" if label else name
