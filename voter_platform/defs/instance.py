"""The `warehouse` pool, registered in the Dagster instance from the first run.

DuckDB allows one writing process per database file, so every step that writes the warehouse declares the pool
`warehouse`, limited to one run at a time. dagster.yaml's `concurrency.pools.default_limit` only applies to a pool
the run queue meets in a queued run's plan, and not at all to an instance whose configuration came from elsewhere
(a DAGSTER_HOME set up before the platform copied its dagster.yaml there): several ingests then start together and
all but one fail with "Could not set lock on file". So the limit is written into the instance itself, explicitly,
by every entry point before it starts a run: `voter-platform up` and `voter-platform build`, and the landing
sensor at each tick (before the first ingest is requested).
"""

from __future__ import annotations

import dagster as dg

WAREHOUSE_POOL = "warehouse"
WAREHOUSE_POOL_LIMIT = 1


def ensure_warehouse_pool(instance: dg.DagsterInstance) -> bool:
    """Set the warehouse pool's limit in the instance unless it is set already; True when it was (re)set."""
    limits = {pool.name: pool for pool in instance.event_log_storage.get_pool_limits()}
    current = limits.get(WAREHOUSE_POOL)
    if current is not None and current.limit == WAREHOUSE_POOL_LIMIT and not current.from_default:
        return False
    instance.event_log_storage.set_concurrency_slots(WAREHOUSE_POOL, WAREHOUSE_POOL_LIMIT)
    return True
