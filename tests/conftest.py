"""Shared test configuration: Hypothesis profiles (select with HYPOTHESIS_PROFILE=dev|ci|thorough).

- dev (default): fast feedback while editing.
- ci: reproducible (derandomized), >= 200 examples for the core properties, no deadline.
- thorough: >= 5,000 examples, for hunting counterexamples.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile("dev", max_examples=40, deadline=None)
settings.register_profile(
    "ci", max_examples=200, deadline=None, derandomize=True, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "thorough", max_examples=5000, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))
