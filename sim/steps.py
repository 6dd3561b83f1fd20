"""The scalar update rules of the schemes, compiled with Numba (inlined into the kernels).

One function per scheme; see :mod:`ldmstop.sim.schemes` for the formulas, orders and
references. The score enters only through :func:`linear_score`, ``score(y, s) = -m(s) y``
(Wu et al. 2025, §2; Prop 4 for the capped ``m``).
"""

from __future__ import annotations

from numba import njit

__all__ = ["linear_score", "em_step", "ei_step", "euler_ode_step", "heun_step"]


@njit(cache=True, inline="always")
def linear_score(y: float, m: float) -> float:
    """Gaussian (plug-in / capped) score of one PCA component: ``-m y``."""
    return -m * y


@njit(cache=True, inline="always")
def em_step(y: float, m: float, w2: float, dt: float, sd: float, z: float) -> float:
    """Euler–Maruyama: ``y + Δ w² (y + 2 score) + sqrt(2 w² Δ) z`` (``sd = sqrt(2 w² Δ)``)."""
    return y + dt * w2 * (y + 2.0 * linear_score(y, m)) + sd * z


@njit(cache=True, inline="always")
def ei_step(y: float, m: float, eB: float, g1: float, sd: float, z: float) -> float:
    """Exponential integrator: ``e^{ΔB} y + 2 (e^{ΔB} - 1) score + sqrt(e^{2ΔB} - 1) z``
    (``eB = e^{ΔB}``, ``g1 = e^{ΔB} - 1``, ``sd = sqrt(e^{2ΔB} - 1)``)."""
    return eB * y + 2.0 * g1 * linear_score(y, m) + sd * z


@njit(cache=True, inline="always")
def euler_ode_step(y: float, m: float, w2: float, dt: float) -> float:
    """Euler on the probability-flow ODE: ``y + Δ w² (y + score)``."""
    return y + dt * w2 * (y + linear_score(y, m))


@njit(cache=True, inline="always")
def heun_step(y: float, m0: float, m1: float, w20: float, w21: float, dt: float,
              corrector: bool) -> float:
    """Heun on the probability-flow ODE: predictor ``y + Δ f_0``, corrector
    ``y + Δ/2 (f_0 + f_1(y_pred))`` with ``f = w² (y + score)``; predictor only when
    ``corrector`` is false (last step onto ``s = 0``)."""
    f0 = w20 * (y + linear_score(y, m0))
    y_pred = y + dt * f0
    if not corrector:
        return y_pred
    f1 = w21 * (y_pred + linear_score(y_pred, m1))
    return y + 0.5 * dt * (f0 + f1)
