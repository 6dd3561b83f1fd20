"""Distances between generated samples and held-out data, in pixel space.

- **Fréchet distance** of Gaussian fits (the FID formula on raw pixels; Heusel et al. 2017):
  ``‖μ_g - μ_h‖² + tr(C_g + C_h - 2 (C_h^{1/2} C_g C_h^{1/2})^{1/2})``, the covariance part
  by :func:`ldmstop.frechet.frechet_distance2` in float64. This is the W2² of the Gaussian
  theory (README, ``ldmstop curve``), so it is directly comparable with its prediction.
- **Sliced Wasserstein-2** (Rabin et al. 2012; Bonneel et al. 2015), squared:
  ``SW2² = (1/L) Σ_θ W2²(θᵀX, θᵀY)`` over L random unit directions θ (uniform on the sphere,
  drawn per seed), each 1-D W2² exact between the two empirical measures: the integral of the
  squared difference of their quantile functions, piecewise constant between the breakpoints
  ``{i/N} ∪ {j/M}`` (so N ≠ M is handled exactly). It sees every marginal, not only second
  moments.
- **MMD²** with the Gaussian kernel ``k(x, y) = exp(-‖x - y‖²/(2h²))`` (Gretton et al. 2012),
  unbiased U-statistic; ``h`` is the median pairwise distance of the held-out set (the median
  heuristic), fixed for the whole run.

The JAX functions are the ones the sampler evaluates at every step
(:mod:`ldmstop.learned.sampler`); the public ``sliced_w2``, ``mmd2`` and ``frechet`` apply
them to two sample arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .backend import require

__all__ = ["HeldOut", "make_heldout", "frechet_from_moments", "frechet", "sliced_w2", "mmd2",
           "quantile_coupling", "sliced_w2_jax", "sort_last_axis", "kernel_sums_jax", "mmd2_from_sums",
           "median_bandwidth", "random_directions"]


def quantile_coupling(N: int, M: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Indices and weights of the monotone coupling of two empirical measures on the line with
    N and M equally weighted atoms: ``W2² = Σ_j w_j (x_(ix_j) - y_(iy_j))²`` for sorted samples.

    The breakpoints ``i/N`` and ``j/M`` are merged exactly as integers over the common
    denominator ``N·M``; on each piece both quantile functions are constant."""
    if N < 1 or M < 1:
        raise ValueError(f"sample sizes must be >= 1, got {N} and {M}")
    brk = np.union1d(np.arange(1, N + 1, dtype=np.int64) * M, np.arange(1, M + 1, dtype=np.int64) * N)
    lo = np.concatenate([[0], brk[:-1]])
    mid2 = lo + brk  # twice the midpoint, in units of 1/(N M)
    ix = (mid2 // (2 * M)).astype(np.int32)
    iy = (mid2 // (2 * N)).astype(np.int32)
    w = (brk - lo) / float(N * M)
    return ix, iy, w


def random_directions(D: int, L: int, seed) -> np.ndarray:
    """L unit vectors uniform on the sphere of R^D (D × L), from ``numpy.random.default_rng(seed)``."""
    g = np.random.default_rng(seed).standard_normal((D, L))
    return g / np.linalg.norm(g, axis=0, keepdims=True)


def median_bandwidth(Y: np.ndarray) -> float:
    """Median Euclidean distance between distinct points of ``Y`` (the median heuristic)."""
    Y = np.asarray(Y, float)
    sq = np.sum(Y * Y, axis=1)
    d2 = np.clip(sq[:, None] + sq[None, :] - 2.0 * (Y @ Y.T), 0.0, None)
    iu = np.triu_indices(len(Y), 1)
    h = float(np.sqrt(np.median(d2[iu])))
    if not h > 0:
        raise ValueError("held-out samples are all equal: the MMD bandwidth would be 0")
    return h


def _np_sort_last(a):
    return np.sort(np.asarray(a), axis=-1)


def sort_last_axis(a):
    """Sort along the last axis through numpy (``jax.pure_callback``): XLA's CPU sort is about 15
    times slower than numpy's on these sizes (128 × 1000: 45 ms against 3 ms, measured here)."""
    jax, _, _ = require()
    return jax.pure_callback(_np_sort_last, jax.ShapeDtypeStruct(a.shape, a.dtype), a,
                             vmap_method="expand_dims")


def sliced_w2_jax(x, theta, ref_sorted, idx):
    """``SW2²`` of samples ``x`` (N × D) against reference projections already sorted
    (``ref_sorted``: L × M, for directions ``theta``: D × L); ``idx = quantile_coupling(N, M)``."""
    _, jnp, _ = require()
    ix, iy, w = idx
    xs = sort_last_axis((x @ theta).T)
    diff = xs[:, ix] - ref_sorted[:, iy]
    return jnp.mean(jnp.sum(w[None, :] * diff * diff, axis=1))


def kernel_sums_jax(x, y, bandwidth):
    """Row sums of the Gaussian kernel matrices: ``Σ_{j≠i} k(x_i, x_j)`` (N,) and
    ``Σ_j k(x_i, y_j)`` (N,); summed again in float64 by the caller (two-level summation keeps
    float32 rounding at the 1e-6 level for N = 1000)."""
    _, jnp, _ = require()
    c = -0.5 / (bandwidth * bandwidth)
    sx = jnp.sum(x * x, axis=1)
    sy = jnp.sum(y * y, axis=1)
    dxx = jnp.maximum(sx[:, None] + sx[None, :] - 2.0 * (x @ x.T), 0.0)
    kxx = jnp.exp(c * dxx)
    kxx_rows = jnp.sum(kxx, axis=1) - jnp.diagonal(kxx)
    dxy = jnp.maximum(sx[:, None] + sy[None, :] - 2.0 * (x @ y.T), 0.0)
    return kxx_rows, jnp.sum(jnp.exp(c * dxy), axis=1)


@dataclass(frozen=True)
class HeldOut:
    """The held-out reference: samples, their moments, per-seed sliced-W2 directions and sorted
    projections, the MMD bandwidth and the reference-only kernel mean."""

    x: np.ndarray            # (M, D)
    mean: np.ndarray         # (D,)
    cov: np.ndarray          # (D, D), unbiased
    theta: np.ndarray        # (S, D, L)
    sorted_proj: np.ndarray  # (S, L, M)
    bandwidth: float
    kyy_mean: float          # mean of k(y_i, y_j) over i ≠ j

    def sw_index(self, N: int):
        return quantile_coupling(int(N), self.x.shape[0])


def _kyy_mean(Y: np.ndarray, h: float) -> float:
    sq = np.sum(Y * Y, axis=1)
    d2 = np.clip(sq[:, None] + sq[None, :] - 2.0 * (Y @ Y.T), 0.0, None)
    K = np.exp(-d2 / (2.0 * h * h))
    M = len(Y)
    return float((K.sum() - np.trace(K)) / (M * (M - 1)))


def make_heldout(Y: np.ndarray, seeds, directions: int, base_seed: int = 0,
                 bandwidth: float | None = None) -> HeldOut:
    """Reference statistics of held-out samples ``Y`` (M × D) for the seeds of a run."""
    Y = np.asarray(Y, float)
    if Y.ndim != 2 or Y.shape[0] < 2:
        raise ValueError(f"held-out data must be M × D with M >= 2, got shape {Y.shape}")
    h = median_bandwidth(Y) if bandwidth is None else float(bandwidth)
    thetas = np.stack([random_directions(Y.shape[1], directions, [base_seed, int(s), 17]) for s in seeds])
    proj = np.sort(np.einsum("md,sdl->slm", Y, thetas), axis=-1)
    return HeldOut(x=Y, mean=Y.mean(axis=0), cov=np.cov(Y, rowvar=False, ddof=1).reshape(Y.shape[1], Y.shape[1]),
                   theta=thetas, sorted_proj=proj, bandwidth=h, kyy_mean=_kyy_mean(Y, h))


def mmd2_from_sums(kxx_rows: np.ndarray, kxy_rows: np.ndarray, N: int, held: HeldOut) -> np.ndarray:
    """Unbiased ``MMD²`` from the kernel row sums (last axis: the N generated samples)."""
    M = held.x.shape[0]
    return (kxx_rows.sum(-1) / (N * (N - 1)) + held.kyy_mean - 2.0 * kxy_rows.sum(-1) / (N * M))


def frechet_from_moments(mean: np.ndarray, cov: np.ndarray, held: HeldOut,
                         cov_dtype=np.float64) -> float:
    """Fréchet distance (squared) between ``N(mean, cov)`` and the Gaussian fit of the held-out
    data; the covariance term from :func:`ldmstop.frechet.frechet_distance2`.

    ``cov_dtype``: the precision ``cov`` was accumulated in. The sampler forms ``xcᵀ xc`` in
    float32 (JAX), whose rounding makes eigenvalues of a rank-deficient covariance (decoded
    d < D latents) negative at the float32 level, ~1e-8 relative; the PSD check of
    ``frechet_distance2`` is then handed ``cov`` in that dtype, so that its default tolerance
    (``64·D·u``, ``u`` of the input's dtype) is float32's, not float64's, which would reject a
    valid Gram matrix. The conversion is exact: the values were float32 to begin with."""
    from ldmstop.frechet import frechet_distance2

    return float(np.sum((np.asarray(mean, float) - held.mean) ** 2)
                 + frechet_distance2(np.asarray(cov, cov_dtype), held.cov))


# ---------------------------------------------------------------- two-sample convenience API
def frechet(X: np.ndarray, Y: np.ndarray) -> float:
    """Fréchet distance (squared) between the Gaussian fits of samples X and Y (rows)."""
    X = np.asarray(X, float)
    held = HeldOut(x=np.asarray(Y, float), mean=np.mean(Y, axis=0),
                   cov=np.atleast_2d(np.cov(Y, rowvar=False, ddof=1)),
                   theta=np.zeros((0,)), sorted_proj=np.zeros((0,)), bandwidth=1.0, kyy_mean=0.0)
    return frechet_from_moments(X.mean(axis=0), np.atleast_2d(np.cov(X, rowvar=False, ddof=1)), held)


def sliced_w2(X: np.ndarray, Y: np.ndarray, directions: int = 256, seed=0) -> float:
    """``SW2²`` between samples X (N × D) and Y (M × D) over ``directions`` random directions."""
    _, jnp, _ = require()
    X, Y = np.asarray(X, float), np.asarray(Y, float)
    theta = random_directions(X.shape[1], directions, seed)
    ref = np.sort((Y @ theta).T, axis=-1)
    ix, iy, w = quantile_coupling(len(X), len(Y))
    f32 = lambda a: jnp.asarray(a, jnp.float32)  # noqa: E731
    return float(sliced_w2_jax(f32(X), f32(theta), f32(ref), (jnp.asarray(ix), jnp.asarray(iy), f32(w))))


def mmd2(X: np.ndarray, Y: np.ndarray, bandwidth: float | None = None) -> float:
    """Unbiased ``MMD²`` with the Gaussian kernel of bandwidth ``h`` (default: median heuristic
    on Y), computed by the sampler's kernel (:func:`kernel_sums_jax`)."""
    _, jnp, _ = require()
    Y = np.asarray(Y, float)
    h = median_bandwidth(Y) if bandwidth is None else float(bandwidth)
    held = HeldOut(x=Y, mean=Y.mean(0), cov=np.zeros((1, 1)), theta=np.zeros(0), sorted_proj=np.zeros(0),
                   bandwidth=h, kyy_mean=_kyy_mean(Y, h))
    kxx, kxy = kernel_sums_jax(jnp.asarray(X, jnp.float32), jnp.asarray(Y, jnp.float32), jnp.float32(h))
    return float(mmd2_from_sums(np.asarray(kxx, float), np.asarray(kxy, float), len(X), held))
