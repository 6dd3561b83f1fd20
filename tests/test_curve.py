"""The exact W²(t, d) map, thresholds and optimum, against independent evaluations: the
full-matrix Fréchet distance at 50 digits (mpmath), the paper's printed thresholds, brute force,
and the stationarity root of Prop 3(b) solved at 50 digits from formulas typed here (never
``compute_curve`` against ``compute_curve``)."""

import math

import ldm_reference as ref
import mpmath as mp
import numpy as np
import pytest

from ldmstop import Problem
from ldmstop.curve import (backward_times, compute_curve, noise_levels, optimal_stop,
                           threshold_times, w2_map)
from ldmstop.frechet import frechet_distance2_mp

FIG4_LEFT = [1, 0.6, 0.36, 0.216, 0.1296, 0.07776, 0.046656, 1e-10, 1e-10]


def _mp_w2_full(Sigma, O, hat2, d, T, t, schedule="ou"):
    """Independent route: build the LDM output covariance O P_d^T diag(v) P_d O^T from the
    forward marginal (OU or VP-linear, typed in here) and take the 50-digit matrix Fréchet."""
    s = mp.mpf(T) - mp.mpf(t)
    if schedule == "ou":
        a2 = 1 - mp.exp(-2 * s)
    else:
        a2 = 1 - mp.exp(-(mp.mpf("0.1") * s + (20 - mp.mpf("0.1")) * s**2 / 2))
    D = len(hat2)
    v = [a2 + (1 - a2) * mp.mpf(h) if i < d else mp.mpf(0) for i, h in enumerate(hat2)]
    Om = mp.matrix(O.tolist())
    G = Om * mp.diag(v) * Om.T
    return frechet_distance2_mp(G, mp.matrix(Sigma.tolist()))


@pytest.mark.parametrize("schedule, T", [("ou", 2.0), ("vp-linear", 1.0)])
def test_map_matches_full_matrix_frechet(schedule, T):
    rng = np.random.default_rng(7)
    D = 4
    O, _ = np.linalg.qr(rng.standard_normal((D, D)))
    lam = np.array([1.7, 0.4, 0.09, 0.01])
    Sigma = O @ np.diag(lam) @ O.T
    p = Problem.from_covariance(Sigma, samples=50, seed=1, schedule=schedule, T=T)
    times = np.array([0.0, 0.3 * T, 0.9 * T, T - 1e-3, T])
    W = w2_map(p, times)
    with mp.workdps(50):
        for d in range(1, D + 1):
            for k, t in enumerate(times):
                ref = _mp_w2_full(Sigma, p.basis, [float(h) for h in p.sigma2_hat], d, T, t, schedule)
                assert W[d - 1, k] == pytest.approx(float(ref), rel=1e-10, abs=1e-14)


def test_map_near_end_keeps_precision():
    # cancellation regime of docs/design.md: s = 1e-8 on the CIFAR-10 spectrum, exact score
    eig = np.load(__import__("importlib.resources").resources.files("ldmstop.data") / "cifar10_eigenvalues.npy")
    p = Problem.from_variances(eig.astype(float)[-64:], T=1.0, schedule="vp-linear")
    t = np.array([1.0 - 1e-8])
    W = w2_map(p, t)[-1, 0]
    with mp.workdps(60):
        s = mp.mpf(1) - mp.mpf(t[0])
        a2 = 1 - mp.exp(-(mp.mpf("0.1") * s + (20 - mp.mpf("0.1")) * s**2 / 2))
        ref = mp.fsum((mp.sqrt(a2 + (1 - a2) * mp.mpf(float(v))) - mp.sqrt(mp.mpf(float(v)))) ** 2
                      for v in p.sigma2)
    assert W == pytest.approx(float(ref), rel=1e-9)


def test_map_shape_and_vectorised_equals_per_dimension():
    eig = np.geomspace(3.0, 1e-6, 300)
    p = Problem.from_variances(eig, samples=100, seed=0)
    times = backward_times(p.T, 51)
    W = w2_map(p, times)
    assert W.shape == (300, 51)
    x = noise_levels(p, times)
    for d in (1, 17, 300):
        v = x[None, :] + (1 - x[None, :]) * p.sigma2_hat[:d, None]
        direct = ((np.sqrt(v) - np.sqrt(p.sigma2[:d, None])) ** 2).sum(0) + p.sigma2[d:].sum()
        np.testing.assert_allclose(W[d - 1], direct, rtol=1e-9, atol=1e-15)


def test_figure4_left_thresholds_match_prop2():
    # Prop 2 typed in for OU: t_d = T - (-1/2) log(1 - 3σ²/(1-σ²)_+), extended by 0 / T
    p = Problem.from_variances(FIG4_LEFT, T=2.0)
    got = threshold_times(p)
    T = 2.0
    exp = [0.0]
    for sg2 in sorted(FIG4_LEFT, reverse=True)[1:]:
        xd = 3 * sg2 / (1 - sg2) if sg2 < 1 else np.inf
        exp.append(0.0 if xd > 1 - np.exp(-2 * T) else T + 0.5 * np.log1p(-xd))
    exp.append(T)
    np.testing.assert_allclose(got, exp, rtol=1e-13, atol=1e-15)
    assert np.all(np.diff(got) >= 0)


def test_threshold_rule_is_argmin_dimension():
    # On [t_d, t_{d+1}) the d-dimensional projection is optimal (Prop 2), strictly decreasing σ
    p = Problem.from_variances([0.9, 0.2, 0.1, 0.05, 0.01], T=2.0)
    thr = threshold_times(p)
    times = backward_times(p.T, 4001)
    W = w2_map(p, times)
    best = np.argmin(W, axis=0) + 1
    for k, t in enumerate(times):
        d = int(np.searchsorted(thr, t, side="right"))
        if np.min(np.abs(thr - t)) > 1e-9:
            assert best[k] == min(d, p.D), (t, best[k], d)


def test_optimal_stop_interior_matches_brute_force_and_stationarity():
    p = Problem.from_variances([10, 0.2, 0.2, 0.2, 0, 0], estimated=[10.3, 0.18, 0.21, 0.19, 0, 0], T=2.0)
    res = compute_curve(p, grid=201)
    o = res.optimal
    assert o["d"] == 4 and o["interior"]
    # brute force: a very fine grid near the end
    fine = np.linspace(1.9, 2.0, 200_001)
    Wf = w2_map(p, fine)
    k = np.unravel_index(np.argmin(Wf), Wf.shape)
    assert k[0] + 1 == 4
    assert o["w2_squared"] <= Wf[k] + 1e-15
    assert o["t"] == pytest.approx(fine[k[1]], abs=2e-6)
    # stationarity at 50 digits: g(x*) = Σ (1 - σ_i/sqrt(v_i))(1 - σ̂_i²) = 0 (typed in, Prop 3(b))
    with mp.workdps(50):
        xs = mp.mpf(o["x"])
        g = mp.fsum((1 - mp.sqrt(mp.mpf(float(s2))) / mp.sqrt(xs + (1 - xs) * mp.mpf(float(h2))))
                    * (1 - mp.mpf(float(h2))) for s2, h2 in zip(p.sigma2[:4], p.sigma2_hat[:4]))
        assert abs(g) < 1e-12


def test_optimal_stop_exact_score_is_end():
    p = Problem.from_variances([1.0, 0.3, 0.01])
    o = compute_curve(p, grid=11).optimal
    assert o.to_json() == {"d": 3, "x": 0.0, "w2_squared": 0.0, "interior": False, "t": 2.0, "s": 0.0}


def _stationary_stop_mp(sig2, hat2, schedule, T):
    out = ref.stationary_stop_mp(sig2, hat2, schedule, T)
    assert out is not None, "no interior stationary point"
    return out


FIG4_RIGHT_EST = ([10, 0.2, 0.2, 0.2, 0, 0], [10.3, 0.18, 0.21, 0.19, 0, 0])


@pytest.mark.parametrize("grid", [11, 201, 5001])
def test_optimal_stop_refines_beyond_grid_to_the_stationary_point(grid):
    """On any grid the reported optimum is Prop 3(b)'s stationary point solved independently:
    ``s`` to its float64 resolution, ``t = T − s`` to one ulp of T, and W² at 1e-13 relative
    (50-digit re-evaluation), strictly below every grid value."""
    p = Problem.from_variances(FIG4_RIGHT_EST[0], estimated=FIG4_RIGHT_EST[1], T=2.0)
    res = compute_curve(p, grid=grid)
    o = res.optimal
    assert o["d"] == 4 and o["interior"]
    x, s_star, ds = _stationary_stop_mp(p.sigma2[:4], p.sigma2_hat[:4], "ou", 2.0)
    assert abs(o["s"] - s_star) <= ds, (o["s"], s_star, ds)
    assert abs(o["t"] - (2.0 - o["s"])) <= math.ulp(2.0)
    with mp.workdps(50):
        w_exact = float(ref.w2_mp(ref.a2_mp("ou", s_star), p.sigma2, p.sigma2_hat, 4))
    assert o["w2_squared"] == pytest.approx(w_exact, rel=1e-13)
    assert o["w2_squared"] < res.w2_squared.min()


def test_optimal_stop_reports_a_stop_below_the_resolution_of_t():
    """Regression (Hypothesis, OU): the optimal stop ``s* ≈ 1.47e-13`` before ``T = 2`` is below
    what a backward time near 2 can resolve (ulp(2) = 4.4e-16, a 0.3 % error in s). The result
    reports ``s`` itself, accurate to its float64 resolution, and W² evaluated there."""
    p = Problem.from_variances([1e-10, 1e-12, 1e-12], estimated=[1e-10, 1e-12, 5e-13], T=2.0)
    o = optimal_stop(p, np.linspace(0.0, 2.0, 201))
    assert o["d"] == 3 and o["interior"]
    x, s_star, ds = _stationary_stop_mp(p.sigma2, p.sigma2_hat, "ou", 2.0)
    assert 1e-13 < s_star < 2e-13
    assert abs(o["s"] - s_star) <= ds and ds < 1e-9 * s_star
    assert abs(o["t"] - (2.0 - o["s"])) <= math.ulp(2.0)
    with mp.workdps(50):
        w_exact = float(ref.w2_mp(ref.a2_mp("ou", o["s"]), p.sigma2, p.sigma2_hat, 3))
        w_at_t = float(ref.w2_mp(ref.a2_mp("ou", 2 - ref.mpf(o["t"])), p.sigma2, p.sigma2_hat, 3))
    assert o["w2_squared"] == pytest.approx(w_exact, rel=1e-12)
    # why t alone cannot carry the answer: re-evaluated at T − t, W² moves by 2e-7 relative
    # (what made the 1e-9 brute-force property fail before ``s`` was reported)
    assert abs(w_at_t - w_exact) > 1e-8 * w_exact


@pytest.mark.parametrize("s2,h2", [(1 - 1e-12, None), (0.999, None), (1 - 1e-9, 1 - 3e-9),
                                   (1 + 1e-10, 1 - 1e-10)])
def test_map_keeps_relative_precision_for_variances_near_one(s2, h2):
    """Regression: ``v − σ² = x(1 − σ̂²) + δ`` with ``1 − σ̂²`` formed from σ̂² itself (exact
    near 1, Sterbenz): a component's W² stays at float64 precision. Formed from
    ``sqrt(σ̂²)²`` it lost ``u/(1 − σ̂²)``: 2.2e-4 relative at σ² = 1 − 1e-12, 2e-13 at 0.999
    (the README's ``pytest`` failure of the W² decomposition property)."""
    p = Problem.from_variances([s2], estimated=None if h2 is None else [h2], T=2.0)
    times = np.array([0.0, 1.0, 2.0 - 1e-6])
    W = w2_map(p, times)
    with mp.workdps(50):
        for k, t in enumerate(times):
            x = ref.a2_mp("ou", 2 - ref.mpf(t))
            exact = float(ref.w2_mp(x, p.sigma2, p.sigma2_used, 1))
            assert exact > 0 and abs(W[0, k] - exact) <= 1e-14 * exact, (t, W[0, k], exact)


def test_optimal_stop_accepts_precomputed_map():
    """With or without a precomputed map, the optimum is the independent stationary point."""
    p = Problem.from_variances([2.0, 0.1], estimated=[2.0, 0.08])
    times = backward_times(p.T, 101)
    _, s_star, ds = _stationary_stop_mp(p.sigma2, p.sigma2_hat, "ou", p.T)
    for o in (optimal_stop(p, times), optimal_stop(p, times, w2_map(p, times))):
        assert o["d"] == 2 and o["interior"]
        assert abs(o["s"] - s_star) <= ds


def test_curve_json_keys():
    p = Problem.from_variances(FIG4_LEFT, samples=1000, seed=0)
    doc = compute_curve(p, grid=5).to_json()
    assert len(doc["times"]) == 5 and len(doc["w2_squared"]) == 9
    assert all(len(row) == 5 for row in doc["w2_squared"])
    assert set(doc["thresholds"]) == {"exact", "estimated"}
    assert len(doc["thresholds"]["exact"]) == 10
    assert {"d", "t", "w2_squared"} <= set(doc["optimal"])


@pytest.mark.parametrize("h2", [0.25, 0.9, 2.0])
def test_slope_of_a_zero_variance_component_with_an_estimate(h2):
    """σ = 0 with σ̂ > 0 (a given estimate can do that; a plug-in one cannot): the error is
    v = x + (1 − x)σ̂² itself, so its slope in x is 1 − σ̂² (typed here from that definition)."""
    from ldmstop.curve import component_slopes

    x = np.array([0.0, 0.01, 0.3, 0.9])
    got = component_slopes(np.array([0.0]), np.array([h2]), x)[0]
    np.testing.assert_allclose(got, np.full_like(x, 1.0 - h2), rtol=1e-15, atol=1e-15)


@pytest.mark.parametrize("grid", [11, 21, 31, 41, 51, 61])
def test_rectified_flow_optimum_refined_on_both_sides_of_the_grid(grid):
    """The rectified flow's optimum (no convexity certificate: refined locally) must be found
    whether it lies before or after the best grid time: its W² is the dense-grid minimum (200,001
    times) or lower, whatever the grid (t* = 0.8778 falls on either side of the coarse grids'
    best point)."""
    p = Problem.from_variances([1.0, 0.5, 0.1], estimated=[1.3, 0.6, 0.15], schedule="rectified-flow")
    dense = w2_map(p, np.linspace(0.0, p.T, 200_001)).min()
    o = compute_curve(p, grid=grid).optimal
    assert o["w2_squared"] <= dense * (1 + 1e-12)
    assert o["t"] == pytest.approx(0.877787, abs=1e-5)
