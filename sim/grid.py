"""The solver grid shared by the recursions and kernels; the checks of the sampler settings
(re-exported here) live in :mod:`ldmstop.sampler`, with the :class:`~ldmstop.sampler.Sampler`
that carries them validated.

Grid (Pierret & Galerne 2025, §4; docs/theory.md §5): backward times ``t_k = (T - ε) k / K``,
``k = 0..K``, forward times ``s_k = T - t_k``; ``ε`` is the truncation (early stop of the grid).
"""

from __future__ import annotations

import numpy as np
from ldmstop.registry import INITS, ODE_SCHEMES, SAMPLER_SCHEMES, SDE_SCHEMES
from ldmstop.sampler import check_init, check_scheme, check_steps, check_truncate

__all__ = ["SCHEMES", "SDE_SCHEMES", "ODE_SCHEMES", "INITS", "solver_grid", "check_steps",
           "check_scheme", "check_init", "check_truncate"]

#: Euler–Maruyama and exponential integrator step the backward SDE; Euler and Heun step the
#: probability-flow ODE (names, orders and references: :mod:`ldmstop.registry`).
SCHEMES = SAMPLER_SCHEMES
# INITS (re-exported): ``pT``, start from the model's own ``p_T``; ``normal``, from ``N(0, I)``.


def solver_grid(T: float, steps: int, truncate: float = 0.0) -> np.ndarray:
    """Backward times ``t_k = (T - ε) k / K``, ``k = 0..K`` (shape ``(K+1,)``); the settings are
    checked (:meth:`ldmstop.sampler.Sampler.grid` is the same grid for checked settings)."""
    K = check_steps(steps)
    eps = check_truncate(truncate, T)
    return (T - eps) * np.arange(K + 1, dtype=float) / K
