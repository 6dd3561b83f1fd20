"""Schedule tables for the simulators: ``a_s²``, ``b_s``, the VP rate ``β_s = w_s²`` and
``B(s) = ∫_0^s β_u du``.

VP forward process ``dX_s = -w_s² X_s ds + sqrt(2 w_s²) dW_s`` (docs/theory.md §1), so that
``b_s = exp(-B(s))`` and ``a_s² = 1 - b_s²``. Every function here is generated from the SymPy
schedule of :mod:`ldmstop.derivations.schedules` (docs/design.md, principle 1) ahead of time, into
:mod:`ldmstop.derivations.generated`: ``B`` is ``-log b_s`` simplified symbolically (a
polynomial for OU and VP-linear), so the exponential integrator's increments
``B(s_k) - B(s_{k+1})`` carry no ``log(exp(·))`` round-off.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Callable

import numpy as np
from ldmstop.errors import ProblemError  # a ValueError: sim validates as the API does

__all__ = ["schedule_table", "ScheduleTable"]


class ScheduleTable:
    """Vectorised numpy functions of forward time ``s`` for one built-in VP schedule."""

    def __init__(self, name: str, a2: Callable, b: Callable, beta: Callable, B: Callable,
                 inverse_a2: Callable):
        self.name = name
        self._a2, self._b, self._beta, self._B, self._inv = a2, b, beta, B, inverse_a2

    @staticmethod
    def _broadcast(f: Callable, s) -> np.ndarray:
        s = np.asarray(s, dtype=float)
        return np.asarray(f(s), dtype=float) * np.ones_like(s)

    def a2(self, s) -> np.ndarray:
        """``a_s² = 1 - exp(-2 B(s))`` (printed with ``expm1``: full relative precision at 0)."""
        return self._broadcast(self._a2, s)

    def b(self, s) -> np.ndarray:
        """``b_s = exp(-B(s))``."""
        return self._broadcast(self._b, s)

    def beta(self, s) -> np.ndarray:
        """``β_s = w_s²``, the VP rate of ``dX_s = -β_s X_s ds + sqrt(2 β_s) dW_s`` (the name
        Pierret & Galerne 2025 use; ``W²`` is kept for the Wasserstein distance)."""
        return self._broadcast(self._beta, s)

    def B(self, s) -> np.ndarray:
        """``B(s) = ∫_0^s β_u du = -log b_s``."""
        return self._broadcast(self._B, s)

    def inverse_a2(self, x) -> np.ndarray:
        """Forward time ``s`` with ``a_s² = x`` for ``x ∈ [0, 1)``."""
        return self._broadcast(self._inv, x)


@lru_cache(maxsize=None)
def schedule_table(name: str) -> ScheduleTable:
    """Generated numpy functions for the built-in VP schedule ``name`` (e.g. ``ou``,
    ``vp-linear``); a schedule that is not VP raises ``ValueError``. No SymPy: the functions
    come from :mod:`ldmstop.derivations.generated` (``B`` is the ``<schedule>_log_signal``
    result)."""
    from ldmstop.derivations.backends import numpy_schedule

    fns = numpy_schedule(name)  # raises ValueError naming the schedule
    if not fns.variance_preserving or fns.w2 is None:
        raise ProblemError(f"schedule {name!r} is not variance-preserving (no w_s²); the simulators "
                         "and recursions step VP schedules only")
    return ScheduleTable(name, fns.a2, fns.b, fns.w2, fns.log_signal, fns.inverse_a2)
