"""ldmstop.derivations — the single SymPy source of every formula.

Importing this package imports SymPy; ``import ldmstop`` does not. See :mod:`.results` for the
registry of derived results and :mod:`.backends` for the numpy / mpmath / Numba versions.
"""

from .schedules import Schedule, get_schedule, SCHEDULE_NAMES  # noqa: F401
from .results import RESULTS, Result, get_result  # noqa: F401
