"""Alerts and freshness: who is told when a run fails, a date is blocked or the published data goes stale."""
