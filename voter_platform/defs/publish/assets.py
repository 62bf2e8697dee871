"""The published snapshot: the published dbt models of an analysis date as Parquet files the dashboard reads.

The dashboard never opens the DuckDB warehouse (a reader would block the pipeline's writer, and the
warehouse holds PII); it reads `<data>/published/<date>/*.parquet` instead. The rollups are dbt models
(dbt/models/published/, Dagster assets `published/published_<table>`); small-cell suppression, the Parquet
copy and the manifest live in `voter_platform/lib/publish.py`.
"""

from datetime import date
from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource
from pydantic import Field

from voter_platform.defs.partitions import analysis_date_partitions
from voter_platform.defs.resources import WAREHOUSE_POOL, PublishedFolder
from voter_platform.lib.publish import (
    MANIFEST_FILE,
    PUBLISHED_MODELS,
    PUBLISHED_SCHEMA,
    DatePublication,
    has_voters,
    min_cell_size_from_env,
    publish_date,
    update_manifest,
    validate_min_cell_size,
)

# The layer's one name: code package defs/publish, asset group, tests test_publish.
PUBLISH_GROUP = "publish"
# The freshness of the published data (the only check on published_snapshot) is checked on a clock
# (defs/alerts/freshness.py), not by the runs that publish: a backfill of old dates would otherwise fail it.
CHECKED_ON_A_CLOCK = dg.AssetSelection.checks_for_assets(dg.AssetKey("published_snapshot"))


class PublishConfig(dg.Config):
    min_cell_size: int | None = Field(
        default=None,
        description=(
            "Counts of fewer voters than this are suppressed in the published files. "
            "Default: env VOTER_PLATFORM_MIN_CELL_SIZE, else 10."
        ),
    )


@dg.asset(
    name="published_snapshot",
    group_name=PUBLISH_GROUP,
    partitions_def=analysis_date_partitions,
    # The dbt models of the published layer (dagster-dbt keys them <folder>/<model>).
    deps=[dg.AssetKey([PUBLISHED_SCHEMA, model]) for model in PUBLISHED_MODELS],
    # A date range (backfill) publishes its dates in one run, like the dbt marts it follows.
    backfill_policy=dg.BackfillPolicy.single_run(),
    # It only reads the warehouse, but any open connection blocks another process's writer.
    pool=WAREHOUSE_POOL,
    kinds={"duckdb", "parquet"},
    description=(
        "The published dbt models of the analysis date as Parquet files in <data>/published/<date>/ for the "
        "dashboard: aggregates with 'All' rollup levels, small cells suppressed, no voter-level rows. "
        "Files are replaced atomically and manifest.json is updated last; it lists, per date, the states "
        "whose roll is not statewide."
    ),
)
def published_snapshot(
    context: dg.AssetExecutionContext, config: PublishConfig, warehouse: DuckDBResource, published: PublishedFolder
) -> dg.MaterializeResult:
    min_cell_size = (
        validate_min_cell_size(config.min_cell_size) if config.min_cell_size is not None else min_cell_size_from_env()
    )
    published_dir = published.folder
    publications: list[DatePublication] = []
    skipped: list[str] = []
    with warehouse.get_connection() as connection:
        for partition_key in context.partition_keys:
            analysis_date = date.fromisoformat(partition_key)
            if not has_voters(connection, analysis_date):
                # Dates before the first snapshot have empty marts: nothing worth showing.
                context.log.warning(
                    f"{partition_key}: the published models have no voters for this date; not published"
                )
                skipped.append(partition_key)
                continue
            publication = publish_date(connection, published_dir, analysis_date, min_cell_size)
            # The manifest moves after each date, so a long backfill shows up date by date.
            update_manifest(published_dir, [publication])
            publications.append(publication)
            context.log.info(
                f"{partition_key}: published {len(publication.files)} files, {publication.rows:,} rows, "
                f"{publication.suppressed_cells:,} suppressed cells"
            )
    return dg.MaterializeResult(metadata=_metadata(publications, skipped, min_cell_size, published_dir))


def _metadata(publications: list[DatePublication], skipped: list[str], min_cell_size: int, published_dir: Path) -> dict:
    table = "\n".join(
        ["| date | file | rows | bytes | suppressed cells |", "|---|---|---:|---:|---:|"]
        + [
            f"| {publication.analysis_date} | {published.file_name} | {published.rows:,} | {published.bytes:,} "
            f"| {published.suppressed_cells:,} |"
            for publication in publications
            for published in publication.files
        ]
    )
    return {
        "dates_published": dg.MetadataValue.json([publication.analysis_date for publication in publications]),
        "dates_skipped_without_voters": dg.MetadataValue.json(skipped),
        "files": dg.MetadataValue.md(table),
        "dagster/row_count": dg.MetadataValue.int(sum(publication.rows for publication in publications)),
        "bytes_published": dg.MetadataValue.int(sum(publication.bytes for publication in publications)),
        "suppressed_cells": dg.MetadataValue.int(sum(publication.suppressed_cells for publication in publications)),
        "min_cell_size": dg.MetadataValue.int(min_cell_size),
        # Rolls that are not statewide (a county extract): shown with their coverage, compared with nothing statewide.
        "states_not_statewide": dg.MetadataValue.json(
            {
                publication.analysis_date: {state: entry["label"] for state, entry in publication.coverage.items()}
                for publication in publications
                if publication.coverage
            }
        ),
        "manifest": dg.MetadataValue.path(str(published_dir / MANIFEST_FILE)),
    }
