"""How the backward process is stepped: one update rule per scheme, and the per-step tables.

Backward time ``t``, forward time ``s = T - t``; the score is linear, ``score(y, s) = -m(s) y``
(:mod:`ldmstop.sim.scores`). On the grid ``t_k = (T - ε) k/K`` (``Δ = t_{k+1} - t_k``):

- ``em``: Euler–Maruyama on the backward SDE ``dY = w²(Y + 2 score) dt + sqrt(2w²) dB``
  (strong order 1/2, weak order 1): ``y ← y + Δ w²_k (y + 2 score_k(y)) + sqrt(2 w²_k Δ) z``.
- ``ei``: exponential integrator (Pierret & Galerne 2025; Zhang & Chen 2023, DEIS): the linear
  part ``w² Y`` integrated exactly, the score frozen at ``s_k``:
  ``y ← e^{ΔB} y + 2 (e^{ΔB} - 1) score_k(y) + sqrt(e^{2ΔB} - 1) z``, ``ΔB = B(s_k) - B(s_{k+1})``
  (weak order 1).
- ``euler-ode``: Euler on the probability-flow ODE ``dY = w²(Y + score) dt`` (order 1).
- ``heun``: Heun (explicit trapezoidal, order 2) on the probability-flow ODE; the corrector is
  skipped on a step ending at ``s = 0``, where the score can be singular (Karras et al. 2022,
  Alg. 1).

The update rules themselves are Numba functions in :mod:`ldmstop.sim.kernels` (``em_step``,
``ei_step``, ``euler_ode_step``, ``heun_step``; beside the kernels for cache correctness), so
that this module stays free of Numba. Their exact variance counterparts are in :mod:`ldmstop.sim.recursions`,
written from the variance formulas, not from these functions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .grid import SCHEMES, check_scheme, solver_grid
from .scores import score_coefficient
from .schedules import schedule_table

__all__ = ["SCHEME_IDS", "StepTables", "step_tables"]

#: Integer codes the kernels branch on (once per step, not per element).
SCHEME_IDS = {name: i for i, name in enumerate(SCHEMES)}


@dataclass(frozen=True)
class StepTables:
    """What the kernels need per step ``k`` (O(K·D) memory, never O(paths·K)).

    ``dt (K,)``, ``w2_left``/``w2_right (K,)`` = ``w²(s_k)``, ``w²(s_{k+1})``; ``m_left``/
    ``m_right (K, D)`` the score coefficients there; ``dB (K,)`` = ``B(s_k) - B(s_{k+1})``;
    ``corrector (K,)`` whether Heun's second stage is used.
    """

    times: np.ndarray
    dt: np.ndarray
    w2_left: np.ndarray
    w2_right: np.ndarray
    m_left: np.ndarray
    m_right: np.ndarray
    dB: np.ndarray
    corrector: np.ndarray
    scheme_id: int


def step_tables(sigma2_hat: np.ndarray, *, schedule: str, T: float, steps: int, scheme: str,
                truncate: float = 0.0, cap: float | None = None) -> StepTables:
    """Schedule and score evaluated on the solver grid, for the kernels."""
    check_scheme(scheme)
    times = solver_grid(T, steps, truncate)
    tab = schedule_table(schedule)
    s = T - times
    h = np.asarray(sigma2_hat, dtype=float)
    with np.errstate(divide="ignore"):
        m_left = score_coefficient(h, s[:-1], schedule, cap)
        m_right = score_coefficient(h, s[1:], schedule, cap)
    corrector = s[1:] > 0.0
    # An unused corrector may sit on an infinite score (σ̂ = 0 at s = 0): keep the table finite.
    m_right = np.where(corrector[:, None], m_right, 0.0)
    return StepTables(
        times=times, dt=np.diff(times), w2_left=tab.w2(s[:-1]), w2_right=tab.w2(s[1:]),
        m_left=np.ascontiguousarray(m_left), m_right=np.ascontiguousarray(m_right),
        dB=tab.B(s[:-1]) - tab.B(s[1:]), corrector=corrector, scheme_id=SCHEME_IDS[scheme],
    )
