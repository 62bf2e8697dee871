"""Election reference assets: real results, turnout, calendar and registration, one per table.

Each asset reads its vendored CSV (data/reference/, sources in SOURCES.md there), keeps the rows of
the cycles being materialized and hands them to the DuckDB I/O manager, which replaces exactly those
cycles in `elections.<asset name>`. The dbt staging models read these tables as sources.
"""

from collections.abc import Callable

import dagster as dg
import pandas as pd

from voter_platform.defs.partitions import election_cycle_partitions
from voter_platform.defs.resources import WAREHOUSE_POOL
from voter_platform.lib.reference import REFERENCE_READERS

# The layer's one name: code package defs/elections, asset group, elections_job, tests test_elections.
ELECTIONS_GROUP = "elections"


def _reference_asset(reader: Callable[[], pd.DataFrame]) -> dg.AssetsDefinition:
    @dg.asset(
        name=reader.__name__,
        key_prefix="elections",
        group_name=ELECTIONS_GROUP,
        description=reader.__doc__,
        partitions_def=election_cycle_partitions,
        # All cycles load in one run: the whole table is read from one small file anyway.
        backfill_policy=dg.BackfillPolicy.single_run(),
        metadata={"partition_expr": "cycle"},
        kinds={"duckdb", "pandas"},
        pool=WAREHOUSE_POOL,
    )
    def _load(context: dg.AssetExecutionContext) -> pd.DataFrame:
        table = reader()
        rows = table[table["cycle"].isin(context.partition_keys)].reset_index(drop=True)
        context.add_output_metadata(
            {
                "dagster/row_count": len(rows),
                "cycles_with_rows": sorted(rows["cycle"].unique().tolist()),
                "dagster/column_schema": dg.TableSchema(
                    columns=[dg.TableColumn(name, str(dtype)) for name, dtype in rows.dtypes.items()]
                ),
                "preview": dg.MetadataValue.md(rows.head(5).to_markdown(index=False)),
            }
        )
        return rows

    return _load


election_reference_assets = [_reference_asset(reader) for reader in REFERENCE_READERS]
