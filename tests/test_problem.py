"""The problem specification rejects every bad input with a ValueError that
names the value, and keeps true/estimated variances paired when it orders components."""

import numpy as np
import pytest

from ldmstop import Problem, ProblemError
from ldmstop.curve import backward_times


@pytest.mark.parametrize(
    "variances, match",
    [
        ([1.0, float("nan")], r"variances\[1\] = nan is not finite"),
        ([1.0, float("inf")], r"variances\[1\] = inf is not finite"),
        ([0.5, -0.1], r"variances\[1\] = -0.1 is negative"),
        ([], "empty"),
        ([[1.0, 2.0]], "one-dimensional"),
        (["a", "b"], "must be numbers"),
    ],
)
def test_bad_variances(variances, match):
    with pytest.raises(ProblemError, match=match):
        Problem.from_variances(variances)


def test_problem_error_is_value_error():
    assert issubclass(ProblemError, ValueError)


@pytest.mark.parametrize("T", [0.0, -1.0, float("nan"), float("inf")])
def test_bad_horizon(T):
    with pytest.raises(ProblemError, match="T must be finite and > 0"):
        Problem.from_variances([1.0], T=T)


def test_bad_schedule():
    with pytest.raises(ProblemError, match="unknown schedule 'cosinus'"):
        Problem.from_variances([1.0], schedule="cosinus")


def test_mismatched_estimate_length():
    with pytest.raises(ProblemError, match="estimated has 2 values but variances has 3"):
        Problem.from_variances([1, 2, 3], estimated=[1, 2])


def test_estimate_checked_like_variances():
    with pytest.raises(ProblemError, match=r"estimated\[0\] = -1.0 is negative"):
        Problem.from_variances([1, 2], estimated=[-1, 2])


@pytest.mark.parametrize("samples", [0, -3, 2.5, True])
def test_bad_samples(samples):
    with pytest.raises(ProblemError, match="samples must be an integer >= 1"):
        Problem.from_variances([1.0, 0.5], samples=samples)


def test_estimate_and_samples_exclusive():
    with pytest.raises(ProblemError, match="not both"):
        Problem.from_variances([1.0], estimated=[1.0], samples=10)


@pytest.mark.parametrize("d", [0, 4, -1, 1.5])
def test_dimension_outside_range(d):
    p = Problem.from_variances([1.0, 0.5, 0.1])
    with pytest.raises(ProblemError, match=r"latent dimension d must be an integer in 1..3"):
        p.check_dimension(d)


@pytest.mark.parametrize("grid", [1, 0, -5])
def test_grid_too_small(grid):
    with pytest.raises(ProblemError, match="grid must be an integer >= 2"):
        backward_times(1.0, grid)


def test_covariance_not_square():
    with pytest.raises(ProblemError, match=r"square matrix, got shape \(2, 3\)"):
        Problem.from_covariance(np.zeros((2, 3)))


def test_covariance_not_symmetric():
    with pytest.raises(ProblemError, match="not symmetric"):
        Problem.from_covariance(np.array([[1.0, 0.5], [0.0, 1.0]]))


def test_covariance_not_psd():
    with pytest.raises(ProblemError, match="not positive semi-definite: smallest eigenvalue -1"):
        Problem.from_covariance(np.array([[1.0, 2.0], [2.0, 1.0]]))


def test_covariance_non_finite():
    with pytest.raises(ProblemError, match=r"covariance\[0, 1\] = nan"):
        Problem.from_covariance(np.array([[1.0, np.nan], [np.nan, 1.0]]))


def test_covariance_eigenbasis():
    rng = np.random.default_rng(1)
    O, _ = np.linalg.qr(rng.standard_normal((4, 4)))
    lam = np.array([0.1, 2.0, 0.5, 1.0])
    p = Problem.from_covariance(O @ np.diag(lam) @ O.T)
    np.testing.assert_allclose(p.sigma2, [2.0, 1.0, 0.5, 0.1], rtol=1e-12)
    # columns of the basis are eigenvectors, in component order
    cov = O @ np.diag(lam) @ O.T
    np.testing.assert_allclose(cov @ p.basis, p.basis * p.sigma2, atol=1e-12)


def test_ordering_by_estimate_keeps_pairs():
    p = Problem.from_variances([0.1, 0.5, 0.3], estimated=[0.6, 0.2, 0.4])
    np.testing.assert_array_equal(p.sigma2_hat, [0.6, 0.4, 0.2])
    np.testing.assert_array_equal(p.sigma2, [0.1, 0.3, 0.5])
    np.testing.assert_array_equal(p.order, [0, 2, 1])


def test_ordering_by_true_variance_without_estimate():
    p = Problem.from_variances([0.1, 0.5, 0.3])
    np.testing.assert_array_equal(p.sigma2, [0.5, 0.3, 0.1])


def test_arrays_are_read_only():
    p = Problem.from_variances([1.0, 0.5])
    with pytest.raises(ValueError):
        p.sigma2[0] = 3.0


def test_samples_reproducible_and_unbiased():
    sig2 = np.full(2000, 0.5)
    a = Problem.from_variances(sig2, samples=50, seed=3)
    b = Problem.from_variances(sig2, samples=50, seed=3)
    c = Problem.from_variances(sig2, samples=50, seed=4)
    np.testing.assert_array_equal(a.sigma2_hat, b.sigma2_hat)
    assert not np.array_equal(a.sigma2_hat, c.sigma2_hat)


@pytest.mark.parametrize("n", [1, 5, 50])
def test_drawn_estimate_has_the_law_of_the_uncentred_plugin(n):
    """``σ̂² = (1/n) Σ_k X_k²`` is ``σ² χ²_n / n``: mean ``σ²``, variance ``2σ⁴/n``. With 400,000
    draws the standard error of the mean is ``σ² sqrt(2/(n N))``, so the ``σ²/(n − 1)``-type bias
    of a wrong normalisation (``n − 1`` for ``n``; 2 % at n = 50) is 29 standard errors at
    n = 50 and far more below; checked at 5, and the variance to 5 of its standard errors."""
    N, s2 = 400_000, 0.5
    hat = Problem.from_variances(np.full(N, s2), samples=n, seed=11).sigma2_hat
    se_mean = s2 * np.sqrt(2.0 / (n * N))
    assert abs(hat.mean() - s2) < 5 * se_mean, (hat.mean(), se_mean)
    var = 2 * s2**2 / n
    # Var of the sample variance of σ²χ²_n/n: (μ4 − var²)/N with μ4 = var²(3 + 12/n)
    se_var = var * np.sqrt((2 + 12 / n) / N)
    assert abs(hat.var() - var) < 5 * se_var, (hat.var(), var, se_var)


@pytest.mark.parametrize("name,documented", [("ou", 2.0), ("vp-linear", 1.0), ("vp-cosine", 0.9946),
                                             ("rectified-flow", 1.0)])
def test_default_horizon_has_one_definition(name, documented):
    """The default horizon of each schedule (README: OU T = 2 as in the paper, VP-linear 1,
    VP-cosine 0.9946 as in DPM-Solver, rectified flow 1) is the same in the problem
    specification and in the SymPy schedule definitions, which read it from the former."""
    from ldmstop.derivations.schedules import get_schedule
    from ldmstop.problem import DEFAULT_T

    assert Problem.from_variances([1.0], schedule=name).T == DEFAULT_T[name] == documented
    assert get_schedule(name).default_T == DEFAULT_T[name]


def test_seed_without_samples_rejected():
    with pytest.raises(ProblemError, match="seed is only used with samples"):
        Problem.from_variances([1.0], seed=1)


def test_npy_files(tmp_path):
    good = tmp_path / "eig.npy"
    np.save(good, np.array([0.3, 1.0]))
    assert Problem.from_spectrum_file(good).D == 2
    with pytest.raises(ProblemError, match="does not exist"):
        Problem.from_spectrum_file(tmp_path / "missing.npy")
    garbage = tmp_path / "garbage.npy"
    garbage.write_bytes(b"this is not numpy")
    with pytest.raises(ProblemError, match="not a valid .npy"):
        Problem.from_spectrum_file(garbage)
    obj = tmp_path / "obj.npy"
    np.save(obj, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(ProblemError, match="not a valid .npy"):
        Problem.from_spectrum_file(obj)
    strs = tmp_path / "str.npy"
    np.save(strs, np.array(["a", "b"]))
    with pytest.raises(ProblemError, match="non-numeric dtype"):
        Problem.from_spectrum_file(strs)
    twod = tmp_path / "twod.npy"
    np.save(twod, np.eye(2))
    with pytest.raises(ProblemError, match="must hold a 1-D array"):
        Problem.from_spectrum_file(twod)
    with pytest.raises(ProblemError, match="is a directory"):
        Problem.from_spectrum_file(tmp_path)
    oned = tmp_path / "oned.npy"
    np.save(oned, np.ones(3))
    with pytest.raises(ProblemError, match="square matrix"):
        Problem.from_covariance_file(oned)


def test_rank_deficient_covariance_gives_nonnegative_variances():
    """A rank-2 covariance v vᵀ: its zero eigenvalues come out of eigvalsh as ±1e-16; the
    problem's variances are clipped at 0 (a negative one would reach sqrt), and the curve is
    finite with the exact discarded tail."""
    from ldmstop import compute_curve

    rng = np.random.default_rng(0)
    for _ in range(5):
        v = rng.standard_normal((6, 2))
        A = v @ v.T
        assert np.linalg.eigvalsh(A).min() < 0  # the round-off this guards against is there
        p = Problem.from_covariance(A)
        assert np.all(p.sigma2 >= 0.0)
        np.testing.assert_allclose(np.sort(p.sigma2)[-2:], np.sort(np.linalg.eigvalsh(A))[-2:], rtol=1e-12)
        res = compute_curve(p, grid=51)
        assert np.all(np.isfinite(res.w2_squared))
        # exact score, every component kept, end of sampling: the generated law is the data's
        assert abs(res.w2_squared[-1, -1]) <= 1e-12 * np.trace(A)
