"""Linear Gaussian scores ``s(y, s) = -m(s) y`` per component, in the PCA basis.

Wu et al. (2025), §2 and Prop 4 (docs/theory.md §1, §3). With ``v̂_i(s) = a_s² + b_s² σ̂_i²``:

- exact score: ``m_i(s) = 1 / v_i(s)`` with the true variances (``σ̂ = σ``);
- plug-in score: ``m_i(s) = 1 / v̂_i(s)`` with the estimate ``σ̂²``;
- capped ERM score (Prop 4): ``m̂_i(s) = min(C, 1 / v̂_i(s))``, ``C > 1``.

``v̂`` is computed as ``σ̂² + a_s² (1 - σ̂²)`` so that it keeps relative precision as ``s → 0``
(``a_s²`` is generated with ``expm1``). ``m = +inf`` where ``v̂ = 0`` (``σ̂ = 0`` at ``s = 0``);
the samplers never evaluate an uncapped score there (see :mod:`ldmstop.sim.schemes`).
"""

from __future__ import annotations

import numpy as np

from functools import lru_cache

from .schedule_tables import schedule_table
from ldmstop.sampler import check_cap  # re-exported: the cap is checked with the other settings

__all__ = ["model_variance", "score_coefficient", "check_cap", "is_variance_preserving", "SCORES"]

#: Names of the score families (the exact score is the plug-in score with ``σ̂ = σ``).
SCORES = ("exact", "plug-in", "capped")


@lru_cache(maxsize=None)
def is_variance_preserving(schedule: str) -> bool:
    """Whether ``schedule`` is VP (``a_s² + b_s² = 1``); ``ValueError`` for an unknown name."""
    from ldmstop.derivations.backends import numpy_schedule  # generated: no SymPy at run time

    return bool(numpy_schedule(schedule).variance_preserving)


def model_variance(sigma2_hat: np.ndarray, s: np.ndarray, schedule: str) -> np.ndarray:
    """``v̂_i(s) = a_s² + b_s² σ̂_i²`` for forward times ``s`` (rows) and components
    (columns): the marginal variance of the forward process started from ``N(0, diag σ̂²)``.
    VP schedules use ``σ̂_i² + a_s² (1 - σ̂_i²)`` (``b² = 1 - a²``), exact as ``s → 0``."""
    s = np.asarray(s, dtype=float)
    h = np.asarray(sigma2_hat, dtype=float)
    if is_variance_preserving(schedule):
        a2 = schedule_table(schedule).a2(s)
        return h[None, :] + a2[:, None] * (1.0 - h[None, :])
    from ldmstop.derivations.backends import schedule_coefficients

    co = schedule_coefficients(schedule)
    a2 = np.asarray(co["a2"](s), dtype=float) * np.ones_like(s)
    b = np.asarray(co["b"](s), dtype=float) * np.ones_like(s)
    return a2[:, None] + (b * b)[:, None] * h[None, :]


def score_coefficient(sigma2_hat: np.ndarray, s: np.ndarray, schedule: str,
                      cap: float | None = None) -> np.ndarray:
    """``m_i(s)`` of the linear score ``-m_i(s) y``: ``1/v̂_i(s)``, or ``min(C, 1/v̂_i(s))``
    with a cap (Wu et al. 2025, Prop 4). Shape ``(len(s), D)``. ``cap`` is trusted: checked
    where the settings enter (:func:`ldmstop.sampler.check_cap`)."""
    v = model_variance(sigma2_hat, s, schedule)
    with np.errstate(divide="ignore"):
        m = 1.0 / v
    if cap is not None:
        m = np.minimum(m, cap)
    return m
