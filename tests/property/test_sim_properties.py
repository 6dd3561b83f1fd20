"""Simulator properties (:mod:`ldmstop.sim`): the exact discrete recursions converge to the
continuous-time values as the number of steps grows, and Monte Carlo agrees with the recursion.

References are independent of :mod:`ldmstop.sim`: started from the model's own ``p_T`` with the
uncapped plug-in score, the continuous process has the plug-in marginal variance
``v̂(s) = a_s² + b_s² σ̂²`` at every time (docs/theory.md §2), typed again in ``ldm_reference``; with
the cap and a ``N(0, 1)`` start (Prop 5, OU) the reference is the RK4 integration of the ODE.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pytest
from hypothesis import event, given, note, settings
from hypothesis import strategies as st

import ldm_reference as ref
from ldmstop import Problem
from ldmstop.sim.recursions import discrete_variances
from ldmstop.sim.simulate import simulate
from ldmstop.sim.statistics import jackknife, stacked_means
from ldmstop.verify import strategies as lst

pytestmark = pytest.mark.property

SCHEMES = ["em", "ei", "euler-ode", "heun"]


def _scaled(divisor: int) -> int:
    """A fraction of the active profile's ``max_examples`` (for the expensive Monte Carlo
    property): 25 under ci, 5 under dev, 625 under thorough."""
    return max(5, settings.default.max_examples // divisor)


def _sup_error_pT(hat2: np.ndarray, schedule: str, T: float, steps: int, scheme: str) -> float:
    times, V = discrete_variances(hat2, schedule=schedule, T=T, steps=steps, scheme=scheme, init="pT")
    x = ref.a2_np(schedule, T - times)[:, None]
    exact = x + (1 - x) * hat2[None, :]
    return float(np.max(np.abs(V - exact) / exact))


ORDER = {"em": 1, "ei": 1, "euler-ode": 1, "heun": 2}


@given(st.lists(lst.variance_values(0.05, 5.0), min_size=1, max_size=4).map(np.asarray),
       lst.schedules(lst.VP_SCHEDULES), st.sampled_from(SCHEMES), st.data())
def test_discrete_recursion_converges_to_continuous_pT_start(hat2, sched, scheme, data):
    """Every scheme and VP schedule, started from ``p_T`` with the plug-in score: the exact
    discrete variance recursion approaches ``v̂(s)`` uniformly on the grid at the scheme's order:
    8× more steps divide the sup relative error by at least ``8^p / 2`` (``p`` = 1, 2 for Heun),
    so a first-order-consistent Heun fails, unless both are at round-off. Horizons 1e-4 to the
    schedule's maximum (50 for OU), with ``400·ceil(T)`` and 8 times as many steps. The recursion
    itself equals the independent transcription."""
    T = data.draw(lst.horizons(sched))
    # steps in proportion to the horizon: the asymptotic regime needs h·w²/σ̂² ≲ 1 (thorough:
    # Heun, OU, T = 50 with 400 steps was still pre-asymptotic, ratio 23 for 8x the steps)
    K = 400 * max(1, math.ceil(T))
    coarse = _sup_error_pT(hat2, sched, T, K, scheme)
    fine = _sup_error_pT(hat2, sched, T, 8 * K, scheme)
    note(f"coarse={coarse!r} fine={fine!r}")
    assert fine <= coarse / (8 ** ORDER[scheme] / 2) + 1e-11
    _, V = discrete_variances(hat2, schedule=sched, T=T, steps=400, scheme=scheme, init="pT")
    _, Vr = ref.discrete_variances_np(hat2, schedule=sched, T=T, steps=400, scheme=scheme, init="pT")
    np.testing.assert_allclose(V, Vr, rtol=1e-10)


@given(lst.variance_values(0.05, 4.0), st.sampled_from([2.0, 5.0, 10.0]) | st.floats(1.01, 10.0),
       lst.horizons("ou", max_T=3.0), st.sampled_from(["em", "ei"]))
def test_discrete_recursion_converges_to_prop5_ode(hat2, C, T, scheme):
    """Prop 5 setting (OU, capped score, start ``N(0, 1)``): the recursion's final variance
    converges to the RK4 solution of ``dV/dt = 2(1 − 2m̂)V + 2``; 8× more steps divide the
    error by ≥ 4 (first order: 8, less the kink of the capped score between grid points)."""
    ode = ref.ode_variance_at_T(hat2, C, T)
    errs = []
    for steps in (400, 3200):
        _, V = discrete_variances(np.array([hat2]), schedule="ou", T=T, steps=steps, scheme=scheme,
                                  init="normal", cap=C)
        errs.append(abs(V[-1, 0] - ode) / ode)
    note(f"errors={errs!r}")
    assert errs[1] <= errs[0] / 4 + 1e-9


@st.composite
def _mc_setting(draw):
    est = draw(lst.spectra_with_estimates(lst.spectra(1, 3, min_value=0.05, max_value=4.0), max_eps=8.0))
    sched = draw(lst.schedules(lst.VP_SCHEDULES))
    T = draw(lst.horizons(sched, max_T=min(lst.STRATEGY_MAX_T[sched], 10.0)))
    p = Problem.from_variances(est.sigma2, estimated=est.sigma2_hat if draw(st.booleans()) else None,
                               schedule=sched, T=T)
    return dict(problem=p, steps=draw(st.integers(5, 30)), scheme=draw(st.sampled_from(SCHEMES)),
                init=draw(st.sampled_from(["pT", "normal"])),
                cap=draw(st.one_of(st.none(), st.floats(1.5, 10.0))),
                seed=draw(st.integers(0, 2**31 - 1)))


def _z_bar(cells: int, examples: int, alpha: float = 1e-3) -> float:
    """Two-sided normal quantile for ``cells × examples`` comparisons at family-wise level
    ``alpha`` (Bonferroni): a fixed 4-SE bar is bound to fail once a profile runs thousands of
    cells (thorough: 625 examples × up to 9 cells), with no bug anywhere."""
    return NormalDist().inv_cdf(1 - alpha / (2 * cells * examples))


@settings(max_examples=_scaled(8))
@given(_mc_setting())
def test_monte_carlo_within_4_standard_errors_of_recursion(setting):
    """Monte Carlo against the exact discrete recursion of the same scheme on the same grid —
    the independent transcription, not ``ldmstop.sim.recursions`` — on small random settings
    (every scheme and VP schedule, both starts, with or without cap, estimate ratios up to 9,
    T from 1e-4 to 10; 4,000 paths, 3 checkpoints): (i) every component's second moment
    ``Ŝ_ii`` (a mean: its batch-means standard error is calibrated) against ``V_i``; (ii) the
    W² of every latent dimension whose kept components are all resolved,
    ``|sqrt V_i − σ_i| ≥ 10 τ_i`` (``τ_i`` the standard error of ``sqrt Ŝ_ii``). Where they are
    not, the W² estimator is not normal (measured on OU, σ² = 1, EM 5 steps: z with sd 1.4 and
    −9.5 in 400 runs), so only (i) is asserted there. Bar: 4 standard errors under the
    deterministic profiles, Bonferroni over the run under larger ones (``_z_bar``). Expensive:
    runs ``max_examples / 8`` examples (25 under ci)."""
    p = setting.pop("problem")
    res = simulate(p, paths=4000, checkpoints=3, **setting)
    _, V = ref.discrete_variances_np(p.sigma2_used, schedule=p.schedule, T=p.T, steps=setting["steps"],
                                     scheme=setting["scheme"], init=setting["init"], cap=setting["cap"])
    Vk = V[res.checkpoint_steps]  # (M, D)
    exact = ref.w2_from_variances_np(p.sigma2, V)[:, res.checkpoint_steps]
    bar = max(4.0, _z_bar(2 * Vk.size, settings.default.max_examples // 8))
    est_v, se_v = jackknife(stacked_means(res.moments, "s2"), res.moments.counts)
    z_v = (est_v - Vk) / se_v
    note(f"{p!r} {setting!r} z(variances)={z_v!r}")
    assert np.all(np.isfinite(se_v)) and np.all(se_v > 0)
    assert np.max(np.abs(z_v)) <= bar
    tau = se_v / (2 * np.sqrt(Vk))
    resolved = np.abs(np.sqrt(Vk) - np.sqrt(p.sigma2)[None, :]) >= 10 * tau  # (M, D)
    ok = np.cumprod(resolved.T, axis=0).astype(bool)  # (D, M): all kept components resolved
    z = (res.mc - exact) / res.stderr
    note(f"z(W²)={z!r} resolved={ok!r}")
    assert np.all(np.isfinite(res.stderr)) and np.all(res.stderr > 0)
    event("W² checked" if ok.any() else "W² not resolved: variances only")
    if ok.any():
        assert np.max(np.abs(z[ok])) <= bar
