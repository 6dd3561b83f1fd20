"""Shared test configuration: Hypothesis profiles (select with HYPOTHESIS_PROFILE=...).

- default (no HYPOTHESIS_PROFILE): what the README's ``pytest`` runs. Derandomised (the examples
  are a function of the test and the code only), no example database (nothing carried over from
  an earlier run), no timing health checks (a loaded machine must not turn a pass into a
  failure): the same result every time.
- ci: the same, >= 200 examples for the core properties (``.ci/run``).
- dev: random exploration while editing, 40 examples, with the local example database (failures
  found once are replayed first).
- thorough: random exploration, >= 5,000 examples, for hunting counterexamples.

Derandomised does not mean "the same examples forever": Hypothesis also draws literals it finds
in the code under test, so editing a constant can change the examples (deterministically).
"""

import os
import sys

from hypothesis import HealthCheck, settings

# The independent reference routes (typed from the paper, not imported from the package) live in
# tests/property/ldm_reference.py; the unit tests next to this file use them too.
_property_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "property")
if _property_dir not in sys.path:
    sys.path.insert(0, _property_dir)

_QUIET = [HealthCheck.too_slow, HealthCheck.data_too_large]

settings.register_profile(
    "default", max_examples=100, deadline=None, derandomize=True, database=None,
    print_blob=True, suppress_health_check=_QUIET,
)
settings.register_profile(
    "ci", max_examples=200, deadline=None, derandomize=True, database=None, print_blob=True,
    suppress_health_check=_QUIET,
)
settings.register_profile("dev", max_examples=40, deadline=None, print_blob=True)
settings.register_profile(
    "thorough", max_examples=5000, deadline=None, print_blob=True, suppress_health_check=_QUIET,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
