"""How dbt resources appear in Dagster: keys by layer, groups by folder, election data as a whole."""

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings

# The layer's one name: code package defs/marts, asset group, marts_job, tests test_marts. Inside it,
# dbt's own folders (staging, intermediate, marts) stay visible as the first part of each asset key.
MARTS_GROUP = "marts"


class VoterPlatformTranslator(DagsterDbtTranslator):
    """Models are keyed `<dbt folder>/<model>` (staging, intermediate, marts) and all grouped in `marts`.

    dbt sources are keyed `<source>/<table>` so that `raw.voters` is the ingest asset `raw/voters`
    and `elections.vep_turnout` the reference asset `elections/vep_turnout`. Seeds (small, curated
    corrections read by staging models) belong to the staging layer.
    """

    def __init__(self) -> None:
        super().__init__(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey([dbt_resource_props["source_name"], dbt_resource_props["name"]])
        return dg.AssetKey([_layer(dbt_resource_props), dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return MARTS_GROUP

    def get_partition_mapping(
        self, dbt_resource_props: Mapping[str, Any], dbt_parent_resource_props: Mapping[str, Any]
    ) -> dg.PartitionMapping | None:
        # Every analysis date reads every election cycle (calendar, results, turnout).
        if dbt_parent_resource_props.get("source_name") == "elections":
            return dg.AllPartitionMapping()
        return None


def _layer(dbt_resource_props: Mapping[str, Any]) -> str:
    """The models/ sub-folder a resource lives in: staging, intermediate or marts."""
    if dbt_resource_props.get("resource_type") == "seed":
        return "staging"
    fqn = dbt_resource_props.get("fqn", [])
    return fqn[1] if len(fqn) > 2 else "dbt"
