"""Noise schedules and samplers of the learned models, derived from :mod:`ldmstop.derivations`.

Two schedules, as in Wu et al. (2025): the rectified flow of their image experiments (appendix
D.1: ``X_s = (1 - s) X_0 + s ε``, sampled by Euler steps on the flow ODE) and the VP-linear
schedule of score SDEs (``β(s) = 0.1 + 19.9 s``, sampled by Euler–Maruyama on the backward SDE).
``a_s`` and ``b_s`` come from the SymPy schedules (``sympy.lambdify`` to JAX, with the
``expm1`` rewrite that keeps ``a_s²`` accurate near ``s = 0``); the per-step sampler
coefficients from ``schedule_coefficients`` on the solver grid ``t_k = (T - ε) k/K`` of
:func:`ldmstop.sim.grid.solver_grid`, so the learned sampler takes exactly the steps whose
Gaussian-score variances the theory's recursions compute (README, ``ldmstop curve``).

Parameterisation (what the network predicts, and the loss: denoising score matching with a
weight): rectified flow — the velocity ``v = ε - X_0`` (flow matching, Liu et al. 2023), score
``-(x + (1 - s) v̂)/s``; VP — the noise ``ε`` (Ho et al. 2020), score ``-ε̂/a_s``. Both updates
are linear in the state and the network output: ``y ← α_k y + β_k net(y, s_k) + γ_k ξ_k``:

- rectified flow, Euler on ``dy/dt = -v(y, s)``: ``α = 1``, ``β = -Δ``, ``γ = 0``;
- VP, Euler–Maruyama on the backward SDE ``dy = (-f y + g² score) dt + g dB`` (Anderson
  1982) with ``score = -ε̂/a``: ``α = 1 - Δ f``, ``β = -Δ g²/a``, ``γ = sqrt(Δ g²)``,

with ``f = d log b/ds``, ``g² = (a²)' - 2 f a²`` at ``s_k``, ``Δ = t_{k+1} - t_k``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ldmstop.errors import ProblemError

__all__ = ["SCHEDULES", "SamplerSpec", "sampler_spec", "jax_signal_noise", "step_coefficients"]

SCHEDULES = ("rectified-flow", "vp-linear")


@dataclass(frozen=True)
class SamplerSpec:
    """How one schedule is trained and sampled."""

    schedule: str
    #: ``euler-ode`` or ``em`` (names of :mod:`ldmstop.curve`'s schemes)
    scheme: str
    #: ``v`` (velocity) or ``eps`` (noise)
    target: str
    T: float
    #: grid truncation ε: the last step ends at forward time ε
    truncate: float
    #: smallest forward time drawn in training
    s_min: float


def sampler_spec(schedule: str, truncate: float | None = None) -> SamplerSpec:
    """The spec of ``schedule``: rectified flow → Euler on the flow ODE, ``T = 1``, no
    truncation (the ODE's velocity is finite at both ends); VP-linear → Euler–Maruyama,
    ``T = 1``, truncation ``ε = 10⁻³`` (Song et al. 2021), where the score ``-ε̂/a_s`` is finite."""
    if schedule == "rectified-flow":
        return SamplerSpec(schedule, "euler-ode", "v", 1.0, 0.0 if truncate is None else truncate, 0.0)
    if schedule == "vp-linear":
        eps = 1e-3 if truncate is None else truncate
        return SamplerSpec(schedule, "em", "eps", 1.0, eps, min(eps, 1e-3))
    raise ProblemError(f"unknown schedule {schedule!r}; choose from {', '.join(SCHEDULES)}")


@lru_cache(maxsize=None)
def jax_signal_noise(schedule: str):
    """``(a(s), b(s))`` as JAX functions, lambdified from the SymPy schedule."""
    import sympy as sp

    from ldmstop.derivations.schedules import get_schedule
    from ldmstop.derivations.symbols import s

    from ldmstop.derivations.printing import stabilise
    from .backend import require

    _, jnp, _ = require()
    sch = get_schedule(schedule)
    a2 = sp.lambdify(s, stabilise(sch.a2), modules="jax")
    b = sp.lambdify(s, stabilise(sch.b), modules="jax")
    return (lambda x: jnp.sqrt(jnp.maximum(a2(x), 0.0))), b


def step_coefficients(spec: SamplerSpec, steps: int) -> dict[str, np.ndarray]:
    """Per-step coefficients (float64) of ``y ← α y + β net(y, s) + γ ξ`` on the solver grid.

    Returns ``times`` (K+1 backward times), ``s`` (the K forward times where the network is
    evaluated), ``alpha``, ``beta``, ``gamma`` (K each)."""
    from ldmstop.sim.grid import solver_grid

    from ldmstop.derivations.backends import schedule_coefficients

    times = solver_grid(spec.T, steps, spec.truncate)
    s = spec.T - times[:-1]
    dt = np.diff(times)
    if spec.scheme == "euler-ode":
        alpha = np.ones_like(s)
        beta = -dt
        gamma = np.zeros_like(s)
    else:
        co = schedule_coefficients(spec.schedule)
        f = np.asarray(co["drift"](s), float) * np.ones_like(s)
        g2 = np.asarray(co["diffusion2"](s), float) * np.ones_like(s)
        a = np.sqrt(np.asarray(co["a2"](s), float) * np.ones_like(s))
        alpha = 1.0 - dt * f
        beta = -dt * g2 / a
        gamma = np.sqrt(dt * g2)
    out = {"times": times, "s": s, "alpha": alpha, "beta": beta, "gamma": gamma}
    for k, v in out.items():
        if not np.all(np.isfinite(v)):
            raise ProblemError(f"sampler coefficient {k} is not finite on the {spec.schedule} grid "
                               f"(T = {spec.T}, truncation {spec.truncate})")
    return out
