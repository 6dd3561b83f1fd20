"""Fréchet (Wasserstein-2) distance between Gaussians, full-matrix form, float64 and mpmath.

Dowson & Landau (1982); THEORY.md §1:

    d_F²(N(μ1, Σ1), N(μ2, Σ2)) = ‖μ1 - μ2‖² + tr(Σ1 + Σ2 - 2 (Σ2^{1/2} Σ1 Σ2^{1/2})^{1/2}).

The symmetric form ``Σ2^{1/2} Σ1 Σ2^{1/2}`` is used so that every square root is of a symmetric
PSD matrix (``eigh``/``eigsy``), never of the non-symmetric product ``Σ1 Σ2``. This is the
independent, matrix-level route against which the diagonal closed form of
:mod:`ldmstop.derivations` is checked; for ill-conditioned inputs use the mpmath version
(DESIGN.md: float64 loses 5-6 digits at condition number 1e10).
"""

from __future__ import annotations

import numpy as np

__all__ = ["psd_sqrt", "frechet_distance2", "frechet_distance2_mp", "psd_sqrt_mp",
           "frechet_diagonal"]


def psd_sqrt(A: np.ndarray) -> np.ndarray:
    """Symmetric PSD square root by ``eigh`` (negative round-off eigenvalues clipped to 0)."""
    A = 0.5 * (np.asarray(A, dtype=float) + np.asarray(A, dtype=float).T)
    lam, U = np.linalg.eigh(A)
    return (U * np.sqrt(np.clip(lam, 0.0, None))) @ U.T


def frechet_distance2(S1: np.ndarray, S2: np.ndarray, mu1: np.ndarray | None = None,
                      mu2: np.ndarray | None = None) -> float:
    """``d_F²`` between ``N(μ1, S1)`` and ``N(μ2, S2)`` in float64 (means default to 0)."""
    S1 = np.atleast_2d(np.asarray(S1, dtype=float))
    S2 = np.atleast_2d(np.asarray(S2, dtype=float))
    if S1.shape != S2.shape or S1.shape[0] != S1.shape[1]:
        raise ValueError(f"covariances must be square and of one shape, got {S1.shape} and {S2.shape}")
    r2 = psd_sqrt(S2)
    M = r2 @ S1 @ r2
    cross = np.sqrt(np.clip(np.linalg.eigvalsh(0.5 * (M + M.T)), 0.0, None)).sum()
    mean = 0.0
    if mu1 is not None or mu2 is not None:
        m1 = np.zeros(S1.shape[0]) if mu1 is None else np.asarray(mu1, dtype=float)
        m2 = np.zeros(S1.shape[0]) if mu2 is None else np.asarray(mu2, dtype=float)
        mean = float(np.sum((m1 - m2) ** 2))
    return float(max(mean + np.trace(S1) + np.trace(S2) - 2.0 * cross, 0.0))


def frechet_diagonal(var1: np.ndarray, var2: np.ndarray) -> float:
    """Commuting (diagonal) case: ``Σ_i (sqrt(λ1_i) - sqrt(λ2_i))²``."""
    return float(np.sum((np.sqrt(np.asarray(var1, float)) - np.sqrt(np.asarray(var2, float))) ** 2))


def psd_sqrt_mp(A):
    """mpmath symmetric PSD square root via ``mp.eigsy`` at the current ``mp.dps``."""
    import mpmath as mp

    A = mp.matrix(A)
    n = A.rows
    As = (A + A.T) / 2
    lam, U = mp.eigsy(As)
    D = mp.diag([mp.sqrt(max(lam[i], 0)) for i in range(n)])
    return U * D * U.T


def frechet_distance2_mp(S1, S2, mu1=None, mu2=None):
    """``d_F²`` at the current ``mpmath.mp.dps`` (inputs: anything ``mp.matrix`` accepts)."""
    import mpmath as mp

    S1 = mp.matrix(S1)
    S2 = mp.matrix(S2)
    n = S1.rows
    r2 = psd_sqrt_mp(S2)
    M = r2 * S1 * r2
    M = (M + M.T) / 2
    lam = mp.eigsy(M, eigvals_only=True)
    cross = mp.fsum(mp.sqrt(max(lam[i], 0)) for i in range(n))
    tr = mp.fsum(S1[i, i] + S2[i, i] for i in range(n))
    mean = mp.mpf(0)
    if mu1 is not None or mu2 is not None:
        m1 = mp.matrix(n, 1) if mu1 is None else mp.matrix(mu1)
        m2 = mp.matrix(n, 1) if mu2 is None else mp.matrix(mu2)
        mean = mp.fsum((m1[i] - m2[i]) ** 2 for i in range(n))
    return mean + tr - 2 * cross
