"""The solver grid and the validation of sampler settings shared by the recursions and kernels.

Grid (Pierret & Galerne 2025, §4; docs/theory.md §5): backward times ``t_k = (T - ε) k / K``,
``k = 0..K``, forward times ``s_k = T - t_k``; ``ε`` is the truncation (early stop of the grid).
"""

from __future__ import annotations

import math

import numpy as np
from ldmstop.errors import ProblemError  # a ValueError: sim validates as the API does
from ldmstop.registry import INITS, ODE_SCHEMES, SAMPLER_SCHEMES, SDE_SCHEMES

__all__ = ["SCHEMES", "SDE_SCHEMES", "ODE_SCHEMES", "INITS", "solver_grid", "check_steps",
           "check_scheme", "check_init", "check_truncate"]

#: Euler–Maruyama and exponential integrator step the backward SDE; Euler and Heun step the
#: probability-flow ODE (names, orders and references: :mod:`ldmstop.registry`).
SCHEMES = SAMPLER_SCHEMES
#: ``pT``: start from the model's own ``p_T``; ``normal``: start from ``N(0, I)``.


def check_steps(steps) -> int:
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1:
        raise ProblemError(f"steps must be an integer >= 1, got {steps!r}")
    return int(steps)


def check_scheme(scheme: str) -> str:
    if scheme not in SCHEMES:
        raise ProblemError(f"unknown scheme {scheme!r}; choose one of {', '.join(SCHEMES)}")
    return scheme


def check_init(init: str) -> str:
    if init not in INITS:
        raise ProblemError(f"unknown init {init!r}; choose one of {', '.join(INITS)}")
    return init


def check_truncate(truncate: float, T: float) -> float:
    try:
        e = float(truncate)
    except (TypeError, ValueError):
        raise ProblemError(f"truncate must be a number in [0, T), got {truncate!r}") from None
    if not math.isfinite(e) or e < 0 or e >= T:
        raise ProblemError(f"truncate must be in [0, T) = [0, {T}), got {truncate!r}")
    return e


def solver_grid(T: float, steps: int, truncate: float = 0.0) -> np.ndarray:
    """Backward times ``t_k = (T - ε) k / K``, ``k = 0..K`` (shape ``(K+1,)``)."""
    K = check_steps(steps)
    eps = check_truncate(truncate, T)
    return (T - eps) * np.arange(K + 1, dtype=float) / K
