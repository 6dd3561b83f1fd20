"""The exact variance recursions of the discretised samplers and their continuous limits.

Independent routes: a stiff numerical ODE solver (scipy Radau) on dV/dt with the score taken
from the generated SymPy minimiser; the OU closed forms of Prop 5 typed from docs/theory.md §3; a
single solver step written out by hand; a transcription of every recursion with its own
schedules and scores (``ldm_reference.discrete_variances_np``); and the exact curve of
ldmstop.curve.
"""

from __future__ import annotations

import math

import ldm_reference as ref
import numpy as np
import pytest
from scipy.integrate import solve_ivp

from ldmstop import Problem
from ldmstop.curve import w2_map
from ldmstop.derivations.backends import numpy_function
from ldmstop.sim.recursions import (continuous_variances, continuous_w2_map, discrete_variances,
                                    discrete_w2_map)

T_OF = {"ou": 2.0, "vp-linear": 1.0}
HAT = np.array([2.5, 0.6, 0.05, 0.004])


def _gen(schedule: str):
    key = schedule.replace("-", "_")
    return (numpy_function(f"{key}_a2"), numpy_function(f"{key}_b"), numpy_function(f"{key}_w2"))


def _ode_reference(h: float, *, schedule: str, T: float, v0: float, cap, ode: bool, t_eval):
    """dV/dτ = 2w²(1-2m)V + 2w² (SDE) or 2w²(1-m)V (ODE), m from the generated Prop 4 minimiser."""
    a2f, bf, w2f = _gen(schedule)
    mfun = numpy_function("score_minimiser_capped")
    C = 1e300 if cap is None else cap

    def rhs(tau, V):
        s = T - tau
        a, b, w2 = math.sqrt(float(a2f(s))), float(bf(s)), float(w2f(s)) * 1.0
        m = float(mfun(a, b, math.sqrt(h), C))
        if ode:
            return [2 * w2 * (1 - m) * V[0]]
        return [2 * w2 * (1 - 2 * m) * V[0] + 2 * w2]

    sol = solve_ivp(rhs, (0.0, t_eval[-1]), [v0], method="Radau", t_eval=t_eval,
                    rtol=1e-11, atol=1e-14)
    assert sol.success
    return sol.y[0]


@pytest.mark.parametrize("schedule", ["ou", "vp-linear"])
@pytest.mark.parametrize("scheme", ["em", "heun"])
@pytest.mark.parametrize("init", ["pT", "normal"])
@pytest.mark.parametrize("cap", [None, 4.0])
def test_continuous_closed_form_matches_numerical_ode(schedule, scheme, init, cap):
    T = T_OF[schedule]
    times = np.linspace(0.0, T - 1e-3, 9)
    _, V = continuous_variances(HAT, schedule=schedule, T=T, steps=8, scheme=scheme, init=init,
                                cap=cap, truncate=1e-3, times=times)
    a2T = float(_gen(schedule)[0](T))
    for i, h in enumerate(HAT):
        v0 = 1.0 if init == "normal" else h + a2T * (1 - h)
        ref = _ode_reference(h, schedule=schedule, T=T, v0=v0, cap=cap, ode=scheme == "heun",
                             t_eval=times)
        np.testing.assert_allclose(V[:, i], ref, rtol=2e-7, atol=1e-12)


def test_ou_normal_start_matches_prop5_closed_forms():
    """Prop 5 (OU, start N(0, I), t = T): cap never binds, and the general formula."""
    T = 2.0
    # never binds: C = None, and C below 1/σ̂² with σ̂² > 1/C
    for h in (0.02, 0.3, 0.9, 1.7):
        q = 1 - h
        E2, E4 = math.exp(-2 * T), math.exp(-4 * T)
        ref = h * (1 - 2 * q * E2 + q * E4) / (1 - 2 * q * E2 + q * q * E4)
        _, V = continuous_variances(np.array([h]), schedule="ou", T=T, steps=1, scheme="em",
                                    init="normal", times=np.array([T]))
        assert V[0, 0] == pytest.approx(ref, rel=1e-12)
    # cap binds from backward time t' on, where C = 1/(a²_{T-t'} + b²_{T-t'} σ̂²)
    for h, C in ((0.02, 5.0), (0.1, 3.0), (0.001, 50.0)):
        q = 1 - h
        s_sw = -0.5 * math.log((1 - 1 / C) / q)  # a²_{s'} = (1/C - σ̂²)/(1 - σ̂²)
        tp = T - s_sw
        e = math.exp((2 - 4 * C) * (T - tp))
        ref = ((1 - e) / (2 * C - 1) + e * (1 - q * math.exp(-2 * (T - tp))) / (1 - q * math.exp(-2 * T))
               * (1 - 2 * q * math.exp(-2 * T) + q * math.exp(-2 * (T + tp))) / (1 - q * math.exp(-2 * T)))
        _, V = continuous_variances(np.array([h]), schedule="ou", T=T, steps=1, scheme="em",
                                    init="normal", cap=C, times=np.array([T]))
        assert V[0, 0] == pytest.approx(ref, rel=1e-10)


@pytest.mark.parametrize("schedule", ["ou", "vp-linear"])
@pytest.mark.parametrize("scheme,order", [("em", 1), ("ei", 1), ("euler-ode", 1), ("heun", 2)])
@pytest.mark.parametrize("init", ["pT", "normal"])
@pytest.mark.parametrize("cap", [None, 4.0])
def test_recursion_converges_to_continuous_at_the_scheme_order(schedule, scheme, order, init, cap):
    """Discretisation error -> 0 as K grows, at the scheme's order, measured both ways: the
    observed order ``log2(e_K / e_2K)`` is within 0.2 of 1 (EM, EI, Euler) or 2 (Heun), so a
    first-order-consistent bug in Heun fails, and so does a scheme that is accidentally better.
    The error itself (hence its constant) is that of the independent transcription of the same
    recursion, to 1e-6 relative: a bug that keeps the order but changes the constant (e.g. the
    score taken at the other end of each step) fails there."""
    T = T_OF[schedule]
    h = np.array([2.5, 0.6, 0.3])  # smooth scores: the asymptotic order is visible at K ~ 1e3
    errs = []
    for K in (400, 800, 1600):
        _, V = discrete_variances(h, schedule=schedule, T=T, steps=K, scheme=scheme, init=init,
                                  truncate=1e-3, cap=cap)
        _, Vc = continuous_variances(h, schedule=schedule, T=T, steps=K, scheme=scheme, init=init,
                                     truncate=1e-3, cap=cap)
        _, Vr = ref.discrete_variances_np(h, schedule=schedule, T=T, steps=K, scheme=scheme,
                                          init=init, truncate=1e-3, cap=cap)
        err, err_ref = V - Vc, Vr - Vc
        np.testing.assert_allclose(err, err_ref, rtol=1e-6, atol=1e-6 * np.abs(err_ref).max())
        errs.append(np.abs(err).max())
    assert errs[-1] < 1e-2
    for e0, e1 in zip(errs, errs[1:]):
        assert abs(math.log2(e0 / e1) - order) < 0.2, (errs, order)


def test_stiff_components_converge_too():
    """σ̂² = 0 and tiny σ̂² (Figure 4): the last steps are stiff but the recursion still converges."""
    h = np.array([1.0, 1e-4, 0.0])
    for scheme in ("em", "ei", "euler-ode", "heun"):
        _, V = discrete_variances(h, schedule="ou", T=2.0, steps=20000, scheme=scheme, init="pT")
        _, Vc = continuous_variances(h, schedule="ou", T=2.0, steps=20000, scheme=scheme, init="pT")
        assert np.all(np.isfinite(V)) and np.all(V >= 0)
        assert np.abs(V - Vc).max() < 2e-3, scheme


def test_one_step_written_out():
    """K = 1 on OU (β ≡ 1, B(s) = s): each scheme's update evaluated by hand."""
    T, h = 0.7, 0.3
    vT = h + (1 - math.exp(-2 * T)) * (1 - h)
    m0 = 1 / vT
    cases = {
        "em": (1 + T * (1 - 2 * m0)) ** 2 * vT + 2 * T,
        "ei": (1 + math.expm1(T) * (1 - 2 * m0)) ** 2 * vT + math.expm1(2 * T),
        "euler-ode": (1 + T * (1 - m0)) ** 2 * vT,
        "heun": None,
    }
    f0 = 1 - m0
    cases["heun"] = (1 + T / 2 * f0) ** 2 * vT  # step ends at s = 0: corrector skipped
    for scheme, ref in cases.items():
        _, V = discrete_variances(np.array([h]), schedule="ou", T=T, steps=1, scheme=scheme)
        assert V[1, 0] == pytest.approx(ref if scheme != "heun" else (1 + T * f0) ** 2 * vT,
                                        rel=1e-13), scheme
    # Heun with a corrector (truncated grid): f at both ends
    eps = 0.1
    dt = T - eps
    f1 = 1 - 1 / (h + (1 - math.exp(-2 * eps)) * (1 - h))
    ref = (1 + dt / 2 * (f0 + f1 * (1 + dt * f0))) ** 2 * vT
    _, V = discrete_variances(np.array([h]), schedule="ou", T=T, steps=1, scheme="heun",
                              truncate=eps)
    assert V[1, 0] == pytest.approx(ref, rel=1e-13)


def test_ei_exact_score_from_pT_tracks_the_marginals():
    """Exact score, exact start: EI stays close to v(s_k) (Pierret & Galerne's observation)."""
    sig2 = np.array([3.0, 1.0, 0.2, 0.01])
    times, V = discrete_variances(sig2, schedule="ou", T=2.0, steps=1000, scheme="ei",
                                  init="pT", truncate=1e-3)
    s = 2.0 - times
    v = sig2[None, :] + (1 - np.exp(-2 * s))[:, None] * (1 - sig2[None, :])
    # first order with a stiff end for σ² = 0.01: relative 1% away from it, absolute 5e-3 at it
    assert np.max(np.abs(V / v - 1)[s >= 0.1]) < 0.02
    assert np.max(np.abs(V - v)) < 5e-3


def test_continuous_pT_w2_equals_the_exact_curve():
    p = Problem.from_variances([10, 0.2, 0.2, 0.2, 0, 0], estimated=[9.5, 0.25, 0.18, 0.21, 0, 0])
    times, w2 = continuous_w2_map(p, steps=50, scheme="em", init="pT")
    np.testing.assert_allclose(w2, w2_map(p, times), rtol=1e-9, atol=1e-13)


def test_discrete_w2_map_is_the_frechet_of_each_dimension():
    p = Problem.from_variances([3, 1, 0.5, 0.1], estimated=[2.5, 1.2, 0.4, 0.2], schedule="vp-linear")
    times, w2 = discrete_w2_map(p, steps=30, scheme="ei", init="normal")
    _, V = discrete_variances(p.sigma2_used, schedule="vp-linear", T=1.0, steps=30, scheme="ei",
                              init="normal")
    assert w2.shape == (4, 31)
    for d in range(1, 5):
        for k in (0, 17, 30):
            ref = sum((math.sqrt(V[k, i]) - math.sqrt(p.sigma2[i])) ** 2 for i in range(d))
            ref += sum(p.sigma2[d:])
            assert w2[d - 1, k] == pytest.approx(ref, rel=1e-12)


@pytest.mark.parametrize("kwargs,match", [
    (dict(steps=0), "steps"), (dict(steps=2.5), "steps"), (dict(scheme="rk4"), "scheme"),
    (dict(init="uniform"), "init"), (dict(cap=1.0), "cap"), (dict(cap=float("nan")), "cap"),
    (dict(truncate=2.0), "truncate"), (dict(truncate=-0.1), "truncate"),
])
def test_bad_inputs(kwargs, match):
    base = dict(schedule="ou", T=2.0, steps=10, scheme="em")
    base.update(kwargs)
    with pytest.raises(ValueError, match=match):
        discrete_variances(np.array([1.0]), **base)


@pytest.mark.parametrize("schedule,T", [("ou", 2.0), ("ou", 1e-3), ("ou", 20.0), ("vp-linear", 1.0),
                                        ("vp-linear", 0.3), ("vp-cosine", 0.9946)])
@pytest.mark.parametrize("scheme", ["em", "ei", "euler-ode", "heun"])
@pytest.mark.parametrize("init", ["pT", "normal"])
@pytest.mark.parametrize("cap", [None, 4.0])
def test_discrete_recursion_equals_the_independent_transcription(schedule, T, scheme, init, cap):
    """Every recursion, schedule, start and score against Pierret & Galerne's formulas typed with
    their own schedules (w², B, a², b²) and score min(C, 1/(a² + b²σ̂²)): nothing of
    ldmstop.sim is shared, so a wrong rate, score or variance table cannot pass both."""
    h = np.array([3.0, 1.0, 0.2, 0.01, 1e-6, 0.0])
    for truncate in (0.0, 0.1 * T):
        _, V = discrete_variances(h, schedule=schedule, T=T, steps=25, scheme=scheme, init=init,
                                  truncate=truncate, cap=cap)
        _, Vr = ref.discrete_variances_np(h, schedule=schedule, T=T, steps=25, scheme=scheme,
                                          init=init, truncate=truncate, cap=cap)
        np.testing.assert_allclose(V, Vr, rtol=1e-11, atol=1e-300)


@pytest.mark.parametrize("schedule", ["ou", "vp-linear", "vp-cosine"])
def test_rate_and_variance_tables_match_the_schedule_definitions(schedule):
    """The simulator's tables w²(s), B(s) = ∫ w², a_s² and v̂(s) = σ̂² + a_s²(1 − σ̂²) against
    each schedule's definition typed in ldm_reference (not the SymPy derivation)."""
    from ldmstop.sim.schedule_tables import schedule_table
    from ldmstop.sim.scores import model_variance

    s = np.concatenate([[1e-9, 1e-4], np.linspace(0.01, 0.99, 9)])
    tab = schedule_table(schedule)
    np.testing.assert_allclose(tab.beta(s), ref.rate_np(schedule, s), rtol=1e-13)
    np.testing.assert_allclose(tab.B(s), ref.integrated_rate_np(schedule, s), rtol=1e-12)
    a2, b2 = ref.ab2_np(schedule, s)
    np.testing.assert_allclose(tab.a2(s), a2, rtol=1e-13)
    hat = np.array([3.0, 0.5, 0.01, 0.0])
    np.testing.assert_allclose(model_variance(hat, s, schedule), a2[:, None] + b2[:, None] * hat[None, :],
                               rtol=1e-13, atol=1e-300)


@pytest.mark.parametrize("schedule", ["ou", "vp-linear", "vp-cosine"])
def test_schedule_and_score_tables_are_pinned_to_the_generated_formulas(schedule):
    """B(s) (symbolic -log b) against the generated b_s and w_s²; m against Prop 4's minimiser."""
    from ldmstop.derivations.schedules import get_schedule
    from ldmstop.sim.schedule_tables import schedule_table
    from ldmstop.sim.scores import score_coefficient

    T = get_schedule(schedule).default_T
    tab = schedule_table(schedule)
    s = np.linspace(0.01, 0.95 * T, 7)
    key = schedule.replace("-", "_")
    b = numpy_function(f"{key}_b")(s) * np.ones_like(s)
    w2 = numpy_function(f"{key}_w2")(s) * np.ones_like(s)
    np.testing.assert_allclose(tab.B(s), -np.log(b), rtol=1e-12)
    h = 1e-5
    np.testing.assert_allclose((tab.B(s + h) - tab.B(s - h)) / (2 * h), w2, rtol=1e-7)
    hat = np.array([3.0, 0.5, 0.01, 0.0])
    mfun = numpy_function("score_minimiser_capped")
    a = np.sqrt(numpy_function(f"{key}_a2")(s) * np.ones_like(s))
    for cap in (None, 4.0):
        m = score_coefficient(hat, s, schedule, cap)
        ref = np.array([[float(mfun(a[k], b[k], np.sqrt(hh), 1e300 if cap is None else cap))
                         for hh in hat] for k in range(s.size)])
        np.testing.assert_allclose(m, ref, rtol=1e-12)


def test_cosine_schedule_recursion_converges():
    """The general VP formulas on a schedule the tests above do not use."""
    h = np.array([2.0, 0.5, 0.2])
    errs = []
    for K in (400, 800):
        _, V = discrete_variances(h, schedule="vp-cosine", T=0.9, steps=K, scheme="ei",
                                  init="normal", truncate=1e-3)
        _, Vc = continuous_variances(h, schedule="vp-cosine", T=0.9, steps=K, scheme="ei",
                                     init="normal", truncate=1e-3)
        errs.append(np.abs(V - Vc).max())
    assert errs[1] < 0.02 and errs[0] / errs[1] == pytest.approx(2.0, rel=0.2)
