"""Tests of ``ldmstop learned`` on tiny configurations (seconds each, plus JAX compiles).

Expected values come from independent routes: the theory's variance recursions
(:mod:`ldmstop.sim.recursions`), the SymPy schedules, closed forms for Gaussians, a linear
program for the 1-D optimal transport, the PCA residual variance.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("jax", reason="needs the [learned] extra: pip install -e '.[learned]'")
pytest.importorskip("optax", reason="needs the [learned] extra: pip install -e '.[learned]'")

from ldmstop.learned import data as ldata  # noqa: E402
from ldmstop.learned import metrics, schedules, stopping  # noqa: E402


# ------------------------------------------------------------------ sampler and schedules
@pytest.mark.parametrize("schedule", ["rectified-flow", "vp-linear"])
def test_step_coefficients_reproduce_the_theory_recursion(schedule):
    """With the exact Gaussian noise/velocity, the learned sampler's update
    ``y ← α y + β out + γ ξ`` maps a component variance exactly as the theory's recursion."""
    from ldmstop.derivations.backends import schedule_coefficients
    from ldmstop.sim.recursions import discrete_variances

    spec = schedules.sampler_spec(schedule)
    K = 40
    c = schedules.step_coefficients(spec, K)
    co = schedule_coefficients(schedule)
    sig2 = np.array([3.0, 0.5, 0.01, 1e-4])
    V = np.ones_like(sig2)
    for k in range(K):
        s = c["s"][k]
        a2 = float(co["a2"](np.array([s]))[0])
        b = float(co["b"](np.array([s]))[0])
        v = a2 + b * b * sig2
        # E[ε | x] = a x / v and E[ε - X0 | x] = (a - b σ²) x / v for N(0, σ²) data
        gain = np.sqrt(a2) / v if spec.target == "eps" else (np.sqrt(a2) - b * sig2) / v
        V = (c["alpha"][k] + c["beta"][k] * gain) ** 2 * V + c["gamma"][k] ** 2
    _, Vt = discrete_variances(sig2, schedule=schedule, T=spec.T, steps=K,
                                            scheme=spec.scheme, init="normal", truncate=spec.truncate)
    np.testing.assert_allclose(V, Vt[-1], rtol=1e-10)
    np.testing.assert_allclose(c["times"], np.linspace(0, spec.T - spec.truncate, K + 1), rtol=0, atol=1e-15)


@pytest.mark.parametrize("schedule", ["rectified-flow", "vp-linear"])
def test_jax_schedule_matches_the_derivations(schedule):
    from ldmstop.derivations.backends import schedule_coefficients

    a_f, b_f = schedules.jax_signal_noise(schedule)
    s = np.array([1e-3, 0.01, 0.2, 0.5, 0.9, 1.0], np.float32)
    co = schedule_coefficients(schedule)
    np.testing.assert_allclose(np.asarray(a_f(s)), np.sqrt(co["a2"](s.astype(float))), rtol=2e-6)
    np.testing.assert_allclose(np.asarray(b_f(s)), co["b"](s.astype(float)) * np.ones(6), rtol=2e-6, atol=1e-7)


# ------------------------------------------------------------------ metrics
def _w2_1d_lp(x, y):
    """Exact W2² between two 1-D empirical measures by linear programming (scipy)."""
    from scipy.optimize import linprog

    n, m = len(x), len(y)
    cost = (x[:, None] - y[None, :]) ** 2
    A = np.zeros((n + m, n * m))
    for i in range(n):
        A[i, i * m:(i + 1) * m] = 1
    for j in range(m):
        A[n + j, j::m] = 1
    b = np.concatenate([np.full(n, 1 / n), np.full(m, 1 / m)])
    return linprog(cost.ravel(), A_eq=A, b_eq=b, bounds=(0, None), method="highs").fun


@pytest.mark.parametrize("n,m", [(5, 7), (6, 6), (9, 4), (1, 3)])
def test_one_dimensional_w2_matches_linear_programming(n, m):
    rng = np.random.default_rng(n * 10 + m)
    x, y = rng.normal(size=n), rng.normal(1.0, 2.0, size=m)
    got = metrics.sliced_w2(x[:, None], y[:, None], directions=3, seed=0)  # θ = ±1 in 1-D
    assert got == pytest.approx(_w2_1d_lp(x, y), rel=2e-5, abs=1e-6)


def test_sliced_w2_of_gaussians_matches_the_closed_form():
    """SW2² between N(0, A) and N(0, B) over fixed directions θ is the mean of
    (sqrt(θᵀAθ) - sqrt(θᵀBθ))²; large samples agree within sampling error."""
    rng = np.random.default_rng(1)
    A = np.diag([2.0, 0.5, 0.1])
    R = np.linalg.qr(rng.normal(size=(3, 3)))[0]
    B = R @ np.diag([0.3, 1.0, 0.05]) @ R.T
    X = rng.multivariate_normal(np.zeros(3), A, size=40000)
    Y = rng.multivariate_normal(np.zeros(3), B, size=30000)
    theta = metrics.random_directions(3, 64, 5)
    expect = np.mean((np.sqrt(np.einsum("dl,de,el->l", theta, A, theta))
                      - np.sqrt(np.einsum("dl,de,el->l", theta, B, theta))) ** 2)
    assert metrics.sliced_w2(X, Y, directions=64, seed=5) == pytest.approx(expect, rel=0.03)


def test_mmd_of_gaussians_matches_the_closed_form():
    """Gaussian-kernel MMD² between N(μ1, Σ1) and N(μ2, Σ2): E k(x, y) = det(I + S/h²)^(-1/2)
    exp(-δᵀ(h² I + S)⁻¹δ/2) with S the covariance of x - y and δ its mean."""
    rng = np.random.default_rng(2)
    S1, S2 = np.diag([1.0, 0.4]), np.diag([0.5, 0.8])
    mu = np.array([0.6, -0.2])
    h = 1.5
    X = rng.multivariate_normal(np.zeros(2), S1, size=4000)
    Y = rng.multivariate_normal(mu, S2, size=3000)

    def ek(S, delta):
        M = np.eye(2) * h * h + S
        return np.linalg.det(np.eye(2) + S / h**2) ** -0.5 * np.exp(-0.5 * delta @ np.linalg.solve(M, delta))

    expect = ek(2 * S1, np.zeros(2)) + ek(2 * S2, np.zeros(2)) - 2 * ek(S1 + S2, mu)
    assert expect > 0.03
    assert metrics.mmd2(X, Y, bandwidth=h) == pytest.approx(expect, rel=0.08)


def test_mmd_is_the_unbiased_u_statistic():
    """Against a direct float64 evaluation of the U-statistic (diagonal terms excluded)."""
    rng = np.random.default_rng(7)
    X, Y, h = rng.normal(size=(40, 3)), rng.normal(0.3, 1.2, size=(30, 3)), 1.7

    def k(A, B):
        return np.exp(-((A[:, None, :] - B[None, :, :]) ** 2).sum(-1) / (2 * h * h))

    kxx, kyy = k(X, X), k(Y, Y)
    expect = ((kxx.sum() - np.trace(kxx)) / (40 * 39) + (kyy.sum() - np.trace(kyy)) / (30 * 29)
              - 2 * k(X, Y).mean())
    assert metrics.mmd2(X, Y, bandwidth=h) == pytest.approx(expect, abs=2e-6)


def test_frechet_adds_the_mean_term():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(500, 4))
    c = np.array([0.5, -1.0, 0.0, 2.0])
    assert metrics.frechet(X, X + c) == pytest.approx(float(c @ c), rel=1e-9)
    Y = X * np.array([1.0, 2.0, 0.5, 1.0])
    # same mean, covariances diag-scaled: the covariance part alone is positive
    assert metrics.frechet(X, Y) > 0.1


def test_quantile_coupling_weights_sum_to_one():
    for n, m in [(3, 5), (1000, 539), (7, 7)]:
        ix, iy, w = metrics.quantile_coupling(n, m)
        assert w.sum() == pytest.approx(1.0, abs=1e-12)
        assert ix.max() == n - 1 and iy.max() == m - 1 and np.all(np.diff(ix) >= 0)


# ------------------------------------------------------------------ optimal stop and verdicts
def test_optimal_stop_pairs_seeds():
    """Seeds shift whole curves (a large offset per seed); the pairing cancels the offsets, so
    the minimum at step 6 is located with a narrow interval and a significant gain."""
    t = np.linspace(0, 1, 11)
    base = (t - 0.6) ** 2
    offsets = np.array([0.0, 5.0, -3.0])[:, None]
    noise = np.random.default_rng(0).normal(scale=1e-4, size=(3, 11))
    o = stopping.optimal_stop(base + offsets + noise, t)
    assert o["step"] == 6 and o["t"] == pytest.approx(0.6)
    assert o["significant"] is True
    assert o["interval"][0] >= 0.5 and o["interval"][1] <= 0.7
    assert o["gain"] == pytest.approx(0.16, abs=1e-3)


def test_optimal_stop_flat_curve_and_one_seed():
    t = np.linspace(0, 1, 11)
    flat = np.random.default_rng(1).normal(scale=1.0, size=(3, 11))
    o = stopping.optimal_stop(flat, t)
    assert o["significant"] is False
    one = stopping.optimal_stop(flat[:1], t)
    assert one["interval"] is None and one["significant"] is None


def test_verdict_row_directions():
    def stop(t, lo, hi, sig=False):
        return {"t": t, "step": int(round(t * 100)), "interval": [lo, hi], "significant": sig}

    dims = [4, 8, 64]
    earlier = [stop(0.8, 0.75, 0.85, True), stop(0.9, 0.85, 0.95, True), stop(1.0, 0.97, 1.0)]
    v = stopping.verdict_row(dims, earlier, theory_steps=[80, 90, 100])
    assert v["earlier_as_d_falls"] == "yes" and v["theory_order"] == "yes" and v["gain"] == "yes"
    later = list(reversed(earlier))
    v = stopping.verdict_row(dims, later, theory_steps=[80, 90, 100])
    assert v["earlier_as_d_falls"] == "opposite" and v["theory_order"] == "no"
    v = stopping.verdict_row(dims, earlier, theory_steps=[100, 100, 100])
    assert v["theory_order"].startswith("no order (theory")


# ------------------------------------------------------------------ data and encoders
def test_split_rejects_unusable_data():
    from ldmstop.errors import ProblemError

    with pytest.raises(ProblemError, match="2-D"):
        ldata.split_data(np.zeros(10), holdout=0.3, seed=0, source={})
    with pytest.raises(ProblemError, match="not finite"):
        X = np.zeros((50, 3))
        X[4, 2] = np.nan
        ldata.split_data(X, holdout=0.3, seed=0, source={})
    with pytest.raises(ProblemError, match="at least 10"):
        ldata.split_data(np.zeros((12, 3)), holdout=0.3, seed=0, source={})
    with pytest.raises(ProblemError, match="numeric"):
        ldata.split_data(np.array([["a", "b"]] * 20), holdout=0.3, seed=0, source={})


def test_pca_autoencoder_reconstruction_is_the_discarded_variance():
    """The linear (PCA) autoencoder, padded and masked, reconstructs training data with error
    Σ_{i>d} λ_i (n-1)/n — the PCA residual — for every d."""
    from ldmstop.learned.nets import linear_autoencoder
    from ldmstop.learned.train import reconstruction_error

    rng = np.random.default_rng(4)
    X = rng.normal(size=(400, 5)) @ np.diag([2.0, 1.0, 0.5, 0.2, 0.1]) @ np.linalg.qr(rng.normal(size=(5, 5)))[0]
    P = ldata.pca(X)
    for d in (1, 2, 4):
        mask = (np.arange(5) < d).astype(float)
        p = linear_autoencoder(P.basis * mask, P.mean, 8, mask)
        import jax

        p = jax.tree_util.tree_map(lambda a: a[None], p)
        err = reconstruction_error(p, X)[0]
        assert err == pytest.approx(P.eigenvalues[d:].sum() * (len(X) - 1) / len(X), rel=1e-4)
