"""Raw voter files: the landing sensor, the raw multi-asset and its checks (group ingest)."""
