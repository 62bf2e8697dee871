"""dbt unit tests as Dagster asset checks.

dagster-dbt turns data tests into asset checks but skips unit tests (the business-rule tests on
hand-made inputs: tier boundaries, opportunity score, lean thresholds, unknown history, changes
between snapshots). `dbt build` runs them before their model and skips the model when one fails;
here each one becomes a blocking check on its model, its result read from dbt's run_results.json.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import dagster as dg

from voter_platform.defs.marts.translator import VoterPlatformTranslator

# dagster-dbt finds a check's dbt resource (for subset selections) under this metadata key.
DBT_UNIQUE_ID_KEY = "dagster_dbt/unique_id"


def unit_test_check_specs(manifest: Mapping[str, Any], translator: VoterPlatformTranslator) -> list[dg.AssetCheckSpec]:
    specs = []
    for unique_id, unit_test in manifest.get("unit_tests", {}).items():
        [model_id] = unit_test["depends_on"]["nodes"]
        specs.append(
            dg.AssetCheckSpec(
                name=unit_test["name"],
                asset=translator.get_asset_key(manifest["nodes"][model_id]),
                description=f"dbt unit test: {unit_test.get('description') or unit_test['name']}",
                blocking=True,
                metadata={DBT_UNIQUE_ID_KEY: unique_id},
            )
        )
    return specs


def unit_test_results(
    run_results: Mapping[str, Any],
    check_specs: Mapping[str, dg.AssetCheckSpec],
    selected: set[dg.AssetCheckKey],
) -> Iterator[dg.AssetCheckResult]:
    """One result per selected unit test that dbt ran (a skipped one has no result)."""
    for result in run_results.get("results", []):
        if not result["unique_id"].startswith("unit_test."):
            continue  # data tests reach Dagster through dagster-dbt's own events
        spec = check_specs.get(result["unique_id"])
        if spec is None or spec.key not in selected or result["status"] == "skipped":
            continue
        yield dg.AssetCheckResult(
            asset_key=spec.asset_key,
            check_name=spec.name,
            passed=result["status"] == "pass",
            severity=dg.AssetCheckSeverity.ERROR,
            metadata={
                "status": result["status"],
                "message": result.get("message") or "",
                "execution_seconds": round(float(result.get("execution_time") or 0.0), 3),
            },
        )
