"""Monte Carlo kernels against the exact recursion; statistics; reproducibility.

Small settings (a few thousand paths, tens of steps). The expected values come from the exact
variance recursions (their own tests pin them to the continuous theory) or from independent
formulas typed here, never from the kernels.
"""

from __future__ import annotations

import numpy as np
import pytest

from ldmstop import Problem
from ldmstop.frechet import frechet_distance2, frechet_distance2_mp
from ldmstop.sim.simulate import simulate
from ldmstop.sim.statistics import jackknife, w2_full

TRUE = [3.0, 1.0, 0.2, 0.05, 0.0]
HAT = [2.5, 1.3, 0.1, 0.06, 0.0]
SCORES = {
    "exact": (dict(), None),
    "plug-in": (dict(estimated=HAT), None),
    "capped": (dict(estimated=HAT), 5.0),
}


@pytest.mark.parametrize("scheme", ["em", "ei", "euler-ode", "heun"])
@pytest.mark.parametrize("score", list(SCORES))
@pytest.mark.parametrize("init", ["pT", "normal"])
@pytest.mark.parametrize("schedule", ["ou", "vp-linear"])
def test_mc_agrees_with_exact_recursion(scheme, score, init, schedule):
    """Every scheme x score x start: |MC - exact| <= 4 standard errors at every checkpoint and d."""
    kw, cap = SCORES[score]
    p = Problem.from_variances(TRUE, schedule=schedule, **kw)
    r = simulate(p, paths=4000, steps=30, scheme=scheme, init=init, cap=cap, checkpoints=6, seed=11)
    assert r.mc.shape == (5, 6) and np.all(r.stderr > 0)
    assert r.z_max <= 4.0, (r.z, r.mc, r.theory)
    assert r.mean_z_max <= 4.5  # first moments vanish (sign-symmetric kernel)


def test_mc_resolves_discretisation_bias():
    """With many paths the MC tells the K = 10 EM sampler from its continuous limit: agreement
    with the recursion is not an artefact of large error bars."""
    p = Problem.from_variances(TRUE, estimated=HAT)
    r = simulate(p, paths=100_000, steps=10, scheme="em", init="normal", checkpoints=5, seed=2)
    assert r.z_max <= 4.0
    z_cont = np.abs(r.mc - r.continuous) / r.stderr
    assert z_cont.max() > 10.0


def test_standard_errors_are_calibrated():
    """Across independent seeds, the spread of MC - exact matches the reported standard error
    and its mean is ~0 (the jackknife bias correction works)."""
    p = Problem.from_variances([2.0, 0.3, 0.05], estimated=[1.5, 0.5, 0.02])
    errs, ses = [], []
    for seed in range(40):
        r = simulate(p, paths=1500, steps=20, scheme="ei", init="pT", checkpoints=[1.0, 2.0],
                     seed=seed)
        errs.append(r.mc - r.theory)
        ses.append(r.stderr)
    errs, ses = np.array(errs), np.array(ses)  # (40, D, M)
    ratio = errs.std(axis=0, ddof=1) / np.sqrt((ses**2).mean(axis=0))
    assert np.all((ratio > 0.7) & (ratio < 1.4)), ratio
    zbar = errs.mean(axis=0) / (errs.std(axis=0, ddof=1) / np.sqrt(40))
    assert np.all(np.abs(zbar) < 3.5), zbar


def test_plug_in_bias_is_removed():
    """Few paths per run, many runs: the raw plug-in W2² is biased upwards by ~σ sqrt(S)/(2N)
    per component; the jackknife estimate is not. Heun from p_T ends close to S = σ², where the
    bias is as large as the noise of one run."""
    p = Problem.from_variances([1.0, 0.5])
    raw, est = [], []
    for seed in range(200):
        r = simulate(p, paths=128, steps=50, scheme="heun", init="pT", checkpoints=[2.0], seed=seed)
        raw.append(r.replicates[0, :, -1] - r.theory[:, -1])
        est.append(r.mc[:, -1] - r.theory[:, -1])
    raw, est = np.array(raw), np.array(est)
    se = est.std(axis=0, ddof=1) / np.sqrt(len(est))
    assert np.all(np.abs(est.mean(axis=0)) < 4 * se), (est.mean(axis=0), se)
    assert raw.mean(axis=0)[-1] > 5 * se[-1], (raw.mean(axis=0), se)


def test_encoder_and_full_estimator():
    """A rotated (non-PCA) encoder and the full-covariance estimator of the PCA encoder."""
    p = Problem.from_variances(TRUE, estimated=HAT)
    Q, _ = np.linalg.qr(np.random.default_rng(5).standard_normal((5, 5)))
    r = simulate(p, paths=20000, steps=20, scheme="ei", encoder=Q[:, :3].T, checkpoints=4, seed=3)
    assert r.mc.shape == (1, 4) and r.z_max <= 4.0
    r = simulate(p, paths=20000, steps=20, scheme="ei", d=3, estimator="full", checkpoints=4, seed=3)
    rd = simulate(p, paths=20000, steps=20, scheme="ei", d=3, checkpoints=4, seed=3)
    assert r.z_max <= 4.0
    np.testing.assert_allclose(r.theory, rd.theory, rtol=1e-9)  # same exact value, two routes
    # the full and diagonal estimators see the same paths: close, not identical
    assert np.max(np.abs(r.mc - rd.mc) / rd.stderr) < 3.0


def test_w2_full_matches_the_matrix_frechet_distance():
    rng = np.random.default_rng(0)
    sig2 = np.array([4.0, 1.0, 0.3, 0.01, 0.0])
    Q, _ = np.linalg.qr(rng.standard_normal((5, 5)))
    E = Q[:, :3].T
    A = rng.standard_normal((3, 3))
    S = A @ A.T + 0.1 * np.eye(3)
    import mpmath as mp

    # EᵀSE has rank 3 < 5: formed in float64 its two zero eigenvalues become ~1e-17, whose
    # square roots (~3e-9) pollute the D x D route; form it at 50 digits instead.
    with mp.workdps(50):
        Em = mp.matrix(E)
        ref = float(frechet_distance2_mp(Em.T * mp.matrix(S) * Em, mp.diag(list(sig2))))
    assert w2_full(S[None], E, sig2)[0] == pytest.approx(ref, rel=1e-12)
    assert frechet_distance2(E.T @ S @ E, np.diag(sig2)) == pytest.approx(ref, rel=1e-7)


def test_jackknife_linear_statistic_is_batch_means():
    rng = np.random.default_rng(1)
    counts = np.full(20, 50)
    chunk_means = rng.standard_normal(20)
    N = counts.sum()
    tot = (chunk_means * counts).sum()
    values = np.concatenate([[tot / N], (tot - chunk_means * counts) / (N - counts)])
    est, se = jackknife(values, counts)
    assert est == pytest.approx(tot / N)
    assert se == pytest.approx(chunk_means.std(ddof=1) / np.sqrt(20), rel=1e-12)


def test_jackknife_removes_first_order_bias():
    """θ = x̄² with E x̄² = μ² + 1/N: the jackknife estimate is unbiased for μ²."""
    rng = np.random.default_rng(2)
    mu, G, n = 0.3, 16, 4
    N = G * n
    raw, jk = [], []
    for _ in range(4000):
        x = mu + rng.standard_normal((G, n))
        s = x.sum(1)
        means = np.concatenate([[s.sum() / N], (s.sum() - s) / (N - n)])
        est, _ = jackknife(means**2, np.full(G, n))
        raw.append(means[0] ** 2)
        jk.append(est)
    se = np.std(jk) / np.sqrt(len(jk))
    assert abs(np.mean(jk) - mu**2) < 4 * se
    assert np.mean(raw) - mu**2 > 10 * se  # the plug-in bias 1/N is real and visible


def test_bit_identical_across_thread_counts_and_progress_waves():
    import numba

    p = Problem.from_variances(TRUE, estimated=HAT)
    kw = dict(paths=3000, steps=25, scheme="em", init="normal", checkpoints=5, seed=7)
    old = numba.get_num_threads()
    try:
        r1 = simulate(p, threads=1, **kw)
        r2 = simulate(p, threads=min(2, numba.config.NUMBA_NUM_THREADS), **kw)
        r3 = simulate(p, threads=1, show_progress=True, **kw)
    finally:
        numba.set_num_threads(old)
    for a, b in ((r1, r2), (r1, r3)):
        assert np.array_equal(a.moments.s1, b.moments.s1)
        assert np.array_equal(a.moments.s2, b.moments.s2)
        assert np.array_equal(a.mc, b.mc)
    r4 = simulate(p, threads=1, **{**kw, "seed": 8})
    assert not np.array_equal(r1.moments.s2, r4.moments.s2)


def test_memory_is_independent_of_paths_and_steps():
    """Recorded state: chunks x checkpoints x d (diag) — not paths, not steps."""
    p = Problem.from_variances(TRUE)
    a = simulate(p, paths=2000, steps=10, checkpoints=3, seed=0)
    b = simulate(p, paths=8000, steps=80, checkpoints=3, seed=0)
    assert a.moments.s2.shape == b.moments.s2.shape == (64, 3, 5)
    assert a.moments.s2f.size == 0


@pytest.mark.parametrize("kwargs,match", [
    (dict(paths=1), "paths"), (dict(paths=2.5), "paths"), (dict(steps=0), "steps"),
    (dict(checkpoints=[0.5, 2.5]), r"\[0, T\]"), (dict(checkpoints=[-0.1]), r"\[0, T\]"),
    (dict(checkpoints=0), "count"), (dict(cap=1.0), "cap"), (dict(cap=0.5), "cap"),
    (dict(scheme="rk4"), "scheme"), (dict(init="zero"), "init"), (dict(d=7), "dimension"),
    (dict(encoder=np.ones((2, 5))), "orthonormal"), (dict(threads=0), "threads"),
])
def test_bad_inputs(kwargs, match):
    p = Problem.from_variances(TRUE)
    base = dict(paths=100, steps=5, checkpoints=2)
    base.update(kwargs)
    with pytest.raises(ValueError, match=match):
        simulate(p, **base)
