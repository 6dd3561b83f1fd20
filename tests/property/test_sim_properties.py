"""Simulator properties (:mod:`ldmstop.sim`): the exact discrete recursions converge to the
continuous-time values as the number of steps grows, and Monte Carlo agrees with the recursion.

References are independent of :mod:`ldmstop.sim`: started from the model's own ``p_T`` with the
uncapped plug-in score, the continuous process has the plug-in marginal variance
``v̂(s) = a_s² + b_s² σ̂²`` at every time (THEORY.md §2), typed again in ``ldm_reference``; with
the cap and a ``N(0, 1)`` start (Prop 5, OU) the reference is the RK4 integration of the ODE.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, note, settings
from hypothesis import strategies as st

import ldm_reference as ref
from ldmstop import Problem
from ldmstop.sim.recursions import discrete_variances
from ldmstop.sim.simulate import simulate
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
    schedule's maximum (50 for OU: explicit schemes are then unstable on the coarse grid, which
    the bound allows). The recursion itself equals the independent transcription."""
    T = data.draw(lst.horizons(sched))
    coarse = _sup_error_pT(hat2, sched, T, 400, scheme)
    fine = _sup_error_pT(hat2, sched, T, 3200, scheme)
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


@settings(max_examples=_scaled(8))
@given(_mc_setting())
def test_monte_carlo_within_4_standard_errors_of_recursion(setting):
    """Monte Carlo W² (4,000 paths, jackknife standard errors) lies within 4 standard errors of
    the exact discrete recursion of the same scheme on the same grid — the independent
    transcription, not ``ldmstop.sim.recursions`` — for every latent dimension at 3 checkpoints,
    on small random settings (every scheme and VP schedule, both starts, with or without cap,
    estimate ratios up to 9, T from 1e-4 to 10). Expensive: runs ``max_examples / 8`` examples
    (25 under ci)."""
    p = setting.pop("problem")
    res = simulate(p, paths=4000, checkpoints=3, **setting)
    _, V = ref.discrete_variances_np(p.sigma2_used, schedule=p.schedule, T=p.T, steps=setting["steps"],
                                     scheme=setting["scheme"], init=setting["init"], cap=setting["cap"])
    exact = ref.w2_from_variances_np(p.sigma2, V)[:, res.checkpoint_steps]
    z = (res.mc - exact) / res.stderr
    note(f"{p!r} {setting!r} z={z!r}")
    assert np.all(np.isfinite(res.stderr)) and np.all(res.stderr > 0)
    assert np.max(np.abs(z)) <= 4.0
