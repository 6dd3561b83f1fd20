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

Any schedule ``(a_s, b_s)``, VP or not (the rectified flow ``a_s = s``, ``b_s = 1 - s``): the
forward SDE ``dX = f X ds + g dW`` has ``f = d log b_s/ds`` and ``g² = (a_s²)' - 2 f a_s²``
(:func:`ldmstop.derivations.backends.schedule_coefficients`), the backward SDE is
``dY = (-f Y + g² score) dt + g dB`` and the probability-flow ODE ``dY = (-f Y + g²/2 score) dt``;
EM, EI (``y ← (b_{s'}/b_s) y + b_{s'} (G(s) - G(s')) score + sqrt(q) z``, ``G = ∫ g²/b``) and
the ODE steps are written with them. VP (``f = -w²``, ``g² = 2 w²``) keeps the ``expm1`` forms
above, which do not lose digits on small steps.

The update rules themselves are Numba functions in :mod:`ldmstop.sim.kernels` (``em_step``,
``ei_step``, ``euler_ode_step``, ``heun_step``; beside the kernels for cache correctness), so
that this module stays free of Numba. Their exact variance counterparts are in :mod:`ldmstop.sim.recursions`,
written from the variance formulas, not from these functions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .grid import ODE_SCHEMES, SCHEMES
from ldmstop.sampler import Sampler
from .schedule_tables import ode_coefficient, step_coefficients
from .scores import score_coefficient
from ldmstop.errors import ProblemError  # a ValueError: sim validates as the API does

__all__ = ["SCHEME_IDS", "StepTables", "step_tables"]

#: Integer codes the kernels branch on (once per step, not per element).
SCHEME_IDS = {name: i for i, name in enumerate(SCHEMES)}


@dataclass(frozen=True)
class StepTables:
    """What the kernels need per step ``k`` (O(K·D) memory, never O(paths·K)).

    ``dt (K,)``; ``m_left (K, D)`` the score coefficients at ``s_k``; ``drift``/``diffusion2 (K,)``
    = ``f(s_k)``, ``g²(s_k)``; ``noise_sd (K,)`` the scheme's noise scale (EM ``sqrt(g² Δ)``, EI
    ``sqrt(q)``); ``ei_ratio``/``ei_weight (K,)`` = ``b_{s'}/b_s``, ``b_{s'}(G(s) - G(s'))``;
    ``ode_left``/``ode_right (K, D)`` the probability-flow coefficient ``c = -f - g² m/2`` at
    ``s_k``, ``s_{k+1}`` (ODE schemes; empty otherwise); ``corrector (K,)`` whether Heun's second
    stage is used.
    """

    times: np.ndarray
    dt: np.ndarray
    m_left: np.ndarray
    drift: np.ndarray
    diffusion2: np.ndarray
    noise_sd: np.ndarray
    ei_ratio: np.ndarray
    ei_weight: np.ndarray
    ode_left: np.ndarray
    ode_right: np.ndarray
    corrector: np.ndarray
    scheme_id: int


def step_tables(sigma2_hat: np.ndarray, *, schedule: str, T: float, steps: int, scheme: str,
                truncate: float = 0.0, cap: float | None = None) -> StepTables:
    """Schedule and score evaluated on the solver grid, for the kernels (formulas in the module
    docstring). Raises ``ValueError`` when a coefficient the scheme needs is not finite (an SDE
    scheme on the rectified flow at ``T = 1``, where ``f`` and ``g²`` are infinite). The
    settings are checked here, once (:meth:`ldmstop.sampler.Sampler.build`)."""
    smp = Sampler.build(scheme=scheme, steps=steps, truncate=truncate, cap=cap, T=T,
                        schemes=SCHEMES)
    scheme, cap, T = smp.scheme, smp.cap, smp.T
    times = smp.grid()
    s = T - times
    sl, sr = s[:-1], s[1:]
    dt = np.diff(times)
    h = np.asarray(sigma2_hat, dtype=float)
    K, D = dt.size, h.size
    ode = scheme in ODE_SCHEMES
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        m_left = score_coefficient(h, sl, schedule, cap)
        corrector = sr > 0.0
        co = step_coefficients(schedule, sl, sr)  # the table the exact recursions read too
        f, g2 = co.f_left, co.g2_left
        ratio, weight, q_ei = co.ei_ratio, co.ei_weight, co.ei_noise
        empty = np.zeros((0, D))
        cl = cr = empty  # the probability-flow coefficients: ODE schemes only
        if ode:
            capped = cap is not None
            # An unused corrector may sit on an infinite score (σ̂ = 0 at s = 0): keep it finite.
            m_right = np.where(corrector[:, None], score_coefficient(h, sr, schedule, cap), 0.0)
            cl = ode_coefficient(schedule, sl, f, g2, co.beta_left, m_left, h, capped)
            cr = ode_coefficient(schedule, sr, co.f_right, co.g2_right, co.beta_right, m_right, h,
                                 capped)
            cr = np.where(corrector[:, None], cr, 0.0)
        noise_sd = np.sqrt(g2 * dt) if scheme == "em" else np.sqrt(q_ei)
    if ode:
        needed = (cl, cr)
    elif scheme == "em":
        needed = (f, g2, noise_sd, m_left)
    else:
        needed = (ratio, weight, noise_sd, m_left)
    if not all(np.all(np.isfinite(a)) for a in needed):
        raise ProblemError(f"scheme {scheme} has a non-finite coefficient on the {schedule} schedule "
                         f"with T = {T:g}: its drift or diffusion is infinite at s = T "
                         f"(use a smaller --T, e.g. 0.999, or an ODE scheme)")
    return StepTables(
        times=times, dt=dt, m_left=np.ascontiguousarray(m_left) if not ode else np.zeros((K, D)),
        drift=np.ascontiguousarray(f), diffusion2=np.ascontiguousarray(g2),
        noise_sd=np.ascontiguousarray(noise_sd), ei_ratio=np.ascontiguousarray(ratio),
        ei_weight=np.ascontiguousarray(weight),
        ode_left=np.ascontiguousarray(cl), ode_right=np.ascontiguousarray(cr),
        corrector=corrector, scheme_id=SCHEME_IDS[scheme],
    )
