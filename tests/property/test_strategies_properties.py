"""The strategies keep their documented invariants (so properties built on them test what they
say), and the concentration bounds of Props 3 and 9 against exact chi-square probabilities."""

from __future__ import annotations

from collections import Counter
from fractions import Fraction

import mpmath as mp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ldmstop import Problem
from ldmstop.verify import strategies as lst

pytestmark = pytest.mark.property

U = float(np.finfo(float).eps)


@given(lst.any_spectra(1, 8, zeros=True))
def test_spectra_are_decreasing_nonnegative_finite(lam):
    assert lam.ndim == 1 and 1 <= lam.size <= 8
    assert np.all(np.isfinite(lam)) and np.all(lam >= 0) and lam[0] > 0
    assert np.all(np.diff(lam) <= 0)


@given(lst.distinct_spectra(1, 8, min_value=1e-6, min_ratio=1.01, max_ratio=20.0))
def test_distinct_spectra_respect_their_ratio_bounds(lam):
    assert np.all(lam >= 1e-6 * (1 - 1e-12))
    if lam.size > 1:
        r = lam[:-1] / lam[1:]
        assert np.all(r >= 1.01 * (1 - 1e-12)) and np.all(r <= 20.0 * (1 + 1e-12))


@given(st.integers(1, 6).flatmap(lambda n: lst.orthogonal_matrices(n)))
def test_orthogonal_matrices_are_orthogonal(Q):
    assert np.max(np.abs(Q.T @ Q - np.eye(Q.shape[0]))) <= 1e-13


@given(lst.psd_matrices(1, 6))
def test_covariances_match_their_eigendecomposition(c):
    """``matrix = basis diag(eigenvalues) basisᵀ`` to round-off, symmetric, PSD up to round-off."""
    n = c.eigenvalues.size
    scale = max(float(c.eigenvalues.max()), 1e-300)
    assert np.array_equal(c.matrix, c.matrix.T)
    assert np.max(np.abs((c.basis * c.eigenvalues) @ c.basis.T - c.matrix)) <= 8 * n * U * scale
    assert np.all(np.diff(c.eigenvalues) <= 0) and np.all(c.eigenvalues >= 0)
    assert np.linalg.eigvalsh(c.matrix).min() >= -8 * n * U * scale


@given(lst.ill_conditioned_covariances(2, 6, max_condition=1e12))
def test_ill_conditioned_covariances_respect_the_condition_bound(c):
    assert c.eigenvalues[0] / c.eigenvalues[-1] <= 1e12 * (1 + 1e-9)


@given(lst.nearly_degenerate_spectra(2, 6))
def test_nearly_degenerate_spectra_cluster(lam):
    r = 1 - lam[1:] / lam[:-1]
    assert np.all(r > 0)
    assert np.all((r <= 1e-3 * (1 + 1e-9)) | np.isclose(r, 0.5))


@given(lst.spectra_with_estimates(max_eps=8.0))
def test_plugin_estimates_lie_on_the_eps_event(est):
    """``|σ̂_i² − σ_i²| ≤ ε σ_i²`` in exact rational arithmetic (and hence in float64), and the
    estimate is strictly positive where σ² is (the paper's ``σ̂ > 0``) also for ``ε ≥ 1``."""
    e = Fraction(est.eps)
    for s, h in zip(est.sigma2, est.sigma2_hat):
        assert abs(Fraction(float(h)) - Fraction(float(s))) <= e * Fraction(float(s))
    assert np.all(np.abs(est.sigma2_hat - est.sigma2) <= est.eps * est.sigma2)
    assert np.all((est.sigma2_hat > 0) == (est.sigma2 > 0))


def test_strategies_reach_every_branch():
    """The strategies reach the regions the claims have branches in (an audit found estimate
    ratios capped at 1.9 and no horizon below 0.05): among the examples of one run, estimate
    ratios σ̂²/σ² above 4 and below 1/2, estimates above 1, ε ≥ 1, horizons below 1e-3 and above
    20 (OU), VP-linear horizons other than 1, and every schedule of ``ALL_SCHEDULES``, each in at
    least 1 % of the examples (measured 2-10 %: Hypothesis mixes in literals it collects from
    the code, so the frequencies depend on what the run has imported)."""
    seen: Counter = Counter()

    # enough draws that each branch's share is measured, not one example more or less (the
    # derandomised draws change when code literals change: 1 of 104 was 0.96 % once)
    @settings(max_examples=600)
    @given(lst.spectra_with_estimates(max_eps=8.0), lst.schedules(lst.ALL_SCHEDULES), st.data())
    def draw_all(est, sched, data):
        seen["n"] += 1
        pos = est.sigma2 > 0
        ratio = est.sigma2_hat[pos] / est.sigma2[pos]
        seen["ratio > 4"] += bool(np.any(ratio > 4))
        seen["ratio < 1/2"] += bool(np.any(ratio < 0.5))
        seen["estimate > 1"] += bool(np.any(est.sigma2_hat > 1))
        seen["eps >= 1"] += est.eps >= 1
        seen[sched] += 1
        T = data.draw(lst.horizons(sched))
        assert lst.STRATEGY_MIN_T <= T <= lst.STRATEGY_MAX_T[sched]
        if sched == "ou":
            seen["ou T < 1e-3"] += T < 1e-3
            seen["ou T > 20"] += T > 20
        if sched == "vp-linear":
            seen["vp-linear T != 1"] += T != 1.0

    draw_all()
    n = seen.pop("n")
    need = ["ratio > 4", "ratio < 1/2", "estimate > 1", "eps >= 1", "ou T < 1e-3", "ou T > 20",
            "vp-linear T != 1", *lst.ALL_SCHEDULES]
    low = {k: seen[k] for k in need if seen[k] < max(1, 0.01 * n)}
    assert not low, (low, n)


@given(lst.covariances_with_estimates(lst.covariances(spectrum=lst.distinct_spectra(1, 5, min_value=1e-3)),
                                      max_eps=0.5))
def test_loewner_estimates_lie_on_the_event(e):
    """``(1−ε)Σ ⪯ Σ̂ ⪯ (1+ε)Σ``: eigenvalues of ``Σ^{-1/2} Σ̂ Σ^{-1/2}`` in ``[1−ε, 1+ε]``."""
    c = e.true
    r_inv = (c.basis / np.sqrt(c.eigenvalues)) @ c.basis.T
    M = r_inv @ e.estimate.matrix @ r_inv
    mu = np.linalg.eigvalsh(0.5 * (M + M.T))
    cond = c.eigenvalues[0] / c.eigenvalues[-1]
    tol = 64 * U * cond
    assert mu.min() >= 1 - e.eps - tol and mu.max() <= 1 + e.eps + tol


@given(lst.problems(), lst.problems(schedule=lst.ALL_SCHEDULES, max_eps=8.0))
def test_problems_are_valid_and_ordered(p, q):
    assert isinstance(p, Problem) and p.schedule in ("ou", "vp-linear") and p.T > 0
    assert np.all(np.diff(p.sigma2_used) <= 0)
    assert q.schedule in lst.ALL_SCHEDULES and 0 < q.T <= lst.STRATEGY_MAX_T[q.schedule]
    assert np.all(np.diff(q.sigma2_used) <= 0)


def _chi2_event_probability(n: int, eps) -> mp.mpf:
    """``P[|χ²_n/n − 1| ≤ ε]`` exactly (regularised incomplete gamma)."""
    # 1 − upper tail − lower tail: mpmath's gammainc(a, 0, y) fails to converge for a ~ 1e4 at
    # y = 2a, while the upper tail gammainc(a, y) and a lower tail with y < a are fine.
    a = mp.mpf(n) / 2
    upper = mp.gammainc(a, n * (1 + eps) / 2, regularized=True)
    lo = n * (1 - eps) / 2
    lower = mp.gammainc(a, 0, lo, regularized=True) if lo > 0 else 0
    return 1 - upper - lower


@given(st.integers(1, 4000), st.one_of(st.floats(1e-3, 3.0), lst._log_uniform(1e-3, 20.0)))
def test_prop9_concentration_bound(n, eps):
    """Prop 9 (any ``ε > 0``, drawn up to 20): ``P[|(1/n)ΣX_k² − σ²| ≤ εσ²] ≥
    1 − 2 exp(−ε² n / (4(ε+1)))`` against the exact chi-square probability (30 digits),
    n ≤ 4000 (the paper uses n = 1000; mpmath's incomplete gamma stops converging near
    n ~ 1.5e4, eps = 1)."""
    with mp.workdps(30):
        e = mp.mpf(eps)
        assert _chi2_event_probability(n, e) >= 1 - 2 * mp.exp(-e**2 * n / (4 * (e + 1))) - mp.mpf(10) ** -25


@given(st.integers(1, 4000), st.floats(1e-3, 1.0), st.integers(1, 6))
def test_prop3_event_probability_bound(n, eps, d0):
    """Prop 3/8: the event ``|σ̂_i² − σ²| ≤ εσ², i ≤ d0`` has probability ``≥ 1 − 2 d0 e^{−ε²n/8}``
    (independent components: exact probability ``p^{d0}``)."""
    with mp.workdps(30):
        e = mp.mpf(eps)
        p = _chi2_event_probability(n, e) ** d0
        assert p >= 1 - 2 * d0 * mp.exp(-e**2 * n / 8) - mp.mpf(10) ** -25
