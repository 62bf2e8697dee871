"""Reading the published folder: the cache, and what a user reads when something is missing or broken."""

import json

import pytest

from voter_platform.dashboard.data import NothingPublished, PublishedStore, UnreadablePublication
from voter_platform.lib.publish import write_json_atomically
from voter_platform_tests.published_fixtures import SECOND_DATE

LATEST = SECOND_DATE.isoformat()


def test_nothing_published_is_a_plain_sentence(tmp_path):
    store = PublishedStore(tmp_path / "published")
    with pytest.raises(NothingPublished, match="Nothing has been published yet"):
        store.manifest()


def test_a_corrupt_manifest_or_file_is_named_without_a_traceback(published_dir):
    store = PublishedStore(published_dir)
    (published_dir / LATEST / "partisan_trends.parquet").write_bytes(b"PAR1 half a file")
    with pytest.raises(UnreadablePublication, match=f"partisan_trends.parquet for {LATEST} could not be read"):
        store.table(LATEST, "partisan_trends")
    assert len(store.table(LATEST, "engagement_segments")) > 0  # the other files still serve
    (published_dir / "manifest.json").write_text("{ not json")
    with pytest.raises(UnreadablePublication, match="could not be read"):
        PublishedStore(published_dir).manifest()


def test_files_are_cached_until_the_manifest_changes(published_dir):
    """A publish replaces files first and the manifest last: until then the cache keeps the complete old set."""
    store = PublishedStore(published_dir)
    before = store.table(LATEST, "engagement_segments")
    path = published_dir / LATEST / "engagement_segments.parquet"
    smaller = before.head(10)
    smaller.to_parquet(path)
    assert store.table(LATEST, "engagement_segments") is before
    manifest = json.loads((published_dir / "manifest.json").read_text())
    manifest["published_at"][LATEST] = "2025-01-10T00:00:00+00:00"
    write_json_atomically(published_dir / "manifest.json", manifest)
    assert len(store.table(LATEST, "engagement_segments")) == 10
    assert store.manifest().published_at[LATEST] == "2025-01-10T00:00:00+00:00"


def test_only_dates_and_tables_in_the_manifest_can_be_read(published_dir):
    store = PublishedStore(published_dir)
    for date_choice, name in [("../../etc", "passwd"), (LATEST, "../manifest"), ("2031-01-01", "state_summary")]:
        with pytest.raises(UnreadablePublication):
            store.table(date_choice, name)


def test_the_dashboard_loads_neither_dagster_definitions_nor_duckdb():
    """It reads Parquet only: it cannot open (and lock) the warehouse, and runs where only the files are."""
    import subprocess
    import sys

    code = (
        "import sys, voter_platform.dashboard.app;"
        "loaded = [m for m in sys.modules if m == 'duckdb' or m.startswith(('voter_platform.defs', 'dagster'))];"
        "print(loaded); sys.exit(1 if loaded else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
