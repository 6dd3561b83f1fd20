"""Props 4 and 5 and Lemma 1: the capped score-matching minimiser and the backward variance.

Code under test: the generated formulas ``score_risk``, ``score_minimiser_capped``,
``variance_uncapped``, ``variance_constant_score`` (:mod:`ldmstop.derivations`), and docs/theory.md's
printed closed forms of Prop 5. Independent routes: Gauss–Hermite quadrature of the empirical
risk over actual samples, a brute-force minimisation over ``[−C, C]``, and an RK4 integration
(Richardson-extrapolated, split at the kink of ``m̂``) of ``dV/dt = 2(1 − 2m̂(T−t))V + 2``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, note
from hypothesis import strategies as st

import ldm_reference as ref
from ldmstop.derivations.backends import numpy_function
from ldmstop.verify import strategies as lst

pytestmark = pytest.mark.property

_caps = st.one_of(st.sampled_from([2.0, 1.5, 10.0]), st.floats(1.01, 20.0))


def _empirical_risk(m: np.ndarray, X: np.ndarray, a: float, b: float) -> np.ndarray:
    """``(1/n) Σ_k E_ε (−m (b X_k + a ε) + ε/a)²`` by 8-point Gauss–Hermite(e) quadrature,
    exact for this degree-2 polynomial in ε; no use of the closed form ``m²b²σ̂² + (1/a − ma)²``."""
    nodes, weights = np.polynomial.hermite_e.hermegauss(8)
    weights = weights / math.sqrt(2 * math.pi)
    m = np.asarray(m, dtype=float)[:, None, None]
    y = b * X[None, :, None] + a * nodes[None, None, :]
    vals = (-m * y + nodes[None, None, :] / a) ** 2
    return (vals * weights).sum(axis=2).mean(axis=1)


@st.composite
def _score_setting(draw):
    """Samples ``X`` and the forward coefficients ``(a_s, b_s)`` of a drawn schedule at a drawn
    forward time ``s`` (any built-in schedule, ``T`` from 1e-4 to its maximum, ``s`` down to
    1e-8: the score is stiff at the end of sampling), and a cap."""
    n = draw(st.integers(1, 40))
    sigma2 = draw(lst.variance_values(1e-3, 10.0))
    seed = draw(st.integers(0, 2**32 - 1))
    X = np.sqrt(sigma2) * np.random.default_rng(seed).standard_normal(n)
    sched = draw(lst.schedules(lst.ALL_SCHEDULES))
    T = draw(lst.horizons(sched))
    s = draw(lst.forward_times(T, min_s=1e-8))
    a2, b2 = (float(v) for v in ref.ab2_np(sched, s))
    return X, math.sqrt(a2), math.sqrt(b2), draw(_caps)


@given(_score_setting(), st.floats(-20.0, 20.0))
def test_prop4_risk_closed_form_matches_quadrature(setting, m):
    """``R(m) = m² b² σ̂² + (1/a − m a)²`` (the derived risk) equals the empirical risk of the
    actual samples, with the ε-expectation done by quadrature, to 1e-12 relative — or, near the
    minimum where the pieces cancel, to the float64 resolution of those pieces."""
    X, a, b, C = setting
    sh = math.sqrt(float(np.mean(X**2)))
    code = float(numpy_function("score_risk")(m, a, b, sh))
    expect = float(_empirical_risk(np.array([m]), X, a, b)[0])
    # Both routes are float64 sums of terms of size up to 1/a² + m²(a² + b²σ̂²) + 2|m|; near the
    # minimiser they cancel to a much smaller R (CI found R = 4.6e-5 from pieces of size 4 at
    # a ≈ 1, m ≈ 1: a 3e-12 relative difference of two correct evaluations). 64 ulps of the
    # pieces bound that rounding (5.7e-14 there); a wrong formula (b² → b) is off by 6.7e-4
    # on that same case and still fails.
    pieces = 1 / a**2 + m**2 * (a**2 + b**2 * sh**2) + 2 * abs(m)
    assert abs(code - expect) <= max(1e-12 * expect, 64 * np.finfo(float).eps * pieces)


@given(_score_setting())
def test_prop4_capped_minimiser_vs_brute_force(setting):
    """Prop 4: over ``|m| ≤ C`` the empirical risk is minimised at
    ``m̂ = min(C, 1/(a² + b² σ̂²))``. Brute force: 401-point grid on ``[−C, C]`` then golden
    section; ``m̂`` must attain the brute-force minimum (to 1e-12 relative) and lie within the
    float64 resolution of its argmin."""
    X, a, b, C = setting
    sh = math.sqrt(float(np.mean(X**2)))
    m_hat = float(numpy_function("score_minimiser_capped")(a, b, sh, C))
    assert -C <= m_hat <= C
    grid = np.linspace(-C, C, 401)
    R = _empirical_risk(grid, X, a, b)
    k = int(np.argmin(R))
    lo, hi = grid[max(k - 1, 0)], grid[min(k + 1, grid.size - 1)]
    g = (math.sqrt(5) - 1) / 2
    for _ in range(70):
        u, v = hi - g * (hi - lo), lo + g * (hi - lo)
        ru, rv = _empirical_risk(np.array([u, v]), X, a, b)
        if ru <= rv:
            hi = v
        else:
            lo = u
    m_bf = 0.5 * (lo + hi)
    r_hat, r_bf = _empirical_risk(np.array([m_hat, m_bf]), X, a, b)
    note(f"m_hat={m_hat!r} m_bf={m_bf!r} R={r_hat!r} vs {r_bf!r}")
    # the quadrature sums terms of size ~1/a² + m²(a² + b²σ̂²) + 2|m| that cancel to R (thorough:
    # R = 2.4e-10 from pieces of size 1 at a ≈ 1, b = 1.2e-4): compared to their resolution
    pieces = 1 / a**2 + m_hat**2 * (a**2 + b**2 * sh**2) + 2 * abs(m_hat)
    assert r_hat <= r_bf * (1 + 1e-12) + 64 * ref.U * pieces
    # The argmin is only determined to sqrt(round-off of R / curvature): R ~ 1/a² is large
    # for small a while its curvature 2(a² + b²σ̂²) is not.
    resolution = math.sqrt(16 * ref.U * r_bf / (a**2 + b**2 * sh**2))
    assert abs(m_hat - m_bf) <= resolution + 1e-9 * C


# Prop 5 holds "for any fixed T > 0" as printed: T from 1e-4 to 20 (the RK4 reference takes
# its steps from the stiffness, ref.rk4_steps).
_prop5_inputs = st.tuples(lst.variance_values(1e-3, 4.0), _caps, lst.horizons("ou", max_T=20.0))


@given(_prop5_inputs)
def test_prop5_printed_closed_form_matches_ode(inputs):
    """Prop 5 (OU, start N(0, 1), cap C): docs/theory.md's printed ``V_T`` (the never-binding form
    when ``C ≥ 1/σ̂²``, the general form otherwise) equals the ODE solution to 1e-8 relative
    (measured RK4+Richardson accuracy: 6e-10). When the cap binds from the start, ``t'`` (a
    negative root) must be read as 0 for the general form to hold."""
    sh2, C, T = inputs
    ode = ref.ode_variance_at_T(sh2, C, T)
    printed = ref.prop5_closed_form(sh2, C, T)
    note(f"t'={ref.cap_switch_time(sh2, C, T)!r} ode={ode!r} printed={printed!r}")
    assert abs(printed - ode) <= 1e-8 * ode


@given(_prop5_inputs)
def test_prop5_derived_pieces_match_ode(inputs):
    """The package's derived solutions composed as the proof does, uncapped plug-in phase on
    ``[0, t']`` (``variance_uncapped``) then the constant-coefficient phase ``m = C`` on
    ``[t', T]`` (``variance_constant_score``), reproduce the ODE's ``V_T`` to 1e-8 relative."""
    sh2, C, T = inputs
    tp = ref.cap_switch_time(sh2, C, T)
    sh = math.sqrt(sh2)
    Vtp = float(numpy_function("variance_uncapped")(tp, T, sh, 1.0)) if tp > 0 else 1.0
    VT = float(numpy_function("variance_constant_score")(T - tp, C, Vtp)) if tp < T else Vtp
    ode = ref.ode_variance_at_T(sh2, C, T)
    note(f"t'={tp!r} V(t')={Vtp!r} VT={VT!r} ode={ode!r}")
    assert abs(VT - ode) <= 1e-8 * ode


@given(_prop5_inputs)
def test_lemma1_backward_variance_stays_on_its_side_of_1(inputs):
    """Lemma 1: ``σ̂ ≥ 1 ⇒ V_t ≥ 1`` and ``σ̂ ≤ 1 ⇒ V_t ≤ 1`` for all ``t`` (capped score,
    start ``V_0 = 1``), on every step of the RK4 trajectory."""
    sh2, C, T = inputs
    _, V = ref.rk4_variance(sh2, C, T, ref.rk4_steps(sh2, C, T))
    if sh2 >= 1:
        assert V.min() >= 1 - 1e-12
    if sh2 <= 1:
        assert V.max() <= 1 + 1e-12


def _dmin_bounds(sig2: np.ndarray, hat2: np.ndarray, C: float) -> tuple[int, int]:
    """``d1 = max{d : 1/C ≤ σ̂_d²}`` (1 if empty), ``d2 = min{d : 1/(2C−1) ≥ 4σ_d²}`` (D if empty)."""
    D = sig2.size
    ok1 = [d for d in range(1, D + 1) if 1.0 / C <= hat2[d - 1]]
    ok2 = [d for d in range(1, D + 1) if 1.0 / (2 * C - 1) >= 4 * sig2[d - 1]]
    return (max(ok1) if ok1 else 1), (min(ok2) if ok2 else D)


def _prop5_dims(sig2, hat2, C: float, T: float):
    """``W²(d)`` at ``t = T`` (start N(0, 1), OU, cap C, printed closed form of ``V_T``) in the
    PCA order of the estimate, and Prop 5's ``(d1, d2)``."""
    order = np.argsort(-np.asarray(hat2, float), kind="stable")
    sig2, hat2 = np.asarray(sig2, float)[order], np.asarray(hat2, float)[order]
    V = np.array([ref.prop5_closed_form(float(h), C, T) for h in hat2])
    err = (np.sqrt(V) - np.sqrt(sig2)) ** 2
    W = np.array([err[:d].sum() + sig2[d:].sum() for d in range(1, sig2.size + 1)])
    return W, _dmin_bounds(sig2, hat2, C), sig2


#: Smallest horizon of the corrected statement below: searched with ε ≤ 0.05 (1,500 examples
#: per band), Prop 5 failed for T up to 0.029 and in none of [0.05, 50].
PROP5_MIN_T = 0.05


@given(lst.spectra_with_estimates(lst.any_spectra(1, 6), max_eps=0.05),
       st.one_of(_caps, st.floats(1.01, 1e4)), lst.horizons("ou", min_T=PROP5_MIN_T))
def test_prop5_optimal_dimension_between_d1_and_d2(est, C, T):
    """Prop 5, corrected statement: with ``σ̂`` close to ``σ`` (``|σ̂² − σ²| ≤ εσ²``,
    ``ε ≤ 0.05``) and ``T ≥ 0.05``, an optimal dimension ``d_min`` of
    ``W²(d) = Σ_{i≤d}(sqrt V_T,i − σ_i)² + Σ_{i>d} σ_i²`` exists with ``d1 ≤ d_min ≤ d2``.
    Components in PCA order of the estimate; ``V_T,i`` from the printed closed form (checked
    against the ODE above). The printed statement (any ``T > 0``, the event ``ε = 1``) is
    refuted: see the two pinned counterexamples below."""
    W, (d1, d2), sig2 = _prop5_dims(est.sigma2, est.sigma2_hat, C, T)
    note(f"W={W!r} d1={d1} d2={d2}")
    assert d1 <= d2
    assert W[d1 - 1:d2].min() <= W.min() + 1e-12 * sig2.sum()


def test_prop5_refuted_for_small_horizons():
    """Finding: Prop 5 is printed for any fixed ``T > 0``. With the exact variances
    (``σ̂ = σ``, inside every event), OU, ``T = 0.03``, ``σ² = (1, 0.1)``, ``C = 10``: ``d1 = d2 = 2``
    but ``W²(1) = 0.1 < W²(2) = 0.1224`` — from ``N(0, 1)`` the sampler barely moves in so short
    a time (``V_T ≈ 1``), so the small component is better dropped. Found once the strategies
    drew ``T < 0.05``; searched failures reach ``T = 0.029`` (ε ≤ 0.05), none from 0.05 on."""
    W, (d1, d2), _ = _prop5_dims([1.0, 0.1], [1.0, 0.1], 10.0, 0.03)
    assert (d1, d2) == (2, 2)
    assert W[0] == pytest.approx(0.1, rel=1e-12) and W[1] == pytest.approx(0.12237875, rel=1e-6)


def test_prop5_refuted_on_its_printed_event():
    """Finding: the "with high probability" event of Prop 5 is ``|σ_d² − σ̂_d²| ≤ σ_d²`` for all
    d. On it, OU, ``T = 2``, ``σ² = (0.1, 0.01)``, ``σ̂² = (0.01 − 2e-18, 0.01)`` (the large
    component under-estimated by 90 %, so PCA puts it second), ``C = 2``: ``d1 = d2 = 1``
    but ``W²(2) = 0.3238 < W²(1) = 0.3457``. Searched with ε ≤ 1, failures occur at every horizon
    tried (up to T = 44); with ε ≤ 0.05 and T ≥ 0.05 none (the property above)."""
    hat1 = 0.1 * (1 - 0.9)
    assert abs(hat1 - 0.1) <= 0.1 and hat1 < 0.01  # on the event, ordered after σ̂_2² = 0.01
    W, (d1, d2), _ = _prop5_dims([0.1, 0.01], [hat1, 0.01], 2.0, 2.0)
    assert (d1, d2) == (1, 1)
    assert W[1] < W[0] - 0.02, W
