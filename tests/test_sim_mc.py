"""Monte Carlo kernels against the exact recursion; statistics; reproducibility.

Small settings (a few thousand paths, tens of steps). The expected values come from an
independent transcription of the exact discrete variance recursions
(``ldm_reference.discrete_variances_np``: Pierret & Galerne's formulas typed with its own
schedules and scores), never from ``ldmstop.sim`` itself: a wrong score, rate or variance table
shared by the kernels and ``ldmstop.sim.recursions`` would otherwise pass both sides. The
module's own exact values (``SimulationResult.theory``) are pinned to the same transcription.
"""

from __future__ import annotations

import ldm_reference as ref
import numpy as np
import pytest

from ldmstop import Problem
from ldmstop.frechet import frechet_distance2, frechet_distance2_mp
from ldmstop.sim.simulate import simulate
from ldmstop.sim.statistics import jackknife, w2_full


def _exact_w2(p: Problem, r, *, scheme: str, steps: int, init: str = "pT", cap=None,
              truncate: float = 0.0) -> np.ndarray:
    """W² of the discretised sampler at the run's checkpoints, from the independent
    transcription; rows d = 1..D."""
    _, V = ref.discrete_variances_np(p.sigma2_used, schedule=p.schedule, T=p.T, steps=steps,
                                     scheme=scheme, init=init, truncate=truncate, cap=cap)
    return ref.w2_from_variances_np(p.sigma2, V)[:, r.checkpoint_steps]

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
    """Every scheme x score x start: |MC - exact| <= 4 standard errors at every checkpoint and
    d, the exact value from the independent transcription; the package's own exact recursion
    agrees with it to 1e-10 relative (a table shared by kernel and recursion cannot hide)."""
    kw, cap = SCORES[score]
    p = Problem.from_variances(TRUE, schedule=schedule, **kw)
    r = simulate(p, paths=4000, steps=30, scheme=scheme, init=init, cap=cap, checkpoints=6, seed=11)
    exact = _exact_w2(p, r, scheme=scheme, steps=30, init=init, cap=cap)
    assert r.mc.shape == (5, 6) and np.all(r.stderr > 0)
    np.testing.assert_allclose(r.theory, exact, rtol=1e-10, atol=1e-15)
    z = (r.mc - exact) / r.stderr
    assert np.max(np.abs(z)) <= 4.0, (z, r.mc, exact)
    assert r.mean_z_max <= 4.5  # first moments vanish (sign-symmetric kernel)
    # the last checkpoint is the end of the grid (README: "the last at its end")
    assert r.checkpoint_steps[-1] == 30 and r.times[-1] == pytest.approx(p.T)


def test_mc_resolves_discretisation_bias():
    """With many paths the MC tells the K = 10 EM sampler from its continuous limit: agreement
    with the recursion is not an artefact of large error bars."""
    p = Problem.from_variances(TRUE, estimated=HAT)
    r = simulate(p, paths=100_000, steps=10, scheme="em", init="normal", checkpoints=5, seed=2)
    assert r.z_max <= 4.0
    z_cont = np.abs(r.mc - r.continuous) / r.stderr
    assert z_cont.max() > 10.0


def _calibration(p: Problem, *, seeds: int, scheme: str, steps: int, paths: int, checkpoints):
    errs, ses = [], []
    exact = None
    for seed in range(seeds):
        r = simulate(p, paths=paths, steps=steps, scheme=scheme, init="pT",
                     checkpoints=checkpoints, seed=seed)
        if exact is None:
            exact = _exact_w2(p, r, scheme=scheme, steps=steps)
        errs.append(r.mc - exact)
        ses.append(r.stderr)
    return np.array(errs), np.array(ses)  # (seeds, D, M)


def test_standard_errors_are_calibrated_both_ways():
    """Across 100 independent seeds the spread of MC − exact matches the reported standard error
    both ways: the pooled ratio sd/SE lies in (0.8, 1.25) (its own sampling error is ~0.05;
    measured 1.03), so SEs inflated or deflated by sqrt 2 — e.g. added instead of in quadrature,
    or a jackknife variance off by a factor — fail, and so does a sqrt(G)-type error. Each cell
    is within (0.6, 1.6), and the mean error is within 4 standard errors of the mean (the
    jackknife removes the O(1/N) bias)."""
    p = Problem.from_variances([2.0, 0.3, 0.05], estimated=[1.5, 0.5, 0.02])
    errs, ses = _calibration(p, seeds=100, scheme="ei", steps=20, paths=1500, checkpoints=[1.0, 2.0])
    var_ratio = errs.var(axis=0, ddof=1) / (ses**2).mean(axis=0)
    pooled = float(np.sqrt(var_ratio.mean()))
    assert 0.8 < pooled < 1.25, (pooled, np.sqrt(var_ratio))
    assert np.all((np.sqrt(var_ratio) > 0.6) & (np.sqrt(var_ratio) < 1.6)), np.sqrt(var_ratio)
    zbar = errs.mean(axis=0) / (errs.std(axis=0, ddof=1) / np.sqrt(errs.shape[0]))
    assert np.all(np.abs(zbar) < 4.0), zbar


@pytest.mark.xfail(strict=True, reason="finding (ldmstop.sim.statistics): where a component's "
                   "variance matches σ² (W² quadratic in the noise, e.g. Heun from p_T with the "
                   "exact score, at the end) the reported standard error is ~1.8x the actual "
                   "spread (measured sd/SE = 0.50 over 300 seeds, 128-8192 paths; the jackknife "
                   "alone is 1.4x, the added second-order floor 2τ⁴ makes it 1.8x): conservative, "
                   "so z <= 4 has about half its nominal power there")
def test_standard_errors_are_calibrated_where_w2_is_quadratic_in_the_noise():
    p = Problem.from_variances([1.0, 0.5])
    errs, ses = _calibration(p, seeds=100, scheme="heun", steps=50, paths=1024, checkpoints=[2.0])
    pooled = float(np.sqrt((errs.var(axis=0, ddof=1) / (ses**2).mean(axis=0)).mean()))
    assert 0.8 < pooled < 1.25, pooled


@pytest.mark.xfail(strict=True, reason="finding (ldmstop.sim.statistics): where sqrt V − σ is only a "
                   "few standard errors of sqrt Ŝ (OU, σ² = 1, exact score, EM 5 steps, 4,000 "
                   "paths: sqrt V − σ = 0.03-0.05, τ = 0.011) the bias-corrected W² and its "
                   "jackknife SE are not normal: z has sd 1.3-1.4, mean −0.4 and a left tail to "
                   "−9.5 in 400 runs (4 % beyond 3 SE), while the second moments' z are N(0, 1)")
def test_w2_z_scores_are_calibrated_where_w2_is_small_against_its_noise():
    p = Problem.from_variances([1.0], T=1.0)
    zs = []
    exact = None
    for seed in range(150):
        r = simulate(p, paths=4000, steps=5, scheme="em", init="pT", checkpoints=3, seed=seed)
        if exact is None:
            exact = _exact_w2(p, r, scheme="em", steps=5)
        zs.append(((r.mc - exact) / r.stderr).ravel())
    zs = np.array(zs)
    assert np.all((zs.std(axis=0) > 0.8) & (zs.std(axis=0) < 1.25)), zs.std(axis=0)
    assert np.abs(zs).max() < 5.0


def test_plug_in_bias_is_removed():
    """Few paths per run, many runs: the raw plug-in W2² is biased upwards by ~σ sqrt(S)/(2N)
    per component; the jackknife estimate is not. Heun from p_T ends close to S = σ², where the
    bias is as large as the noise of one run."""
    p = Problem.from_variances([1.0, 0.5])
    raw, est = [], []
    exact = None
    for seed in range(200):
        r = simulate(p, paths=128, steps=50, scheme="heun", init="pT", checkpoints=[2.0], seed=seed)
        if exact is None:
            exact = _exact_w2(p, r, scheme="heun", steps=50)[:, -1]
        raw.append(r.replicates[0, :, -1] - exact)
        est.append(r.mc[:, -1] - exact)
    raw, est = np.array(raw), np.array(est)
    se = est.std(axis=0, ddof=1) / np.sqrt(len(est))
    assert np.all(np.abs(est.mean(axis=0)) < 4 * se), (est.mean(axis=0), se)
    assert raw.mean(axis=0)[-1] > 5 * se[-1], (raw.mean(axis=0), se)


def test_encoder_and_full_estimator():
    """A rotated (non-PCA) encoder and the full-covariance estimator of the PCA encoder, against
    the exact W² of the encoder's output: the full-matrix Fréchet distance (ldmstop.frechet) of
    ``Eᵀ E diag(V) Eᵀ E`` with V from the independent recursion."""
    p = Problem.from_variances(TRUE, estimated=HAT)
    Q, _ = np.linalg.qr(np.random.default_rng(5).standard_normal((5, 5)))
    E = Q[:, :3].T
    r = simulate(p, paths=20000, steps=20, scheme="ei", encoder=E, checkpoints=4, seed=3)
    _, V = ref.discrete_variances_np(p.sigma2_used, schedule="ou", T=p.T, steps=20, scheme="ei")
    exact = np.array([frechet_distance2(E.T @ E @ np.diag(V[k]) @ E.T @ E, np.diag(p.sigma2))
                      for k in r.checkpoint_steps])
    assert r.mc.shape == (1, 4)
    np.testing.assert_allclose(r.theory[0], exact, rtol=1e-7)
    assert np.max(np.abs(r.mc[0] - exact) / r.stderr[0]) <= 4.0
    r = simulate(p, paths=20000, steps=20, scheme="ei", d=3, estimator="full", checkpoints=4, seed=3)
    rd = simulate(p, paths=20000, steps=20, scheme="ei", d=3, checkpoints=4, seed=3)
    exact = _exact_w2(p, rd, scheme="ei", steps=20)[2]
    np.testing.assert_allclose(r.theory[0], exact, rtol=1e-9)
    np.testing.assert_allclose(rd.theory[0], exact, rtol=1e-9)
    assert np.max(np.abs(r.mc[0] - exact) / r.stderr[0]) <= 4.0
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


def test_standard_error_adds_the_second_order_floor_in_quadrature():
    """The documented W² standard error (ldmstop.sim.statistics): the delete-a-group jackknife
    variance of the plug-in W² (Busing, Meijer & van der Leeden 1999, unequal groups) plus the
    second-order variance ``Σ_{i≤d} 2τ_i⁴``, ``τ_i² = Var(Ŝ_ii)/(4Ŝ_ii)`` (batch-means variance
    of the mean), in quadrature — typed here from those definitions on synthetic chunk sums with
    unequal chunk sizes."""
    from ldmstop.sim.confirm import standard_error_reference
    from ldmstop.sim.statistics import ChunkMoments, w2_estimates

    rng = np.random.default_rng(4)
    counts = np.array([40, 41, 39, 40, 42, 38, 40, 40])
    sig2 = np.array([1.0, 0.5, 0.1])
    S = np.array([1.02, 0.49, 0.3])  # first two near σ² (floor matters), the last far from it
    s2 = np.stack([[rng.chisquare(n, size=3) * S] for n in counts])  # (G, M=1, R=3) sums of y²
    mom = ChunkMoments(counts=counts, s1=np.zeros_like(s2), s2=s2, s2f=np.zeros((8, 1, 0, 0)))
    est, se, _ = w2_estimates(mom, sig2)

    jk_est, jk_var, floor = standard_error_reference(s2[:, 0, :], counts, sig2)
    np.testing.assert_allclose(est[:, 0], jk_est, rtol=1e-12)
    np.testing.assert_allclose(se[:, 0] ** 2, jk_var + floor, rtol=1e-10)
    assert np.all(floor[:2] > 0.05 * jk_var[:2])  # the floor is not negligible here


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
