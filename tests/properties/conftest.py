"""Hypothesis profiles: CI draws the same examples every run (a failure is reproducible);
``HYPOTHESIS_PROFILE=explore`` draws new ones and many more of them."""

from __future__ import annotations

import os
from datetime import timedelta

from hypothesis import HealthCheck, settings

# The deadline bounds each example's time: a parser that goes quadratic (or worse) on some
# input fails here. It is generous because CI shares two cores with the rest of the suite.
settings.register_profile(
    "ci",
    derandomize=True,
    max_examples=150,
    deadline=timedelta(seconds=3),
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "explore", max_examples=5_000, deadline=timedelta(seconds=3), print_blob=True
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
