"""From recorded moments to W2² with standard errors, z-scores and stopping decisions.

The samples are Gaussian and centred, so the law of the generated latent output at a
checkpoint is ``N(0, S)`` with ``S`` its second moment; the Monte Carlo estimate plugs in the
empirical second moment ``Ŝ`` (uncentred: the mean is known to be 0, which keeps ``Ŝ``
unbiased). Two estimators:

- ``diag`` (PCA latent, every ``d`` at once): the simulated components are independent by
  construction, so ``Ŵ²(t, d) = Σ_{i≤d} (sqrt(Ŝ_ii) - σ_i)² + Σ_{i>d} σ_i²`` (docs/theory.md §2);
- ``full`` (any orthonormal encoder ``E``): ``Ŵ² = d_F²(N(0, Eᵀ Ŝ E), N(0, Σ))``, the Fréchet
  distance with the full empirical covariance of the latent code (Dowson & Landau 1982).

Both are smooth functions of sample means, biased at order 1/N (e.g. ``E(sqrt(Ŝ) - σ)² ≈
(sqrt(S) - σ)² + σ sqrt(S)/(2N)`` for one component). Bias and standard error come from the
delete-a-group jackknife over the independent chunks (Busing, Meijer & van der Leeden 1999,
for unequal group sizes), which removes the O(1/N) bias and, on linear statistics, is the
batch-means variance. Where ``sqrt(S_ii) ≈ σ_i`` the linearisation behind the jackknife
degenerates (the error is then quadratic in the noise); its second-order variance
``2 τ_i⁴``, ``τ_i² = Var(sqrt(Ŝ_ii))``, is added for the diagonal estimator so that the
standard error does not collapse there. Differences between checkpoints or dimensions of one
run (common random numbers) get their standard error from the same jackknife.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

__all__ = ["ChunkMoments", "jackknife", "w2_diag", "w2_full", "stacked_means"]


@dataclass(frozen=True)
class ChunkMoments:
    """Per-chunk sums: ``counts (G,)``, ``s1 (G, M, R)``, ``s2 (G, M, R)`` (diagonal second
    moments), ``s2f (G, M, R, R)`` (full, or an empty array)."""

    counts: np.ndarray
    s1: np.ndarray
    s2: np.ndarray
    s2f: np.ndarray

    @property
    def n(self) -> int:
        return int(self.counts.sum())

    @property
    def chunks(self) -> int:
        return int(self.counts.size)


def stacked_means(mom: ChunkMoments, which: str) -> np.ndarray:
    """Means over all paths (index 0) and leaving out each chunk (indices 1..G)."""
    s = {"s1": mom.s1, "s2": mom.s2, "s2f": mom.s2f}[which]
    tot = s.sum(axis=0)
    N = mom.n
    loo = (tot[None] - s) / (N - mom.counts).reshape((-1,) + (1,) * (s.ndim - 1))
    return np.concatenate([(tot / N)[None], loo], axis=0)


def jackknife(values: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Bias-corrected estimate and standard error from ``values[0]`` (all paths) and
    ``values[1:]`` (chunk ``j`` left out): with ``h_j = N/n_j``,
    ``θ_J = G θ̂ - Σ_j (1 - n_j/N) θ_(j)`` and
    ``Var = (1/G) Σ_j (h_j θ̂ - (h_j - 1) θ_(j) - θ_J)² / (h_j - 1)``
    (Busing, Meijer & van der Leeden 1999)."""
    theta, loo = values[0], values[1:]
    G = loo.shape[0]
    N = float(counts.sum())
    shape = (-1,) + (1,) * (loo.ndim - 1)
    frac = (counts / N).reshape(shape)
    h = (N / counts).reshape(shape)
    est = G * theta - np.sum((1.0 - frac) * loo, axis=0)
    pseudo = h * theta[None] - (h - 1.0) * loo
    var = np.sum((pseudo - est[None]) ** 2 / (h - 1.0), axis=0) / G
    return est, np.sqrt(var)


def w2_diag(second: np.ndarray, sigma2: np.ndarray) -> np.ndarray:
    """``Σ_{i≤d} (sqrt(S_ii) - σ_i)² + Σ_{i>d} σ_i²`` for every ``d``: ``second`` has shape
    ``(..., M, R)`` (R ≤ D simulated components); returns ``(..., R, M)`` (row d-1 is d)."""
    sig2 = np.asarray(sigma2, dtype=float)
    R = second.shape[-1]
    err = (np.sqrt(np.clip(second, 0.0, None)) - np.sqrt(sig2[:R])) ** 2
    kept = np.cumsum(err, axis=-1)
    tail = np.concatenate([np.cumsum(sig2[::-1])[::-1][1:], [0.0]])[:R]
    return np.swapaxes(kept + tail, -1, -2)


def w2_full(second: np.ndarray, encoder: np.ndarray, sigma2: np.ndarray) -> np.ndarray:
    """``d_F²(N(0, Eᵀ S E), N(0, diag σ²))`` for a stack of latent second moments ``S``
    (``(..., R, R)``), ``E`` (``R × D``, orthonormal rows, PCA basis), by the cancellation-free
    :func:`ldmstop.frechet.frechet_distance2_factors` on the factors ``Eᵀ S^{1/2}`` (rank R,
    its zeros exact) and ``diag σ`` (docs/frechet.md)."""
    from ..frechet import frechet_distance2_factors

    S = 0.5 * (second + np.swapaxes(second, -1, -2))
    target = np.diag(np.sqrt(np.asarray(sigma2, dtype=float)))
    flat = S.reshape((-1,) + S.shape[-2:])
    out = np.empty(flat.shape[0])
    for k, Sk in enumerate(flat):
        lam, Q = np.linalg.eigh(Sk)
        out[k] = frechet_distance2_factors(encoder.T @ (Q * np.sqrt(np.clip(lam, 0.0, None))), target)
    return out.reshape(S.shape[:-2])


def second_order_floor(mom: ChunkMoments) -> np.ndarray:
    """``Σ_{i≤d} 2 τ_i⁴`` per ``(d, checkpoint)``, ``τ_i² = Var(Ŝ_ii)/(4 Ŝ_ii)`` with
    ``Var(Ŝ_ii)`` the jackknife (= batch-means) variance of the mean ``Ŝ_ii``."""
    means = stacked_means(mom, "s2")
    _, se = jackknife(means, mom.counts)  # (M, R)
    with np.errstate(divide="ignore", invalid="ignore"):
        tau2 = np.where(means[0] > 0, se**2 / (4.0 * means[0]), 0.0)
    return np.cumsum(2.0 * tau2**2, axis=-1).T  # (R, M)


def w2_estimates(mom: ChunkMoments, sigma2: np.ndarray, *, encoder: np.ndarray | None = None
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Jackknife W2² and its standard error, plus the per-replicate values for differences.

    Diagonal mode (``encoder is None``): arrays ``(R, M)``, every ``d ≤ R``. Full mode: ``(1, M)``
    for the encoder's dimension. Returns ``(estimate, stderr, replicates (G+1, ·, M))``.
    """
    if encoder is None:
        reps = w2_diag(stacked_means(mom, "s2"), sigma2)
        est, se = jackknife(reps, mom.counts)
        se = np.sqrt(se**2 + second_order_floor(mom))
    else:
        reps = w2_full(stacked_means(mom, "s2f"), encoder, sigma2)[:, None, :]
        est, se = jackknife(reps, mom.counts)
    return est, se, reps


def difference(reps: np.ndarray, counts: np.ndarray, f: Callable[[np.ndarray], np.ndarray]
               ) -> tuple[np.ndarray, np.ndarray]:
    """Jackknife estimate and standard error of ``f(replicates)`` (e.g. ``W²(T) - W²(t*)``
    from one run: common random numbers)."""
    return jackknife(f(reps), counts)
