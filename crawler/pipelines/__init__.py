"""Item pipelines of the optout crawler, one job per module."""
